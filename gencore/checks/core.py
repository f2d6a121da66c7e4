"""The mechanism behind every exercise check.

A check runs the student's function on seeded inputs (odd batch sizes), compares with gencore's
reference, and on a mismatch tries the catalogued wrong answers: when the student's output matches
one, the hint names that mistake. A NotImplementedError means "not implemented yet": the check says
so and the notebook goes on (later cells use gencore's implementation).

    @exercise("Inverse-CDF sampling", reference=..., mistakes={"hint": wrong_fn, ...})
    def inverse_cdf(student): ...     # raises AssertionError with a hint, or returns quietly

Every check exposes ``.reference`` and ``.mistakes`` so the unit tests can feed them back in.
"""
from __future__ import annotations

import functools
from typing import Callable

import torch

REGISTRY: dict[str, Callable] = {}


def exercise(title: str, reference: Callable, mistakes: dict[str, Callable]):
    """Turn a checking function into a notebook check: it prints one line, or raises AssertionError."""

    def decorate(body: Callable) -> Callable:
        @functools.wraps(body)
        def check(student: Callable, *args, **kwargs) -> None:
            if not callable(student):
                raise AssertionError(f"{title}: expected your function, got {type(student).__name__}.")
            try:
                with torch.random.fork_rng(devices=[]):
                    body(student, *args, **kwargs)
            except NotImplementedError:
                print(f"[ ] {title}: not implemented yet. The rest of the notebook uses gencore's version.")
                return
            except AssertionError as e:
                raise AssertionError(f"{title}: {e}") from None
            print(f"[ok] {title}: correct.")

        check.title, check.reference, check.mistakes = title, reference, mistakes
        REGISTRY[body.__name__] = check
        return check

    return decorate


def _close(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), rtol=rtol, atol=atol))


def expect_tensor(got, what: str) -> torch.Tensor:
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} should be a torch.Tensor, got {type(got).__name__} "
                             f"(keep the computation in torch so gradients can flow).")
    if not torch.isfinite(got).all():
        raise AssertionError(f"{what} contains NaN or inf; look for a log of 0 or a division by 0.")
    return got


def compare(got, expected: torch.Tensor, *, what: str, wrong: dict[str, torch.Tensor] | None = None,
            rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Assert ``got`` equals ``expected``; on a mismatch name the catalogued mistake it matches, if any."""
    got = expect_tensor(got, what)
    if got.shape != expected.shape:
        raise AssertionError(f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}. "
                             f"Did you hard-code a size, or reduce over the wrong dimension?")
    if _close(got, expected, rtol, atol):
        return
    for hint, value in (wrong or {}).items():
        if isinstance(value, torch.Tensor) and _close(got, value, rtol, atol):
            raise AssertionError(hint)
    err = (got.double() - expected.double()).abs().max().item()
    raise AssertionError(f"{what} differs from the reference (largest difference {err:.3g}). "
                         f"Compare your code with the formula above, term by term.")


def wrong_outputs(mistakes: dict[str, Callable], *args, generator_seed: int | None = None,
                  **kwargs) -> dict[str, torch.Tensor]:
    """Evaluate each catalogued wrong answer on (detached copies of) the same inputs; ones that fail are
    skipped. With ``generator_seed`` each gets its own freshly seeded generator as last argument (a shared
    one would advance between them)."""
    out = {}
    for hint, fn in mistakes.items():
        call = [a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args]
        if generator_seed is not None:
            call.append(seeded(generator_seed))
        try:
            with torch.random.fork_rng(devices=[]):
                value = fn(*call, **kwargs)
        except Exception:
            continue
        if isinstance(value, torch.Tensor):
            out[hint] = value.detach()
    return out


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
