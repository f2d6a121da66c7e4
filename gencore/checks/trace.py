"""How the student's function ran: a `Recorder` (a torch function mode) watches it once more and notes the
detours that cut autograd's graph (numpy, .item(), .detach(), torch.no_grad, torch.tensor of values), the
first operation that turned finite numbers into NaN or inf, a .squeeze() without a dimension, a softmax
without dim, a one-hot without its width, and the functions it called that the formula does not (`notes`).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch.overrides import TorchFunctionMode

DETOURS = {
    "numpy": "a numpy round trip (.numpy(), np.asarray, torch.from_numpy): autograd cannot follow numpy",
    "item": "a Python number (.item(), float(), .tolist()): autograd cannot follow a number",
    "detach": ".detach() (or .data), which cuts the result off autograd's graph",
    "no_grad": "torch.no_grad() (or inference_mode), under which autograd records nothing",
    "tensor": "a new tensor built from values (torch.tensor(...), torch.as_tensor), which starts a new graph",
    "requires_grad_": "requires_grad_(False), which freezes what it is called on",
}
_DETOUR_OF = {"numpy": "numpy", "__array__": "numpy", "item": "item", "__float__": "item", "tolist": "item",
              "detach": "detach", "detach_": "detach", "data": "detach", "tensor": "tensor", "as_tensor": "tensor"}

NONFINITE = {  # (function, NaN?) -> what happened
    ("log", True): "the log of a negative number", ("log", False): "the log of 0",
    ("sqrt", True): "the square root of a negative number", ("pow", True): "a fractional power of a negative number",
    ("div", True): "0 / 0", ("div", False): "a division by 0", ("exp", False): "an exp that overflows",
    ("prod", False): "a product that overflows", ("mul", True): "0 * inf", ("sub", True): "inf - inf",
    ("add", True): "inf - inf", ("pow", False): "a power that overflows", ("reciprocal", False): "1 / 0",
}
_LOGS = ("log", "log2", "log10", "log1p", "xlogy")

NOTES = {  # a function the formula does not use -> what to check about it
    "linalg_eigvalsh": "torch.linalg.eigvalsh assumes a symmetric matrix and reads only one triangle of it (a "
                       "product of two symmetric matrices is not symmetric)",
    "linalg_svdvals": "singular values (torch.linalg.svdvals) equal the eigenvalues only for a symmetric positive "
                      "semi-definite matrix",
    "log2": "torch.log2 is the base-2 logarithm; the formula's log is the natural one (torch.log)",
    "log10": "torch.log10 is the base-10 logarithm; the formula's log is the natural one (torch.log)",
    "l1_loss": "F.l1_loss is the absolute error, not the Bernoulli cross-entropy (BCE) of the formula",
    "mse_loss": "F.mse_loss is the squared error, not the Bernoulli cross-entropy (BCE) of the formula",
    "cross_entropy": "F.cross_entropy is the softmax cross-entropy over classes (dim 1), not the binary "
                     "cross-entropy of independent values",
    "relu": "F.relu cuts every value below 0 (relu(1 - l) makes the hinge loss, which is not this one)",
    "round": "torch.round rounds to whole numbers, which the formula does not",
    "median": "the median is not the mean: an expectation is a mean",
    "sort": "sort reorders the values, but their order is part of the answer",
    "softplus": "F.softplus(a) = log(1 + exp(a)) is not in the formula", "tanh": "tanh squashes values into (-1, 1)",
    "rand": "torch.rand draws uniform numbers in [0, 1)", "rand_like": "torch.rand_like draws uniform numbers",
    "randn_like": "torch.randn_like draws new numbers, from the global generator",
    "linalg_inv": "the formula has no inverse matrix", "inverse": "the formula has no inverse matrix",
    "linalg_pinv": "the formula has no inverse matrix",
}


def _name(func) -> str:
    name = getattr(func, "__name__", "")
    if name == "__get__":
        name = getattr(getattr(func, "__self__", None), "__name__", name)
    return name


def _flat(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _flat(o)


def _nonfinite(obj) -> bool | None:
    """True for NaN, False for inf only, None when every float tensor in obj is finite."""
    for t in _flat(obj):
        if t.is_floating_point() and t.numel() and not torch.isfinite(t).all():
            return bool(torch.isnan(t).any())
    return None


class Recorder(TorchFunctionMode):
    """Watches one call: the torch functions it runs, its detours out of autograd, a .squeeze() without a
    dimension, and the first operation that made NaN or inf out of finite numbers."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []
        self.detours: list[str] = []
        self.nonfinite: tuple[str, bool] | None = None
        self.squeezed = False
        self.softmax_without_dim = self.one_hot_without_width = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = _name(func)
        self.calls.append(name)
        detour = _DETOUR_OF.get(name)
        if detour == "detach":
            if name == "data" or any(t.requires_grad for t in _flat(args)):
                self.detours.append(detour)
        elif detour:
            self.detours.append(detour)
        if name == "requires_grad_" and (args[1:2] == (False,) or kwargs.get("requires_grad") is False):
            self.detours.append("requires_grad_")
        if (name == "_set_grad_enabled" and args and args[0] is False) or not torch.is_grad_enabled():
            self.detours.append("no_grad")
        if name == "squeeze" and len(args) == 1 and "dim" not in kwargs:
            self.squeezed = self.squeezed or any(1 in t.shape for t in _flat(args))
        if name in ("softmax", "log_softmax") and kwargs.get("dim", args[1] if len(args) > 1 else None) is None:
            self.softmax_without_dim = True
        if name == "one_hot" and len(args) < 2 and kwargs.get("num_classes", -1) == -1:
            self.one_hot_without_width = True
        out = func(*args, **kwargs)
        if self.nonfinite is None and name not in ("__get__", "__getitem__"):
            nan = _nonfinite(out)
            if nan is not None and _nonfinite((args, list(kwargs.values()))) is None:
                self.nonfinite = (name, nan)
        return out


def fresh(args) -> tuple:
    """args with every torch.Generator replaced by a copy in the same state (a call must not advance theirs)."""
    def copy(a):
        if isinstance(a, torch.Generator):
            g = torch.Generator(device=a.device)
            g.set_state(a.get_state())
            return g
        return a
    return tuple(copy(a) for a in args)


def call_quietly(fn: Callable, args) -> torch.Tensor | None:
    args = fresh(args)
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            out = fn(*args)
    except Exception:                                                    # noqa: BLE001
        return None
    return out.detach() if isinstance(out, torch.Tensor) else None


def record(fn: Callable, *args) -> Recorder:
    """Run fn(*args) (on copies of the tensors) under a Recorder; its exceptions are ignored."""
    copies = [a.detach().clone().requires_grad_(a.requires_grad) if isinstance(a, torch.Tensor) and a.is_leaf
              else a for a in fresh(args)]
    rec = Recorder()
    try:
        with rec, torch.random.fork_rng(devices=[]):
            fn(*copies)
    except Exception:                                   # noqa: BLE001 - the student's error was reported already
        pass
    return rec


def detour_text(detours) -> str:
    found = list(dict.fromkeys(d for d in detours if d in DETOURS))
    if not found:
        return ("something cut it from autograd's graph: .detach(), .item(), numpy, torch.no_grad or "
                "torch.tensor(...) of values")
    return "your function goes through " + "; and ".join(DETOURS[d] for d in found)


def nonfinite_text(rec: Recorder | None) -> str:
    if rec is None or rec.nonfinite is None:
        return ""
    name, nan = rec.nonfinite
    base = "log" if name in _LOGS else name.replace("_", "")
    what = NONFINITE.get((base, nan)) or NONFINITE.get((base, not nan)) or ("NaN" if nan else "inf")
    fix = ""
    if base in ("log", "exp", "prod") or name == "log1p":
        fix = (" Work in the log domain with the stable forms (torch.logsumexp, F.logsigmoid, F.softplus, "
               "log1p, sums of logs instead of the log of a product).")
    elif base in ("sqrt", "pow"):
        fix = " Clamp at 0 what should not be negative (.clamp(min=0)) before the square root, or use the matrix form."
    return f" It first appears in torch.{name}: {what}.{fix}"


def notes(student_rec: Recorder | None, reference_rec: Recorder | None, flag=()) -> str:
    """What to check among the functions the student's code ran and the formula does not (or ``flag`` names)."""
    if student_rec is None:
        return ""
    used = (set(reference_rec.calls) if reference_rec is not None else set()) - set(flag)
    out = []
    if student_rec.softmax_without_dim:
        out.append("softmax without dim= picks a dimension for you (dim 0, the batch, for a 3-D input): give dim=-1")
    if student_rec.one_hot_without_width:
        out.append("F.one_hot(y) without num_classes makes as many columns as the largest label in this batch, "
                   "plus 1: pass the number of classes")
    out += [NOTES[name] for name in dict.fromkeys(student_rec.calls) if name in NOTES and name not in used]
    return (" Check in your code: " + "; ".join(out[:2]) + ".") if out else ""


