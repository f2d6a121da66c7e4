"""Checks for notebook 00 (distribution transformers): inverse-CDF sampling, affine push-forward, MMD."""
from __future__ import annotations

import torch

from ..mmd import mmd2
from ..pushforward import affine, exponential_icdf
from .core import compare, exercise, expect_tensor, seeded, wrong_outputs

# ---------------------------------------------------------------- inverse CDF of the exponential
ICDF_MISTAKES = {
    "Sign: log(1 - u) is negative, so F^{-1}(u) = -log(1 - u) / rate needs the minus sign.":
        lambda u, rate: torch.log1p(-u) / rate,
    "Rate: the mean of Exp(rate) is 1/rate, so divide by the rate instead of multiplying.":
        lambda u, rate: -torch.log1p(-u) * rate,
    "You used log(u): that samples the right distribution (1 - u is uniform too) but is not F^{-1}(u), "
    "which increases with u. Solve u = 1 - exp(-rate x) for x.":
        lambda u, rate: -torch.log(u) / rate,
    "Your output does not depend on u: the inverse-CDF method transforms the given uniforms, it does not "
    "draw new random numbers.":
        lambda u, rate: torch.distributions.Exponential(rate).sample(u.shape),
}


@exercise("Inverse-CDF sampling", reference=exponential_icdf, mistakes=ICDF_MISTAKES)
def inverse_cdf(student):
    for shape, rate in (((97,), 1.5), ((5, 3), 0.5), ((1,), 2.0)):
        u = torch.rand(shape, generator=seeded(len(shape))).clamp(1e-4, 1 - 1e-4)
        if not torch.equal(torch.as_tensor(student(u.clone(), rate)), torch.as_tensor(student(u.clone(), rate))):
            raise AssertionError(list(ICDF_MISTAKES)[-1])
        compare(student(u.clone(), rate), exponential_icdf(u, rate), what=f"F^-1(u) for u of shape {shape}",
                wrong=wrong_outputs(ICDF_MISTAKES, u, rate))


# ---------------------------------------------------------------- affine push-forward
AFFINE_MISTAKES = {
    "Transpose: with samples as rows, x_i = A z_i + b is z @ A.T + b (z @ A applies A^T).":
        lambda z, A, b: z @ A + b,
    "The shift b is missing: x = A z + b.":
        lambda z, A, b: z @ A.T,
    "You scaled elementwise (z * A) instead of applying the matrix A.":
        lambda z, A, b: z * A.diagonal() + b,
}


@exercise("Affine push-forward", reference=affine, mistakes=AFFINE_MISTAKES)
def affine_pushforward(student):
    for n, d_in, d_out in ((97, 2, 2), (33, 3, 2)):
        g = seeded(n)
        z = torch.randn(n, d_in, generator=g)
        A = torch.randn(d_out, d_in, generator=g)
        b = torch.randn(d_out, generator=g)
        compare(student(z.clone(), A.clone(), b.clone()), affine(z, A, b),
                what=f"x for z of shape {(n, d_in)} and A of shape {(d_out, d_in)}",
                wrong=wrong_outputs(AFFINE_MISTAKES, z, A, b))


# ---------------------------------------------------------------- MMD
def _mmd_one_bandwidth(x, y, h):
    return mmd2(x, y, (h,))


def _kernel_mean(a, b, h, squared=True, two=True):
    d = torch.cdist(a, b)
    d = d.pow(2) if squared else d
    return torch.exp(-d / ((2 if two else 1) * h ** 2)).mean()


MMD_MISTAKES = {
    "The cross term needs a factor 2: MMD^2 = mean K_xx + mean K_yy - 2 mean K_xy.":
        lambda x, y, h: _kernel_mean(x, x, h) + _kernel_mean(y, y, h) - _kernel_mean(x, y, h),
    "Sign: the within-sample terms are added and the cross term subtracted.":
        lambda x, y, h: -_mmd_one_bandwidth(x, y, h),
    "The kernel uses the squared distance: k(a, b) = exp(-|a - b|^2 / (2 h^2)).":
        lambda x, y, h: _kernel_mean(x, x, h, squared=False) + _kernel_mean(y, y, h, squared=False)
        - 2 * _kernel_mean(x, y, h, squared=False),
    "The kernel's denominator is 2 h^2 (you left out the 2).":
        lambda x, y, h: _kernel_mean(x, x, h, two=False) + _kernel_mean(y, y, h, two=False)
        - 2 * _kernel_mean(x, y, h, two=False),
    "Your MMD does not pass gradients back to the samples (did you use .detach(), .item() or numpy?); "
    "the generator learns only through this gradient.":
        lambda x, y, h: _mmd_one_bandwidth(x.detach(), y.detach(), h),
}


@exercise("MMD^2 between samples", reference=_mmd_one_bandwidth, mistakes=MMD_MISTAKES)
def mmd(student):
    for n, m, h in ((97, 61, 1.0), (40, 40, 0.5)):
        g = seeded(n)
        x = torch.randn(n, 2, generator=g).requires_grad_()
        y = (torch.randn(m, 2, generator=g) + 0.5).requires_grad_()
        expected = _mmd_one_bandwidth(x, y, h)
        got = student(x, y, h)
        compare(got, expected, what=f"MMD^2 for {n} and {m} samples, h={h}",
                wrong=wrong_outputs(MMD_MISTAKES, x.detach(), y.detach(), h), atol=1e-5)
        if not got.requires_grad:
            raise AssertionError(list(MMD_MISTAKES)[-1])
        g_got, = torch.autograd.grad(got, x)
        g_ref, = torch.autograd.grad(expected, x)
        compare(g_got, g_ref, what="the gradient of your MMD^2 with respect to x")
    same = torch.randn(50, 2, generator=seeded(1))
    expect_tensor(student(same, same.clone(), 1.0), "MMD^2 of a sample with itself")
    if abs(float(student(same, same.clone(), 1.0))) > 1e-5:
        raise AssertionError("MMD^2 of a sample with itself must be 0; check the three terms.")


__all__ = ["inverse_cdf", "affine_pushforward", "mmd"]
