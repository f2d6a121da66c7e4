"""Checks for notebook 02 (variational inference): the Gaussian KL to N(0, I), a reparameterized sample,
the score-function (REINFORCE) gradient estimator.

Randomness is passed in as a ``torch.Generator``: the check seeds it, so the student's numbers can be
compared exactly with gencore's (drawn from an identically seeded generator).
"""
from __future__ import annotations

import torch

from .. import variational as V
from .core import compare, exercise, expect_tensor, seeded, wrong_outputs


def _name_mistake(got, wrong: dict, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Raise the hint of the first catalogued wrong output equal to ``got`` (any shape)."""
    if not isinstance(got, torch.Tensor):
        return
    got = got.detach()
    for hint, value in wrong.items():
        if (isinstance(value, torch.Tensor) and value.shape == got.shape
                and torch.allclose(got.double(), value.detach().double(), rtol=rtol, atol=atol)):
            raise AssertionError(hint)


def _equal(got, expected, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    return (isinstance(got, torch.Tensor) and got.shape == expected.shape
            and torch.allclose(got.detach().double(), expected.detach().double(), rtol=rtol, atol=atol))


# ---------------------------------------------------------------- KL( N(mu, e^logvar) || N(0, I) )
def _kl(mu, logvar, half=0.5, var=None, logv=None, sign=1.0):
    var = logvar.exp() if var is None else var
    logv = logvar if logv is None else logv
    return sign * half * (mu.pow(2) + var - 1.0 - logv)


KL_MISTAKES = {
    "logvar is log sigma^2, so the variance is exp(logvar) and log sigma^2 is logvar itself; you treated "
    "logvar as log sigma (variance exp(2 logvar)).":
        lambda mu, logvar: _kl(mu, logvar, var=(2 * logvar).exp(), logv=2 * logvar).sum(-1),
    "The KL needs the variance sigma^2 = exp(logvar); you used the standard deviation exp(logvar / 2).":
        lambda mu, logvar: _kl(mu, logvar, var=(0.5 * logvar).exp()).sum(-1),
    "Sign: a KL divergence is >= 0. 1/2 sum(1 + logvar - mu^2 - exp(logvar)) is -KL (the term the VAE "
    "paper adds to the ELBO); the KL itself is 1/2 sum(mu^2 + exp(logvar) - 1 - logvar).":
        lambda mu, logvar: _kl(mu, logvar, sign=-1.0).sum(-1),
    "The factor 1/2 is missing: KL = 1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).":
        lambda mu, logvar: _kl(mu, logvar, half=1.0).sum(-1),
    "The -1 is missing: KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2) is 0 when q = N(0, I).":
        lambda mu, logvar: 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(-1),
    "Reduction: you summed over the batch too. Return one KL per example, shape (batch,): sum over the "
    "latent dimension only (dim=-1).":
        lambda mu, logvar: _kl(mu, logvar).sum(),
    "Reduction: you averaged over the batch. Return one KL per example, shape (batch,): sum over the "
    "latent dimension only (dim=-1).":
        lambda mu, logvar: _kl(mu, logvar).sum(-1).mean(),
    "Reduction: you summed over the batch (dim 0) instead of over the latent dimension (dim -1); the "
    "result must have shape (batch,).":
        lambda mu, logvar: _kl(mu, logvar).sum(0),
    "Reduction: the KL of a diagonal Gaussian is a SUM over latent dimensions (the dimensions are "
    "independent), not a mean.":
        lambda mu, logvar: _kl(mu, logvar).mean(-1),
}


def _kl_reference(mu, logvar):
    return V.gaussian_kl(mu, logvar)


@exercise("Gaussian KL to N(0, I)", reference=_kl_reference, mistakes=KL_MISTAKES)
def kl_standard_normal(student):
    for n, d in ((97, 5), (33, 1), (1, 4)):
        g = seeded(n)
        mu = torch.randn(n, d, generator=g)
        logvar = torch.randn(n, d, generator=g)
        got = student(mu.clone(), logvar.clone())
        expected = _kl_reference(mu, logvar)
        wrong = wrong_outputs(KL_MISTAKES, mu, logvar)
        if not _equal(got, expected):
            _name_mistake(got, wrong)
        compare(got, expected, what=f"KL for mu, logvar of shape {(n, d)}", wrong=wrong)
    zero = student(torch.zeros(7, 3), torch.zeros(7, 3))
    compare(zero, torch.zeros(7), what="KL( N(0, I) || N(0, I) ) (which must be 0)")


# ---------------------------------------------------------------- z = mu + sigma * eps
NO_GRADIENT = ("No gradient reaches mu and logvar: torch.normal(mu, std), numpy's random generator or "
               ".detach() give a sample that is a constant as far as autograd is concerned (torch.normal's "
               "backward returns zeros). Draw eps ~ N(0, I) and compute z = mu + exp(logvar / 2) * eps.")

REPARAM_MISTAKES = {
    "The standard deviation is exp(logvar / 2): logvar = log sigma^2, so exp(logvar) is the variance.":
        lambda mu, logvar, g: mu + logvar.exp() * torch.randn(mu.shape, generator=g),
    NO_GRADIENT:
        lambda mu, logvar, g: torch.normal(mu, (0.5 * logvar).exp(), generator=g),
    "Your z is just mu: a sample needs the noise, z = mu + sigma * eps.":
        lambda mu, logvar, g: mu,
    "One eps shared by the whole batch: every example needs its own noise, eps of shape mu.shape "
    "(torch.randn(mu.shape, generator=generator)).":
        lambda mu, logvar, g: mu + (0.5 * logvar).exp() * torch.randn(mu.shape[-1], generator=g),
    "You added the noise without scaling it by sigma: z = mu + exp(logvar / 2) * eps.":
        lambda mu, logvar, g: mu + torch.randn(mu.shape, generator=g),
}


def _require_gradients(z, mu, logvar, w):
    """The gradients of sum(w * z) with respect to mu and logvar; NO_GRADIENT if either is missing or 0."""
    if z.shape != w.shape or not z.requires_grad:
        if not z.requires_grad:
            raise AssertionError(NO_GRADIENT)
        return None, None
    g_mu, g_logvar = torch.autograd.grad((z * w).sum(), (mu, logvar), allow_unused=True, retain_graph=True)
    if g_mu is None or g_logvar is None or not (g_mu.abs().sum() > 0 and g_logvar.abs().sum() > 0):
        raise AssertionError(NO_GRADIENT)
    return g_mu, g_logvar


def _reparam_reference(mu, logvar, generator):
    return V.reparameterize(mu, logvar, generator=generator)


@exercise("Reparameterized sample", reference=_reparam_reference, mistakes=REPARAM_MISTAKES)
def reparameterized_sample(student):
    for n, d in ((97, 3), (33, 1), (5, 8)):
        g = seeded(n)
        mu0 = torch.randn(n, d, generator=g)
        logvar0 = torch.randn(n, d, generator=g)
        mu, logvar = mu0.clone().requires_grad_(), logvar0.clone().requires_grad_()
        got = expect_tensor(student(mu, logvar, seeded(n + 1)), f"z for mu of shape {(n, d)}")
        expected = _reparam_reference(mu0, logvar0, seeded(n + 1))
        wrong = wrong_outputs(REPARAM_MISTAKES, mu0, logvar0, generator_seed=n + 1)
        w = torch.randn(n, d, generator=seeded(n + 2))
        if not _equal(got, expected):
            _name_mistake(got, wrong)
            _require_gradients(got, mu, logvar, w)
            again = student(mu0.clone(), logvar0.clone(), seeded(n + 1))
            if isinstance(again, torch.Tensor) and not torch.equal(got.detach(), again.detach()):
                raise AssertionError("Two calls with identically seeded generators gave different z: draw "
                                     "eps with the generator you are given, torch.randn(mu.shape, "
                                     "generator=generator), so the randomness is reproducible.")
            compare(got.detach(), expected, what=f"z for mu of shape {(n, d)}", wrong=wrong)
        # the gradient must reach both parameters: dz/dmu = 1, dz/dlogvar = sigma * eps / 2
        g_mu, g_logvar = _require_gradients(got, mu, logvar, w)
        sigma_eps = expected - mu0
        compare(g_mu, w, what="the gradient of z with respect to mu")
        compare(g_logvar, 0.5 * w * sigma_eps, what="the gradient of z with respect to logvar")


# ---------------------------------------------------------------- REINFORCE: E_q[f(z) grad log q(z)]
def _f(z):
    """The test function: smooth, non-linear, (S, d) -> (S,)."""
    return (z - 1.0).pow(2).sum(-1) + torch.sin(2.0 * z).sum(-1)


def _draw(mu, logvar, n_samples, g):
    eps = torch.randn((n_samples, *mu.shape), generator=g, dtype=mu.dtype)
    return eps, (0.5 * logvar).exp()


def _score_parts(mu, logvar, f, n_samples, g, *, weight_f=True, mu_sign=1.0, mu_power=2):
    eps, sigma = _draw(mu, logvar, n_samples, g)
    fz = f(mu + sigma * eps).reshape(n_samples, *([1] * mu.dim())) if weight_f else 1.0
    score_mu = mu_sign * eps * sigma / sigma.pow(mu_power)  # (z - mu) / sigma^power
    score_logvar = 0.5 * (eps.pow(2) - 1.0)
    return torch.cat([(fz * score_mu).mean(0).flatten(), (fz * score_logvar).mean(0).flatten()])


def _surrogate(mu, logvar, f, n_samples, g, *, detach_f):
    """autograd of mean(f(z) * log q(z)) with z = mu + sigma * eps still attached to mu and logvar."""
    mu = mu.detach().requires_grad_()
    logvar = logvar.detach().requires_grad_()
    eps, sigma = _draw(mu, logvar, n_samples, g)
    with torch.enable_grad():
        z = mu + sigma * eps
        log_q = -0.5 * (logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)
        fz = f(z).detach() if detach_f else f(z)
        g_mu, g_logvar = torch.autograd.grad((fz * log_q).mean(), (mu, logvar))
    return torch.cat([g_mu.flatten(), g_logvar.flatten()])


def _pathwise(mu, logvar, f, n_samples, g):
    return V.reparam_grad(f, mu, logvar, n_samples, generator=g)


SCORE_MISTAKES = {
    "The f(z) factor is missing: the estimator averages f(z_s) * grad log q(z_s); the score alone has "
    "mean 0.":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, weight_f=False),
    "Sign of the score: d log q / d mu = (z - mu) / sigma^2 (log q falls as z moves away from mu).":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, mu_sign=-1.0),
    "d log q / d mu = (z - mu) / sigma^2 = eps / sigma: divide by the variance, not the standard deviation.":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, mu_power=1),
    "The gradient flowed through the sample: with z = mu + sigma * eps attached to the graph, autograd "
    "also differentiates f(z) and log q(z) through z. The score-function estimator holds z fixed "
    "(z.detach(), or torch.no_grad when sampling) and differentiates log q(z) in mu and logvar only.":
        lambda mu, logvar, f, n, g: _surrogate(mu, logvar, f, n, g, detach_f=False),
    "Your gradient for mu is 0: log q(z) was differentiated with z = mu + sigma * eps still attached, so "
    "(z - mu) no longer depends on mu. Detach the sample before computing log q(z).":
        lambda mu, logvar, f, n, g: _surrogate(mu, logvar, f, n, g, detach_f=True),
    "That is the reparameterization (pathwise) gradient, the average of grad f(mu + sigma * eps); this "
    "exercise asks for the score-function estimator, the average of f(z) * grad log q(z).":
        _pathwise,
}


def _score_reference(mu, logvar, f, n_samples, generator):
    return V.score_function_grad(f, mu, logvar, n_samples, generator=generator)


@exercise("Score-function (REINFORCE) estimator", reference=_score_reference, mistakes=SCORE_MISTAKES)
def score_function_estimator(student):
    for d, n_samples in ((3, 97), (1, 33), (5, 7)):
        g = seeded(10 * d + n_samples)
        mu = 0.5 * torch.randn(d, generator=g)
        logvar = 0.5 * torch.randn(d, generator=g)
        seed = 1000 + d
        got = student(mu.clone(), logvar.clone(), _f, n_samples, seeded(seed))
        got = expect_tensor(got, f"the gradient estimate for mu of shape {(d,)}")
        expected = _score_reference(mu, logvar, _f, n_samples, seeded(seed))
        wrong = wrong_outputs(SCORE_MISTAKES, mu, logvar, _f, n_samples, generator_seed=seed)
        _name_mistake(got, {h: w for h, w in wrong.items() if w.shape != expected.shape})
        if got.shape != expected.shape:
            raise AssertionError(f"the estimate has shape {tuple(got.shape)}, expected {tuple(expected.shape)}: "
                                 "return torch.cat([g_mu, g_logvar]), each of mu's shape, averaged over the "
                                 "samples (dim 0).")
        if not _equal(got, expected):
            _name_mistake(got, wrong)
            again = student(mu.clone(), logvar.clone(), _f, n_samples, seeded(seed))
            if isinstance(again, torch.Tensor) and not torch.equal(got.detach(), again.detach()):
                raise AssertionError("Two calls with identically seeded generators gave different estimates: "
                                     "draw eps with the generator you are given, torch.randn((n_samples, "
                                     "*mu.shape), generator=generator).")
        compare(got.detach(), expected, what=f"the gradient estimate for mu of shape {(d,)}, "
                f"{n_samples} samples", wrong=wrong)


__all__ = ["kl_standard_normal", "reparameterized_sample", "score_function_estimator"]
