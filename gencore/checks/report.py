"""The checks' results channel, for grading: each check's outcome goes to a file the grader names.

A student never meets it: until `start` is called, every check runs exactly as before and nothing is written.
The grader (`gencore.course.grade`) calls `start(path, token)` in a hidden first execution of the kernel,
before any of the notebook's cells, with a results file and a token drawn for that run. From then on every
call of a check appends one JSON line to the file:

    {"token": ..., "check": name, "status": "correct" | "wrong" | "not implemented" | "error",
     "hint": the check's message, "reference": why the student's function is gencore's own answer, or ""}

"reference" is set when the function the student passed is gencore's own (the check's reference, or any
function defined in gencore) or when, while the check ran it, the student's code called the check's reference
or the one gencore function that reference delegates to (``checks.x.reference``, ``gaussian_kl`` inside a
lambda): the call is seen by a profile hook, installed only while a check runs under grading.

The grader reads no printed text: it attributes each line to the cell that was running when it was written,
keeps only the lines of a check's own cell, and lets an error in that cell win (see grade.py).
"""
from __future__ import annotations

import functools
import json
import os
import sys
import sysconfig
import types
from typing import Callable

__all__ = ["start", "stop", "reported", "fingerprints"]

_GENCORE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep           # .../gencore/
_LIBRARY = tuple(sorted({os.path.abspath(p) + os.sep for key in ("stdlib", "platstdlib", "purelib", "platlib")
                         if (p := sysconfig.get_paths().get(key))}))
_emit: Callable | None = None


def start(path: str, token: str) -> None:
    """Report every check's outcome to ``path`` from now on, each line carrying ``token`` (the grader's)."""
    global _emit

    def emit(check: str, status: str, hint: str = "", reference: str = "") -> None:
        line = json.dumps({"token": token, "check": check, "status": status, "hint": hint[:4000],
                           "reference": reference})
        with open(path, "a") as f:
            f.write(line + "\n")

    _emit = emit


def stop() -> None:
    """Report nothing any more (the checks run as they do for a student)."""
    global _emit
    _emit = None


# ------------------------------------------------------------------------------------------ gencore's own answer
def _in_gencore(code: types.CodeType) -> bool:
    return os.path.abspath(code.co_filename).startswith(_GENCORE)


def _unwrap(fn):
    for _ in range(20):
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif getattr(fn, "__wrapped__", None) is not None:
            fn = fn.__wrapped__
        else:
            return fn
    return fn


def _named_functions(fn: types.FunctionType):
    """The functions ``fn``'s code names through its globals (``V.gaussian_kl``, ``iwae_bound``)."""
    codes, names = [fn.__code__], set()
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    for name in names:
        value = fn.__globals__.get(name)
        if isinstance(value, types.ModuleType):
            yield from (getattr(value, n) for n in names if isinstance(getattr(value, n, None), types.FunctionType))
        elif isinstance(value, types.FunctionType):
            yield value


def _answer_codes(reference: Callable) -> dict:
    """{code: name} of gencore's answer to an exercise: the reference and, when the reference is a wrapper in
    gencore.checks that delegates to one gencore function (``V.gaussian_kl(mu, logvar)``), that function (and so
    on). A wrapper that combines several (the ELBO: a KL and a log-likelihood) is the answer alone: its parts
    are earlier exercises' answers, which a student may reuse."""
    found: dict = {}
    fn = _unwrap(reference)
    while isinstance(fn, types.FunctionType) and fn.__code__ not in found and _in_gencore(fn.__code__):
        found[fn.__code__] = f"{fn.__module__}.{fn.__qualname__}"
        if not fn.__module__.startswith("gencore.checks"):
            break
        named = {id(f): f for f in _named_functions(fn) if _in_gencore(f.__code__)}
        fn = next(iter(named.values())) if len(named) == 1 else None
    return found


def _own_answer(student: Callable, reference: Callable) -> str:
    """Why the function a student passed is gencore's own, or ""."""
    fn = _unwrap(student)
    if fn is _unwrap(reference):
        return "the function is the check's reference answer"
    code = getattr(fn, "__code__", None)
    if isinstance(code, types.CodeType) and _in_gencore(code):
        return f"the function is {getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}, gencore's own"
    return ""


class _Watch:
    """While a check runs: note a call of gencore's answer made from the student's code (the nearest caller
    outside the standard library and the installed packages is neither gencore nor absent)."""

    def __init__(self, reference: Callable):
        self.codes = _answer_codes(reference)
        self.found = ""

    def hook(self, frame, event, arg):
        if event != "call" or self.found or frame.f_code not in self.codes:
            return
        caller = frame.f_back
        while caller is not None and os.path.abspath(caller.f_code.co_filename).startswith(_LIBRARY) \
                and not _in_gencore(caller.f_code):
            caller = caller.f_back
        if caller is not None and not _in_gencore(caller.f_code):
            self.found = f"the student's code called {self.codes[frame.f_code]}, gencore's answer"

    def __enter__(self):
        self.previous = sys.getprofile()
        sys.setprofile(self.hook)
        return self

    def __exit__(self, *exc):
        sys.setprofile(self.previous)


# ------------------------------------------------------------------------------------------ the hook in core.py
def reported(name: str, check: Callable) -> Callable:
    """``check`` that, once `start` was called, reports each of its outcomes; the same check otherwise."""

    @functools.wraps(check)
    def run(student, *args, **kwargs):
        __tracebackhide__ = True                           # IPython and pytest hide this frame
        emit = _emit
        if emit is None:
            return check(student, *args, **kwargs)
        reference = check.reference
        own = _own_answer(student, reference)
        watch = _Watch(reference)
        try:
            with watch:
                returned = check(student, *args, **kwargs)
        except AssertionError as e:                        # CheckFailed: the hint
            emit(name, "wrong", str(e), own or watch.found)
            raise
        except BaseException as e:                         # the student's code raised past the check
            emit(name, "error", f"{type(e).__name__}: {e}", own or watch.found)
            raise
        implemented = not (returned is reference and _unwrap(student) is not _unwrap(reference))
        emit(name, "correct" if implemented else "not implemented", "", own or watch.found)
        return returned

    return run


# ------------------------------------------------------------------------------------------ what the checks are
def fingerprints(namespace: dict | None = None) -> dict:
    """{name: digest} of what the checks run on: every function, class (method by method), module binding and
    the checks' constants in the loaded gencore modules, the parts of torch and Python they call, the channel
    (`start`'s writer), and whether ``namespace``'s ``checks`` is gencore.checks. The grader computes it in its
    own process and, sending this function's source, in a submission's kernel after it ran: a difference is a
    patched check. Self-contained (it imports only the standard library), so that its source runs anywhere."""
    import functools
    import hashlib
    import sys
    import types

    plain = (int, float, complex, str, bytes, bool, type(None))
    builtin = (types.BuiltinFunctionType, types.MethodDescriptorType, types.WrapperDescriptorType,
               types.MethodWrapperType, types.ClassMethodDescriptorType, types.GetSetDescriptorType,
               types.MemberDescriptorType)
    watched = {"torch": None, "torch.nn.functional": None, "torch.linalg": None, "torch.special": None,
               "torch.autograd": None, "math": None, "functools": None, "sys": ("setprofile", "getprofile"),
               "builtins": ("isinstance", "issubclass", "callable", "len", "abs", "min", "max", "sum", "any", "all",
                            "getattr", "hasattr", "iter", "next", "repr", "hash", "id", "zip", "sorted", "round",
                            "float", "int", "bool", "str", "tuple", "list", "dict", "type", "super", "object",
                            "BaseException", "Exception", "AssertionError", "NotImplementedError")}
    expanded = {"torch.Tensor"}                     # classes outside gencore compared method by method

    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:16]

    def code(c: types.CodeType) -> bytes:               # marshal's bytes differ between processes (refcounts)
        parts = [c.co_code, repr((c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars, c.co_argcount,
                                  c.co_posonlyargcount, c.co_kwonlyargcount, c.co_flags, c.co_filename,
                                  c.co_qualname if hasattr(c, "co_qualname") else c.co_name)).encode()]
        for k in c.co_consts:
            parts.append(code(k) if isinstance(k, types.CodeType) else
                         repr(sorted(map(repr, k))).encode() if isinstance(k, frozenset) else repr(k).encode())
        return digest(b"\0".join(parts)).encode()

    def value(v, depth: int = 0) -> str:
        if depth > 5:
            return type(v).__name__
        if isinstance(v, types.FunctionType):
            parts = [code(v.__code__), value(v.__defaults__, depth + 1).encode(),
                     value(v.__kwdefaults__, depth + 1).encode()]
            for cell in v.__closure__ or ():
                try:
                    content = cell.cell_contents
                except ValueError:
                    continue
                parts.append(type(content).__name__.encode() if isinstance(content, (str, bytes))
                             else value(content, depth + 1).encode())
            return "f" + digest(b"\0".join(parts))
        if isinstance(v, types.ModuleType):
            return f"m {v.__name__} {getattr(v, '__file__', None)}"
        if isinstance(v, type):                      # tqdm.auto's class differs in a kernel: not compared
            known = str(v.__module__).split(".")[0] in ("gencore", "torch", "builtins", "typing", "abc")
            return f"c {v.__module__}.{v.__qualname__}" if known else "c"
        if isinstance(v, builtin):
            return f"b {getattr(v, '__module__', None)}.{getattr(v, '__qualname__', type(v).__name__)}"
        if isinstance(v, (classmethod, staticmethod)):
            return "s" + value(v.__func__, depth + 1)
        if isinstance(v, property):
            return "p" + value(v.fget, depth + 1) + value(v.fset, depth + 1)
        if isinstance(v, plain):
            return "v" + digest(repr(v).encode())
        if isinstance(v, (tuple, frozenset)):
            return "t" + digest(" ".join(value(x, depth + 1) for x in v).encode())
        if isinstance(v, dict):                      # the functions it holds (registries, catalogues of mistakes)
            held = sorted((repr(k), value(x, depth + 1)) for k, x in v.items() if isinstance(x, types.FunctionType))
            return "d" + digest(repr(held).encode())
        if getattr(v, "__wrapped__", None) is not None:
            return "w" + value(v.__wrapped__, depth + 1)
        if isinstance(v, functools.partial):
            return "q" + value(v.func, depth + 1)
        return type(v).__name__

    out: dict = {}

    def add_class(prefix: str, cls: type) -> None:
        for name, member in list(vars(cls).items()):
            if name != "__dict__" and name != "__weakref__" and name != "__doc__":
                out[f"{prefix}.{name}"] = value(member)

    for module_name, module in sorted(sys.modules.items()):
        if not isinstance(module, types.ModuleType):
            continue
        ours = module_name == "gencore" or module_name.startswith("gencore.")
        if not ours and module_name not in watched:
            continue
        names = watched.get(module_name) if not ours else None
        out[f"module {module_name}"] = str(getattr(module, "__file__", None))
        for name, member in list(vars(module).items()):
            if names is not None and name not in names or name.startswith("__") and name != "__call__":
                continue
            key = f"{module_name}.{name}"
            code_like = callable(member) or isinstance(member, types.ModuleType)
            if not code_like and not module_name.startswith("gencore.checks"):
                continue       # state (setup's configuration, a cache) may change or be absent; the checks' may not
            out[key] = value(member)
            if isinstance(member, type) and (ours and member.__module__ == module_name or key in expanded):
                add_class(key, member)
    out.pop("gencore.checks.report._emit", None)
    report = sys.modules.get("gencore.checks.report")
    emit = getattr(report, "_emit", None)
    out["the channel"] = code(emit.__code__).decode() if isinstance(emit, types.FunctionType) else repr(emit)
    if namespace is not None and "checks" in namespace:
        out["the notebook's `checks`"] = value(namespace["checks"])
    return out
