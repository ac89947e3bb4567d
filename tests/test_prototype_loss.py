"""The activity-prototype term: prototypes are class means, unlabelled rows are left out, it rewards the right
activity, batches carry each clip's activity, the bank holds the activities' own descriptions, and training with
the term runs and changes the model."""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

from pretrain.data import EpochBatches, activity_bank
from pretrain.loss import class_prototypes, prototype_loss
from simulate.corpus import load_corpus
from tests.test_pretrain import TINY, corpus, pretrain  # noqa: F401  (corpus is a fixture)


def test_prototypes_are_normalised_class_means_by_hand():
    text = torch.tensor([[2.0, 0.0], [0.0, 3.0], [0.0, -1.0], [5.0, 0.0]])
    prototypes = class_prototypes(text, torch.tensor([0, 0, 1, 1]), 2)
    # class 0: mean of (1, 0) and (0, 1); class 1: mean of (0, -1) and (1, 0); each then normalised
    half = 1 / math.sqrt(2)
    assert torch.allclose(prototypes, torch.tensor([[half, half], [half, -half]]))


def test_the_right_activity_scores_lower_and_unlabelled_rows_are_left_out():
    torch.manual_seed(0)
    prototypes = F.normalize(torch.randn(5, 16), dim=-1)
    labels = torch.tensor([0, 1, 2, 3, 4])
    aligned = prototypes + 0.1 * torch.randn(5, 16)
    right = prototype_loss(aligned, prototypes, 10.0, labels)
    wrong = prototype_loss(aligned, prototypes, 10.0, labels.roll(1))
    assert right < 0.2 < math.log(5) < wrong
    extra = torch.cat((aligned, torch.randn(3, 16)))
    with_unlabelled = prototype_loss(extra, prototypes, 10.0, torch.cat((labels, torch.full((3,), -1))))
    assert torch.allclose(with_unlabelled, right)
    none = prototype_loss(aligned.requires_grad_(), prototypes, 10.0, torch.full((5,), -1))
    assert none.item() == 0.0
    none.backward()  # the graph stays intact
    assert aligned.grad is not None


def test_batches_carry_each_rows_activity(corpus):  # noqa: F811
    rows = load_corpus(corpus)
    names = sorted(set(rows["activity"]))
    batches = EpochBatches(str(corpus), batch_size=8, window=50, seed=0, epoch=0)
    batch = batches[1]
    expected = [names.index(rows[int(row)]["activity"]) for row in batch["index"]]
    assert batch["activity"].tolist() == expected


def test_the_bank_holds_each_activitys_own_descriptions(corpus):  # noqa: F811
    rows = load_corpus(corpus)
    bank = activity_bank(str(corpus), per_activity=3, seed=0)
    assert bank.names == tuple(sorted(set(rows["activity"])))
    own = {name: set() for name in bank.names}
    for texts, name in zip(rows["texts"], rows["activity"]):
        own[name].update(texts)
    counts = np.bincount(bank.classes, minlength=len(bank.names))
    assert all(count == min(3, len(own[name])) for count, name in zip(counts, bank.names))
    assert all(text in own[bank.names[k]] for text, k in zip(bank.texts, bank.classes))
    again = activity_bank(str(corpus), per_activity=3, seed=0)  # deterministic
    assert again.texts == bank.texts and np.array_equal(again.classes, bank.classes)


def test_training_with_the_term_changes_the_model(corpus, tmp_path):  # noqa: F811
    from safetensors.torch import load_file

    runs, first_loss = {}, {}
    for weight in (0.0, 1.0):
        output = tmp_path / f"w{weight}"
        result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 3, *TINY,
                          "--set", f"train.prototype_weight={weight}", "--set", "train.prototype_texts=4")
        assert result.returncode == 0, result.stderr
        runs[weight] = load_file(output / "model.safetensors")
        first_loss[weight] = json.loads((output / "metrics.jsonl").read_text().splitlines()[0])["loss"]
    # Step 1 sees the same batch and augmentation in both runs: the logged loss differs by the prototype term,
    # at least log(4 activities) for an untrained encoder, whose windows all point one way.
    assert first_loss[1.0] - first_loss[0.0] > 0.5
    assert any(not torch.equal(runs[0.0][k], runs[1.0][k]) for k in runs[0.0] if k.startswith("imu_encoder"))
