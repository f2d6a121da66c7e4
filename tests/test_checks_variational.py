"""Notebook 02's checks on answers a student may plausibly write (beyond the catalogued mistakes)."""
import re

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from gencore import checks
from gencore.checks.variational import NO_GRADIENT


def passes(check, student, capsys):
    check(student)
    assert "[ok]" in capsys.readouterr().out


# ---------------------------------------------------------------- KL
def test_kl_accepts_torch_distributions(capsys):
    passes(checks.kl_standard_normal,
           lambda mu, logvar: kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1), capsys)


def test_kl_accepts_std_form(capsys):
    def student(mu, logvar):
        std = torch.exp(0.5 * logvar)
        return 0.5 * torch.sum(mu ** 2 + std ** 2 - 1 - torch.log(std ** 2), dim=1)
    passes(checks.kl_standard_normal, student, capsys)


# ---------------------------------------------------------------- reparameterized sample
def test_reparam_accepts_randn_like_with_generator(capsys):
    passes(checks.reparameterized_sample,
           lambda mu, logvar, g: mu + torch.exp(logvar / 2) * torch.randn_like(mu, generator=g), capsys)


@pytest.mark.parametrize("student", [
    lambda mu, logvar, g: torch.normal(mu, torch.exp(0.5 * logvar)),                  # global RNG
    lambda mu, logvar, g: (mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g)).detach(),
    lambda mu, logvar, g: torch.as_tensor(np.random.normal(mu.detach().numpy(),
                                                           np.exp(0.5 * logvar.detach().numpy()))),
], ids=["torch.normal-global", "detach", "numpy"])
def test_reparam_without_gradient_path_is_named(student):
    with pytest.raises(AssertionError, match=re.escape(NO_GRADIENT)):
        checks.reparameterized_sample(student)


def test_reparam_ignoring_the_generator_is_named():
    with pytest.raises(AssertionError, match="identically seeded generators"):
        checks.reparameterized_sample(lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))


# ---------------------------------------------------------------- score function
def test_score_accepts_surrogate_with_detached_sample(capsys):
    def student(mu, logvar, f, n_samples, generator):
        mu = mu.detach().requires_grad_()
        logvar = logvar.detach().requires_grad_()
        eps = torch.randn((n_samples, *mu.shape), generator=generator)
        z = (mu + torch.exp(0.5 * logvar) * eps).detach()
        log_q = Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
        g_mu, g_logvar = torch.autograd.grad((f(z) * log_q).mean(), (mu, logvar))
        return torch.cat([g_mu, g_logvar])
    passes(checks.score_function_estimator, student, capsys)


def test_score_accepts_expanded_reparameterized_samples(capsys):
    def student(mu, logvar, f, n_samples, generator):
        shape = (n_samples, *mu.shape)
        with torch.no_grad():
            z = checks.reparameterized_sample.reference(mu.expand(shape), logvar.expand(shape), generator)
        var = logvar.exp()
        fz = f(z)[:, None]
        return torch.cat([(fz * (z - mu) / var).mean(0), (fz * 0.5 * ((z - mu) ** 2 / var - 1)).mean(0)])
    passes(checks.score_function_estimator, student, capsys)


def test_score_ignoring_the_generator_is_named():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn(n_samples, *mu.shape)
        fz = f(mu + torch.exp(0.5 * logvar) * eps)[:, None]
        return torch.cat([(fz * eps / torch.exp(0.5 * logvar)).mean(0), (fz * 0.5 * (eps ** 2 - 1)).mean(0)])
    with pytest.raises(AssertionError, match="identically seeded generators"):
        checks.score_function_estimator(student)


def test_score_returning_only_mu_part_is_told_the_shape():
    def student(mu, logvar, f, n_samples, generator):
        eps = torch.randn(n_samples, *mu.shape, generator=generator)
        fz = f(mu + torch.exp(0.5 * logvar) * eps)[:, None]
        return (fz * eps / torch.exp(0.5 * logvar)).mean(0)
    with pytest.raises(AssertionError, match=re.escape("torch.cat([g_mu, g_logvar])")):
        checks.score_function_estimator(student)
