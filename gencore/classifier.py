"""The course's domain classifier: a small CNN per dataset that judges generated images.

    model = load_classifier()                          # the configured dataset: trained once, then cached
    labels = classify(model, samples)                  # (N,) class indices, in batches, no gradients
    accuracy(model, samples, requested_labels)         # how often a conditional model drew what was asked
    feats = extract_features(model, samples)           # (N, 128) penultimate features (for evaluation)

The cVAE, GAN and evaluation notebooks use it to ask "does this generated image look like class k?". The
label is the class (digit, garment) for MNIST and Fashion-MNIST, and the shape (square, ellipse, triangle)
for the sprites. Generators produce grey levels in [0, 1] (sigmoid means, blurry samples), not binary
pixels, so the classifier trains on grey levels (``binarize=None``), with light augmentation drawn on each
batch as tensors from torch's global RNG (which `fit_cached` seeds, so training is reproducible):

* ``soften``: a random half of each batch is blurred by a random amount and dimmed, as generated samples
  are (sprites and Fashion-MNIST: without it, a classifier trained on sharp binary sprites calls every
  blurred sprite the same shape);
* ``shift``, ``rotate``, ``zoom``: small random affine moves (MNIST: they carry a classifier trained on
  8,000 digits from about 98.8% to about 99.3%).

Architecture (for 1 x 28 x 28 images), chosen for the CPU budget (a 3x3 convolution at full resolution
costs more than all the rest together):

    conv 4x4 stride 2 (32) -> ReLU                 28 -> 14
    conv 3x3 (64) -> max-pool 2 -> ReLU            14 -> 7
    flatten (3136) -> linear (128) -> ReLU         = features(x), the penultimate layer
    dropout 0.25 -> linear (classes)               = forward(x), the logits

It trains with gencore's one loop (`gencore.train.fit`, through `gencore.cache.fit_cached`): ``loss(x, y)``
returns the cross-entropy and the accuracy of the batch; Adam with a cosine learning-rate decay.
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import channels_first, eval_mode, widths
from .cache import fit_cached
from .config import DATASETS, current
from .data import TensorData, as_data, load_dataset
from .data.augment import random_affine, soften
from .data.sprites import SHAPES
from .labels import check_labels, one_hot_hint
from .train import History, adam
from .validate import as_float, as_images, as_int, flags

__all__ = ["AUGMENTATION", "Classifier", "DEFAULTS", "IMAGE_SHAPE", "accuracy", "class_probabilities",
           "classify", "cosine_adam", "extract_features", "load_classifier",
           "train_classifier"]

IMAGE_SHAPE = (1, 28, 28)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
CLASSES = {"mnist": tuple(str(d) for d in range(10)), "fashion-mnist": FASHION_CLASSES, "sprites": SHAPES}
VERSION = 2      # bump when the architecture or the training recipe changes: the cache key includes it
#                 (2: soften blurs with data.augment.gaussian_blur, 3 sigma, reflected borders)

# Per dataset, the training recipe: epochs and training-set size (None: the whole split) in full and in quick
# mode, and the learning rate. Measured on 2 shared CPU cores: Fashion-MNIST full mode 131 s on 2 threads
# (8 epochs of about 14 s), 91.6% test accuracy (90.1% on the test images blurred with sigma = 1 px); sprites
# full mode 51 s on 1 thread, 99.97% (shape); sprites quick mode (20,000 images, 4 epochs) 99.8%. Sprites
# need about 80,000 training images seen before the shapes are told apart reliably (1 epoch of 60,000: 89%).
DEFAULTS = {
    "mnist": dict(epochs=6, subset=None, quick_epochs=1, quick_subset=10_000, lr=2e-3),
    "fashion-mnist": dict(epochs=8, subset=None, quick_epochs=1, quick_subset=10_000, lr=2e-3),
    "sprites": dict(epochs=2, subset=None, quick_epochs=4, quick_subset=20_000, lr=2e-3),
}
# Per dataset, the training-time augmentation (Classifier's arguments; part of the cache key).
AUGMENTATION = {
    "mnist": dict(shift=2.0, rotate=10.0, zoom=0.1, soften=0.0),
    "fashion-mnist": dict(shift=0.0, rotate=0.0, zoom=0.0, soften=0.5),
    "sprites": dict(shift=0.0, rotate=0.0, zoom=0.0, soften=0.5),
}
QUICK_TEST_SUBSET = 2000


# ------------------------------------------------------------------------------------------ inputs
def _dataset_name(dataset) -> str:
    name = current().dataset if dataset is None else dataset
    if not isinstance(name, str):
        raise TypeError(f"dataset must be a name such as 'mnist', got {name!r} ({type(name).__name__}).")
    key = name.strip().lower()
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; the classifier knows {', '.join(DATASETS)}.")
    return key


# ------------------------------------------------------------------------------------------ the model
class Classifier(nn.Module):
    """A small CNN for 1 x 28 x 28 grey-level images in [0, 1] (see the module's docstring):

    ``forward(x)`` the logits (N, classes), ``features(x)`` the (N, hidden) penultimate features,
    ``predict(x)`` the class indices, ``loss(x, y)`` the cross-entropy and accuracy for `gencore.train.fit`.
    Inputs may be float in [0, 1], uint8 0..255 (scaled) or bool, (N, 1, 28, 28) or (N, 28, 28); anything
    else is refused with one sentence. ``shift``/``rotate``/``zoom``/``soften``: training-time augmentation
    (`random_affine`, `soften`), applied in ``loss`` in training mode only.
    """

    target_range = (0.0, 1.0)      # fit checks the training data once: grey levels in [0, 1]

    def __init__(self, classes: Sequence[str] | int = 10, in_shape=IMAGE_SHAPE, channels=(32, 64),
                 hidden: int = 128, dropout: float = 0.25, shift: float = 0.0, rotate: float = 0.0,
                 zoom: float = 0.0, soften: float = 0.0):
        super().__init__()
        if isinstance(classes, str):
            raise TypeError(f"classes must be a number of classes or a list of class names, got the string "
                            f"{classes!r}; pass e.g. classes=10, or classes=['circle', 'square'].")
        if isinstance(classes, numbers.Integral) and not isinstance(classes, bool):
            classes = [str(k) for k in range(as_int(classes, "classes", minimum=2))]
        self.classes = [str(c) for c in classes]
        if len(self.classes) < 2:
            raise ValueError(f"A classifier needs at least 2 classes, got {self.classes}.")
        self.in_shape = channels_first(tuple(int(s) for s in in_shape))
        self.channels = widths(channels, "channels")
        if len(self.channels) != 2 or min(self.channels) < 1:
            raise ValueError(f"channels must be two positive widths (first and second convolution), got "
                             f"{channels!r}.")
        if len(self.in_shape) != 3 or any(s % 4 for s in self.in_shape[1:]):
            raise ValueError(f"in_shape must be (C, H, W) with H and W divisible by 4 (a stride-2 convolution, "
                             f"then a max-pool), got {self.in_shape}.")
        self.hidden = as_int(hidden, "hidden", minimum=1)
        self.dropout = as_float(dropout, "dropout", minimum=0, maximum=0.99)
        self.shift = as_float(shift, "shift", minimum=0)
        self.rotate = as_float(rotate, "rotate", minimum=0, maximum=180)
        self.zoom = as_float(zoom, "zoom", minimum=0, maximum=0.5)
        self.soften = as_float(soften, "soften", minimum=0, maximum=1)
        c1, c2 = self.channels
        self.conv = nn.Sequential(
            nn.Conv2d(self.in_shape[0], c1, kernel_size=4, stride=2, padding=1), nn.ReLU(),
            # max-pool before the ReLU: the same result (both are monotone), on 4x fewer values
            nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.MaxPool2d(2), nn.ReLU())
        flat = c2 * (self.in_shape[1] // 4) * (self.in_shape[2] // 4)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(flat, self.hidden), nn.ReLU())
        self.out = nn.Sequential(nn.Dropout(self.dropout), nn.Linear(self.hidden, len(self.classes)))

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _input(self, x) -> torch.Tensor:
        return as_images(x, "images", self.in_shape, model="the classifier").to(self.device)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x.contiguous(memory_format=torch.channels_last)))   # faster convs on a CPU

    def features(self, x) -> torch.Tensor:
        """The penultimate layer's activations (N, hidden), e.g. (N, 128): what evaluation metrics compare."""
        return self._features(self._input(x))

    def forward(self, x) -> torch.Tensor:
        """The class logits (N, n_classes) of images x (N, 1, 28, 28) in [0, 1] (uint8 0..255 accepted)."""
        return self.out(self._features(self._input(x)))

    @torch.no_grad()
    def predict(self, x) -> torch.Tensor:
        """The most likely class of each image, (N,) int64, in eval mode without gradients (the mode the
        model had is restored)."""
        with eval_mode(self):
            return self(x).argmax(1)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """The training-time augmentation of a batch (random affine moves, then softening), drawn from
        torch's global RNG."""
        return soften(random_affine(x, self.shift, self.rotate, self.zoom), self.soften)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """{"loss": mean cross-entropy (nats per image), "accuracy": fraction of the batch classified right}.
        In training mode the batch is augmented first (`augment`)."""
        if y is None:
            raise ValueError("The classifier needs labels: train it on a labelled dataset (an ImageData, or a "
                             "TensorData with labels).")
        if not (isinstance(x, torch.Tensor) and x.is_floating_point() and tuple(x.shape[1:]) == self.in_shape):
            x = self._input(x)          # fit's batches are already float in [0, 1]: fit checked them once
        x = x.to(self.device)
        if self.training:
            x = self.augment(x)
        logits = self.out(self._features(x))
        y = check_labels(y, self.n_classes, len(x)).to(logits.device)
        return {"loss": F.cross_entropy(logits, y),
                "accuracy": (logits.detach().argmax(1) == y).float().mean()}


# ------------------------------------------------------------------------------------------ training
def cosine_adam(total_steps: int):
    """An optimiser factory for `fit_cached`: gencore's Adam whose learning rate follows a cosine from lr
    down to 0 over ``total_steps`` optimiser steps (set after every step by a step hook). Ending a short
    schedule at a small learning rate is worth about half a point of accuracy here."""
    total_steps = as_int(total_steps, "total_steps", minimum=1)

    def make(model: nn.Module, lr: float) -> torch.optim.Optimizer:
        opt = adam(model, lr)

        def after_step(optimizer, args, kwargs):
            # Adam's own step count (saved and restored with the optimiser's state, so a resumed run continues
            # the schedule where it stopped)
            done = max(float(state["step"]) for state in optimizer.state.values() if "step" in state)
            factor = 0.5 * (1 + math.cos(math.pi * min(done / total_steps, 1.0)))
            for group in optimizer.param_groups:
                group["lr"] = lr * factor

        opt.register_step_post_hook(after_step)
        return opt

    return make


@flags("retrain", "verbose", "progress")
def train_classifier(dataset: str | None = None, *, epochs: int | None = None, seed: int | None = None,
                     retrain: bool = False, verbose: bool = True, progress: bool = True, train=None, test=None,
                     lr: float | None = None, batch_size: int = 128) -> tuple[Classifier, History]:
    """The domain classifier of ``dataset`` (default: the configured one), loaded from the model cache or
    trained with `fit` and cached. Returns (model in eval mode, History with train/test loss and accuracy).

    By default it trains on the dataset's training split as grey levels (``binarize=None``) and tests on its
    test split, with the dataset's recipe (`DEFAULTS`: epochs, learning rate; in quick mode a subset and a few
    epochs) and augmentation (`AUGMENTATION`). ``train``/``test`` replace those data (an `ImageData`, or a
    `TensorData` of 1x28x28 images with labels); the cache key includes a fingerprint of the training data,
    so other data train another model. ``seed`` (default: the configured one) seeds the weights, the
    shuffling and the augmentation: the same call gives the same model.
    """
    cfg = current()
    data_name = getattr(train, "name", None)
    name = _dataset_name(dataset if dataset is not None or train is None else data_name)
    if isinstance(data_name, str) and data_name in DATASETS and data_name != name:
        raise ValueError(f"The training data is {data_name} data but dataset={name!r}; pass dataset={data_name!r} "
                         f"(or leave it out) to train the {data_name} classifier.")
    recipe = DEFAULTS[name]
    epochs = as_int(cfg.pick(recipe["epochs"], recipe["quick_epochs"]) if epochs is None else epochs,
                    "epochs", minimum=0)
    lr = as_float(recipe["lr"] if lr is None else lr, "lr", minimum=0)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    seed = as_int(seed, "seed") if seed is not None else None
    if train is None:
        train = load_dataset(name, "train", subset=cfg.pick(recipe["subset"], recipe["quick_subset"]), binarize=None)
        if test is None:
            test = load_dataset(name, "test", subset=cfg.pick(None, QUICK_TEST_SUBSET), binarize=None)
    train = _labelled(train, "training data")
    test = _labelled(test, "test data") if test is not None else None
    classes = list(getattr(train, "classes", None) or CLASSES[name])
    _check_labels_fit(train, classes, "training data")
    if test is not None:
        _check_labels_fit(test, classes, "test data")
    hyper = dict(version=VERSION, classes=classes, channels=[32, 64], hidden=128, dropout=0.25,
                 schedule="cosine", **AUGMENTATION[name])
    arch = {k: v for k, v in hyper.items() if k not in ("version", "classes", "schedule")}
    steps = max(1, epochs * math.ceil(len(train) / batch_size))
    return fit_cached(lambda in_shape: Classifier(classes, in_shape=in_shape, **arch), train,
                      name=f"classifier-{name}", hyper=hyper, epochs=epochs, test=test, lr=lr,
                      batch_size=batch_size, seed=seed, dataset=name, retrain=retrain, verbose=verbose,
                      progress=progress, desc=f"classifier ({name})", optimizer=cosine_adam(steps))


@flags("verbose", "progress")
def load_classifier(dataset: str | None = None, *, verbose: bool = True, progress: bool = True) -> Classifier:
    """The domain classifier of ``dataset`` (default: the configured one) with the default recipe, as the
    notebooks use it: trained once (a small share of a notebook's time), then loaded from the cache.
    Returns the model in eval mode."""
    model, _ = train_classifier(dataset, verbose=verbose, progress=progress)
    return model


def _labelled(data, what: str) -> TensorData:
    data = as_data(data)
    if data.labels is None:
        raise ValueError(f"The classifier's {what} has no labels; pass an ImageData (load_dataset(...)) or a "
                         f"TensorData(images, labels).")
    if tuple(data.x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"The classifier's {what} must hold 1x28x28 images, got examples of shape "
                         f"{tuple(data.x.shape[1:])}.")
    return data


def _check_labels_fit(data: TensorData, classes: list, what: str) -> None:
    labels = data.labels
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.dim() != 1:
        raise ValueError(f"The {what}'s labels must be a 1-D integer tensor of class indices, got {labels.dtype} "
                         f"of shape {tuple(labels.shape)}{one_hot_hint(labels, 'labels')}.")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(classes)):
        raise ValueError(f"The {what}'s labels must lie in 0..{len(classes) - 1} (the {len(classes)} classes), "
                         f"got {labels.min().item()}..{labels.max().item()}.")


# ------------------------------------------------------------------------------------------ judging images
def _batched(model: Classifier, images, batch_size: int, fn) -> torch.Tensor:
    if not isinstance(model, Classifier):
        raise TypeError(f"model must be the Classifier (load_classifier() or train_classifier()), got "
                        f"{type(model).__name__}; the class probabilities and features come from the classifier.")
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    data = images if isinstance(images, TensorData) else None
    if data is None:
        x = as_images(images, model="the classifier")
        chunks = (x[i:i + batch_size] for i in range(0, len(x), batch_size))
    else:
        chunks = (xb for xb, _ in data.batches(batch_size, shuffle=False))
    with eval_mode(model), torch.no_grad():
        outs = [fn(xb).cpu() for xb in chunks]
    return torch.cat(outs) if outs else torch.empty(0)


def class_probabilities(model: Classifier, images, batch_size: int = 500) -> torch.Tensor:
    """softmax(logits) of every image, (N, n_classes) on the CPU: in batches, eval mode, no gradients."""
    return _batched(model, images, batch_size, lambda x: model(x).softmax(1))


def classify(model: Classifier, images, batch_size: int = 500) -> torch.Tensor:
    """The predicted class of every image, (N,) int64 on the CPU: in batches, eval mode, no gradients.
    ``images``: float (N, 1, 28, 28) in [0, 1] (e.g. a generator's samples), uint8 0..255, or a dataset."""
    out = _batched(model, images, batch_size, lambda x: model(x).argmax(1))
    return out.long()


def extract_features(model: Classifier, images, batch_size: int = 500) -> torch.Tensor:
    """The penultimate features of every image, (N, hidden) on the CPU: in batches, eval mode, no gradients."""
    return _batched(model, images, batch_size, lambda x: model.features(x))     # a non-classifier: told by _batched


def accuracy(model: Classifier, data_or_images, labels=None, batch_size: int = 500) -> float:
    """The fraction of images classified as their label: ``accuracy(model, test_data)`` for a labelled
    dataset, or ``accuracy(model, samples, requested_labels)`` for generated images."""
    if labels is None:
        data = data_or_images if isinstance(data_or_images, TensorData) else None
        if data is None or data.labels is None:
            raise ValueError("accuracy needs labels: pass a labelled dataset, or images and their labels "
                             "(accuracy(model, images, labels)).")
        labels = data.labels
    labels = torch.as_tensor(labels)
    if labels.dim() != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must be a 1-D integer tensor of class indices, got {labels.dtype} of shape "
                         f"{tuple(labels.shape)}{one_hot_hint(labels, 'labels')}.")
    predicted = classify(model, data_or_images, batch_size)
    if len(predicted) != len(labels):
        raise ValueError(f"There are {len(predicted)} images but {len(labels)} labels; pass one label per image.")
    if len(labels) == 0:
        raise ValueError("accuracy needs at least one image.")
    labels = check_labels(labels, len(model.classes), what="labels")
    return (predicted == labels.cpu().long()).float().mean().item()
