"""The UniMTS / ST-GCN encoder written plainly, as the comparator of ``python -m experiments.speed train``.

This is the network as the ST-GCN paper (Yan, Xiong & Lin, AAAI 2018) and the UniMTS reference describe it,
in their memory layout: activations (N, C, T, V), each block's graph convolution a (T, 1) convolution to
``K * C_out`` channels followed by ``einsum('nkctv,kvw->nctw')`` over the K partitions, then
BN-ReLU-temporal convolution-BN-dropout, a residual, ReLU; global average pooling over time and joints. No
layout tricks, no fusion, fp32 as the reference trains. The reference code cannot be vendored, so this is
our own plain writing of the same architecture, with the parameter names and shapes of :class:`pretrain.stgcn.STGCN`,
so one's state dict loads into the other (which is how the tests check that both compute the same function).

It lives in the speed suite, not the library: nothing trains with it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pretrain.stgcn import REFERENCE_CHANNELS, REFERENCE_STRIDES


class PlainGraphConvolution(nn.Module):
    """1x1 convolution to K * C_out channels, then ``sum_k x_k A_k`` over joints with einsum."""

    def __init__(self, in_channels: int, out_channels: int, partitions: int):
        super().__init__()
        self.partitions = partitions
        self.conv = nn.Conv2d(in_channels, out_channels * partitions, kernel_size=(1, 1))

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        n, kc, t, v = x.shape
        x = x.view(n, self.partitions, kc // self.partitions, t, v)
        return torch.einsum("nkctv,kvw->nctw", x, adjacency).contiguous()


class PlainBlock(nn.Module):
    """Graph convolution, then BN-ReLU-temporal convolution-BN-dropout, plus the residual, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, partitions: int, kernel: int, stride: int,
                 dropout: float, residual: bool):
        super().__init__()
        self.gcn = PlainGraphConvolution(in_channels, out_channels, partitions)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, (kernel, 1), (stride, 1), ((kernel - 1) // 2, 0)),
            nn.BatchNorm2d(out_channels), nn.Dropout(dropout, inplace=True))
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, (stride, 1)),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        out = self.tcn(self.gcn(x, adjacency))
        if self.residual is not None:
            out = out + self.residual(x)
        return F.relu(out)


class PlainSTGCN(nn.Module):
    """(B, T, V, C) -> (B, channels[-1]), the reference's layout and operations throughout."""

    def __init__(self, partitions: torch.Tensor, in_channels: int = 3,
                 channels: tuple[int, ...] = REFERENCE_CHANNELS, strides: tuple[int, ...] = REFERENCE_STRIDES,
                 temporal_kernel: int = 9, dropout: float = 0.0):
        super().__init__()
        self.register_buffer("A", partitions.detach().float().clone())
        k, v, _ = self.A.shape
        self.data_bn = nn.BatchNorm1d(in_channels * v)
        widths = (in_channels, *channels)
        self.st_gcn_networks = nn.ModuleList(
            PlainBlock(widths[i], widths[i + 1], k, temporal_kernel, strides[i], 0.0 if i == 0 else dropout, i > 0)
            for i in range(len(channels)))
        self.edge_importance = nn.ParameterList(nn.Parameter(torch.ones_like(self.A)) for _ in channels)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is not None:
            x = x * mask
        n, t, v, c = x.shape
        x = x.permute(0, 2, 3, 1).reshape(n, v * c, t)  # (N, V * C, T): feature v * C + c
        x = self.data_bn(x).view(n, v, c, t).permute(0, 2, 3, 1).contiguous()  # (N, C, T, V)
        for block, importance in zip(self.st_gcn_networks, self.edge_importance):
            x = block(x, self.A * importance)
        return F.avg_pool2d(x, x.shape[2:]).view(n, -1)

