"""Several processes (torchrun): who this process is, its share of a global batch, and the sums they share.

A leaf module (it imports nothing of gencore): the training loops and the model cache use it.
"""
from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["LossModule", "all_reduce_sums", "barrier", "distributed", "is_main_process", "shard", "broadcast_seed"]


def distributed() -> tuple[int, int] | None:
    """(rank, world size) when this process is one of several started by torchrun (torch.distributed is
    initialised with more than one process), else None."""
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist.get_rank(), dist.get_world_size()
    return None


def is_main_process() -> bool:
    """True in a single process, and in rank 0 of several: the one that writes files and shows progress."""
    d = distributed()
    return d is None or d[0] == 0


class LossModule(nn.Module):
    """model.loss as a forward(), so that DistributedDataParallel can wrap it (DDP hooks forward())."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x, y):
        return self.model.loss(x, y)


def shard(x: torch.Tensor, y, rank: int, world: int):
    """This process's share of a global batch: the rank-th of ``world`` near-equal contiguous slices."""
    part = torch.tensor_split(torch.arange(len(x), device=x.device), world)[rank]
    return x[part], (y[part] if y is not None else None)


def all_reduce_sums(sums: dict, seen: int, device) -> tuple[dict, int]:
    """The metric sums and the example count added over every process."""
    keys = sorted(sums)
    packed = torch.stack([sums[k].float() for k in keys] + [torch.tensor(float(seen), device=device)])
    dist.all_reduce(packed)
    return {k: packed[i] for i, k in enumerate(keys)}, int(packed[-1].item())


def broadcast_seed(seed: int, device) -> int:
    """Rank 0's seed, in every process (every process must draw the same global batches)."""
    shared = torch.tensor([seed], dtype=torch.int64, device=device)
    dist.broadcast(shared, 0)
    return int(shared.item())


def barrier() -> None:
    """Wait for every process (a no-op in a single process)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
