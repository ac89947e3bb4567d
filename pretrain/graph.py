"""Skeleton-graph adjacency for graph convolutions, kept apart from the networks that use it.

``spatial_partitions`` builds the "spatial configuration" partitioning of ST-GCN (Yan, Xiong & Lin,
"Spatial Temporal Graph Convolutional Networks for Skeleton-Based Action Recognition", AAAI 2018,
Sec. 3.4): the neighbours of every joint are split into the joint itself, the neighbours nearer to the
skeleton's centre and the neighbours farther from it, and each part gets its own adjacency matrix,
normalised by the receiving joint's degree (Sec. 3.6, ``A D^-1``).

It reproduces, entry for entry, the matrix ``A`` that the ST-GCN code and UniMTS (Zhang et al., NeurIPS
2024) build for the 22-joint body and store in their checkpoint, including one property of that code
worth knowing: distances to the centre are only counted up to ``max_hop``. Joints farther away all have
the same (infinite) distance, so with ``max_hop=1`` an edge between two of them falls in the "root"
group in both directions. Only the edges touching the centre or its direct neighbours are split into
nearer/farther parts.

Convention: ``A[k, j, i]`` weighs the message from joint ``j`` to joint ``i``, so a layer computes
``out[..., i] = sum_k sum_j x_k[..., j] * A[k, j, i]``.
"""
from __future__ import annotations

import torch


def hop_distances(edge_index: torch.Tensor, num_nodes: int, max_hop: int) -> torch.Tensor:
    """(num_nodes, num_nodes) float tensor: graph distance between joints, ``inf`` beyond ``max_hop``.

    ``edge_index`` is a torch-geometric (2, E) edge list; it is read as undirected.
    """
    linked = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    linked[edge_index[0], edge_index[1]] = 1.0
    linked[edge_index[1], edge_index[0]] = 1.0
    linked.fill_diagonal_(0.0)
    distance = torch.full((num_nodes, num_nodes), float("inf"), dtype=torch.float64)
    distance.fill_diagonal_(0.0)
    reached = torch.eye(num_nodes, dtype=torch.float64)
    for hop in range(1, max_hop + 1):
        reached = ((reached @ linked + reached) > 0).to(torch.float64)
        distance[(reached > 0) & torch.isinf(distance)] = float(hop)
    return distance


def spatial_partitions(
    edge_index: torch.Tensor, num_nodes: int = 22, center: int = 0, max_hop: int = 1
) -> torch.Tensor:
    """ST-GCN's spatial-configuration adjacency, float32 of shape (1 + 2 * max_hop, num_nodes, num_nodes).

    Part 0 holds the self links; then, for each hop distance ``h`` in ``1..max_hop``, one part with the
    neighbours at distance ``h`` that are as far from or farther from ``center`` than the receiving joint
    ("root + centripetal" in the ST-GCN code) and one with those nearer to it ("centrifugal"). Every
    entry ``[j, i]`` is ``1 / deg(i)``, ``deg`` counting the joints within ``max_hop`` of ``i``, itself
    included. With the default ``max_hop=1`` this gives the (3, 22, 22) ``A`` of ST-GCN and UniMTS for
    the graph ``skeletons.edge_index()``.
    """
    distance = hop_distances(edge_index, num_nodes, max_hop)
    within = torch.isfinite(distance).to(torch.float64)
    normalised = within / within.sum(dim=0, keepdim=True)
    to_center = distance[:, center]
    sender_farther_or_level = to_center[:, None] >= to_center[None, :]
    parts = [torch.where(distance == 0, normalised, 0.0)]
    for hop in range(1, max_hop + 1):
        at_hop = distance == hop
        parts.append(torch.where(at_hop & sender_farther_or_level, normalised, 0.0))
        parts.append(torch.where(at_hop & ~sender_farther_or_level, normalised, 0.0))
    return torch.stack(parts).to(torch.float32)
