"""Checks for notebook 07 (the conditional GAN): the projection discriminator's logit
l(x, y) = w^T h + b + e_y^T h (Miyato & Koyama, 2018), from D's features h.

Inputs vary the batch (1, 5, an odd 97), the feature dimensionality (1, 3, 8, 64), the number of classes
(1, 2, 4, 10), the shapes of w and b (w (1, F) as nn.Linear(F, 1).weight stores it and w (F,); b (1,) and b a
scalar) and the dtype (one float64 case); labels include batches of one class only, batches where the first
label is not 0, so that "every example gets the first label" and "every example gets class 0" both differ from
the right answer, and a batch without the top class (where a one-hot as wide as the batch's largest label is too
narrow). The gradient must reach h, w, b and the embeddings: D is trained through its logit.
"""
from __future__ import annotations

import torch

from ..gan import projection_logit
from .common import dtype_note as _kind
from .core import Context, compare, exercise, expect_gradient, seeded, wrong_outputs

F64 = torch.float64


def _uncond(h, w, b):
    return h @ w.reshape(-1) + b.reshape(())


ALL_CLASSES = ("You returned the class term for EVERY class, h @ embeddings.T of shape (N, K): each example "
               "needs only its own class's embedding, e_y = embeddings[y], dotted with its features: "
               "(embeddings[y] * h).sum(1), one number per example.")
COLUMNS = ("embeddings holds one ROW per class (K, F), as nn.Embedding stores it: e_y = embeddings[y] (a row), "
           "not embeddings[:, y] (a column).")
SIGMOID = ("You returned D's probability sigmoid(l): the function returns the LOGIT l(x, y) = w^T h + b + e_y^T h "
           "(the losses of notebook 06 take logits and apply the sigmoid themselves, stably).")

SHIFTED = "the labels are shifted by one (y - 1 or y + 1): embeddings[y] is the row of label y, counted from 0"
KEEPDIM = ("You kept a trailing dimension of 1: the result must be (N,), one logit per example (w^T h with w of "
           "shape (1, F) gives (N, 1); use w.reshape(-1) or .squeeze(1)).")

MISTAKES = {
    "The unconditional term w^T h + b is missing: the projection logit is w^T h + b + e_y^T h. The first two terms "
    "judge 'is x real?', the last 'is x real of class y?'.":
        lambda h, w, b, e, y: (e[y] * h).sum(1),
    "The class term e_y^T h is missing: you returned the unconditional logit w^T h + b, so D ignores the label. "
    "Add (embeddings[y] * h).sum(1).":
        lambda h, w, b, e, y: _uncond(h, w, b),
    "The bias b is missing: l(x, y) = w^T h + b + e_y^T h.":
        lambda h, w, b, e, y: h @ w.reshape(-1) + (e[y] * h).sum(1),
    ALL_CLASSES:
        lambda h, w, b, e, y: _uncond(h, w, b)[:, None] + h @ e.T,
    "Every example got the FIRST example's label: use each example's own label, embeddings[y] (a row per "
    "example), not embeddings[y[0]].":
        lambda h, w, b, e, y: _uncond(h, w, b) + h @ e[y[0]],
    "Every example got class 0's embedding: the class term is e_y^T h with e_y = embeddings[y], the row of each "
    "example's own label.":
        lambda h, w, b, e, y: _uncond(h, w, b) + h @ e[0],
    COLUMNS:
        lambda h, w, b, e, y: _uncond(h, w, b) + (e[:, y].T * h).sum(1),
    "You summed over the batch: the logit is one number PER EXAMPLE, (N,). Sum e_y * h over the features only, "
    ".sum(1) (or dim=-1), not over everything.":
        lambda h, w, b, e, y: _uncond(h, w, b) + (e[y] * h).sum(),
    SIGMOID:
        lambda h, w, b, e, y: torch.sigmoid(projection_logit(h, w, b, e, y)),
    KEEPDIM:
        lambda h, w, b, e, y: projection_logit(h, w, b, e, y)[:, None],
    "You multiplied the class term into the unconditional one, (w^T h + b) * (e_y^T h): the two terms ADD.":
        lambda h, w, b, e, y: _uncond(h, w, b) * (e[y] * h).sum(1),
}


def _inputs():
    """(what, h, w, b, embeddings, y): h (9, 4) of 4 classes (square embeddings); h (8, 6) of 5 classes without the
    top class; h (97, 64) of 10 classes, w (1, F), b (1,) as nn.Linear stores them; one example of class 3 of 4;
    h (5, 3) of 2 classes with w (F,) and a scalar b, labels starting at 1;
    h (6, 8) all of the last of 4 classes; h (4, 1) of a single class; float64 (7, 8) of 10 classes."""
    g = seeded(70)
    F_, K = 64, 10
    yield ("h (9, 4) of 4 classes, embeddings (4, 4)", torch.randn(9, 4, generator=g), torch.randn(1, 4, generator=g),
           torch.randn(1, generator=g), torch.randn(4, 4, generator=g), torch.tensor([1, 3, 0, 2, 2, 1, 3, 0, 1]))
    yield ("h (8, 6) of 5 classes, labels 0 to 3 only (class 4 is absent from this batch)",
           torch.randn(8, 6, generator=g), torch.randn(1, 6, generator=g), torch.randn(1, generator=g),
           torch.randn(5, 6, generator=g), torch.tensor([0, 3, 1, 2, 3, 0, 1, 2]))
    yield (("h (97, 64), w (1, 64) and b (1,) as nn.Linear(64, 1) stores them, embeddings (10, 64), labels of "
            "all 10 classes"), torch.randn(97, F_, generator=g), torch.randn(1, F_, generator=g),
           torch.randn(1, generator=g), torch.randn(K, F_, generator=g), (torch.randperm(97, generator=g) + 1) % K)
    yield ("one example h (1, 8) of class 3 of 4", torch.randn(1, 8, generator=g), torch.randn(1, 8, generator=g),
           torch.randn(1, generator=g), torch.randn(4, 8, generator=g), torch.tensor([3]))
    yield ("h (5, 3) of 2 classes, w (3,) and a scalar b", torch.randn(5, 3, generator=g),
           torch.randn(3, generator=g), torch.randn((), generator=g), torch.randn(2, 3, generator=g),
           torch.tensor([1, 0, 1, 1, 0]))
    yield ("h (6, 8), every label 3 (the last of 4 classes)", torch.randn(6, 8, generator=g),
           torch.randn(1, 8, generator=g), torch.randn(1, generator=g), torch.randn(4, 8, generator=g),
           torch.full((6,), 3))
    yield ("h (4, 1) of a single class (K = 1)", torch.randn(4, 1, generator=g), torch.randn(1, 1, generator=g),
           torch.randn(1, generator=g), torch.randn(1, 1, generator=g), torch.zeros(4).long())
    yield ("h (7, 8) in float64, embeddings of 10 classes", torch.randn(7, 8, generator=g, dtype=F64),
           torch.randn(1, 8, generator=g, dtype=F64), torch.randn(1, generator=g, dtype=F64),
           torch.randn(10, 8, generator=g, dtype=F64), torch.tensor([5, 2, 9, 0, 5, 7, 1]))


@exercise("The projection discriminator's logit", reference=projection_logit, mistakes=MISTAKES,
          signature="projection_logit(h, w, b, embeddings, y)")
def cgan_projection(student):
    for what, h, w, b, e, y in _inputs():
        what = f"the logits for {what}{_kind(h)}"
        leaves = {n: t.clone().requires_grad_() for n, t in (("h", h), ("w", w), ("b", b), ("embeddings", e))}
        args = (leaves["h"], leaves["w"], leaves["b"], leaves["embeddings"], y.clone())
        got = student(*args)
        expected = projection_logit(h, w, b, e, y)
        wrong = wrong_outputs(MISTAKES, h, w, b, e, y)
        if isinstance(got, torch.Tensor) and got.shape == (len(h), 1):
            raise AssertionError(KEEPDIM)
        k = len(e)
        context = Context(projection_logit, (h, w, b, e, y), student, sizes={"features": h.shape[1]}, variants=[
            (SHIFTED, lambda h, w, b, e, y: projection_logit(h, w, b, e, (y - 1) % k)),
            (SHIFTED, lambda h, w, b, e, y: projection_logit(h, w, b, e, (y + 1) % k))],
            terms=lambda h, w, b, e, y: {"w^T h": (1.0, h @ w.reshape(-1)), "b": (1.0, b.reshape(()).expand(len(h))),
                                         "e_y^T h (the class term)": (1.0, (e[y] * h).sum(1))})
        compare(got, expected, what=what, wrong=wrong, batch=len(h), context=context)
        # D is trained through its logit: the gradient must reach its features, w, b and the class embeddings
        weight = torch.randn(len(h), generator=seeded(len(h)), dtype=h.dtype)
        refs = {n: t.detach().clone().requires_grad_() for n, t in leaves.items()}
        out = projection_logit(refs["h"], refs["w"], refs["b"], refs["embeddings"], y)
        grads = dict(zip(refs, torch.autograd.grad((out * weight).sum(), list(refs.values()))))
        expect_gradient(got, leaves, what="the logits", student=student, args=args, weight=weight, expected=grads,
                        why="D is trained through its logit: w, b and the embeddings are its parameters, and h "
                            "carries the gradient into its features.")
