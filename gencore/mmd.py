"""Maximum mean discrepancy: a distance between two distributions computed from samples alone.

    MMD^2(P, Q) = E[k(x, x')] + E[k(y, y')] - 2 E[k(x, y)],   x, x' ~ P,  y, y' ~ Q

with the Gaussian kernel k(a, b) = exp(-|a - b|^2 / (2 h^2)). It is zero iff P = Q (for this kernel),
and differentiable in the samples, so a generator can be trained by minimising it.
"""
from __future__ import annotations

import torch

from .validate import as_positive, as_tensor

__all__ = ["gaussian_kernel", "mmd2"]


def gaussian_kernel(a: torch.Tensor, b: torch.Tensor, bandwidths=(1.0,)) -> torch.Tensor:
    """K[i, j] = sum_h exp(-|a_i - b_j|^2 / (2 h^2)) for rows a_i of a (N, d) and b_j of b (M, d)."""
    a, b = as_tensor(a, "a", "points").flatten(1), as_tensor(b, "b", "points").flatten(1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must have the same number of values per row, got a {tuple(a.shape)} and b "
                         f"{tuple(b.shape)}; compare points of one space.")
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: one matrix product; clamp the tiny negative rounding errors
    d2 = (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1) - 2 * a @ b.T).clamp_min(0)
    if isinstance(bandwidths, (int, float)):
        bandwidths = (bandwidths,)
    for h in bandwidths:
        as_positive(h, "bandwidths")
    return sum(torch.exp(-d2 / (2 * h ** 2)) for h in bandwidths)


def mmd2(x: torch.Tensor, y: torch.Tensor, bandwidths=(1.0,)) -> torch.Tensor:
    """The (biased, V-statistic) estimate mean K_xx + mean K_yy - 2 mean K_xy; >= 0."""
    x, y = as_tensor(x, "x", "points"), as_tensor(y, "y", "points")
    if x.flatten(1).shape[1] != y.flatten(1).shape[1]:
        raise ValueError(f"x and y must have the same number of values per row, got x {tuple(x.shape)} and y "
                         f"{tuple(y.shape)}; compare samples of one space.")
    return (gaussian_kernel(x, x, bandwidths).mean() + gaussian_kernel(y, y, bandwidths).mean()
            - 2 * gaussian_kernel(x, y, bandwidths).mean())
