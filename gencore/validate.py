"""Validation shared by every public entry: one clear sentence for bad input.

    epochs = as_int(epochs, "epochs", minimum=0)      # 8, np.int64(8), torch.tensor(8), 8.0 -> 8; 2.5 -> error
"""
from __future__ import annotations

import math
import numbers

import torch

__all__ = ["as_int", "as_float"]


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
