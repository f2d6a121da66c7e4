"""Encoder and decoder building blocks, shared by the autoencoder, VAE, cVAE and GAN notebooks.

    enc = make_encoder("mlp", in_shape=(1, 28, 28), out_dim=2)      # x (N, 1, 28, 28) -> z (N, 2)
    dec = make_decoder("mlp", latent_dim=2, out_shape=(1, 28, 28))  # z (N, 2) -> logits (N, 1, 28, 28)

* An encoder maps x of shape (N, *in_shape) to (N, out_dim): a code, or the 2*d numbers (mu, logvar)
  of a VAE's q(z|x), or the single logit of a GAN's discriminator.
* A decoder maps z (N, latent_dim) to raw outputs (N, *out_shape): no final activation, so for
  images these are logits (apply a sigmoid for pixel intensities) and for real-valued data the mean.
* ``activation``: a name ("relu", "leaky_relu", "elu", "silu", "tanh", "softplus") or a module class.
* Every block takes an optional condition ``c`` (cond_dim > 0): a (N, cond_dim) float vector, e.g. a
  one-hot class, or integer class labels (N,) which are one-hot encoded for you. It is concatenated
  to the input (MLP) or to the flattened conv features / the code (conv): the class-conditional VAE
  and the conditional GAN feed the label to both networks this way.

The MLP blocks work on any shape (e.g. (3,) for a 3-D swiss roll); the conv blocks need images
(C, H, W) whose sides are divisible by 2 ** len(channels) (28 -> 14 -> 7 with the default).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ACTIVATIONS", "KINDS", "LikelihoodModel", "eval_mode", "widths", "MLPEncoder", "MLPDecoder", "ConvEncoder",
           "ConvDecoder", "make_encoder", "make_decoder", "make_pair", "channels_first"]

@contextmanager
def eval_mode(model: nn.Module):
    """Evaluation mode for the duration of a block (dropout off, batch norm on its running statistics), then
    the mode the model had before, even when the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


class LikelihoodModel(nn.Module):
    """A model whose decoder has a ``likelihood``, "bernoulli" (pixels in [0, 1]) or "gaussian" (any real
    values): the autoencoder and the VAE."""

    @property
    def target_range(self) -> tuple[float, float] | None:
        """The values the data must take: [0, 1] for Bernoulli pixels, any finite values for a Gaussian
        (`gencore.train.fit` checks the data against it once)."""
        return (0.0, 1.0) if self.likelihood == "bernoulli" else None

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device


KINDS = ("mlp", "conv")


def _shape(shape, what: str) -> tuple[int, ...]:
    """A shape of positive sizes; a dataset or a batch in its place is told to pass one example's shape."""
    if isinstance(shape, int):
        shape = (shape,)
    batch = isinstance(shape, torch.Tensor) and shape.dim() > 1
    if batch or callable(getattr(shape, "batches", None)):
        one, how = ((tuple(shape.shape[1:]), "x.shape[1:]") if batch else
                    (tuple(shape.x.shape[1:]), "train.shape" if hasattr(shape, "shape") else "data.x.shape[1:]"))
        raise TypeError(f"{what} must be one example's shape, e.g. {what}={how} = {one}, got a "
                        f"{'batch ' + str(tuple(shape.shape)) if batch else 'dataset (' + type(shape).__name__ + ')'}.")
    try:
        if isinstance(shape, (str, bytes)):
            raise TypeError
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be one example's shape, a tuple of sizes such as (1, 28, 28), got "
                        f"{type(shape).__name__} {shape!r:.40}.") from None
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"{what} must be a non-empty tuple of positive sizes, got {shape}.")
    return channels_first(shape, what)


def channels_first(shape: tuple, name: str = "in_shape") -> tuple:
    """``shape`` unchanged, or one sentence if it looks like an image's shape with the channels last: three
    sizes, the last 1 or 3 and the first above 4 (gencore's images are (C, H, W)). Every model that takes an
    ``in_shape`` (the blocks, so VAE and Autoencoder; DRAW, the GAN's networks, the Classifier) checks it here."""
    if len(shape) == 3 and shape[2] in (1, 3) and shape[0] > 4:
        raise ValueError(f"{name}={tuple(shape)} looks channels-last; gencore's images are (C, H, W): "
                         f"{name}={(shape[2], shape[0], shape[1])}.")
    return shape


def _positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}.")
    return value


def widths(hidden, name: str = "hidden") -> tuple[int, ...]:
    """Layer widths: one number (64 -> (64,)) or a sequence, each a whole number >= 1 (``name``: the argument's
    name in the caller's words, for the sentence that refuses anything else)."""
    items = (hidden,) if isinstance(hidden, (int, float)) else hidden
    try:
        out = tuple(int(h) for h in items if not isinstance(h, (bool, str)) and float(h) == int(h) >= 1)
    except (TypeError, ValueError, OverflowError):
        out = ()
    if isinstance(hidden, (str, bytes)) or len(out) != len(items):
        raise ValueError(f"{name} must be layer widths, whole numbers of at least 1 (one, or a sequence such as "
                         f"(512, 256)), got {hidden!r}.")
    return out


ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "silu": nn.SiLU, "tanh": nn.Tanh,
               "softplus": nn.Softplus}


def _activation(activation) -> Callable[[], nn.Module]:
    """A module class/factory, or its name in ACTIVATIONS (names keep configurations JSON-serialisable)."""
    if isinstance(activation, str):
        if activation.lower() not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)} "
                             f"or pass a module class such as nn.ReLU.")
        return ACTIVATIONS[activation.lower()]
    if not callable(activation):
        raise TypeError(f"activation must be a name or a module class such as nn.ReLU, got {activation!r}.")
    return activation


def _mlp(sizes: Sequence[int], activation) -> nn.Sequential:
    """Linear layers between consecutive sizes, the activation between them (none after the last)."""
    activation = _activation(activation)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def _check_input(x: torch.Tensor, shape: tuple[int, ...], block: str, what: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{block} expects a torch.Tensor {what}, got {type(x).__name__}.")
    if x.dim() != len(shape) + 1 or tuple(x.shape[1:]) != shape:
        got = tuple(x.shape)
        hint = ("add the batch axis to this single example with x.unsqueeze(0)" if got == shape else
                "add the channel axis with x.unsqueeze(1)" if len(got) == len(shape) and got[1:] == shape[1:] else
                f"reshape it with x.view(-1, {', '.join(map(str, shape))})" if x[:1].numel() == math.prod(shape)
                else "build the block with the shape of your data")
        raise ValueError(f"{block} expects {what} of shape (N, {', '.join(map(str, shape))}) (a batch of "
                         f"{shape}), got {got}; {hint}.")


def _condition(c, n: int, cond_dim: int, block: str, ref: torch.Tensor) -> torch.Tensor | None:
    """The condition as (n, cond_dim) floats (integer labels are one-hot encoded), or None."""
    if cond_dim == 0:
        if c is not None:
            raise ValueError(f"{block} was built without a condition (cond_dim=0) but got c; build it with "
                             f"cond_dim=<size of c> to condition on it.")
        return None
    if c is None:
        raise ValueError(f"{block} was built with cond_dim={cond_dim} and needs a condition c of shape "
                         f"(N, {cond_dim}) (or integer labels of shape (N,)).")
    c = torch.as_tensor(c, device=ref.device)
    if c.dim() == 1 and not c.is_floating_point():
        if len(c) and (c.min() < 0 or c.max() >= cond_dim):
            raise ValueError(f"{block}: class labels must lie in 0..{cond_dim - 1}, got values "
                             f"{c.min().item()}..{c.max().item()}.")
        c = F.one_hot(c.long(), cond_dim)
    if c.dim() != 2 or c.shape != (n, cond_dim):
        raise ValueError(f"{block} expects the condition c of shape ({n}, {cond_dim}) (one row per example), "
                         f"got {tuple(c.shape)}.")
    return c.to(ref.dtype)


def _cat(h: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
    return h if c is None else torch.cat([h, c], dim=1)


class MLPEncoder(nn.Module):
    """x (N, *in_shape) [+ c (N, cond_dim)] -> (N, out_dim): flatten, concatenate c, MLP.

        h = relu(W_1 [vec(x); c] + b_1), ..., out = W_L h + b_L   (no activation at the end)
    """

    def __init__(self, in_shape=(1, 28, 28), out_dim: int = 2, hidden=(512, 256), cond_dim: int = 0,
                 activation="relu"):
        super().__init__()
        self.in_shape = _shape(in_shape, "in_shape")
        self.out_dim = _positive(out_dim, "out_dim")
        self.cond_dim = int(cond_dim)
        self.hidden = widths(hidden)
        self.net = _mlp([math.prod(self.in_shape) + self.cond_dim, *self.hidden, self.out_dim], activation)

    def forward(self, x: torch.Tensor, c=None) -> torch.Tensor:
        _check_input(x, self.in_shape, type(self).__name__, "x")
        c = _condition(c, len(x), self.cond_dim, type(self).__name__, x)
        return self.net(_cat(x.flatten(1), c))


class MLPDecoder(nn.Module):
    """z (N, latent_dim) [+ c (N, cond_dim)] -> raw outputs (N, *out_shape) (logits for images).

        out = reshape(W_L relu(... relu(W_1 [z; c] + b_1) ...) + b_L)   (no activation at the end)
    """

    def __init__(self, latent_dim: int, out_shape=(1, 28, 28), hidden=(256, 512), cond_dim: int = 0,
                 activation="relu"):
        super().__init__()
        self.latent_dim = _positive(latent_dim, "latent_dim")
        self.out_shape = _shape(out_shape, "out_shape")
        self.cond_dim = int(cond_dim)
        self.hidden = widths(hidden)
        self.net = _mlp([self.latent_dim + self.cond_dim, *self.hidden, math.prod(self.out_shape)], activation)

    def forward(self, z: torch.Tensor, c=None) -> torch.Tensor:
        _check_input(z, (self.latent_dim,), type(self).__name__, "z")
        c = _condition(c, len(z), self.cond_dim, type(self).__name__, z)
        return self.net(_cat(z, c)).view(len(z), *self.out_shape)


def _check_image_shape(shape: tuple[int, ...], channels: tuple[int, ...], block: str, what: str = "in_shape") -> None:
    factor = 2 ** len(channels)
    if len(shape) != 3 or shape[1] % factor or shape[2] % factor:
        raise ValueError(f"{block} needs images (C, H, W) with H and W divisible by {factor} "
                         f"({len(channels)} stride-2 convolutions), got shape {shape} ({what}={shape}). "
                         f"Use kind='mlp' for other data.")


class ConvEncoder(nn.Module):
    """Images x (N, C, H, W) [+ c] -> (N, out_dim): stride-2 convolutions (28 -> 14 -> 7), flatten,
    concatenate c, then an MLP.

        h = relu(conv_2(relu(conv_1(x)))),  out = MLP([vec(h); c])
    """

    def __init__(self, in_shape=(1, 28, 28), out_dim: int = 2, hidden=(256,), cond_dim: int = 0,
                 channels=(32, 64), activation="relu"):
        super().__init__()
        self.in_shape = _shape(in_shape, "in_shape")
        self.channels = widths(channels, "channels")
        _check_image_shape(self.in_shape, self.channels, type(self).__name__)
        self.out_dim = _positive(out_dim, "out_dim")
        self.cond_dim = int(cond_dim)
        self.hidden = widths(hidden)
        activation = _activation(activation)
        convs: list[nn.Module] = []
        for a, b in zip((self.in_shape[0], *self.channels), self.channels):
            convs += [nn.Conv2d(a, b, kernel_size=4, stride=2, padding=1), activation()]
        self.conv = nn.Sequential(*convs)
        factor = 2 ** len(self.channels)
        features = self.channels[-1] * (self.in_shape[1] // factor) * (self.in_shape[2] // factor)
        self.head = _mlp([features + self.cond_dim, *self.hidden, self.out_dim], activation)

    def forward(self, x: torch.Tensor, c=None) -> torch.Tensor:
        _check_input(x, self.in_shape, type(self).__name__, "x")
        c = _condition(c, len(x), self.cond_dim, type(self).__name__, x)
        return self.head(_cat(self.conv(x).flatten(1), c))


class ConvDecoder(nn.Module):
    """z (N, latent_dim) [+ c] -> raw outputs (N, C, H, W): an MLP on [z; c] to 64 x 7 x 7 features,
    then stride-2 transposed convolutions (7 -> 14 -> 28); no final activation (logits)."""

    def __init__(self, latent_dim: int, out_shape=(1, 28, 28), hidden=(256,), cond_dim: int = 0,
                 channels=(64, 32), activation="relu"):
        super().__init__()
        self.latent_dim = _positive(latent_dim, "latent_dim")
        self.out_shape = _shape(out_shape, "out_shape")
        self.channels = widths(channels, "channels")
        _check_image_shape(self.out_shape, self.channels, type(self).__name__, "out_shape")
        self.cond_dim = int(cond_dim)
        self.hidden = widths(hidden)
        activation = _activation(activation)
        factor = 2 ** len(self.channels)
        self.start = (self.channels[0], self.out_shape[1] // factor, self.out_shape[2] // factor)
        self.head = nn.Sequential(_mlp([self.latent_dim + self.cond_dim, *self.hidden, math.prod(self.start)],
                                       activation), activation())
        deconvs: list[nn.Module] = []
        outs = (*self.channels[1:], self.out_shape[0])
        for i, (a, b) in enumerate(zip(self.channels, outs)):
            deconvs.append(nn.ConvTranspose2d(a, b, kernel_size=4, stride=2, padding=1))
            if i < len(outs) - 1:
                deconvs.append(activation())
        self.deconv = nn.Sequential(*deconvs)

    def forward(self, z: torch.Tensor, c=None) -> torch.Tensor:
        _check_input(z, (self.latent_dim,), type(self).__name__, "z")
        c = _condition(c, len(z), self.cond_dim, type(self).__name__, z)
        return self.deconv(self.head(_cat(z, c)).view(len(z), *self.start))


def _kind(kind: str) -> str:
    k = str(kind).lower()
    if k not in KINDS:
        raise ValueError(f"Unknown block kind {kind!r}; use 'mlp' (fully connected, any data shape) or "
                         f"'conv' (convolutional, images).")
    return k


def make_encoder(kind: str, in_shape=(1, 28, 28), out_dim: int = 2, cond_dim: int = 0, **kw) -> nn.Module:
    """An encoder (N, *in_shape) -> (N, out_dim): kind "mlp" (`MLPEncoder`) or "conv" (`ConvEncoder`)."""
    cls = {"mlp": MLPEncoder, "conv": ConvEncoder}[_kind(kind)]
    return cls(in_shape=in_shape, out_dim=out_dim, cond_dim=cond_dim, **kw)


def make_decoder(kind: str, latent_dim: int, out_shape=(1, 28, 28), cond_dim: int = 0, **kw) -> nn.Module:
    """A decoder (N, latent_dim) -> raw outputs (N, *out_shape): kind "mlp" or "conv"."""
    cls = {"mlp": MLPDecoder, "conv": ConvDecoder}[_kind(kind)]
    return cls(latent_dim=latent_dim, out_shape=out_shape, cond_dim=cond_dim, **kw)


def make_pair(kind: str, in_shape, code_dim: int, latent_dim: int, hidden=None, cond_dim: int = 0, **kw):
    """A mirrored (encoder, decoder): x -> (N, code_dim) and z (N, latent_dim) -> (N, *in_shape).

    ``hidden`` (and ``channels`` for conv) are the encoder's widths; the decoder uses them reversed.
    An autoencoder has code_dim == latent_dim; a VAE's encoder outputs code_dim = 2 * latent_dim (mu, logvar).
    """
    enc_kw, dec_kw = dict(kw), dict(kw)
    if hidden is not None:
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        enc_kw["hidden"], dec_kw["hidden"] = hidden, hidden[::-1]
    if "channels" in kw:
        dec_kw["channels"] = tuple(kw["channels"])[::-1]
    return (make_encoder(kind, in_shape, code_dim, cond_dim=cond_dim, **enc_kw),
            make_decoder(kind, latent_dim, in_shape, cond_dim=cond_dim, **dec_kw))
