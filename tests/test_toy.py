import math

import pytest
import torch

from gencore.data import toy


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------------------------------- ring / grid

def test_ring_centers():
    c = toy.ring_centers(8, radius=2.0)
    assert c.shape == (8, 2) and c.dtype == torch.float32
    assert torch.allclose(c.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(c[0], torch.tensor([2.0, 0.0]))
    assert torch.allclose(c[2], torch.tensor([0.0, 2.0]), atol=1e-6)
    assert toy.ring_centers(5, 3.0).shape == (5, 2)


def test_ring_near_radius_and_covers_modes_uniformly():
    x = toy.ring(8000, modes=8, radius=2.0, std=0.05, generator=gen())
    assert x.shape == (8000, 2) and x.dtype == torch.float32
    r = x.norm(dim=1)
    assert (r - 2.0).abs().max() < 6 * 0.05
    assert abs(r.mean().item() - 2.0) < 0.01
    nearest = torch.cdist(x, toy.ring_centers(8, 2.0)).argmin(dim=1)
    counts = torch.bincount(nearest, minlength=8)
    assert (counts > 0.85 * 1000).all() and (counts < 1.15 * 1000).all(), counts
    # the spread around each centre is std
    resid = x - toy.ring_centers(8, 2.0)[nearest]
    assert abs(resid.std().item() - 0.05) < 0.005


def test_ring_parameters():
    x = toy.ring(3000, modes=3, radius=5.0, std=0.1, generator=gen(1))
    assert (x.norm(dim=1) - 5.0).abs().max() < 1.0
    assert torch.bincount(torch.cdist(x, toy.ring_centers(3, 5.0)).argmin(1), minlength=3).min() > 800


def test_grid_centers():
    c = toy.grid_centers(5, spacing=2.0)
    assert c.shape == (25, 2) and c.dtype == torch.float32
    assert torch.allclose(c.mean(0), torch.zeros(2))
    assert set(c[:, 0].tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert len({tuple(p) for p in c.tolist()}) == 25
    assert torch.allclose(toy.grid_centers(2, 1.0).abs(), torch.full((4, 2), 0.5))


def test_grid_covers_modes_uniformly():
    x = toy.grid(10000, k=5, spacing=2.0, std=0.05, generator=gen())
    assert x.shape == (10000, 2) and x.dtype == torch.float32
    d = torch.cdist(x, toy.grid_centers(5, 2.0))
    assert d.min(dim=1).values.max() < 6 * 0.05
    counts = torch.bincount(d.argmin(dim=1), minlength=25)
    assert (counts > 0.75 * 400).all() and (counts < 1.25 * 400).all(), counts


# ---------------------------------------------------------------------------------------- moons

def test_moons_geometry():
    x = toy.moons(2000, noise=0.0, generator=gen())
    assert x.shape == (2000, 2) and x.dtype == torch.float32
    upper = (x.norm(dim=1) - 1).abs() < 1e-5
    lower = ((x - torch.tensor([1.0, 0.5])).norm(dim=1) - 1).abs() < 1e-5
    assert (upper | lower).all()
    assert upper.sum() == 1000 and lower.sum() == 1000
    assert (x[upper, 1] >= -1e-6).all() and (x[lower, 1] <= 0.5 + 1e-6).all()
    assert x[:, 0].min() >= -1 - 1e-6 and x[:, 0].max() <= 2 + 1e-6
    # shuffled: the two moons are mixed through the tensor, not in two blocks
    assert 0.3 < upper[:1000].float().mean() < 0.7


def test_moons_noise():
    x = toy.moons(4000, noise=0.1, generator=gen())
    d_upper = (x.norm(dim=1) - 1).abs()
    d_lower = ((x - torch.tensor([1.0, 0.5])).norm(dim=1) - 1).abs()
    d = torch.minimum(d_upper, d_lower)
    assert 0.03 < d.mean() < 0.12
    assert not ((d_upper < 1e-5) | (d_lower < 1e-5)).all()


# ---------------------------------------------------------------------------------------- swiss roll

def test_swiss_roll_2d():
    x, t = toy.swiss_roll(3000, dim=2, generator=gen(), return_t=True)
    assert x.shape == (3000, 2) and t.shape == (3000,) and x.dtype == torch.float32
    assert t.min() >= 1.5 * math.pi and t.max() <= 4.5 * math.pi
    assert torch.allclose(x, torch.stack([t * t.cos(), t * t.sin()], 1))
    assert torch.allclose(x.norm(dim=1), t, atol=1e-4)  # the radius grows with t: a spiral
    assert 5 < x.abs().max() < 15  # sklearn's scale
    assert toy.swiss_roll(10, generator=gen()).shape == (10, 2)


def test_swiss_roll_3d_consistent_coordinates():
    x, coords = toy.swiss_roll(3000, dim=3, generator=gen(), return_t=True)
    assert x.shape == (3000, 3) and coords.shape == (3000, 2)
    t, h = coords.T
    assert torch.allclose(x[:, 0], t * t.cos()) and torch.allclose(x[:, 2], t * t.sin())
    assert torch.equal(x[:, 1], h)
    assert h.min() >= 0 and h.max() <= 21 and h.max() > 20 and h.min() < 1
    # t and h are uniform: the histogram of t is flat
    counts = torch.histc(t, bins=6, min=1.5 * math.pi, max=4.5 * math.pi)
    assert (counts > 0.8 * 500).all() and (counts < 1.2 * 500).all()


def test_swiss_roll_noise_and_errors():
    clean, t = toy.swiss_roll(2000, dim=3, generator=gen(), return_t=True)
    noisy, t2 = toy.swiss_roll(2000, dim=3, noise=0.5, generator=gen(), return_t=True)
    assert torch.equal(t, t2)  # same draws for the intrinsic coordinates
    assert abs((noisy - clean).std().item() - 0.5) < 0.03
    with pytest.raises(ValueError, match="dim"):
        toy.swiss_roll(10, dim=4)


# ---------------------------------------------------------------------------------------- mixture 1-D

def test_mixture_log_prob_integrates_to_one():
    x = torch.linspace(-12, 12, 24001, dtype=torch.float64)
    p = toy.mixture_1d_log_prob(x).exp()
    assert p.dtype == torch.float64
    assert abs(torch.trapezoid(p, x).item() - 1.0) < 1e-6


def test_mixture_log_prob_values():
    # at a point far from the left mode only the right component matters
    x = torch.tensor([1.5])
    expected = math.log(0.7) - math.log(0.8) - 0.5 * math.log(2 * math.pi)
    assert abs(toy.mixture_1d_log_prob(x).item() - expected) < 1e-3
    assert toy.mixture_1d_log_prob(torch.tensor([0, 1])).dtype == torch.float32
    assert toy.mixture_1d_log_prob(0.0).shape == ()
    assert toy.mixture_1d_log_prob(torch.zeros(4, 3)).shape == (4, 3)


def test_mixture_samples_match_density():
    x = toy.mixture_1d(100_000, generator=gen())
    assert x.shape == (100_000,) and x.dtype == torch.float32
    edges = torch.linspace(-5, 5, 51)
    counts = torch.histc(x, bins=50, min=-5, max=5)
    width = (edges[1] - edges[0]).item()
    empirical = counts / (len(x) * width)
    mids = (edges[:-1] + edges[1:]) / 2
    exact = toy.mixture_1d_log_prob(mids).exp()
    assert (empirical - exact).abs().max() < 0.02
    assert abs(x.mean().item() - (0.3 * -2 + 0.7 * 1.5)) < 0.02
    # bimodal: the density dips between the modes
    assert exact[mids.sub(-2).abs().argmin()] > 2 * exact[mids.sub(-0.6).abs().argmin()]


# ---------------------------------------------------------------------------------------- common

SAMPLERS = [
    lambda n, g: toy.ring(n, generator=g),
    lambda n, g: toy.grid(n, generator=g),
    lambda n, g: toy.moons(n, generator=g),
    lambda n, g: toy.swiss_roll(n, dim=2, noise=0.1, generator=g),
    lambda n, g: toy.swiss_roll(n, dim=3, generator=g),
    lambda n, g: toy.mixture_1d(n, generator=g),
]


@pytest.mark.parametrize("draw", SAMPLERS)
def test_generator_reproducible(draw):
    a = draw(500, gen(5))
    b = draw(500, gen(5))
    c = draw(500, gen(6))
    assert a.dtype == torch.float32
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("draw", SAMPLERS)
def test_none_uses_global_rng(draw):
    torch.manual_seed(123)
    a = draw(200, None)
    torch.manual_seed(123)
    b = draw(200, None)
    assert torch.equal(a, b)
    # an explicit generator leaves the global RNG alone
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    draw(200, gen())
    assert torch.equal(torch.rand(3), before)


@pytest.mark.parametrize("draw", SAMPLERS)
def test_bad_n_raises(draw):
    with pytest.raises(ValueError, match="positive"):
        draw(0, None)


def test_sample_dispatch():
    assert set(toy.TOY) == {"ring", "grid", "moons", "swiss_roll"}
    assert torch.equal(toy.sample("ring", 100, generator=gen(2)), toy.ring(100, generator=gen(2)))
    assert torch.equal(toy.sample("grid", 50, k=3, generator=gen(2)), toy.grid(50, k=3, generator=gen(2)))
    assert toy.sample("swiss_roll", 10, dim=3).shape == (10, 3)
    assert toy.sample("moons", 7).shape == (7, 2)
    with pytest.raises(ValueError, match="ring") as err:
        toy.sample("spiral", 10)
    for name in toy.TOY:
        assert name in str(err.value)
