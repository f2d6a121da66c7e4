"""Uncatalogued answers to notebooks 02 and 03 (issue 28): wrong answers as students write them that no check's
catalogue contains, each with the words a hint naming its actual mistake would contain, and correct
alternatives. Every wrong answer must be rejected without a crash, every alternative accepted."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import Catalogue, assert_accepted, assert_rejected_without_crash
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

CAT = Catalogue()
W, R = CAT.wrong, CAT.right


# ---------------------------------------------------------------- 02: KL( N(mu, e^logvar) || N(0, I) )
def _kl(mu, logvar, dim=-1):
    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(dim)


R("kl_standard_normal", "-1/2 sum(1 + logvar - mu^2 - e^logvar)", lambda mu, logvar: -0.5 * torch.sum(
  1 + logvar - mu.pow(2) - logvar.exp(), dim=1))
R("kl_standard_normal", "Independent Normals", lambda mu, logvar: kl_divergence(Independent(Normal(mu, (
  0.5 * logvar).exp()), 1), Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)))
R("kl_standard_normal", "through sigma", lambda mu, logvar: (lambda s: 0.5 * (mu ** 2 + s ** 2 - 1 - torch.log(s ** 2))
  .sum(-1))(torch.exp(0.5 * logvar)))
R("kl_standard_normal", "keepdim then squeeze(-1)", lambda mu, logvar: 0.5 * (mu * mu + torch.exp(logvar) - logvar
  - 1).sum(-1, keepdim=True).squeeze(-1))
R("kl_standard_normal", "float64 inside", lambda mu, logvar: _kl(mu.double(), logvar.double()).to(mu.dtype))

W("kl_standard_normal", "|mu| instead of mu^2", r"mu\^2|squared|mu ?\*\* ?2|abs",
  lambda mu, logvar: 0.5 * (mu.abs() + logvar.exp() - 1 - logvar).sum(-1))
W("kl_standard_normal", "mean over latents without the 1/2", r"sum.{0,30}(latent|dimension)|not a mean",
  lambda mu, logvar: (mu ** 2 + logvar.exp() - 1 - logvar).mean(-1))
W("kl_standard_normal", "logvar used as the variance (log of a negative)", r"exp\(logvar\)|variance",
  lambda mu, logvar: 0.5 * (mu ** 2 + logvar - 1 - logvar.log()).sum(-1))
W("kl_standard_normal", "log of a product of variances", r"product|prod\b|sum of (the )?log",
  lambda mu, logvar: 0.5 * (mu.pow(2).sum(-1) + logvar.exp().sum(-1) - mu.shape[-1]
                            - torch.log(torch.prod(logvar.exp(), -1))))
W("kl_standard_normal", "detached result", (r"detach", r"gradient"),
  lambda mu, logvar: _kl(mu, logvar).detach())
W("kl_standard_normal", "computed in numpy", (r"numpy", r"gradient"),
  lambda mu, logvar: torch.from_numpy(0.5 * np.sum(mu.detach().numpy() ** 2 + np.exp(logvar.detach().numpy()) - 1
                                                   - logvar.detach().numpy(), axis=-1)))
W("kl_standard_normal", "squeezed inputs", r"squeeze|batch of one",
  lambda mu, logvar: _kl(mu.squeeze(), logvar.squeeze()))
W("kl_standard_normal", "exp dropped from the variance term", r"exp\(logvar\)|variance|sigma\^2",
  lambda mu, logvar: -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar, dim=-1))
W("kl_standard_normal", "float32 result for float64 inputs", r"dtype|float64",
  lambda mu, logvar: _kl(mu, logvar).float())
W("kl_standard_normal", "Normal(mu, logvar): logvar as the scale", r"standard deviation|exp\(logvar ?/ ?2\)|sigma",
  lambda mu, logvar: kl_divergence(Normal(mu, logvar), Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1))
W("kl_standard_normal", "the reverse KL( N(0, I) || q )", r"revers|order|KL\(q|KL\( ?N\(mu",
  lambda mu, logvar: kl_divergence(Normal(torch.zeros_like(mu), torch.ones_like(mu)),
                                   Normal(mu, (0.5 * logvar).exp())).sum(-1))


# ---------------------------------------------------------------- 02: z = mu + sigma * eps, eps from a generator
def _eps(mu, g):
    return torch.randn(mu.shape, generator=g, dtype=mu.dtype)


R("reparameterized_sample", "sqrt(exp(logvar))", lambda mu, logvar, g: mu + torch.sqrt(torch.exp(logvar)) * _eps(mu, g))
R("reparameterized_sample", "normal_ on an empty tensor", lambda mu, logvar, g: mu + (0.5 * logvar).exp()
  * torch.empty_like(mu).normal_(generator=g))
R("reparameterized_sample", "torch.normal(0, 1, size)", lambda mu, logvar, g: mu + torch.exp(logvar / 2)
  * torch.normal(0.0, 1.0, mu.shape, generator=g))
R("reparameterized_sample", "exp_ in place on a new tensor", lambda mu, logvar, g: mu + logvar.mul(0.5).exp_()
  * torch.randn(*mu.shape, generator=g))
R("reparameterized_sample", "eps first", lambda mu, logvar, g: (lambda eps: eps * logvar.exp() ** 0.5 + mu)(
  torch.randn(len(mu), mu.shape[1], generator=g)))


def _global_seed(mu, logvar, g):
    torch.manual_seed(0)
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape)


def _std_no_grad(mu, logvar, g):
    with torch.no_grad():
        std = torch.exp(0.5 * logvar)
    return mu + std * _eps(mu, g)


W("reparameterized_sample", "a global seed instead of the generator", r"generator", _global_seed)
W("reparameterized_sample", "sqrt(logvar)", r"exp|log-variance",
  lambda mu, logvar, g: mu + torch.sqrt(logvar) * _eps(mu, g))
W("reparameterized_sample", "uniform eps in [-1, 1]", r"standard normal|randn|uniform|torch\.rand\b",
  lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * (2 * torch.rand(mu.shape, generator=g) - 1))
W("reparameterized_sample", "mu detached", (r"detach", r"gradient.{0,25}`?\bmu\b"),
  lambda mu, logvar, g: mu.detach() + torch.exp(0.5 * logvar) * _eps(mu, g))
W("reparameterized_sample", "sigma under torch.no_grad", (r"no_grad", r"gradient"), _std_no_grad)
W("reparameterized_sample", "computed in numpy", (r"numpy", r"gradient"),
  lambda mu, logvar, g: torch.from_numpy(mu.detach().numpy() + np.exp(0.5 * logvar.detach().numpy())
                                         * _eps(mu, g).numpy()))
W("reparameterized_sample", "float64 eps", r"dtype|float64",
  lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g, dtype=torch.float64))
W("reparameterized_sample", "mu multiplied, not added", r"add(ed)? mu|mu \+|plus|multipl",
  lambda mu, logvar, g: mu * torch.exp(0.5 * logvar) * _eps(mu, g))
W("reparameterized_sample", "eps drawn transposed", r"mu\.shape|transpos|order|arrange",
  lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape[::-1], generator=g).T)
W("reparameterized_sample", "softplus(logvar) as sigma", r"softplus",
  lambda mu, logvar, g: mu + F.softplus(logvar) * _eps(mu, g))
W("reparameterized_sample", "eps truncated to [-2, 2]", r"clamp|truncat",
  lambda mu, logvar, g: mu + torch.exp(0.5 * logvar) * _eps(mu, g).clamp(-2, 2))


# ---------------------------------------------------------------- 02: the score-function estimator
def _score(mu, logvar, f, n, g, *, fz=None, s_mu=None, s_lv=None, reduce=lambda t: t.mean(0), eps=None):
    sigma = torch.exp(0.5 * logvar)
    eps = torch.randn((n, *mu.shape), generator=g) if eps is None else eps
    z = (mu + sigma * eps).detach()
    w = f(z).detach()[:, None] if fz is None else fz(f, z, mu)
    a = (z - mu) / sigma ** 2 if s_mu is None else s_mu(z, mu, sigma, eps)
    b = 0.5 * ((z - mu) ** 2 / sigma ** 2 - 1) if s_lv is None else s_lv(z, mu, sigma, eps)
    return torch.cat([reduce(w * a), reduce(w * b)])


def _score_surrogate(mu, logvar, f, n, g):
    mu, logvar = mu.detach().requires_grad_(), logvar.detach().requires_grad_()
    z = (mu + torch.exp(0.5 * logvar) * torch.randn((n, *mu.shape), generator=g)).detach()
    log_q = Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    return torch.cat(torch.autograd.grad((f(z) * log_q).mean(), (mu, logvar)))


def _score_loop(mu, logvar, f, n, g):
    eps = torch.randn((n, *mu.shape), generator=g)
    sigma, total = torch.exp(0.5 * logvar), torch.zeros(2 * len(mu))
    for s in range(n):
        z = mu + sigma * eps[s]
        total = total + f(z[None])[0] * torch.cat([(z - mu) / sigma ** 2, 0.5 * ((z - mu) ** 2 / sigma ** 2 - 1)])
    return total / n


R("score_function_estimator", "notebook", lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g))
R("score_function_estimator", "surrogate through autograd", _score_surrogate)
R("score_function_estimator", "through eps", lambda mu, logvar, f, n, g: _score(
  mu, logvar, f, n, g, s_mu=lambda z, m, s, e: e / s, s_lv=lambda z, m, s, e: 0.5 * (e ** 2 - 1)))
R("score_function_estimator", "one concatenated score", lambda mu, logvar, f, n, g: (lambda eps, s: (
  f((mu + s * eps).detach())[:, None] * torch.cat([eps / s, 0.5 * (eps ** 2 - 1)], 1)).mean(0))(
  torch.randn((n, *mu.shape), generator=g), torch.exp(0.5 * logvar)))
R("score_function_estimator", "a loop over samples", _score_loop)

W("score_function_estimator", "f(z) not reshaped to (n_samples, 1)", r"\[:, None\]|broadcast|\(n_samples, 1\)",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, fz=lambda f, z, m: f(z)))
W("score_function_estimator", "derivative in sigma^2, not in logvar",
  r"chain rule|with respect to (the )?(variance|sigma)|d ?/ ?d ?(sigma|variance)|not (in|with respect to) logvar",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, s_lv=lambda z, m, s, e: 0.5 * ((z - m) ** 2 / s ** 4
                                                                                          - 1 / s ** 2)))
W("score_function_estimator", "derivative in sigma, not in logvar",
  r"chain rule|with respect to (the )?(variance|sigma)|d ?/ ?d ?(sigma|variance)|not (in|with respect to) logvar",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, s_lv=lambda z, m, s, e: (z - m) ** 2 / s ** 3 - 1 / s))
W("score_function_estimator", "a mean baseline subtracted", r"baseline",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, fz=lambda f, z, m: (f(z) - f(z).mean())[:, None]))
W("score_function_estimator", "a single sample", r"n_samples|one sample|single sample",
  lambda mu, logvar, f, n, g: (lambda eps: _score(mu, logvar, f, 1, g, eps=eps[None]))(
      torch.randn(mu.shape, generator=g)))
W("score_function_estimator", "eps drawn transposed", r"\(n_samples, \*mu\.shape\)|transpos|order",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, eps=torch.randn((len(mu), n), generator=g).T))
W("score_function_estimator", "divided by n_samples - 1", r"n_samples - 1|average|unbiased",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, reduce=lambda t: t.sum(0) / max(n - 1, 1)))
W("score_function_estimator", "a tuple of two gradients", r"torch\.cat|tuple|one (flat )?(vector|tensor)",
  lambda mu, logvar, f, n, g: tuple(_score(mu, logvar, f, n, g).split(len(mu))))
W("score_function_estimator", "float64 eps", r"dtype|float64",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, eps=torch.randn((n, *mu.shape), generator=g,
                                                                          dtype=torch.float64)))
W("score_function_estimator", "f at the mean, not at the samples", r"f\(z\)|f\(mu\)|at the samples|at the mean",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, fz=lambda f, z, m: f(m[None]).expand(len(z))[:, None]))
W("score_function_estimator", "eps not squared in the logvar score", r"squar|\^2",
  lambda mu, logvar, f, n, g: _score(mu, logvar, f, n, g, s_lv=lambda z, m, s, e: 0.5 * (e - 1)))


# ---------------------------------------------------------------- 03: z = mu + sigma * eps, eps given
def _sample_no_grad(mu, logvar, eps):
    with torch.no_grad():
        return mu + torch.exp(0.5 * logvar) * eps


def _sample_in_place(mu, logvar, eps):
    z = mu
    z += torch.exp(0.5 * logvar) * eps
    return z


R("vae_reparameterize", "mul(0.5).exp()", lambda mu, logvar, eps: mu + eps * logvar.mul(0.5).exp())
R("vae_reparameterize", "addcmul", lambda mu, logvar, eps: torch.addcmul(mu, torch.exp(0.5 * logvar), eps))
R("vae_reparameterize", "sqrt(exp(logvar))", lambda mu, logvar, eps: mu + torch.sqrt(torch.exp(logvar)) * eps)
R("vae_reparameterize", "sigma * eps + mu", lambda mu, logvar, eps: (logvar / 2).exp() * eps + mu)
R("vae_reparameterize", "float64 sigma inside", lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar.double())
  .to(mu.dtype) * eps)

W("vae_reparameterize", "softplus(logvar) as sigma", r"softplus",
  lambda mu, logvar, eps: mu + F.softplus(logvar) * eps)
W("vae_reparameterize", "draws its own eps", r"eps you are given|own noise|draws its own",
  lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * torch.randn_like(eps))
W("vae_reparameterize", "mu detached", (r"detach", r"gradient.{0,25}`?\bmu\b"),
  lambda mu, logvar, eps: mu.detach() + torch.exp(0.5 * logvar) * eps)
W("vae_reparameterize", "computed in numpy", (r"numpy", r"gradient"),
  lambda mu, logvar, eps: torch.from_numpy(mu.detach().numpy() + np.exp(0.5 * logvar.detach().numpy()) * eps.numpy()))
W("vae_reparameterize", "eps squeezed", r"squeeze",
  lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * eps.squeeze())
W("vae_reparameterize", "one eps shared by the batch", r"each example|own noise|shared|every example",
  lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * eps.mean(0))
W("vae_reparameterize", "sigma + eps instead of sigma * eps", r"multipl|times eps|scale (eps|the noise)|\* ?eps",
  lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) + eps)
W("vae_reparameterize", "mu - sigma * eps", r"sign|minus|subtract",
  lambda mu, logvar, eps: mu - torch.exp(0.5 * logvar) * eps)
W("vae_reparameterize", "logvar clamped to [-5, 5]", r"clamp",
  lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar.clamp(-5, 5)) * eps)
W("vae_reparameterize", "float32 result for float64 inputs", r"dtype|float64",
  lambda mu, logvar, eps: (mu + torch.exp(0.5 * logvar) * eps).float())
W("vae_reparameterize", "z += ... on mu", r"in[- ]place|\+=", _sample_in_place)
W("vae_reparameterize", "under torch.no_grad", (r"no_grad", r"gradient"), _sample_no_grad)


# ---------------------------------------------------------------- 03: the negative ELBO
def _bce(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum")


def _elbo(rec, kl, n):
    return (rec + kl) / n


R("negative_elbo", "per example, then mean", lambda x, logits, mu, logvar: (F.binary_cross_entropy_with_logits(
  logits, x, reduction="none").reshape(len(x), -1).sum(1) - 0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1)).mean())
R("negative_elbo", "mean BCE times pixels", lambda x, logits, mu, logvar: F.binary_cross_entropy_with_logits(
  logits, x) * x[0].numel() + _kl(mu, logvar).mean())
R("negative_elbo", "x l - softplus(l)", lambda x, logits, mu, logvar: (-(x * logits - F.softplus(logits)).sum()
  + _kl(mu, logvar).sum()) / len(x))
R("negative_elbo", "Bernoulli and Normal distributions", lambda x, logits, mu, logvar: (
  -Bernoulli(logits=logits, validate_args=False).log_prob(x).flatten(1).sum(1)
  + kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1)).mean())
R("negative_elbo", "float64 inside", lambda x, logits, mu, logvar: _elbo(_bce(logits.double(), x.double()),
  _kl(mu.double(), logvar.double()).sum(), len(x)).to(x.dtype))

W("negative_elbo", "sums over hard-coded dims (1, 2, 3)", r"dim|flat|hard-coded",
  lambda x, logits, mu, logvar: (F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3))
                                 + _kl(mu, logvar)).mean())
W("negative_elbo", "KL without its -1/2 factor", r"1/2|-0\.5|-2\b",
  lambda x, logits, mu, logvar: _elbo(_bce(logits, x), (1 + logvar - mu ** 2 - logvar.exp()).sum(), len(x)))
W("negative_elbo", "squared error reconstruction", r"Bernoulli|cross-entropy|BCE|squared error",
  lambda x, logits, mu, logvar: _elbo(F.mse_loss(torch.sigmoid(logits), x, reduction="sum"),
                                      _kl(mu, logvar).sum(), len(x)))
W("negative_elbo", "divided by every pixel", r"len\(x\)|batch size|pixels",
  lambda x, logits, mu, logvar: (_bce(logits, x) + _kl(mu, logvar).sum()) / x.numel())
W("negative_elbo", "reconstruction summed, KL averaged over the batch", r"both|same scale",
  lambda x, logits, mu, logvar: _bce(logits, x) + _kl(mu, logvar).mean())
W("negative_elbo", ".item() on the KL", (r"item", r"gradient"),
  lambda x, logits, mu, logvar: _elbo(_bce(logits, x), _kl(mu, logvar).sum().item(), len(x)))
W("negative_elbo", "the KL in numpy", (r"numpy", r"gradient"),
  lambda x, logits, mu, logvar: _elbo(_bce(logits, x), torch.from_numpy(np.asarray(0.5 * np.sum(
      mu.detach().numpy() ** 2 + np.exp(logvar.detach().numpy()) - 1 - logvar.detach().numpy()))), len(x)))
W("negative_elbo", "KL summed over the batch axis", r"dim ?=? ?1|over the latent|axis|dimension 1|dim 0",
  lambda x, logits, mu, logvar: (F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
                                 + _kl(mu, logvar, dim=0)).mean())
W("negative_elbo", "the KL's -1 missing", r"- ?1\b|minus 1|the -1",
  lambda x, logits, mu, logvar: _elbo(_bce(logits, x), 0.5 * (mu ** 2 + logvar.exp() - logvar).sum(), len(x)))
W("negative_elbo", "float32 result for float64 inputs", r"dtype|float64",
  lambda x, logits, mu, logvar: _elbo(_bce(logits, x), _kl(mu, logvar).sum(), len(x)).float())
W("negative_elbo", "Bernoulli(probs=sigmoid(logits))", r"logits=|probs|stabl|from the logits",
  lambda x, logits, mu, logvar: (-Bernoulli(probs=torch.sigmoid(logits), validate_args=False).log_prob(x).flatten(1)
                                 .sum(1) + _kl(mu, logvar)).mean())
W("negative_elbo", "logsigmoid(l) in both terms", r"logsigmoid\(-|log\(1 - |1 - sigmoid",
  lambda x, logits, mu, logvar: _elbo(-(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(logits)).sum(),
                                      _kl(mu, logvar).sum(), len(x)))


# ---------------------------------------------------------------- 03: the IWAE bound
def _lw(log_p, log_q):
    return log_p - log_q


R("iwae", "np.log(k)", lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q), 0) - np.log(log_p.shape[0]))
R("iwae", "shift inside the logsumexp", lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q) - math.log(len(log_p)),
  dim=0))
R("iwae", "column max by hand", lambda log_p, log_q: (lambda w, m: m + torch.log(torch.exp(w - m).mean(0)))(
  _lw(log_p, log_q), _lw(log_p, log_q).max(0).values))
R("iwae", "logcumsumexp's last row", lambda log_p, log_q: torch.logcumsumexp(_lw(log_p, log_q), 0)[-1]
  - math.log(len(log_p)))
R("iwae", "float64 inside", lambda log_p, log_q: (torch.logsumexp(_lw(log_p, log_q).double(), 0)
  - math.log(len(log_p))).to(log_p.dtype))


def _iwae_numpy(log_p, log_q):
    w = (log_p - log_q).detach().numpy()
    m = w.max(0)
    return torch.from_numpy(m + np.log(np.exp(w - m).mean(0)))


W("iwae", "divided by k instead of minus log k", r"log k|subtract|- ?log",
  lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q), 0) / len(log_p))
W("iwae", "keepdim=True", r"keepdim|\(batch,\)",
  lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q), dim=0, keepdim=True) - math.log(len(log_p)))
W("iwae", "torch.log of an int", r"math\.log|\bint\b",
  lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q), 0) - torch.log(len(log_p)))
W("iwae", "the maximum not added back", r"add(ed)? (it|the max\w*) back|\+ ?m\b|back",
  lambda log_p, log_q: (lambda w: torch.log(torch.exp(w - w.max(0).values).mean(0)))(_lw(log_p, log_q)))
W("iwae", "in numpy (no gradient)", (r"numpy", r"gradient"), _iwae_numpy)
W("iwae", "squeezed result", r"squeeze|batch of one",
  lambda log_p, log_q: (torch.logsumexp(_lw(log_p, log_q), 0) - math.log(len(log_p))).squeeze())
W("iwae", "float32 result for float64 inputs", r"dtype|float64",
  lambda log_p, log_q: (torch.logsumexp(_lw(log_p, log_q), 0) - math.log(len(log_p))).float())
W("iwae", "softmax-weighted average of log w", r"logsumexp|log of the (mean|average)|inside the log",
  lambda log_p, log_q: (torch.softmax(_lw(log_p, log_q), 0) * _lw(log_p, log_q)).sum(0))
W("iwae", "log k subtracted twice", r"twice|once|extra log k|(off|by) log k",
  lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q) - math.log(len(log_p)), 0) - math.log(len(log_p)))
W("iwae", "reduced over the batch (dim -1)", r"dim ?=? ?0|axis|over the samples|dim 0",
  lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q), dim=-1) - math.log(log_p.shape[-1]))
W("iwae", "detached log-weights", (r"detach", r"gradient"),
  lambda log_p, log_q: torch.logsumexp(_lw(log_p, log_q).detach(), 0) - math.log(len(log_p)))


@pytest.mark.parametrize("case", CAT.wrongs, ids=[c.id for c in CAT.wrongs])
def test_uncatalogued_wrong_answer_is_rejected_without_crash(case):
    assert_rejected_without_crash(case)


@pytest.mark.parametrize("case", CAT.rights, ids=[c.id for c in CAT.rights])
def test_correct_alternative_is_accepted(case):
    assert_accepted(case)
