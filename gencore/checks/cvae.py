"""Checks for notebook 04 (the class-conditional VAE): the conditioned input [vec(x); onehot(y)], the
class-controlled grid of samples (every code decoded with every label), and the conditional negative ELBO.

The labels are int64 class indices, as a dataset gives them. Inputs vary the batch (1, odd, 97), the data
(images (1, 28, 28) and (1, 5, 3), flat codes of 1 to 16 numbers), the number of classes (1, 2, 3, 10, 17)
and the dtype (one float64 case); the extremes are a batch whose labels are all 0 or all the last class, or
use only part of the classes, where a one-hot whose width is read off the batch comes out too narrow. The grid's
decoder is a fixed random function of [z; onehot(y)] that refuses labels of the wrong shape with one
sentence, as a model's decoder does. The conditioned input is what the encoder and decoder are trained through:
the gradient must reach x (or z). The conditional ELBO's encoder and decoder are small fixed networks of
[x; onehot(y)] and [z; onehot(y)] whose weights must receive the gradient; called without the label (y=None)
they run unconditioned, as a student who forgot it would get.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..cvae import class_grid, with_label
from ..variational import bernoulli_log_likelihood, gaussian_kl, reparameterize
from .common import dtype_note as _kind
from .common import swapped
from .core import Context, compare, compare_or_explain, exercise, expect_gradient, seeded, shape_mistake, wrong_outputs
from .vae import ELBO_MISTAKES, OWN_NOISE, vae_loss

F64 = torch.float64


# ---------------------------------------------------------------- [vec(x); onehot(y)]
NUM_CLASSES = ("F.one_hot(y) without num_classes makes as many columns as the largest label IN THIS BATCH, "
               "plus 1: a batch without the last class gets too few columns, and the network's first layer "
               "expects exactly n_classes. Pass it: F.one_hot(y, n_classes) (or torch.eye(n_classes)[y]).")
CHANNELS = ("You added the label as n_classes constant image planes (a conv-net way to condition) before "
            "flattening: that gives n_classes * H * W extra inputs. The MLP's input is [vec(x); onehot(y)]: the "
            "image's D numbers followed by just n_classes numbers.")

LABEL_MISTAKES = {
    "Order: the image comes first, then the one-hot label, [vec(x); onehot(y)]; you put the label in front. "
    "The network's first layer reads the label from its LAST n_classes input columns.":
        lambda x, y, k: torch.cat([F.one_hot(y, k).to(x.dtype), x.flatten(1)], dim=1),
    "You appended the label as one number (the class index): that makes class 9 '9 times' class 1 and puts "
    "an order on the classes. Append the one-hot vector instead: n_classes numbers, a 1 in the label's column.":
        lambda x, y, k: torch.cat([x.flatten(1), y[:, None].to(x.dtype)], dim=1),
    "You appended the label divided by n_classes as one number: any single number puts an order on the "
    "classes. Append the one-hot vector F.one_hot(y, n_classes): one column per class.":
        lambda x, y, k: torch.cat([x.flatten(1), (y[:, None] / k).to(x.dtype)], dim=1),
    NUM_CLASSES:
        lambda x, y, k: torch.cat([x.flatten(1), F.one_hot(y).to(x.dtype)], dim=1),
    "The label is missing: you returned the flattened input alone; append onehot(y) after it.":
        lambda x, y, k: x.flatten(1) * 1,
    "The input is missing: you returned the one-hot labels alone; the network needs [vec(x); onehot(y)].":
        lambda x, y, k: F.one_hot(y, k).to(x.dtype),
    CHANNELS:
        lambda x, y, k: torch.cat([x, F.one_hot(y, k).to(x.dtype)[:, :, None, None].expand(
            len(x), k, *x.shape[2:])], dim=1).flatten(1),
    "Each row must carry its own example's label: you one-hot encoded the first label only, for the whole "
    "batch.":
        lambda x, y, k: torch.cat([x.flatten(1), F.one_hot(y[:1], k).to(x.dtype).expand(len(x), k)], dim=1),
}


def _label_inputs():
    """(what, x, y, n_classes): images (97, 1, 28, 28) with all 10 classes; one image of class 2 of 10; codes
    (33, 16) of 3 classes; images (4, 1, 5, 3) of 17 classes, only the first few present; codes (6, 1) all of
    the last class; codes (5, 2) of 1 class; codes (9, 3) in float64, all of class 0 of 2."""
    g = seeded(40)
    x = torch.bernoulli(torch.full((97, 1, 28, 28), 0.3), generator=g)
    y = torch.randperm(97, generator=g) % 10
    yield "images (97, 1, 28, 28) and labels of 10 classes", x, y, 10
    yield "one image (1, 1, 28, 28) of class 2 of 10", torch.rand(1, 1, 28, 28, generator=g), torch.tensor([2]), 10
    yield ("codes z (33, 16) and labels of 3 classes (the decoder's input [z; onehot(y)])",
           torch.randn(33, 16, generator=g), torch.arange(33) % 3, 3)
    yield ("images (4, 1, 5, 3) of 17 classes (only classes 0-4 in this batch)",
           torch.rand(4, 1, 5, 3, generator=g), torch.tensor([4, 0, 3, 1]), 17)
    yield "codes (6, 1), every label 3 (the last of 4 classes)", torch.randn(6, 1, generator=g), torch.full((6,), 3), 4
    yield "codes (5, 2) of a single class (n_classes = 1)", torch.randn(5, 2, generator=g), torch.zeros(5).long(), 1
    yield ("codes (9, 3) in float64, every label 0 of 2 classes", torch.randn(9, 3, generator=g, dtype=F64),
           torch.zeros(9).long(), 2)


SHIFTED = ("the labels are shifted by one (y - 1 or y + 1): they run from 0 to n_classes - 1 and index the one-hot "
           "columns as they are")


def _explain_onehot(got, x, y, k, what: str) -> None:
    """Name what is wrong with the one-hot part of a result of the right number of rows."""
    d = x[0].numel()
    if not isinstance(got, torch.Tensor) or got.dim() != 2 or len(got) != len(x) or got.shape[1] <= d:
        return
    width = got.shape[1] - d
    if width != k:
        raise AssertionError(f"{what} has shape {tuple(got.shape)}, expected {(len(x), d + k)}: the one-hot part "
                             f"has {width} column{'s' if width > 1 else ''} where n_classes = {k} "
                             f"are expected: one column per class, however many classes this batch happens to "
                             f"contain (F.one_hot(y, n_classes)).")
    onehot = got[:, d:].detach()
    if not bool(((onehot == 0) | (onehot == 1)).all()):
        values = sorted({round(v, 3) for v in onehot.unique().tolist()})[:4]
        raise AssertionError(f"The one-hot part must hold 0 and 1 (a 1 in the label's column, zeros elsewhere); "
                             f"yours holds {values}.")
    ones = onehot.sum(1)
    if not bool((ones == 1).all()):
        raise AssertionError(f"Each row of the one-hot part needs exactly one 1, in the column of its own label; "
                             f"row 0 has {int(ones[0])}. onehot[:, y] = 1 sets the columns of every label in the "
                             f"batch in every row: index both axes, onehot[torch.arange(len(y)), y] = 1, or use "
                             f"F.one_hot(y, n_classes).")


@exercise("The conditioned input [vec(x); onehot(y)]", reference=with_label, mistakes=LABEL_MISTAKES,
          signature="with_label(x, y, n_classes)")
def cvae_input(student):
    for what, x0, y, k in _label_inputs():
        what = f"[vec(x); onehot(y)] for {what}"
        x = x0.clone().requires_grad_()
        got = student(x, y.clone(), k)
        expected = with_label(x0, y, k)
        wrong = wrong_outputs(LABEL_MISTAKES, x0, y, k)
        shape_mistake(got, expected, wrong, [CHANNELS])
        context = Context(with_label, (x0, y, k), student, variants=[
            (SHIFTED, lambda x, y, k: with_label(x, (y - 1) % k, k)),
            (SHIFTED, lambda x, y, k: with_label(x, (y + 1) % k, k))])
        try:
            compare(got, expected, what=what, wrong=wrong, context=context)
        except AssertionError as e:
            if str(e) not in LABEL_MISTAKES:
                _explain_onehot(got, x0, y, k, what)
            raise
        # the encoder and the decoder are trained through [x; onehot(y)]: the gradient must reach x (or z)
        w = torch.randn(expected.shape, generator=seeded(len(x0) + k), dtype=x0.dtype)
        expect_gradient(got, {"x": x}, what=what, student=student, args=(x, y, k), weight=w,
                        expected={"x": w[:, :x0[0].numel()].reshape(x0.shape)},
                        why="The encoder (and the decoder, on [z; onehot(y)]) is trained through this input.")


# ---------------------------------------------------------------- the class grid
OWN_CODES = ("Use the codes z you are given: your grid changes from one call to the next (you drew new codes "
             "with torch.randn, or a model's sample()). The point of the grid is that column j decodes the SAME "
             "code z_j with every label, so the columns can be compared.")
STACKED = ("Return the images one after the other, shape (len(labels) * len(z), ...), row by row; you returned "
           "a (rows, columns, ...) block: torch.cat the rows, or .flatten(0, 1).")


def _zip_decode(z, labels, decode):
    return decode(z, labels)


GRID_MISTAKES = {
    "Your grid is transposed: it has one row per code. Row i must be class labels[i] and column j code z[j]: "
    "decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z))).":
        lambda z, labels, decode: decode(z.repeat_interleave(len(labels), 0), labels.repeat(len(z))),
    "labels.repeat(m) cycles the classes along each row (l0, l1, l2, l0...); every image of row i must have "
    "class labels[i]: labels.repeat_interleave(len(z)) gives l0, l0, ..., l1, l1, ...":
        lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels.repeat(len(z))),
    "z.repeat_interleave(r) repeats each code r times in a row (z0, z0, ..., z1, ...); column j must be code "
    "z[j] in every row: z.repeat(len(labels), 1) gives z0, z1, ..., z0, z1, ...":
        lambda z, labels, decode: decode(z.repeat_interleave(len(labels), 0), labels.repeat_interleave(len(z))),
    "Every row has the first label's class: decode each row with its own label labels[i].":
        lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels[:1].repeat(len(labels) * len(z))),
    "You decoded code z[i] with label labels[i] only (one image per pair, as zip would): the grid needs every "
    "code with every label, len(labels) * len(z) images.":
        _zip_decode,
    STACKED:
        lambda z, labels, decode: torch.stack([decode(z, lab.repeat(len(z))) for lab in labels]),
    OWN_CODES:
        lambda z, labels, decode: decode(torch.randn(len(labels) * len(z), z.shape[1], dtype=z.dtype),
                                         labels.repeat_interleave(len(z))),
}


def _toy_decoder(d: int, n_classes: int, shape: tuple, seed: int):
    """decode(z, y): sigmoid(W [z; onehot(y)] + b) as images of ``shape``; y a label per code or one label."""
    g = seeded(seed)
    width = 1
    for s in shape:
        width *= s
    W = torch.randn(d + n_classes, width, generator=g, dtype=F64)
    b = torch.randn(width, generator=g, dtype=F64)

    def decode(z, y):
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != d:
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"decode(z, y) takes codes z of shape (M, {d}), got {got}")
        y = torch.as_tensor(y)
        if y.dim() == 0:
            y = y.expand(len(z))
        if y.dim() != 1 or len(y) != len(z) or y.is_floating_point():
            raise ValueError(f"decode(z, y) takes one integer label per code, y of shape ({len(z)},) for z of "
                             f"shape {tuple(z.shape)}, got y of shape {tuple(y.shape)} ({y.dtype})")
        h = torch.cat([z, F.one_hot(y.long(), n_classes).to(z.dtype)], dim=1)
        return torch.sigmoid(h @ W.to(z.dtype) + b.to(z.dtype)).view(len(z), *shape)

    decode.__name__ = "decode"
    return decode


def _grid_inputs():
    """(what, z, labels, decode): 3 labels x 3 codes; 10 x 8 (d = 16); 1 x 1; 1 label x 97 codes; 97 labels
    (repeats) x 1 code (d = 1); 5 labels out of order with repeats x 7 codes in float64 (d = 3)."""
    g = seeded(70)
    cases = ((3, 3, 2, 3, (1, 4, 4), torch.float32), (10, 8, 16, 10, (1, 28, 28), torch.float32),
             (1, 1, 2, 10, (1, 28, 28), torch.float32), (1, 97, 4, 3, (1, 6, 6), torch.float32),
             (97, 1, 1, 5, (1, 4, 4), torch.float32), (5, 7, 3, 4, (1, 5, 3), F64))
    for r, m, d, k, shape, dtype in cases:
        z = torch.randn(m, d, generator=g, dtype=dtype)
        labels = (torch.arange(r) % k if r <= k else torch.randint(k, (r,), generator=g))
        if dtype == F64:
            labels = torch.tensor([3, 0, 2, 0, 1])
        yield (f"the grid of {r} label{'s' if r > 1 else ''} x {m} code{'s' if m > 1 else ''} z of shape "
               f"{tuple(z.shape)} (images {shape}){_kind(z)}", z, labels, _toy_decoder(d, k, shape, 10 * r + m))


def _same_codes(student, z, labels, decode, got) -> None:
    """OWN_CODES when two calls with the same inputs give different grids."""
    again = student(z.clone(), labels.clone(), decode)
    if (isinstance(got, torch.Tensor) and isinstance(again, torch.Tensor) and again.shape == got.shape
            and not torch.equal(again.detach(), got.detach())):
        raise AssertionError(OWN_CODES)


@exercise("The class grid", reference=class_grid, mistakes=GRID_MISTAKES, signature="class_grid(z, labels, decode)")
def cvae_class_grid(student):
    for what, z, labels, decode in _grid_inputs():
        got = student(z.clone(), labels.clone(), decode)
        expected = class_grid(z, labels, decode)
        wrong = wrong_outputs({h: f for h, f in GRID_MISTAKES.items() if h != OWN_CODES}, z, labels, decode)
        shape_mistake(got, expected, wrong, [STACKED])
        try:
            compare(got, expected, what=what, wrong=wrong, context=Context(class_grid, (z, labels, decode), student))
        except AssertionError as e:
            if str(e) not in GRID_MISTAKES:
                _same_codes(student, z, labels, decode, got)
            raise


# ---------------------------------------------------------------- the conditional negative ELBO
def conditional_vae_loss(x, y, encode, decode, eps):
    """-ELBO(x|y) averaged over the batch, one sample z = mu + sigma * eps of q(z|x, y):

        mu, logvar = encode(x, y);   logits = decode(z, y)
        -ELBO(x|y) = 1/N sum_n [ -log p(x_n|z_n, y_n) + KL(q(z|x_n, y_n) || N(0, I)) ]

    notebook 03's negative ELBO (`gencore.checks.vae.vae_loss`) with the label given to both networks."""
    mu, logvar = encode(x, y)
    return vae_loss(x, decode(reparameterize(mu, logvar, eps=eps), y), mu, logvar)


def _elbo_of(mistake):
    """A mistake of notebook 03's negative ELBO (x, logits, mu, logvar), made inside the conditional one."""
    def wrong(x, y, encode, decode, eps):
        mu, logvar = encode(x, y)
        return mistake(x, decode(reparameterize(mu, logvar, eps=eps), y), mu, logvar)
    return wrong


def _with(x, y, encode, decode, eps, enc_y=..., dec_y=..., z=None):
    mu, logvar = encode(x, y if enc_y is ... else enc_y)
    z = reparameterize(mu, logvar, eps=eps) if z is None else z(mu, logvar)
    return vae_loss(x, decode(z, y if dec_y is ... else dec_y), mu, logvar)


NO_LABEL_DECODER = ("The decoder must see the label: the model is p(x|z, y), logits = decode(z, y); you decoded "
                    "without it (decode(z) or y=None), so the reconstruction term is that of a plain VAE.")
NO_LABEL_ENCODER = ("The encoder must see the label too: q(z|x, y), mu, logvar = encode(x, y); you encoded x "
                    "alone.")
DETACHED_SAMPLE = ("The reconstruction term's gradient does not reach the encoder: the sample z = mu + sigma * eps "
                   "must stay connected to mu and logvar (no .detach() or torch.no_grad() around it); in your loss "
                   "only the KL trains the encoder.")
COND_ELBO_MISTAKES = {
    NO_LABEL_DECODER: lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, dec_y=None),
    NO_LABEL_ENCODER: lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, enc_y=None),
    "Neither network saw the label: that is notebook 03's VAE. Pass y to encode(x, y) and to decode(z, y).":
        lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, enc_y=None, dec_y=None),
    "You decoded the mean mu instead of a sample z = mu + exp(logvar / 2) * eps: the ELBO's reconstruction term "
    "is an expectation over q(z|x, y), estimated with the sample the noise eps gives.":
        lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, z=lambda mu, logvar: mu),
    "sigma = exp(logvar / 2): you scaled eps by exp(logvar), the variance.":
        lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, z=lambda mu, logvar: mu + logvar.exp() * eps),
    "You scaled eps by logvar itself: sigma = exp(logvar / 2).":
        lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, z=lambda mu, logvar: mu + logvar * eps),
    "The KL term is missing: -ELBO(x|y) = reconstruction loss + KL(q(z|x, y) || N(0, I)).":
        lambda x, y, enc, dec, eps: _elbo_of(lambda x, logits, mu, logvar: -bernoulli_log_likelihood(logits, x)
                                             .mean())(x, y, enc, dec, eps),
    "The decoder must get the label of each example, in order: you decoded with the labels shifted by one.":
        lambda x, y, enc, dec, eps: _with(x, y, enc, dec, eps, dec_y=(y + 1) % enc.n_classes),
    **{hint: _elbo_of(fn) for hint, fn in ELBO_MISTAKES.items() if hint not in swapped(vae_loss, "x", "logits")},
}


class _Network:
    """A small fixed network of [input; onehot(y)] (y=None: no label, the one-hot left out as zeros), its
    weights requiring gradients: the encoder (returns mu, logvar) or the decoder (returns logits)."""

    def __init__(self, name: str, d_in: int, out_shape: tuple, n_classes: int, dtype, seed: int, split: bool,
                 scale: float = 1.0):
        g = seeded(seed)
        self.__name__, self.n_classes, self.split, self.d_in, self.out_shape = name, n_classes, split, d_in, out_shape
        d_out = 1
        for s in out_shape:
            d_out *= s
        self.W = (scale * torch.randn(d_in + n_classes, d_out, generator=g, dtype=dtype) / d_in ** 0.5
                  ).requires_grad_()
        self.b = (0.3 * torch.randn(d_out, generator=g, dtype=dtype)).requires_grad_()

    def __call__(self, h, y=None):
        n = len(h)
        flat = h.reshape(n, -1)
        if flat.shape[1] != self.d_in:
            raise ValueError(f"this network takes inputs of {self.d_in} numbers per example, got shape "
                             f"{tuple(h.shape)}")
        c = torch.zeros(n, self.n_classes, dtype=flat.dtype) if y is None else \
            F.one_hot(torch.as_tensor(y).long().expand(n) if torch.as_tensor(y).dim() == 0 else
                      torch.as_tensor(y).long(), self.n_classes).to(flat.dtype)
        out = torch.cat([flat, c], 1) @ self.W + self.b
        if self.split:
            mu, logvar = out.chunk(2, dim=1)
            return mu, logvar.clamp(-6, 3)
        return out.view(n, *self.out_shape)

    def __repr__(self) -> str:
        return f"the {self.__name__} function"


def _cond_elbo_inputs():
    """(what, x, y, encode, decode, eps): images (97, 1, 28, 28) of 10 classes; one image; flat data (7, 12) of
    3 classes missing the last; images (5, 1, 5, 3) all of the last of 4 classes; a decoder 40 times larger,
    whose logits reach far beyond +-30 (only the stable BCE survives); float64 (6, 1, 6, 6)."""
    g = seeded(90)
    cases = ((97, (1, 28, 28), 10, 4, torch.float32, None, 1), (1, (1, 28, 28), 10, 2, torch.float32, None, 1),
             (7, (12,), 3, 3, torch.float32, 2, 1), (5, (1, 5, 3), 4, 1, torch.float32, 3, 1),
             (9, (1, 28, 28), 3, 3, torch.float32, None, 40), (6, (1, 6, 6), 2, 5, F64, None, 1))
    for i, (n, shape, k, d, dtype, only, scale) in enumerate(cases):
        x = torch.bernoulli(torch.full((n, *shape), 0.3, dtype=dtype), generator=g)
        y = torch.full((n,), only) if only == k - 1 else \
            torch.randint(k - 1 if only is not None else k, (n,), generator=g)
        width = x[0].numel()
        encode = _Network("encode", width, (2 * d,), k, dtype, 91 + i, split=True)
        decode = _Network("decode", d, shape, k, dtype, 191 + i, split=False, scale=scale)
        eps = torch.randn(n, d, generator=g, dtype=dtype)
        labels = ("without the last class" if only == 2 else "all of the last class" if only is not None
                  else f"of {k} classes") + (", a decoder whose logits reach +-30 and beyond" if scale > 1 else "")
        yield (f"the loss for {n} example{'s' if n > 1 else ''} of shape {shape}, labels {labels}, {d} latent "
               f"dimension{'s' if d > 1 else ''}{_kind(x)}", x, y, encode, decode, eps)


@exercise("The conditional negative ELBO", reference=conditional_vae_loss, mistakes=COND_ELBO_MISTAKES,
          signature="conditional_negative_elbo(x, y, encode, decode, eps)")
def cvae_negative_elbo(student):
    for what, x, y, encode, decode, eps in _cond_elbo_inputs():
        got = student(x.clone(), y.clone(), encode, decode, eps.clone())
        expected = conditional_vae_loss(x, y, encode, decode, eps)
        with torch.no_grad():
            wrong = wrong_outputs(COND_ELBO_MISTAKES, x, y, encode, decode, eps)
        context = Context(conditional_vae_loss, (x, y, encode, decode, eps), student, transform_inputs=False,
                          terms=_cond_terms, sizes={"batch size": len(x), "pixels": x[0].numel()})

        def own_noise():
            again = student(x.clone(), y.clone(), encode, decode, eps.clone())
            if isinstance(again, torch.Tensor) and isinstance(got, torch.Tensor) and not torch.equal(
                    again.detach(), got.detach()):
                raise AssertionError(OWN_NOISE)
        compare_or_explain(got, expected.detach(), what=what, wrong=wrong, mistakes=COND_ELBO_MISTAKES,
                           explain=[own_noise], context=context)
        params = {"the encoder's weights": [encode.W, encode.b], "the decoder's weights": [decode.W, decode.b]}
        reference = {name: _flat_grad(expected, ps) for name, ps in params.items()}
        detached = _with(x, y, encode, decode, eps, z=lambda mu, logvar: reparameterize(mu, logvar, eps=eps).detach())
        encoder = params["the encoder's weights"]
        wrong_grads = {"the encoder's weights": {DETACHED_SAMPLE: _flat_grad(detached, encoder)}}
        expect_gradient(got, params, what=f"your loss ({what})", student=student, args=(x, y, encode, decode, eps),
                        expected=reference, wrong=wrong_grads, rtol=2e-3, atol=1e-4,    # float32 sums, logits of 40
                        why="Training moves both networks' weights by this gradient.")


def _cond_terms(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    logits = decode(reparameterize(mu, logvar, eps=eps), y)
    return {"the reconstruction term (the BCE of decode(z, y) summed over the pixels)":
            (1.0, -bernoulli_log_likelihood(logits, x).mean()),
            "the KL of q(z|x, y) from N(0, I)": (1.0, gaussian_kl(mu, logvar).mean())}


def _flat_grad(loss, params):
    return torch.cat([g.flatten() for g in torch.autograd.grad(loss, params, retain_graph=True)])


__all__ = ["cvae_input", "cvae_class_grid", "cvae_negative_elbo"]
