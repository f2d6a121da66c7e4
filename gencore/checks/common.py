"""Mistakes that many exercises invite, written once and recognised by every check that could see them.

Each is a function of the reference that returns the wrong answer a student would compute, so a check adds
them with ``common_mistakes(reference, "logvar", swap=("mu", "logvar"))`` next to its own catalogue.
The hints name the parameter, so they read right in every exercise.
"""
from __future__ import annotations

import inspect
from typing import Callable

import torch


def _replace(reference: Callable, name: str, transform: Callable) -> Callable:
    """reference, with the argument called ``name`` transformed before the call."""
    params = list(inspect.signature(reference).parameters)
    i = params.index(name)

    def wrong(*args, **kwargs):
        args = list(args)
        if i < len(args):
            args[i] = transform(args[i])
        else:
            kwargs[name] = transform(kwargs[name])
        return reference(*args, **kwargs)

    return wrong


def _swap(reference: Callable, a: str, b: str) -> Callable:
    params = list(inspect.signature(reference).parameters)
    i, j = params.index(a), params.index(b)

    def wrong(*args, **kwargs):
        args = list(args)
        args[i], args[j] = args[j], args[i]
        return reference(*args, **kwargs)

    return wrong


def logvar_mistakes(reference: Callable, logvar: str = "logvar") -> dict[str, Callable]:
    """The three ways to misread a log-variance: as log sigma, as sigma, as sigma^2."""
    return {
        f"`{logvar}` is log sigma^2, so sigma^2 = exp({logvar}) and sigma = exp({logvar} / 2); you treated it as "
        f"log sigma (sigma = exp({logvar}), variance exp(2 {logvar})).":
            _replace(reference, logvar, lambda lv: 2 * lv),
        f"`{logvar}` is a log-variance: you used it as the standard deviation itself; sigma = exp({logvar} / 2).":
            _replace(reference, logvar, lambda lv: torch.log(lv.pow(2))),
        f"`{logvar}` is a log-variance: you used it as the variance without exp; sigma^2 = exp({logvar}).":
            _replace(reference, logvar, torch.log),
    }


def swapped(reference: Callable, a: str, b: str) -> dict[str, Callable]:
    """The arguments ``a`` and ``b`` used the other way round."""
    return {f"Arguments swapped: you used `{a}` where `{b}` belongs and the reverse.": _swap(reference, a, b)}


def reduction_mistakes(reference: Callable, what: str = "the result") -> dict[str, Callable]:
    """For a reference that returns one value per example (shape (batch,)): summing or averaging over the batch."""
    return {
        f"Reduction: you summed {what} over the batch; return one value per example, shape (batch,).":
            lambda *a, **k: reference(*a, **k).sum(0),
        f"Reduction: you averaged {what} over the batch; return one value per example, shape (batch,).":
            lambda *a, **k: reference(*a, **k).mean(0),
    }


def batch_mean_mistakes(per_example: Callable, what: str = "the loss") -> dict[str, Callable]:
    """For a loss that is the batch mean of ``per_example``: summing over the batch, or no reduction."""
    return {
        f"Reduction: you summed {what} over the batch; average it (divide by len(x)), so it does not grow "
        f"with the batch size.":
            lambda *a, **k: per_example(*a, **k).sum(),
        f"Reduction: {what} should be one number, the average over the batch; you returned one value per "
        f"example.":
            lambda *a, **k: per_example(*a, **k),
    }


__all__ = ["logvar_mistakes", "swapped", "reduction_mistakes", "batch_mean_mistakes"]


def dtype_note(t: torch.Tensor) -> str:
    """", float64" for a float64 input, else "": appended to the description of a test input."""
    return ", float64" if t.dtype == torch.float64 else ""
