import math

import pytest
import torch

from gencore.data import sprites
from gencore.data.sprites import FACTOR_NAMES, POSITIONS, ROTATIONS, SCALES, SHAPES, make_sprites


@pytest.fixture(scope="module")
def data():
    return make_sprites(4000, seed=0)


@pytest.fixture(scope="module")
def every_combination():
    """All 3*6*10*8*8 = 11520 factor combinations, rendered once: (grid indices, bool images)."""
    idx = torch.cartesian_prod(torch.arange(len(SHAPES)), torch.arange(len(SCALES)),
                               torch.arange(len(ROTATIONS)), torch.arange(len(POSITIONS)),
                               torch.arange(len(POSITIONS)))
    images = sprites._render(idx[:, 0], SCALES[idx[:, 1]], ROTATIONS[idx[:, 2]],
                             POSITIONS[idx[:, 3]], POSITIONS[idx[:, 4]])
    return idx, images


def test_constants():
    assert SHAPES == ("square", "ellipse", "triangle")
    assert FACTOR_NAMES == ("shape", "scale", "rotation", "x", "y")
    assert torch.allclose(SCALES, torch.linspace(0.5, 1.0, 6))
    assert len(ROTATIONS) == 10 and ROTATIONS.min() == 0 and ROTATIONS.max() < 2 * math.pi
    assert torch.allclose(ROTATIONS.diff(), torch.full((9,), 2 * math.pi / 10))
    assert torch.allclose(POSITIONS, torch.linspace(0, 1, 8))


def test_shapes_and_dtypes(data):
    images, labels, factors = data
    assert images.shape == (4000, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (4000,) and labels.dtype == torch.int64
    assert factors.shape == (4000, 5) and factors.dtype == torch.float32


def test_values_are_binary(data):
    images = data[0]
    assert set(images.unique().tolist()) == {0, 255}


def test_labels_match_shape_factor(data):
    _, labels, factors = data
    assert torch.equal(labels.float(), factors[:, 0])


@pytest.mark.parametrize("column, values", [(0, torch.arange(3.0)), (1, SCALES), (2, ROTATIONS),
                                            (3, POSITIONS), (4, POSITIONS)])
def test_factors_on_grid_and_every_value_occurs(data, column, values):
    f = data[2][:, column]
    dist = (f[:, None] - values[None, :]).abs()
    assert dist.min(dim=1).values.max() < 1e-6, "factor off its grid"
    counts = torch.bincount(dist.argmin(dim=1), minlength=len(values))
    expected = len(f) / len(values)
    assert (counts > 0.8 * expected).all() and (counts < 1.2 * expected).all(), counts


def test_deterministic_for_seed_and_differs_across_seeds():
    a = make_sprites(300, seed=3)
    b = make_sprites(300, seed=3)
    c = make_sprites(300, seed=4)
    for x, y in zip(a, b):
        assert torch.equal(x, y)
    assert not torch.equal(a[0], c[0]) and not torch.equal(a[2], c[2])


def test_does_not_use_global_rng():
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    make_sprites(50, seed=1)
    assert torch.equal(torch.rand(3), before)


def test_chunking_matches_single_pass(monkeypatch):
    whole = make_sprites(500, seed=7)
    monkeypatch.setattr(sprites, "_CHUNK", 64)
    chunked = make_sprites(500, seed=7)
    for x, y in zip(whole, chunked):
        assert torch.equal(x, y)


def test_images_agree_with_factors(data):
    images, _, factors = data
    again = sprites._render(*factors.T)
    assert torch.equal(again.to(torch.uint8) * 255, images[:, 0])


def test_no_clipping_and_enough_pixels_for_every_combination(every_combination):
    _, images = every_combination
    assert not images[:, 0, :].any() and not images[:, -1, :].any()
    assert not images[:, :, 0].any() and not images[:, :, -1].any()
    assert images.flatten(1).sum(1).min() >= 12


def test_no_clipping_in_sample(data):
    on = data[0][:, 0] > 0
    assert not (on[:, 0].any() or on[:, -1].any() or on[:, :, 0].any() or on[:, :, -1].any())
    assert on.flatten(1).sum(1).min() >= 12


def test_position_moves_centre_of_mass(every_combination):
    idx, images = every_combination
    m = images.float()
    mass = m.flatten(1).sum(1)
    centres = torch.arange(28.0) + 0.5
    col = (m.sum(1) * centres).sum(1) / mass
    row = (m.sum(2) * centres).sum(1) / mass
    # For a centrally symmetric shape (square, ellipse) the centre of mass is the shape centre 8 + 12 x.
    sym = idx[:, 0] < 2
    assert (col[sym] - (8 + 12 * POSITIONS[idx[sym, 3]])).abs().max() < 0.6
    assert (row[sym] - (8 + 12 * POSITIONS[idx[sym, 4]])).abs().max() < 0.6
    # x moves right, y moves down, for every shape.
    for axis, pos_col in ((col, 3), (row, 4)):
        means = torch.stack([axis[idx[:, pos_col] == p].mean() for p in range(len(POSITIONS))])
        assert (means.diff() > 1).all()


@pytest.mark.parametrize("shape", [1, 2])
def test_rotation_changes_ellipse_and_triangle(shape):
    n = len(ROTATIONS)
    imgs = sprites._render(torch.full((n,), shape), torch.ones(n), ROTATIONS,
                           torch.full((n,), 0.5), torch.full((n,), 0.5))
    for k in range(1, n):
        assert not torch.equal(imgs[0], imgs[k]) or (shape == 1 and k == 5)
    # the ellipse is symmetric under a half turn, so 0 and pi must look the same
    if shape == 1:
        assert (imgs[0] ^ imgs[5]).sum() <= 2


def test_ellipse_orientation():
    """At rotation 0 the ellipse's major axis is horizontal; at pi/2 (not on the grid) vertical."""
    imgs = sprites._render(torch.tensor([1, 1]), torch.ones(2), torch.tensor([0.0, math.pi / 2]),
                           torch.full((2,), 0.5), torch.full((2,), 0.5))
    width = imgs[0].any(0).sum()
    height = imgs[0].any(1).sum()
    assert width > 1.5 * height
    assert torch.equal(imgs[1].any(1).sum(), width)


def test_triangle_points_up_at_rotation_zero():
    img = sprites._render(torch.tensor([2]), torch.ones(1), torch.zeros(1),
                          torch.full((1,), 0.5), torch.full((1,), 0.5))[0]
    widths = img.sum(1)
    rows = widths.nonzero().flatten()
    assert widths[rows[0]] < widths[rows[-1]]  # narrow at the top, wide at the bottom


def test_scale_monotonic(every_combination):
    idx, images = every_combination
    count = images.flatten(1).sum(1).float()
    for shape in range(len(SHAPES)):
        means = torch.stack([count[(idx[:, 0] == shape) & (idx[:, 1] == s)].mean()
                             for s in range(len(SCALES))])
        assert (means.diff() > 0).all(), (SHAPES[shape], means)
        # area grows like scale^2
        ratio = (means[-1] / means[0]).item()
        assert 3.0 < ratio < 5.0


def test_shapes_are_distinguishable(every_combination):
    """Same scale/rotation/position, different shape => different image."""
    idx, images = every_combination
    per_shape = images.view(3, -1, 28, 28)
    assert (per_shape[0] ^ per_shape[1]).flatten(1).any(1).all()
    assert (per_shape[0] ^ per_shape[2]).flatten(1).any(1).all()
    assert (per_shape[1] ^ per_shape[2]).flatten(1).any(1).all()


@pytest.mark.parametrize("n", [0, -5])
def test_bad_n_raises(n):
    with pytest.raises(ValueError, match="positive"):
        make_sprites(n)


def test_single_image():
    images, labels, factors = make_sprites(1, seed=0)
    assert images.shape == (1, 1, 28, 28) and labels.shape == (1,) and factors.shape == (1, 5)


def test_render_reproduces_make_sprites_from_its_factors():
    from gencore.data.sprites import render

    images, _, factors = make_sprites(97, seed=3)
    assert torch.equal(render(*factors.T), images)
    one = render(shape=2, scale=1.0, rotation=0.0, x=0.5, y=0.5)
    assert one.shape == (1, 1, 28, 28) and one.dtype == torch.uint8
    row = render(shape=0, scale=SCALES, rotation=0.0, x=0.5, y=0.5)   # scalars broadcast against a sweep
    assert row.shape == (len(SCALES), 1, 28, 28)
    counts = (row > 0).flatten(1).sum(1)
    assert (counts.diff() >= 0).all() and counts[-1] > 2 * counts[0]      # bigger scale, more pixels
    with pytest.raises(ValueError, match="shape must be an index"):
        render(shape=3, scale=1.0, rotation=0.0, x=0.5, y=0.5)


def test_distinct_sprites_counts_each_shapes_different_images_read_as_their_nearest_sprite():
    from gencore.data.sprites import distinct_sprites, every_sprite

    every = every_sprite()
    assert every.shape == (7660, 1, 28, 28) and len(torch.unique(every, dim=0)) == len(every)
    images, labels, _ = make_sprites(97, seed=5)
    truth = [len(torch.unique(images[labels == c], dim=0)) for c in range(3)]
    assert distinct_sprites(images, labels) == truth
    noisy = (images.float() / 255 + 0.2 * torch.randn(images.shape, generator=torch.Generator().manual_seed(0))
             ).clamp(0, 1)
    assert distinct_sprites(noisy, labels, chunk=7) == truth          # float images, read to the nearest sprite
    again = torch.cat([images, images])                                 # repeats add nothing
    assert distinct_sprites(again, torch.cat([labels, labels])) == truth
    assert distinct_sprites(torch.zeros(5, 1, 28, 28), torch.zeros(5, dtype=torch.long)) == [1, 0, 0]
    with pytest.raises(ValueError, match="one shape index"):
        distinct_sprites(images, labels + 1)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        distinct_sprites(images[:, :, :14], labels)
