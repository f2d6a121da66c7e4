"""Checks for notebook 03 (the VAE): the reparameterized sample, the negative-ELBO loss, the IWAE bound.

The registry names (``vae_reparameterize``, ``negative_elbo``, ``iwae``) are distinct from notebook 02's
checks. Every input is deterministic: the noise eps is passed in, never drawn by the student's function.
Besides ordinary inputs (batch 1, an odd batch, latent dimensions 1, 2 and more, one float64 case) each check
tries extreme but valid values that only the stable formula survives: logits of +-30 and more for the BCE,
log-weights around -1000 nats, hundreds of nats apart from one example to the next, for the IWAE bound. The
ELBO is tried on flat data (N, D) as well as images; every one of the three is differentiated (the IWAE bound
is a training objective too).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..variational import bernoulli_log_likelihood, gaussian_kl, iwae_bound, reparameterize
from .common import batch_mean_mistakes, logvar_mistakes, reduction_mistakes, swapped
from .common import dtype_note as _kind
from .core import Context, compare_or_explain, exercise, expect_gradient, seeded, uniform, wrong_outputs


# The answer keys, composed from the library's formulas (gencore.variational): no second copy of any of them.
def reparameterize_with(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps,  sigma = exp(logvar / 2): `gencore.variational.reparameterize` with given noise."""
    return reparameterize(mu, logvar, eps=eps)


def vae_loss(x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The negative ELBO of a Bernoulli VAE, averaged over the batch (nats per image):

        -ELBO = 1/N sum_n [ -log p(x_n|z_n) + KL(N(mu_n, e^logvar_n) || N(0, I)) ]
    """
    return (gaussian_kl(mu, logvar) - bernoulli_log_likelihood(logits, x)).mean()


def iwae_estimate(log_p_xz: torch.Tensor, log_q_z: torch.Tensor) -> torch.Tensor:
    """L_k = logsumexp_i(log p(x, z_i) - log q(z_i|x)) - log k, (k, batch) -> (batch,) (`iwae_bound`)."""
    return iwae_bound(log_p_xz, log_q_z)

F64 = torch.float64


# ---------------------------------------------------------------- the reparameterization trick
OWN_NOISE = ("Use the noise eps you are given: your function draws its own (torch.normal, torch.randn...), so "
             "two calls with the same inputs differ. torch.normal(mu, sigma) also has no gradient path back to "
             "mu and logvar (its gradient is zero): the trick is to write z = mu + sigma * eps.")
NO_GRADIENT = "The point of the trick is that z = mu + sigma * eps is differentiable in mu and logvar."

REPARAM_MISTAKES = {
    **logvar_mistakes(reparameterize_with),
    "You multiplied eps by logvar itself: logvar = log sigma^2 is neither sigma nor sigma^2; "
    "sigma = exp(logvar / 2).":
        lambda mu, logvar, eps: mu + logvar * eps,
    "Parentheses: sigma = exp(logvar / 2), not exp(logvar) / 2.":
        lambda mu, logvar, eps: mu + torch.exp(logvar) / 2 * eps,
    "Sign: sigma = exp(+logvar / 2); exp(-logvar / 2) is 1 / sigma.":
        lambda mu, logvar, eps: mu + torch.exp(-0.5 * logvar) * eps,
    "sigma = exp(logvar / 2) = sqrt(exp(logvar)); you took the square root of logvar.abs().":
        lambda mu, logvar, eps: mu + logvar.abs().sqrt() * eps,
    "The mean is missing: z = mu + sigma * eps (you returned sigma * eps).":
        lambda mu, logvar, eps: torch.exp(0.5 * logvar) * eps,
    "Your z is just mu: the noise is missing, z = mu + sigma * eps.":
        lambda mu, logvar, eps: mu * 1,
    "You added the noise without scaling it by sigma: z = mu + exp(logvar / 2) * eps.":
        lambda mu, logvar, eps: mu + eps,
    **swapped(reparameterize_with, "mu", "logvar"),
    OWN_NOISE:
        lambda mu, logvar, eps: torch.normal(mu, torch.exp(0.5 * logvar)),
    NO_GRADIENT:
        lambda mu, logvar, eps: (mu + torch.exp(0.5 * logvar) * eps).detach(),
}


def _reparam_inputs():
    """(mu, logvar, eps): batch 97 / 1 / 33 / 8 / 9, latent dims 5 / 2 / 1 / 16 / 3, logvar in [-10, 10], float64."""
    g = seeded(30)
    for n, d in ((97, 5), (1, 2), (33, 1)):
        yield (torch.randn(n, d, generator=g), uniform((n, d), -2, 1, g), torch.randn(n, d, generator=g))
    yield uniform((8, 16), -30, 30, g), uniform((8, 16), -10, 10, g), torch.randn(8, 16, generator=g)
    yield (torch.randn(9, 3, generator=g, dtype=F64), uniform((9, 3), -2, 1, g, F64),
           torch.randn(9, 3, generator=g, dtype=F64))


@exercise("The reparameterization trick", reference=reparameterize_with, mistakes=REPARAM_MISTAKES,
          signature="sample_z(mu, logvar, eps)")
def vae_reparameterize(student):
    for mu0, logvar0, eps in _reparam_inputs():
        what = f"z for mu, logvar, eps of shape {tuple(mu0.shape)}{_kind(mu0)}"
        mu, logvar = mu0.clone().requires_grad_(), logvar0.clone().requires_grad_()
        got = student(mu, logvar, eps.clone())
        expected = reparameterize_with(mu0, logvar0, eps)
        wrong = wrong_outputs({h: f for h, f in REPARAM_MISTAKES.items() if h != OWN_NOISE}, mu0, logvar0, eps)

        def own_noise():
            again = student(mu0.clone(), logvar0.clone(), eps.clone())
            if isinstance(again, torch.Tensor) and isinstance(got, torch.Tensor) and not (
                    again.shape == got.shape and torch.equal(got.detach(), again.detach())):
                raise AssertionError(OWN_NOISE)

        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=REPARAM_MISTAKES, batch=len(mu0),
                           explain=(own_noise,), context=Context(reparameterize_with, (mu0, logvar0, eps), student))
        w = torch.randn(mu0.shape, generator=seeded(len(mu0)), dtype=mu0.dtype)
        grads = expect_gradient(got, {"mu": mu, "logvar": logvar}, what="z", student=student, args=(mu, logvar, eps),
                                weight=w, why=NO_GRADIENT)
        if grads and not (grads["mu"].abs().sum() > 0 or grads["logvar"].abs().sum() > 0):
            raise AssertionError(OWN_NOISE)
        expect_gradient(got, {"mu": mu, "logvar": logvar}, what="z", weight=w,
                        expected={"mu": w, "logvar": 0.5 * w * torch.exp(0.5 * logvar0) * eps})


# ---------------------------------------------------------------- the negative ELBO
def _bce(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def _kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def _per_example(x, logits, mu, logvar):
    return _bce(logits, x) + _kl(mu, logvar)


def _handwritten_bce(logits, x):
    p = torch.sigmoid(logits)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1)


STABLE_BCE = ("These inputs have logits of +-30 and beyond, which a trained decoder does produce. Written out, "
              "log(sigmoid(l)) and log(1 - sigmoid(l)) lose them: sigmoid(30) is exactly 1.0 in float32, so "
              "log(1 - sigmoid(30)) = log(0) = -inf. F.binary_cross_entropy_with_logits(logits, x, "
              "reduction='sum') computes the BCE from the logits stably (so does F.logsigmoid).")

ELBO_MISTAKES = {
    "KL sign: the loss is -ELBO = reconstruction loss + KL; you subtracted the KL.":
        lambda x, logits, mu, logvar: (_bce(logits, x) - _kl(mu, logvar)).mean(),
    "Sign: the training loss is the NEGATIVE ELBO (positive, minimised), BCE + KL; you returned the ELBO.":
        lambda x, logits, mu, logvar: -_per_example(x, logits, mu, logvar).mean(),
    "The KL has a factor 1/2: KL = 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j).":
        lambda x, logits, mu, logvar: (_bce(logits, x) + 2 * _kl(mu, logvar)).mean(),
    "The KL needs exp(logvar) (the variance sigma^2), not logvar: 1/2 sum (mu^2 + exp(logvar) - 1 - logvar).":
        lambda x, logits, mu, logvar: (_bce(logits, x) + 0.5 * (mu.pow(2) - 1).sum(1)).mean(),
    "The KL is a SUM over the latent dimensions (they are independent), not a mean.":
        lambda x, logits, mu, logvar: (_bce(logits, x) + _kl(mu, logvar) / mu.shape[1]).mean(),
    **batch_mean_mistakes(_per_example, "the negative ELBO"),
    "Reduction: you averaged over the pixels (binary_cross_entropy_with_logits' default reduction='mean'). "
    "log p(x|z) is a SUM over the pixels of one image; use reduction='sum' and divide by len(x).":
        lambda x, logits, mu, logvar: F.binary_cross_entropy_with_logits(logits, x) + _kl(mu, logvar).mean(),
    "Reduction: the reconstruction term is averaged over the batch but the KL is summed over it; average both "
    "(the two terms must be on the same scale, nats per image).":
        lambda x, logits, mu, logvar: _bce(logits, x).mean() + _kl(mu, logvar).sum(),
    "You applied a sigmoid before binary_cross_entropy_with_logits: it expects the decoder's raw logits and "
    "applies the sigmoid itself.":
        lambda x, logits, mu, logvar: (_bce(torch.sigmoid(logits), x) + _kl(mu, logvar)).mean(),
    "Your BCE is -inf/NaN at large logits: log(sigmoid(l)) and log(1 - sigmoid(l)) written out give log(0) "
    "once sigmoid(l) rounds to 0 or 1 (at l = 30 in float32). Use F.binary_cross_entropy_with_logits(logits, "
    "x, reduction='sum'), which works from the logits stably.":
        lambda x, logits, mu, logvar: (_handwritten_bce(logits, x) + _kl(mu, logvar)).mean(),
    "F.binary_cross_entropy(torch.sigmoid(logits), x) is wrong at large logits: sigmoid(30) rounds to 1.0, and "
    "binary_cross_entropy clamps log(0) to -100, so that pixel costs 100 nats instead of 30. Use "
    "F.binary_cross_entropy_with_logits(logits, x, reduction='sum'), which takes the logits themselves.":
        lambda x, logits, mu, logvar: (F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none")
                                       .flatten(1).sum(1) + _kl(mu, logvar)).mean(),
    **logvar_mistakes(vae_loss),
    **swapped(vae_loss, "x", "logits"),
    **swapped(vae_loss, "mu", "logvar"),
}


def _elbo_inputs():
    """(x, logits, mu, logvar, extreme): batch 97 / 7 / 1 / 33 / 4 / 9 / 5, latent dims 2 / 3 / 5 / 1 / 8 / 3 / 2,
    images (1, 28, 28) and (1, 5, 3) and flat data (7, 12), logits at +-30 / +-50 with logvar in [-10, 10], one
    float64 case."""
    g = seeded(50)

    def batch(n, shape, d, dtype=torch.float32):
        x = torch.bernoulli(torch.full((n, *shape), 0.3, dtype=dtype), generator=g)
        logits = 2 * torch.randn(n, *shape, generator=g, dtype=dtype)
        return x, logits, torch.randn(n, d, generator=g, dtype=dtype), uniform((n, d), -2, 1, g, dtype)

    yield (*batch(97, (1, 28, 28), 2), False)
    yield (*batch(7, (12,), 3), False)                                     # flat data: (N, D)
    yield (*batch(1, (1, 28, 28), 5), False)
    yield (*batch(33, (1, 28, 28), 1), False)
    yield (*batch(4, (1, 5, 3), 8), False)
    x, logits, _, _ = batch(9, (1, 28, 28), 3)
    big = torch.rand(logits.shape, generator=g) < 0.3                      # 30% of the pixels: |l| = 30 or 50
    size = torch.where(torch.rand(logits.shape, generator=g) < 0.5, 30.0, 50.0)
    sign = torch.where(torch.rand(logits.shape, generator=g) < 0.5, 1.0, -1.0)
    logits = torch.where(big, sign * size, logits)
    yield x, logits, uniform((9, 3), -20, 20, g), uniform((9, 3), -10, 10, g), True
    yield (*batch(5, (1, 6, 6), 2, F64), False)


@exercise("The negative ELBO", reference=vae_loss, mistakes=ELBO_MISTAKES,
          signature="negative_elbo(x, logits, mu, logvar)")
def negative_elbo(student):
    for x, logits0, mu0, logvar0, extreme in _elbo_inputs():
        n, d = mu0.shape
        what = (f"the loss for a batch of {n} image{'s' if n > 1 else ''} of shape {tuple(x.shape[1:])} with {d} "
                f"latent dimension{'s' if d > 1 else ''}{' and logits of +-30 and +-50' if extreme else ''}"
                f"{_kind(x)}")
        logits, mu, logvar = (t.clone().requires_grad_() for t in (logits0, mu0, logvar0))
        got = student(x.clone(), logits, mu, logvar)
        expected = vae_loss(x, logits, mu, logvar)
        wrong = wrong_outputs(ELBO_MISTAKES, x, logits0, mu0, logvar0)
        context = Context(vae_loss, (x, logits0, mu0, logvar0), student, terms=_elbo_terms,
                          sizes={"batch size": n, "pixels": x[0].numel(), "latent dimensions": d})
        compare_or_explain(got, expected.detach(), what=what, wrong=wrong, mistakes=ELBO_MISTAKES, batch=n,
                           extra=STABLE_BCE if extreme else "", context=context)
        reference = dict(zip(("logits", "mu", "logvar"), torch.autograd.grad(expected, (logits, mu, logvar))))
        grads = expect_gradient(got, {"logits": logits, "mu": mu, "logvar": logvar}, what=f"your loss ({what})",
                                student=student, args=(x, logits, mu, logvar),
                                why="Training needs the gradient of the loss with respect to each of them.")
        for name, g_ref in reference.items():
            compare_or_explain(grads[name], g_ref, what=f"the gradient of your loss with respect to `{name}` ({what})",
                               wrong={}, mistakes={}, extra=STABLE_BCE if extreme and name == "logits" else "")


def _elbo_terms(x, logits, mu, logvar):
    return {"the reconstruction term (the BCE summed over the pixels)":
            (1.0, -bernoulli_log_likelihood(logits, x).mean()),
            "the KL": (1.0, gaussian_kl(mu, logvar).mean())}


# ---------------------------------------------------------------- the IWAE bound
UNDERFLOW = ("Your bound is -inf: you exponentiated the log-weights. With log w around -270 nats, exp(log w) "
             "underflows to 0 (and log 0 = -inf). Stay in the log domain: "
             "L_k = torch.logsumexp(log_w, dim=0) - log k.")
UNDERFLOW_64 = ("Your bound is -inf for the examples whose log-weights are around -1000: float64 helps only down "
                "to exp(-745); exp(-1000) is 0 even in float64. Stay in the log domain: "
                "L_k = torch.logsumexp(log_w, dim=0) - log k.")
GLOBAL_MAX = ("You shifted by ONE maximum over the whole (k, batch) tensor: examples whose log-weights lie hundreds "
              "of nats below the largest still underflow to exp(...) = 0, and their bound is -inf. Each example "
              "(column) needs its own maximum, log_w.max(dim=0, keepdim=True), or simply "
              "torch.logsumexp(log_w, dim=0).")
NOT_FINITE = ("These log-weights are around -1000 nats and hundreds of nats apart from one example to the next: "
              "exp of them underflows (even in float64), and a shift by one global maximum still underflows for "
              "the examples far below it. torch.logsumexp(log_w, dim=0) shifts each example by its own maximum.")


IWAE_MISTAKES = {
    UNDERFLOW:
        lambda lp, lq: torch.log(torch.exp(lp - lq).mean(0)),
    UNDERFLOW_64:
        lambda lp, lq: torch.log(torch.exp((lp - lq).double()).mean(0)).to(lp.dtype),
    GLOBAL_MAX:
        lambda lp, lq: ((lp - lq).max() + torch.log(torch.exp(lp - lq - (lp - lq).max()).sum(0))
                        - math.log(lp.shape[0])),
    "The -log k is missing: L_k = log (1/k sum_i w_i) = logsumexp_i(log w_i) - log k.":
        lambda lp, lq: torch.logsumexp(lp - lq, 0),
    "k is the number of samples, log_w.shape[0] (dim 0); you divided by the batch size log_w.shape[1].":
        lambda lp, lq: torch.logsumexp(lp - lq, 0) - math.log(lp.shape[1]),
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
    **reduction_mistakes(iwae_estimate, "the bound"),
    **swapped(iwae_estimate, "log_p_xz", "log_q_z"),
}


def _iwae_inputs():
    """(log_p, log_q, extreme): (k, batch) = (7, 97), (1000, 3), (50, 1), (1, 5) around -270 nats; (25, 9) and a
    float64 (6, 5) around -1000 nats with per-example offsets hundreds of nats apart."""
    g = seeded(60)
    for k, n in ((7, 97), (1000, 3), (50, 1), (1, 5)):
        log_p = -250 + 5 * torch.randn(k, n, generator=g)          # log p(x, z_i): images are improbable
        log_q = 20 + 3 * torch.randn(k, n, generator=g)            # log q(z_i|x): a peaked posterior
        yield log_p, log_q, False
    for offsets, k, dtype in (([-1000, -400, -700, -1300, -1000, -550, -1600, -850, -1150], 25, torch.float32),
                              ([-1000, -300, -2000, -760, -5000], 6, F64)):
        offsets = torch.tensor(offsets, dtype=dtype)
        log_p = offsets + 10 * torch.randn(k, len(offsets), generator=g, dtype=dtype)
        log_q = 20 + 3 * torch.randn(k, len(offsets), generator=g, dtype=dtype)
        yield log_p, log_q, True


@exercise("The IWAE bound", reference=iwae_estimate, mistakes=IWAE_MISTAKES,
          signature="importance_weighted_bound(log_p_xz, log_q_z)")
def iwae(student):
    for log_p, log_q, extreme in _iwae_inputs():
        k, n = log_p.shape
        what = (f"L_k for log-weights of shape {(k, n)} (k={k} sample{'s' if k > 1 else ''}, batch {n}"
                f"{', around -1000 nats' if extreme else ''}){_kind(log_p)}")
        lp, lq = log_p.clone().requires_grad_(), log_q.clone().requires_grad_()
        got = student(lp, lq)
        expected = iwae_estimate(log_p, log_q)
        not_finite = isinstance(got, torch.Tensor) and got.is_floating_point() and not torch.isfinite(got).all()
        context = Context(iwae_estimate, (log_p, log_q), student, sizes={"k": k, "batch size": n},
                          variants={DIVIDED_BY_K: lambda lp, lq: torch.logsumexp(lp - lq, 0) / len(lp)})
        compare_or_explain(got, expected, what=what, wrong=wrong_outputs(IWAE_MISTAKES, log_p, log_q),
                           mistakes=IWAE_MISTAKES, batch=n, rtol=1e-5, atol=1e-3,
                           extra=NOT_FINITE if not_finite else "", context=context)
        # the bound is a training objective (the IWAE): its gradient must reach both log-densities
        weights = torch.softmax(log_p.double() - log_q.double(), 0).to(log_p.dtype)
        w = torch.randn(n, generator=seeded(k + n), dtype=log_p.dtype)
        expect_gradient(got, {"log_p_xz": lp, "log_q_z": lq}, what=f"L_k ({what})", student=student, args=(lp, lq),
                        weight=w, expected={"log_p_xz": w * weights, "log_q_z": -w * weights}, rtol=1e-3, atol=1e-5,
                        why="The IWAE is trained by maximising this bound, through its gradient.")


DIVIDED_BY_K = ("you divided by k: in the log domain the 1/k of the average is a subtraction, "
                "L_k = logsumexp(log w) - log k")


__all__ = ["vae_reparameterize", "negative_elbo", "iwae"]
