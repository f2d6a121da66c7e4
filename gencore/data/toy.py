"""Low-dimensional toy distributions for the early notebooks and the GAN notebook.

Every sampler takes `n` first and an optional `generator` (a torch.Generator used for all
randomness; None means torch's global RNG) and returns float32 tensors.

    x = ring(1000)                      # 8 Gaussians on a circle: the classic mode-collapse test
    x = sample("moons", 1000, noise=0.1)
"""
from __future__ import annotations

import math

import torch

from ..validate import as_float, as_generator, as_int, did_you_mean, flags

__all__ = ["ring", "ring_centers", "grid", "grid_centers", "moons", "swiss_roll",
           "mixture_1d", "mixture_1d_log_prob", "TOY", "sample"]

# The fixed 1-D mixture: p(x) = sum_k w_k N(x; mu_k, sigma_k^2).
_MIX_WEIGHTS = (0.3, 0.7)
_MIX_MEANS = (-2.0, 1.5)
_MIX_STDS = (0.5, 0.8)


def _check_n(n) -> int:
    """The number of samples as a Python int (numpy and torch integers, 500.0 accepted), at least 1."""
    n = as_int(n, "n")
    if n < 1:
        raise ValueError(f"n must be a positive integer number of samples, got {n}.")
    return n


def _randn(*size, generator=None) -> torch.Tensor:
    return torch.randn(*size, generator=generator, dtype=torch.float32)


def _rand(*size, generator=None) -> torch.Tensor:
    return torch.rand(*size, generator=generator, dtype=torch.float32)


def ring_centers(modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """The `modes` centres mu_k = radius * (cos 2 pi k / modes, sin 2 pi k / modes), k = 0..modes-1 -> (modes, 2)."""
    modes = as_int(modes, "modes", minimum=1)
    angle = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    return (radius * torch.stack([angle.cos(), angle.sin()], dim=1)).float()


def ring(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.05,
         generator: torch.Generator | None = None) -> torch.Tensor:
    """Mixture of `modes` equally weighted Gaussians on a circle: x = mu_k + std * eps,
    k ~ Uniform{0..modes-1}, eps ~ N(0, I), mu_k from `ring_centers` -> (n, 2)."""
    n, generator = _check_n(n), as_generator(generator)
    modes, std = as_int(modes, "modes", minimum=1), as_float(std, "std", minimum=0)
    k = torch.randint(modes, (n,), generator=generator)
    return ring_centers(modes, radius)[k] + std * _randn(n, 2, generator=generator)


def grid_centers(k: int = 5, spacing: float = 2.0) -> torch.Tensor:
    """The k*k centres (a_i, a_j) with a_i = spacing * (i - (k-1)/2), a square grid centred at 0 -> (k*k, 2)."""
    k = as_int(k, "k", minimum=1)
    a = (torch.arange(k, dtype=torch.float32) - (k - 1) / 2) * spacing
    return torch.cartesian_prod(a, a).reshape(k * k, 2)


def grid(n: int, k: int = 5, spacing: float = 2.0, std: float = 0.05,
         generator: torch.Generator | None = None) -> torch.Tensor:
    """Mixture of k*k equally weighted Gaussians on a square grid: x = mu_c + std * eps,
    c ~ Uniform{0..k*k-1}, eps ~ N(0, I), mu_c from `grid_centers` -> (n, 2)."""
    n, generator = _check_n(n), as_generator(generator)
    k, std = as_int(k, "k", minimum=1), as_float(std, "std", minimum=0)
    c = torch.randint(k * k, (n,), generator=generator)
    return grid_centers(k, spacing)[c] + std * _randn(n, 2, generator=generator)


def moons(n: int, noise: float = 0.05, generator: torch.Generator | None = None) -> torch.Tensor:
    """Two interleaving half circles (sklearn's make_moons geometry), in random order -> (n, 2).

    Upper moon (n // 2 points): (cos t, sin t); lower moon (the rest): (1 - cos t, 1/2 - sin t);
    t ~ Uniform[0, pi], then N(0, noise^2 I) is added.
    """
    n, generator, noise = _check_n(n), as_generator(generator), as_float(noise, "noise", minimum=0)
    n_upper = n // 2
    t = math.pi * _rand(n, generator=generator)
    upper = torch.arange(n) < n_upper
    x = torch.where(upper, t.cos(), 1 - t.cos())
    y = torch.where(upper, t.sin(), 0.5 - t.sin())
    points = torch.stack([x, y], dim=1) + noise * _randn(n, 2, generator=generator)
    return points[torch.randperm(n, generator=generator)]


@flags("return_t")
def swiss_roll(n: int, dim: int = 2, noise: float = 0.0, generator: torch.Generator | None = None,
               return_t: bool = False):
    """The swiss roll, on sklearn's scale (make_swiss_roll): t ~ Uniform[1.5 pi, 4.5 pi].

    dim=2: x = (t cos t, t sin t), the 2-D spiral -> (n, 2).
    dim=3: x = (t cos t, h, t sin t) with height h ~ Uniform[0, 21]: the spiral in the x-z plane,
           rolled out along y -> (n, 3).
    N(0, noise^2 I) is added to x. With return_t=True returns (x, t) with t (n,) for dim=2, and
    (x, coords) with coords (n, 2) = (t, h) for dim=3; t and h are the noise-free intrinsic coordinates.
    """
    n, generator, noise = _check_n(n), as_generator(generator), as_float(noise, "noise", minimum=0)
    if dim not in (2, 3):
        raise ValueError(f"swiss_roll supports dim=2 or dim=3, got dim={dim!r}.")
    t = 1.5 * math.pi * (1 + 2 * _rand(n, generator=generator))
    if dim == 2:
        x = torch.stack([t * t.cos(), t * t.sin()], dim=1)
        coords = t
    else:
        h = 21.0 * _rand(n, generator=generator)
        x = torch.stack([t * t.cos(), h, t * t.sin()], dim=1)
        coords = torch.stack([t, h], dim=1)
    if noise:
        x = x + noise * _randn(n, dim, generator=generator)
    return (x, coords) if return_t else x


def mixture_1d(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """A fixed bimodal 1-D mixture: p(x) = 0.3 N(x; -2, 0.5^2) + 0.7 N(x; 1.5, 0.8^2) -> (n,)."""
    n, generator = _check_n(n), as_generator(generator)
    k = torch.multinomial(torch.tensor(_MIX_WEIGHTS), n, replacement=True, generator=generator)
    means = torch.tensor(_MIX_MEANS)[k]
    stds = torch.tensor(_MIX_STDS)[k]
    return means + stds * _randn(n, generator=generator)


def mixture_1d_log_prob(x) -> torch.Tensor:
    """Exact log density of `mixture_1d`: log p(x) = logsumexp_k [log w_k + log N(x; mu_k, sigma_k^2)],
    elementwise, in x's floating dtype (float32 for other inputs)."""
    x = torch.as_tensor(x)
    if not x.is_floating_point():
        x = x.float()
    w = torch.tensor(_MIX_WEIGHTS, dtype=x.dtype, device=x.device)
    mu = torch.tensor(_MIX_MEANS, dtype=x.dtype, device=x.device)
    sigma = torch.tensor(_MIX_STDS, dtype=x.dtype, device=x.device)
    z = (x.unsqueeze(-1) - mu) / sigma
    log_normal = -0.5 * z.square() - sigma.log() - 0.5 * math.log(2 * math.pi)
    return torch.logsumexp(w.log() + log_normal, dim=-1)


TOY = {"ring": ring, "grid": grid, "moons": moons, "swiss_roll": swiss_roll}


def sample(name: str, n: int, **kw) -> torch.Tensor:
    """Draw `n` points from the toy distribution called `name` (a key of TOY); `kw` go to its sampler."""
    if name not in TOY:
        near = did_you_mean(str(name), TOY)
        raise ValueError(f"unknown toy distribution {name!r}" + (f" (did you mean {near!r}?)" if near else "")
                         + f"; valid names are: {', '.join(sorted(TOY))}.")
    return TOY[name](n, **kw)
