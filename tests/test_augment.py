"""gencore.data.augment: the one Gaussian blur (torchvision's) and the classifier's augmentations built on it."""
import math

import pytest
import torch

from gencore.data.augment import gaussian_blur, soften


def test_the_blur_is_a_normalised_gaussian_truncated_at_three_sigma():
    x = torch.zeros(1, 1, 29, 29)
    x[0, 0, 14, 14] = 1.0                                          # an impulse: the blur draws its kernel
    for sigma in (0.5, 1.0, 2.0):
        r = math.ceil(3 * sigma)
        t = torch.arange(-r, r + 1, dtype=torch.float64)
        g = torch.exp(-t ** 2 / (2 * sigma ** 2))
        kernel = torch.outer(g, g) / torch.outer(g, g).sum()
        out = gaussian_blur(x, sigma)[0, 0].double()
        assert torch.allclose(out[14 - r:15 + r, 14 - r:15 + r], kernel, atol=1e-6)
        assert out.sum().item() == pytest.approx(1.0, abs=1e-5)     # no mass leaves the image


def test_the_blur_keeps_constants_and_shapes_and_refuses_a_batch_without_channels():
    flat = torch.full((3, 2, 12, 10), 0.4)
    assert torch.allclose(gaussian_blur(flat, 1.5), flat)           # reflected borders: no darkening
    x = torch.rand(5, 1, 28, 28)
    assert torch.equal(gaussian_blur(x, 0), x) and gaussian_blur(x, 0) is not x
    with pytest.raises(ValueError, match=r"unsqueeze\(1\)"):
        gaussian_blur(torch.rand(5, 28, 28))
    with pytest.raises(ValueError, match="sigma must be at least 0"):
        gaussian_blur(x, -1)


def test_soften_mixes_with_the_blur_and_stays_in_the_unit_interval():
    x = (torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    out = soften(x, 1.0, generator=torch.Generator().manual_seed(1))
    assert out.shape == x.shape and 0 <= out.min() and out.max() <= 1
    u = torch.rand(3, 64, generator=torch.Generator().manual_seed(1)).view(3, 64, 1, 1, 1)
    expected = (x + u[1] * (gaussian_blur(x, 1.0) - x)) * (1 - 0.4 * u[2])
    assert torch.allclose(out, expected, atol=1e-6)
    assert soften(x, 0.0) is x
