"""Checks for notebook 03 (the VAE): the reparameterized sample, the negative-ELBO loss, the IWAE bound.

The registry names (``vae_reparameterize``, ``negative_elbo``, ``iwae``) are distinct from notebook 02's
checks. Every input is deterministic: the noise eps is passed in, never drawn by the student's function.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..vae import iwae_estimate, reparameterize_with, vae_loss
from .core import compare, exercise, expect_tensor, seeded, wrong_outputs


def _match_any_shape(got, wrong: dict, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Name a catalogued mistake even when its output has another shape than the reference."""
    if not isinstance(got, torch.Tensor):
        return
    for hint, value in wrong.items():
        if (isinstance(value, torch.Tensor) and value.shape == got.shape
                and torch.allclose(got.detach().double(), value.detach().double(), rtol=rtol, atol=atol)):
            raise AssertionError(hint)


def _detached(wrong: dict) -> dict:
    return {h: w.detach() for h, w in wrong.items() if isinstance(w, torch.Tensor)}


# ---------------------------------------------------------------- the reparameterization trick
OWN_NOISE = ("Use the noise eps you are given: your function draws its own (torch.normal, torch.randn...), so "
             "two calls with the same inputs differ. torch.normal(mu, sigma) also has no gradient path back to "
             "mu and logvar (its gradient is zero): the trick is to write z = mu + sigma * eps.")
NO_GRADIENT = ("No gradient reaches mu or logvar (did you .detach(), use torch.no_grad, numpy or .item()?). The "
               "point of the trick is that z = mu + sigma * eps is differentiable in mu and logvar.")

REPARAM_MISTAKES = {
    "sigma = exp(logvar / 2): exp(logvar) is the variance sigma^2, not the standard deviation.":
        lambda mu, logvar, eps: mu + torch.exp(logvar) * eps,
    "logvar is the log of the variance: sigma = exp(logvar / 2), not logvar itself.":
        lambda mu, logvar, eps: mu + logvar * eps,
    "Sign: sigma = exp(+logvar / 2); exp(-logvar / 2) is 1 / sigma.":
        lambda mu, logvar, eps: mu + torch.exp(-0.5 * logvar) * eps,
    "The mean is missing: z = mu + sigma * eps (you returned sigma * eps).":
        lambda mu, logvar, eps: torch.exp(0.5 * logvar) * eps,
    "sigma = exp(logvar / 2) = sqrt(exp(logvar)); you took the square root of logvar.abs() or of logvar.":
        lambda mu, logvar, eps: mu + logvar.abs().sqrt() * eps,
    OWN_NOISE:
        lambda mu, logvar, eps: torch.normal(mu, torch.exp(0.5 * logvar)),
    NO_GRADIENT:
        lambda mu, logvar, eps: (mu + torch.exp(0.5 * logvar) * eps).detach(),
}


@exercise("The reparameterization trick", reference=reparameterize_with, mistakes=REPARAM_MISTAKES)
def vae_reparameterize(student):
    for n, d in ((97, 2), (5, 16), (1, 3)):
        g = seeded(n + d)
        mu = torch.randn(n, d, generator=g).requires_grad_()
        logvar = (torch.rand(n, d, generator=g) * 3 - 2).requires_grad_()     # sigma between 0.37 and 1.6
        eps = torch.randn(n, d, generator=g)
        got = student(mu, logvar, eps.clone())
        expect_tensor(got, "z")
        again = student(mu, logvar, eps.clone())
        if not (isinstance(again, torch.Tensor) and torch.equal(got.detach(), again.detach())):
            raise AssertionError(OWN_NOISE)
        wrong = _detached(wrong_outputs({h: f for h, f in REPARAM_MISTAKES.items() if h != OWN_NOISE},
                                        mu, logvar, eps))
        with torch.no_grad():
            expected = reparameterize_with(mu, logvar, eps)
        compare(got.detach(), expected, what=f"z for mu and logvar of shape {(n, d)}", wrong=wrong)
        if not got.requires_grad:
            raise AssertionError(NO_GRADIENT)
        g_mu, g_logvar = torch.autograd.grad(got.sum(), (mu, logvar), allow_unused=True)
        if g_mu is None or g_logvar is None:
            raise AssertionError(NO_GRADIENT)
        compare(g_mu, torch.ones_like(mu), what="dz/dmu")
        compare(g_logvar, (0.5 * torch.exp(0.5 * logvar) * eps).detach(), what="dz/dlogvar")


# ---------------------------------------------------------------- the negative ELBO
def _bce(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def _kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


ELBO_MISTAKES = {
    "KL sign: the loss is -ELBO = reconstruction loss + KL; you subtracted the KL.":
        lambda x, logits, mu, logvar: (_bce(logits, x) - _kl(mu, logvar)).mean(),
    "Sign: the training loss is the NEGATIVE ELBO (positive, minimised), BCE + KL; you returned the ELBO.":
        lambda x, logits, mu, logvar: -(_bce(logits, x) + _kl(mu, logvar)).mean(),
    "The KL has a factor 1/2: KL = 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j).":
        lambda x, logits, mu, logvar: (_bce(logits, x) + 2 * _kl(mu, logvar)).mean(),
    "The KL needs exp(logvar) (the variance sigma^2), not logvar: 1/2 sum (mu^2 + exp(logvar) - 1 - logvar).":
        lambda x, logits, mu, logvar: (_bce(logits, x) + 0.5 * (mu.pow(2) - 1).sum(1)).mean(),
    "Reduction: sum over the pixels and latent dimensions of each image, then AVERAGE over the batch "
    "(you summed over the batch too, so the loss grows with the batch size).":
        lambda x, logits, mu, logvar: (_bce(logits, x) + _kl(mu, logvar)).sum(),
    "Reduction: you averaged over the pixels (binary_cross_entropy_with_logits' default reduction='mean'). "
    "log p(x|z) is a SUM over the pixels of one image; use reduction='sum' and divide by len(x).":
        lambda x, logits, mu, logvar: F.binary_cross_entropy_with_logits(logits, x) + _kl(mu, logvar).mean(),
    "Reduction: the reconstruction term is averaged over the batch but the KL is summed over it; average both "
    "(the two terms must be on the same scale, nats per image).":
        lambda x, logits, mu, logvar: _bce(logits, x).mean() + _kl(mu, logvar).sum(),
    "You applied a sigmoid before binary_cross_entropy_with_logits: it expects the decoder's raw logits and "
    "applies the sigmoid itself.":
        lambda x, logits, mu, logvar: (_bce(torch.sigmoid(logits), x) + _kl(mu, logvar)).mean(),
}


@exercise("The negative ELBO", reference=vae_loss, mistakes=ELBO_MISTAKES)
def negative_elbo(student):
    for n, shape, d in ((97, (1, 28, 28), 2), (33, (1, 28, 28), 16), (4, (3, 5), 3)):
        g = seeded(n + d)
        x = torch.bernoulli(torch.full((n, *shape), 0.3), generator=g)
        logits = (2 * torch.randn(n, *shape, generator=g)).requires_grad_()
        mu = torch.randn(n, d, generator=g).requires_grad_()
        logvar = (torch.rand(n, d, generator=g) * 3 - 2).requires_grad_()
        got = student(x.clone(), logits, mu, logvar)
        expect_tensor(got, "the loss")
        wrong = _detached(wrong_outputs(ELBO_MISTAKES, x, logits, mu, logvar))
        if got.dim() != 0:
            _match_any_shape(got, wrong)
            raise AssertionError(f"The loss should be one number (a 0-dimensional tensor), got shape "
                                 f"{tuple(got.shape)}. Sum over pixels and latents, average over the batch.")
        expected = vae_loss(x, logits, mu, logvar)
        compare(got.detach(), expected.detach(), what=f"the loss for a batch of {n} examples of shape {shape} "
                f"with {d} latent dimensions", wrong=wrong)
        if not got.requires_grad:
            raise AssertionError("Your loss does not pass gradients back to the logits, mu and logvar (did you use "
                                 ".item(), .detach() or numpy?); training needs them.")
        grads = torch.autograd.grad(got, (logits, mu, logvar), allow_unused=True)
        for name, g_got, g_ref in zip(("logits", "mu", "logvar"), grads,
                                      torch.autograd.grad(expected, (logits, mu, logvar))):
            if g_got is None:
                raise AssertionError(f"No gradient reaches {name}: every input must take part in the loss.")
            compare(g_got, g_ref, what=f"the gradient of your loss with respect to {name}")


# ---------------------------------------------------------------- the IWAE bound
UNDERFLOW = ("Your bound is -inf or NaN: you exponentiated the log-weights. With log w around -250 nats, "
             "exp(log w) underflows to 0 (and log 0 = -inf). Stay in the log domain: "
             "L_k = torch.logsumexp(log_w, dim=0) - log k.")

IWAE_MISTAKES = {
    UNDERFLOW:
        lambda lp, lq: torch.log(torch.exp(lp - lq).mean(0)),
    "The -log k is missing: L_k = log (1/k sum_i w_i) = logsumexp_i(log w_i) - log k.":
        lambda lp, lq: torch.logsumexp(lp - lq, 0),
    "You averaged the log-weights: mean_i log w_i is the (k-sample) ELBO, not the IWAE bound. The average "
    "goes INSIDE the log: log (1/k sum_i w_i) = logsumexp_i(log w_i) - log k.":
        lambda lp, lq: (lp - lq).mean(0),
    "Wrong axis: the k samples are along dim 0 (inputs are (k, batch)); reduce over dim=0 to get one bound "
    "per example.":
        lambda lp, lq: torch.logsumexp(lp - lq, 1) - math.log(lp.shape[0]),
    "The weights are w_i = p(x, z_i) / q(z_i|x): log w_i = log p(x, z_i) - log q(z_i|x) (you added log q).":
        lambda lp, lq: torch.logsumexp(lp + lq, 0) - math.log(lp.shape[0]),
    "log q(z_i|x) is missing: the weights are p(x, z_i) / q(z_i|x), not p(x, z_i).":
        lambda lp, lq: torch.logsumexp(lp, 0) - math.log(lp.shape[0]),
    "max_i log w_i is not logsumexp: logsumexp_i(a_i) = m + log sum_i exp(a_i - m) with m = max_i a_i "
    "(torch.logsumexp does this for you).":
        lambda lp, lq: (lp - lq).max(0).values - math.log(lp.shape[0]),
}


@exercise("The IWAE bound", reference=iwae_estimate, mistakes=IWAE_MISTAKES)
def iwae(student):
    for k, n in ((7, 97), (1000, 3), (50, 1)):
        g = seeded(k + n)
        log_p = -250 + 5 * torch.randn(k, n, generator=g)        # log p(x, z_i): images are improbable
        log_q = 20 + 3 * torch.randn(k, n, generator=g)          # log q(z_i|x): a peaked posterior
        got = student(log_p.clone(), log_q.clone())
        expected = iwae_estimate(log_p, log_q)
        if isinstance(got, torch.Tensor) and not torch.isfinite(got).all():
            raise AssertionError(UNDERFLOW)
        wrong = wrong_outputs(IWAE_MISTAKES, log_p, log_q)
        _match_any_shape(got, wrong)
        compare(got, expected, what=f"L_k for log-weights of shape {(k, n)} (k={k} samples, batch {n})",
                wrong=wrong, rtol=1e-5, atol=1e-3)


__all__ = ["vae_reparameterize", "negative_elbo", "iwae"]
