"""The augmented-view contrastive term: it rewards matching views of one clip, and training with it runs."""
import json

import torch

from pretrain.model import MotionTextModel
from pretrain.train import augmented_view_loss
from tests.test_pretrain import TINY, corpus, pretrain  # noqa: F401  (corpus is a fixture)


class _NoAccelerator:
    @staticmethod
    def autocast():
        return torch.autocast("cpu", enabled=False)


def _model():
    torch.manual_seed(0)
    return MotionTextModel(6, {"channels": [8, 16], "strides": [1, 2]}, {"kind": "minilm"}, 32)


def test_matching_views_score_lower_than_mismatched():
    model = _model().eval()
    x = torch.randn(8, 40, 22, 6)
    mask = torch.ones_like(x)
    pooled = model.imu_features(x, mask)
    same = augmented_view_loss(model, pooled, (x, mask), 0.1, _NoAccelerator())
    shuffled = augmented_view_loss(model, pooled, (x[torch.randperm(8, generator=torch.Generator().manual_seed(1))],
                                                   mask), 0.1, _NoAccelerator())
    assert same < shuffled
    assert same < torch.log(torch.tensor(8.0))  # below chance: each clip finds its own view


def test_training_with_the_term_changes_the_model(corpus, tmp_path):  # noqa: F811
    from safetensors.torch import load_file

    runs, first_loss = {}, {}
    for weight in (0.0, 1.0):
        output = tmp_path / f"w{weight}"
        result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 3, *TINY,
                          "--set", f"train.view_contrast_weight={weight}")
        assert result.returncode == 0, result.stderr
        runs[weight] = load_file(output / "model.safetensors")
        losses = [json.loads(line)["loss"] for line in (output / "metrics.jsonl").read_text().splitlines()]
        assert all(loss == loss for loss in losses)
        first_loss[weight] = losses[0]
    # Step 1 sees the same batch and first augmentation in both runs: the logged loss differs by the view
    # term, about log(batch) = log(8) for an untrained encoder.
    assert 1.0 < first_loss[1.0] - first_loss[0.0] < 3.0
    assert any(not torch.equal(runs[0.0][k], runs[1.0][k]) for k in runs[0.0] if k.startswith("imu_encoder"))
