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
when D's classifier recognises its fakes as the class asked for (``train_gan(..., auxiliary=weight)``, the
`auxiliary_classifier_loss`).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import channels_first, eval_mode, widths
from .history import History, TrainingDiverged, step_is_finite
from .labels import check_labels, requested_labels
from .validate import (
    as_float,
    as_function,
    as_generator,
    as_int,
    as_logits,
    as_optimizer,
    as_tensor,
    flags,
    model_input,
    nonempty,
    sample_count,
)

__all__ = ["discriminator_loss", "generator_loss_minimax", "generator_loss_nonsaturating", "value_function",
           "optimal_discriminator", "r1_penalty", "projection_logit", "auxiliary_classifier_loss", "MLPGenerator",
           "MLPDiscriminator", "DCGenerator", "DCDiscriminator", "GAN", "toy_gan", "image_gan", "discriminator_step",
           "generator_step", "GENERATOR_LOSSES"]


# ------------------------------------------------------------------------------------------ the objective
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-V(D, G) = -E log D(x) - E log(1 - D(G(z))) = E softplus(-l_real) + E softplus(l_fake)."""
    real_logits, fake_logits = as_logits(real_logits, "real_logits"), as_logits(fake_logits, "fake_logits")
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def value_function(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """V(D, G) = E log D(x) + E log(1 - D(G(z))), from D's logits on real and on fake samples."""
    return -discriminator_loss(real_logits, fake_logits)


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The saturating loss G minimises in the minimax game: E log(1 - D(G(z))) = -E softplus(l_fake).
    Its gradient vanishes when D confidently rejects the fakes (l_fake << 0)."""
    return -F.softplus(as_logits(fake_logits, "fake_logits")).mean()


def generator_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating loss: -E log D(G(z)) = E softplus(-l_fake). Same fixed point, strong gradients
    where the minimax loss saturates."""
    return F.softplus(-as_logits(fake_logits, "fake_logits")).mean()


GENERATOR_LOSSES = {"non-saturating": generator_loss_nonsaturating, "minimax": generator_loss_minimax}


def auxiliary_classifier_loss(class_logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """AC-GAN's class term: -E log c_y(x), the cross-entropy of D's class prediction c(x) = softmax(class
    logits (N, K)) with the labels y (N,). D minimises it on real images, G on its fakes with the labels asked for."""
    class_logits = as_logits(class_logits, "class_logits")
    if class_logits.dim() != 2:
        raise ValueError(f"class_logits must be (N, K), one row of class scores per example, got "
                         f"{tuple(class_logits.shape)}.")
    labels = check_labels(y, class_logits.shape[1], len(class_logits)).to(class_logits.device)
    return F.cross_entropy(class_logits, labels)


# Inside the training steps the labels were already checked by D's forward: the formulas without the checks.
def _class_loss(class_logits, y):
    return F.cross_entropy(class_logits, torch.as_tensor(y, device=class_logits.device).long())


def _projection(h, w, b, embeddings, y):
    return h @ w.reshape(-1) + b.reshape(()) + (embeddings[y] * h).sum(1)


def optimal_discriminator(p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) from the two densities at the same points (1/2 where both
    are 0)."""
    p_data, p_model = as_tensor(p_data, "p_data", "densities"), as_tensor(p_model, "p_model", "densities")
    for name, p in (("p_data", p_data), ("p_model", p_model)):
        if p.numel() and not (p.is_floating_point() and bool((p >= 0).all())):
            raise ValueError(f"{name} must hold densities, non-negative numbers, got values down to {p.min().item()}; "
                             f"pass the densities themselves (log_prob(x).exp()), not log-densities.")
    if p_data.shape != p_model.shape and p_data.dim() and p_model.dim():      # a single number may broadcast
        raise ValueError(f"p_data {tuple(p_data.shape)} and p_model {tuple(p_model.shape)} must have the same shape, "
                         f"the two densities at the same points; evaluate both on the same x (a column (N, 1) "
                         f"becomes (N,) with .squeeze(1)).")
    total = p_data + p_model
    return torch.where(total > 0, p_data / total.clamp_min(torch.finfo(total.dtype).tiny), torch.full_like(total, 0.5))


def r1_penalty(discriminator: nn.Module, x_real: torch.Tensor, y=None) -> torch.Tensor:
    """R1 = E ||grad_x l(x)||^2 over real samples (Mescheder et al., 2018), differentiable in D's weights."""
    x = as_tensor(x_real, "x_real", "real examples").detach().requires_grad_(True)
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
        got = tuple(embeddings.shape) if isinstance(embeddings, torch.Tensor) else type(embeddings).__name__
        raise ValueError(f"embeddings must hold one row of {f} numbers per class, (K, {f}), got {got}.")
    if w.numel() != f or b.numel() != 1:
        raise ValueError(f"w must hold {f} numbers (one per feature) and b one, got {w.numel()} and {b.numel()}.")
    return _projection(h, w, b, embeddings, check_labels(y, len(embeddings), n).to(h.device))


def _sn(layer: nn.Module, on: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if on else layer


def _image_shape(shape, name: str, any_size: bool = False) -> tuple[int, int, int]:
    """(C, 28, 28): the images the DCGAN pair draws (D judges any (C, H, W) with ``any_size``)."""
    try:
        shape = tuple(as_int(s, name, minimum=1) for s in shape)
    except TypeError:
        shape = ()
    if len(shape) == 4:
        raise ValueError(f"{name} is the shape of one image (channels, 28, 28), got a batch's shape {shape}; pass "
                         f"x.shape[1:] (or a dataset's .shape).")
    if len(channels_first(shape, name)) != 3 or not any_size and shape[1:] != (28, 28):
        fix = (f"for grey images pass {name}=(1, 28, 28)" if shape == (28, 28) else
               "resize the images to 28x28, or use other networks in GAN(G, D, noise_dim)")
        raise ValueError(f"{name} must be (channels, 28, 28): the DCGAN pair draws and judges 28x28 images, got "
                         f"{shape or None}; {fix}.")
    return shape


class MLPGenerator(nn.Module):
    """G(z[, y]) for points: an MLP from noise (and a one-hot label) to ``out_dim`` numbers."""

    def __init__(self, noise_dim: int = 2, out_dim: int = 2, hidden: Sequence[int] = (128, 128, 128),
                 n_classes: int = 0):
        super().__init__()
        self.noise_dim, self.out_dim = as_int(noise_dim, "noise_dim", minimum=1), as_int(out_dim, "out_dim", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        sizes = [self.noise_dim + self.n_classes, *widths(hidden, "hidden")]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], self.out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y=None) -> torch.Tensor:
        z = model_input(self, z, "z", (self.noise_dim,), None)
        c = _one_hot(y, self.n_classes, len(z), z, "generator")
        return self.net(z if c is None else torch.cat([z, c], 1))


class MLPDiscriminator(nn.Module):
    """l(x[, y]): an MLP from points (and a one-hot label) to one logit per example (LeakyReLU 0.2)."""

    @flags("spectral_norm")
    def __init__(self, in_dim: int = 2, hidden: Sequence[int] = (128, 128, 128), n_classes: int = 0,
                 spectral_norm: bool = False):
        super().__init__()
        self.in_dim, self.n_classes = as_int(in_dim, "in_dim", minimum=1), as_int(n_classes, "n_classes", minimum=0)
        sizes = [self.in_dim + self.n_classes, *widths(hidden, "hidden")]
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [_sn(nn.Linear(a, b), spectral_norm), nn.LeakyReLU(0.2)]
        layers.append(_sn(nn.Linear(sizes[-1], 1), spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y=None) -> torch.Tensor:
        if isinstance(x, torch.Tensor) and x.dim() > 2 and math.prod(x.shape[1:]) == self.in_dim:
            x = x.flatten(1)                                       # e.g. images of in_dim pixels
        x = model_input(self, x, "x", (self.in_dim,), None)
        c = _one_hot(y, self.n_classes, len(x), x, "discriminator")
        return self.net(x if c is None else torch.cat([x, c], 1)).squeeze(1)


class DCGenerator(nn.Module):
    """A DCGAN-style generator for (C, 28, 28) images, sized for a CPU:

        [z; onehot(y)] -> linear -> (ch[0], 7, 7) -> BN, ReLU -> convT 4x4 s2 -> (ch[1], 14, 14) -> BN, ReLU
        -> convT 4x4 s2 -> (C, 28, 28) -> sigmoid: pixel intensities in [0, 1]
    """

    target_range = (0.0, 1.0)       # a sigmoid's outputs: the data it learns must be images in [0, 1]

    def __init__(self, noise_dim: int = 64, out_shape=(1, 28, 28), channels: Sequence[int] = (128, 64),
                 n_classes: int = 0):
        super().__init__()
        self.noise_dim = as_int(noise_dim, "noise_dim", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        self.out_shape = _image_shape(out_shape, "out_shape")
        C, H, W = self.out_shape
        sizes = widths(channels, "channels")
        if len(sizes) != 2:
            raise ValueError(f"channels must be two widths (before and after the first transposed convolution), "
                             f"e.g. (128, 64), got {channels!r}.")
        c0, c1 = sizes
        self.c0 = c0
        self.project = nn.Sequential(nn.Linear(self.noise_dim + self.n_classes, c0 * 7 * 7, bias=False))
        self.net = nn.Sequential(nn.BatchNorm2d(c0), nn.ReLU(),
            nn.ConvTranspose2d(c0, c1, 4, 2, 1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.ConvTranspose2d(c1, C, 4, 2, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor, y=None) -> torch.Tensor:
        z = model_input(self, z, "z", (self.noise_dim,), None)
        c = _one_hot(y, self.n_classes, len(z), z, "generator")
        h = self.project(z if c is None else torch.cat([z, c], 1)).view(len(z), self.c0, 7, 7)
        return self.net(h)


class DCDiscriminator(nn.Module):
    """A DCGAN-style discriminator for (C, 28, 28) images (no batch norm, LeakyReLU 0.2):

        x -> conv 4x4 s2 (ch[0]) -> conv 4x4 s2 (ch[1]) [-> conv 3x3 s1 (ch[2]) ...] -> flatten -> h
        logit = w^T h [+ embed(y)^T h]

    Channels after the first two add 3x3 stride-1 convolutions on the 7x7 map.

    Conditional on a label by projection (Miyato & Koyama, 2018): the class's embedding is dotted with the
    features, so D judges "is this a real image *of class y*?". ``auxiliary=True`` (conditional only) adds
    AC-GAN's classifier head, class logits = A h, returned by ``D(x, y, classes=True)`` with the logit."""

    @flags("spectral_norm", "auxiliary")
    def __init__(self, in_shape=(1, 28, 28), channels: Sequence[int] = (64, 128), n_classes: int = 0,
                 spectral_norm: bool = False, auxiliary: bool = False):
        super().__init__()
        self.in_shape = _image_shape(in_shape, "in_shape", any_size=True)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        C, H, W = self.in_shape
        if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__") or len(channels) < 2:
            raise ValueError(f"channels must list at least two widths (the two stride-2 convolutions, then any "
                             f"3x3 ones), e.g. (64, 128) or (64, 128, 256), got {channels!r}.")
        sizes = widths(channels, "channels")
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip([C, *sizes], sizes)):
            conv = nn.Conv2d(a, b, 4, 2, 1) if i < 2 else nn.Conv2d(a, b, 3, 1, 1)
            layers += [_sn(conv, spectral_norm), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers, nn.Flatten())
        features = sizes[-1] * (H // 4) * (W // 4)
        self.out = _sn(nn.Linear(features, 1), spectral_norm)
        self.embed = _sn(nn.Embedding(self.n_classes, features), spectral_norm) if self.n_classes else None
        if auxiliary and not self.n_classes:
            raise ValueError("An auxiliary classifier (auxiliary=True) needs classes; build the discriminator "
                             "with n_classes=<number of classes>.")
        self.classifier = _sn(nn.Linear(features, self.n_classes), spectral_norm) if auxiliary else None

    @flags("classes")
    def forward(self, x: torch.Tensor, y=None, classes: bool = False):
        x = model_input(self, x, "x", self.in_shape, (0.0, 1.0))      # images in [0, 1], as G draws them
        h = self.net(x)
        labels = _labels(y, self.n_classes, len(x), h, "discriminator")
        logit = self.out(h).squeeze(1) if labels is None else \
            _projection(h, self.out.weight, self.out.bias, self.embed.weight, labels)
        if not classes:
            return logit
        if self.classifier is None:
            raise ValueError("This discriminator has no auxiliary classifier; build it with auxiliary=True "
                             "(image_gan(..., auxiliary=True)) to get class logits.")
        return logit, self.classifier(h)


class GAN(nn.Module):
    """A generator and a discriminator, with the noise they share: z ~ N(0, I) of size ``noise_dim``.
    ``n_classes`` > 0: both are conditional on the label (G(z, y), D(x, y))."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, noise_dim: int, n_classes: int = 0):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.noise_dim = as_int(noise_dim, "noise_dim", minimum=1)
        self.n_classes = as_int(n_classes, "n_classes", minimum=0)
        takes = getattr(generator, "noise_dim", self.noise_dim)
        if takes != self.noise_dim:
            raise ValueError(f"noise_dim={noise_dim} but this generator takes noise of {takes} numbers; pass "
                             f"noise_dim={takes}, or build the generator with noise_dim={noise_dim}.")

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def data_shape(self) -> tuple[int, ...] | None:
        """The shape of one example, what G draws and D judges (the data must have it); None if neither says."""
        for net, attr in ((self.generator, "out_shape"), (self.generator, "out_dim"),
                          (self.discriminator, "in_shape"), (self.discriminator, "in_dim")):
            value = getattr(net, attr, None)
            if value is not None:
                return (int(value),) if isinstance(value, int) else tuple(value)
        return None

    @property
    def target_range(self) -> tuple[float, float] | None:
        """The values the data must take, G's output range ((0, 1) for the DCGAN's sigmoid), or None."""
        return getattr(self.generator, "target_range", None)

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I): (n, noise_dim), drawn on the CPU from ``generator`` (reproducible), on the device."""
        return torch.randn(n, self.noise_dim, generator=as_generator(generator)).to(self.device)

    def labels_for(self, labels) -> torch.Tensor | None:
        """A count n -> the classes in turn (0, 1, ..., 0, 1, ...); otherwise checked labels (`requested_labels`)."""
        return requested_labels(labels, self.n_classes).to(self.device) if self.n_classes else None

    @torch.no_grad()
    def sample(self, n_or_labels, z: torch.Tensor | None = None, generator: torch.Generator | None = None
               ) -> torch.Tensor:
        """G(z) for n noise vectors (or, conditional: for the given labels, or n labels in turn), in eval
        mode, without gradients. ``z`` (n, noise_dim) fixes the noise."""
        y = self.labels_for(n_or_labels)
        n = len(y) if y is not None else sample_count(n_or_labels, "GAN", "build it with n_classes=K to condition "
                                                      "it on labels")
        z = self.noise(n, generator) if z is None else torch.as_tensor(z, dtype=torch.float32).to(self.device)
        if z.shape != (n, self.noise_dim):
            raise ValueError(f"z must have shape ({n}, {self.noise_dim}), got {tuple(z.shape)}.")
        with eval_mode(self.generator):
            return self.generator(z) if y is None else self.generator(z, y)

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor, y=None) -> torch.Tensor:
        """D(x) = sigmoid(l(x)): the probability D gives each example of being real, (n,)."""
        return torch.sigmoid(self.discriminator(x) if y is None else self.discriminator(x, y))


@flags("spectral_norm")
def toy_gan(noise_dim: int = 2, data_dim: int = 2, hidden: Sequence[int] = (128, 128, 128), n_classes: int = 0,
            spectral_norm: bool = False, d_hidden: Sequence[int] | None = None) -> GAN:
    """A GAN of two MLPs for points in ``data_dim`` dimensions (D's widths ``d_hidden``, default ``hidden``)."""
    data_dim = as_int(data_dim, "data_dim", minimum=1)
    return GAN(MLPGenerator(noise_dim, data_dim, hidden, n_classes),
               MLPDiscriminator(data_dim, hidden if d_hidden is None else d_hidden, n_classes, spectral_norm),
               noise_dim, n_classes)


@flags("spectral_norm", "auxiliary")
def image_gan(in_shape=(1, 28, 28), noise_dim: int = 64, n_classes: int = 0, g_channels=(128, 64),
              d_channels=(64, 128), spectral_norm: bool = False, auxiliary: bool = False) -> GAN:
    """A DCGAN-style pair for (C, 28, 28) images in [0, 1] (``auxiliary``: D has AC-GAN's class head)."""
    in_shape = _image_shape(in_shape, "in_shape")
    if len(widths(g_channels, "g_channels")) != 2:
        raise ValueError(f"g_channels must be two widths (G's feature maps at 7x7 and 14x14), e.g. (128, 64), got "
                         f"{g_channels!r}.")
    if len(widths(d_channels, "d_channels")) < 2:
        raise ValueError(f"d_channels must be at least two widths (D's stride-2 convolutions), e.g. (64, 128), got "
                         f"{d_channels!r}.")
    return GAN(DCGenerator(noise_dim, in_shape, g_channels, n_classes),
               DCDiscriminator(in_shape, d_channels, n_classes, spectral_norm, auxiliary), noise_dim, n_classes)


# ------------------------------------------------------------------------------ the two steps of training (Algorithm 1)
def _diverged(who: str, step: int, loss: torch.Tensor, loss_ok: bool, history: History) -> TrainingDiverged:
    what = f"its loss became {loss.item()}" if not loss_ok else "a gradient became NaN or infinite"
    summary = f"The GAN's {who} diverged at step {step}: {what}."
    return TrainingDiverged(
        f"{summary} That step was not applied, so the model keeps the weights from before it. Lower the learning "
        f"rate, or stabilise D (spectral_norm=True, r1=...).", history, cause="loss" if not loss_ok else "gradient",
        step=step, summary=summary)


def _args(y):
    return () if y is None else (y,)


def check_optimizer(optimizer, module: nn.Module, what: str, fix: str, others=()) -> None:
    """One sentence if ``optimizer`` holds none of ``module``'s parameters: built for another model, its steps would
    leave ``what`` (the model, the discriminator...) as it is. ``fix``: the call that builds the right one;
    ``others``: (name, module) pairs it may have been built for instead, named when it holds theirs."""
    mine, held = {id(p) for p in module.parameters()}, {id(p) for group in getattr(optimizer, "param_groups", ())
                                                        for p in group.get("params", ())}
    if mine and held and not mine & held:
        whose = next((f"{name}'s" for name, m in others if held & {id(p) for p in m.parameters()}), "another model's")
        raise ValueError(f"optimizer holds none of {what}'s parameters (it holds {whose}), so its steps would not "
                         f"change {what}; pass {fix}.")


def discriminator_step(gan: GAN, optimizer: torch.optim.Optimizer, x: torch.Tensor, y, rng: torch.Generator | None,
                       r1: float = 0.0, step: int = 0, history: History | None = None, auxiliary: float = 0.0
                       ) -> dict[str, torch.Tensor]:
    """One step of D on a real batch x (labels y) and as many fakes G(z): minimise -V(D, G) (+ r1/2 R1)
    (+ auxiliary * the auxiliary classifier's cross-entropy on the real images). The fakes are made without
    gradients, so G's weights get no gradient and do not change. Returns the detached {"loss", "d_real" = E D(x),
    "d_fake" = E D(G(z))} (+ "class_loss" with ``auxiliary``: the unweighted cross-entropy on the real images)."""
    G, D = gan.generator, gan.discriminator
    optimizer, rng, x = as_optimizer(optimizer), as_generator(rng, "rng"), nonempty(x, "x", "train D on")
    check_optimizer(optimizer, D, "the discriminator", "torch.optim.Adam(gan.discriminator.parameters(), lr=2e-4, "
                    "betas=(0.5, 0.999))", others=(("the generator", G),))
    if not isinstance(r1, (int, float)) or not isinstance(auxiliary, (int, float)):
        as_float(r1, "r1", minimum=0), as_float(auxiliary, "auxiliary", minimum=0)
    with torch.no_grad():                                        # fakes without a graph: detached from G
        fake = G(gan.noise(len(x), rng), *_args(y))
    if auxiliary > 0:
        real_logits, real_classes = D(x, y, classes=True)
    else:
        real_logits = D(x, *_args(y))
    fake_logits = D(fake, *_args(y))
    class_loss = _class_loss(real_classes, y) if auxiliary > 0 else None
    loss = discriminator_loss(real_logits, fake_logits) + (auxiliary * class_loss if auxiliary > 0 else 0)
    if r1 > 0:
        loss = loss + 0.5 * r1 * r1_penalty(D, x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    loss_ok, grads_ok, _ = step_is_finite(loss, list(D.parameters()))
    if not (loss_ok and grads_ok):
        raise _diverged("discriminator", step, loss, loss_ok, history if history is not None else History())
    optimizer.step()
    out = {"loss": loss.detach(), "d_real": torch.sigmoid(real_logits.detach()).mean(),
           "d_fake": torch.sigmoid(fake_logits.detach()).mean()}
    return {**out, "class_loss": class_loss.detach()} if auxiliary > 0 else out


@flags("terms")
def generator_step(gan: GAN, optimizer: torch.optim.Optimizer, n: int, y, rng: torch.Generator | None,
                   loss_fn=generator_loss_nonsaturating, step: int = 0, history: History | None = None,
                   auxiliary: float = 0.0, terms: bool = False):
    """One step of G on n fresh fakes (labels y): minimise ``loss_fn`` of D's logits (+ auxiliary * the auxiliary
    classifier's cross-entropy of the fakes with the labels asked for). D's weights are frozen for the step
    (no gradient, unchanged). A generator with a ``constrain()`` method has it called after the step (projected
    gradient descent). Returns the detached loss (``terms``: and the unweighted class cross-entropy, or None)."""
    G, D = gan.generator, gan.discriminator
    optimizer, rng, n = as_optimizer(optimizer), as_generator(rng, "rng"), as_int(n, "n", minimum=1)
    check_optimizer(optimizer, G, "the generator", "torch.optim.Adam(gan.generator.parameters(), lr=2e-4, "
                    "betas=(0.5, 0.999))", others=(("the discriminator", D),))
    loss_fn = as_function(loss_fn, "loss_fn", "of D's logits on the fakes, e.g. GENERATOR_LOSSES['minimax'] (the "
                                              "names are 'non-saturating' and 'minimax')")
    D.requires_grad_(False)
    try:
        fake = G(gan.noise(n, rng), *_args(y))
        if auxiliary > 0:
            fake_logits, fake_classes = D(fake, y, classes=True)
            class_loss = _class_loss(fake_classes, y)
            loss = loss_fn(fake_logits) + auxiliary * class_loss
        else:
            loss, class_loss = loss_fn(D(fake, *_args(y))), None
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
    finally:
        D.requires_grad_(True)
    loss_ok, grads_ok, _ = step_is_finite(loss, list(G.parameters()))
    if not (loss_ok and grads_ok):
        raise _diverged("generator", step, loss, loss_ok, history if history is not None else History())
    optimizer.step()
    if hasattr(G, "constrain"):                  # projected gradient descent, e.g. pixels kept in [0, 1]
        G.constrain()
    return (loss.detach(), None if class_loss is None else class_loss.detach()) if terms else loss.detach()


