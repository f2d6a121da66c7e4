"""The sprites conditional-GAN study's models (see README.md here): generators that draw one object per class
at a pose taken from the noise, and a discriminator with the options the study tried.

    gan = convex_gan(n_classes=3)                    # the generator that met the 98% target
    train_gan(gan, data, steps=4800, lr=2e-4, lr_d=2e-3, betas=(0.0, 0.999), r1=0.1, auxiliary=1.0, decay=True,
              discriminator_update=fake_class_discriminator_step)

* `WhatWhereGenerator`: a learned glyph per class (*what*), resampled at a similarity pose from the noise
  (*where*); `ConvexShapeGenerator`: a learned convex polygon per class instead, drawn as binary pixels.
* `StudyDiscriminator`: `gencore.gan.DCDiscriminator` with two options, ``pool`` (features summed over
  positions: translation invariant) and ``fake_class`` (the auxiliary classifier learns G's fakes as a class of
  their own, Salimans et al., 2016), whose D step is `fake_class_discriminator_step`.

Not part of the course: the notebooks use `gencore.gan`'s plain conditional DCGAN.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from gencore.gan import (
    GAN,
    DCDiscriminator,
    MLPGenerator,
    auxiliary_classifier_loss,
    discriminator_loss,
    r1_penalty,
)
from gencore.history import History, TrainingDiverged, step_is_finite
from gencore.labels import check_labels
from gencore.validate import as_float, as_int

__all__ = ["similarity", "WhatWhereGenerator", "ConvexShapeGenerator", "StudyDiscriminator",
           "fake_class_discriminator_step", "what_where_gan", "convex_gan"]


def similarity(o: torch.Tensor) -> torch.Tensor:
    """The similarity maps A = [s R(angle) | t] (N, 2, 3) from output to glyph coordinates, both in [-1, 1]^2,
    from the pose network's 4 outputs o: log s = log 1.5 + 3 o_0, angle = pi o_1, t = 0.6 tanh(10 o_2, 10 o_3)."""
    s = (math.log(1.5) + 3 * o[:, 0]).exp()
    angle = math.pi * o[:, 1]
    t = 0.6 * torch.tanh(10 * o[:, 2:])
    a, b = s * angle.cos(), s * angle.sin()
    return torch.stack([torch.stack([a, -b, t[:, 0]], 1), torch.stack([b, a, t[:, 1]], 1)], 1)


class WhatWhereGenerator(nn.Module):
    """G(z, y) for images of one object per class, drawn somewhere: *what* is a learned glyph per class, T_y
    (a (C, S, S) image in [0, 1]), and *where* a similarity transform A(z, y) (scale, rotation, shift) that an
    MLP computes from the noise and the label; the glyph is resampled through it (a spatial transformer,
    Jaderberg et al., 2015; DRAW's attentive writing with a rotation):

        G(z, y)[p] = T_y(A(z, y) p)      for every pixel p of the output, bilinearly, 0 outside T_y

    The label alone chooses the shape and the noise only its pose, so no noise draws a shape between two classes;
    the price is no variety of shape within a class. The glyphs are kept in [0, 1] by `constrain` (projected
    gradient descent: `gencore.train.train_gan` calls it after every step of G) and stored divided by ``gain``,
    so that Adam moves their pixels ``gain`` times faster than the pose network's weights (ProGAN's equalised
    learning rate). At the start every glyph is a soft disc and the rotations are narrow, so that a glyph can
    take a shape before it is spun (at random angles the gradients for its corners would cancel)."""

    def __init__(self, noise_dim: int = 64, out_shape=(1, 28, 28), n_classes: int = 3,
                 hidden: Sequence[int] = (128, 128), glyph_size: int = 32, gain: float = 50.0):
        super().__init__()
        self.noise_dim = as_int(noise_dim, "noise_dim", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        if not self.n_classes:
            raise ValueError("WhatWhereGenerator draws one glyph per class, so it needs labels: build it with "
                             "n_classes >= 1 (1 for an unconditional GAN whose samples all show one shape).")
        self.out_shape = tuple(as_int(s, "out_shape", minimum=1) for s in out_shape)
        if len(self.out_shape) != 3:
            raise ValueError(f"out_shape must be (channels, height, width), got {out_shape!r}.")
        size = as_int(glyph_size, "glyph_size", minimum=2)
        self.gain = as_float(gain, "gain", minimum=0)
        if self.gain <= 0:
            raise ValueError(f"gain must be positive, got {gain!r}.")
        r = torch.linspace(-1, 1, size)
        disc = torch.sigmoid(6 * (0.35 - (r.view(-1, 1) ** 2 + r.view(1, -1) ** 2).sqrt()))
        noise = 0.02 * torch.randn(self.n_classes, self.out_shape[0], size, size)
        self.glyphs = nn.Parameter((disc + noise).clamp(0, 1) / self.gain)
        self.where = MLPGenerator(self.noise_dim, 4, hidden, self.n_classes)     # [z; onehot(y)] -> o (4 numbers)

    def glyph_images(self) -> torch.Tensor:
        """The glyphs T_y as images in [0, 1], (n_classes, C, S, S)."""
        return self.gain * self.glyphs

    def pose(self, z: torch.Tensor, y) -> torch.Tensor:
        """A(z, y): the 2x3 affine maps (N, 2, 3) from output to glyph coordinates (`similarity`)."""
        return similarity(self.where(z, y))

    def forward(self, z: torch.Tensor, y) -> torch.Tensor:
        labels = check_labels(y, self.n_classes, len(z)).to(z.device)
        grid = F.affine_grid(self.pose(z, labels), (len(z), *self.out_shape), align_corners=False)
        return F.grid_sample(self.glyph_images()[labels], grid, align_corners=False)

    @torch.no_grad()
    def constrain(self) -> None:
        """Project the glyphs back into [0, 1] (after an optimiser step)."""
        self.glyphs.clamp_(0, 1 / self.gain)


class ConvexShapeGenerator(nn.Module):
    """G(z, y) for binary images of one convex object per class, drawn somewhere: *what* is a convex polygon per
    class, the intersection of M half-planes n_m . q <= d_m (normals at angles 2 pi m / M + delta_ym, supports
    d_ym = 0.5 exp(l_ym), learned), and *where* the similarity pose A(z, y) of `WhatWhereGenerator`:

        G(z, y)[p] = 1[ max_m (n_ym . A(z, y) p - d_ym) <= 0 ]      for the centre p of every output pixel

    a pixel is on when its centre lies inside the polygon, as a binary image is drawn. The indicator has no
    gradient, so G's backward pass uses sigmoid(-signed distance / ``edge`` pixels) in its place (the
    straight-through estimator): D sees binary images like the data, and G learns from a soft edge. A polygon
    has no spikes or holes to draw, where a free glyph (`WhatWhereGenerator`) or a free contour does: on sprites
    those became ragged blobs and stars that D accepted. The parameters are stored divided by ``gain`` (their
    learning rate is ``gain`` times the pose network's). At the start every class is a regular M-gon."""

    def __init__(self, noise_dim: int = 64, out_shape=(1, 28, 28), n_classes: int = 3,
                 hidden: Sequence[int] = (128, 128), planes: int = 8, gain: float = 10.0, edge: float = 0.5):
        super().__init__()
        self.noise_dim = as_int(noise_dim, "noise_dim", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        if not self.n_classes:
            raise ValueError("ConvexShapeGenerator draws one polygon per class, so it needs labels: build it with "
                             "n_classes >= 1.")
        self.out_shape = tuple(as_int(s, "out_shape", minimum=1) for s in out_shape)
        if len(self.out_shape) != 3 or self.out_shape[0] != 1:
            raise ValueError(f"out_shape must be (1, height, width): one channel of binary pixels, got {out_shape!r}.")
        self.planes = as_int(planes, "planes", minimum=3)
        self.gain, self.edge = as_float(gain, "gain", minimum=0), as_float(edge, "edge", minimum=0)
        if self.gain <= 0 or self.edge <= 0:
            raise ValueError(f"gain and edge must be positive, got gain={gain!r}, edge={edge!r}.")
        self.angles = nn.Parameter(0.01 * torch.randn(self.n_classes, self.planes) / self.gain)      # delta
        self.log_support = nn.Parameter(0.01 * torch.randn(self.n_classes, self.planes) / self.gain)  # l
        self.where = MLPGenerator(self.noise_dim, 4, hidden, self.n_classes)

    def pose(self, z: torch.Tensor, y) -> torch.Tensor:
        """A(z, y): the 2x3 affine maps (N, 2, 3) from output to polygon coordinates (`similarity`)."""
        return similarity(self.where(z, y))

    def polygons(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(normals (n_classes, M, 2), supports (n_classes, M)): class y's polygon is
        {q : normals[y] q <= supports[y]}."""
        angle = torch.arange(self.planes, device=self.angles.device) * (2 * math.pi / self.planes) \
            + self.gain * self.angles
        return torch.stack([angle.cos(), angle.sin()], -1), 0.5 * (self.gain * self.log_support).exp()

    def forward(self, z: torch.Tensor, y) -> torch.Tensor:
        labels = check_labels(y, self.n_classes, len(z)).to(z.device)
        A = self.pose(z, labels)
        q = F.affine_grid(A, (len(z), *self.out_shape), align_corners=False)      # (N, H, W, 2) pixel centres
        normals, supports = self.polygons()
        n, d = normals[labels], supports[labels]
        distance = (q @ n.transpose(1, 2).unsqueeze(1) - d[:, None, None]).amax(-1)   # > 0 outside, polygon units
        pixels = self.out_shape[2] / 2 / A[:, 0, :2].norm(dim=1)                 # output pixels per polygon unit
        soft = torch.sigmoid(-distance * pixels.view(-1, 1, 1) / self.edge)
        hard = (distance <= 0).to(soft.dtype)
        return (soft + (hard - soft).detach()).unsqueeze(1)




class SumPositions(nn.Module):
    """h = sum_{i,j} features[:, :, i, j]: a translation-invariant summary of a feature map."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h.sum((2, 3))


class StudyDiscriminator(DCDiscriminator):
    """`gencore.gan.DCDiscriminator` with the study's two options.

    ``pool=True``: the features become h by summing over positions instead of flattening, a D that judges an
    object the same way wherever it lies (give it a third width so that its receptive field covers a shape).
    ``fake_class=True`` (with ``auxiliary=True``): the auxiliary classifier has a (K+1)-th class, "fake", that
    `fake_class_discriminator_step` teaches it on G's fakes, so that it has a reason to learn what tells a real
    image of class y from G's attempt at one, rather than accept any image with class y's cheapest cue."""

    def __init__(self, in_shape=(1, 28, 28), channels: Sequence[int] = (64, 128), n_classes: int = 0,
                 spectral_norm: bool = False, auxiliary: bool = False, pool: bool = False, fake_class: bool = False):
        super().__init__(in_shape, channels, n_classes, spectral_norm, auxiliary)
        if fake_class and not auxiliary:
            raise ValueError("fake_class=True adds a class to the auxiliary classifier; build the discriminator "
                             "with auxiliary=True too.")
        self.pool, self.fake_class = bool(pool), bool(fake_class)
        sn = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda layer: layer)
        features = self.out.in_features
        if self.pool:
            self.net[-1] = SumPositions()
            features = [m for m in self.net if isinstance(m, nn.Conv2d)][-1].out_channels
            self.out = sn(nn.Linear(features, 1))
            self.embed = sn(nn.Embedding(self.n_classes, features)) if self.n_classes else None
        if auxiliary and (self.pool or self.fake_class):
            self.classifier = sn(nn.Linear(features, self.n_classes + self.fake_class))


def fake_class_discriminator_step(gan: GAN, optimizer: torch.optim.Optimizer, x: torch.Tensor, y, rng,
                                  r1: float = 0.0, step: int = 0, history: History | None = None,
                                  auxiliary: float = 0.0) -> dict[str, torch.Tensor]:
    """`gencore.gan.discriminator_step` plus, when D has a fake class, ``auxiliary`` times the classifier's
    cross-entropy on the fakes with the target K ("fake"): pass it to `train_gan` as ``discriminator_update``."""
    G, D = gan.generator, gan.discriminator
    with torch.no_grad():
        fake = G(gan.noise(len(x), rng), y)
    real_logits, real_classes = D(x, y, classes=True)
    fake_logits, fake_classes = D(fake, y, classes=True)
    loss = discriminator_loss(real_logits, fake_logits)
    if auxiliary > 0:
        loss = loss + auxiliary * auxiliary_classifier_loss(real_classes, y)
        if getattr(D, "fake_class", False):
            loss = loss + auxiliary * F.cross_entropy(fake_classes, torch.full_like(y, gan.n_classes))
    if r1 > 0:
        loss = loss + 0.5 * r1 * r1_penalty(D, x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    loss_ok, grads_ok, _ = step_is_finite(loss, list(D.parameters()))
    if not (loss_ok and grads_ok):
        raise TrainingDiverged(f"The discriminator diverged at step {step}.", history or History(), step=step)
    optimizer.step()
    return {"loss": loss.detach(), "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean()}


def what_where_gan(n_classes: int, in_shape=(1, 28, 28), noise_dim: int = 64, hidden=(128, 128), glyph_size: int = 32,
                   gain: float = 50.0, d_channels=(64, 128)) -> GAN:
    """A `WhatWhereGenerator` (a glyph per class, placed by a pose from the noise) against a projection
    `StudyDiscriminator` whose auxiliary classifier has a "fake" class; train it with ``r1`` > 0 and ``aux`` > 0
    (`cgan_sprites_long.py --what-where`: no spectral norm, R1 gamma 1, aux 1; on sprites its samples
    showed the shape asked for 50-73% of the time, see README.md)."""
    return GAN(WhatWhereGenerator(noise_dim, in_shape, n_classes, hidden, glyph_size, gain),
               StudyDiscriminator(in_shape, d_channels, n_classes, auxiliary=True, fake_class=True), noise_dim,
               n_classes)


def convex_gan(n_classes: int, in_shape=(1, 28, 28), noise_dim: int = 64, hidden=(128, 128), planes: int = 8,
               gain: float = 10.0, edge: float = 0.5, d_channels=(64, 128)) -> GAN:
    """A `ConvexShapeGenerator` (a convex polygon per class, placed by a pose from the noise, binary pixels)
    against a projection `StudyDiscriminator` whose auxiliary classifier has a "fake" class; train it with ``aux`` > 0,
    a small ``r1`` and D faster than G (`cgan_sprites_long.py --convex`: aux 1, r1 0.1, lr 2e-4 for G and
    ``lr_d`` 2e-3 for D, both decaying to 0; README.md)."""
    return GAN(ConvexShapeGenerator(noise_dim, in_shape, n_classes, hidden, planes, gain, edge),
               StudyDiscriminator(in_shape, d_channels, n_classes, auxiliary=True, fake_class=True), noise_dim,
               n_classes)
