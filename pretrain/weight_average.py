"""Averages of a model's trained weights over the steps of a run: the weights a run saves when asked.

Averaging the iterates of stochastic optimisation (Polyak & Juditsky, SIAM J. Control Optim. 1992) gives a
model that depends less on where the last steps happened to land. Two forms:

* **exponential** (``decay`` in (0, 1)): after update ``n`` (counted from 1) ``s <- s + (1 - d_n) (w - s)``
  with ``d_n = min(decay, (1 + n) / (10 + n))``, the ramp of TensorFlow's ``ExponentialMovingAverage`` with
  ``num_updates``, so the first steps' (random-init) weights do not dominate a short run. The ramp reaches
  0.99 after 890 updates; before that the average spans about the last tenth of the run (after 300 updates
  the decay is 0.971, ~34 steps). As in mean teacher (Tarvainen & Valpola, NeurIPS 2017).
* **uniform** (``decay`` None): the plain mean of the weights after every update, ``d_n = 1 - 1/n``; started
  part-way through a run, this is stochastic weight averaging (Izmailov et al., UAI 2018) taken densely,
  every step, as SWAD does for generalisation to unseen domains (Cha et al., NeurIPS 2021).

:class:`WeightAverage` follows every parameter that trains and every floating-point buffer (batch-norm
statistics) of a module; frozen parameters (a frozen text tower) are left out, since they never move. The
averaged tensors and the update count are what a checkpoint stores (:meth:`state_dict` /
:meth:`load_state_dict`: tensors and an int, for safetensors + JSON); :meth:`copy_to` writes the averages
into the module. The caller decides at which steps to :meth:`update` (``pretrain.train``: every optimizer
step from ``train.average_from`` on).
"""
from __future__ import annotations

import torch


def tracked_tensors(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The tensors an average follows, by state-dict name: trained parameters and floating buffers."""
    tracked = {name: parameter for name, parameter in module.named_parameters() if parameter.requires_grad}
    tracked.update({name: buffer for name, buffer in module.named_buffers()
                    if buffer is not None and torch.is_floating_point(buffer)})
    return tracked


def update_decay(decay: float | None, updates: int) -> float:
    """The decay of update number ``updates`` (from 1): ``min(decay, (1 + n) / (10 + n))``, or ``1 - 1/n`` for
    the uniform mean (``decay`` None)."""
    if decay is None:
        return 1.0 - 1.0 / updates
    return min(decay, (1.0 + updates) / (10.0 + updates))


class WeightAverage:
    """The exponential (``decay``) or uniform (``decay`` None) average of ``module``'s tracked tensors."""

    def __init__(self, module: torch.nn.Module, decay: float | None):
        if decay is not None and not 0.0 < decay < 1.0:
            raise ValueError(f"the average's decay must lie in (0, 1), got {decay}")
        self.decay, self.updates = decay, 0
        self.shadow = {name: tensor.detach().clone() for name, tensor in tracked_tensors(module).items()}

    @torch.no_grad()
    def update(self, module: torch.nn.Module) -> None:
        """Move the average towards ``module``'s current tensors (the first update of a uniform mean takes
        them as they are)."""
        self.updates += 1
        weight = 1.0 - update_decay(self.decay, self.updates)
        current = tracked_tensors(module)
        for name, average in self.shadow.items():
            average.lerp_(current[name].detach(), weight)

    @torch.no_grad()
    def copy_to(self, module: torch.nn.Module) -> None:
        """Write the averages into ``module``'s parameters and buffers; before the first update there is no
        average and ``module`` is left as it is (a run stopped before ``train.average_from`` saves its last
        weights, not its first)."""
        if self.updates == 0:
            return
        current = tracked_tensors(module)
        for name, average in self.shadow.items():
            current[name].copy_(average)

    def state_dict(self) -> tuple[dict[str, torch.Tensor], int]:
        """The averaged tensors (on the CPU, contiguous) and the number of updates so far."""
        return {name: tensor.detach().cpu().contiguous() for name, tensor in self.shadow.items()}, self.updates

    def load_state_dict(self, tensors: dict[str, torch.Tensor], updates: int) -> None:
        """Restore :meth:`state_dict`'s output; refuses tensors of other names or shapes."""
        if set(tensors) != set(self.shadow):
            raise ValueError(f"the saved average follows {len(tensors)} tensors, this model {len(self.shadow)}")
        for name, tensor in tensors.items():
            if tensor.shape != self.shadow[name].shape:
                raise ValueError(f"the saved average of {name} has shape {tuple(tensor.shape)}, the model's "
                                 f"{tuple(self.shadow[name].shape)}")
            self.shadow[name].copy_(tensor)
        self.updates = int(updates)
