"""Notebook 02's checks on answers a student may plausibly write (beyond the catalogued mistakes): correct
alternatives are accepted, and the blind spots of a weaker check (hard-coded dimensions, a stray .squeeze(),
an unstable formula, a mutated input, a float64 result, randomness not from the generator) are rejected with a
message that says what is wrong."""

import numpy as np
import pytest
import torch
from check_helpers import fails, passes
from torch.distributions import Independent, Normal, kl_divergence
from torch.distributions.transforms import AffineTransform

from gencore import checks
from gencore.checks.variational import NO_GRADIENT, REPRODUCIBLE, SCORE_REPRODUCIBLE, TORCH_NORMAL


# ---------------------------------------------------------------- KL
def kl_notebook(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def kl_independent(mu, logvar):
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return kl_divergence(q, p)


def kl_std_form(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return 0.5 * torch.sum(mu ** 2 + std ** 2 - 1 - torch.log(std ** 2), dim=1)


def kl_log_exp(mu, logvar):                   # log(exp(logvar)) is exact enough for logvar in [-10, 10]
    var = torch.exp(logvar)
    return 0.5 * (mu * mu + var - 1 - torch.log(var)).sum(-1)


def kl_float64_inside(mu, logvar):
    return kl_notebook(mu.double(), logvar.double()).to(mu.dtype)


def kl_loop(mu, logvar):
    total = torch.zeros(mu.shape[0], dtype=mu.dtype)
    for j in range(mu.shape[1]):
        total = total + 0.5 * (mu[:, j] ** 2 + logvar[:, j].exp() - 1 - logvar[:, j])
    return total


@pytest.mark.parametrize("student", [
    kl_notebook,
    lambda mu, logvar: kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1),
    kl_independent, kl_std_form, kl_log_exp, kl_float64_inside, kl_loop,
], ids=["notebook", "Normal", "Independent", "std", "log-exp", "float64-inside", "loop"])
def test_kl_accepts_correct_alternatives(student, capsys):
    passes(checks.kl_standard_normal, student, capsys)


def test_kl_hard_coded_two_dimensions_is_rejected():
    def student(mu, logvar):
        return 0.5 * (mu[:, 0] ** 2 + mu[:, 1] ** 2 + logvar[:, 0].exp() + logvar[:, 1].exp() - 2
                      - logvar[:, 0] - logvar[:, 1])
    fails(checks.kl_standard_normal, student, "shape (97, 5)", "is wrong")


def test_kl_stray_squeeze_is_rejected_on_a_batch_of_one():
    fails(checks.kl_standard_normal, lambda mu, logvar: kl_notebook(mu, logvar).squeeze(),
          "has shape (), expected (1,)", ".squeeze()")


def test_kl_log_of_a_product_overflows_and_is_rejected():
    """log det Sigma as log(prod(sigma^2)): exp(sum(logvar)) leaves float32 when sum(logvar) is beyond +-88."""
    def student(mu, logvar):
        var = logvar.exp()
        return 0.5 * ((mu ** 2).sum(-1) + var.sum(-1) - mu.shape[-1] - torch.log(var.prod(-1)))
    fails(checks.kl_standard_normal, student, "(61, 16)", "NaN or inf")


def test_kl_mutating_logvar_is_refused():
    def student(mu, logvar):
        var = logvar.exp_()                                  # overwrites the caller's logvar
        return 0.5 * (mu ** 2 + var - 1 - var.log()).sum(-1)
    fails(checks.kl_standard_normal, student, "changed its input `logvar` in place")


def test_kl_float64_result_is_a_dtype_mistake():
    def student(mu, logvar):
        var = torch.from_numpy(np.exp(np.array(logvar.tolist())))      # a numpy array of Python floats: float64
        return 0.5 * (mu ** 2 + var - 1 - logvar).sum(-1)
    fails(checks.kl_standard_normal, student, "dtype torch.float64, expected torch.float32")


@pytest.mark.parametrize("student,hint", [
    (lambda mu, logvar: 0.5 * (mu ** 2 + logvar ** 2 - 1 - torch.log(logvar ** 2)).sum(-1),
     "as the standard deviation"),
    (lambda mu, logvar: 0.5 * (mu ** 2 + torch.exp(2 * logvar) - 1 - 2 * logvar).sum(-1), "as log sigma"),
    (lambda mu, logvar: 0.5 * (mu ** 2 + logvar - 1 - torch.log(logvar)).sum(-1), "as the variance without exp"),
    (lambda mu, logvar: kl_notebook(mu, logvar).mean(), "averaged the KL over the batch"),
    (lambda mu, logvar: kl_notebook(logvar, mu), "Arguments swapped"),
], ids=["as-sigma", "as-log-sigma", "no-exp", "batch-mean", "swapped"])
def test_kl_names_common_mistakes(student, hint):
    fails(checks.kl_standard_normal, student, hint)


# ---------------------------------------------------------------- reparameterized sample
def reparam_notebook(mu, logvar, generator):
    eps = torch.randn(mu.shape, generator=generator)
    return mu + torch.exp(0.5 * logvar) * eps


@pytest.mark.parametrize("student", [
    reparam_notebook,
    lambda mu, logvar, g: mu + torch.exp(logvar / 2) * torch.randn_like(mu, generator=g),
    lambda mu, logvar, g: mu + torch.sqrt(torch.exp(logvar)) * torch.empty_like(mu).normal_(generator=g),
    lambda mu, logvar, g: AffineTransform(mu, torch.exp(0.5 * logvar))(torch.normal(0.0, 1.0, mu.shape, generator=g)),
    lambda mu, logvar, g: (mu.double() + torch.exp(0.5 * logvar.double())
                           * torch.randn(*mu.shape, generator=g).double()).float(),
], ids=["notebook", "randn_like", "sqrt-normal_", "AffineTransform", "float64-inside"])
def test_reparam_accepts_correct_alternatives(student, capsys):
    passes(checks.reparameterized_sample, student, capsys)


@pytest.mark.parametrize("student,hint", [
    (lambda mu, logvar, g: torch.normal(mu, torch.exp(0.5 * logvar)), TORCH_NORMAL),               # global RNG
    (lambda mu, logvar, g: torch.normal(mu, torch.exp(0.5 * logvar), generator=g), TORCH_NORMAL),
    (lambda mu, logvar, g: (mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g)).detach(), NO_GRADIENT),
    (lambda mu, logvar, g: torch.as_tensor(np.random.normal(mu.detach().numpy(),
                                                            np.exp(0.5 * logvar.detach().numpy()))), NO_GRADIENT),
], ids=["torch.normal-global", "torch.normal-generator", "detach", "numpy"])
def test_reparam_without_gradient_path_is_named(student, hint):
    fails(checks.reparameterized_sample, student, hint)


@pytest.mark.parametrize("student", [
    lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn_like(mu),
    lambda mu, logvar, g: Normal(mu, torch.exp(0.5 * logvar)).rsample(),          # rsample takes no generator
], ids=["randn_like", "Normal.rsample"])
def test_reparam_ignoring_the_generator_is_named(student):
    fails(checks.reparameterized_sample, student, REPRODUCIBLE)


def test_kl_detached_result_is_told_no_gradient():
    fails(checks.kl_standard_normal, lambda mu, logvar: kl_notebook(mu, logvar).detach(),
          "No gradient reaches `mu` and `logvar`", r"\.detach\(\)")


@pytest.mark.parametrize("student,hint", [
    (lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape[1], generator=g),
     "One eps shared by the whole batch"),
    (lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn(len(mu), 1, generator=g),
     "One eps per example"),
    (lambda mu, logvar, g: torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g), "The mean is missing"),
    (lambda mu, logvar, g: mu + torch.randn(mu.shape, generator=g), "without scaling it by sigma"),
    (lambda mu, logvar, g: mu + torch.exp(logvar) * torch.randn(mu.shape, generator=g), "as log sigma"),
    (lambda mu, logvar, g: mu + logvar * torch.randn(mu.shape, generator=g), "by logvar itself"),
    (lambda mu, logvar, g: mu + torch.sqrt(logvar) * torch.randn(mu.shape, generator=g), "without exp"),
    (lambda mu, logvar, g: mu + torch.exp(logvar) / 2 * torch.randn(mu.shape, generator=g), "Parentheses"),
    (lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.rand(mu.shape, generator=g), "torch.rand draws"),
], ids=["one-eps-per-batch", "one-eps-per-example", "mu-missing", "unscaled", "log-sigma", "logvar-as-sigma",
        "sqrt-logvar", "parentheses", "uniform"])
def test_reparam_names_the_mistake(student, hint):
    fails(checks.reparameterized_sample, student, hint)


def test_reparam_hard_coded_two_dimensions_is_rejected():
    fails(checks.reparameterized_sample,
          lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn(len(mu), 2, generator=g),
          "your function raised RuntimeError", "(97, 5)")


def test_reparam_stray_squeeze_is_rejected_on_a_batch_of_one():
    fails(checks.reparameterized_sample, lambda mu, logvar, g: reparam_notebook(mu, logvar, g).squeeze(),
          "has shape (2,), expected (1, 2)", ".squeeze()")


def test_reparam_in_place_on_the_inputs_is_refused():
    def student(mu, logvar, g):
        return mu.add_(logvar.mul_(0.5).exp_() * torch.randn(mu.shape, generator=g))
    fails(checks.reparameterized_sample, student, "changed its input `mu` in place")


def test_reparam_float64_result_is_a_dtype_mistake():
    def student(mu, logvar, g):
        eps = torch.randn(mu.shape, generator=g, dtype=torch.float64)
        return mu + torch.exp(0.5 * logvar) * eps
    fails(checks.reparameterized_sample, student, "dtype torch.float64, expected torch.float32")


# ---------------------------------------------------------------- score function
def score_notebook(mu, logvar, f, n_samples, generator):
    sigma = torch.exp(0.5 * logvar)
    eps = torch.randn((n_samples, *mu.shape), generator=generator)
    z = (mu + sigma * eps).detach()
    fz = f(z).detach()[:, None]
    score_mu = (z - mu) / sigma ** 2
    score_logvar = 0.5 * ((z - mu) ** 2 / sigma ** 2 - 1)
    return torch.cat([(fz * score_mu).mean(0), (fz * score_logvar).mean(0)])


def score_surrogate(mu, logvar, f, n_samples, generator):
    mu = mu.detach().requires_grad_()
    logvar = logvar.detach().requires_grad_()
    eps = torch.randn((n_samples, *mu.shape), generator=generator)
    z = (mu + torch.exp(0.5 * logvar) * eps).detach()
    log_q = Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    g_mu, g_logvar = torch.autograd.grad((f(z) * log_q).mean(), (mu, logvar))
    return torch.cat([g_mu, g_logvar])


def score_expanded(mu, logvar, f, n_samples, generator):
    shape = (n_samples, *mu.shape)
    with torch.no_grad():
        z = checks.reparameterized_sample.reference(mu.expand(shape), logvar.expand(shape), generator)
    var = logvar.exp()
    fz = f(z)[:, None]
    return torch.cat([(fz * (z - mu) / var).mean(0), (fz * 0.5 * ((z - mu) ** 2 / var - 1)).mean(0)])


def score_loop(mu, logvar, f, n_samples, generator):
    sigma = torch.exp(0.5 * logvar)
    eps = torch.randn((n_samples, *mu.shape), generator=generator)
    g_mu, g_logvar = torch.zeros_like(mu), torch.zeros_like(logvar)
    for s in range(n_samples):
        z = mu + sigma * eps[s]
        fz = f(z[None])[0]
        g_mu = g_mu + fz * eps[s] / sigma / n_samples
        g_logvar = g_logvar + fz * 0.5 * (eps[s] ** 2 - 1) / n_samples
    return torch.cat([g_mu, g_logvar])


@pytest.mark.parametrize("student", [score_notebook, score_surrogate, score_expanded, score_loop],
                         ids=["notebook", "Normal.log_prob-surrogate", "expanded-reparam", "loop"])
def test_score_accepts_correct_alternatives(student, capsys):
    passes(checks.score_function_estimator, student, capsys)


def test_score_ignoring_the_generator_is_named():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn(n_samples, *mu.shape)
        fz = f(mu + torch.exp(0.5 * logvar) * eps)[:, None]
        return torch.cat([(fz * eps / torch.exp(0.5 * logvar)).mean(0), (fz * 0.5 * (eps ** 2 - 1)).mean(0)])
    fails(checks.score_function_estimator, student, SCORE_REPRODUCIBLE)


def test_score_returning_only_mu_part_is_told_the_shape():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn(n_samples, *mu.shape, generator=generator)
        fz = f(mu + torch.exp(0.5 * logvar) * eps)[:, None]
        return (fz * eps / torch.exp(0.5 * logvar)).mean(0)
    fails(checks.score_function_estimator, student, "torch.cat([g_mu, g_logvar])")


def test_score_stacking_the_gradients_is_told_the_shape():
    fails(checks.score_function_estimator, lambda *args: torch.stack(list(score_notebook(*args).view(2, -1))),
          "You stacked the two gradients", "torch.cat([g_mu, g_logvar])")


def test_score_hard_coded_two_dimensions_is_rejected():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn(n_samples, 2, generator=generator)
        z = mu + torch.exp(0.5 * logvar) * eps
        return torch.cat([(f(z)[:, None] * eps / torch.exp(0.5 * logvar)).mean(0),
                          (f(z)[:, None] * 0.5 * (eps ** 2 - 1)).mean(0)])
    fails(checks.score_function_estimator, student, "your function raised RuntimeError", "shape (3,)")


def test_score_stray_squeeze_is_rejected_with_one_sample():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn((n_samples, *mu.shape), generator=generator).squeeze()
        z = mu + torch.exp(0.5 * logvar) * eps
        fz = f(z)[:, None]
        return torch.cat([(fz * eps / torch.exp(0.5 * logvar)).mean(0), (fz * 0.5 * (eps ** 2 - 1)).mean(0)])
    fails(checks.score_function_estimator, student, "your function raised", "n_samples = 1")


def test_score_transposed_samples_are_caught_by_f():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn((n_samples, *mu.shape), generator=generator)
        z = (mu + torch.exp(0.5 * logvar) * eps).T                     # (d, n_samples)
        return score_notebook(mu, logvar, lambda _: f(z), n_samples, generator)
    fails(checks.score_function_estimator, student, "f takes z of shape (n_samples, d)")


def test_score_in_place_on_the_inputs_is_refused():
    def student(mu, logvar, f, n_samples, generator):
        logvar.mul_(0.5).exp_()                                        # logvar is now sigma
        eps = torch.randn((n_samples, *mu.shape), generator=generator)
        fz = f(mu + logvar * eps)[:, None]
        return torch.cat([(fz * eps / logvar).mean(0), (fz * 0.5 * (eps ** 2 - 1)).mean(0)])
    fails(checks.score_function_estimator, student, "changed its input `logvar` in place")


def test_score_float64_result_is_a_dtype_mistake():
    def student(mu, logvar, f, n_samples, generator):
        return score_notebook(mu, logvar, f, n_samples, generator).double()
    fails(checks.score_function_estimator, student, "dtype torch.float64, expected torch.float32")


def test_score_names_a_logvar_mistake():
    def student(mu, logvar, f, n_samples, generator):                 # sigma = exp(logvar): logvar as log sigma
        return score_notebook(mu, 2 * logvar, f, n_samples, generator)
    fails(checks.score_function_estimator, student, "as log sigma")


def test_every_check_here_has_logvar_mistakes():
    for check in (checks.kl_standard_normal, checks.reparameterized_sample, checks.score_function_estimator):
        assert sum("log-variance" in h or "log sigma" in h for h in check.mistakes) >= 3
        assert len(check.mistakes) >= 6
