"""Checks for notebook 05 (DRAW): one axis of the Gaussian filterbank (eqs. 19-20 and 25-26 of Gregor et al.,
2015) and the attention read (eq. 27).

Every input is deterministic (the window's numbers are passed in). Besides ordinary inputs (a batch of 1, an
odd batch of 97, N = 1, 2, 3, 5, 12, image sides 13, 20, 28 and 31, one float64 case) the filterbank check tries
extreme but valid windows that only the stable form survives: a tiny variance (sigma^2 = 1e-4) and grid points
far outside the image, where every exp(-(a - mu)^2 / (2 sigma^2)) underflows to 0 and exp / sum is 0 / 0. The
read check uses colour and non-square images, so that a hard-coded channel count or a swapped axis shows. DRAW
learns where to look through both: the gradient must reach the window's numbers (g, delta, sigma2) and, through
the read, the filterbanks, gamma and the error image.
"""
from __future__ import annotations

import inspect
from typing import Callable

import torch

from ..draw import filters, read_attention
from .common import dtype_note as _kind
from .common import swapped
from .core import Context, compare_or_explain, exercise, expect_gradient, seeded, uniform, wrong_outputs

F64 = torch.float64


# ---------------------------------------------------------------- one axis of the filterbank
def filter_reference(g, delta, sigma2, N, size):
    """F[b, i, a] = exp(-(a - mu_i)^2 / (2 sigma2)) / Z,  mu_i = g + (i - N/2 - 0.5) delta  (i, a 1-based)."""
    return filters(g, delta, sigma2, N, size)


def _axes(g, N, size):
    i = torch.arange(1, N + 1, dtype=g.dtype)
    a = torch.arange(1, size + 1, dtype=g.dtype)
    return i, a


def _exponent(g, delta, sigma2, N, size, *, i_offset=0.0, a_offset=0.0, centre_term=True):
    """(a - mu_i)^2 for (batch, N, size), with optional 0-based shifts of i or a (the mistakes)."""
    i, a = _axes(g, N, size)
    step = ((i - i_offset - N / 2 - 0.5) * delta[:, None] if centre_term
            else (i - N / 2 - 0.5)[None, :].expand(len(g), N))
    mu = g[:, None] + step
    return (a - a_offset - mu[..., None]).pow(2)


def _normalise(e):
    return torch.softmax(e, dim=-1)


def _gaussian(g, delta, sigma2, N, size, **kw):
    return _normalise(-_exponent(g, delta, sigma2, N, size, **kw) / (2 * sigma2[:, None, None]))


VARIANCE_SQUARED = ("You squared the variance again: sigma2 IS sigma^2 (the network outputs log sigma^2), so the "
                    "exponent is -(a - mu_i)^2 / (2 sigma2), not / (2 sigma2^2). (A known bug of several public "
                    "DRAW ports.)")
EXPONENT_SQUARED = ("You squared the whole fraction: the exponent is -(a - mu_i)^2 / (2 sigma2), not "
                    "-((a - mu_i) / (2 sigma2))^2 (a known bug of several public DRAW ports: the square belongs "
                    "to (a - mu_i) alone).")
UNSTABLE = ("Your filters are NaN (0 / 0) for a tiny variance or a grid point far outside the image: every "
            "exp(-(a - mu_i)^2 / (2 sigma2)) underflows to 0 there, and so does the sum Z. The normalised row "
            "is a softmax over the pixels a: torch.softmax(-(a - mu_i)^2 / (2 sigma2), dim=-1) (or subtract each "
            "row's largest exponent before exp).")
EPSILON_Z = ("You divided by max(Z, eps) (or Z + eps): where every exp underflows, that row comes out all 0 "
             "instead of summing to 1, so that glimpse pixel reads nothing. The normalised row is a softmax over "
             "the pixels a: torch.softmax(-(a - mu_i)^2 / (2 sigma2), dim=-1).")


def _direct(g, delta, sigma2, N, size):
    w = torch.exp(-_exponent(g, delta, sigma2, N, size) / (2 * sigma2[:, None, None]))
    return w / w.sum(-1, keepdim=True)


def _epsilon(g, delta, sigma2, N, size):
    w = torch.exp(-_exponent(g, delta, sigma2, N, size) / (2 * sigma2[:, None, None]))
    return w / w.sum(-1, keepdim=True).clamp_min(1e-8)


FILTER_MISTAKES = {
    VARIANCE_SQUARED:
        lambda g, delta, sigma2, N, size: _gaussian(g, delta, sigma2.pow(2), N, size),
    EXPONENT_SQUARED:
        lambda g, delta, sigma2, N, size: _normalise(
            -(_exponent(g, delta, sigma2, N, size).sqrt() / (2 * sigma2[:, None, None])).pow(2)),
    "The exponent needs the variance sigma2 itself; you used its square root (the standard deviation): "
    "exp(-(a - mu_i)^2 / (2 sigma2)).":
        lambda g, delta, sigma2, N, size: _gaussian(g, delta, sigma2.sqrt(), N, size),
    "The factor 2 is missing: exp(-(a - mu_i)^2 / (2 sigma2)), not exp(-(a - mu_i)^2 / sigma2).":
        lambda g, delta, sigma2, N, size: _gaussian(g, delta, sigma2 / 2, N, size),
    "The rows are not normalised: divide each row by Z = sum_a exp(-(a - mu_i)^2 / (2 sigma2)), so that every "
    "filter sums to 1 over the image positions a.":
        lambda g, delta, sigma2, N, size: torch.exp(-_exponent(g, delta, sigma2, N, size)
                                                    / (2 * sigma2[:, None, None])),
    "You normalised over the wrong axis: Z sums over the image positions a (the last axis, size), so that each "
    "filter (row i) sums to 1; you normalised over the N grid points.":
        lambda g, delta, sigma2, N, size: torch.softmax(-_exponent(g, delta, sigma2, N, size)
                                                        / (2 * sigma2[:, None, None]), dim=-2),
    "The grid points are numbered i = 1..N in mu_i = g + (i - N/2 - 0.5) delta; you used i = 0..N-1 (torch.arange(N) "
    "without + 1), which moves the whole grid by one stride delta.":
        lambda g, delta, sigma2, N, size: _gaussian(g, delta, sigma2, N, size, i_offset=1.0),
    "The pixels are numbered a = 1..size, as in the paper (g~ = 0 puts the grid centre at (size + 1) / 2, the "
    "image's centre); you used a = 0..size-1 (torch.arange(size) without + 1), which moves every filter by one "
    "pixel.":
        lambda g, delta, sigma2, N, size: _gaussian(g, delta, sigma2, N, size, a_offset=1.0),
    "The stride is missing: mu_i = g + (i - N/2 - 0.5) * delta; your grid points are one pixel apart whatever "
    "delta is.":
        lambda g, delta, sigma2, N, size: _gaussian(g, delta, sigma2, N, size, centre_term=False),
    "Sign: mu_i = g + (i - N/2 - 0.5) delta runs from left to right as i grows; yours runs the other way "
    "(g - (i - N/2 - 0.5) delta).":
        lambda g, delta, sigma2, N, size: _gaussian(g, -delta, sigma2, N, size),
    UNSTABLE: _direct,
    EPSILON_Z: _epsilon,
    **swapped(filter_reference, "g", "delta"),
}


def _filter_inputs():
    """(g, delta, sigma2, N, size, extreme): batch 97 / 1 / 5 / 4 / 6 / 7, N 5 / 3 / 2 / 12 / 1 / 4, sizes 28 / 20 /
    13 / 31 / 28 / 28, one float64 case; then tiny variances with grid points far outside the image."""
    g = seeded(90)

    def window(n, N, size, dtype=torch.float32):
        centre = uniform((n,), 0, size + 1, g, dtype)                               # anywhere over the image
        delta = uniform((n,), 0.3, 1.5, g, dtype) * (size - 1) / max(N - 1, 1)       # from close to wide grids
        sigma2 = torch.exp(uniform((n,), -1.5, 2.0, g, dtype))                       # 0.22 .. 7.4 pixels^2
        return centre, delta, sigma2

    for n, N, size in ((97, 5, 28), (1, 3, 20), (5, 2, 13), (4, 12, 31)):
        yield (*window(n, N, size), N, size, False)
    yield (*window(6, 1, 28), 1, 28, False)
    yield (*window(7, 4, 28, F64), 4, 28, False)
    centre = torch.tensor([-60.0, 14.5, 95.0, 3.0, 200.0, 28.0])                     # far left, centre, far right
    delta = torch.tensor([1.0, 2.0, 3.0, 6.75, 1.0, 0.5])
    sigma2 = torch.tensor([1e-4, 1e-4, 1e-3, 1e-4, 0.5, 1e-4])
    yield centre, delta, sigma2, 3, 28, True


HALF_STRIDE = ("the grid centre is off by half a stride (delta / 2): mu_i = g + (i - N/2 - 0.5) delta, with i = 1..N; "
               "a missing 0.5, or N // 2 (integer division) where N / 2 belongs for an odd N, moves every grid point "
               "by half a step")


def _shifted(k):
    return lambda g, delta, sigma2, N, size: filter_reference(g + k * delta, delta, sigma2, N, size)


def _gradient_check(student, got, inputs: dict, args: tuple, reference: Callable, what: str) -> None:
    """The gradient of sum(w * got) reaches every input of ``inputs`` and equals the reference's."""
    if not isinstance(got, torch.Tensor) or not got.is_floating_point():
        return
    w = torch.randn(got.shape, generator=seeded(got.numel() % 1000), dtype=got.dtype)
    leaves = {n: t.detach().clone().requires_grad_() for n, t in inputs.items()}
    call = tuple(leaves.get(n, a) for n, a in zip(inspect.signature(reference).parameters, args))
    out = reference(*call)
    ref = dict(zip(leaves, torch.autograd.grad((out * w).sum(), list(leaves.values()))))
    expect_gradient(got, inputs, what=what, student=student, args=args, weight=w, expected=ref, rtol=1e-3,
                    atol={n: 1e-4 * max(g.abs().max().item(), 1e-6) for n, g in ref.items()},
                    why="DRAW learns where to look through this gradient: the network's outputs set these numbers.")


@exercise("The filterbank F (eqs. 19-20, 25-26)", reference=filter_reference, mistakes=FILTER_MISTAKES,
          signature="filter_matrix(g, delta, sigma2, N, size)")
def draw_filters(student):
    for g0, delta0, sigma20, N, size, extreme in _filter_inputs():
        n = len(g0)
        what = (f"F for a batch of {n} window{'s' if n > 1 else ''} with N={N} over {size} pixels"
                f"{' (tiny variances, grid points far outside the image)' if extreme else ''}{_kind(g0)}")
        g, delta, sigma2 = (t.clone().requires_grad_(not extreme) for t in (g0, delta0, sigma20))
        got = student(g, delta, sigma2, N, size)
        expected = filter_reference(g0, delta0, sigma20, N, size)
        wrong = wrong_outputs(FILTER_MISTAKES, g0, delta0, sigma20, N, size)
        not_finite = (isinstance(got, torch.Tensor) and got.is_floating_point()
                      and not torch.isfinite(got).all())
        context = Context(filter_reference, (g0, delta0, sigma20, N, size), student,
                          variants=[(HALF_STRIDE, _shifted(0.5)), (HALF_STRIDE, _shifted(-0.5))],
                          sizes={"pixels": size, "grid points": N})
        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=FILTER_MISTAKES, batch=n,
                           rtol=1e-4, atol=1e-5, extra=UNSTABLE if extreme and not_finite else "", context=context)
        if not extreme:      # a tiny variance makes the gradient ill-conditioned: it is checked on ordinary windows
            _gradient_check(student, got, {"g": g, "delta": delta, "sigma2": sigma2}, (g, delta, sigma2, N, size),
                            filter_reference, what)


# ---------------------------------------------------------------- the read operation
def read_reference(x, x_hat, F_X, F_Y, gamma):
    """gamma [F_Y x F_X^T, F_Y x_hat F_X^T]: images (n, C, B, A) twice -> the glimpses (n, 2C, N, N)."""
    n, C = x.shape[:2]
    N = F_X.shape[1]
    return read_attention(x, x_hat, F_X, F_Y, gamma).view(n, 2 * C, N, N)


def _glimpse(img, F_X, F_Y):
    return F_Y[:, None] @ img @ F_X.transpose(1, 2)[:, None]


def _g(gamma):
    return gamma[:, None, None, None]


READ_MISTAKES = {
    "gamma is missing: the read is gamma [F_Y x F_X^T, F_Y x_hat F_X^T], both glimpses scaled by the "
    "window's intensity gamma.":
        lambda x, x_hat, F_X, F_Y, gamma: torch.cat([_glimpse(x, F_X, F_Y), _glimpse(x_hat, F_X, F_Y)], 1),
    "You divided by gamma: the read MULTIPLIES the glimpses by gamma (1/gamma belongs to the write, eq. 29).":
        lambda x, x_hat, F_X, F_Y, gamma: torch.cat([_glimpse(x, F_X, F_Y), _glimpse(x_hat, F_X, F_Y)], 1)
        / _g(gamma),
    "Only the first glimpse is scaled: gamma multiplies both, gamma [F_Y x F_X^T, F_Y x_hat F_X^T].":
        lambda x, x_hat, F_X, F_Y, gamma: torch.cat([_g(gamma) * _glimpse(x, F_X, F_Y),
                                                     _glimpse(x_hat, F_X, F_Y)], 1),
    "Your glimpse is transposed: rows of the image are y (F_Y on the left), columns x (F_X^T on the right): "
    "F_Y x F_X^T; you computed its transpose F_X x^T F_Y^T.":
        lambda x, x_hat, F_X, F_Y, gamma: read_reference(x, x_hat, F_X, F_Y, gamma).transpose(-1, -2),
    "The error image is missing: the read is BOTH glimpses, of x and of x_hat = x - sigmoid(c_{t-1}), side by "
    "side along the channels: torch.cat([..x.., ..x_hat..], dim=1).":
        lambda x, x_hat, F_X, F_Y, gamma: _g(gamma) * _glimpse(x, F_X, F_Y),
    "You read x twice: the second glimpse is of the error image x_hat.":
        lambda x, x_hat, F_X, F_Y, gamma: read_reference(x, x, F_X, F_Y, gamma),
    "The two glimpses are in the wrong order: first x's, then x_hat's, [F_Y x F_X^T, F_Y x_hat F_X^T].":
        lambda x, x_hat, F_X, F_Y, gamma: read_reference(x_hat, x, F_X, F_Y, gamma),
    "You concatenated along the wrong dimension: the two glimpses go side by side along the channels "
    "(dim=1), giving (n, 2C, N, N).":
        lambda x, x_hat, F_X, F_Y, gamma: _g(gamma) * torch.cat([_glimpse(x, F_X, F_Y), _glimpse(x_hat, F_X, F_Y)],
                                                                -1),
    **swapped(read_reference, "F_X", "F_Y"),
}


def _filterbank(n, N, A, B, g, dtype=torch.float32, tiny=False):
    cx, cy = uniform((n,), 1, A, g, dtype), uniform((n,), 1, B, g, dtype)
    delta = uniform((n,), 0.5, 2.5, g, dtype)
    sigma2 = torch.full((n,), 1e-4, dtype=dtype) if tiny else torch.exp(uniform((n,), -1.0, 1.0, g, dtype))
    return filters(cx, delta, sigma2, N, A), filters(cy, delta, sigma2, N, B)


def _read_inputs():
    """(x, x_hat, F_X, F_Y, gamma): batch 97 / 1 / 3 / 5 / 6, N 3 / 5 / 2 / 4 / 3, images 1x28x28 / 1x28x28 /
    3x12x17 (colour, not square) / 1x20x13 / 1x28x28 float64; one-hot filters (a tiny variance) and gammas from
    0.01 to 100."""
    g = seeded(91)
    for n, N, (C, B, A), dtype, tiny in ((97, 3, (1, 28, 28), torch.float32, False),
                                         (1, 5, (1, 28, 28), torch.float32, True),
                                         (3, 2, (3, 12, 17), torch.float32, False),
                                         (5, 4, (1, 20, 13), torch.float32, False),
                                         (6, 3, (1, 28, 28), F64, False)):
        x = torch.bernoulli(torch.full((n, C, B, A), 0.3, dtype=dtype), generator=g)
        x_hat = x - torch.rand((n, C, B, A), generator=g, dtype=dtype)              # x - sigmoid(canvas)
        F_X, F_Y = _filterbank(n, N, A, B, g, dtype, tiny)
        gamma = torch.exp(uniform((n,), -4.6, 4.6, g, dtype))
        yield x, x_hat, F_X, F_Y, gamma


@exercise("The attention read (eq. 27)", reference=read_reference, mistakes=READ_MISTAKES,
          signature="read(x, x_hat, F_X, F_Y, gamma)")
def draw_read(student):
    for x, x_hat, F_X, F_Y, gamma in _read_inputs():
        n, C, B, A = x.shape
        N = F_X.shape[1]
        what = (f"the read of a batch of {n} image{'s' if n > 1 else ''} of shape {(C, B, A)} with N={N}"
                f"{_kind(x)}")
        leaves = {n: t.clone().requires_grad_() for n, t in (("x_hat", x_hat), ("F_X", F_X), ("F_Y", F_Y),
                                                                ("gamma", gamma))}
        args = (x.clone(), leaves["x_hat"], leaves["F_X"], leaves["F_Y"], leaves["gamma"])
        got = student(*args)
        expected = read_reference(x, x_hat, F_X, F_Y, gamma)
        wrong = wrong_outputs(READ_MISTAKES, x, x_hat, F_X, F_Y, gamma)
        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=READ_MISTAKES, batch=n,
                           rtol=1e-4, atol=1e-4, context=Context(read_reference, (x, x_hat, F_X, F_Y, gamma), student,
                                                                 sizes={"channels": C}))
        _gradient_check(student, got, leaves, args, read_reference, what)


__all__ = ["draw_filters", "draw_read", "filter_reference", "read_reference"]
