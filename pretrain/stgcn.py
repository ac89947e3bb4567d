"""The ST-GCN motion encoder of UniMTS: IMU signals on the 22 body joints -> one embedding per sample.

Spatial temporal graph convolution (Yan, Xiong & Lin, "Spatial Temporal Graph Convolutional Networks
for Skeleton-Based Action Recognition", AAAI 2018) as UniMTS uses it to encode simulated and real motion
time series (Zhang et al., "UniMTS: Unified Pre-training for Motion Time Series", NeurIPS 2024): an
input batch-norm over joints x channels, blocks of [graph convolution over the spatial partitions with a
learnable edge importance, then BN-ReLU-temporal convolution-BN, plus a residual], and a global average
over time and joints. There is no classification head.

Parameter and buffer names are those of the reference network, so a UniMTS checkpoint's ``acc.<name>``
is this module's ``<name>`` (``A``, ``data_bn.*``, ``st_gcn_networks.<i>.gcn.conv.*``,
``st_gcn_networks.<i>.tcn.{0,2,3}.*``, ``st_gcn_networks.<i>.residual.{0,1}.*``, ``edge_importance.<i>``).
The input batch-norm feature of joint ``v``, channel ``c`` is ``v * C + c``, as in the reference.

For speed on CPU the blocks keep activations joint-major, (V, T, N, C) in memory: the 1x1 graph
convolution is a matrix product over the last dimension, the mixing over joints a (K V, V) @ (V, T * N * C)
matrix product on whichever side of it has fewer channels (:class:`GraphConvolution`), and the temporal
convolutions and batch-norms see (V, C, T, N) tensors (joints as their batch), channels-last for narrow
blocks. The paper-width training step against the reference's (N, C, T, V) layout and einsum is timed by
``python -m experiments.speed train``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pretrain.graph import spatial_partitions

#: Block widths and temporal strides of the UniMTS / ST-GCN encoder.
REFERENCE_CHANNELS: tuple[int, ...] = (64, 64, 64, 64, 128, 128, 128, 256, 256, 512)
REFERENCE_STRIDES: tuple[int, ...] = (1, 1, 1, 1, 2, 1, 1, 2, 1, 1)
#: Temporal convolutions of blocks narrower than this run on channels-last tensors, wider ones on
#: contiguous (NCHW) tensors: oneDNN's channels-last backward pass is faster for narrow layers and up to
#: 1.5x slower for 512 channels (measured with torch 2.14 on CPU).
CHANNELS_LAST_BELOW = 256
#: ... and only when every convolution of the block is at least this wide: oneDNN's channels-last backward
#: pass of a strided convolution with a handful of channels crashed the process (SIGSEGV or abort; torch 2.14
#: on AVX512 CPUs, a Xeon and an EPYC; e.g. an 8 -> 8 stride-2 block at batch 16), and narrow layers gain
#: nothing from the layout.
CHANNELS_LAST_MIN = 16
#: Under bf16 autocast on the CPU every block of at least CHANNELS_LAST_MIN channels runs channels-last:
#: oneDNN's bf16 kernels favour it at every width (paper-width training step 6.4 against 5.9 samples/s).


def _cpu_bf16_autocast() -> bool:
    return torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16


class GraphConvolution(nn.Module):
    """A 1x1 convolution to ``K * out_channels`` channels, then a sum over the K partitions' adjacency.

    ``out[i] = sum_k sum_j A[k, j, i] (W_k x[j] + b_k)`` for joints ``i, j`` (ST-GCN, Eq. 10), where
    ``W_k, b_k`` are the ``k``-th group of ``out_channels`` output channels of ``conv``.

    The joint mixing is linear and acts on joints only, so it commutes with the channel map:
    ``out[i] = sum_k W_k (sum_j A[k, j, i] x[j]) + sum_k (sum_j A[k, j, i]) b_k``. The mixing costs
    ``K V^2`` multiply-adds per channel it sees, so it runs on the narrower side: after the channel map
    when the block narrows, before it when the block widens (the first block mixes its 6 input channels
    instead of 32 or 64 outputs). Forward plus backward of a (64, 200, 22, 6) batch through the
    ``cpu-small`` encoder under bf16 on the project's 2-core CPU: 108-115 samples/s, against 82-85 with
    every block mixing after the map; the paper widths (batch 16): 6.5-6.8 against 6.1.
    """

    def __init__(self, in_channels: int, out_channels: int, partitions: int):
        super().__init__()
        self.partitions = partitions
        self.out_channels = out_channels
        self.conv = nn.Conv2d(in_channels, out_channels * partitions, kernel_size=1)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        """x (V, ..., C_in) contiguous -> (V, ..., C_out); ``adjacency`` (K, V, V)."""
        if x.shape[-1] <= self.out_channels:
            return self._mix_then_map(x, adjacency)
        return self._map_then_mix(x, adjacency)

    def _map_then_mix(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        joints = x.shape[0]
        weights = self.conv.weight.view(self.partitions, self.out_channels, -1)
        biases = self.conv.bias.view(self.partitions, self.out_channels)
        out = None
        for k in range(self.partitions):
            features = F.linear(x, weights[k], biases[k]).view(joints, -1)  # (V, rest)
            mixing = adjacency[k].t()  # [i, j] = A[k, j, i]
            out = mixing @ features if out is None else torch.addmm(out, mixing, features)
        return out.view(*x.shape[:-1], self.out_channels)

    def _mix_then_map(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        joints, in_channels = x.shape[0], x.shape[-1]
        # One product for all partitions: row (k, i) of the mixing is A[k, :, i].
        mixing = adjacency.transpose(1, 2).reshape(self.partitions * joints, joints)
        mixed = (mixing @ x.reshape(joints, -1)).view(self.partitions, -1, in_channels)  # (K, V * rest, C_in)
        weights = self.conv.weight.view(self.partitions, self.out_channels, in_channels)
        # unbind, not indexing: the backward of K selections zero-fills K gradients the size of ``mixed``
        parts = mixed.unbind(0)
        out = parts[0] @ weights[0].t()
        for k in range(1, self.partitions):
            out = torch.addmm(out, parts[k], weights[k].t())
        # sum_k (sum_j A[k, j, i]) b_k: every joint's bias, (V, C_out)
        bias = torch.einsum("kji,kc->ic", adjacency, self.conv.bias.view(self.partitions, self.out_channels))
        out = out.view(joints, -1, self.out_channels) + bias[:, None].to(out.dtype)
        return out.view(*x.shape[:-1], self.out_channels)


class STGCNBlock(nn.Module):
    """Graph convolution -> BN, ReLU, temporal convolution (stride ``stride``), BN, dropout -> + residual -> ReLU.

    The residual is absent in the first block of the network, the identity where width and time
    resolution are unchanged, and otherwise a strided 1x1 convolution with batch-norm (as in ST-GCN).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        partitions: int,
        temporal_kernel: int,
        stride: int,
        dropout: float,
        residual: bool,
    ):
        super().__init__()
        if temporal_kernel % 2 != 1:
            raise ValueError(f"temporal_kernel must be odd, got {temporal_kernel}")
        self.out_channels = out_channels
        narrowest = min(in_channels, out_channels) if residual else out_channels
        self.channels_last = CHANNELS_LAST_MIN <= narrowest and out_channels < CHANNELS_LAST_BELOW
        self.channels_last_bf16 = CHANNELS_LAST_MIN <= narrowest
        self.gcn = GraphConvolution(in_channels, out_channels, partitions)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(
                out_channels,
                out_channels,
                kernel_size=(temporal_kernel, 1),
                stride=(stride, 1),
                padding=((temporal_kernel - 1) // 2, 0),
            ),
            nn.BatchNorm2d(out_channels),
            nn.Dropout(dropout, inplace=True),
        )
        self.residual: nn.Module | None
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=(stride, 1)),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        """x (V, T, N, C_in) -> (V, T', N, C_out), both contiguous.

        The convolutions and batch-norms see (V, C, T, N) tensors: the joints are their batch dimension
        and the (T, 1) kernels slide along time independently for every sample.
        """
        out = self.tcn(self._convolution_layout(self.gcn(x, adjacency)))
        if self.residual is not None:
            out = out + self.residual(self._convolution_layout(x))
        return F.relu(out, inplace=True).permute(0, 2, 3, 1).contiguous()

    def _convolution_layout(self, x: torch.Tensor) -> torch.Tensor:
        """(V, T, N, C) -> (V, C, T, N): a channels-last view where ``self.channels_last`` (or, under CPU bf16
        autocast, ``self.channels_last_bf16``), else NCHW."""
        x = x.permute(0, 3, 1, 2)
        bf16 = self.channels_last_bf16 and x.device.type == "cpu" and _cpu_bf16_autocast()
        channels_last = self.channels_last or bf16
        return x if channels_last else x.contiguous()


class STGCN(nn.Module):
    """ST-GCN encoder: (B, T, V, C) IMU signals and their mask -> (B, channels[-1]) embeddings.

    ``channels`` and ``strides`` give the width and temporal stride of each block (any number of
    blocks); the defaults are the UniMTS encoder. ``partitions`` is the (K, V, V) adjacency; by default
    the spatial partitions of the 22-joint body (:func:`pretrain.graph.spatial_partitions`). The first
    block has neither residual nor dropout, as in the reference. With ``edge_importance`` each block
    multiplies the adjacency by its own learnable (K, V, V) weights (ST-GCN Sec. 3.6).
    """

    def __init__(
        self,
        in_channels: int = 6,
        channels: tuple[int, ...] = REFERENCE_CHANNELS,
        strides: tuple[int, ...] = REFERENCE_STRIDES,
        temporal_kernel: int = 9,
        dropout: float = 0.0,
        edge_importance: bool = True,
        partitions: torch.Tensor | None = None,
    ):
        super().__init__()
        channels, strides = tuple(int(c) for c in channels), tuple(int(s) for s in strides)
        if not channels or len(channels) != len(strides):
            raise ValueError(f"need one stride per block: channels {channels}, strides {strides}")
        if partitions is None:
            from skeletons.body import NUM_JOINTS, edge_index

            partitions = spatial_partitions(edge_index(), num_nodes=NUM_JOINTS)
        self._config = {
            "in_channels": int(in_channels),
            "channels": list(channels),
            "strides": list(strides),
            "temporal_kernel": int(temporal_kernel),
            "dropout": float(dropout),
            "edge_importance": bool(edge_importance),
        }
        self.register_buffer("A", partitions.detach().to(torch.float32).clone())
        num_partitions, num_joints, _ = self.A.shape
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.out_channels = channels[-1]
        self.data_bn = nn.BatchNorm1d(in_channels * num_joints)
        widths = (in_channels, *channels)
        self.st_gcn_networks = nn.ModuleList(
            STGCNBlock(
                widths[i],
                widths[i + 1],
                num_partitions,
                temporal_kernel,
                strides[i],
                dropout=0.0 if i == 0 else dropout,
                residual=i > 0,
            )
            for i in range(len(channels))
        )
        self.edge_importance = (
            nn.ParameterList(nn.Parameter(torch.ones_like(self.A)) for _ in channels) if edge_importance else None
        )

    def config(self) -> dict:
        """The constructor's keyword arguments (all but ``partitions``) as JSON-ready values."""
        return {**self._config, "channels": list(self._config["channels"]), "strides": list(self._config["strides"])}

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, V, C), mask broadcastable to x with 1 where data exists -> (B, channels[-1]).

        Masked entries are set to zero before anything else, so their values never reach the output.
        """
        x = self._normalised_input(x, mask)
        for index, block in enumerate(self.st_gcn_networks):
            x = block(x, self._adjacency(index))
        return x.mean(dim=(0, 1))

    def block_features(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Every block's output pooled over joints and time: one (B, channels[i]) per block, the last equal to
        :meth:`forward`'s. What a probe reads beside the last block: the contrastive objective shapes the deep
        blocks most, and the early ones keep more of the signal (the direction of gravity among it)."""
        x, pooled = self._normalised_input(x, mask), []
        for index, block in enumerate(self.st_gcn_networks):
            x = block(x, self._adjacency(index))
            pooled.append(x.mean(dim=(0, 1)))
        return pooled

    def _adjacency(self, index: int) -> torch.Tensor:
        return self.A if self.edge_importance is None else self.A * self.edge_importance[index]

    def _normalised_input(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """(B, T, V, C) input, masked entries zeroed, batch-normalised, as (V, T, B, C) for the blocks."""
        batch, steps, joints, width = x.shape
        if joints != self.num_joints or width != self.in_channels:
            raise ValueError(f"expected (B, T, {self.num_joints}, {self.in_channels}) input, got {tuple(x.shape)}")
        if mask is not None:
            x = torch.where(mask != 0, x, torch.zeros((), dtype=x.dtype, device=x.device))
        flat = x.reshape(batch, steps, joints * width).transpose(1, 2)  # (B, V * C, T) as data_bn expects
        return self.data_bn(flat).reshape(batch, joints, width, steps).permute(1, 3, 0, 2).contiguous()
