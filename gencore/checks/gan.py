"""Checks for notebook 06 (the GAN): the discriminator's loss and the non-saturating generator loss, both from
D's logits.

Inputs vary the batch (1, an odd 97, real and fake batches of different sizes), the logits' shape ((n,) as
`gencore.gan` returns them, and (n, 1) as an nn.Linear(., 1) does) and the dtype (one float64 case); the
extremes are logits of +-100 (a confident D, which training produces), where only the stable form
(F.softplus, F.logsigmoid, binary_cross_entropy_with_logits) stays finite and exact.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..gan import discriminator_loss as _d_loss
from ..gan import generator_loss_nonsaturating as _g_loss
from .common import dtype_note as _kind
from .core import Context, compare_or_explain, exercise, expect_gradient, seeded, wrong_outputs

F64 = torch.float64


def _log_d_unstable(l):
    return torch.log(torch.sigmoid(l))


def _log_1m_d_unstable(l):
    return torch.log(1 - torch.sigmoid(l))


STABLE = ("These inputs include logits of +-100 (a confident discriminator, which training produces). Written "
          "out, log(sigmoid(l)) and log(1 - sigmoid(l)) break there: sigmoid(100) is exactly 1.0, so "
          "log(1 - sigmoid(100)) = log(0) = -inf. From the logits, log D = -softplus(-l) and log(1 - D) = "
          "-softplus(l) (or F.binary_cross_entropy_with_logits) are exact for any l.")
SIGMOID_TWICE = ("You applied a sigmoid and then a loss that applies its own: binary_cross_entropy_with_logits "
                 "(and softplus / logsigmoid) take the raw logits l, D(x) = sigmoid(l) is computed inside.")
CLAMPED = ("F.binary_cross_entropy(torch.sigmoid(l), target) is wrong for confident logits: sigmoid(100) rounds to "
           "1.0 and binary_cross_entropy clamps log(0) to -100, so the loss is capped instead of exact. Work from "
           "the logits: F.binary_cross_entropy_with_logits or softplus.")

def _wrong_gradients(mistakes: dict, *inputs) -> list[dict[str, torch.Tensor]]:
    """For each input, {hint: the gradient a catalogued mistake gives it}: some mistakes (a clamped log) give the
    right value but the wrong gradient."""
    out: list[dict[str, torch.Tensor]] = [{} for _ in inputs]
    for hint, fn in mistakes.items():
        xs = [x.detach().clone().requires_grad_() for x in inputs]
        try:
            grads = torch.autograd.grad(fn(*xs), xs, allow_unused=True)
        except Exception:
            continue
        for slot, g in zip(out, grads):
            if g is not None:
                slot[hint] = g
    return out


# ---------------------------------------------------------------- the discriminator's loss
D_MISTAKES = {
    "Labels swapped: D must call real samples real (label 1) and fakes fake (label 0); your loss rewards the "
    "opposite. -V = -E log D(x) - E log(1 - D(G(z))) = E softplus(-l_real) + E softplus(l_fake).":
        lambda r, f: F.softplus(r).mean() + F.softplus(-f).mean(),
    "Sign: D maximises V = E log D(x) + E log(1 - D(G(z))), so the loss to minimise is -V (positive); you "
    "returned V.":
        lambda r, f: -(F.softplus(-r).mean() + F.softplus(f).mean()),
    SIGMOID_TWICE:
        lambda r, f: (F.binary_cross_entropy_with_logits(torch.sigmoid(r), torch.ones_like(r))
                      + F.binary_cross_entropy_with_logits(torch.sigmoid(f), torch.zeros_like(f))),
    "Your loss is inf/NaN at large logits: log(sigmoid(l)) and log(1 - sigmoid(l)) written out give log(0) once "
    "sigmoid(l) rounds to 0 or 1. Use F.softplus (log(1 - D) = -softplus(l), log D = -softplus(-l)) or "
    "F.binary_cross_entropy_with_logits.":
        lambda r, f: -_log_d_unstable(r).mean() - _log_1m_d_unstable(f).mean(),
    CLAMPED:
        lambda r, f: (F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r))
                      + F.binary_cross_entropy(torch.sigmoid(f), torch.zeros_like(f))),
    "The fake term is missing: -V has two expectations, E softplus(-l_real) over the real batch AND "
    "E softplus(l_fake) over the fakes.":
        lambda r, f: F.softplus(-r).mean(),
    "The real term is missing: -V has two expectations, E softplus(-l_real) over the real batch AND "
    "E softplus(l_fake) over the fakes.":
        lambda r, f: F.softplus(f).mean(),
    "Reduction: each expectation is a MEAN over its own batch; you summed.":
        lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(),
    "You averaged the two terms ((a + b) / 2): -V is their sum, E softplus(-l_real) + E softplus(l_fake).":
        lambda r, f: (F.softplus(-r).mean() + F.softplus(f).mean()) / 2,
    "Each expectation is a mean over its OWN batch: you averaged over the real and fake logits pooled together, "
    "which weighs the two terms by their batch sizes.":
        lambda r, f: torch.cat([F.softplus(-r).flatten(), F.softplus(f).flatten()]).mean(),
    "Both terms use the real logits: the second expectation is over the fakes, E softplus(l_fake).":
        lambda r, f: F.softplus(-r).mean() + F.softplus(r).mean(),
}


def _d_inputs():
    """(real, fake, extreme): 97 vs 64 logits; 1 vs 1; (13, 1) vs (20, 1); +-100 logits; float64."""
    g = seeded(60)
    yield 2 * torch.randn(97, generator=g), 2 * torch.randn(64, generator=g), False
    yield torch.randn(1, generator=g), torch.randn(1, generator=g), False
    yield 3 * torch.randn(13, 1, generator=g), 3 * torch.randn(20, 1, generator=g), False
    signs = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0])
    yield (torch.cat([100 * signs, torch.randn(3, generator=g)]),
           torch.cat([-100 * signs[:5], torch.randn(3, generator=g)]), True)
    yield 2 * torch.randn(9, generator=g, dtype=F64), 2 * torch.randn(11, generator=g, dtype=F64), False


@exercise("The discriminator's loss", reference=_d_loss, mistakes=D_MISTAKES,
          signature="discriminator_loss(real_logits, fake_logits)")
def gan_discriminator_loss(student):
    for real0, fake0, extreme in _d_inputs():
        what = (f"the loss for {len(real0)} real and {len(fake0)} fake logits of shape "
                f"{tuple(real0.shape[1:]) or '(n,)'}{' of +-100' if extreme else ''}{_kind(real0)}")
        real, fake = real0.clone().requires_grad_(), fake0.clone().requires_grad_()
        got = student(real, fake)
        expected = _d_loss(real0, fake0)
        wrong = wrong_outputs(D_MISTAKES, real0, fake0)
        context = Context(_d_loss, (real0, fake0), student, variants=D_LABELS, terms=lambda r, f: {
            "E softplus(-l_real) (the real term)": (1.0, F.softplus(-r).mean()),
            "E softplus(l_fake) (the fake term)": (1.0, F.softplus(f).mean())})
        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=D_MISTAKES, context=context,
                           extra=STABLE if extreme else "")
        w_real, w_fake = _wrong_gradients(D_MISTAKES, real0, fake0)
        # d/dl softplus(-l) = -sigmoid(-l), d/dl softplus(l) = sigmoid(l), each over its own batch size
        expect_gradient(got, {"real_logits": real, "fake_logits": fake}, what="the loss", student=student,
                        args=(real, fake), wrong={"real_logits": w_real, "fake_logits": w_fake},
                        expected={"real_logits": -torch.sigmoid(-real0) / real0.numel(),
                                  "fake_logits": torch.sigmoid(fake0) / fake0.numel()},
                        why="D learns by backpropagating this loss.")


D_LABELS = {
    "the real samples get label 0 (fake): the real term is -E log D(x) = E softplus(-l_real), for label 1":
        lambda r, f: _d_loss(-r, f),
    "the fakes get label 1 (real): the fake term is -E log(1 - D(G(z))) = E softplus(l_fake), for label 0":
        lambda r, f: _d_loss(r, -f),
}


# ---------------------------------------------------------------- the non-saturating generator loss
MINIMAX = ("That is the minimax (saturating) generator loss E log(1 - D(G(z))) = -E softplus(l). It has the "
           "same fixed point but no gradient when D confidently rejects the fakes (l << 0), which is exactly "
           "the start of training. The non-saturating loss is -E log D(G(z)) = E softplus(-l).")
G_MISTAKES = {
    MINIMAX:
        lambda f: -F.softplus(f).mean(),
    "Labels: G wants D to call its fakes REAL (label 1): -E log D(G(z)) = E softplus(-l). You gave them label 0, "
    "which is D's goal, not G's.":
        lambda f: F.softplus(f).mean(),
    "Sign: the loss G minimises is -E log D(G(z)) (positive); you returned E log D(G(z)).":
        lambda f: -F.softplus(-f).mean(),
    SIGMOID_TWICE:
        lambda f: F.binary_cross_entropy_with_logits(torch.sigmoid(f), torch.ones_like(f)),
    "Your loss is inf/NaN at large logits: log(sigmoid(l)) written out gives log(0) once sigmoid(l) rounds to 0. "
    "Use -E log D = E softplus(-l) (or -F.logsigmoid(l).mean(), binary_cross_entropy_with_logits).":
        lambda f: -_log_d_unstable(f).mean(),
    CLAMPED:
        lambda f: F.binary_cross_entropy(torch.sigmoid(f), torch.ones_like(f)),
    "Reduction: the expectation is a MEAN over the batch of fakes; you summed.":
        lambda f: F.softplus(-f).sum(),
    "You wrote -E D(G(z)) (the probabilities themselves) instead of -E log D(G(z)).":
        lambda f: -torch.sigmoid(f).mean(),
    "You wrote -log E D(G(z)) (the log of the mean) instead of -E log D(G(z)) (the mean of the logs).":
        lambda f: -torch.log(torch.sigmoid(f).mean()),
}


def _g_inputs():
    """(fake, extreme): 97 logits; 1; (13, 1); +-100 (D confidently rejecting most fakes); float64."""
    g = seeded(61)
    yield 2 * torch.randn(97, generator=g), False
    yield torch.randn(1, generator=g), False
    yield 3 * torch.randn(13, 1, generator=g), False
    yield torch.tensor([-100.0, -100.0, -100.0, 100.0, -3.0, 0.5]), True
    yield 2 * torch.randn(9, generator=g, dtype=F64), False


@exercise("The non-saturating generator loss", reference=_g_loss, mistakes=G_MISTAKES,
          signature="generator_loss(fake_logits)")
def gan_generator_loss(student):
    for fake0, extreme in _g_inputs():
        what = (f"the loss for {len(fake0)} fake logits of shape {tuple(fake0.shape[1:]) or '(n,)'}"
                f"{' of +-100' if extreme else ''}{_kind(fake0)}")
        fake = fake0.clone().requires_grad_()
        got = student(fake)
        expected = _g_loss(fake0)
        wrong = wrong_outputs(G_MISTAKES, fake0)
        compare_or_explain(got, expected, what=what, wrong=wrong, mistakes=G_MISTAKES,
                           context=Context(_g_loss, (fake0,), student), extra=STABLE if extreme else "")
        # d/dl softplus(-l) = -sigmoid(-l): about -1/n for a rejected fake (l << 0), not 0
        expect_gradient(got, {"fake_logits": fake}, what="the loss", student=student, args=(fake,),
                        expected={"fake_logits": -torch.sigmoid(-fake0) / fake0.numel()},
                        wrong={"fake_logits": _wrong_gradients(G_MISTAKES, fake0)[0]},
                        why="G learns by backpropagating this loss through D.")
