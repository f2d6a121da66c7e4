"""Notebook 06's checks: the discriminator's loss and the non-saturating generator loss accept correct
alternatives (BCE with logits, logsigmoid, float64) and reject catalogued mistakes with their hints."""
import torch
import torch.nn.functional as F
from check_helpers import fails, passes

from gencore import checks
from gencore.checks import gan as C


# ---------------------------------------------------------------- the discriminator's loss
def test_discriminator_loss_accepts_bce_with_logits_and_logsigmoid(capsys):
    def bce(r, f):
        return (F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
                + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))

    def logsigmoid(r, f):
        return -F.logsigmoid(r).mean() - F.logsigmoid(-f).mean()

    def in_float64(r, f):
        return (F.softplus(-r.double()).mean() + F.softplus(f.double()).mean()).to(r.dtype)

    for student in (bce, logsigmoid, in_float64):
        passes(checks.gan_discriminator_loss, student, capsys)


def test_discriminator_loss_rejects_catalogued_mistakes():
    fails(checks.gan_discriminator_loss, lambda r, f: F.softplus(r).mean() + F.softplus(-f).mean(), "Labels swapped")
    fails(checks.gan_discriminator_loss, lambda r, f: -(F.softplus(-r).mean() + F.softplus(f).mean()), "Sign")
    fails(checks.gan_discriminator_loss,
          lambda r, f: (F.binary_cross_entropy_with_logits(torch.sigmoid(r), torch.ones_like(r))
                        + F.binary_cross_entropy_with_logits(torch.sigmoid(f), torch.zeros_like(f))),
          "sigmoid and then")
    fails(checks.gan_discriminator_loss,
          lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(), "inf/NaN")
    fails(checks.gan_discriminator_loss,
          lambda r, f: (F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r))
                        + F.binary_cross_entropy(torch.sigmoid(f), torch.zeros_like(f))), "clamps log")
    fails(checks.gan_discriminator_loss, lambda r, f: F.softplus(-r).mean(), "fake term is missing")
    fails(checks.gan_discriminator_loss, lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(), "you summed")
    fails(checks.gan_discriminator_loss,
          lambda r, f: torch.cat([F.softplus(-r).flatten(), F.softplus(f).flatten()]).mean(), "pooled")


def test_discriminator_loss_that_breaks_the_gradient_is_named():
    fails(checks.gan_discriminator_loss, lambda r, f: (F.softplus(-r).mean() + F.softplus(f).mean()).detach(),
          "No gradient reaches `real_logits` and `fake_logits`", r"\.detach\(\)")


# ---------------------------------------------------------------- the generator loss
def test_generator_loss_accepts_alternatives(capsys):
    for student in (lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f)),
                    lambda f: -F.logsigmoid(f).mean(),
                    lambda f: F.softplus(-f.double()).mean().to(f.dtype)):
        passes(checks.gan_generator_loss, student, capsys)


def test_generator_loss_rejects_catalogued_mistakes():
    fails(checks.gan_generator_loss, lambda f: -F.softplus(f).mean(), "minimax")
    fails(checks.gan_generator_loss, lambda f: torch.log(1 - torch.sigmoid(f)).mean(), "minimax|inf/NaN")
    fails(checks.gan_generator_loss, lambda f: F.softplus(f).mean(), "Labels")
    fails(checks.gan_generator_loss, lambda f: -F.softplus(-f).mean(), "Sign")
    fails(checks.gan_generator_loss, lambda f: F.binary_cross_entropy_with_logits(torch.sigmoid(f), torch.ones_like(f)),
          "sigmoid and then")
    fails(checks.gan_generator_loss, lambda f: -torch.log(torch.sigmoid(f)).mean(), "inf/NaN")
    fails(checks.gan_generator_loss, lambda f: F.binary_cross_entropy(torch.sigmoid(f), torch.ones_like(f)),
          "clamps log")
    fails(checks.gan_generator_loss, lambda f: F.softplus(-f).sum(), "you summed")
    fails(checks.gan_generator_loss, lambda f: -torch.log(torch.sigmoid(f).mean()), "log of the mean")


def test_every_gan_check_has_six_or_more_mistakes():
    assert len(C.D_MISTAKES) >= 6 and len(C.G_MISTAKES) >= 6
