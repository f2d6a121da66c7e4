"""Class labels at every door: the labels a conditional model is given, the labels a dataset holds, and the
labels a conditional sampler is asked for, each checked with one clear sentence (integers in [0, K), one per
example; one-hot rows are told to take ``argmax(1)``).

    y = check_labels(y, n_classes=10, n=len(x))      # [3, 1], np.array, float 3.0 -> long tensor; 10 -> error
"""
from __future__ import annotations

import numbers

import numpy as np
import torch

from .validate import as_int

__all__ = ["check_labels", "check_dataset_labels", "one_hot_hint", "requested_labels"]


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
        raise ValueError(f"The {what} must be {rng} of shape {expected}, got shape {tuple(t.shape)}"
                         f"{one_hot_hint(t, 'y')}.")
    if len(t):
        outside = (t < 0) | (t >= n_classes)
        if bool(outside.any()):
            i = int(outside.nonzero()[0, 0])
            raise ValueError(f"The {what} must be {rng} for a model of {n_classes} classes, but label {t[i].item()} "
                             f"at position {i} is outside that range.")
    return t


def one_hot_hint(t, name: str) -> str:
    """'; ... pass y.argmax(1)' when labels ``t`` look one-hot (N, K), else ''."""
    return (f"; these look like one-hot labels: pass the class indices, {name}.argmax(1)"
            if isinstance(t, torch.Tensor) and t.dim() == 2 and t.shape[1] > 1 else "")


def check_dataset_labels(labels, classes: list | None, per: str = "image") -> None:
    """A dataset's class labels: a 1-D integer tensor, one per ``per`` (image, example), with values in
    [0, len(classes)) (``classes`` None: any integers)."""
    if (not isinstance(labels, torch.Tensor) or labels.dim() != 1 or labels.dtype == torch.bool
            or labels.dtype.is_floating_point or labels.dtype.is_complex):
        got = (f"{labels.dtype} of shape {tuple(labels.shape)}" if isinstance(labels, torch.Tensor)
               else type(labels).__name__)
        raise ValueError(f"labels must be a 1-D integer tensor of class indices (one per {per}), got {got}"
                         f"{one_hot_hint(labels, 'labels') or '; convert them with torch.as_tensor(labels).long()'}.")
    if classes is None:
        return
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
    count = (isinstance(labels, numbers.Real) and not isinstance(labels, bool)) or (
        isinstance(labels, (torch.Tensor, np.ndarray)) and labels.ndim == 0
        and (labels.dtype not in (torch.bool, torch.float16, torch.bfloat16, torch.float32, torch.float64)
             if isinstance(labels, torch.Tensor) else np.issubdtype(labels.dtype, np.integer)))
    if count:                   # a number n (5, np.int64(5), 5.0): n samples of the classes in turn
        return torch.arange(as_int(labels, "n", minimum=0)) % n_classes
    return check_labels(labels, n_classes)
