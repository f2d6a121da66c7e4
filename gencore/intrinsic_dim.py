"""How many numbers does it take to describe the data? The TwoNN intrinsic-dimension estimator.

Facco, d'Errico, Rodriguez & Laio (2017), "Estimating the intrinsic dimension of datasets by a minimal
neighborhood information", Scientific Reports 7: 12140.

For every point x_i let r1 and r2 be the distances to its first and second nearest neighbours and

    mu_i = r2 / r1  >= 1.

If the density is roughly constant on the scale of the two neighbours and the data lie on a
d-dimensional manifold, mu follows a Pareto law that depends on d only (not on the density):

    F(mu) = 1 - mu^(-d),   equivalently   -log(1 - F(mu)) = d log mu.

Two estimators of d from the N ratios:

* ``method="mle"`` (default): maximum likelihood, d = (N - 1) / sum_i log mu_i (the unbiased form);
* ``method="fit"``: Facco's linear fit through the origin of -log(1 - F_emp(mu_i)) against log mu_i,
  with F_emp(mu_(i)) = i / N for the sorted ratios, leaving out the largest ``discard`` fraction
  (default 10%), where noise and outliers live.

Exact duplicates (r1 = 0, mu undefined) are removed first: a point and its copy are one point.
Distances are computed in chunks of rows, so 10,000 images of 784 pixels need only a few MB at a time.

    d = two_nn(images)                 # a float: ~ 2 for a swiss roll, far below 784 for images
"""
from __future__ import annotations

import torch

from .data import TensorData
from .validate import as_float, as_int

__all__ = ["nearest_neighbour_distances", "two_nn_ratios", "two_nn", "two_nn_curve", "two_nn_estimate"]


def _as_matrix(x) -> torch.Tensor:
    """Rows of x as an (N, D) float64 CPU tensor: x may be a tensor (N, ...) ((N,): N numbers) or a dataset."""
    if isinstance(x, TensorData):
        x = torch.cat([b for b, _ in x.batches(5000, shuffle=False)])
    x = torch.as_tensor(x)
    if x.dim() == 1:                # N numbers: N points of one dimension (toy.mixture_1d's samples)
        x = x.unsqueeze(1)
    if x.dim() < 1:
        raise ValueError(f"x must be N points, a tensor (N, ...) (or (N,) for numbers) with N >= 3, got the number "
                         f"{x.item()}; pass the samples themselves.")
    x = x.detach().reshape(len(x), -1).to("cpu", torch.float64)
    bad = ~torch.isfinite(x).all(1)
    if bool(bad.any()):
        raise ValueError(f"x holds NaN or infinite values (row {int(bad.nonzero()[0, 0])}, {int(bad.sum())} of "
                         f"{len(x)} rows); drop them with x[torch.isfinite(x).all(1)], or check what made them.")
    return x


def _ratios(mu) -> torch.Tensor:
    """mu as the ratios r2/r1 (1-D float64, each >= 1), or one sentence: points given in their place."""
    mu = torch.as_tensor(mu, dtype=torch.float64)
    if mu.dim() != 1 or not bool((mu >= 1 - 1e-12).all()):
        got = (f"shape {tuple(mu.shape)}" if mu.dim() != 1 else "NaN values" if bool(mu.isnan().any())
               else f"values down to {mu.min().item():.4g}")
        raise ValueError(f"mu must be the ratios r2/r1 (1-D, each >= 1) from two_nn_ratios(x), got {got}; for "
                         f"points call two_nn(x).")
    return mu


def nearest_neighbour_distances(x, k: int = 2, chunk_size: int = 1024) -> torch.Tensor:
    """Euclidean distances from every row of x to its k nearest *other* rows -> (N, k), sorted ascending.

    Computed chunk by chunk as |a - b|^2 = |a|^2 + |b|^2 - 2 a.b in float64 (on centred data), so the
    memory is chunk_size x N numbers, never N x N.
    """
    x, k = _as_matrix(x), as_int(k, "k", minimum=1)
    n = len(x)
    if n <= k:
        raise ValueError(f"Need more than k={k} points to find k neighbours of each, got {n}.")
    x = x - x.mean(0)
    sq = x.pow(2).sum(1)
    out = torch.empty(n, k, dtype=torch.float64)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        d2 = sq[start:stop, None] + sq[None, :] - 2 * x[start:stop] @ x.T
        rows = torch.arange(stop - start)
        d2[rows, rows + start] = float("inf")           # not its own neighbour
        out[start:stop] = d2.topk(k, dim=1, largest=False).values
    return out.clamp_min(0).sqrt()


def two_nn_ratios(x, chunk_size: int = 1024, max_points: int | None = None, seed: int = 0) -> torch.Tensor:
    """mu_i = r2 / r1 for every distinct point -> (M,) float64, M <= N.

    Exact duplicate rows are merged first; points whose nearest neighbour is still at distance 0
    (within rounding) are dropped too. ``max_points`` keeps a seeded random subset of the distinct
    points (the estimate needs a few thousand, not all).
    """
    x = torch.unique(_as_matrix(x), dim=0)
    if max_points is not None and len(x) > max_points:
        keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:max_points]
        x = x[keep]
    if len(x) < 3:
        raise ValueError(f"TwoNN needs at least 3 distinct points, got {len(x)}.")
    r = nearest_neighbour_distances(x, k=2, chunk_size=chunk_size)
    ok = r[:, 0] > 1e-12 * max(r[:, 1].max().item(), 1.0)
    if ok.sum() < 3:
        raise ValueError("TwoNN needs at least 3 points with a nearest neighbour at a positive distance.")
    return r[ok, 1] / r[ok, 0]


def two_nn_curve(mu: torch.Tensor, discard: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """The points of Facco's fit: (log mu_(i), -log(1 - i/N)) for the sorted ratios, the largest
    ``discard`` fraction left out. On a d-dimensional manifold they lie on a line of slope d."""
    mu = torch.sort(_ratios(mu)).values
    n = len(mu)
    if not 0 <= discard < 1:
        raise ValueError(f"discard must be a fraction in [0, 1), got {discard}.")
    keep = max(2, int(n * (1 - discard)))
    keep = min(keep, n - 1)                  # F_emp = 1 at the last point: -log(0) is infinite
    f = torch.arange(1, n + 1, dtype=torch.float64)[:keep] / n
    return mu[:keep].log(), -torch.log1p(-f)


def two_nn(x, method: str = "mle", discard: float | None = None, chunk_size: int = 1024,
           max_points: int | None = None, seed: int = 0) -> float:
    """The TwoNN intrinsic dimension of the points x (N, ...) (a tensor, or a gencore dataset).

    method "mle": d = (M - 1) / sum_i log mu_i over the M distinct points; method "fit": the slope
    through the origin of -log(1 - F_emp(mu)) against log mu, the largest ``discard`` fraction left out
    (default 0.1; ``discard`` applies to the fit only). See the module docstring.
    """
    _check_method(method)
    mu = two_nn_ratios(x, chunk_size=chunk_size, max_points=max_points, seed=seed)
    return two_nn_estimate(mu, method=method, discard=discard)


def _check_method(method: str) -> None:
    if method not in ("mle", "fit"):
        raise ValueError(f"Unknown method {method!r}; use 'mle' (maximum likelihood) or 'fit' (Facco's linear fit).")


def two_nn_estimate(mu: torch.Tensor, method: str = "mle", discard: float | None = None) -> float:
    """The TwoNN dimension from ratios mu = r2 / r1 already computed (see `two_nn_ratios`, `two_nn`)."""
    _check_method(method)
    mu = _ratios(mu)
    if discard is not None and not 0 <= as_float(discard, "discard") < 1:
        raise ValueError(f"discard must be a fraction in [0, 1), the share of the largest ratios left out, got "
                         f"{discard}; e.g. discard=0.1.")
    if method == "fit":
        a, b = two_nn_curve(mu, 0.1 if discard is None else discard)
        return float((a * b).sum() / (a * a).sum())
    total = mu.log().sum()
    if total <= 0:
        raise ValueError("Every point's two nearest neighbours are equally far (mu = 1): the dimension is "
                         "undefined (a lattice?). Add a little noise or use more points.")
    return float((len(mu) - 1) / total)
