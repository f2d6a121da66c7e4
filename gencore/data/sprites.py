"""Sprites: 28x28 binary shapes with known factors of variation (a small dSprites).

Every image is made from five independent ground-truth factors -- shape, scale,
rotation, x position and y position -- each drawn uniformly from a small discrete
grid. These are the lecture's "factors of variation": because we know them exactly,
we can later measure how well a model's latent code separates them (disentanglement).
The data set is generated offline in a second or two and is deterministic for a seed.

    images, labels, factors = make_sprites(70_000, seed=0)

Geometry: pixel (row i, column j) has its centre at (i + 0.5, j + 0.5) in a 28x28
frame. A shape's centre is at column 8 + 12 x and row 8 + 12 y, so x = 0 is the left
and y = 0 the top of the image. Its largest half-extent is 7.25 px * scale, so it never
reaches a border pixel (7.5 px from the outermost centres) and is never clipped.
Rotation is counter-clockwise as displayed, in radians.
"""
from __future__ import annotations

import math

import torch

from ..labels import check_labels
from ..validate import as_images, as_int, as_tensor, check_range

__all__ = ["SHAPES", "FACTOR_NAMES", "SCALES", "ROTATIONS", "POSITIONS", "make_sprites", "render",
           "every_sprite", "distinct_sprites"]

SHAPES = ("square", "ellipse", "triangle")
FACTOR_NAMES = ("shape", "scale", "rotation", "x", "y")
SCALES = torch.linspace(0.5, 1.0, 6)
ROTATIONS = torch.arange(10, dtype=torch.float32) * (2 * math.pi / 10)
POSITIONS = torch.linspace(0.0, 1.0, 8)

_SIZE = 28
_RADIUS = 7.25        # largest distance (px) of any shape point from its centre, at scale 1
_LOW, _SPAN = 8.0, 12.0   # centre = _LOW + _SPAN * position, in pixels
_ELLIPSE_MINOR = 0.55  # minor / major axis of the ellipse
_SQUARE_HALF = 1 / math.sqrt(2)  # half side of the square, in units of _RADIUS: corners on the unit circle
_CHUNK = 4096

# Triangle: equilateral, centroid at 0, circumradius 1, apex up. Inside iff n_k . (u, v) <= 1/2 for the
# three outward edge normals n_k (the inradius is 1/2).
_TRI_NORMALS = torch.tensor([[0.0, -1.0],
                             [math.sqrt(3) / 2, 0.5],
                             [-math.sqrt(3) / 2, 0.5]])


def _render(shape: torch.Tensor, scale: torch.Tensor, rotation: torch.Tensor,
            x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Rasterise a batch of sprites from their factors (1-D tensors of equal length) -> bool (m, 28, 28).

    Each pixel centre (dx right, dy up from the shape centre) is mapped to the canonical frame,
    (u, v) = R(-rotation) (dx, dy) / (7.25 px * scale), where every shape lies inside the unit disc,
    and tested there. u and v are linear in dx and dy, so every full-size tensor is one broadcast add.
    """
    shape = shape.long()
    centres = torch.arange(_SIZE, dtype=torch.float32) + 0.5
    dx = centres.view(1, 1, _SIZE) - (_LOW + _SPAN * x.float()).view(-1, 1, 1)   # (m, 1, 28), right
    dy = (_LOW + _SPAN * y.float()).view(-1, 1, 1) - centres.view(1, _SIZE, 1)   # (m, 28, 1), up
    r = _RADIUS * scale.float().view(-1, 1, 1)
    a = torch.cos(rotation.float()).view(-1, 1, 1) / r
    b = torch.sin(rotation.float()).view(-1, 1, 1) / r
    out = torch.empty(len(shape), _SIZE, _SIZE, dtype=torch.bool)
    for k in range(len(SHAPES)):
        i = (shape == k).nonzero().squeeze(1)
        if len(i) == 0:
            continue
        ak, bk, dxk, dyk = a[i], b[i], dx[i], dy[i]
        if k == 0:    # square: max(|u|, |v|) <= half side
            u = ak * dxk + bk * dyk
            v = ak * dyk - bk * dxk
            out[i] = torch.maximum(u.abs(), v.abs()) <= _SQUARE_HALF
        elif k == 1:  # ellipse: u^2 + (v / minor)^2 <= 1
            u = ak * dxk + bk * dyk
            v = (ak * dyk - bk * dxk) / _ELLIPSE_MINOR
            out[i] = u.square() + v.square() <= 1.0
        else:         # triangle: n_j . (u, v) <= 1/2 for its three outward edge normals n_j
            side = None
            for n0, n1 in _TRI_NORMALS.tolist():
                d = (n0 * ak - n1 * bk) * dxk + (n0 * bk + n1 * ak) * dyk
                side = d if side is None else torch.maximum(side, d)
            out[i] = side <= 0.5
    return out


def render(shape, scale, rotation, x, y) -> torch.Tensor:
    """Draw sprites from given factors (numbers or 1-D tensors, broadcast together) -> uint8 (m, 1, 28, 28).

    This is the generative process g(z) itself: ``render(shape=1, scale=1.0, rotation=0.0, x=0.5, y=0.5)``.
    """
    names = ("shape", "scale", "rotation", "x", "y")
    if isinstance(shape, str):
        raise ValueError(f"shape must be the index of a shape in SHAPES {SHAPES} (0, 1 or 2), got the name {shape!r}; "
                        f"pass e.g. shape=SHAPES.index('square').")
    factors = [as_tensor(f, name, "factors (numbers or a 1-D tensor)").float().reshape(-1)
               for name, f in zip(names, (shape, scale, rotation, x, y))]
    try:
        factors = torch.broadcast_tensors(*factors)
    except RuntimeError:
        raise ValueError(f"The factors must be numbers or 1-D tensors of one length (broadcast together), got lengths "
                         f"{dict(zip(names, map(len, factors)))}.") from None
    for name, f in zip(names, factors):
        check_range(f, name, model="render")
    if not ((factors[0] >= 0) & (factors[0] < len(SHAPES)) & (factors[0] == factors[0].round())).all():
        raise ValueError(f"shape must be an index into SHAPES {SHAPES} (0 to {len(SHAPES) - 1}).")
    if not (factors[1] > 0).all():
        raise ValueError(f"scale must be positive (the sprites' scales are {SCALES[0]:g} to {SCALES[-1]:g}), got "
                         f"{factors[1].min().item():g}.")
    lo, hi = -_LOW / _SPAN, (_SIZE - _LOW) / _SPAN          # the centre on the image: -2/3 to 5/3
    for name, f in zip(names[3:], factors[3:]):
        if not ((f >= lo) & (f <= hi)).all():
            raise ValueError(f"{name} must be a position in [0, 1] (the dataset's sprites lie there), got "
                             f"{f[(f < lo) | (f > hi)][0].item():g}: the sprite's centre would be off the image.")
    return _render(*factors).unsqueeze(1).to(torch.uint8) * 255


def make_sprites(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw `n` sprites with independent, uniformly chosen factors.

    Returns (images, labels, factors):
      images  uint8 (n, 1, 28, 28), every value exactly 0 or 255;
      labels  int64 (n,), the shape index into SHAPES (0 square, 1 ellipse, 2 triangle);
      factors float32 (n, 5), columns FACTOR_NAMES = (shape index, scale in SCALES,
              rotation in ROTATIONS (radians), x in POSITIONS, y in POSITIONS).
    Uses its own torch.Generator seeded with `seed`, never the global RNG.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"make_sprites needs a positive integer number of images n, got {n!r}.")
    g = torch.Generator().manual_seed(seed)
    shape = torch.randint(len(SHAPES), (n,), generator=g)
    scale = SCALES[torch.randint(len(SCALES), (n,), generator=g)]
    rotation = ROTATIONS[torch.randint(len(ROTATIONS), (n,), generator=g)]
    x = POSITIONS[torch.randint(len(POSITIONS), (n,), generator=g)]
    y = POSITIONS[torch.randint(len(POSITIONS), (n,), generator=g)]

    images = torch.empty(n, 1, _SIZE, _SIZE, dtype=torch.uint8)
    for start in range(0, n, _CHUNK):
        sl = slice(start, start + _CHUNK)
        mask = _render(shape[sl], scale[sl], rotation[sl], x[sl], y[sl])
        images[sl, 0] = mask.to(torch.uint8) * 255
    factors = torch.stack([shape.float(), scale, rotation, x, y], dim=1)
    return images, shape, factors


def every_sprite() -> torch.Tensor:
    """The distinct images of the whole factor grid (shapes x scales x rotations x positions), uint8
    (M, 1, 28, 28): sprites that look alike, such as a square turned by 90 degrees, appear once."""
    grid = torch.meshgrid(torch.arange(float(len(SHAPES))), SCALES, ROTATIONS, POSITIONS, POSITIONS, indexing="ij")
    return torch.unique(render(*(f.flatten() for f in grid)), dim=0)


def distinct_sprites(images: torch.Tensor, labels: torch.Tensor, chunk: int = 1000) -> list[int]:
    """A diversity count for generated sprites: per shape (label 0, 1, 2), how many distinct sprites the images
    of that label show, each image read as its nearest (L2) sprite of `every_sprite`. Images (N, 1, 28, 28),
    float in [0, 1] or uint8 0..255; labels (N,) shape indices."""

    x = as_images(images, "sprites").flatten(1)
    labels = check_labels(labels, len(SHAPES), len(x),
                          what=f"labels (one shape index per image, 0 to {len(SHAPES) - 1})")
    chunk = as_int(chunk, "chunk", minimum=1)
    every = every_sprite().flatten(1).float() / 255
    nearest = torch.cat([(-2 * part @ every.T + every.pow(2).sum(1)).argmin(1) for part in x.split(chunk)])
    return [len(nearest[labels == c].unique()) for c in range(len(SHAPES))]
