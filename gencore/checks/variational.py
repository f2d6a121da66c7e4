"""Checks for notebook 02 (variational inference): the Gaussian KL to N(0, I), a reparameterized sample,
the score-function (REINFORCE) gradient estimator.

Randomness is passed in as a ``torch.Generator``: the check seeds it, so the student's numbers can be
compared exactly with gencore's (drawn from an identically seeded generator). When they differ and no
catalogued mistake explains it, the check finds out why: no gradient path, or randomness that does not come
from the generator (two calls with identically seeded generators disagree).
"""
from __future__ import annotations

from typing import Callable

import torch

from .. import variational as V
from .common import logvar_mistakes, reduction_mistakes, swapped
from .core import Context, compare, compare_or_explain, exercise, expect_gradient, seeded, uniform, wrong_outputs


# ---------------------------------------------------------------- KL( N(mu, e^logvar) || N(0, I) )
def _kl_reference(mu, logvar):
    return V.gaussian_kl(mu, logvar)


def _kl_terms(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


KL_MISTAKES = {
    **logvar_mistakes(_kl_reference),
    "The KL needs the variance sigma^2 = exp(logvar); you used the standard deviation exp(logvar / 2) in the "
    "sigma^2 term.":
        lambda mu, logvar: 0.5 * (mu.pow(2) + (0.5 * logvar).exp() - 1.0 - logvar).sum(-1),
    "Sign: a KL divergence is >= 0. 1/2 sum(1 + logvar - mu^2 - exp(logvar)) is -KL (the term the VAE "
    "paper adds to the ELBO); the KL itself is 1/2 sum(mu^2 + exp(logvar) - 1 - logvar).":
        lambda mu, logvar: -_kl_terms(mu, logvar).sum(-1),
    "The factor 1/2 is missing: KL = 1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).":
        lambda mu, logvar: 2 * _kl_terms(mu, logvar).sum(-1),
    "The -1 is missing: KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2) is 0 when q = N(0, I).":
        lambda mu, logvar: 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(-1),
    "The - log sigma^2 term has the wrong sign: KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - logvar_j).":
        lambda mu, logvar: 0.5 * (mu.pow(2) + logvar.exp() - 1.0 + logvar).sum(-1),
    "mu enters the KL squared: 1/2 sum_j (mu_j^2 + ...); you used mu itself.":
        lambda mu, logvar: 0.5 * (mu + logvar.exp() - 1.0 - logvar).sum(-1),
    **reduction_mistakes(_kl_reference, "the KL"),
    "Reduction: you summed over the batch (dim 0) instead of over the latent dimension (dim -1); the "
    "result must have shape (batch,).":
        lambda mu, logvar: _kl_terms(mu, logvar).sum(0),
    "Reduction: the KL of a diagonal Gaussian is a SUM over latent dimensions (the dimensions are "
    "independent), not a mean.":
        lambda mu, logvar: _kl_terms(mu, logvar).mean(-1),
    "Reduction: you returned the KL of every latent dimension separately; sum them (dim=-1) to get one KL "
    "per example, shape (batch,).":
        lambda mu, logvar: _kl_terms(mu, logvar),
    **swapped(_kl_reference, "mu", "logvar"),
}


def _kl_inputs():
    """(what, mu, logvar): batch 97 / 1 / 33 / 61 / 9, latent dims 5 / 2 / 1 / 16 / 3, large |mu| and logvar in
    [-10, 10] (rows whose sum(logvar) is beyond +-88, where exp(sum) over- or underflows in float32), one float64
    case."""
    g = seeded(2)
    yield "mu, logvar of shape (97, 5)", torch.randn(97, 5, generator=g), torch.randn(97, 5, generator=g)
    yield "mu, logvar of shape (1, 2)", torch.randn(1, 2, generator=g), torch.randn(1, 2, generator=g)
    yield "mu, logvar of shape (33, 1)", torch.randn(33, 1, generator=g), torch.randn(33, 1, generator=g)
    mu, logvar = uniform((61, 16), -50, 50, g), uniform((61, 16), -10, 10, g)
    logvar[:3] = uniform((3, 16), -10, -6, g)          # log prod(sigma^2) = sum(logvar) < -88: exp underflows
    logvar[3:5] = uniform((2, 16), 6, 10, g)           # and > 88: exp overflows in float32
    yield "mu, logvar of shape (61, 16) with |mu| up to 50 and logvar in [-10, 10]", mu, logvar
    yield ("float64 mu, logvar of shape (9, 3)", torch.randn(9, 3, generator=g, dtype=torch.float64),
           torch.randn(9, 3, generator=g, dtype=torch.float64))


def _kl_formula_terms(mu, logvar):
    return {"mu^2": (0.5, mu.pow(2).sum(-1)), "exp(logvar)": (0.5, logvar.exp().sum(-1)),
            "-1 (one per latent dimension)": (-0.5, torch.full(mu.shape[:-1], float(mu.shape[-1]), dtype=mu.dtype)),
            "-logvar": (-0.5, logvar.sum(-1))}


def _kl_context(student, mu, logvar):
    return Context(_kl_reference, (mu, logvar), student, terms=_kl_formula_terms,
                   sizes={"latent dimensions": mu.shape[-1], "batch size": len(mu)})


@exercise("Gaussian KL to N(0, I)", reference=_kl_reference, mistakes=KL_MISTAKES,
          signature="kl_to_standard_normal(mu, logvar)")
def kl_standard_normal(student):
    for what, mu, logvar in _kl_inputs():
        got = student(mu.clone(), logvar.clone())
        compare(got, _kl_reference(mu, logvar), what=f"the KL for {what}",
                wrong=wrong_outputs(KL_MISTAKES, mu, logvar), batch=len(mu), context=_kl_context(student, mu, logvar))
    zero = student(torch.zeros(7, 3), torch.zeros(7, 3))
    compare(zero, torch.zeros(7), what="KL( N(0, I) || N(0, I) ) (which must be 0)")
    # the KL is a training loss: its gradient must reach mu and logvar
    g = seeded(3)
    mu = torch.randn(5, 4, generator=g).requires_grad_()
    logvar = torch.randn(5, 4, generator=g).requires_grad_()
    w = torch.randn(5, generator=g)
    got = student(mu, logvar)
    compare(got, _kl_reference(mu, logvar).detach(), what="the KL for mu, logvar of shape (5, 4)",
            wrong=wrong_outputs(KL_MISTAKES, mu, logvar), batch=5)
    expect_gradient(got, {"mu": mu, "logvar": logvar}, what="your KL", student=student, args=(mu, logvar), weight=w,
                    expected={"mu": w[:, None] * mu, "logvar": 0.5 * w[:, None] * (logvar.exp() - 1)},
                    why="The VAE is trained through the KL: its gradient must reach mu and logvar.")


# ---------------------------------------------------------------- z = mu + sigma * eps
NO_GRADIENT = ("Draw eps ~ N(0, I) and compute z = mu + exp(logvar / 2) * eps, a differentiable function of mu and "
               "logvar.")
TORCH_NORMAL = ("torch.normal(mu, std) gives the right distribution, but its gradient with respect to mu and "
                "std is zero: the sample is a constant as far as autograd is concerned. That is why the trick "
                "exists: draw eps ~ N(0, I) and compute z = mu + exp(logvar / 2) * eps.")
REPRODUCIBLE = ("Two calls with identically seeded generators gave different z: draw eps with the generator you "
                "are given, torch.randn(mu.shape, generator=generator), so the randomness is reproducible.")


def _eps(mu, generator, shape=None):
    return torch.randn(mu.shape if shape is None else shape, generator=generator, dtype=mu.dtype)


def _reparam_reference(mu, logvar, generator):
    return V.reparameterize(mu, logvar, generator=generator)


REPARAM_MISTAKES = {
    **logvar_mistakes(_reparam_reference),
    "You multiplied eps by logvar itself: logvar = log sigma^2 is neither sigma nor sigma^2; "
    "sigma = exp(logvar / 2).":
        lambda mu, logvar, g: mu + logvar * _eps(mu, g),
    "Parentheses: sigma = exp(logvar / 2), not exp(logvar) / 2.":
        lambda mu, logvar, g: mu + logvar.exp() / 2 * _eps(mu, g),
    "Sign: sigma = exp(+logvar / 2); exp(-logvar / 2) is 1 / sigma.":
        lambda mu, logvar, g: mu + (-0.5 * logvar).exp() * _eps(mu, g),
    TORCH_NORMAL:
        lambda mu, logvar, g: torch.normal(mu, (0.5 * logvar).exp(), generator=g),
    NO_GRADIENT:
        lambda mu, logvar, g: (mu + (0.5 * logvar).exp() * _eps(mu, g)).detach(),
    "Your z is just mu: a sample needs the noise, z = mu + sigma * eps.":
        lambda mu, logvar, g: mu * 1,
    "The mean is missing: z = mu + sigma * eps (you returned sigma * eps).":
        lambda mu, logvar, g: (0.5 * logvar).exp() * _eps(mu, g),
    "You added the noise without scaling it by sigma: z = mu + exp(logvar / 2) * eps.":
        lambda mu, logvar, g: mu + _eps(mu, g),
    "One eps shared by the whole batch: every example needs its own noise, eps of shape mu.shape "
    "(torch.randn(mu.shape, generator=generator)).":
        lambda mu, logvar, g: mu + (0.5 * logvar).exp() * _eps(mu, g, mu.shape[-1:]),
    "One eps per example, shared by all its latent dimensions: each dimension needs its own noise, eps of "
    "shape mu.shape (batch, d), not (batch, 1).":
        lambda mu, logvar, g: mu + (0.5 * logvar).exp() * _eps(mu, g, (len(mu), 1)),
    "eps must be standard normal, torch.randn; torch.rand draws uniformly from [0, 1).":
        lambda mu, logvar, g: mu + (0.5 * logvar).exp() * torch.rand(mu.shape, generator=g, dtype=mu.dtype),
    REPRODUCIBLE:
        lambda mu, logvar, g: mu + (0.5 * logvar).exp() * torch.randn(mu.shape, dtype=mu.dtype),
    **swapped(_reparam_reference, "mu", "logvar"),
}
_RANDOM = (REPRODUCIBLE,)        # catalogued, but recognised by calling twice, not by their values


GENERATOR_UNUSED = ("Your z does not change when the generator's seed does: the noise does not come from the generator "
                    "you are given (a global seed, torch.manual_seed, or noise fixed in advance?). Draw eps with it: "
                    "torch.randn(mu.shape, generator=generator).")


def _gradient_path(student, z, mu, logvar, seed) -> None:
    """Raise the no-gradient hint (with the detour) or TORCH_NORMAL unless z is differentiable in mu and logvar."""
    if not isinstance(z, torch.Tensor) or not z.is_floating_point():
        return
    grads = expect_gradient(z, {"mu": mu, "logvar": logvar}, what="z", student=student,
                            args=(mu, logvar, seeded(seed)), why=NO_GRADIENT)
    if not (grads["mu"].abs().sum() > 0 or grads["logvar"].abs().sum() > 0):
        raise AssertionError(TORCH_NORMAL)


def _explain_noise(student, got, mu0, logvar0, seed) -> None:
    """Name what is wrong with the noise the student drew, eps = (z - mu) / sigma: another arrangement of the
    generator's numbers, uniform numbers, or numbers that do not depend on the generator's seed."""
    if not isinstance(got, torch.Tensor) or got.shape != mu0.shape or not got.is_floating_point():
        return
    expected = _reparam_reference(mu0, logvar0, seeded(seed))
    if torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-5):
        return                                                   # the right numbers (in another dtype)
    other = student(mu0.clone(), logvar0.clone(), seeded(seed + 1000))
    if isinstance(other, torch.Tensor) and other.shape == got.shape and torch.equal(other.detach(), got.detach()):
        raise AssertionError(GENERATOR_UNUSED)
    eps_got = ((got.detach().double() - mu0.double()) / (0.5 * logvar0.double()).exp()).flatten()
    eps = _eps(mu0, seeded(seed)).double().flatten()
    if not torch.isfinite(eps_got).all() or eps.numel() < 2:
        return
    if torch.allclose(eps_got.sort().values, eps.sort().values, rtol=1e-3, atol=1e-4):
        raise AssertionError("Your noise has the generator's numbers in another arrangement: draw eps in the shape of "
                             "mu, torch.randn(mu.shape, generator=generator), not in another shape transposed or "
                             "reshaped to it.")
    if eps.numel() >= 8 and eps_got.abs().max() <= 1 + 1e-4:
        raise AssertionError(f"Your noise eps = (z - mu) / sigma lies in [{eps_got.min().item():.2f}, "
                             f"{eps_got.max().item():.2f}]: uniform numbers, not standard normal ones. Draw "
                             f"eps ~ N(0, I) with torch.randn(mu.shape, generator=generator).")


def _reparam_inputs():
    """(mu, logvar, seed): batch 97 / 1 / 33 / 8, latent dims 5 / 2 / 1 / 6, |mu| up to 30, logvar in [-10, 10]."""
    g = seeded(20)
    yield torch.randn(97, 5, generator=g), torch.randn(97, 5, generator=g), 21
    yield torch.randn(1, 2, generator=g), torch.randn(1, 2, generator=g), 22
    yield torch.randn(33, 1, generator=g), torch.randn(33, 1, generator=g), 23
    yield uniform((8, 6), -30, 30, g), uniform((8, 6), -10, 10, g), 24
    # no float64 case: torch.randn draws other numbers in float64 than in float32 (from 16 numbers on), and
    # torch.randn(mu.shape, generator=generator) without dtype, the notebook's hint, is right


@exercise("Reparameterized sample", reference=_reparam_reference, mistakes=REPARAM_MISTAKES,
          signature="reparameterize_sample(mu, logvar, generator)")
def reparameterized_sample(student):
    for mu0, logvar0, seed in _reparam_inputs():
        what = f"z for mu, logvar of shape {tuple(mu0.shape)}"
        mu, logvar = mu0.clone().requires_grad_(), logvar0.clone().requires_grad_()
        got = student(mu, logvar, seeded(seed))
        expected = _reparam_reference(mu0, logvar0, seeded(seed))
        wrong = wrong_outputs({h: f for h, f in REPARAM_MISTAKES.items() if h not in _RANDOM}, mu0, logvar0,
                              generator_seed=seed)

        def reproducible():
            again = student(mu0.clone(), logvar0.clone(), seeded(seed))
            if isinstance(again, torch.Tensor) and isinstance(got, torch.Tensor) and not (
                    again.shape == got.shape and torch.equal(got.detach(), again.detach())):
                raise AssertionError(REPRODUCIBLE)

        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=REPARAM_MISTAKES, batch=len(mu0),
                           explain=(lambda: _gradient_path(student, got, mu, logvar, seed), reproducible,
                                    lambda: _explain_noise(student, got, mu0, logvar0, seed)),
                           context=Context(_reparam_reference, (mu0, logvar0, seeded(seed)), student))
        # the gradient must reach both parameters: dz/dmu = 1, dz/dlogvar = sigma * eps / 2
        w = torch.randn(mu0.shape, generator=seeded(seed + 100), dtype=mu0.dtype)
        _gradient_path(student, got, mu, logvar, seed)
        sigma_eps = (0.5 * logvar0).exp() * _eps(mu0, seeded(seed))
        expect_gradient(got, {"mu": mu, "logvar": logvar}, what="z", weight=w,
                        expected={"mu": w, "logvar": 0.5 * w * sigma_eps})


# ---------------------------------------------------------------- REINFORCE: E_q[f(z) grad log q(z)]
def _f(z):
    """The test function: smooth, non-linear, (S, d) -> (S,)."""
    return (z - 1.0).pow(2).sum(-1) + torch.sin(2.0 * z).sum(-1)


def _test_function(d: int) -> Callable:
    def f(z):
        """f(z) = sum_j (z_j - 1)^2 + sin(2 z_j): (n_samples, d) -> (n_samples,)."""
        if not isinstance(z, torch.Tensor) or z.dim() == 0 or z.shape[-1] != d:
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"f takes z of shape (n_samples, d) with d = len(mu) = {d}, got {shape}; draw eps "
                             f"with torch.randn((n_samples, *mu.shape), generator=generator)")
        return _f(z)
    f.__name__ = "f"
    return f


def _draw(mu, logvar, n_samples, g):
    return _eps(mu, g, (n_samples, *mu.shape)), (0.5 * logvar).exp()


def _score_parts(mu, logvar, f, n_samples, g, *, weight_f=True, mu_sign=1.0, mu_power=2, lv_half=0.5,
                 lv_one=1.0, reduce="mean"):
    eps, sigma = _draw(mu, logvar, n_samples, g)
    fz = f(mu + sigma * eps).reshape(n_samples, *([1] * mu.dim())) if weight_f else 1.0
    score_mu = mu_sign * eps * sigma / sigma.pow(mu_power)  # (z - mu) / sigma^power
    score_logvar = lv_half * (eps.pow(2) - lv_one)
    parts = [getattr(fz * score_mu, reduce)(0), getattr(fz * score_logvar, reduce)(0)]
    return torch.cat([p.flatten() for p in parts])


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


def _score_reference(mu, logvar, f, n_samples, generator):
    return V.score_function_grad(f, mu, logvar, n_samples, generator=generator)


SCORE_REPRODUCIBLE = ("Two calls with identically seeded generators gave different estimates: draw eps with the "
                      "generator you are given, torch.randn((n_samples, *mu.shape), generator=generator).")

STACKED = ("You stacked the two gradients into shape (2, d): return torch.cat([g_mu, g_logvar]), one flat vector "
           "of shape (2d,).")

SCORE_MISTAKES = {
    "The f(z) factor is missing: the estimator averages f(z_s) * grad log q(z_s); the score alone has "
    "mean 0.":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, weight_f=False),
    "Sign of the score: d log q / d mu = (z - mu) / sigma^2 (log q falls as z moves away from mu).":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, mu_sign=-1.0),
    "d log q / d mu = (z - mu) / sigma^2 = eps / sigma: divide by the variance, not the standard deviation.":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, mu_power=1),
    "d log q / d logvar = 1/2 ((z - mu)^2 / sigma^2 - 1): the factor 1/2 is missing.":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, lv_half=1.0),
    "d log q / d logvar = 1/2 ((z - mu)^2 / sigma^2 - 1): the -1 (from the normalising constant, "
    "-logvar / 2 in log q) is missing.":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, lv_one=0.0),
    "Reduction: you summed over the samples; the estimate is their AVERAGE, 1/S sum_s f(z_s) grad log q(z_s).":
        lambda mu, logvar, f, n, g: _score_parts(mu, logvar, f, n, g, reduce="sum"),
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
    "You returned only the gradient for mu: return both, torch.cat([g_mu, g_logvar]), shape (2d,).":
        lambda mu, logvar, f, n, g: _score_reference(mu, logvar, f, n, g)[:mu.numel()],
    STACKED:
        lambda mu, logvar, f, n, g: _score_reference(mu, logvar, f, n, g).view(2, *mu.shape),
    **logvar_mistakes(_score_reference),
    **swapped(_score_reference, "mu", "logvar"),
    SCORE_REPRODUCIBLE:
        lambda mu, logvar, f, n, g: _score_reference(mu, logvar, f, n, None),
}


@exercise("Score-function (REINFORCE) estimator", reference=_score_reference, mistakes=SCORE_MISTAKES,
          signature="score_function_estimate(mu, logvar, f, n_samples, generator)")
def score_function_estimator(student):
    g = seeded(40)
    # float32 only: torch.randn draws other numbers in float64 than in float32 (from 16 numbers on)
    for d, n_samples in ((3, 97), (2, 1), (1, 33), (6, 8), (2, 20)):
        mu = 0.5 * torch.randn(d, generator=g)
        logvar = (1.5 if d == 2 else 0.5) * torch.randn(d, generator=g)
        seed, f = 1000 + 10 * d + n_samples, _test_function(d)
        what = (f"the gradient estimate for mu, logvar of shape {(d,)}, {n_samples} "
                f"sample{'s' if n_samples > 1 else ''}")
        got = student(mu.clone(), logvar.clone(), f, n_samples, seeded(seed))
        expected = _score_reference(mu, logvar, f, n_samples, seeded(seed))
        wrong = wrong_outputs({h: m for h, m in SCORE_MISTAKES.items() if h != SCORE_REPRODUCIBLE},
                              mu, logvar, f, n_samples, generator_seed=seed)

        def reproducible():
            again = student(mu.clone(), logvar.clone(), f, n_samples, seeded(seed))
            if isinstance(again, torch.Tensor) and isinstance(got, torch.Tensor) and not (
                    again.shape == got.shape and torch.equal(got.detach(), again.detach())):
                raise AssertionError(SCORE_REPRODUCIBLE)

        if (isinstance(got, torch.Tensor) and got.dtype == expected.dtype and got.shape == (2, d) and d > 1
                and torch.allclose(got.detach().flatten().double(), expected.double(), rtol=1e-4, atol=1e-5)):
            raise AssertionError(STACKED)      # right values, but compare does not name a pure reshape
        shape_help = ("" if isinstance(got, torch.Tensor) and got.shape == expected.shape else
                      "Return torch.cat([g_mu, g_logvar]), each of mu's shape (d,) and averaged over the samples "
                      "(dim 0): shape (2d,).")
        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=SCORE_MISTAKES,
                           explain=(reproducible,), extra=shape_help,
                           context=Context(_score_reference, (mu, logvar, f, n_samples, seeded(seed)), student,
                                           sizes={"samples": n_samples}))


__all__ = ["kl_standard_normal", "reparameterized_sample", "score_function_estimator"]
