"""The mechanism behind every exercise check: an autograder for untrusted student code.

A check runs the student's function on seeded inputs (batch 1, an odd batch, several dimensionalities,
extreme but valid values), compares with gencore's reference, and on a mismatch tries the catalogued
wrong answers: when the student's output matches one, the hint names that mistake; otherwise it says
what differs (sign, a constant factor or offset, which elements). The student's function is called
through `Student`, which

- checks the call signature first (a wrong number of parameters, a model instead of a function),
- reports any exception it raises as the student's: the exception, the input that triggered it, the line,
- refuses a function that changes its inputs in place.

A NotImplementedError means "not implemented yet": the check says so and returns gencore's function,
so the notebook goes on. A passing check returns the student's function: ``f = checks.x(f)``.

    @exercise("Inverse-CDF sampling", reference=..., mistakes={"hint": wrong_fn, ...}, signature="f(u, rate)")
    def inverse_cdf(student): ...     # raises AssertionError with a hint, or returns quietly

Every check exposes ``.reference``, ``.mistakes`` and ``.signature`` so the unit tests can feed them back in.
"""
from __future__ import annotations

import functools
import inspect
import linecache
import math
import os
import re
import sysconfig
from typing import Callable

import torch
from torch import nn

REGISTRY: dict[str, Callable] = {}

_OWN_DIRS = tuple(os.path.dirname(p) + os.sep for p in (
    os.path.dirname(os.path.abspath(__file__)),                 # gencore/
    os.path.dirname(os.path.abspath(torch.__file__)),           # site-packages (torch and friends)
    sysconfig.get_paths()["stdlib"],
))


class CheckFailed(AssertionError):
    """What a student sees when a check fails: the hint alone. IPython and Jupyter show it without a traceback
    (through ``_render_traceback_``): the frames would be gencore's, and the mistake is in the student's code."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31mAssertionError\x1b[0m: {self}"]


class StudentError(AssertionError):
    """The student's function raised an exception, or broke a rule (mutated its inputs)."""


# ------------------------------------------------------------------------------------------ describing
def _describe_value(v) -> str:
    if isinstance(v, torch.Tensor):
        grad = ", requires_grad" if v.requires_grad else ""
        return f"{str(v.dtype).replace('torch.', '')} tensor of shape {tuple(v.shape)}{grad}"
    if isinstance(v, nn.Module):
        return f"a {type(v).__name__} module"
    if isinstance(v, torch.Generator):
        return "a seeded torch.Generator"
    if callable(v):
        return f"the function {getattr(v, '__name__', type(v).__name__)}"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_inputs(names: list[str], args: tuple, kwargs: dict) -> str:
    parts = [f"{names[i] if i < len(names) else f'argument {i + 1}'} = {_describe_value(a)}"
             for i, a in enumerate(args)]
    parts += [f"{k} = {_describe_value(v)}" for k, v in kwargs.items()]
    return ", ".join(parts) or "no arguments"


def _student_line(tb) -> str:
    """'line 3 of your code: `return u.view(97)`' for the deepest frame outside gencore, torch and the stdlib."""
    found = None
    while tb is not None:
        path = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not path.startswith(_OWN_DIRS) or "<" in tb.tb_frame.f_code.co_filename:
            found = tb
        tb = tb.tb_next
    if found is None:
        return ""
    code = found.tb_frame.f_code
    line = linecache.getline(code.co_filename, found.tb_lineno, found.tb_frame.f_globals).strip()
    where = f"line {found.tb_lineno} of {code.co_name}" if code.co_name != "<lambda>" else "your lambda"
    return f" It happened at {where}" + (f": `{line}`" if line else "") + "."


def _parameter_names(signature: str) -> list[str]:
    m = re.search(r"\((.*)\)", signature)
    return [p.strip().split("=")[0].strip() for p in m.group(1).split(",") if p.strip()] if m else []


# ------------------------------------------------------------------------------------------ the student
def _snapshot(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, nn.Module):
        return {k: v.detach().clone() for k, v in obj.state_dict().items()}
    return None


def _unchanged(before, obj) -> bool:
    if isinstance(obj, torch.Tensor):
        return (before.shape == obj.shape and before.dtype == obj.dtype
                and bool(torch.equal(before, obj.detach()) or torch.allclose(before, obj.detach(), rtol=0,
                                                                            atol=0, equal_nan=True)))
    if isinstance(obj, nn.Module):
        now = obj.state_dict()
        return before.keys() == now.keys() and all(torch.equal(before[k], now[k].detach()) for k in before)
    return True


class Student:
    """The student's function, called safely: signature, exceptions and input mutation are checked."""

    def __init__(self, fn: Callable, title: str, signature: str):
        self.fn, self.title, self.signature = fn, title, signature
        self.names = _parameter_names(signature)

    def _check_signature(self, args: tuple, kwargs: dict) -> None:
        try:
            sig = inspect.signature(self.fn)
        except (TypeError, ValueError):            # builtins and some C functions have none: just call
            return
        try:
            sig.bind(*args, **kwargs)
        except TypeError as e:
            raise StudentError(f"your function's parameters are {self.fn.__name__ if hasattr(self.fn, '__name__') else 'f'}"
                               f"{sig}, but the check calls it as {self.signature} ({e}). Keep the parameters "
                               f"of the exercise's template, in that order.") from None

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        self._check_signature(args, kwargs)
        watched = [(a, _snapshot(a)) for a in (*args, *kwargs.values()) if isinstance(a, (torch.Tensor, nn.Module))]
        try:
            out = self.fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as e:
            what = "your own assert failed" if isinstance(e, AssertionError) else f"your function raised {type(e).__name__}"
            message = str(e).strip().splitlines()[0] if str(e).strip() else ""
            raise StudentError(f"{what}{': ' + message if message else ''} (called with "
                               f"{describe_inputs(self.names, args, kwargs)}).{_student_line(e.__traceback__)}"
                               ) from None
        for i, (obj, before) in enumerate(watched):
            if not _unchanged(before, obj):
                name = self._name_of(obj, args, kwargs)
                raise StudentError(
                    f"your function changed its input {name} in place (called with "
                    f"{describe_inputs(self.names, args, kwargs)}). The caller's data must stay as it was: "
                    f"compute a new tensor (x = x * 2, torch.clamp(x, ...)) instead of modifying one "
                    f"(x *= 2, x.clamp_(...), x[...] = ..., .data).")
        return out

    def _name_of(self, obj, args, kwargs) -> str:
        for i, a in enumerate(args):
            if a is obj:
                return f"`{self.names[i]}`" if i < len(self.names) else f"number {i + 1}"
        for k, v in kwargs.items():
            if v is obj:
                return f"`{k}`"
        return ""


# ------------------------------------------------------------------------------------------ the decorator
def exercise(title: str, reference: Callable, mistakes: dict[str, Callable], signature: str):
    """Turn a checking function into a notebook check: it prints one line and returns the function that
    later cells should use (the student's when correct, gencore's when not implemented yet), or raises
    AssertionError with a hint. ``signature`` is how the check calls the student, e.g. ``"f(u, rate)"``."""

    def decorate(body: Callable) -> Callable:
        @functools.wraps(body)
        def check(student: Callable, *args, **kwargs) -> Callable:
            __tracebackhide__ = True                       # IPython and pytest hide this frame
            if isinstance(student, nn.Module):
                raise CheckFailed(f"{title}: you passed a model ({type(student).__name__}), not your "
                                     f"function. Pass the function you completed, {signature}.")
            if not callable(student):
                raise CheckFailed(f"{title}: expected your function {signature}, got "
                                     f"{type(student).__name__}.")
            try:
                with torch.random.fork_rng(devices=[]):
                    body(Student(student, title, signature), *args, **kwargs)
            except NotImplementedError:
                print(f"[ ] {title}: not implemented yet. The rest of the notebook uses gencore's version.")
                return reference
            except AssertionError as e:
                raise CheckFailed(f"{title}: {e}") from None
            except Exception as e:                         # the check could not use what the function returned
                raise CheckFailed(
                    f"{title}: your function's result could not be used ({type(e).__name__}: "
                    f"{str(e).strip().splitlines()[0] if str(e).strip() else ''}). Compare its type, shape "
                    f"and dtype with the exercise's description.") from None
            print(f"[ok] {title}: correct. Later cells use your function.")
            return student

        check.title, check.reference, check.mistakes, check.signature = title, reference, mistakes, signature
        REGISTRY[body.__name__] = check
        return check

    return decorate


# ------------------------------------------------------------------------------------------ comparing
def close(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.detach().double(), b.detach().double(), rtol=rtol,
                                                      atol=atol, equal_nan=True))


_close = close   # the old private name


def expect_tensor(got, what: str, finite: bool = True) -> torch.Tensor:
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} should be a torch.Tensor, got {type(got).__name__} "
                             f"(keep the computation in torch so gradients can flow).")
    if finite and got.is_floating_point() and not torch.isfinite(got).all():
        raise AssertionError(f"{what} contains NaN or inf; look for a log of 0, a division by 0 or an exp "
                             f"that overflows, and use the stable form (torch.logsumexp, F.logsigmoid, log1p).")
    return got


def _matching_mistake(got: torch.Tensor, expected: torch.Tensor, wrong: dict, rtol: float, atol: float):
    """The first catalogued mistake whose output equals ``got`` and can be told apart from the reference
    on this input (a sum over a batch of one equals a squeeze: that is not evidence of the sum)."""
    for hint, value in (wrong or {}).items():
        if not isinstance(value, torch.Tensor) or not close(got, value, rtol, atol):
            continue
        if value.numel() == expected.numel() and close(value.reshape(expected.shape), expected, rtol, atol):
            continue
        return hint
    return None


def _shape_hint(got: torch.Tensor, expected: torch.Tensor) -> str:
    if got.numel() == expected.numel():
        return ("the number of values is right but the shape is not: a .squeeze() (which also drops a batch "
                "of one's batch dimension), .flatten() or .view() changed it; keep the expected shape")
    if got.dim() == 0 and expected.dim() > 0:
        return "you reduced to one number; one value per example (or element) is expected"
    return "did you hard-code a size, or reduce over the wrong dimension"


def describe_difference(got: torch.Tensor, expected: torch.Tensor, batch: int | None = None) -> str:
    """What differs between two same-shaped tensors, in words: sign, a constant factor or offset, which elements."""
    g, e = got.detach().double().flatten(), expected.detach().double().flatten()
    err = (g - e).abs()
    scale = e.abs().max().item() if e.numel() else 1.0
    tol = 1e-3 * max(scale, 1e-6)
    if e.numel() and torch.allclose(g, -e, rtol=1e-4, atol=1e-5) and scale > 1e-6:
        return "it is the negative of the expected result: check the sign"
    nonzero = e.abs() > 1e-6 * max(scale, 1e-12)
    if nonzero.sum() >= 1:
        ratio = g[nonzero] / e[nonzero]
        c = ratio.median().item()
        if (ratio - c).abs().max().item() < 1e-3 * max(abs(c), 1e-6) and abs(c - 1) > 1e-3 and abs(c) > 1e-6:
            extra = ""
            if batch and batch > 1 and (math.isclose(c, batch, rel_tol=1e-3) or math.isclose(c, 1 / batch, rel_tol=1e-3)):
                extra = f" = the batch size {batch}: a sum over the batch where a mean belongs, or the reverse"
            elif math.isclose(abs(c), 2, rel_tol=1e-3) or math.isclose(abs(c), 0.5, rel_tol=1e-3):
                extra = ": a missing or extra factor 2 (or 1/2)"
            everywhere = " everywhere" if e.numel() > 1 else ""
            return f"it is {c:.4g} times the expected result{everywhere}{extra}"
    d = (g - e)
    if e.numel() > 1 and (d - d.median()).abs().max().item() < tol and d.abs().min().item() > tol:
        return f"it is off by the same constant {d.median().item():.4g} everywhere: a missing or extra additive term"
    bad = (err > 1e-4 * e.abs() + 1e-5) | ~torch.isfinite(g)
    n_bad = int(bad.sum())
    first = int(bad.nonzero()[0]) if n_bad else 0
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(first), expected.shape)) if expected.dim() else ()
    where = f" at index {index}" if expected.dim() else ""
    return (f"{n_bad} of {e.numel()} values differ (largest difference {err.max().item():.3g}); the first{where} is "
            f"{g[first].item():.6g} where {e[first].item():.6g} was expected")


def compare(got, expected: torch.Tensor, *, what: str, wrong: dict[str, torch.Tensor] | None = None,
            rtol: float = 1e-4, atol: float = 1e-5, batch: int | None = None) -> None:
    """Assert ``got`` equals ``expected``: its type, then dtype, then shape, then values. On a mismatch name the
    catalogued mistake it matches, if any, else say what differs."""
    got = expect_tensor(got, what, finite=False)
    if expected.is_floating_point() and got.dtype != expected.dtype:
        raise AssertionError(
            f"{what} has dtype {got.dtype}, expected {expected.dtype} (the inputs' dtype). float64 usually comes "
            f"from numpy or from torch.tensor(...) of Python floats; a model of float32 weights then fails on "
            f"it. Keep the computation in torch, in the inputs' dtype.")
    if got.shape != expected.shape:
        hint = _matching_mistake(got, expected, wrong, rtol, atol)
        if hint:
            raise AssertionError(hint)
        raise AssertionError(f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}: "
                             f"{_shape_hint(got, expected)}.")
    if close(got, expected, rtol, atol):
        return
    hint = _matching_mistake(got, expected, wrong, rtol, atol)
    if hint:
        raise AssertionError(hint)
    if expected.is_floating_point() and torch.isfinite(expected).all() and not torch.isfinite(got).all():
        bad = (~torch.isfinite(got)).nonzero()[0].tolist()
        raise AssertionError(
            f"{what} contains NaN or inf (first at index {tuple(bad)}) where the result is finite: an exp that "
            f"overflows or underflows, a log of 0 or a division by 0. Use the stable form (torch.logsumexp, "
            f"F.logsigmoid, log1p, subtracting the maximum per row).")
    raise AssertionError(f"{what} is wrong: {describe_difference(got, expected, batch)}. Compare your code with "
                         f"the formula above, term by term.")


def gradient(output: torch.Tensor, inputs, what: str, **kwargs):
    """torch.autograd.grad on the student's result, with autograd's errors turned into a hint."""
    try:
        return torch.autograd.grad(output, inputs, **kwargs)
    except RuntimeError as e:
        message = str(e).strip().splitlines()[0]
        if "inplace" in message or "in-place" in message:
            hint = ("an in-place operation (x += ..., x.exp_(), x[...] = ...) changed a tensor that autograd "
                    "needs for the backward pass; write it out of place (x = x + ...)")
        elif "does not require grad" in message or "does not have a grad_fn" in message:
            hint = ("your result is not connected to the inputs in autograd's graph (.detach(), .item(), "
                    "numpy, torch.no_grad or torch.tensor(...) of values cut it)")
        else:
            hint = "look for operations that cut or break autograd's graph"
        raise AssertionError(f"the gradient of {what} could not be computed ({message}): {hint}.") from None


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
