"""Naming a wrong answer that no check catalogues, from its result.

`describe_difference` tries the usual transformations of the expected result (its sign, 1 - it, its
reciprocal, square, square root, exp, log, a power such as 1/log 2, a transpose, a reversed or reordered
axis, rows normalised over another axis, a constant factor or offset that is 2, log 2 or one of the named
sizes: the batch, the pixels, k...), and `shape_difference` the usual ways to get a shape wrong (axes
swapped, flattened, a dimension squeezed or kept, concatenated along another axis, an (N, N) broadcast, one
element short). `input_variants` and `term_variants` recompute the reference with one input transformed (its
sign, exp or log of it, 1/x, x^2, a shift by one, by a half or by half a stride, a transpose...) or one term
of the formula changed (missing, its sign, doubled, a sum where a mean belongs, another term in its place);
`matching_variant` finds the one the student's result equals. How the student's function ran is
`trace.py`'s part.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from .trace import call_quietly


def close(a, b, rtol: float, atol: float) -> bool:
    """a and b are tensors of the same shape whose values agree (NaN where NaN)."""
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and bool(torch.allclose(a.detach().double(), b.detach().double(), rtol=rtol, atol=atol, equal_nan=True)))


# ------------------------------------------------------------------------------------------ the result
def _sizes(batch: int | None, sizes: dict | None) -> dict[str, float]:
    out = dict(sizes or {})
    if batch and batch > 1 and not any(v == batch for v in out.values()):
        out["batch size"] = batch
    return {k: v for k, v in out.items() if isinstance(v, (int, float)) and v not in (0, 1, -1)}


def _factor_name(c: float, sizes: dict, scalars: dict | None = None) -> str:
    def near(a, b):
        return math.isclose(a, b, rel_tol=3e-5)
    for name, x in (scalars or {}).items():
        if x and abs(x) != 1 and near(c, x):
            return f": a factor `{name}` = {x:g} too many (a multiplication by {name} where a division belongs?)"
        if x and abs(x) != 1 and near(c, 1 / x):
            return f": an extra division by `{name}` = {x:g} ({name}^2 where {name} belongs?)"
    if near(abs(c), 2) or near(abs(c), 0.5):
        return ": a missing or extra factor 2 (or 1/2)"
    if near(c, 1 / math.log(2)) or near(c, math.log(2)):
        return ": a factor log 2 = 0.693, a logarithm in base 2 (log2) where the natural log belongs, or the reverse"
    if near(c, 1 / math.log(10)) or near(c, math.log(10)):
        return ": a factor log 10, a logarithm in base 10 where the natural log belongs, or the reverse"
    for name, s in sizes.items():
        if near(c, s):
            return (f" = the {name} {s:g}: a sum over the {name} where a mean belongs, or a division by the {name} "
                    f"missing (or the reverse, somewhere in the formula)")
        if near(c, 1 / s):
            return (f", 1 / {s:g} with {s:g} the {name}: a mean over the {name} where a sum belongs, or an extra "
                    f"division by the {name} (or the reverse, somewhere in the formula)")
        if s > 2 and (near(c, s / (s - 1)) or near(c, (s - 1) / s)):
            return f": dividing by {name} - 1 = {s - 1:g} where an average divides by the {name} {s:g}"
        if near(c, 2 / s) or near(c, s / 2):
            return f": a mean over the {name} ({s:g}) where a sum over the {name} belongs, and a factor 2"
    return ""


def _offset_name(c: float, sizes: dict) -> str:
    def near(a, b):
        return math.isclose(a, b, rel_tol=3e-5)
    for name, s in sizes.items():
        if s > 1 and near(abs(c), math.log(s)):
            return f" = log {name} (log {s:g}): a log {name} too many or missing (subtract it once)"
        if near(abs(c), s / 2):
            return (f" = {name} / 2: a constant 1/2 per {name} too many or missing (such as a -1 inside "
                    f"1/2 sum(...))")
        if near(abs(c), 0.5 * s * math.log(2 * math.pi)):
            return f": the Gaussian's constant 1/2 log(2 pi) per {name}, which this formula does not have"
    if near(abs(c), math.log(2)):
        return " = log 2: a factor 2 inside a log"
    return ""


def _power_name(p: float, sizes: dict) -> str:
    def near(a, b):
        return math.isclose(a, b, rel_tol=3e-5)
    if near(p, 1 / math.log(2)) or near(p, math.log(2)):
        return (": exp of a quantity in bits (a log2) where the natural log belongs (log2 x = ln x / ln 2), or the "
                "reverse")
    for name, s in sizes.items():
        if near(p, 1 / s):
            return f": a mean over the {name} inside the exp where a sum over the {name} belongs"
        if near(p, s):
            return f": a sum over the {name} inside the exp where a mean over the {name} belongs"
    return ""


_OUTPUT = (  # (text, transformation of the expected result)
    ("it is 1 minus the expected result: a sign inside a sigmoid (sigmoid(-l) = 1 - sigmoid(l)), or 1 - p where "
     "p belongs", lambda e: 1 - e),
    ("it is the reciprocal (1 / the expected result): a sign in an exponent (exp(-a) = 1 / exp(a)) or a ratio "
     "upside down", lambda e: 1 / e),
    ("it is the square of the expected result: a square too many", lambda e: e * e),
    ("it is the square root of the expected result: a square missing, or a square root too many",
     lambda e: e.sqrt()),
    ("it is exp of the expected result: an exp too many (or a log missing)", lambda e: e.exp()),
    ("it is the log of the expected result: a log too many (or an exp missing)", lambda e: e.log()),
    ("it is the expected result rounded to whole numbers: a rounding or threshold the formula does not have",
     lambda e: e.round()),
)


def _axes_text(g: torch.Tensor, e: torch.Tensor, rtol, atol) -> str | None:
    if e.dim() >= 2 and e.shape[-1] == e.shape[-2] and close(g, e.transpose(-1, -2), rtol, atol):
        return ("it is the transpose of the expected result (its last two axes swapped): check the order of the "
                "matrix products and any .T")
    for d in range(e.dim()):
        if e.shape[d] > 1 and close(g, e.flip(d), rtol, atol):
            return f"it is the expected result in reverse order along dimension {d}"
        if e.shape[d] > 1 and d < 3 and close(g.sort(d).values, e.sort(d).values, rtol, atol):
            return (f"the values are right but in another order along dimension {d}: an index, a sort or the order "
                    f"of a concatenation is off")
    return None


def _normalisation_text(g: torch.Tensor, e: torch.Tensor, rtol, atol) -> str | None:
    """Rows of e that sum to 1 along dim -1: g normalised along another axis, over everything, or not at all."""
    if e.dim() < 2 or (e < 0).any() or not close(e.sum(-1), torch.ones_like(e.sum(-1)), 1e-4, 1e-4):
        return None
    if (g < 0).any():
        return None
    z = g.sum(-1, keepdim=True)
    rows = (z > 0).expand_as(g)
    if rows.float().mean() > 0.5 and close((g / z.clamp_min(1e-300))[rows], e[rows], rtol, atol):
        return ("it is right up to a factor per row: each row must sum to 1 over the last axis (normalise by its sum "
                "Z, not by its maximum or a constant)")
    for d in range(e.dim() - 1):
        s = g.sum(d)
        if close(s, torch.ones_like(s), 1e-4, 1e-4):
            return (f"your values sum to 1 over dimension {d} instead of over the last one: normalise each row "
                    f"(dim=-1)")
    s = g.flatten(1).sum(1)
    if close(s, torch.ones_like(s), 1e-4, 1e-4):
        return "your values sum to 1 over each whole matrix instead of over each row: normalise each row (dim=-1)"
    return None


def _extremes_text(g, e, bad, inputs) -> str | None:
    """The differing values are exactly those where some input (or the result) is largest in magnitude."""
    if bad.all() or not bad.any():
        return None
    for name, x in (*inputs.items(), ("the result", e)):
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.numel() != e.numel():
            continue
        a = x.detach().double().abs().reshape(-1)
        t = a[bad].min()
        if (a.numel() >= 6 and bad.double().mean() <= 0.6 and t >= 0.9 * a.median() and t > 0
                and bad.sum() >= 0.8 * (a >= t).sum()):
            where = f"|{name}|" if name != "the result" else "the result"
            return (f"only values where {where} is large differ (|{name}| >= {t.item():.3g}): a clamp, an epsilon "
                    f"or an unstable form changes them there")
    return None


def describe_difference(got: torch.Tensor, expected: torch.Tensor, batch: int | None = None, sizes: dict | None = None,
                        inputs: dict | None = None, rtol: float = 1e-4, atol: float = 1e-5,
                        scalars: dict | None = None) -> str:
    """What differs between two same-shaped tensors, in words: a transformation of the expected result that
    matches, a constant factor or offset (named when it is 2, log 2 or a size), or which elements."""
    g, e = got.detach().double(), expected.detach().double()
    named = _sizes(batch, sizes)
    gf, ef = g.flatten(), e.flatten()
    err = (gf - ef).abs()
    scale = ef.abs().max().item() if ef.numel() else 1.0
    tol = 1e-3 * max(scale, 1e-6)
    if ef.numel() and torch.allclose(gf, -ef, rtol=1e-4, atol=1e-5) and scale > 1e-6:
        return "it is the negative of the expected result: check the sign"
    with torch.no_grad():
        for text, fn in _OUTPUT:
            try:
                v = fn(e)
            except Exception:                                                # noqa: BLE001
                continue
            if torch.isfinite(v).all() and not close(v, e, rtol, atol) and close(g, v, rtol, atol):
                return text
        text = _axes_text(g, e, rtol, atol) or _normalisation_text(g, e, rtol, atol)
        if text:
            return text
    found = []                                   # (spread, text, name): a constant factor, power or offset
    nonzero = ef.abs() > 1e-6 * max(scale, 1e-12)
    if nonzero.sum() >= 1:
        ratio = gf[nonzero] / ef[nonzero]
        c = ratio.median().item()
        if abs(c - 1) > 1e-3 and abs(c) > 1e-6:
            everywhere = " everywhere" if ef.numel() > 1 else ""
            found.append(((ratio - c).abs().max().item() / abs(c),
                          f"it is {c:.4g} times the expected result{everywhere}",
                          _factor_name(c, named, scalars)))
    positive = (ef > 0) & (gf > 0) & ((ef - 1).abs() > 1e-3)
    if positive.sum() >= max(1, ef.numel() // 2):
        power = gf[positive].log() / ef[positive].log()
        p = power.median().item()
        if abs(p - 1) > 1e-3 and abs(p) > 1e-6:
            found.append(((power - p).abs().max().item() / abs(p), f"it is the expected result to the power {p:.4g}",
                          _power_name(p, named)))
    d = gf - ef
    o = d.median().item()
    if abs(o) > tol:
        everywhere = " everywhere" if ef.numel() > 1 else ""
        found.append(((d - o).abs().max().item() / abs(o), f"it is off by the same constant {o:.4g}{everywhere}",
                      _offset_name(o, named)))
    if ef.numel() == 1:
        named_ones = [(text, name) for _, text, name in found if name]
        if named_ones:
            return named_ones[0][0] + named_ones[0][1]
    else:
        found = sorted(f for f in found if f[0] < 1e-3)
        if found:
            spread, text, name = found[0]
            return text + (name or (": a missing or extra additive term" if "off by" in text else
                                    (": a missing or extra factor" if "times" in text else "")))
    bad = (err > 1e-4 * ef.abs() + 1e-5) | ~torch.isfinite(gf)
    text = _extremes_text(g, e, bad, inputs or {})
    if text:
        return text
    if ef.numel() == 1:
        ratio = f" ({gf.item() / ef.item():.4g} times the expected result)" if ef.item() else ""
        return f"it is {gf.item():.6g} where {ef.item():.6g} was expected{ratio}"
    n_bad = int(bad.sum())
    first = int(bad.nonzero()[0]) if n_bad else 0
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(first), expected.shape)) if expected.dim() else ()
    where = f" at index {index}" if expected.dim() else ""
    return (f"{n_bad} of {ef.numel()} values differ (largest difference {err.max().item():.3g}); the first{where} is "
            f"{gf[first].item():.6g} where {ef[first].item():.6g} was expected")


def shape_difference(got: torch.Tensor, expected: torch.Tensor, inputs: dict | None = None,
                     rtol: float = 1e-4, atol: float = 1e-5, sizes: dict | None = None) -> str:
    """Why the shapes differ, in words, from the values when they are the right ones in another shape."""
    gs, es = tuple(got.shape), tuple(expected.shape)
    if expected.dim() == 0:
        return ("the result must be one number, a 0-dim tensor: reduce over everything (.mean() or .sum() without a "
                "dimension, not .mean(0))")
    if got.numel() == expected.numel() and got.numel():
        for a in range(expected.dim()):
            for b in range(a + 1, expected.dim()):
                if close(got, expected.transpose(a, b), rtol, atol):
                    return (f"your result is the expected one with dimensions {a} and {b} swapped (transposed): "
                            f"keep the order {es}")
        if tuple(n for n in gs if n != 1) == tuple(n for n in es if n != 1):
            if got.dim() < expected.dim():
                return ("a dimension of size 1 is missing: a .squeeze() without a dimension (which also drops a "
                        "batch of one's batch dimension) or an index dropped it; keep the expected shape")
            return ("an extra dimension of size 1: torch.stack where torch.cat belongs, keepdim=True, [:, None], or a "
                    "matrix product with a (., 1) matrix; reshape(-1) or .squeeze(dim) removes it")
        for a in range(expected.dim()):
            n = gs[a] if a < len(gs) else 0
            if 0 < n < es[a] and es[a] % n == 0:
                chunks = expected.split(n, dim=a)
                for b in range(expected.dim()):
                    if b != a and close(got, torch.cat(chunks, dim=b), rtol, atol):
                        return (f"you concatenated along dimension {b} where dimension {a} belongs: "
                                f"torch.cat(..., dim={a}), the pieces one after the other")
        if got.dim() == expected.dim() + 1 and any(gs[:d] + (gs[d] * gs[d + 1],) + gs[d + 2:] == es
                                                   for d in range(got.dim() - 1)):
            return ("a new dimension where the expected result has the pieces one after the other: torch.stack "
                    "where torch.cat belongs (or a .view into blocks): keep the shape " + str(es))
        if got.dim() == 1:
            return ("you flattened everything, the batch dimension too: flatten(1) (or reshape(len(x), -1)) keeps one "
                    "row per example")
        if got.dim() < expected.dim() and gs[0] == es[0]:
            return f"your result is flattened: keep the shape {es} (.reshape / .view to it, or do not flatten)"
        return f"the number of values is right but the shape is not: a .view() or .reshape() changed it; keep {es}"
    if got.dim() == 0:
        return "you reduced to one number; one value per example (or element) is expected"
    if got.dim() == 2 and gs[0] == gs[1] == es[0] and expected.numel() == es[0]:
        return (f"a ({gs[0]}, {gs[0]}) matrix: a tensor of shape (N,) and one of shape (N, 1) were broadcast "
                f"together (a .squeeze() or [:, None] too many or too few, keepdim, or a matrix product with w of "
                f"shape (1, F)), or every example was combined with every other; each example needs its own")
    if got.dim() == expected.dim():
        diff = [d for d in range(got.dim()) if gs[d] != es[d]]
        if len(diff) == 1:
            d = diff[0]
            if abs(gs[d] - es[d]) == 1:
                return (f"one element too {'few' if gs[d] < es[d] else 'many'} along dimension {d} ({gs[d]} where "
                        f"{es[d]} is expected): an off-by-one in a count or a range, or a size hard-coded")
            for name, k in _sizes(None, sizes).items():
                if gs[d] * k == es[d]:
                    return (f"dimension {d} has {gs[d]} where {es[d]} = {gs[d]} x {k} is expected, {k} being the "
                            f"{name}: keep every one of the {name} (nothing hard-coded to one of them, nothing "
                            f"summed over them)")
    for name, x in (inputs or {}).items():
        if isinstance(x, torch.Tensor) and x.dim() >= 1:
            xs = tuple(x.shape)
            kept = [xs[:i] + xs[i + 1:] for i in range(len(xs))]
            if gs in kept and es in kept and gs != es:
                return (f"you reduced over dimension {kept.index(gs)} of `{name}` where dimension {kept.index(es)} "
                        f"belongs (dim={kept.index(es)})")
    return "did you hard-code a size, or reduce over the wrong dimension"


# ------------------------------------------------------------------------------------------ recomputing
def _square(a):
    return a.dim() >= 2 and a.shape[-1] == a.shape[-2]


def _rows_sum_to_one(a):
    return (a.dim() >= 1 and a.is_floating_point() and bool((a >= 0).all())
            and bool(torch.allclose(a.sum(-1), torch.ones_like(a.sum(-1)), atol=1e-4)))


_FLOAT = (  # (the change, what it means, transformation, applies to)
    ("-{n} in place of {n}", "the sign of `{n}`", lambda a: -a, None),
    ("1/{n} in place of {n}", "`{n}` upside down, or a precedence slip: a / 2 * {n} multiplies by {n}, "
     "write a / (2 * {n})", lambda a: 1 / a, None),
    ("{n}^2 in place of {n}", "`{n}` squared: a variance where a standard deviation belongs, or a square too many",
     lambda a: a * a, None),
    ("sqrt(|{n}|) in place of {n}", "a square root of `{n}`, or `{n}` not squared where the formula squares it "
     "(|{n}| where {n}^2 belongs)",
     lambda a: a.abs().sqrt() if isinstance(a, torch.Tensor) else math.sqrt(abs(a)), None),
    ("exp({n}) in place of {n}", "`{n}` treated as a logarithm (a log-variance?); it is {n} itself",
     lambda a: a.exp() if isinstance(a, torch.Tensor) else math.exp(a), None),
    ("log({n}) in place of {n}", "a log of `{n}` that the formula does not have",
     lambda a: a.abs().log() if isinstance(a, torch.Tensor) else math.log(abs(a)), None),
    ("2 {n} in place of {n}", "a factor 2 on `{n}`", lambda a: 2 * a, None),
    ("{n} / 2 in place of {n}", "a factor 1/2 on `{n}`", lambda a: a / 2, None),
    ("{n} + 1 in place of {n}", "`{n}` shifted by one: a 0-based index where a 1-based one belongs, or the reverse",
     lambda a: a + 1, None),
    ("{n} - 1 in place of {n}", "`{n}` shifted by one: a 1-based index where a 0-based one belongs, or the reverse",
     lambda a: a - 1, None),
    ("{n} + 0.5 in place of {n}", "`{n}` shifted by half a unit", lambda a: a + 0.5, None),
    ("{n} - 0.5 in place of {n}", "`{n}` shifted by half a unit", lambda a: a - 0.5, None),
    ("{n} rounded", "`{n}` rounded (binarised): the formula uses its values as they are", lambda a: a.round(),
     lambda a: isinstance(a, torch.Tensor) and bool((a != a.round()).any())),
    ("{n} transposed", "`{n}` transposed (its last two axes swapped)", lambda a: a.transpose(-1, -2),
     lambda a: isinstance(a, torch.Tensor) and _square(a)),
    ("the inverse of {n}", "an inverse matrix that the formula does not have", lambda a: torch.linalg.inv(a),
     lambda a: isinstance(a, torch.Tensor) and a.dim() == 2 and _square(a)),
    ("only the diagonal of {n}", "`{n}` treated as diagonal, but its off-diagonal entries count: a matrix product",
     lambda a: torch.diag(a.diagonal()), lambda a: isinstance(a, torch.Tensor) and a.dim() == 2 and _square(a)),
    ("softmax({n}) in place of {n}", "a softmax applied to `{n}`, which already holds probabilities",
     lambda a: a.softmax(-1), lambda a: isinstance(a, torch.Tensor) and _rows_sum_to_one(a)),
    ("0 in place of {n}", "`{n}` left out of the formula", lambda a: a * 0, None),
)
_INT = (("{n} + 1 in place of {n}", "an off-by-one in `{n}`", lambda a: a + 1),
        ("{n} - 1 in place of {n}", "an off-by-one in `{n}`", lambda a: a - 1))


def _changed(args, i, value):
    return tuple(value if j == i else a for j, a in enumerate(args))


def _numeric(a) -> bool:
    return (isinstance(a, torch.Tensor) and a.is_floating_point()) or (isinstance(a, float) and not isinstance(a, bool))


def input_variants(reference: Callable, args: tuple, names: list[str]):
    """(hint, make) with make(args) the reference recomputed with one input (or every input of the same shape
    together, or one input shifted by half or all of another) transformed."""
    def ref(fn_args):
        return call_quietly(reference, fn_args)

    for i, (n, a) in enumerate(zip(names, args)):
        if isinstance(a, torch.Tensor) and a.is_floating_point():
            yield f"it equals the input `{n}` itself, unchanged", lambda xs, i=i: xs[i].detach()
    numeric = [(i, n, a) for i, (n, a) in enumerate(zip(names, args)) if _numeric(a)]
    for text, meaning, fn, applies in _FLOAT:
        for i, n, a in numeric:
            if applies is None or applies(a):
                yield (f"it equals the expected result computed with {text.format(n=n)}: {meaning.format(n=n)}",
                       lambda xs, i=i, fn=fn: ref(_changed(xs, i, fn(xs[i]))))
        same = [(i, n) for i, n, a in numeric if isinstance(a, torch.Tensor) and a.dim() >= 2
                and a.shape == numeric[0][2].shape and (applies is None or applies(a))] if numeric else []
        if len(same) >= 2:
            both = " and ".join(n for _, n in same)
            ticked = "` and `".join(n for _, n in same)

            def make(xs, fn=fn, same=same):
                new = list(xs)
                for i, _ in same:
                    new[i] = fn(xs[i])
                return ref(tuple(new))
            yield f"it equals the expected result computed with {text.format(n=both)}: {meaning.format(n=ticked)}", make
    for i, n, a in numeric:
        for j, m, b in numeric:
            if i != j and isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape:
                for k, word in ((0.5, "half a step"), (1.0, "a whole step")):
                    for sign in (1, -1):
                        yield (f"it equals the expected result computed with {n} {'+' if sign > 0 else '-'} "
                               f"{'' if k == 1 else '0.5 '}{m} in place of {n}: `{n}` shifted by {word} (a stride "
                               f"of `{m}`)", lambda xs, i=i, j=j, s=sign * k: ref(_changed(xs, i, xs[i] + s * xs[j])))
    for i, (n, a) in enumerate(zip(names, args)):
        if (isinstance(a, int) and not isinstance(a, bool) and a > 1) or (
                isinstance(a, torch.Tensor) and not a.is_floating_point() and a.dtype != torch.bool):
            for text, meaning, fn in _INT:
                yield (f"it equals the expected result computed with {text.format(n=n)}: {meaning.format(n=n)}",
                       lambda xs, i=i, fn=fn: ref(_changed(xs, i, fn(xs[i]))))


def term_variants(terms: Callable, args: tuple, sizes: dict | None = None):
    """(hint, make) for the formula sum_i c_i term_i (``terms(*args) -> {label: (c_i, term_i)}``) with one term
    changed: missing, its sign, doubled or halved, -2 times, a sum where a mean belongs (times a size) or the
    reverse, another term in its place."""
    try:
        labels = list(terms(*args))
    except Exception:                                                    # noqa: BLE001
        return
    named = _sizes(None, sizes)

    def edit(label, factor=None, other=None):
        def make(xs):
            with torch.no_grad():
                ts = terms(*xs)
            total = sum(c * v for c, v in ts.values())
            c, v = ts[label]
            return total - c * v + (c * ts[other][1] if other else factor * c * v)
        return make

    for label in labels:
        yield f"term by term, the term {label} is missing", edit(label, 0.0)
        yield f"term by term, the term {label} has the wrong sign", edit(label, -1.0)
        yield f"term by term, the term {label} is doubled (a factor 2 too many)", edit(label, 2.0)
        yield f"term by term, the term {label} is halved (a factor 2 missing)", edit(label, 0.5)
        yield (f"term by term, the term {label} is -2 times what it should be: a wrong sign and a factor 2 (1/2 "
               f"missing)", edit(label, -2.0))
        yield (f"term by term, the term {label} is -1/2 times what it should be: a wrong sign and an extra 1/2",
               edit(label, -0.5))
        for name, s in named.items():
            yield (f"term by term, the term {label} is {s:g} times too large: a sum over the {name} where a mean "
                   f"belongs (every term must be on the same scale)", edit(label, s))
            yield (f"term by term, the term {label} is {s:g} times too small: a mean where a sum over the {name} "
                   f"belongs (.sum(), not .mean())", edit(label, 1 / s))
        for other in labels:
            if other != label:
                yield f"term by term, {other} appears where the term {label} belongs", edit(label, other=other)


def resampled(args: tuple, seed: int = 0) -> tuple:
    """Another valid input of the same sizes made from args: the examples drawn again with replacement along
    the first dimension (the same draw for every tensor of that size; both dimensions of a square matrix), to
    confirm that a match on a result of one or two numbers is not a coincidence."""
    g = torch.Generator().manual_seed(seed)
    draws: dict[int, torch.Tensor] = {}

    def draw(a):
        if not isinstance(a, torch.Tensor) or a.dim() == 0 or a.shape[0] < 2:
            return a
        n = a.shape[0]
        idx = draws.setdefault(n, torch.randint(n, (n,), generator=g))
        return a[idx][:, idx] if a.dim() == 2 and a.shape[1] == n else a[idx]
    return tuple(draw(a) for a in args)


def matching_variant(got: torch.Tensor, expected: torch.Tensor, candidates, args: tuple, rtol: float, atol: float,
                     student: Callable | None = None, reference: Callable | None = None) -> str | None:
    """The first candidate (hint, make) whose value make(args) equals got and differs from expected. A result of
    one or two numbers could match by chance: the match must then hold again on ``resampled(args)``."""
    small, other = got.numel() <= 2, None
    for hint, make in candidates:
        try:
            value = make(args)
        except Exception:                                                # noqa: BLE001
            continue
        if not isinstance(value, torch.Tensor) or (value.is_floating_point() and torch.isnan(value).any()):
            continue
        if not (value.shape == got.shape and close(got, value, rtol, atol)) or (
                value.shape == expected.shape and close(value, expected, rtol, atol)):
            continue
        if small:
            if student is None or reference is None:
                continue
            if other is None:
                other = resampled(args)
                s2, e2 = call_quietly(student, other), call_quietly(reference, other)
            try:
                v2 = make(other)
            except Exception:                                            # noqa: BLE001
                continue
            if not (isinstance(v2, torch.Tensor) and close(s2, v2, rtol, atol) and not close(v2, e2, rtol, atol)):
                continue
        return hint
    return None
