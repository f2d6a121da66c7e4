"""Checks for notebook 00 (distribution transformers): inverse-CDF sampling, affine push-forward, MMD.

Each check runs the student's function on several shapes (a batch of one, odd batches, 1 to 5 dimensions),
on float32 and on one float64 input, and on extreme but valid values (u next to 0 and 1, data so far from
the samples that every cross-kernel value underflows to 0). The gradients are checked too: the MMD's with
respect to the samples x, the push-forward's with respect to z, A and b (a learned flow or generator).
"""
from __future__ import annotations

import math

import torch

from ..mmd import mmd2
from ..pushforward import affine, exponential_icdf
from .core import Context, StudentError, close, compare, exercise, expect_gradient, finite, seeded, wrong_outputs

# ---------------------------------------------------------------- inverse CDF of the exponential
RANDOM_NUMBERS = ("Your output does not depend on u the way F^{-1}(u) does: two calls with the same u gave "
                  "different results, or different u gave the same result. The inverse-CDF method transforms "
                  "the uniforms you are given, elementwise; it does not draw its own random numbers "
                  "(no torch.rand, torch.distributions...sample() or np.random inside).")

ICDF_MISTAKES = {
    "Sign: log(1 - u) is negative, so F^{-1}(u) = -log(1 - u) / rate needs the minus sign.":
        lambda u, rate: torch.log1p(-u) / rate,
    "Rate: the mean of Exp(rate) is 1/rate, so divide by the rate instead of multiplying.":
        lambda u, rate: -torch.log1p(-u) * rate,
    "The rate is missing: F^{-1}(u) = -log(1 - u) / rate (you computed the rate-1 sample -log(1 - u)).":
        lambda u, rate: -torch.log1p(-u),
    "You used log(u): that samples the right distribution (1 - u is uniform too) but is not F^{-1}(u), "
    "which increases with u. Solve u = 1 - exp(-rate x) for x.":
        lambda u, rate: -torch.log(u) / rate,
    "log1p(v) is log(1 + v): F^{-1}(u) needs log(1 - u) = torch.log1p(-u), not torch.log1p(u).":
        lambda u, rate: -torch.log1p(u) / rate,
    "You computed the CDF F(u) = 1 - exp(-rate u), not its inverse: solve u = 1 - exp(-rate x) for x, "
    "which turns the exp into a log.":
        lambda u, rate: -torch.expm1(-rate * u),
    "Natural logarithm: F(x) = 1 - exp(-rate x) is inverted by the natural log (torch.log), not log10 or log2.":
        lambda u, rate: -torch.log10(1 - u) / rate,
    RANDOM_NUMBERS:
        lambda u, rate: torch.distributions.Exponential(rate).sample(u.shape).to(u.dtype),
}


def _icdf_inputs():
    """(what, u, rate): ordinary uniforms of several shapes, then extremes next to 0 and 1."""
    for shape, rate in (((97,), 1.5), ((5, 3), 0.5), ((1,), 2.0), ((2, 3, 4), 3.0)):
        u = torch.rand(shape, generator=seeded(sum(shape)))
        yield f"F^-1(u) for u of shape {shape}, rate={rate}", u, rate
    # float32: 1 - u is exact next to 1 (so -log(1 - u) is exact there); u = 1e-7 rounds 1 - u, harmlessly
    u = torch.tensor([0.0, 1e-7, 1e-3, 0.5, 1 - 2.0 ** -23, 1 - 2.0 ** -24])
    yield ("F^-1(u) for u = 0, 1e-7, 1e-3, 0.5, 1 - 1.2e-7, 1 - 6e-8 (float32; 1 - u > 0, so no epsilon or "
           "clamp is needed)"), u, 0.7
    u = torch.tensor([1e-12, 0.25, 0.5, 0.9, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12], dtype=torch.float64)
    yield ("F^-1(u) for float64 u up to 1 - 1e-12 (compute in u's dtype: in float32 that u is 1, "
           "and -log(0) = inf)"), u, 1.5


def _depends_on_u(student, u, rate, got) -> None:
    """Raise RANDOM_NUMBERS when the student's output is not a deterministic function of u."""
    if not isinstance(got, torch.Tensor) or got.shape != u.shape:
        return
    again = student(u, rate)
    if isinstance(again, torch.Tensor) and again.shape == got.shape and not close(again, got, 0.0, 0.0):
        raise AssertionError(RANDOM_NUMBERS)
    other = student(torch.remainder(u + 0.5, 1.0), rate)        # every element changed
    if (isinstance(other, torch.Tensor) and got.is_floating_point() and bool(torch.isfinite(got).all())
            and close(other, got, 0.0, 0.0)):
        raise AssertionError(RANDOM_NUMBERS)


@exercise("Inverse-CDF sampling", reference=exponential_icdf, mistakes=ICDF_MISTAKES,
          signature="sample_exponential(u, rate)")
def inverse_cdf(student):
    for what, u, rate in _icdf_inputs():
        expected = exponential_icdf(u, rate)
        wrong = finite(wrong_outputs(ICDF_MISTAKES, u, rate))
        got = student(u, rate)
        if isinstance(got, torch.Tensor) and not close(got, expected, 1e-4, 1e-5):
            _depends_on_u(student, u, rate, got)
        compare(got, expected, what=what, wrong=wrong, context=Context(exponential_icdf, (u, rate), student,
                                                                       scalars={"rate": rate}))


# ---------------------------------------------------------------- affine push-forward
AFFINE_MISTAKES = {
    "Transpose: with samples as rows, x_i = A z_i + b is z @ A.T + b (z @ A applies A^T).":
        lambda z, A, b: z @ A + b,
    "The shift b is missing: x = A z + b.":
        lambda z, A, b: z @ A.T,
    "You multiplied elementwise (A * z): x_i = A z_i is a matrix-vector product; for the batch, "
    "z @ A.T (torch.matmul).":
        lambda z, A, b: A * z + b,
    "A @ z treats the columns of z as the samples, but z holds one sample per ROW (shape (N, d)): "
    "x = z @ A.T + b.":
        lambda z, A, b: A @ z + b,
    "Your result is transposed: A @ z.T has one sample per COLUMN, shape (D, N); return one per row, "
    "shape (N, D): z @ A.T + b (or (A @ z.T).T + b).":
        lambda z, A, b: A @ z.T + b[:, None],
    "b is added along the wrong axis: in A @ z.T (shape (D, N)) the samples are columns, so `+ b` adds b_j "
    "to sample j; compute z @ A.T + b, whose rows are the samples.":
        lambda z, A, b: A @ z.T + b,
    "b is added to the wrong axis: your result adds b_j to every coordinate of sample j (as (A @ z.T + b).T "
    "or z @ A.T + b[:, None] do) instead of the vector b to every sample. Add b to the (N, D) result as it "
    "is: z @ A.T + b, or (A @ z.T).T + b.":
        lambda z, A, b: (A @ z.T + b).T,
}

_AFFINE_SHAPES = ("Shapes: z is (N, d) with one sample per row, A is (D, d), b is (D,), and x = z @ A.T + b "
                  "is (N, D).")


def _affine_inputs():
    # N = d = D first: every catalogued mistake gives a tensor there (most fail with a shape error elsewhere)
    for n, d_in, d_out, dtype in ((3, 3, 3, torch.float32), (97, 2, 2, torch.float32), (1, 5, 3, torch.float32),
                                  (33, 1, 5, torch.float32), (8, 5, 1, torch.float32),
                                  (21, 3, 4, torch.float64)):
        g = seeded(100 * n + 10 * d_in + d_out)
        z = torch.randn(n, d_in, generator=g, dtype=dtype)
        A = torch.randn(d_out, d_in, generator=g, dtype=dtype)
        b = torch.randn(d_out, generator=g, dtype=dtype)
        name = "" if dtype == torch.float32 else " (float64)"
        yield f"x for z of shape {(n, d_in)}, A of shape {(d_out, d_in)}, b of shape {(d_out,)}{name}", z, A, b


@exercise("Affine push-forward", reference=affine, mistakes=AFFINE_MISTAKES,
          signature="push_forward(z, A, b)")
def affine_pushforward(student):
    for what, z0, A0, b0 in _affine_inputs():
        expected = affine(z0, A0, b0)
        wrong = finite(wrong_outputs(AFFINE_MISTAKES, z0, A0, b0))
        z, A, b = (t.clone().requires_grad_() for t in (z0, A0, b0))
        try:
            got = student(z, A, b)
        except StudentError as e:
            text = str(e)
            error = text.split(" (called with")[0]            # the student's exception, not the inputs
            if any(w in error for w in ("shape", "size", "dimension", "mat1", "broadcast")):
                raise StudentError(f"{text} {_AFFINE_SHAPES}") from None
            raise
        compare(got, expected, what=what, wrong=wrong, batch=len(z0),
                context=Context(affine, (z0, A0, b0), student,
                                terms=lambda z, A, b: {"A z": (1, z @ A.T), "b": (1, b)}))
        # a push-forward that is learned (a flow, a generator) needs the gradient to reach z, A and b
        w = torch.randn(expected.shape, generator=seeded(len(z0) + 7), dtype=z0.dtype)
        expect_gradient(got, {"z": z, "A": A, "b": b}, what="x", student=student, args=(z, A, b), weight=w,
                        expected={"z": w @ A0, "A": w.T @ z0, "b": w.sum(0)},
                        why="A learned push-forward (a flow, a generator) is trained through x = A z + b.")


# ---------------------------------------------------------------- MMD
def _mmd_one_bandwidth(x, y, h):
    return mmd2(x, y, (h,))


def _sq_dist(a, b):
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)


def _mmd(x, y, h, *, d2=_sq_dist, kernel=None, reduce=torch.mean, cross=2.0):
    kernel = kernel or (lambda d: torch.exp(-d / (2 * h ** 2)))
    return reduce(kernel(d2(x, x))) + reduce(kernel(d2(y, y))) - cross * reduce(kernel(d2(x, y)))


def _unbiased(x, y, h):
    def off_diagonal_mean(k):
        return (k.sum() - k.diagonal().sum()) / (len(k) * (len(k) - 1))
    k = lambda a, b: torch.exp(-_sq_dist(a, b) / (2 * h ** 2))
    return off_diagonal_mean(k(x, x)) + off_diagonal_mean(k(y, y)) - 2 * k(x, y).mean()


NO_GRADIENT = "The generator learns only through the gradient of MMD^2 with respect to its samples x."
NAN_GRADIENT = ("Your MMD^2 has the right value but its gradient with respect to x contains NaN or inf. "
                "Usually a square root at 0: |x_i - x_i| = 0 on the diagonal of K_xx, and sqrt'(0) is infinite, "
                "so sqrt(...) ** 2 breaks the gradient; use the squared distance directly, "
                "((a[:, None] - b[None]) ** 2).sum(-1), or torch.cdist(a, b) ** 2 (whose gradient handles 0). "
                "Or an exp that overflows: write exp(-d^2 / (2 h^2)), not 1 / exp(d^2 / (2 h^2)).")

MMD_MISTAKES = {
    "The cross term needs a factor 2: MMD^2 = mean K_xx + mean K_yy - 2 mean K_xy.":
        lambda x, y, h: _mmd(x, y, h, cross=1.0),
    "Sign: the within-sample terms are added and the cross term subtracted.":
        lambda x, y, h: -_mmd_one_bandwidth(x, y, h),
    "The kernel uses the squared distance: k(a, b) = exp(-|a - b|^2 / (2 h^2)).":
        lambda x, y, h: _mmd(x, y, h, d2=lambda a, b: torch.cdist(a, b)),
    "The kernel's denominator is 2 h^2 (you left out the 2).":
        lambda x, y, h: _mmd(x, y, h, kernel=lambda d: torch.exp(-d / h ** 2)),
    "The kernel's denominator is 2 h^2: you divided by 2 h, the bandwidth is squared.":
        lambda x, y, h: _mmd(x, y, h, kernel=lambda d: torch.exp(-d / (2 * h))),
    "The kernel is exp(-|a - b|^2 / (2 h^2)), with a minus sign in the exponent: it is 1 for a = b and "
    "decays with the distance.":
        lambda x, y, h: _mmd(x, y, h, kernel=lambda d: torch.exp(d / (2 * h ** 2))),
    "The kernel has no normalising constant: k(a, b) = exp(-|a - b|^2 / (2 h^2)), not the Gaussian density "
    "(2 pi h^2)^(-d/2) exp(...).":
        lambda x, y, h: _mmd(x, y, h) * (2 * math.pi * h ** 2) ** (-x.shape[1] / 2),
    "|a - b|^2 sums the squared differences over the d coordinates; you averaged them (.mean(-1)).":
        lambda x, y, h: _mmd(x, y, h, d2=lambda a, b: ((a[:, None] - b[None]) ** 2).mean(-1)),
    "Each term is a MEAN over all pairs (1/N^2 sum_ij, 1/M^2 sum_ij, 1/(NM) sum_ij): you summed.":
        lambda x, y, h: _mmd(x, y, h, reduce=torch.sum),
    "This is the unbiased estimate (the diagonal i = j left out of K_xx and K_yy); the exercise asks for the "
    "biased one, 1/N^2 sum over ALL pairs i, j (including i = j), i.e. .mean() of each kernel matrix.":
        _unbiased,
    "You returned MMD, the square root; the exercise asks for MMD^2 itself.":
        lambda x, y, h: _mmd_one_bandwidth(x, y, h).clamp_min(0).sqrt(),
    "You compared only the sample means (|mean x - mean y|^2, the MMD of a linear kernel): MMD^2 compares "
    "the whole distributions through the Gaussian kernel k(a, b) = exp(-|a - b|^2 / (2 h^2)).":
        lambda x, y, h: (x.mean(0) - y.mean(0)).pow(2).sum(),
    "Your MMD^2 uses only the first two coordinates (a size hard-coded to 2): |a - b|^2 sums the squared "
    "differences over all d coordinates, whatever d is.":
        lambda x, y, h: _mmd_one_bandwidth(x[:, :2], y[:, :2], h),
    NO_GRADIENT:
        lambda x, y, h: _mmd_one_bandwidth(x.detach(), y.detach(), h),
    NAN_GRADIENT:
        lambda x, y, h: _mmd(x, y, h, d2=lambda a, b: _sq_dist(a, b).sqrt() ** 2),
}


def _mmd_inputs():
    """(what, x, y, h): x the model's samples, y the data; N != M, a sample of one, d = 1..5, and data so far
    from x that every cross-kernel value underflows to 0 (an exp(+d^2 / 2h^2) overflows there)."""
    for n, m, d, h, shift, dtype in ((97, 61, 2, 1.0, 0.5, torch.float32), (1, 20, 3, 0.5, 0.5, torch.float32),
                                     (33, 1, 5, 2.0, 0.5, torch.float32), (51, 40, 1, 0.7, 0.5, torch.float32),
                                     (25, 19, 3, 0.5, 8.0, torch.float32), (17, 23, 4, 1.0, 0.5, torch.float64)):
        g = seeded(1000 * n + m)
        x = torch.randn(n, d, generator=g, dtype=dtype)
        y = torch.randn(m, d, generator=g, dtype=dtype) * 1.3 + shift
        note = " (y far from x: k(x_i, y_j) underflows to 0)" if shift > 1 else ""
        note += " (float64)" if dtype == torch.float64 else ""
        yield f"MMD^2 for x of shape {(n, d)}, y of shape {(m, d)}, h={h}{note}", x, y, h


def _mmd_expected(x, y, h):
    """gencore's MMD^2 and its gradient with respect to x, computed in float64, in x's dtype."""
    x64 = x.detach().double().requires_grad_()
    value = _mmd_one_bandwidth(x64, y.double(), h)
    grad, = torch.autograd.grad(value, x64)
    return value.detach().to(x.dtype), grad.to(x.dtype)


def _mmd_terms(x, y, h):
    k = lambda a, b: torch.exp(-_sq_dist(a, b) / (2 * h ** 2)).mean()     # noqa: E731
    return {"mean K_xx": (1.0, k(x, x)), "mean K_yy": (1.0, k(y, y)),
            "2 mean K_xy (the cross term)": (-1.0, 2 * k(x, y))}


@exercise("MMD^2 between samples", reference=_mmd_one_bandwidth, mistakes=MMD_MISTAKES,
          signature="mmd_squared(x, y, h)")
def mmd(student):
    for what, x0, y, h in _mmd_inputs():
        expected, g_ref = _mmd_expected(x0, y, h)
        wrong = finite(wrong_outputs(MMD_MISTAKES, x0, y, h))
        x = x0.clone().requires_grad_()
        got = student(x, y, h)
        if isinstance(got, torch.Tensor) and got.numel() == 1 and got.dim() > 0:
            got = got.reshape(())                        # one number in a (1,) tensor is fine too
        compare(got, expected, what=what, wrong=wrong,
                context=Context(_mmd_one_bandwidth, (x0, y, h), student, terms=_mmd_terms, scalars={"h": h}))
        g_got = expect_gradient(got, {"x": x}, what=f"your MMD^2 ({what})", student=student, args=(x, y, h),
                                why=NO_GRADIENT)["x"]
        if not torch.isfinite(g_got).all():
            raise AssertionError(f"{NAN_GRADIENT} (Found for {what}.)")
        compare(g_got, g_ref, what=f"the gradient of your MMD^2 with respect to x ({what})",
                atol=1e-3 * max(g_ref.abs().max().item(), 1e-8))
    same = torch.randn(50, 3, generator=seeded(1))
    got = student(same, same.clone(), 1.0)
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.reshape(())
    compare(got, torch.zeros(()), what="MMD^2 of a sample with itself (which must be 0)", atol=1e-5)


__all__ = ["inverse_cdf", "affine_pushforward", "mmd"]
