"""Notebook 08's checks: the Fréchet distance between Gaussians and the Inception Score accept correct
alternatives and reject student-style mistakes with their hints."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import fails, passes

from gencore import checks


# ---------------------------------------------------------------- Fréchet distance
def fd_eigvals(mu1, cov1, mu2, cov2):
    """The usual one-liner: the eigenvalues of C1 C2 (complex in general, real >= 0 in exact arithmetic)."""
    cross = torch.linalg.eigvals(cov1 @ cov2).sqrt().real.sum()
    return ((mu1 - mu2) ** 2).sum() + torch.trace(cov1) + torch.trace(cov2) - 2 * cross


def fd_symmetric(mu1, cov1, mu2, cov2):
    w, v = torch.linalg.eigh(cov1)
    s1 = v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T
    cross = torch.linalg.eigvalsh(s1 @ cov2 @ s1).clamp(min=0).sqrt().sum()
    return (mu1 - mu2).pow(2).sum() + cov1.trace() + cov2.trace() - 2 * cross


def fd_scipy(mu1, cov1, mu2, cov2):
    from scipy import linalg
    covmean = linalg.sqrtm(cov1.double().numpy() @ cov2.double().numpy()).real
    value = (((mu1 - mu2).double() ** 2).sum().item()
             + np.trace(cov1.double().numpy() + cov2.double().numpy() - 2 * covmean))
    return torch.tensor(value, dtype=mu1.dtype)


def test_frechet_accepts_eigenvalues_symmetric_roots_and_scipy(capsys):
    pytest.importorskip("scipy")
    for student in (fd_eigvals, fd_symmetric, fd_scipy):
        passes(checks.frechet_gaussians, student, capsys)


def test_frechet_rejects_student_mistakes():
    def no_two(mu1, cov1, mu2, cov2):
        return ((mu1 - mu2) ** 2).sum() + torch.trace(cov1 + cov2) - torch.linalg.eigvals(cov1 @ cov2).sqrt().real.sum()

    def sqrt_of_trace(mu1, cov1, mu2, cov2):
        return ((mu1 - mu2) ** 2).sum() + torch.trace(cov1 + cov2) - 2 * torch.trace(cov1 @ cov2).sqrt()

    def elementwise(mu1, cov1, mu2, cov2):
        return ((mu1 - mu2) ** 2).sum() + torch.trace(cov1 + cov2 - 2 * (cov1 @ cov2).clamp(min=0).sqrt())

    def norm_not_squared(mu1, cov1, mu2, cov2):
        return (mu1 - mu2).norm() + torch.trace(cov1 + cov2) - 2 * torch.linalg.eigvals(cov1 @ cov2).sqrt().real.sum()

    def means_only(mu1, cov1, mu2, cov2):
        return ((mu1 - mu2) ** 2).sum()

    def w2_not_squared(mu1, cov1, mu2, cov2):
        return fd_eigvals(mu1, cov1, mu2, cov2).clamp(min=0).sqrt()

    def unclamped(mu1, cov1, mu2, cov2):
        w, v = torch.linalg.eigh(cov1)
        s1 = v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T
        cross = torch.linalg.eigvalsh(s1 @ cov2 @ s1).sqrt().sum()
        return (mu1 - mu2).pow(2).sum() + cov1.trace() + cov2.trace() - 2 * cross

    fails(checks.frechet_gaussians, no_two, "dropped the factor 2")
    fails(checks.frechet_gaussians, sqrt_of_trace, "square root of the trace")
    fails(checks.frechet_gaussians, elementwise, "elementwise square root")
    fails(checks.frechet_gaussians, norm_not_squared, "SQUARED distance")
    fails(checks.frechet_gaussians, means_only, "compared the means only")
    fails(checks.frechet_gaussians, w2_not_squared, "square root of the whole")
    fails(checks.frechet_gaussians, unclamped, "singular covariance", "Clamp")


# ---------------------------------------------------------------- Inception Score
def is_xlogy(probs):
    py = probs.mean(0, keepdim=True)
    kl = (torch.xlogy(probs, probs) - torch.xlogy(probs, py)).sum(1)
    return kl.mean().exp()


def is_distributions(probs):
    """With torch.distributions: KL between each image's Categorical and the marginal's."""
    p_yx = torch.distributions.Categorical(probs=probs)
    p_y = torch.distributions.Categorical(probs=probs.mean(0).expand_as(probs))
    return torch.distributions.kl_divergence(p_yx, p_y).mean().exp()


def is_entropies(probs):
    """exp(H(p(y)) - E_x H(p(y|x))), in float64."""
    p = probs.double()
    h_marginal = -torch.xlogy(p.mean(0), p.mean(0)).sum()
    h_conditional = -torch.xlogy(p, p).sum(1).mean()
    return (h_marginal - h_conditional).exp().to(probs.dtype)


def test_inception_score_accepts_alternatives(capsys):
    for student in (is_xlogy, is_distributions, is_entropies):
        passes(checks.inception_score, student, capsys)


def test_inception_score_rejects_student_mistakes():
    def no_exp(probs):
        py = probs.mean(0)
        return (torch.xlogy(probs, probs) - torch.xlogy(probs, py.expand_as(probs))).sum(1).mean()

    def exp_inside(probs):
        py = probs.mean(0)
        return (torch.xlogy(probs, probs) - torch.xlogy(probs, py.expand_as(probs))).sum(1).exp().mean()

    def uniform_marginal(probs):
        k = probs.shape[1]
        return (torch.xlogy(probs, probs) - probs * torch.log(torch.tensor(1.0 / k))).sum(1).mean().exp()

    def summed(probs):
        py = probs.mean(0)
        return (torch.xlogy(probs, probs) - torch.xlogy(probs, py.expand_as(probs))).sum().exp()

    def marginal_entropy(probs):
        py = probs.mean(0)
        return (-(py * py.log()).sum()).exp()

    def naive_log(probs):
        py = probs.mean(0)
        return (probs * (probs.log() - py.log())).sum(1).mean().exp()

    def reversed_kl(probs):
        py = probs.mean(0).expand_as(probs)
        return (py * (py.log() - probs.clamp(min=1e-30).log())).sum(1).mean().exp()

    fails(checks.inception_score, no_exp, "EXPONENTIAL")
    fails(checks.inception_score, exp_inside, "OUTSIDE the mean")
    fails(checks.inception_score, uniform_marginal, "not the uniform 1/K")
    fails(checks.inception_score, summed, "MEAN")
    fails(checks.inception_score, marginal_entropy, "entropy alone")
    fails(checks.inception_score, naive_log, "exactly 0", "xlogy")
    fails(checks.inception_score, reversed_kl, "KL reversed")
    fails(checks.inception_score, lambda probs: is_xlogy(F.softmax(probs, 1)), "wrong")   # softmax applied twice
