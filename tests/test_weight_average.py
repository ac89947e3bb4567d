"""Weight averages (train.weight_average): their arithmetic, what they follow, and that a run saves the
average of the steps asked for, checkpoints it, and resumes it bit for bit."""
import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from pretrain.weight_average import WeightAverage, tracked_tensors, update_decay
from tests.test_pretrain import corpus, pretrain  # noqa: F401  (corpus is a fixture)
from tests.test_pretrain_resume import SCHEDULE, differing, straight_and_stopped

AVERAGED = [*SCHEDULE, "--set", "train.weight_average=uniform", "--set", "train.average_from=3"]  # steps 3-6


class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)
        self.norm = torch.nn.BatchNorm1d(2)
        self.frozen = torch.nn.Linear(2, 2).requires_grad_(False)


def test_the_decay_ramps_up_to_its_setting_or_gives_the_running_mean():
    assert update_decay(0.99, 1) == pytest.approx(2 / 11)
    assert update_decay(0.99, 80) == pytest.approx(81 / 90)
    assert update_decay(0.99, 10_000) == 0.99
    assert update_decay(None, 1) == 0.0 and update_decay(None, 4) == pytest.approx(0.75)


def test_the_average_follows_trained_parameters_and_float_buffers_only():
    names = set(tracked_tensors(Small()))
    assert names == {"linear.weight", "linear.bias", "norm.weight", "norm.bias", "norm.running_mean",
                     "norm.running_var"}  # not the frozen layer, not the integer batch count


@pytest.mark.parametrize("decay", [0.5, None])
def test_updates_give_the_average_in_closed_form(decay):
    module = Small()
    average = WeightAverage(module, decay=decay)
    start = module.linear.weight.detach().clone()
    values = [torch.full_like(start, v) for v in (1.0, 2.0, 3.0)]
    expected = start.clone()
    for n, value in enumerate(values, start=1):
        with torch.no_grad():
            module.linear.weight.copy_(value)
        average.update(module)
        d = update_decay(decay, n)
        expected = d * expected + (1 - d) * value
    if decay is None:  # the plain mean of what it saw, the starting weights not among them
        assert torch.allclose(expected, torch.full_like(start, 2.0))
    assert torch.allclose(average.shadow["linear.weight"], expected)
    assert not torch.allclose(module.linear.weight, expected)
    average.copy_to(module)
    assert torch.allclose(module.linear.weight, expected)


def test_an_average_of_no_steps_leaves_the_weights_as_they_are():
    module = Small()
    average = WeightAverage(module, decay=None)
    with torch.no_grad():
        module.linear.weight.add_(1.0)
    trained = module.linear.weight.detach().clone()
    average.copy_to(module)
    assert torch.equal(module.linear.weight, trained)


def test_a_saved_average_of_another_model_is_refused():
    average = WeightAverage(Small(), decay=0.9)
    tensors, updates = average.state_dict()
    tensors["linear.weight"] = torch.zeros(5, 5)
    with pytest.raises(ValueError, match="linear.weight"):
        average.load_state_dict(tensors, updates)
    with pytest.raises(ValueError):
        WeightAverage(Small(), decay=1.0)


@pytest.fixture(scope="module")
def averaged_runs(corpus, tmp_path_factory):  # noqa: F811
    """A straight 6-step run averaging steps 3-6 and the same run stopped after 4."""
    return straight_and_stopped(corpus, tmp_path_factory.mktemp("averaged"), AVERAGED)


def test_the_model_saved_is_the_average_and_the_checkpoint_keeps_both(averaged_runs):
    straight, _ = averaged_runs
    checkpoint = straight / "checkpoints" / "step-6"
    assert json.loads((checkpoint / "training.json").read_text())["average"] == {"updates": 4}
    saved, raw, average = (load_file(path) for path in (
        straight / "model.safetensors", checkpoint / "model.safetensors", checkpoint / "average.safetensors"))
    assert average and all(torch.equal(saved[name], tensor) for name, tensor in average.items())
    trained = [name for name in average if not torch.equal(raw[name], average[name])]
    assert any(name.startswith("imu_encoder.") for name in trained)
    assert all(torch.equal(saved[name], raw[name]) for name in raw if name not in average)  # frozen tower
    assert json.loads((straight / "config.json").read_text())["trained"]["weights"] == "mean of steps 3-6"


def test_a_stopped_averaged_run_resumed_equals_the_straight_run(corpus, averaged_runs, tmp_path):  # noqa: F811
    straight, stopped = averaged_runs
    output = tmp_path / "resumed"
    shutil.copytree(stopped, output)
    result = pretrain("--corpus", corpus, "--output", output, "--max-steps", 6, "--resume", *AVERAGED)
    assert result.returncode == 0, result.stderr
    assert differing(load_file(straight / "model.safetensors"), load_file(output / "model.safetensors")) == []
