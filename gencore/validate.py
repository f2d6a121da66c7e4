"""Validation shared by every public entry: one clear sentence for bad input. A leaf module: it imports
nothing of gencore, so every module may use it.

    epochs = as_int(epochs, "epochs", minimum=0)      # 8, np.int64(8), torch.tensor(8), 8.0 -> 8; 2.5 -> error
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch

__all__ = ["as_int", "as_float", "check_labels", "requested_labels", "as_images", "check_dataset_labels",
           "as_logits"]


def as_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int: ints, numpy/torch integers and integral floats (1e3) are accepted;
    bools, fractions, strings and None are refused with one sentence naming ``name``."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = value.item()
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{name} must be a whole number, got {value!r}.")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer():
        out = int(value)
    else:
        raise TypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__}).")
    _in_range(out, name, minimum, maximum)
    return out


def as_float(value, name: str, minimum: float | None = None, maximum: float | None = None) -> float:
    """``value`` as a finite Python float (numpy/torch scalars accepted), optionally within [minimum, maximum]."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise TypeError(f"{name} must be a finite number, got {value!r}.")
    out = float(value)
    _in_range(out, name, minimum, maximum)
    return out


def _in_range(value, name: str, minimum, maximum) -> None:
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")


# ------------------------------------------------------------------------------------------ class labels
def _range(n_classes: int) -> str:
    return f"integers in [0, {n_classes}) (0..{n_classes - 1})"


def check_labels(y, n_classes: int, n: int | None = None, what: str = "class labels") -> torch.Tensor:
    """``y`` as an int64 tensor (n,) of class indices in [0, n_classes), or one sentence saying what is wrong.

    Accepted: a tensor, numpy array or list of integers (any integer dtype; floats only when they hold whole
    numbers, 3.0), or one integer, repeated for all ``n`` examples. Refused: None, booleans, fractions,
    strings, a shape other than (n,), values outside [0, n_classes).
    """
    rng = _range(n_classes)
    if y is None:
        raise ValueError(f"The conditional model needs {what} ({rng}, one per example) but got none (y=None); "
                         f"pass the labels, for example the batches of a labelled dataset.")
    if isinstance(y, torch.Tensor):
        t = y.detach()
    else:
        try:
            t = torch.as_tensor(np.asarray(y))
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"The {what} must be {rng}, got {type(y).__name__} {y!r:.60}.") from None
    if t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"The {what} must be {rng}, got a tensor of {t.dtype}.")
    if t.is_floating_point():
        whole = torch.isfinite(t) & (t == t.round())
        if not bool(whole.all()):
            bad = t[~whole].reshape(-1)[0].item()
            raise TypeError(f"The {what} must be {rng}, got the non-integer value {bad}.")
    t = t.long()
    if t.dim() == 0 and n is not None:
        t = t.expand(n)
    if t.dim() != 1 or (n is not None and len(t) != n):
        expected = f"({n},), one per example" if n is not None else "(n,)"
        raise ValueError(f"The {what} must be {rng} of shape {expected}, got shape {tuple(t.shape)}.")
    if len(t):
        outside = (t < 0) | (t >= n_classes)
        if bool(outside.any()):
            i = int(outside.nonzero()[0, 0])
            raise ValueError(f"The {what} must be {rng} for a model of {n_classes} classes, but label {t[i].item()} "
                             f"at position {i} is outside that range.")
    return t


def check_dataset_labels(labels, classes: list) -> None:
    """A dataset's class labels: a 1-D integer tensor with values in [0, len(classes)), one per image."""
    if (not isinstance(labels, torch.Tensor) or labels.dim() != 1 or labels.dtype == torch.bool
            or labels.dtype.is_floating_point or labels.dtype.is_complex):
        got = (f"{labels.dtype} of shape {tuple(labels.shape)}" if isinstance(labels, torch.Tensor)
               else type(labels).__name__)
        raise ValueError(f"labels must be a 1-D integer tensor of class indices (one per image), got {got}; "
                         f"convert them with torch.as_tensor(labels).long().")
    k = len(classes)
    bad = (labels < 0) | (labels >= k)
    if bad.any():
        i = int(bad.nonzero()[0, 0])
        raise ValueError(f"labels must be class indices in [0, {k}) for the {k} classes "
                         f"{classes if k <= 12 else classes[:12] + ['...']}, but label {labels[i].item()} at "
                         f"index {i} is not ({int(bad.sum())} such labels); fix the labels or pass every class.")


def requested_labels(labels, n_classes: int) -> torch.Tensor:
    """What a conditional sampler was asked for: a count n (an int, a numpy or a 0-d torch integer) -> the
    classes in turn (0, 1, ..., n_classes - 1, 0, ...); otherwise the labels themselves, checked."""
    count = (isinstance(labels, numbers.Integral) and not isinstance(labels, bool)) or (
        isinstance(labels, (torch.Tensor, np.ndarray)) and labels.ndim == 0
        and (labels.dtype not in (torch.bool, torch.float16, torch.bfloat16, torch.float32, torch.float64)
             if isinstance(labels, torch.Tensor) else np.issubdtype(labels.dtype, np.integer)))
    if count:
        return torch.arange(as_int(int(labels), "n", minimum=0)) % n_classes
    return check_labels(labels, n_classes)


# ------------------------------------------------------------------------------------------ images and logits
def as_images(x, what: str = "images", shape: tuple[int, ...] = (1, 28, 28)) -> torch.Tensor:
    """``x`` as float images (N, C, H, W) in [0, 1], or one sentence saying what is wrong.

    Accepted: float tensors (or numpy arrays) in [0, 1] (grey levels or binary), of shape (N, C, H, W) or
    (N, H, W) for one channel; uint8 images in 0..255 (scaled by 1/255); booleans. Refused: other shapes,
    other integer types (ambiguous: 0..1 or 0..255?), NaN/inf, values outside [0, 1] (e.g. a tanh output in
    [-1, 1]: rescale it with (x + 1) / 2).
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"The {what} must be a tensor of images (N, {', '.join(map(str, shape))}), "
                        f"got {type(x).__name__}.")
    c, h, w = shape
    if x.dim() == 3 and c == 1 and tuple(x.shape[1:]) == (h, w):
        x = x.unsqueeze(1)
    if x.dim() != 4 or tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"The {what} must have shape (N, {c}, {h}, {w}) (a batch of {c}x{h}x{w} images), got "
                         f"{tuple(x.shape)}; add the batch axis to a single image with x.unsqueeze(0), or reshape "
                         f"flat images with x.view(-1, {c}, {h}, {w}).")
    if x.dtype == torch.uint8:
        return x.float().div_(255)
    if x.dtype == torch.bool:
        return x.float()
    if not x.is_floating_point():
        raise TypeError(f"The {what} are {x.dtype}, which is ambiguous (0..1 or 0..255?); pass float images in "
                        f"[0, 1] or uint8 images in 0..255.")
    x = x.float()
    if x.numel():
        lo, hi = torch.aminmax(x)
        lo, hi = lo.item(), hi.item()
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"The {what} hold NaN or infinite values; classify finite images in [0, 1].")
        if lo < -1e-4 or hi > 1 + 1e-4:
            hint = (" (they look like a tanh output in [-1, 1]: rescale with (x + 1) / 2)" if lo < 0 and hi <= 1 + 1e-4
                    else " (they look like 0..255 values: divide by 255)" if hi > 1.5 else "")
            raise ValueError(f"The {what} must be grey levels in [0, 1], but their values span [{lo:.4g}, {hi:.4g}]"
                             f"{hint}.")
    return x.clamp(0, 1)


def as_logits(t, what: str) -> torch.Tensor:
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
