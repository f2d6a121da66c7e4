"""Several processes (torchrun): who this process is, its share of a global batch, the noise of its share, and
the sums they share.

A leaf module (it imports nothing of gencore): the training loops, the models and the model cache use it.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["LossModule", "all_reduce_sums", "barrier", "batch_noise", "distributed", "is_main_process", "shard",
           "broadcast_seed", "standard_normal"]


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
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor of the global batch, got {type(x).__name__}.")
    if not (isinstance(world, int) and isinstance(rank, int) and 0 <= rank < world):
        raise ValueError(f"rank and world must be whole numbers with 0 <= rank < world (this process's number among "
                         f"world processes), got rank={rank!r}, world={world!r}.")
    if y is not None and len(y) != len(x):
        raise ValueError(f"y must hold one label per example of x ({len(x)}), got {len(y)}.")
    part = torch.tensor_split(torch.arange(len(x), device=x.device), world)[rank]
    return x[part], (y[part] if y is not None else None)


_NOISE: list[tuple[torch.Generator, int, tuple[int, int] | None]] = []


@contextmanager
def batch_noise(generator: torch.Generator, batch_size: int, shards: tuple[int, int] | None):
    """Inside this block `standard_normal` draws the noise of the global batch (``batch_size`` examples) from
    ``generator`` and returns this process's `shard` of it (``shards``: (rank, world), or None in one process).
    Every process draws the same numbers from the same seeded generator, so two processes use exactly the noise
    one process would: `gencore.train.fit` wraps each step's loss in it."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator (the run's seeded one), got {type(generator).__name__} "
                        f"{generator!r:.40}; pass torch.Generator().manual_seed(seed).")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of examples, 1 or more, got {batch_size!r}.")
    _NOISE.append((generator, int(batch_size), shards))
    try:
        yield
    finally:
        _NOISE.pop()


def standard_normal(shape, *, batch_dim: int = 0, dtype: torch.dtype | None = None, device=None) -> torch.Tensor:
    """N(0, 1) noise of ``shape`` for a batch of examples laid along ``batch_dim``: the reparameterisation
    noise of a model's loss. Outside `batch_noise` a draw from torch's global RNG; inside, this process's slice
    of the noise drawn for the whole global batch from the training run's generator."""
    try:
        sizes = tuple(int(s) for s in shape) if not isinstance(shape, (str, bytes)) else None
    except (TypeError, ValueError):
        sizes = None
    if sizes is None or min(sizes, default=0) < 0:
        raise ValueError(f"shape must be a tuple of sizes, 0 or more, e.g. (n, latent_dim) ((n,) for one axis), got "
                         f"{shape!r}.")
    shape = sizes
    if not _NOISE:
        return torch.randn(shape, dtype=dtype, device=device)
    generator, batch_size, shards = _NOISE[-1]
    local = shape[batch_dim]
    part = torch.arange(batch_size)
    if shards is not None:
        part = torch.tensor_split(part, shards[1])[shards[0]]
    if local != len(part):
        raise ValueError(f"The noise asked for holds {local} examples along dimension {batch_dim}, but this "
                         f"process trains on {len(part)} examples of the batch; draw one noise row per example.")
    full = list(shape)
    full[batch_dim] = batch_size
    eps = torch.randn(full, generator=generator, dtype=dtype, device=generator.device)
    return eps.index_select(batch_dim, part.to(eps.device)).to(device)


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
