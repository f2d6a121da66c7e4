"""Notebook 03's checks on answers a student may plausibly write (beyond the catalogued mistakes): correct
alternatives are accepted, and the blind spots of a weaker check (hard-coded dimensions, a stray .squeeze(),
an unstable formula at extreme values, one global max in logsumexp, a mutated input, a float64 result) are
rejected with a message that says what is wrong."""
import math

import pytest
import torch
import torch.nn.functional as F
from check_helpers import fails, passes
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence
from torch.distributions.transforms import AffineTransform

from gencore import checks
from gencore.checks.vae import GLOBAL_MAX, NO_GRADIENT, OWN_NOISE, UNDERFLOW, UNDERFLOW_64


# ---------------------------------------------------------------- the reparameterization trick
def sample_z_notebook(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


@pytest.mark.parametrize("student", [
    sample_z_notebook,
    lambda mu, logvar, eps: eps.mul(logvar.mul(0.5).exp()).add(mu),
    lambda mu, logvar, eps: mu + torch.sqrt(torch.exp(logvar)) * eps,
    lambda mu, logvar, eps: AffineTransform(mu, torch.exp(0.5 * logvar))(eps),
    lambda mu, logvar, eps: sample_z_notebook(mu.double(), logvar.double(), eps.double()).to(mu.dtype),
], ids=["notebook", "methods", "sqrt-exp", "AffineTransform", "float64-inside"])
def test_sample_z_accepts_correct_alternatives(student, capsys):
    passes(checks.vae_reparameterize, student, capsys)


@pytest.mark.parametrize("student,hint", [
    (lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * torch.randn_like(mu), OWN_NOISE),
    (lambda mu, logvar, eps: torch.normal(mu, torch.exp(0.5 * logvar)), OWN_NOISE),
    (lambda mu, logvar, eps: Normal(mu, torch.exp(0.5 * logvar)).rsample(), OWN_NOISE),
    (lambda mu, logvar, eps: sample_z_notebook(mu, logvar, eps).detach(), NO_GRADIENT),
    (lambda mu, logvar, eps: mu + torch.exp(logvar) * eps, "as log sigma"),
    (lambda mu, logvar, eps: mu + logvar * eps, "by logvar itself"),
    (lambda mu, logvar, eps: mu + torch.sqrt(logvar) * eps, "without exp"),
    (lambda mu, logvar, eps: logvar + torch.exp(0.5 * mu) * eps, "Arguments swapped"),
], ids=["randn_like", "torch.normal", "Normal.rsample", "detach", "log-sigma", "logvar-as-sigma", "sqrt-logvar",
        "swapped"])
def test_sample_z_names_the_mistake(student, hint):
    fails(checks.vae_reparameterize, student, hint)


def test_sample_z_hard_coded_two_dimensions_is_rejected():
    def student(mu, logvar, eps):
        sigma = torch.exp(0.5 * logvar)
        return torch.stack([mu[:, 0] + sigma[:, 0] * eps[:, 0], mu[:, 1] + sigma[:, 1] * eps[:, 1]], dim=1)
    fails(checks.vae_reparameterize, student, "has shape (97, 2), expected (97, 5)", "hard-code")


def test_sample_z_stray_squeeze_is_rejected_on_a_batch_of_one():
    fails(checks.vae_reparameterize, lambda mu, logvar, eps: sample_z_notebook(mu, logvar, eps).squeeze(),
          "has shape (2,), expected (1, 2)", ".squeeze()")


def test_sample_z_scaling_eps_in_place_is_refused():
    def student(mu, logvar, eps):
        eps *= torch.exp(0.5 * logvar)                     # overwrites the caller's noise
        return mu + eps
    fails(checks.vae_reparameterize, student, "changed its input `eps` in place")


def test_sample_z_float64_result_is_a_dtype_mistake():
    fails(checks.vae_reparameterize, lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar.double()) * eps,
          "dtype torch.float64, expected torch.float32")


# ---------------------------------------------------------------- the negative ELBO
def elbo_notebook(x, logits, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
    return (rec + kl) / len(x)


def elbo_distributions(x, logits, mu, logvar):
    log_px = Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return (-log_px + kl_divergence(q, p)).mean()


def elbo_logsigmoid(x, logits, mu, logvar):
    log_px = (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).reshape(len(x), -1).sum(-1)
    kl = 0.5 * torch.sum(mu ** 2 + torch.exp(logvar) - 1 - logvar, dim=1)
    return torch.mean(kl - log_px)


def elbo_float64_inside(x, logits, mu, logvar):
    return elbo_notebook(x.double(), logits.double(), mu.double(), logvar.double()).to(logits.dtype)


@pytest.mark.parametrize("student", [elbo_notebook, elbo_distributions, elbo_logsigmoid, elbo_float64_inside],
                         ids=["notebook", "Bernoulli-Independent", "logsigmoid", "float64-inside"])
def test_elbo_accepts_correct_alternatives(student, capsys):
    passes(checks.negative_elbo, student, capsys)


def _elbo_with(bce):
    def student(x, logits, mu, logvar):
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        return (bce(logits, x).sum() + kl) / len(x)
    return student


@pytest.mark.parametrize("bce", [
    lambda l, x: -(x * torch.log(torch.sigmoid(l)) + (1 - x) * torch.log(1 - torch.sigmoid(l))),
    lambda l, x: -torch.where(x > 0.5, torch.log(torch.sigmoid(l)), torch.log(1 - torch.sigmoid(l))),
    lambda l, x: -(x * torch.log(torch.sigmoid(l) + 1e-8) + (1 - x) * torch.log(1 - torch.sigmoid(l) + 1e-8)),
    lambda l, x: F.binary_cross_entropy(torch.sigmoid(l), x, reduction="none"),
], ids=["log-sigmoid", "where", "epsilon", "F.binary_cross_entropy"])
def test_elbo_hand_written_bce_fails_at_large_logits_and_names_the_stable_function(bce):
    fails(checks.negative_elbo, _elbo_with(bce), "F.binary_cross_entropy_with_logits")


def test_elbo_hand_written_bce_is_named_as_such():
    bce = lambda l, x: -(x * torch.log(torch.sigmoid(l)) + (1 - x) * torch.log(1 - torch.sigmoid(l)))  # noqa: E731
    fails(checks.negative_elbo, _elbo_with(bce), "Your BCE is -inf/NaN at large logits")


def test_elbo_summed_over_hard_coded_image_dimensions_fails_on_flat_data():
    def student(x, logits, mu, logvar):                  # sums over dims (1, 2, 3): right for (N, 1, H, W) only
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3))
        return (rec + 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(1)).mean()
    fails(checks.negative_elbo, student, "IndexError", "(7, 12)", "2-dimensional", "any shape")


def test_elbo_hard_coded_two_latent_dimensions_is_rejected():
    def student(x, logits, mu, logvar):
        kl = sum(0.5 * (mu[:, j] ** 2 + logvar[:, j].exp() - 1 - logvar[:, j]) for j in range(2))
        return (F.binary_cross_entropy_with_logits(logits, x, reduction="sum") + kl.sum()) / len(x)
    fails(checks.negative_elbo, student, "3 latent dimensions", "is wrong")


def test_elbo_hard_coded_784_pixels_is_rejected():
    def student(x, logits, mu, logvar):
        rec = F.binary_cross_entropy_with_logits(logits.view(-1, 784), x.view(-1, 784), reduction="sum")
        return (rec + 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum()) / len(x)
    fails(checks.negative_elbo, student, "your function raised RuntimeError", "(7, 12)")


def test_elbo_stray_squeeze_is_rejected_on_a_batch_of_one():
    def student(x, logits, mu, logvar):
        images = x.squeeze()                                # (1, 1, 28, 28) -> (28, 28): len() is now 28
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        return (rec + 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum()) / len(images)
    fails(checks.negative_elbo, student, "a batch of 1 image", "times the expected result")


def test_elbo_binarising_x_in_place_is_refused():
    def student(x, logits, mu, logvar):
        x[x > 0.5] = 1.0
        x[x <= 0.5] = 0.25                                  # "label smoothing", on the caller's tensor
        return elbo_notebook(x, logits, mu, logvar)
    fails(checks.negative_elbo, student, "changed its input `x` in place")


def test_elbo_float64_result_is_a_dtype_mistake():
    def student(x, logits, mu, logvar):
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        return (rec + kl) / torch.tensor(float(len(x)), dtype=torch.float64)
    fails(checks.negative_elbo, student, "dtype torch.float64, expected torch.float32")


@pytest.mark.parametrize("student,hint", [
    (lambda x, logits, mu, logvar: elbo_notebook(x, logits, mu, 2 * logvar), "as log sigma"),
    (lambda x, logits, mu, logvar: elbo_notebook(logits, x, mu, logvar), "Arguments swapped: you used `x`"),
    (lambda x, logits, mu, logvar: elbo_notebook(x, logits, mu, logvar) * len(x), "summed the negative ELBO"),
], ids=["log-sigma", "swapped-x-logits", "batch-sum"])
def test_elbo_names_common_mistakes(student, hint):
    fails(checks.negative_elbo, student, hint)


# ---------------------------------------------------------------- the IWAE bound
def iwae_notebook(log_p_xz, log_q_z):
    log_w = log_p_xz - log_q_z
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


def iwae_column_max(log_p_xz, log_q_z):
    log_w = log_p_xz - log_q_z
    m = log_w.max(dim=0, keepdim=True).values                   # one max per example (column)
    return (m + torch.log(torch.exp(log_w - m).mean(dim=0, keepdim=True)))[0]


def iwae_float64_inside(log_p_xz, log_q_z):
    return iwae_notebook(log_p_xz.double(), log_q_z.double()).to(log_p_xz.dtype)


def iwae_loop(log_p_xz, log_q_z):
    k = log_p_xz.shape[0]
    return torch.stack([torch.special.logsumexp(log_p_xz[:, b] - log_q_z[:, b] - math.log(k), 0)
                        for b in range(log_p_xz.shape[1])])


@pytest.mark.parametrize("student", [iwae_notebook, iwae_column_max, iwae_float64_inside, iwae_loop],
                         ids=["notebook", "column-max", "float64-inside", "loop"])
def test_iwae_accepts_correct_alternatives(student, capsys):
    passes(checks.iwae, student, capsys)


def test_iwae_one_global_max_is_rejected():
    def student(log_p_xz, log_q_z):
        log_w = log_p_xz - log_q_z
        m = log_w.max()                                         # ONE max over the whole (k, batch) tensor
        return m + torch.log(torch.exp(log_w - m).sum(0)) - math.log(log_w.shape[0])
    fails(checks.iwae, student, GLOBAL_MAX)


def test_iwae_one_global_max_in_another_form_is_still_explained():
    def student(log_p_xz, log_q_z):
        log_w = log_p_xz - log_q_z
        m = log_w.max()
        return torch.log(torch.exp(log_w - m).mean(0)) + m      # same mistake, other rounding
    fails(checks.iwae, student, "own maximum")


@pytest.mark.parametrize("student,hint", [
    (lambda lp, lq: torch.log(torch.exp(lp - lq).mean(0)), UNDERFLOW),
    (lambda lp, lq: torch.log(torch.exp(lp - lq).sum(0) / lp.shape[0]), UNDERFLOW),
    (lambda lp, lq: torch.log(torch.exp((lp - lq).double()).mean(0)).float(), UNDERFLOW_64),
], ids=["exp", "exp-sum", "float64-exp"])
def test_iwae_exponentiating_the_weights_is_rejected(student, hint):
    fails(checks.iwae, student, hint)


def test_iwae_stray_squeeze_is_rejected_on_a_batch_of_one():
    fails(checks.iwae, lambda lp, lq: iwae_notebook(lp, lq).squeeze(), "has shape (), expected (1,)", ".squeeze()")


def test_iwae_squeezing_the_log_weights_is_rejected():
    fails(checks.iwae, lambda lp, lq: iwae_notebook(lp.squeeze(), lq.squeeze()), "batch 1")


def test_iwae_with_one_sample_is_the_elbo():
    """k = 1: L_1 = log w_1; a student who special-cases k wrongly fails there."""
    def student(lp, lq):
        return iwae_notebook(lp, lq) if lp.shape[0] > 1 else torch.zeros(lp.shape[1])
    fails(checks.iwae, student, "k=1 sample")


def test_iwae_in_place_on_the_inputs_is_refused():
    def student(log_p_xz, log_q_z):
        log_w = log_p_xz.sub_(log_q_z)                          # overwrites log_p_xz
        return torch.logsumexp(log_w, 0) - math.log(log_w.shape[0])
    fails(checks.iwae, student, "changed its input `log_p_xz` in place")


def test_iwae_float64_result_is_a_dtype_mistake():
    fails(checks.iwae, lambda lp, lq: torch.logsumexp((lp - lq).double(), 0) - math.log(lp.shape[0]),
          "dtype torch.float64, expected torch.float32")


def test_every_check_here_has_six_or_more_mistakes():
    for check in (checks.vae_reparameterize, checks.negative_elbo, checks.iwae):
        assert len(check.mistakes) >= 6
    for check in (checks.vae_reparameterize, checks.negative_elbo):
        assert sum("log-variance" in h or "log sigma" in h for h in check.mistakes) >= 3
