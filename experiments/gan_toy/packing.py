"""PacGAN (Lin et al., 2018) for the toy study: D judges m samples at once, all real or all fake.

    gan = GAN(MLPGenerator(2, 2), PackedDiscriminator(MLPDiscriminator(in_dim=2 * m), pack=m), noise_dim=2)

The batch (n, d) is read as n/m packs (n/m, m d) and D returns one logit per pack: a generator that repeats
itself is easy to spot in a pack, which penalises mode collapse. Not part of the course.
"""
from __future__ import annotations

import torch
from torch import nn

from gencore.validate import as_int

__all__ = ["PackedDiscriminator"]


class PackedDiscriminator(nn.Module):
    """Wraps an unconditional discriminator of ``pack`` * d inputs into one of d inputs that judges packs."""

    def __init__(self, discriminator: nn.Module, pack: int):
        super().__init__()
        self.pack = as_int(pack, "pack", minimum=1)
        if getattr(discriminator, "n_classes", 0):
            raise ValueError("Packing is for unconditional discriminators; pass one built with n_classes=0.")
        self.discriminator = discriminator

    def forward(self, x: torch.Tensor, y=None) -> torch.Tensor:
        x = x.flatten(1)
        if len(x) % self.pack:
            raise ValueError(f"This discriminator judges packs of {self.pack} samples, so a batch must hold a "
                             f"multiple of {self.pack} samples, got {len(x)}.")
        return self.discriminator(x.reshape(len(x) // self.pack, self.pack * x.shape[1]))
