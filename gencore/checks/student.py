"""The student's function, called safely (`Student`): its call signature is checked first; any exception it
raises is reported as the student's, with the input that triggered it, the line, what is new about that input
when earlier ones worked (a batch of one, more dimensions, float64, non-square images) and, for a shape error,
how shapes broadcast or multiply; a function that changes its inputs in place is refused.
"""
from __future__ import annotations

import inspect
import linecache
import os
import re
import sysconfig
from typing import Callable

import torch
from torch import nn

from .trace import record

_OWN_DIRS = tuple(os.path.dirname(p) + os.sep for p in (
    os.path.dirname(os.path.abspath(__file__)),                 # gencore/
    os.path.dirname(os.path.abspath(torch.__file__)),           # site-packages (torch and friends)
    sysconfig.get_paths()["stdlib"],
))


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


_SHAPE_ERRORS = (
    (("must match the size of tensor",),
     " The shapes do not broadcast: an elementwise operation lines shapes up from the right, so an (n,) tensor "
     "meets the LAST dimension of an (n, d) one; add the missing dimensions ([:, None], .view(n, 1, ...), "
     "keepdim=True) or keep each term over its own tensor."),
    (("shapes cannot be multiplied", "Expected size for first two dimensions of batch2", "size mismatch"),
     " The inner sizes of a matrix product differ: check which side each matrix goes on and whether it needs "
     "a transpose (.T, .transpose(-1, -2))."),
)


def _shape_error_help(message: str) -> str:
    return next((text for keys, text in _SHAPE_ERRORS if any(k in message for k in keys)), "")


def _novelty(args: tuple, passed: list) -> tuple[str, bool]:
    """What is new about this input compared with those that worked: (words, a batch of one?)."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if not tensors or not passed:
        return "", False
    first, earlier = tensors[0], [p[0] for p in passed if p]
    new = []
    one = first.dim() >= 1 and first.shape[0] == 1 and all(len(s) and s[0] > 1 for s, _ in earlier)
    if first.dim() not in {len(s) for s, _ in earlier}:
        new.append(f"{first.dim()}-dimensional (shape {tuple(first.shape)}), where the earlier ones had "
                   f"{' or '.join(sorted({str(len(s)) for s, _ in earlier}))} dimensions")
    if any(t.dtype == torch.float64 for t in tensors) and not any(d == torch.float64 for p in passed for _, d in p):
        new.append("float64")
    if any(t.dim() >= 3 and t.shape[-1] != t.shape[-2] for t in tensors) and all(
            len(s) < 3 or s[-1] == s[-2] for p in passed for s, _ in p):
        new.append("made of non-square images")
    text = ""
    if one:
        text += " It worked for larger batches; this input is a batch of one."
    if new:
        text += (f" It worked for the earlier inputs; this one is {' and '.join(new)}: code that assumes the earlier "
                 f"shapes (a fixed number of dimensions or sizes) breaks here, so write it for any shape.")
    return text, one


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
        self.passed: list[list[tuple]] = []           # (shape, dtype) of the tensor inputs of each call that worked

    def _check_signature(self, args: tuple, kwargs: dict) -> None:
        try:
            sig = inspect.signature(self.fn)
        except (TypeError, ValueError):            # builtins and some C functions have none: just call
            return
        try:
            sig.bind(*args, **kwargs)
        except TypeError as e:
            name = getattr(self.fn, "__name__", "f")
            raise StudentError(f"your function's parameters are {name}"
                               f"{sig}, but the check calls it as {self.signature} ({e}). Keep the parameters "
                               f"of the exercise's template, in that order.") from None
        mine = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        expected = self.names[:len(mine)]
        if sorted(mine) == sorted(expected) and mine != expected:   # the template's names, in another order
            raise StudentError(f"your parameters are ({', '.join(mine)}) but the check calls it as {self.signature}: "
                               f"put them in that order ({', '.join(expected)}), as in the exercise's template.")

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        self._check_signature(args, kwargs)
        watched = [(a, _snapshot(a)) for a in (*args, *kwargs.values()) if isinstance(a, (torch.Tensor, nn.Module))]
        try:
            out = self.fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as e:
            what = ("your own assert failed" if isinstance(e, AssertionError)
                    else f"your function raised {type(e).__name__}")
            message = str(e).strip().splitlines()[0] if str(e).strip() else ""
            if "leaf Variable that requires grad is being used in an in-place operation" in message:
                self._in_place_on_a_leaf(args, kwargs)
            new, one = _novelty(args, self.passed)
            rec = record(self.fn, *args)
            if one and rec.squeezed:
                new += (" Your .squeeze() (without a dimension) also drops its batch dimension: squeeze only the "
                        "dimension you mean (.squeeze(1)) or use .flatten(1) / .reshape(len(x), -1).")
            if rec.one_hot_without_width:
                new += (" F.one_hot(y) without num_classes makes as many columns as the largest label in the batch, "
                        "plus 1, too few when a batch lacks the top class: pass the number of classes.")
            raise StudentError(f"{what}{': ' + message if message else ''} (called with "
                               f"{describe_inputs(self.names, args, kwargs)}).{_student_line(e.__traceback__)}"
                               f"{_shape_error_help(message)}{new}") from None
        for i, (obj, before) in enumerate(watched):
            if not _unchanged(before, obj):
                name = self._name_of(obj, args, kwargs)
                raise StudentError(
                    f"your function changed its input {name} in place (called with "
                    f"{describe_inputs(self.names, args, kwargs)}). The caller's data must stay as it was: "
                    f"compute a new tensor (x = x * 2, torch.clamp(x, ...)) instead of modifying one "
                    f"(x *= 2, x.clamp_(...), x[...] = ..., .data).")
        self.passed.append([(tuple(a.shape), a.dtype) for a in args if isinstance(a, torch.Tensor)])
        return out

    def _in_place_on_a_leaf(self, args: tuple, kwargs: dict) -> None:
        """The function changed an input that requires grad in place (autograd refused): call it again on copies
        that do not require grad to tell which input, and refuse it as any in-place change."""
        copies = [a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args]
        before = [_snapshot(a) for a in copies]
        try:
            self.fn(*copies, **kwargs)
        except Exception:                                                # noqa: BLE001
            pass
        for i, (a, b) in enumerate(zip(copies, before)):
            if isinstance(a, torch.Tensor) and not _unchanged(b, a):
                name = f"`{self.names[i]}`" if i < len(self.names) else f"number {i + 1}"
                raise StudentError(
                    f"your function changed its input {name} in place (called with "
                    f"{describe_inputs(self.names, args, kwargs)}). The caller's data must stay as it was: "
                    f"compute a new tensor (x = x * 2, torch.clamp(x, ...)) instead of modifying one "
                    f"(x *= 2, x.clamp_(...), x[...] = ..., .data).")

    def _name_of(self, obj, args, kwargs) -> str:
        for i, a in enumerate(args):
            if a is obj:
                return f"`{self.names[i]}`" if i < len(self.names) else f"number {i + 1}"
        for k, v in kwargs.items():
            if v is obj:
                return f"`{k}`"
        return ""
