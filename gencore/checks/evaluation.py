"""Checks for notebook 08 (evaluation): the Fréchet distance between two Gaussians, and the Inception Score.

Fréchet: Gaussians of 1, 2, 5 and 16 dimensions, diagonal and full covariances, identical Gaussians (0), a
singular covariance (what fewer samples than feature dimensions give), one float64 case. Inception Score:
class probabilities of 1, 97 and 500 images over 2, 3, 10 and 17 classes, one-hot rows (0 log 0 = 0), one
float64 case.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..evaluation import frechet_gaussian as _frechet_float
from ..evaluation import sqrtm_psd as _sqrtm
from .common import dtype_note as _kind
from .core import Context, compare, exercise, seeded, wrong_outputs

F64 = torch.float64


# ---------------------------------------------------------------- the Fréchet distance between Gaussians
def frechet_reference(mu1, cov1, mu2, cov2) -> torch.Tensor:
    """gencore's answer as a 0-dim tensor in the inputs' dtype (`gencore.evaluation.frechet_gaussian`)."""
    return torch.tensor(_frechet_float(mu1, cov1, mu2, cov2), dtype=mu1.dtype)


def _tr_sqrt(c1, c2):
    """tr((C1 C2)^1/2) = the sum of the square roots of C1 C2's eigenvalues (real, >= 0)."""
    s1 = _sqrtm(c1.double())
    return torch.linalg.eigvalsh(s1 @ c2.double() @ s1).clamp_min(0).sqrt().sum()


def _fd(mu1, c1, mu2, c2, mean=lambda d: d.pow(2).sum(), cross=lambda a, b: 2 * _tr_sqrt(a, b)):
    out = mean(mu1.double() - mu2.double()) + torch.trace(c1.double()) + torch.trace(c2.double()) - cross(c1, c2)
    return out.to(mu1.dtype)


UNSTABLE = ("Your result is NaN or inf for a singular covariance (what fewer samples than feature dimensions "
            "give): eigenvalues that are 0 in exact arithmetic come out as -1e-9 and their square root is NaN. "
            "Clamp them at 0 before the square root (eigenvalues.clamp(min=0).sqrt()), or take the real part "
            "of torch.linalg.eigvals(C1 @ C2).sqrt().")
FD_MISTAKES = {
    "The cross term is -2 tr((C1 C2)^1/2): you dropped the factor 2.":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: _tr_sqrt(a, b)),
    "Sign of the cross term: d^2 = ||mu1 - mu2||^2 + tr(C1) + tr(C2) MINUS 2 tr((C1 C2)^1/2).":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: -2 * _tr_sqrt(a, b)),
    "The square root goes on the MATRIX C1 C2 (its eigenvalues), then the trace: tr((C1 C2)^1/2). You took "
    "the square root of the trace, sqrt(tr(C1 C2)).":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: 2 * torch.trace(a.double() @ b.double()).sqrt()),
    "The cross term needs the matrix square root (C1 C2)^1/2, not the elementwise square root of the entries "
    "(torch.sqrt works entry by entry: it agrees only for diagonal covariances). Use the eigenvalues of C1 C2.":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2,
                                   cross=lambda a, b: 2 * torch.trace((a.double() @ b.double()).clamp_min(0).sqrt())),
    "The cross term is tr((C1 C2)^1/2): you used tr(C1 C2), without the square root.":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: 2 * torch.trace(a.double() @ b.double())),
    "The mean term is the SQUARED distance ||mu1 - mu2||^2; you used the distance ||mu1 - mu2||.":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, mean=lambda d: d.pow(2).sum().sqrt()),
    "The mean term ||mu1 - mu2||^2 is missing: two Gaussians with equal covariances and different means "
    "would be at distance 0.":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, mean=lambda d: d.sum() * 0),
    "The covariance term tr(C1 + C2 - 2 (C1 C2)^1/2) is missing: you compared the means only.":
        lambda m1, c1, m2, c2: (m1.double() - m2.double()).pow(2).sum().to(m1.dtype),
    "You took the square root of the whole: the Fréchet distance as FID reports it is d^2 (the squared "
    "2-Wasserstein distance), with no final square root.":
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2).double().clamp_min(0).sqrt().to(m1.dtype),
    UNSTABLE:
        lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: 2 * torch.linalg.eigvalsh(
            _sqrtm(a.double()) @ b.double() @ _sqrtm(a.double())).sqrt().sum()),
}


def _cov(d: int, g: torch.Generator, dtype=torch.float32) -> torch.Tensor:
    a = torch.randn(d, d, generator=g, dtype=F64)
    return (a @ a.T / d + 0.2 * torch.eye(d, dtype=F64)).to(dtype)


def _fd_inputs():
    """(what, mu1, cov1, mu2, cov2)."""
    g = seeded(80)
    yield ("two 5-D Gaussians with full covariances", torch.randn(5, generator=g), _cov(5, g),
           torch.randn(5, generator=g), _cov(5, g))
    yield ("two 1-D Gaussians", torch.tensor([1.0]), torch.tensor([[4.0]]), torch.tensor([3.0]), torch.tensor([[9.0]]))
    yield ("two 2-D Gaussians with diagonal covariances", torch.tensor([0.0, 1.0]),
           torch.diag(torch.tensor([1.0, 4.0])),
           torch.tensor([2.0, -1.0]), torch.diag(torch.tensor([0.25, 9.0])))
    mu, c = torch.randn(16, generator=g), _cov(16, g)
    yield "two identical 16-D Gaussians (distance 0)", mu, c, mu.clone(), c.clone()
    b = torch.randn(3, 6, generator=g, dtype=F64)
    singular = b.T @ b / 3                                   # rank 3 in 6 dimensions
    yield ("two 6-D Gaussians with singular (rank-3) covariances, float64", torch.randn(6, generator=g, dtype=F64),
           singular, torch.randn(6, generator=g, dtype=F64), _cov(6, g, F64))


@exercise("The Fréchet distance between two Gaussians", reference=frechet_reference, mistakes=FD_MISTAKES,
          signature="frechet_distance(mu1, cov1, mu2, cov2)")
def frechet_gaussians(student):
    for what, mu1, c1, mu2, c2 in _fd_inputs():
        expected = frechet_reference(mu1, c1, mu2, c2)
        got = student(mu1.clone(), c1.clone(), mu2.clone(), c2.clone())
        scale = float(torch.trace(c1.double()) + torch.trace(c2.double()) + (mu1 - mu2).double().pow(2).sum())
        tol = 1e-3 if mu1.dtype == torch.float32 else 1e-7
        context = Context(frechet_reference, (mu1, c1, mu2, c2), student, sizes={"dimensions": len(mu1)},
                          terms=_fd_terms, flag=("linalg_eigvalsh", "linalg_eigh"))
        compare(got, expected, what=f"the distance for {what}{_kind(mu1)}",
                wrong=wrong_outputs(FD_MISTAKES, mu1, c1, mu2, c2), rtol=tol, atol=tol * scale, context=context)


def _fd_terms(mu1, c1, mu2, c2):
    return {"||mu1 - mu2||^2": (1.0, (mu1.double() - mu2.double()).pow(2).sum()),
            "tr(C1)": (1.0, torch.trace(c1.double())), "tr(C2)": (1.0, torch.trace(c2.double())),
            "2 tr((C1 C2)^1/2)": (-1.0, 2 * _tr_sqrt(c1, c2))}


# ---------------------------------------------------------------- the Inception Score
def inception_reference(probs: torch.Tensor) -> torch.Tensor:
    """IS = exp(E_x KL(p(y|x) || p(y))), p(y) = E_x p(y|x): a 0-dim tensor in the probabilities' dtype."""
    p = probs.double()
    marginal = p.mean(0, keepdim=True).expand_as(p)
    kl = (torch.xlogy(p, p) - torch.xlogy(p, marginal)).sum(1)
    return kl.mean().exp().to(probs.dtype)


def _is_with(probs, kl=None, reduce=lambda v: v.mean().exp()):
    p = probs.double()
    marginal = p.mean(0, keepdim=True).expand_as(p)
    values = (torch.xlogy(p, p) - torch.xlogy(p, marginal)).sum(1) if kl is None else kl(p, marginal)
    return reduce(values).to(probs.dtype)


IS_NAN = ("Your score is NaN when some probabilities are exactly 0 (a confident classifier gives them): "
          "0 * log 0 is NaN in floating point but 0 in the formula. Use torch.xlogy(p, p) - torch.xlogy(p, q), "
          "or clamp the probabilities inside the log (p.clamp_min(1e-12).log()).")
IS_MISTAKES = {
    "You returned E_x KL(p(y|x) || p(y)) itself: the score is its EXPONENTIAL, exp(E_x KL).":
        lambda p: _is_with(p, reduce=lambda v: v.mean()),
    "The exponential goes OUTSIDE the mean: exp(E_x KL(p(y|x) || p(y))), not E_x exp(KL(...)).":
        lambda p: _is_with(p, reduce=lambda v: v.exp().mean()),
    "KL reversed: the score uses KL(p(y|x) || p(y)) = sum_y p(y|x) log(p(y|x) / p(y)), with p(y|x) weighting "
    "the log; you computed KL(p(y) || p(y|x)).":
        lambda p: _is_with(p, kl=lambda q, m: (torch.xlogy(m, m) - m * q.clamp_min(1e-30).log()).sum(1)),
    "p(y) is the marginal class distribution of THESE images, E_x p(y|x) (the mean over the images, dimension "
    "0), not the uniform 1/K (which averaging over the classes also gives): a generator that makes only one "
    "class must score low.":
        lambda p: _is_with(p, kl=lambda q, m: (torch.xlogy(q, q)
                                               - q * torch.tensor(1.0 / q.shape[1], dtype=q.dtype).log()).sum(1)),
    "Each image's KL sums over the CLASSES (dimension 1), then the mean runs over the images; you summed over "
    "the images.":
        lambda p: _is_with(p, kl=lambda q, m: (torch.xlogy(q, q) - torch.xlogy(q, m)).sum(0),
                           reduce=lambda v: v.mean().exp()),
    "The expectation over images is a MEAN; you summed the per-image KLs.":
        lambda p: _is_with(p, reduce=lambda v: v.sum().exp()),
    "You computed exp(H(p(y))), the marginal's entropy alone; the score is exp(H(p(y)) - E_x H(p(y|x))): the "
    "images must also be confidently classified.":
        lambda p: (lambda m: (-torch.xlogy(m, m).sum()).exp())(p.double().mean(0)).to(p.dtype),
    IS_NAN:
        lambda p: _is_with(p, kl=lambda q, m: (q * q.log() - q * m.log()).sum(1)),
}


def _is_inputs():
    """(what, probs)."""
    g = seeded(81)
    yield "97 images, 10 classes", F.softmax(2 * torch.randn(97, 10, generator=g), 1)
    yield "1 image, 3 classes", F.softmax(torch.randn(1, 3, generator=g), 1)
    yield "500 images, 2 classes", F.softmax(3 * torch.randn(500, 2, generator=g), 1)
    one_hot = F.one_hot(torch.arange(40) % 10, 10).float()
    soft = F.softmax(torch.randn(10, 10, generator=g), 1)
    yield "50 images, 10 classes, 40 of them classified with certainty (one-hot rows)", torch.cat([one_hot, soft])
    yield "13 images, 17 classes, float64", F.softmax(torch.randn(13, 17, generator=g, dtype=F64), 1)


@exercise("The Inception Score", reference=inception_reference, mistakes=IS_MISTAKES,
          signature="inception_score(probs)")
def inception_score(student):
    for what, probs in _is_inputs():
        got = student(probs.clone())
        compare(got, inception_reference(probs), what=f"the score for {what}{_kind(probs)}",
                wrong=wrong_outputs(IS_MISTAKES, probs), rtol=1e-4, atol=1e-5,
                context=Context(inception_reference, (probs,), student,
                                sizes={"images": len(probs), "classes": probs.shape[1]}))
