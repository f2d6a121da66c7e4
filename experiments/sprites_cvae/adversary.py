"""The sprites cVAE study's class adversary (see README.md here): a `ConditionalVAE` whose encoder is trained
to leave the class out of its code.

Nothing in the ELBO forces the code to forget the class: a label is worth only log K nats of KL, so a trained
encoder often keeps it in z, and a prior sample then carries a class of its own that fights the label. The study's
``AdversarialCVAE(..., adversary=w)`` makes forgetting part of training, as in Fader networks (Lample et al., 2017):
a small classifier a(mu), the adversary, learns to read the class off the code, while the encoder is trained to
leave it clueless, its prediction uniform over the K classes (the "confusion" loss of Tzeng et al., 2015):


    loss = rec + beta * kl + w * [ CE(a(sg[mu]), y)  +  CE(sg[a](mu), uniform) ],

sg[.] stopping the gradient: the first term trains only the adversary, the second only the encoder. (Maximising
the adversary's cross-entropy instead, by a gradient reversal, does not remove the class: the encoder can
satisfy it by relabelling the classes in the code, which a fresh probe still reads.) One optimiser and the
shared `fit` loop train both players; the history reports the adversary's accuracy ("adv_acc", near 1 / K once
the code no longer says the class). The ELBO and every bound are unchanged.

Not part of the course: notebook 04 uses `gencore.cvae.ConditionalVAE` without an adversary.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gencore.cvae import ConditionalVAE
from gencore.validate import as_float

__all__ = ["AdversarialCVAE", "confusion_loss"]


def confusion_loss(logits: torch.Tensor) -> torch.Tensor:
    """CE(softmax(logits), uniform) = -(1/K) sum_k log softmax(logits)_k, averaged over the batch: log K at its
    minimum, when every prediction is uniform over the K classes. ``logits``: float (N, K), N >= 1."""
    if not isinstance(logits, torch.Tensor) or not logits.is_floating_point():
        got = logits.dtype if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise TypeError(f"confusion_loss needs a floating-point tensor of class logits (N, K), got {got}.")
    if logits.dim() != 2 or logits.numel() == 0:
        raise ValueError(f"confusion_loss needs class logits of shape (N, K) with N, K >= 1 (one row per "
                         f"example), got shape {tuple(logits.shape)}.")
    return _confusion(logits)


def _confusion(logits: torch.Tensor) -> torch.Tensor:
    return -F.log_softmax(logits, dim=1).mean()


class AdversarialCVAE(ConditionalVAE):
    """A `ConditionalVAE` with a class adversary of weight ``adversary`` = w > 0 (the module's docstring): a
    two-layer classifier ``class_adversary`` on the code means that the encoder learns to defeat. The same
    arguments as `ConditionalVAE` plus ``adversary``."""

    def __init__(self, *args, adversary: float = 1.0, **kw):
        super().__init__(*args, **kw)
        self.adversary = as_float(adversary, "adversary", minimum=0)
        if self.adversary <= 0:
            raise ValueError(f"adversary must be positive (the adversary's weight), got {adversary!r}; use "
                             f"gencore.cvae.ConditionalVAE for a cVAE without one.")
        self.class_adversary = nn.Sequential(nn.Linear(self.latent_dim, 256), nn.ReLU(),
                                             nn.Linear(256, self.n_classes))

    def loss(self, x: torch.Tensor, y=None) -> dict[str, torch.Tensor]:
        """The cVAE's loss + w * [CE(a(sg[mu]), y) + CE(sg[a](mu), uniform)]: the adversary learns to read y off
        the code, the encoder to leave it uniform."""
        out = super().loss(x, y)
        if self.class_adversary is None:                                            # switched off
            return out
        mu, _ = self.encode(x, y)
        labels = self.labels(y, len(x))
        logits = self.class_adversary(mu.detach())                                 # trains the adversary only
        frozen = {k: v.detach() for k, v in self.class_adversary.named_parameters()}
        confused = torch.func.functional_call(self.class_adversary, frozen, (mu,))  # trains the encoder only
        out["loss"] = out["loss"] + self.adversary * (F.cross_entropy(logits, labels) + _confusion(confused))
        out["adv_acc"] = (logits.detach().argmax(1) == labels).float().mean()
        return out
