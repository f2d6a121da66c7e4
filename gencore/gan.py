"""Generative adversarial networks (Goodfellow et al., 2014): a generator G against a discriminator D.

    gan = toy_gan()                                          # MLPs for 2-D points
    gan = image_gan(in_shape=(1, 28, 28), n_classes=10)      # a DCGAN-style pair, conditional on the label
    history = train_gan(gan, data, steps=5000)               # alternating D and G steps
    x = gan.sample(64)                                       # G(z), z ~ N(0, I)

The game (the lecture's *GAN objective*): D outputs a logit l(x), D(x) = sigmoid(l(x)) the probability
that x is real, and

    min_G max_D V(D, G) = E_{x ~ p_data} log D(x) + E_{z ~ p(z)} log(1 - D(G(z)))

D ascends V (`discriminator_loss` = -V); G descends it (`generator_loss_minimax` = E log(1 - D(G(z)))),
or, in practice, ascends log D(G(z)) instead (`generator_loss_nonsaturating` = -E log D(G(z))), which has
the same fixed point and strong gradients when D confidently rejects the fakes. Everything is computed from
logits: log D = -softplus(-l), log(1 - D) = -softplus(l), finite for any logit.

For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)) (`optimal_discriminator`),
and then V(D*, G) = 2 JS(p_data || p_g) - log 4: the global optimum is p_g = p_data.

Stabilisers (options of the models and of `train_gan`): spectral normalisation of D's layers
(``spectral_norm=True``, torch's own parametrization) and the R1 penalty on real data
(``r1=gamma``: gamma/2 E ||grad_x l(x)||^2, Mescheder et al., 2018).

Conditional GANs can add an auxiliary classifier (AC-GAN, Odena et al., 2017): D also predicts the class of
an image from its features (``image_gan(..., auxiliary=True)``), learns it on real images, and G is rewarded
when D's classifier recognises its fakes as the class asked for (``train_gan(..., aux=weight)``, the
`auxiliary_classifier_loss`); with ``fake_class=True`` that classifier also learns G's fakes as a class of
their own. `what_where_gan` gives G the structure of an image of one object: the label chooses a learned glyph
(*what*), the noise its pose (*where*, `WhatWhereGenerator`); `convex_gan` draws a learned convex polygon
instead (`ConvexShapeGenerator`, binary pixels).
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .cache import checkpoint_path, load_or_train, progress_path
from .config import current
from .data import as_data
from .cvae import check_labels, requested_labels
from .data.fingerprint import fingerprint
from .train import History, StepTimer, TrainingDiverged, step_is_finite
from .validate import as_float, as_int

__all__ = ["discriminator_loss", "generator_loss_minimax", "generator_loss_nonsaturating", "value_function",
           "optimal_discriminator", "r1_penalty", "projection_logit", "auxiliary_classifier_loss", "MLPGenerator", "MLPDiscriminator", "DCGenerator",
           "WhatWhereGenerator", "ConvexShapeGenerator", "DCDiscriminator", "what_where_gan", "convex_gan", "GAN", "toy_gan", "image_gan", "train_gan", "train_gan_cached", "discriminator_step", "generator_step", "mode_metrics",
           "entropy_of_counts", "GENERATOR_LOSSES"]


# ------------------------------------------------------------------------------------------ the objective
def _logits(t, what: str) -> torch.Tensor:
    """``t`` if it is a non-empty floating-point tensor of D's logits, else one sentence saying what is wrong."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{what} must be a tensor of D's logits (real numbers, one per example), got "
                        f"{type(t).__name__}.")
    if not t.is_floating_point():
        raise TypeError(f"{what} must be a floating-point tensor of D's logits, got {t.dtype}; logits are real "
                        f"numbers, not labels or probabilities stored as integers.")
    if t.numel() == 0:
        raise ValueError(f"{what} is empty; pass D's logits for at least one example.")
    return t


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-V(D, G) = -E log D(x) - E log(1 - D(G(z))) = E softplus(-l_real) + E softplus(l_fake)."""
    real_logits, fake_logits = _logits(real_logits, "real_logits"), _logits(fake_logits, "fake_logits")
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def value_function(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """V(D, G) = E log D(x) + E log(1 - D(G(z))), from D's logits on real and on fake samples."""
    return -discriminator_loss(real_logits, fake_logits)


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The saturating loss G minimises in the minimax game: E log(1 - D(G(z))) = -E softplus(l_fake).
    Its gradient vanishes when D confidently rejects the fakes (l_fake << 0)."""
    return -F.softplus(_logits(fake_logits, "fake_logits")).mean()


def generator_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating loss: -E log D(G(z)) = E softplus(-l_fake). Same fixed point, strong gradients
    where the minimax loss saturates."""
    return F.softplus(-_logits(fake_logits, "fake_logits")).mean()


GENERATOR_LOSSES = {"non-saturating": generator_loss_nonsaturating, "minimax": generator_loss_minimax}


def auxiliary_classifier_loss(class_logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """AC-GAN's class term: -E log c_y(x), the cross-entropy of D's class prediction c(x) = softmax(class
    logits (N, K)) with the labels y (N,). D minimises it on real images, G on its fakes with the labels asked for."""
    class_logits = _logits(class_logits, "class_logits")
    if class_logits.dim() != 2:
        raise ValueError(f"class_logits must be (N, K), one row of class scores per example, got "
                         f"{tuple(class_logits.shape)}.")
    return F.cross_entropy(class_logits, check_labels(y, class_logits.shape[1], len(class_logits)).to(class_logits.device))


# Inside the training steps the labels were already checked by D's forward: the formulas without the checks.
def _class_loss(class_logits, y):
    return F.cross_entropy(class_logits, torch.as_tensor(y, device=class_logits.device).long())


def _projection(h, w, b, embeddings, y):
    return h @ w.reshape(-1) + b.reshape(()) + (embeddings[y] * h).sum(1)


def optimal_discriminator(p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) from the two densities at the same points (1/2 where both
    are 0)."""
    total = p_data + p_model
    return torch.where(total > 0, p_data / total.clamp_min(torch.finfo(total.dtype).tiny), torch.full_like(total, 0.5))


def r1_penalty(discriminator: nn.Module, x_real: torch.Tensor, y=None) -> torch.Tensor:
    """R1 = E ||grad_x l(x)||^2 over real samples (Mescheder et al., 2018), differentiable in D's weights."""
    x = x_real.detach().requires_grad_(True)
    logits = discriminator(x) if y is None else discriminator(x, y)
    (grad,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


# ------------------------------------------------------------------------------------------ networks
def _labels(y, n_classes: int, n: int, ref: torch.Tensor, who: str) -> torch.Tensor | None:
    """The checked labels (n,) on ``ref``'s device, or None for an unconditional network."""
    if n_classes == 0:
        if y is not None:
            raise ValueError(f"This {who} is unconditional (n_classes=0) but got labels; build it with "
                             f"n_classes=<number of classes> to condition on them, or pass y=None.")
        return None
    return check_labels(y, n_classes, n).to(ref.device)


def _one_hot(y, n_classes: int, n: int, ref: torch.Tensor, who: str) -> torch.Tensor | None:
    labels = _labels(y, n_classes, n, ref, who)
    return None if labels is None else F.one_hot(labels, n_classes).to(ref.dtype)


def projection_logit(h: torch.Tensor, w: torch.Tensor, b: torch.Tensor, embeddings: torch.Tensor,
                     y: torch.Tensor) -> torch.Tensor:
    """The projection discriminator's logit (Miyato & Koyama, 2018), from D's features h (N, F):

        l(x, y) = w^T h + b + e_y^T h,     e_y = embeddings[y], one row (F,) per class

    The first two terms judge "is x real?", the last "is x real *of class y*?". Returns (N,)."""
    if not (isinstance(h, torch.Tensor) and h.dim() == 2 and h.is_floating_point()):
        raise ValueError(f"h must be D's features, a floating-point tensor (N, F), got "
                         f"{tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__}.")
    n, f = h.shape
    if not (isinstance(embeddings, torch.Tensor) and embeddings.dim() == 2 and embeddings.shape[1] == f):
        raise ValueError(f"embeddings must hold one row of {f} numbers per class, (K, {f}), got "
                         f"{tuple(embeddings.shape) if isinstance(embeddings, torch.Tensor) else type(embeddings).__name__}.")
    if w.numel() != f or b.numel() != 1:
        raise ValueError(f"w must hold {f} numbers (one per feature) and b one, got {w.numel()} and {b.numel()}.")
    return _projection(h, w, b, embeddings, check_labels(y, len(embeddings), n).to(h.device))


def _sn(layer: nn.Module, on: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if on else layer


class MLPGenerator(nn.Module):
    """G(z[, y]) for points: an MLP from noise (and a one-hot label) to ``out_dim`` numbers."""

    def __init__(self, noise_dim: int = 2, out_dim: int = 2, hidden: Sequence[int] = (128, 128, 128),
                 n_classes: int = 0):
        super().__init__()
        self.noise_dim, self.out_dim = as_int(noise_dim, "noise_dim", minimum=1), as_int(out_dim, "out_dim", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        sizes = [self.noise_dim + self.n_classes, *[as_int(h, "hidden", minimum=1) for h in hidden]]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], self.out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y=None) -> torch.Tensor:
        c = _one_hot(y, self.n_classes, len(z), z, "generator")
        return self.net(z if c is None else torch.cat([z, c], 1))


class MLPDiscriminator(nn.Module):
    """l(x[, y]): an MLP from points (and a one-hot label) to one logit per example (LeakyReLU 0.2).

    ``pack`` = m > 1 (PacGAN, Lin et al., 2018): D judges m samples at once, all real or all fake: the batch
    (n, d) is read as n/m packs (n/m, m d) and D returns one logit per pack. A generator that repeats itself
    is easy to spot in a pack, which penalises mode collapse."""

    def __init__(self, in_dim: int = 2, hidden: Sequence[int] = (128, 128, 128), n_classes: int = 0,
                 spectral_norm: bool = False, pack: int = 1):
        super().__init__()
        self.in_dim, self.n_classes = as_int(in_dim, "in_dim", minimum=1), as_int(n_classes, "n_classes", minimum=0)
        self.pack = as_int(pack, "pack", minimum=1)
        if self.pack > 1 and self.n_classes:
            raise ValueError("Packing (pack > 1) is for unconditional discriminators; use pack=1 with labels.")
        sizes = [self.pack * self.in_dim + self.n_classes, *[as_int(h, "hidden", minimum=1) for h in hidden]]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [_sn(nn.Linear(a, b), spectral_norm), nn.LeakyReLU(0.2)]
        layers.append(_sn(nn.Linear(sizes[-1], 1), spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y=None) -> torch.Tensor:
        x = x.flatten(1)
        if self.pack > 1:
            if len(x) % self.pack:
                raise ValueError(f"This discriminator judges packs of {self.pack} samples, so a batch must hold a "
                                 f"multiple of {self.pack} samples, got {len(x)}.")
            x = x.reshape(len(x) // self.pack, self.pack * x.shape[1])
        c = _one_hot(y, self.n_classes, len(x), x, "discriminator")
        return self.net(x if c is None else torch.cat([x, c], 1)).squeeze(1)


class DCGenerator(nn.Module):
    """A DCGAN-style generator for (C, 28, 28) images, sized for a CPU:

        [z; onehot(y)] -> linear -> (ch[0], 7, 7) -> BN, ReLU -> convT 4x4 s2 -> (ch[1], 14, 14) -> BN, ReLU
        -> convT 4x4 s2 -> (C, 28, 28) -> sigmoid: pixel intensities in [0, 1]
    """

    def __init__(self, noise_dim: int = 64, out_shape=(1, 28, 28), channels: Sequence[int] = (128, 64),
                 n_classes: int = 0):
        super().__init__()
        self.noise_dim, self.n_classes = as_int(noise_dim, "noise_dim", minimum=1), as_int(n_classes, "n_classes", minimum=0)
        self.out_shape = tuple(int(s) for s in out_shape)
        C, H, W = self.out_shape
        if (H, W) != (28, 28):
            raise ValueError(f"DCGenerator draws 28x28 images, got out_shape {self.out_shape}.")
        c0, c1 = (as_int(c, "channels", minimum=1) for c in channels)
        self.c0 = c0
        self.project = nn.Sequential(nn.Linear(self.noise_dim + self.n_classes, c0 * 7 * 7, bias=False))
        self.net = nn.Sequential(
            nn.BatchNorm2d(c0), nn.ReLU(),
            nn.ConvTranspose2d(c0, c1, 4, 2, 1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.ConvTranspose2d(c1, C, 4, 2, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor, y=None) -> torch.Tensor:
        c = _one_hot(y, self.n_classes, len(z), z, "generator")
        h = self.project(z if c is None else torch.cat([z, c], 1)).view(len(z), self.c0, 7, 7)
        return self.net(h)


def _similarity(o: torch.Tensor) -> torch.Tensor:
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

    The label alone chooses the shape and the noise only its pose, so no noise draws a shape between two
    classes; the price is no variety of shape within a class. The glyphs are kept in [0, 1] by `constrain`
    (projected gradient descent: `train_gan` calls it after every step of G) and stored divided by ``gain``,
    so that Adam moves their pixels ``gain`` times faster than the pose network's weights (ProGAN's
    equalised learning rate). At the start every glyph is a soft disc and the rotations are narrow, so that a
    glyph can take a shape before it is spun (at random angles the gradients for its corners would cancel)."""

    def __init__(self, noise_dim: int = 64, out_shape=(1, 28, 28), n_classes: int = 3, hidden: Sequence[int] = (128, 128),
                 glyph_size: int = 32, gain: float = 50.0):
        super().__init__()
        self.noise_dim, self.n_classes = as_int(noise_dim, "noise_dim", minimum=1), as_int(n_classes, "n_classes", minimum=0)
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
        """A(z, y): the 2x3 affine maps (N, 2, 3) from output to glyph coordinates (`_similarity`)."""
        return _similarity(self.where(z, y))

    def forward(self, z: torch.Tensor, y) -> torch.Tensor:
        labels = _labels(y, self.n_classes, len(z), z, "generator")
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

    def __init__(self, noise_dim: int = 64, out_shape=(1, 28, 28), n_classes: int = 3, hidden: Sequence[int] = (128, 128),
                 planes: int = 8, gain: float = 10.0, edge: float = 0.5):
        super().__init__()
        self.noise_dim, self.n_classes = as_int(noise_dim, "noise_dim", minimum=1), as_int(n_classes, "n_classes", minimum=0)
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
        """A(z, y): the 2x3 affine maps (N, 2, 3) from output to polygon coordinates (`_similarity`)."""
        return _similarity(self.where(z, y))

    def polygons(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(normals (n_classes, M, 2), supports (n_classes, M)): class y's polygon is {q : normals[y] q <= supports[y]}."""
        angle = torch.arange(self.planes, device=self.angles.device) * (2 * math.pi / self.planes) \
            + self.gain * self.angles
        return torch.stack([angle.cos(), angle.sin()], -1), 0.5 * (self.gain * self.log_support).exp()

    def forward(self, z: torch.Tensor, y) -> torch.Tensor:
        labels = _labels(y, self.n_classes, len(z), z, "generator")
        A = self.pose(z, labels)
        q = F.affine_grid(A, (len(z), *self.out_shape), align_corners=False)      # (N, H, W, 2) pixel centres
        normals, supports = self.polygons()
        n, d = normals[labels], supports[labels]
        distance = (q @ n.transpose(1, 2).unsqueeze(1) - d[:, None, None]).amax(-1)   # > 0 outside, polygon units
        pixels = self.out_shape[2] / 2 / A[:, 0, :2].norm(dim=1)                 # output pixels per polygon unit
        soft = torch.sigmoid(-distance * pixels.view(-1, 1, 1) / self.edge)
        hard = (distance <= 0).to(soft.dtype)
        return (soft + (hard - soft).detach()).unsqueeze(1)


class DCDiscriminator(nn.Module):
    """A DCGAN-style discriminator for (C, 28, 28) images (no batch norm, LeakyReLU 0.2):

        x -> conv 4x4 s2 (ch[0]) -> conv 4x4 s2 (ch[1]) [-> conv 3x3 s1 (ch[2]) ...] -> features -> h
        logit = w^T h [+ embed(y)^T h]

    Channels after the first two add 3x3 stride-1 convolutions on the 7x7 map. The features become h by
    flattening (default: one weight per position), or with ``pool=True`` by summing over the positions,
    h = sum_{i,j} features[:, :, i, j]: a translation-invariant D that judges an object the same way wherever
    it lies, instead of learning each of the 49 positions separately. On sprites, where one small shape sits
    anywhere in the frame, the cGAN then draws the shape asked for more often, though less varied
    (`benchmarks/cgan_sprites_long.py`); give it a third width so that its receptive field covers a whole shape.

    Conditional on a label by projection (Miyato & Koyama, 2018): the class's embedding is dotted with the
    features, so D judges "is this a real image *of class y*?". ``auxiliary=True`` (conditional only) adds
    AC-GAN's classifier head, class logits = A h, returned by ``D(x, y, classes=True)`` with the logit.
    ``fake_class=True`` gives that classifier a (K+1)-th class, "fake" (Salimans et al., 2016): `train_gan`
    then teaches it G's fakes as that class, so that it has a reason to learn what tells a real image of class y
    from G's attempt at one, rather than accept any image with class y's cheapest cue (on sprites, the area)."""

    def __init__(self, in_shape=(1, 28, 28), channels: Sequence[int] = (64, 128), n_classes: int = 0,
                 spectral_norm: bool = False, auxiliary: bool = False, pool: bool = False, fake_class: bool = False):
        super().__init__()
        self.in_shape = tuple(int(s) for s in in_shape)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        C, H, W = self.in_shape
        if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__") or len(channels) < 2:
            raise ValueError(f"channels must list at least two widths (the two stride-2 convolutions, then any "
                             f"3x3 ones), e.g. (64, 128) or (64, 128, 256), got {channels!r}.")
        widths = [as_int(c, "channels", minimum=1) for c in channels]
        self.pool = bool(pool)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip([C, *widths], widths)):
            conv = nn.Conv2d(a, b, 4, 2, 1) if i < 2 else nn.Conv2d(a, b, 3, 1, 1)
            layers += [_sn(conv, spectral_norm), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers, _SumPositions() if self.pool else nn.Flatten())
        features = widths[-1] * (1 if self.pool else (H // 4) * (W // 4))
        self.out = _sn(nn.Linear(features, 1), spectral_norm)
        self.embed = _sn(nn.Embedding(self.n_classes, features), spectral_norm) if self.n_classes else None
        if auxiliary and not self.n_classes:
            raise ValueError("An auxiliary classifier (auxiliary=True) needs classes; build the discriminator "
                             "with n_classes=<number of classes>.")
        if fake_class and not auxiliary:
            raise ValueError("fake_class=True adds a class to the auxiliary classifier; build the discriminator "
                             "with auxiliary=True too.")
        self.fake_class = bool(fake_class)
        self.classifier = _sn(nn.Linear(features, self.n_classes + self.fake_class), spectral_norm) if auxiliary \
            else None

    def forward(self, x: torch.Tensor, y=None, classes: bool = False):
        h = self.net(x.reshape(-1, *self.in_shape))
        labels = _labels(y, self.n_classes, len(x), h, "discriminator")
        logit = self.out(h).squeeze(1) if labels is None else \
            _projection(h, self.out.weight, self.out.bias, self.embed.weight, labels)
        if not classes:
            return logit
        if self.classifier is None:
            raise ValueError("This discriminator has no auxiliary classifier; build it with auxiliary=True "
                             "(image_gan(..., auxiliary=True)) to get class logits.")
        return logit, self.classifier(h)


class _SumPositions(nn.Module):
    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h.sum((2, 3))


class GAN(nn.Module):
    """A generator and a discriminator, with the noise they share: z ~ N(0, I) of size ``noise_dim``.
    ``n_classes`` > 0: both are conditional on the label (G(z, y), D(x, y))."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, noise_dim: int, n_classes: int = 0):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.noise_dim, self.n_classes = as_int(noise_dim, "noise_dim", minimum=1), as_int(n_classes, "n_classes", minimum=0)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I): (n, noise_dim), drawn on the CPU from ``generator`` (reproducible), on the device."""
        return torch.randn(n, self.noise_dim, generator=generator).to(self.device)

    def labels_for(self, labels) -> torch.Tensor | None:
        """A count n -> the classes in turn (0, 1, ..., 0, 1, ...); otherwise checked labels (`requested_labels`)."""
        return requested_labels(labels, self.n_classes).to(self.device) if self.n_classes else None

    @torch.no_grad()
    def sample(self, n_or_labels, z: torch.Tensor | None = None, generator: torch.Generator | None = None
               ) -> torch.Tensor:
        """G(z) for n noise vectors (or, conditional: for the given labels, or n labels in turn), in eval
        mode, without gradients. ``z`` (n, noise_dim) fixes the noise."""
        y = self.labels_for(n_or_labels)
        n = len(y) if y is not None else as_int(n_or_labels, "n", minimum=0)
        z = self.noise(n, generator) if z is None else torch.as_tensor(z, dtype=torch.float32).to(self.device)
        if z.shape != (n, self.noise_dim):
            raise ValueError(f"z must have shape ({n}, {self.noise_dim}), got {tuple(z.shape)}.")
        was = self.generator.training
        self.generator.eval()
        try:
            return self.generator(z) if y is None else self.generator(z, y)
        finally:
            self.generator.train(was)

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor, y=None) -> torch.Tensor:
        """D(x) = sigmoid(l(x)): the probability D gives each example of being real, (n,)."""
        x = torch.as_tensor(x).to(self.device)
        return torch.sigmoid(self.discriminator(x) if y is None else self.discriminator(x, y))


def toy_gan(noise_dim: int = 2, data_dim: int = 2, hidden: Sequence[int] = (128, 128, 128), n_classes: int = 0,
            spectral_norm: bool = False, pack: int = 1, d_hidden: Sequence[int] | None = None) -> GAN:
    """A GAN of two MLPs for points in ``data_dim`` dimensions (D's widths ``d_hidden``, default ``hidden``;
    ``pack``: D judges packs of that many samples, see `MLPDiscriminator`)."""
    return GAN(MLPGenerator(noise_dim, data_dim, hidden, n_classes),
               MLPDiscriminator(data_dim, hidden if d_hidden is None else d_hidden, n_classes, spectral_norm, pack),
               noise_dim, n_classes)


def image_gan(in_shape=(1, 28, 28), noise_dim: int = 64, n_classes: int = 0, g_channels=(128, 64),
              d_channels=(64, 128), spectral_norm: bool = False, auxiliary: bool = False, pool: bool = False,
              fake_class: bool = False) -> GAN:
    """A DCGAN-style pair for (C, 28, 28) images in [0, 1] (``auxiliary``: D has AC-GAN's class head, with a
    "fake" class when ``fake_class``; ``pool``: D sums its features over positions, see `DCDiscriminator`)."""
    return GAN(DCGenerator(noise_dim, in_shape, g_channels, n_classes),
               DCDiscriminator(in_shape, d_channels, n_classes, spectral_norm, auxiliary, pool, fake_class),
               noise_dim, n_classes)


def what_where_gan(n_classes: int, in_shape=(1, 28, 28), noise_dim: int = 64, hidden=(128, 128), glyph_size: int = 32,
                   gain: float = 50.0, d_channels=(64, 128)) -> GAN:
    """A `WhatWhereGenerator` (a glyph per class, placed by a pose from the noise) against a projection
    `DCDiscriminator` whose auxiliary classifier has a "fake" class; train it with ``r1`` > 0 and ``aux`` > 0
    (`benchmarks/cgan_sprites_long.py --what-where`: no spectral norm, R1 gamma 1, aux 1; on sprites its samples
    showed the shape asked for 50-73% of the time, see the README's results)."""
    return GAN(WhatWhereGenerator(noise_dim, in_shape, n_classes, hidden, glyph_size, gain),
               DCDiscriminator(in_shape, d_channels, n_classes, auxiliary=True, fake_class=True), noise_dim, n_classes)


def convex_gan(n_classes: int, in_shape=(1, 28, 28), noise_dim: int = 64, hidden=(128, 128), planes: int = 8,
               gain: float = 10.0, edge: float = 0.5, d_channels=(64, 128)) -> GAN:
    """A `ConvexShapeGenerator` (a convex polygon per class, placed by a pose from the noise, binary pixels)
    against a projection `DCDiscriminator` whose auxiliary classifier has a "fake" class; train it with ``aux`` > 0,
    a small ``r1`` and D faster than G (`benchmarks/cgan_sprites_long.py --convex`: aux 1, r1 0.1, lr 2e-4 for G and
    ``lr_d`` 2e-3 for D, both decaying to 0; the README's results)."""
    return GAN(ConvexShapeGenerator(noise_dim, in_shape, n_classes, hidden, planes, gain, edge),
               DCDiscriminator(in_shape, d_channels, n_classes, auxiliary=True, fake_class=True), noise_dim, n_classes)


# ------------------------------------------------------------------------------------------ training
class _Stream:
    """Endless shuffled batches (x, y) of a dataset, every epoch reshuffled from one generator. Its position
    (the generator's state when the current epoch began, and the batches taken since) can be saved and
    restored, so a resumed run draws exactly the batches an uninterrupted one would."""

    def __init__(self, data, batch_size: int, generator: torch.Generator):
        self.data, self.batch_size, self.generator = data, batch_size, generator
        self.it, self.start, self.pos = iter(()), None, 0

    def _epoch(self):
        return iter(self.data.batches(self.batch_size, shuffle=True, drop_last=len(self.data) >= self.batch_size,
                                      generator=self.generator))

    def __next__(self):
        try:
            batch = next(self.it)
        except StopIteration:
            self.start, self.pos = self.generator.get_state(), 0
            self.it = self._epoch()
            batch = next(self.it)
        self.pos += 1
        return batch

    def state(self) -> dict:
        return {"start": self.start, "pos": self.pos}

    def restore(self, state: dict, generator_now: torch.Tensor) -> None:
        if state["start"] is not None:
            self.generator.set_state(state["start"])
            self.it, self.start, self.pos = self._epoch(), state["start"], 0
            for _ in range(state["pos"]):
                next(self.it)
            self.pos = state["pos"]
        self.generator.set_state(generator_now)


def _diverged(who: str, step: int, loss: torch.Tensor, loss_ok: bool, history: History) -> TrainingDiverged:
    what = f"its loss became {loss.item()}" if not loss_ok else "a gradient became NaN or infinite"
    return TrainingDiverged(
        f"The GAN's {who} diverged at step {step}: {what}. Training stopped; that step was not applied, so the "
        f"model keeps the weights from before it. Lower the learning rate, or stabilise D (spectral_norm=True, "
        f"r1=...).", history, cause="loss" if not loss_ok else "gradient", step=step)


def _args(y):
    return () if y is None else (y,)


def discriminator_step(gan: GAN, optimizer: torch.optim.Optimizer, x: torch.Tensor, y, rng: torch.Generator | None,
                       r1: float = 0.0, step: int = 0, history: History | None = None, aux: float = 0.0
                       ) -> dict[str, torch.Tensor]:
    """One step of D on a real batch x (labels y) and as many fakes G(z): minimise -V(D, G) (+ r1/2 R1)
    (+ aux * the auxiliary classifier's cross-entropy on the real images, and on the fakes as class K when D
    has a fake class). The fakes are made without
    gradients, so G's weights get no gradient and do not change. Returns the detached {"loss",
    "d_real" = E D(x), "d_fake" = E D(G(z))}."""
    G, D = gan.generator, gan.discriminator
    with torch.no_grad():                                        # fakes without a graph: detached from G
        fake = G(gan.noise(len(x), rng), *_args(y))
    if aux > 0:
        real_logits, real_classes = D(x, y, classes=True)
    else:
        real_logits = D(x, *_args(y))
    fake_class = aux > 0 and getattr(D, "fake_class", False)
    if fake_class:
        fake_logits, fake_classes = D(fake, y, classes=True)
    else:
        fake_logits = D(fake, *_args(y))
    loss = discriminator_loss(real_logits, fake_logits)
    if aux > 0:
        loss = loss + aux * _class_loss(real_classes, y)
        if fake_class:                                           # the fakes are the (K+1)-th class
            loss = loss + aux * _class_loss(fake_classes, torch.full_like(y, gan.n_classes))
    if r1 > 0:
        loss = loss + 0.5 * r1 * r1_penalty(D, x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    loss_ok, grads_ok, _ = step_is_finite(loss, list(D.parameters()))
    if not (loss_ok and grads_ok):
        raise _diverged("discriminator", step, loss, loss_ok, history if history is not None else History())
    optimizer.step()
    return {"loss": loss.detach(), "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean()}


def generator_step(gan: GAN, optimizer: torch.optim.Optimizer, n: int, y, rng: torch.Generator | None,
                   loss_fn=generator_loss_nonsaturating, step: int = 0, history: History | None = None,
                   aux: float = 0.0) -> torch.Tensor:
    """One step of G on n fresh fakes (labels y): minimise ``loss_fn`` of D's logits (+ aux * the auxiliary
    classifier's cross-entropy of the fakes with the labels asked for). D's weights are frozen for the step
    (no gradient, unchanged). A generator with a ``constrain()`` method has it called after the step (projected
    gradient descent). Returns the detached loss."""
    G, D = gan.generator, gan.discriminator
    D.requires_grad_(False)
    try:
        fake = G(gan.noise(n, rng), *_args(y))
        if aux > 0:
            fake_logits, fake_classes = D(fake, y, classes=True)
            loss = loss_fn(fake_logits) + aux * _class_loss(fake_classes, y)
        else:
            loss = loss_fn(D(fake, *_args(y)))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
    finally:
        D.requires_grad_(True)
    loss_ok, grads_ok, _ = step_is_finite(loss, list(G.parameters()))
    if not (loss_ok and grads_ok):
        raise _diverged("generator", step, loss, loss_ok, history if history is not None else History())
    optimizer.step()
    if hasattr(G, "constrain"):                                  # e.g. WhatWhereGenerator's glyphs stay in [0, 1]
        G.constrain()
    return loss.detach()


def train_gan(gan: GAN, data, *, steps: int, batch_size: int = 128, lr: float = 2e-4, lr_d: float | None = None,
              betas=(0.5, 0.999), d_steps: int = 1, loss: str = "non-saturating", r1: float = 0.0,
              snapshots: Sequence[int] = (), n_snapshot: int = 64, log_every: int | None = None,
              decay: bool = False, aux: float = 0.0, seed: int | None = None, progress: bool = True,
              desc: str | None = None, resume=None, checkpoint_every: int | None = None) -> tuple[History, dict]:
    """Alternate ``d_steps`` discriminator steps and one generator step, ``steps`` times (Adam for both).

    D-step: minimise `discriminator_loss` (+ r1/2 * `r1_penalty` when ``r1`` > 0) on a real batch and a fake
    batch G(z) made without gradients (the fakes are detached: D's step never changes G). G-step: minimise
    the ``loss`` ("non-saturating" or "minimax") of D's logits on fresh fakes, with D's weights frozen.
    Conditional GANs draw their fakes with the real batch's labels. ``decay=True``: both learning rates fall
    linearly to 0 over the run (the players settle instead of circling each other at the end). ``aux`` > 0
    (a conditional GAN whose D has an auxiliary classifier): AC-GAN, both players also minimise ``aux`` times
    the `auxiliary_classifier_loss`, D on the real images and their labels, G on its fakes and the labels
    they were drawn for.

    Returns (history, snapshots): the history holds, every ``log_every`` steps (default: steps // 100), the
    averages of "d_loss", "g_loss", "d_real" = E D(x), "d_fake" = E D(G(z)), the "step" and G's "lr"; the snapshots
    are {step: G(z_fixed)} for the steps in ``snapshots`` (0 = before training), always the same
    ``n_snapshot`` noise vectors (and labels in turn), so they are comparable. A NaN/inf loss or gradient
    stops training with `TrainingDiverged`; the step is not applied, so both networks keep their last good
    weights. All randomness comes from ``seed`` (default: drawn from torch's global RNG).

    ``resume``: a file for progress checkpoints, written atomically every ``checkpoint_every`` steps (default:
    a tenth of the run, rounded to a logging step): both networks, both optimisers, the schedules, the random
    state and the data stream's position. A run that finds the file continues from it and ends with the
    weights of an uninterrupted run.
    """
    steps, batch_size = as_int(steps, "steps", minimum=0), as_int(batch_size, "batch_size", minimum=1)
    d_steps, n_snapshot = as_int(d_steps, "d_steps", minimum=1), as_int(n_snapshot, "n_snapshot", minimum=1)
    lr = as_float(lr, "lr", minimum=0)
    lr_d = lr if lr_d is None else as_float(lr_d, "lr_d", minimum=0)
    r1, aux = as_float(r1, "r1", minimum=0), as_float(aux, "aux", minimum=0)
    if aux > 0 and getattr(gan.discriminator, "classifier", None) is None:
        raise ValueError(f"aux={aux} weighs an auxiliary classifier, but this GAN's discriminator has none; build "
                         f"it with image_gan(..., n_classes=K, auxiliary=True), or leave aux=0.")
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, GENERATOR_LOSSES))}, got {loss!r}.")
    g_loss_fn = GENERATOR_LOSSES[loss]
    log_every = max(1, steps // 100) if log_every is None else as_int(log_every, "log_every", minimum=1)
    snap_steps = sorted({as_int(s, "snapshot step", minimum=0) for s in snapshots})
    if snap_steps and snap_steps[-1] > steps:
        raise ValueError(f"Snapshot steps must lie in [0, steps={steps}], got {snap_steps[-1]}.")
    seed = int(torch.randint(0, 2 ** 62, ()).item()) if seed is None else as_int(seed, "seed")
    rng = torch.Generator().manual_seed(seed)
    data = as_data(data)
    if len(data) == 0:
        raise ValueError("The GAN's training data has no examples.")
    data.check_values("GAN training data")
    if gan.n_classes and data.labels is None:
        raise ValueError(f"This GAN is conditional ({gan.n_classes} classes) but the data has no labels.")
    device = data.x.device
    gan.to(device)
    G, D = gan.generator, gan.discriminator
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
    schedules = [torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 1 - i / steps) for opt in (opt_g, opt_d)] \
        if decay and steps else []
    stream = _Stream(data, batch_size, rng)
    every = max(1, steps // 10) if checkpoint_every is None else as_int(checkpoint_every, "checkpoint_every", minimum=1)
    every = max(log_every, (every // log_every) * log_every)          # at logging steps: no partial averages
    fixed_z = gan.noise(n_snapshot, torch.Generator().manual_seed(seed + 1))
    fixed_y = torch.arange(n_snapshot, device=device) % gan.n_classes if gan.n_classes else None
    shots: dict[int, torch.Tensor] = {}
    history = History()
    sums = torch.zeros(4, device=device)
    count = 0

    def snapshot(step):
        if step in snap_steps:
            with torch.no_grad():
                was = G.training
                G.eval()
                shots[step] = (G(fixed_z) if fixed_y is None else G(fixed_z, fixed_y)).cpu()
                G.train(was)

    first, elapsed = 0, 0.0
    if resume is not None:
        restored = _resume_gan(resume, gan, opt_g, opt_d, schedules, stream, rng, seed, steps, desc or "GAN")
        if restored is not None:
            first, elapsed, history, shots = restored
    bar = tqdm(range(first, steps), desc=desc or "GAN", unit="step", disable=not progress or steps == first)
    G.train()
    D.train()
    if first == 0:
        snapshot(0)
    started = time.perf_counter() - elapsed
    timer = StepTimer(steps - first)
    try:
        for step in bar:
            for _ in range(d_steps):
                x, y = next(stream)
                y = y.to(device) if gan.n_classes else None
                d = discriminator_step(gan, opt_d, x, y, rng, r1=r1, step=step + 1, history=history, aux=aux)
            g_loss = generator_step(gan, opt_g, len(x), y, rng, g_loss_fn, step=step + 1, history=history, aux=aux)
            timer.tick()
            for schedule in schedules:
                schedule.step()
            sums += torch.stack([d["loss"], g_loss, d["d_real"], d["d_fake"]])
            count += 1
            snapshot(step + 1)
            if (step + 1) % log_every == 0 or step + 1 == steps:
                d_l, g_l, d_r, d_f = (sums / count).tolist()
                history.log("train", {"step": step + 1, "d_loss": d_l, "g_loss": g_l, "d_real": d_r, "d_fake": d_f,
                                      "lr": opt_g.param_groups[0]["lr"], "seconds": time.perf_counter() - started})
                bar.set_postfix(d_loss=f"{d_l:.3f}", g_loss=f"{g_l:.3f}", D_real=f"{d_r:.2f}", D_fake=f"{d_f:.2f}")
                sums.zero_()
                count = 0
                if resume is not None and (step + 1) % every == 0 and step + 1 < steps:
                    _save_gan_progress(resume, gan, opt_g, opt_d, schedules, stream, rng, seed, steps, step + 1,
                                       time.perf_counter() - started, history, shots)
    finally:
        bar.close()
        G.eval()
        D.eval()
    return history, shots


def _save_gan_progress(path, gan, opt_g, opt_d, schedules, stream, rng, seed, steps, done, elapsed, history,
                       shots) -> None:
    from .cache import save_checkpoint
    save_checkpoint({"gan": gan.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                     "schedules": [s.state_dict() for s in schedules], "stream": stream.state(),
                     "rng": rng.get_state(), "seed": seed, "steps": steps, "done": done, "elapsed": elapsed,
                     "history": history.to_dict(), "shots": shots}, path)


def _resume_gan(path, gan, opt_g, opt_d, schedules, stream, rng, seed, steps, name):
    """(first step, seconds so far, history, snapshots) from a progress checkpoint, everything restored; None
    when there is none, or it is unusable (then training starts from the beginning). A checkpoint of the same
    seed with another number of steps is refused, so that it is never overwritten."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
        if state["seed"] != seed or not 0 < state["done"] < state["steps"]:
            raise ValueError("it belongs to another run (another seed)")
    except Exception as e:                      # a damaged or foreign file: start over, never use it
        print(f"The progress checkpoint {path} is unusable ({e}); training {name} from the start.")
        return None
    if state["steps"] != steps:                 # the same run with another length: never overwrite it
        raise ValueError(f"The progress checkpoint {path} holds {state['done']} of the {state['steps']} steps of "
                         f"this run, but steps={steps} was asked (the number of steps sets the schedule); ask for "
                         f"steps={state['steps']} to continue it, or pass another resume file (or delete this one) "
                         f"to train {name} from the start.")
    try:
        gan.load_state_dict(state["gan"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        for schedule, saved in zip(schedules, state["schedules"]):
            schedule.load_state_dict(saved)
        stream.restore(state["stream"], state["rng"])
    except Exception as e:
        print(f"The progress checkpoint {path} is unusable ({e}); training {name} from the start.")
        return None
    print(f"Resuming {name} after step {state['done']} of {steps} (from {path.name}).")
    return state["done"], state["elapsed"], History(state["history"]), state["shots"]


def train_gan_cached(build, data, *, name: str, hyper: dict, steps: int, snapshots: Sequence[int] = (),
                     n_snapshot: int = 64, seed: int | None = None, retrain: bool = False, verbose: bool = True,
                     progress: bool = True, **train_kw) -> tuple[GAN, History, dict]:
    """``build()`` a `GAN`, then load it from the model cache or `train_gan` it and cache it (snapshots
    included). The key is the whole configuration: name, ``hyper``, the data's fingerprint, steps, the
    snapshot steps and every training option, quick mode and the seed. Returns (gan in eval mode, history,
    snapshots)."""
    cfg = current()
    data = as_data(data)
    seed = cfg.seed if seed is None else as_int(seed, "seed")
    snap_steps = sorted({int(s) for s in snapshots})
    config = dict(name=name, kind="gan", **hyper, data=fingerprint(data), binarize=getattr(data, "binarize", None),
                  steps=steps, snapshots=snap_steps, n_snapshot=n_snapshot, quick=cfg.quick, seed=seed,
                  **{k: (list(v) if isinstance(v, tuple) else v) for k, v in train_kw.items()})
    torch.manual_seed(seed)
    gan = build().to(data.x.device)
    shape = (n_snapshot, *_sample_shape(gan))
    gan.register_buffer("snapshot_samples", torch.zeros(len(snap_steps), *shape))
    partial = progress_path(config)
    if retrain and partial.exists():
        partial.unlink()

    def train(model):
        history, shots = train_gan(model, data, steps=steps, snapshots=snap_steps, n_snapshot=n_snapshot,
                                   seed=seed, progress=progress, desc=name, resume=partial, **train_kw)
        if shots:
            model.snapshot_samples.copy_(torch.stack([shots[s] for s in snap_steps]))
        return history

    history = load_or_train(gan, train, config, retrain=retrain, verbose=verbose)
    if partial.exists() and checkpoint_path(config).exists():
        partial.unlink()                    # the finished model is cached: the progress file is not needed
    gan.eval()
    shots = {s: gan.snapshot_samples[i].cpu() for i, s in enumerate(snap_steps)}
    return gan, history, shots


def _sample_shape(gan: GAN) -> tuple[int, ...]:
    with torch.no_grad():
        was = gan.generator.training
        gan.generator.eval()
        z = gan.noise(1)
        out = gan.generator(z) if not gan.n_classes else gan.generator(z, torch.zeros(1, dtype=torch.long))
        gan.generator.train(was)
    return tuple(out.shape[1:])


# ------------------------------------------------------------------------------------------ toy metrics
def mode_metrics(samples: torch.Tensor, centers: torch.Tensor, std: float, min_count: int = 20) -> dict:
    """The toy benchmarks' protocol (Srivastava et al., 2017): a sample is *high quality* when it lies within
    3 std of its nearest mode's centre; a mode is *covered* when at least ``min_count`` high-quality samples
    fall in it. Returns {"modes": covered count, "high_quality": share of high-quality samples,
    "per_mode": high-quality count per mode (n_modes,)}."""
    samples = torch.as_tensor(samples, dtype=torch.float32).reshape(len(samples), -1)
    centers = torch.as_tensor(centers, dtype=torch.float32)
    std = as_float(std, "std", minimum=0)
    min_count = as_int(min_count, "min_count", minimum=1)
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples have {samples.shape[1]} dimensions but the centres {centers.shape[1]}.")
    if len(samples) == 0:
        raise ValueError("mode_metrics needs at least one sample.")
    dist = torch.cdist(samples, centers)
    nearest_dist, nearest = dist.min(1)
    good = torch.isfinite(nearest_dist) & (nearest_dist <= 3 * std)
    per_mode = torch.bincount(nearest[good], minlength=len(centers))
    return {"modes": int((per_mode >= min_count).sum()), "high_quality": good.float().mean().item(),
            "per_mode": per_mode}


def entropy_of_counts(counts: torch.Tensor) -> float:
    """The entropy (nats) of the histogram ``counts``: log(#bins) when uniform, 0 when all in one bin."""
    p = torch.as_tensor(counts, dtype=torch.float64)
    p = p / p.sum()
    return float(-(p[p > 0] * p[p > 0].log()).sum())

