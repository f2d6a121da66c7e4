"""Image transforms: the Gaussian blur (a reference for blur in notebooks 03 and 08), and the classifier's
augmentations (`random_affine`, `soften`). Batches (N, C, H, W) of floats in [0, 1]."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
import torchvision.transforms.v2.functional as TF

from ..validate import as_float, as_generator

__all__ = ["gaussian_blur", "random_affine", "soften"]


def gaussian_blur(images: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """Blur images (N, C, H, W) with a Gaussian of standard deviation ``sigma`` pixels, truncated at 3 sigma:

        blurred = x * g,   g(u, v) proportional to exp(-(u^2 + v^2) / (2 sigma^2)),  |u|, |v| <= ceil(3 sigma)

    torchvision's `gaussian_blur` (borders reflected, so a constant image stays constant); the reference for
    blur in notebooks 03 and 08 and the classifier's `soften` augmentation. ``sigma`` = 0 returns a copy."""
    sigma = as_float(sigma, "sigma", minimum=0)
    x = torch.as_tensor(images).detach()
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()       # uint8: images 0..255, as everywhere
    if x.dim() != 4:
        raise ValueError(f"gaussian_blur needs a batch of images (N, C, H, W), got shape {tuple(x.shape)}; add the "
                         f"channel axis with x.unsqueeze(1), or the batch axis with x.unsqueeze(0).")
    if sigma == 0:
        return x.clone()
    r = max(1, math.ceil(3 * sigma))
    return TF.gaussian_blur(x, [2 * r + 1, 2 * r + 1], [sigma, sigma])


def _uniform(n: int, k: int, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """(k, n) numbers U(0, 1) drawn on ``generator``'s device (default: torch's global CPU RNG), moved to x's."""
    generator = as_generator(generator)
    u = torch.rand(k, n, generator=generator, device=generator.device if generator is not None else "cpu")
    return u.to(device=x.device, dtype=x.dtype)


def random_affine(x: torch.Tensor, shift: float = 0.0, rotate: float = 0.0, zoom: float = 0.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image moved by up to ``shift`` pixels in x and in y, turned by up to ``rotate`` degrees and scaled
    by a factor in [1 - zoom, 1 + zoom] (all uniform, independent per image), resampled bilinearly with zeros
    outside: one affine_grid + grid_sample for the batch. With all three 0 it returns x unchanged."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}; add the channel "
                         f"axis with x.unsqueeze(1), or the batch axis with x.unsqueeze(0).")
    if len(x) == 0 or not (shift or rotate or zoom):
        return x
    n, _, h, w = x.shape
    u = 2 * _uniform(n, 4, x, generator) - 1                           # U(-1, 1)
    angle = u[0] * math.radians(rotate)
    scale = 1 + u[1] * zoom
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, u[2] * (2 * shift / w)], 1),      # grid units: 2 / side
                         torch.stack([sin, cos, u[3] * (2 * shift / h)], 1)], 1)   # per pixel; (n, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def soften(x: torch.Tensor, fraction: float = 0.5, sigma: float = 1.0, dim: float = 0.4,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Grey-level augmentation: a random ``fraction`` of the images (each with that probability) is mixed
    with its Gaussian blur (``sigma`` pixels) with a weight U(0, 1), then dimmed by a factor U(1 - dim, 1):
    what a generator's soft, blurry samples look like. The others are returned unchanged; values stay in
    [0, 1]."""
    fraction, dim = as_float(fraction, "fraction", minimum=0, maximum=1), as_float(dim, "dim", minimum=0, maximum=1)
    if fraction <= 0 or len(x) == 0:
        return x
    n = len(x)
    u = _uniform(n, 3, x, generator).view(3, n, 1, 1, 1)
    blurred = gaussian_blur(x, sigma).to(x.dtype)
    softened = (x + u[1] * (blurred - x)) * (1 - dim * u[2])
    return torch.where(u[0] < fraction, softened, x)
