"""The mechanism behind every exercise check: an autograder for untrusted student code, and the one home of
the helpers the checks share.

A check runs the student's function on seeded inputs (batch 1, an odd batch, several dimensionalities,
extreme but valid values), compares with gencore's reference, and on a mismatch tries the catalogued
wrong answers: when the student's output matches one, the hint names that mistake. Otherwise it diagnoses
the result (`diagnose.py`: the reference recomputed with one input or one term changed, the usual
transformations of the expected result and of its shape) and how the function ran (`trace.py`: the
detour that cut the gradient, the operation that made a NaN, functions the formula does not use). Every
differentiable exercise checks with `expect_gradient` that the gradient reaches each input that needs one. The
student's function is called through `Student` (`student.py`), which

- checks the call signature first (a wrong number of parameters, a model instead of a function),
- reports any exception it raises as the student's: the exception, the input that triggered it, the line,
  and what is new about that input when earlier ones worked (a batch of one, more dimensions, float64...),
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
from dataclasses import dataclass, field
from typing import Callable, Iterable

import torch
from torch import nn

from .diagnose import close, describe_difference, input_variants, matching_variant, shape_difference, term_variants
from .report import reported
from .student import Student, StudentError, describe_inputs
from .trace import Recorder, call_quietly, detour_text, nonfinite_text, notes, record

REGISTRY: dict[str, Callable] = {}

class CheckFailed(AssertionError):
    """What a student sees when a check fails: the hint alone. IPython and Jupyter show it without a traceback
    (through ``_render_traceback_``): the frames would be gencore's, and the mistake is in the student's code."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31mAssertionError\x1b[0m: {self}"]


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
        check = reported(body.__name__, check)             # while grading, each outcome goes to the grader
        REGISTRY[body.__name__] = check
        return check

    return decorate


# ------------------------------------------------------------------------------------------ shared helpers
def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def uniform(shape, low: float, high: float, g: torch.Generator, dtype=torch.float32) -> torch.Tensor:
    """Uniform numbers in [low, high) from the generator g."""
    return low + (high - low) * torch.rand(shape, generator=g, dtype=dtype)


def finite(wrong: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The catalogued wrong outputs that are finite: a NaN or inf one would 'match' any student's NaN."""
    return {hint: v for hint, v in wrong.items() if not v.is_floating_point() or bool(torch.isfinite(v).all())}


def shape_mistake(got, expected: torch.Tensor, wrong: dict, hints, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Name a catalogued mistake that changes only the shape (flattened, concatenated): compare does not name
    those, since their values equal the reference's once reshaped."""
    if not isinstance(got, torch.Tensor) or got.shape == expected.shape:
        return
    for hint in hints:
        value = wrong.get(hint)
        if isinstance(value, torch.Tensor) and value.shape == got.shape and close(got, value, rtol, atol):
            raise AssertionError(hint)


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


@dataclass
class Context:
    """What a check knows about one test input, to name a wrong result that no catalogued mistake explains:
    the reference and its inputs (recomputed with one input transformed), the formula as a sum of terms
    (``terms(*args) -> {label: (coefficient, value)}``), the exercise's own transformations (``variants``:
    hint -> fn(*args), or a list of (hint, fn) pairs), named sizes (counts such as the batch size or k) and
    scalars (numbers such as a rate), and the student's function (run again under a Recorder)."""
    reference: Callable | None = None
    args: tuple = ()
    student: Student | None = None
    sizes: dict = field(default_factory=dict)
    scalars: dict = field(default_factory=dict)
    terms: Callable | None = None
    variants: dict | list = field(default_factory=dict)
    transform_inputs: bool = True
    flag: tuple = ()                     # functions worth a note even though the reference calls them
    _runs: dict = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        try:
            return list(inspect.signature(self.reference).parameters)[:len(self.args)]
        except (TypeError, ValueError):
            return [f"argument {i + 1}" for i in range(len(self.args))]

    def inputs(self) -> dict:
        return {n: a for n, a in zip(self.names, self.args) if isinstance(a, torch.Tensor) and a.is_floating_point()}

    def run(self, who: str) -> Recorder | None:
        if who not in self._runs:
            fn = self.student.fn if who == "student" and self.student else self.reference
            self._runs[who] = record(fn, *self.args) if fn is not None and self.args else None
        return self._runs[who]

    def candidates(self):
        if self.reference is None:
            return
        for hint, fn in (self.variants.items() if isinstance(self.variants, dict) else self.variants):
            yield hint, lambda xs, fn=fn: call_quietly(fn, xs)
        if self.terms is not None:
            yield from term_variants(self.terms, self.args, self.sizes)
        if self.transform_inputs:
            yield from input_variants(self.reference, self.args, self.names)

    def matching(self, got, expected, rtol: float, atol: float) -> str | None:
        return matching_variant(got, expected, self.candidates(), self.args, rtol, atol,
                                self.student.fn if self.student else None, self.reference)


# ------------------------------------------------------------------------------------------ comparing
def expect_tensor(got, what: str) -> torch.Tensor:
    if not isinstance(got, torch.Tensor):
        raise AssertionError(f"{what} should be a torch.Tensor, got {type(got).__name__} "
                             f"(keep the computation in torch so gradients can flow).")
    return got


def _matching_mistake(got: torch.Tensor, expected: torch.Tensor, wrong: dict, rtol: float, atol: float):
    """The first catalogued mistake whose output equals ``got`` and can be told apart from the reference
    on this input (a sum over a batch of one equals a squeeze: that is not evidence of the sum). A result of
    one or two numbers must match ten times more closely than the check's tolerance: with a loose tolerance
    (a float32 eigendecomposition) one number can fall near a wrong formula's by chance."""
    if expected.numel() <= 2:
        rtol, atol = rtol / 10, atol / 100
    for hint, value in (wrong or {}).items():
        if not isinstance(value, torch.Tensor) or not close(got, value, rtol, atol):
            continue
        if value.numel() == expected.numel() and close(value.reshape(expected.shape), expected, rtol, atol):
            continue
        return hint
    return None


_NONFINITE = (" Look for an exp that overflows, a log of 0 or of a negative number, a square root of a negative "
              "number or a division by 0.")


def compare(got, expected: torch.Tensor, *, what: str, wrong: dict[str, torch.Tensor] | None = None,
            rtol: float = 1e-4, atol: float = 1e-5, batch: int | None = None, context: Context | None = None,
            nan_hint: str = "") -> None:
    """Assert ``got`` equals ``expected``: its type, then dtype, then shape, then values. On a mismatch name the
    catalogued mistake it matches, if any, else diagnose it (with ``context``: the reference recomputed with an
    input or a term changed, and how the student's function ran), else say what differs."""
    got = expect_tensor(got, what)
    if expected.is_floating_point() and got.dtype != expected.dtype:
        raise AssertionError(
            f"{what} has dtype {got.dtype}, expected {expected.dtype} (the inputs' dtype). float64 usually comes "
            f"from numpy or from torch.tensor(...) of Python floats; a model of float32 weights then fails on "
            f"it. Keep the computation in torch, in the inputs' dtype.")
    same = got.shape == expected.shape
    if same and close(got, expected, rtol, atol):
        return
    hint = _matching_mistake(got, expected, wrong, rtol, atol)
    if hint:
        raise AssertionError(hint)
    nan = bool(expected.is_floating_point() and torch.isfinite(expected).all() and torch.isnan(got).any())
    found = context.matching(got, expected, rtol, atol) if context and not nan else None
    ran = notes(context.run("student"), context.run("reference"), context.flag) if context else ""
    if not same:
        words = found or shape_difference(got, expected, context.inputs() if context else None, rtol, atol,
                                          context.sizes if context else None)
        raise AssertionError(f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}: {words}.{ran}")
    if found:
        raise AssertionError(f"{what} is wrong: {found}.{ran}")
    if expected.is_floating_point() and torch.isfinite(expected).all() and not torch.isfinite(got).all():
        bad = (~torch.isfinite(got)).nonzero()[0].tolist()
        trace = nonfinite_text(context.run("student")) if context else ""
        tail = (f" {nan_hint}" if nan_hint else "") + (trace or ("" if nan_hint else _NONFINITE))
        raise AssertionError(f"{what} contains NaN or inf (first at index {tuple(bad)}) where the result is "
                             f"finite.{tail}{ran}")
    difference = describe_difference(got, expected, batch, context.sizes if context else None,
                                     context.inputs() if context else None, rtol, atol,
                                     context.scalars if context else None)
    raise AssertionError(f"{what} is wrong: {difference}.{ran} Compare your code with the formula above, "
                         f"term by term.")


def compare_or_explain(got, expected: torch.Tensor, *, what: str, wrong: dict, mistakes: dict,
                       explain: Iterable[Callable[[], None]] = (), extra: str = "", **kwargs) -> None:
    """``compare``; when it fails without naming a catalogued mistake, each ``explain`` gets a chance to raise
    a more specific hint (no gradient path, randomness not drawn from the generator) and ``extra`` is added
    to compare's own message."""
    try:
        compare(got, expected, what=what, wrong=wrong, **kwargs)
    except AssertionError as e:
        if str(e) in mistakes:
            raise
        for fn in explain:
            fn()
        if extra:
            raise AssertionError(f"{e} {extra}") from None
        raise


# ------------------------------------------------------------------------------------------ gradients
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


def expect_gradient(got, inputs: dict, *, what: str, student: Student | None = None, args: tuple = (),
                    weight: torch.Tensor | None = None, expected: dict | None = None, wrong: dict | None = None,
                    rtol: float = 1e-4, atol: float | dict = 1e-5, why: str = "") -> dict[str, torch.Tensor]:
    """Assert that the gradient of sum(weight * got) reaches each of ``inputs`` (name -> a tensor, or a list of
    tensors such as a module's parameters) and, where ``expected`` gives it (name -> gradient), equals it. When
    it does not reach one, the hint names the detour the student's function took (numpy, .item(), .detach(),
    torch.no_grad, torch.tensor of values, requires_grad_(False)), found by calling it again on ``args`` under
    a Recorder; ``why`` says what needs that gradient. Returns the gradients (a list flattened into one)."""
    if not isinstance(got, torch.Tensor) or not got.is_floating_point():
        return {}
    names = list(inputs)
    groups = {n: list(v) if isinstance(v, (list, tuple)) else [v] for n, v in inputs.items()}
    flat = [t for n in names for t in groups[n]]
    frozen = any(not t.requires_grad for t in flat)
    grads: list = [None] * len(flat)
    if got.requires_grad and any(t.requires_grad for t in flat):
        w = torch.ones_like(got) if weight is None else weight.to(got.dtype)
        found = iter(gradient((got * w).sum(), [t for t in flat if t.requires_grad], what, allow_unused=True,
                              retain_graph=True))
        grads = [next(found) if t.requires_grad else None for t in flat]
    out, i = {}, 0
    for n in names:
        part, i = grads[i:i + len(groups[n])], i + len(groups[n])
        out[n] = (None if any(g is None for g in part) else
                  part[0] if len(part) == 1 else torch.cat([g.flatten() for g in part]))
    missing = [n for n in names if out[n] is None]
    if missing:
        detours = record(student.fn, *args).detours if student is not None and args else []
        names = [f"`{n}`" if " " not in n else n for n in missing]
        listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        raise AssertionError(f"No gradient reaches {listed} through {what}: "
                             f"{detour_text(detours + (['requires_grad_'] if frozen else []))}. "
                             f"{why or f'The result must be a differentiable function of {listed}: training needs it.'}"
                             f" Keep the computation in torch, on the tensors you are given.")
    for n, g in out.items():
        if expected is not None and n in expected:
            tol = atol[n] if isinstance(atol, dict) else atol
            compare(g, expected[n].detach(), what=f"the gradient of {what} with respect to "
                    f"{f'`{n}`' if ' ' not in n else n}", wrong=(wrong or {}).get(n), rtol=rtol, atol=tol)
    return out


__all__ = ["REGISTRY", "CheckFailed", "StudentError", "Student", "Context", "exercise", "compare",
           "compare_or_explain", "close", "shape_mistake", "expect_tensor", "expect_gradient", "gradient",
           "wrong_outputs",
           "seeded", "uniform", "finite", "describe_difference", "describe_inputs"]
