"""Validation shared by every public entry: one clear sentence for bad input. A leaf module: it imports
nothing of gencore, so every module may use it.

    epochs = as_int(epochs, "epochs", minimum=0)      # 8, np.int64(8), torch.tensor(8), 8.0 -> 8; 2.5 -> error
"""
from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

__all__ = ["as_int", "as_float", "as_images", "as_input", "as_features", "as_function", "as_generator", "as_logits",
           "as_points", "check_range", "check_shape", "exact_shape", "inputs_checked", "model_input", "no_dataset",
           "range_hint", "same_width", "sample_count", "shape_hint", "step_list", "as_positive", "as_tensor",
           "broadcast_together", "not_0_255", "as_module", "nonempty", "as_optimizer", "as_path", "as_dict",
           "as_bool", "flags", "as_batch", "same_batch", "as_vector", "counts", "did_you_mean", "same_lr"]


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


def as_positive(value, name: str, maximum: float | None = None) -> float:
    """``value`` as a finite float > 0 (a size, a rate, a standard deviation, a learning rate), or one sentence."""
    out = as_float(value, name, maximum=maximum)
    if out <= 0:
        raise ValueError(f"{name} must be positive (> 0), got {value!r}; pass a number above 0.")
    return out


def _in_range(value, name: str, minimum, maximum) -> None:
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}.")


# ------------------------------------------------------------------------------------------ a model's input
_CHECKED = [0]          # > 0 inside `inputs_checked`: the data were checked once, batches skip the scan


@contextmanager
def inputs_checked():
    """Inside this block `as_input` checks shapes and types but skips the scan of the values: the training
    loops check their data once (finite, within the model's range) and then feed its batches to the model."""
    _CHECKED[0] += 1
    try:
        yield
    finally:
        _CHECKED[0] -= 1


def _dims(shape) -> str:
    return ", ".join(map(str, shape))


def shape_hint(got: tuple, shape: tuple, model: str) -> str:
    """What to do with examples of shape ``got`` (N, ...) for a model that takes (N, *shape): one clause."""
    got, shape = tuple(got), tuple(shape)
    if got == shape:
        return "that is a single example: add the batch axis with x.unsqueeze(0)"
    if len(shape) == 3 and len(got) == 4:
        c, h, w = shape
        if got[1:] == (h, w, c) and c != w:
            return "the channels come last: move them first with x.permute(0, 3, 1, 2)"
        if got[2:] == (h, w):
            advice = "make them grey with x.mean(1, keepdim=True)" if c == 1 else "convert them"
            return (f"{model} was built for {c} channel{'s' * (c != 1)}, got {got[1]}: {advice}, or build the model "
                    f"with in_shape={(got[1], h, w)}")
        if got[1] == c:
            return (f"{model} was built for {h}x{w} images: resize them, or build the model with "
                    f"in_shape={got[1:]}")
    if len(shape) == 3 and len(got) == 3 and got[1:] == shape[1:]:
        return f"add the channel axis with x.unsqueeze(1) ({model} takes {shape[0]} channels)"
    if shape == (1,) and len(got) == 1:
        return "these are N numbers, and the model takes N rows of 1: add that axis with x.unsqueeze(1)"
    if len(got) == 2 and len(shape) > 1 and got[1] == math.prod(shape):
        return f"these are flat examples: reshape them with x.view(-1, {_dims(shape)})"
    return (f"pass examples of shape {shape}, or build the model for data of shape {got[1:]} "
            f"(in_shape={got[1:]})")


def check_shape(got, shape, what: str, model: str) -> None:
    """One sentence if examples of shape ``got`` (N, ...) are not (N, *shape); (N, H, W) passes for one channel."""
    got, shape = tuple(got), tuple(shape)
    if got[1:] == shape or (len(shape) == 3 and shape[0] == 1 and got[1:] == shape[1:]):
        return
    noun = f"{'x'.join(map(str, shape))} images" if len(shape) == 3 else f"examples of shape {shape}"
    raise ValueError(f"{what} must have shape (N, {_dims(shape)}) (a batch of {noun}) for {model}, got {got}; "
                     f"{shape_hint(got, shape, model)}.")


def range_hint(lo: float, hi: float, value_range) -> str:
    """Why values spanning [lo, hi] may lie outside ``value_range``, as a parenthesis (or nothing)."""
    if tuple(value_range) != (0.0, 1.0):
        return ""
    if -1 - 1e-4 <= lo < 0 and hi <= 1 + 1e-4:
        return " (they look like a tanh output in [-1, 1]: rescale with (x + 1) / 2)"
    return " (they look like 0..255 values: divide by 255)" if lo >= 0 and hi > 1.5 else ""


def as_input(x, shape, what: str = "x", *, model: str = "the model", value_range=None,
             dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
    """``x`` as a batch (N, *shape) of ``dtype`` on ``device``, or one sentence saying what is wrong: the
    check at every model's door (forward, loss, encode, decode...).

    Accepted: tensors and numpy arrays of floating point (converted to ``dtype``), uint8 images 0..255
    (scaled by 1/255: uint8 data are images everywhere in gencore), booleans; (N, H, W) for a model of one
    channel. Refused: other shapes (with what to do: add the batch axis, the channel axis, move the channels
    first, reshape flat images...), other integer types (ambiguous: 0..1 or 0..255?), NaN/inf, and values
    outside ``value_range`` (lo, hi) (scanned outside `inputs_checked` only).
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    shape = tuple(shape)
    no_dataset(x, what)
    if not isinstance(x, torch.Tensor):
        noun = "images" if len(shape) == 3 else "examples"
        raise TypeError(f"{what} must be a tensor of {noun} (N, {_dims(shape)}), got {type(x).__name__}.")
    if x.dim() == len(shape) and len(shape) == 3 and shape[0] == 1 and tuple(x.shape[1:]) == shape[1:]:
        x = x.unsqueeze(1)                                                  # (N, H, W): one channel
    check_shape(tuple(x.shape), shape, what, model)
    if x.dtype == torch.uint8:
        x = x.to(dtype).div_(255)
    elif x.dtype == torch.bool:
        x = x.to(dtype)
    elif not x.is_floating_point():
        raise TypeError(f"{what} is {x.dtype}, which is ambiguous for {model} (0..1 or 0..255?); pass floats "
                        f"(x.float()), or uint8 images in 0..255.")
    x = x.to(device=device, dtype=dtype)
    if not _CHECKED[0]:
        check_range(x, what, value_range, model)
    return x


def check_range(x: torch.Tensor, what: str, value_range=None, model: str = "the model") -> None:
    """One sentence if ``x`` holds NaN/inf, or (with ``value_range`` (lo, hi)) values outside [lo, hi]."""
    if not x.numel():
        return
    lo, hi = (v.item() for v in torch.aminmax(x.detach()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{what} holds NaN or infinite values; pass finite values to {model}.")
    if value_range is not None and (lo < value_range[0] - 1e-4 or hi > value_range[1] + 1e-4):
        a, b = value_range
        raise ValueError(f"{what} must hold values in [{a:g}, {b:g}] for {model}, but they span "
                         f"[{lo:.4g}, {hi:.4g}]{range_hint(lo, hi, value_range)}.")


_MODELS = object()


def model_input(model, x, name: str = "x", shape=None, value_range=_MODELS) -> torch.Tensor:
    """`as_input` at ``model``'s door: the shape ``model.in_shape`` (or ``shape``), the values within
    ``model.target_range`` (or ``value_range``), the dtype and device of the model's parameters. Every model
    (autoencoder, VAE, cVAE, DRAW, the GAN's networks) checks its inputs with it."""
    p = next(model.parameters(), None)
    return as_input(x, model.in_shape if shape is None else shape, name, model=type(model).__name__,
                    value_range=getattr(model, "target_range", None) if value_range is _MODELS else value_range,
                    dtype=p.dtype if p is not None else torch.float32, device=p.device if p is not None else None)


def as_images(x, what: str = "images", shape: tuple[int, ...] = (1, 28, 28), model: str = "the model"
              ) -> torch.Tensor:
    """``x`` as float images (N, C, H, W) in [0, 1], or one sentence saying what is wrong (`as_input` with
    the range [0, 1]; values a hair outside it are clamped)."""
    return as_input(x, shape, f"The {what}", model=model, value_range=(0.0, 1.0)).clamp(0, 1)


def step_list(steps, name: str, maximum: int | None = None) -> list[int]:
    """A list of step numbers (``snapshots=(0, 100)``), each a whole number in [0, maximum], sorted, unique."""
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"{name} must be a list of steps, e.g. ({steps!r},) for one, got {type(steps).__name__}.")
    return sorted({as_int(s, name, minimum=0, maximum=maximum) for s in steps})


def sample_count(n, model: str, hint: str, name: str = "n", minimum: int = 0) -> int:
    """The number of samples an unconditional model is asked for, or one sentence when it got labels."""
    if isinstance(n, (list, tuple, np.ndarray)) or (isinstance(n, torch.Tensor) and n.dim() > 0):
        raise ValueError(f"This {model} is unconditional: {name} is the number of samples, not labels (got "
                         f"{type(n).__name__} {str(n)[:40]}); pass a number, or {hint}.")
    return as_int(n, name, minimum=minimum)


def exact_shape(t, shape, name: str, layout: str) -> None:
    """One sentence if the tensor ``t`` does not have exactly ``shape``, whose axes ``layout`` names, e.g.
    exact_shape(eps, (T, n, d), "eps", "(T, n, latent_dim)")."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a tensor {layout} = {tuple(shape)}, got {type(t).__name__}.")
    got, shape = tuple(t.shape), tuple(shape)
    if got != shape:
        order = "; its axes are in another order: " + ("swap the first two with .transpose(0, 1)" if got[:2][::-1]
                                                       + got[2:] == shape else f"arrange them as {layout}")
        raise ValueError(f"{name} must have shape {layout} = {shape}, got {got}"
                         f"{order if sorted(got) == sorted(shape) else ''}.")


def no_dataset(x, name: str) -> None:
    """One sentence if ``x`` is a gencore dataset (anything with ``batches``) where a tensor of examples is expected."""
    if callable(getattr(x, "batches", None)) and not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a tensor of examples, got a dataset ({type(x).__name__}); pass its images, "
                        f"e.g. data.images[:64] or data.sample(64)[0] for a random batch of float images.")


def same_width(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """One sentence if the rows of ``a`` and ``b`` (N, D) have different widths D: two kinds of thing compared."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name_a} have {a.shape[1]} values per row but {name_b} {b.shape[1]}: compare the same "
                         f"kind of rows, the pixels of both or the features of both (extract_features(classifier, "
                         f"images) for images).")


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


def as_generator(generator, name: str = "generator", count: str | None = None) -> torch.Generator | None:
    """``generator`` if it is a torch.Generator or None (torch's global random state), else one sentence: a seed
    given where a generator is expected is the usual mistake (or, with ``count``, the name of the parameter that
    follows, a number of samples given in the generator's place)."""
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    seed = generator if isinstance(generator, numbers.Integral) and not isinstance(generator, bool) else 0
    also = f"for {seed} samples pass {count}={seed}; " if count and seed > 0 else ""
    raise TypeError(f"{name} must be a torch.Generator (or None for torch's global random state), got "
                    f"{type(generator).__name__} {generator!r:.40}; {also}for a seeded draw pass "
                    f"{name}=torch.Generator().manual_seed({seed}).")


def as_function(value, name: str, expected: str):
    """``value`` if it can be called, else one sentence: ``name`` must be a function ``expected`` (what it
    does, with an example); a model or a tensor given in its place is named as such."""
    if callable(value) and not isinstance(value, torch.nn.Module):
        return value
    got = (f"a {type(value).__name__} (a model, not a function that makes one)" if isinstance(value, torch.nn.Module)
           else f"a tensor of shape {tuple(value.shape)}" if isinstance(value, torch.Tensor)
           else f"{type(value).__name__} {value!r:.40}")
    raise TypeError(f"{name} must be a function {expected}; got {got}.")


def as_points(x, name: str = "points", dim: int = 2) -> torch.Tensor:
    """``x`` as float points (N, dim) on the CPU (a tensor or an array), or one sentence saying what to do."""
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).detach()
    if t.dim() == 2 and t.shape[1] == dim:
        return t.float().cpu()
    got = tuple(t.shape)
    hint = (f"the points are in columns: pass {name}.T" if t.dim() == 2 and t.shape[0] == dim
            else f"these are {got[1]}-D points: pick {dim} coordinates, e.g. {name}[:, :{dim}]" if t.dim() == 2
            else f"pass one point per row, (N, {dim})")
    raise ValueError(f"{name} must have shape (N, {dim}), one point per row, got {got}; {hint}.")


def as_features(features, what: str = "features") -> torch.Tensor:
    """Feature vectors (N, F), one per row, as float64 on the CPU: non-empty and finite, or one sentence. uint8
    rows are images 0..255 (scaled by 1/255, as everywhere in gencore)."""
    f = torch.as_tensor(np.asarray(features) if not isinstance(features, torch.Tensor) else features).detach()
    if f.dtype == torch.uint8:
        f = f.double() / 255
    if f.dim() != 2 or not f.is_floating_point():
        hint = ("; these look like images: compute their features first, e.g. "
                "gencore.classifier.extract_features(classifier, images)" if f.dim() in (3, 4) else "")
        raise ValueError(f"{what} must be a float tensor (N, F), one feature vector per row; got "
                         f"{tuple(f.shape)} of dtype {f.dtype}{hint}.")
    if len(f) == 0:
        raise ValueError(f"{what} are empty: pass at least one feature vector.")
    if not torch.isfinite(f).all():
        raise ValueError(f"{what} contain NaN or infinite values; check the images they were computed from.")
    return f.to("cpu", torch.float64)


def as_module(model, name: str = "model") -> torch.nn.Module:
    """``model`` if it is a torch.nn.Module, else one sentence naming ``name``."""
    if isinstance(model, torch.nn.Module):
        return model
    raise TypeError(f"{name} must be a model (a torch.nn.Module), got {type(model).__name__}; pass the model itself.")


def nonempty(x, name: str = "x", doing: str = "compute a loss on"):
    """``x`` unchanged, or one sentence if it is a tensor (or array) of 0 examples."""
    if isinstance(x, (torch.Tensor, np.ndarray)) and x.ndim and x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (0 examples), so there is nothing to {doing}; pass at least one "
                         f"example.")
    return x


def as_tensor(x, name: str, what: str = "numbers") -> torch.Tensor:
    """``x`` as a tensor (numpy arrays and nested lists of numbers converted; tensors returned as they are), or
    one sentence naming ``name``: a dataset, a model, a string... given where a tensor is expected."""
    if isinstance(x, torch.Tensor):
        return x
    no_dataset(x, name)
    if not isinstance(x, (str, bytes, torch.nn.Module)):
        try:
            t = torch.from_numpy(x) if isinstance(x, np.ndarray) else torch.as_tensor(x)   # lists: float32
            if not (t.dtype == torch.bool or t.is_complex()):
                return t
        except (TypeError, ValueError, RuntimeError):
            pass
    raise TypeError(f"{name} must be a tensor of {what}, got {type(x).__name__} {x!r:.40}; pass a torch tensor "
                    f"(torch.as_tensor(...)).")


def broadcast_together(where: str, **tensors) -> None:
    """One sentence if the named tensors' shapes neither match nor broadcast: where=the function, name=tensor."""
    shapes = {k: tuple(v.shape) for k, v in tensors.items() if isinstance(v, torch.Tensor)}
    try:
        torch.broadcast_shapes(*shapes.values())
    except RuntimeError:
        got = " and ".join(f"{k} {s}" for k, s in shapes.items())
        raise ValueError(f"{where} needs {' and '.join(shapes)} of the same shape (one value per example and "
                         f"dimension), got {got}; pass matching tensors.") from None


def not_0_255(x: torch.Tensor, what: str, model: str) -> None:
    """One sentence if ``x`` looks like images 0..255 (values >= 0 reaching above 1.5) where [0, 1] is expected;
    other values pass (a formula may be evaluated outside [0, 1] on purpose). Skipped inside `inputs_checked`."""
    if not _CHECKED[0] and x.numel():
        lo, hi = (v.item() for v in torch.aminmax(x.detach()))
        if lo >= 0 and hi > 1.5:
            raise ValueError(f"{what} must hold values in [0, 1] for {model}, but they span [{lo:.4g}, {hi:.4g}]"
                             f"{range_hint(lo, hi, (0.0, 1.0))}.")


# ------------------------------------------------------------------------------------------ plain arguments
def as_optimizer(optimizer, name: str = "optimizer"):
    """``optimizer`` if it is an optimiser (it has step() and zero_grad()), else one sentence naming ``name``."""
    if callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None)):
        return optimizer
    raise TypeError(f"{name} must be a torch optimiser, e.g. torch.optim.Adam(model.parameters(), lr=2e-4), got "
                    f"{type(optimizer).__name__} {optimizer!r:.40}.")


def as_path(path, name: str, what: str = "a path"):
    """``path`` as a pathlib.Path (a str or a path object), else one sentence naming ``name``."""
    if isinstance(path, (str, os.PathLike)):
        return Path(path)
    raise TypeError(f"{name} must be {what} (a str or pathlib.Path), got {type(path).__name__} {path!r:.40}.")


def as_dict(value, name: str, example: str) -> dict:
    """``value`` if it is a dict, else one sentence naming ``name`` with an ``example``."""
    if isinstance(value, dict):
        return value
    raise TypeError(f"{name} must be a dict, e.g. {example}, got {type(value).__name__} {value!r:.40}.")


def as_bool(value, name: str) -> bool:
    """``value`` if it is True or False (numpy booleans too), else one sentence: a string 'no' is true in Python."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r:.40}.")


def did_you_mean(key: str, options) -> str | None:
    """The option closest to a misspelt ``key`` (difflib), or None: the one copy of the close-match rule."""
    near = difflib.get_close_matches(key, list(options), n=1)
    return near[0] if near else None


def flags(*names: str):
    """Decorator: each named parameter must be True or False (`as_bool`), checked before the body runs, so a
    string 'False' (true in Python) is refused before any work starts; and a keyword the function does not
    take is named with its close match ("train_draw() has no argument 'latent'; did you mean latent_dim?").

        @flags("retrain", "progress")
        def train_vae(data, ..., retrain=False, progress=True): ...
    """
    def wrap(fn):
        signature = inspect.signature(fn)
        missing = [n for n in names if n not in signature.parameters]
        assert not missing, f"{fn.__qualname__} has no parameter {missing}"
        kinds = {p.kind for p in signature.parameters.values()}
        known = None if inspect.Parameter.VAR_KEYWORD in kinds else [    # in the signature's order, self left out
            n for n, p in signature.parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and n not in ("self", "cls")]

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            for key in kwargs if known is not None else ():
                if key not in known:
                    _no_keyword(fn.__qualname__.split("<locals>.")[-1], key, known)
            try:
                given = signature.bind_partial(*args, **kwargs).arguments
            except TypeError:
                given = {}          # Python's own message about the call comes from fn itself
            for n in names:
                if n in given:
                    as_bool(given[n], n)
            return fn(*args, **kwargs)
        return checked
    return wrap


def _no_keyword(fn: str, key: str, known: list) -> None:
    near = did_you_mean(key, known)
    # the second line keeps Python's own words for whoever searches them; the first is the student's sentence
    raise TypeError(f"{fn}() has no argument {key!r}; " + (f"did you mean {near}?" if near else
                    f"it takes {', '.join(known)}.") + f"\n({fn}() got an unexpected keyword argument {key!r})")


def same_lr(optimizer, lr) -> None:
    """One sentence if ``lr`` was given (not None) with an optimiser built with another learning rate: the
    training loop steps with the optimiser's own rate, so ``lr`` would be silently ignored."""
    if lr is None:
        return
    lr = as_float(lr, "lr", minimum=0)
    for group in getattr(optimizer, "param_groups", ()):
        if "lr" in group and not math.isclose(float(group["lr"]), lr, rel_tol=1e-6):
            raise ValueError(f"lr={lr:g} but optimizer was built with lr={float(group['lr']):g}; lr is not used when "
                             f"optimizer is given: leave lr out or build the optimizer with it.")


def as_batch(t, dims: int, name: str, layout: str, width: int | None = None) -> torch.Tensor:
    """``t`` if it is a tensor of ``dims`` axes laid out as ``layout`` (and, with ``width``, that many values
    in its last axis), else one sentence: the check of a helper's tensor arguments (a shape comparison only)."""
    if isinstance(t, torch.Tensor) and t.dim() == dims and (width is None or t.shape[-1] == width):
        return t
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a tensor {layout}, got {type(t).__name__}; pass torch.as_tensor(...).")
    hint = "; a single example: add the batch axis with unsqueeze(0)" if t.dim() == dims - 1 else ""
    raise ValueError(f"{name} must have shape {layout}{f' with {width} values in the last axis' if width else ''}, "
                     f"got {tuple(t.shape)}{hint}.")


def same_batch(n: int, of: str, **tensors) -> torch.Tensor:
    """The first of the named ``tensors`` after checking that each holds n rows, one per example of ``of``."""
    for name, t in tensors.items():
        if len(t) != n:
            raise ValueError(f"{name} must hold one row per example of {of} ({n}), got {tuple(t.shape)}.")
    return next(iter(tensors.values()))


def as_vector(v, name: str, like: torch.Tensor | None = None) -> torch.Tensor:
    """A number or tensor as a 1-D tensor (batch,), in ``like``'s dtype and device when given; a string or another
    object is refused with one sentence naming ``name``."""
    if not isinstance(v, torch.Tensor):
        if isinstance(v, (str, bytes, bool)) or not isinstance(v, (numbers.Real, list, tuple, np.ndarray)):
            raise TypeError(f"{name} must be a number or a 1-D tensor (one value per example), got "
                            f"{type(v).__name__} {v!r:.40}.")
        v = torch.tensor(v, dtype=like.dtype if like is not None else torch.get_default_dtype(),
                         device=like.device if like is not None else None)
    return v.reshape(-1)


def counts(**values) -> None:
    """One sentence if any of the named ``values`` is not a whole number >= 1 (a count of grid points, of pixels...)."""
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {v!r}.")
