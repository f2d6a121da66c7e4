"""Checks for notebook 01 (autoencoders): the forward pass, the reconstruction loss, PCA, interpolation.

Each check runs the student's function on several shapes (a batch of one, odd batches, flat data and images,
a latent of size 1), on float32 and, where natural, one float64 input; the loss also on extreme logits
(|l| = 30, 40, 100, 800) where a hand-written log(sigmoid(l)) is log 0; PCA on data whose spectrum has a
clear gap after the k-th direction (a unique answer that float32 and other algorithms reproduce).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..autoencoder import interpolate, pca_reconstruct, reconstruct, reconstruction_loss
from ..blocks import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder
from .common import batch_mean_mistakes, swapped
from .core import (
    Context,
    StudentError,
    close,
    compare,
    exercise,
    expect_gradient,
    finite,
    seeded,
    shape_mistake,
    wrong_outputs,
)
from .trace import nonfinite_text

# ---------------------------------------------------------------- the forward pass x -> z -> x_hat
FLAT = ("Your reconstruction is flat (N, D): give it back in the input's shape, x_hat.view(x.shape) "
        "(or use the decoder's output shape, which already is).")
DETACHED = ("Training needs the gradient of the loss through the code z into the encoder: keep the code attached "
            "(no .detach(), torch.no_grad, requires_grad_(False) or numpy on the way).")
SOFTMAX = ("You used a softmax: it makes the pixels compete so that they sum to 1 (over one channel it is 1 "
           "everywhere). Each pixel is its own Bernoulli variable: apply torch.sigmoid elementwise.")
SWAPPED = ("Encoder and decoder swapped: the encoder f comes first and maps x to the code z = encoder(x), "
           "the decoder g maps z back: x_hat = sigmoid(decoder(encoder(x))).")

FORWARD_MISTAKES = {
    "Your output is the decoder's raw logits: squash them with torch.sigmoid to get pixel intensities in (0, 1).":
        lambda x, enc, dec: dec(enc(x)),
    "The sigmoid belongs to the decoder's output only: the code z = encoder(x) is left as it is "
    "(any real numbers).":
        lambda x, enc, dec: torch.sigmoid(dec(torch.sigmoid(enc(x)))),
    FLAT:
        lambda x, enc, dec: torch.sigmoid(dec(enc(x))).flatten(1),
    DETACHED:
        lambda x, enc, dec: torch.sigmoid(dec(enc(x).detach())),
    SOFTMAX:
        lambda x, enc, dec: torch.softmax(dec(enc(x)), dim=1),
    "You used tanh: its values lie in (-1, 1), not in (0, 1). The pixel intensity is the sigmoid of the "
    "logit, torch.sigmoid(l) = 1 / (1 + exp(-l)).":
        lambda x, enc, dec: torch.tanh(dec(enc(x))),
    "Clamping the logits to [0, 1] is not the sigmoid: every logit above 1 becomes pure white, every one below "
    "0 black, and the gradient is 0 there. Use torch.sigmoid(l).":
        lambda x, enc, dec: dec(enc(x)).clamp(0, 1),
    SWAPPED:
        lambda x, enc, dec: torch.sigmoid(enc(dec(x))),
    "The encoder is missing: the decoder takes the code z = encoder(x), not the image itself: "
    "x_hat = sigmoid(decoder(encoder(x))).":
        lambda x, enc, dec: torch.sigmoid(dec(x)),
    "The decoder is missing: encoder(x) is the code z, not the reconstruction; decode it: "
    "x_hat = sigmoid(decoder(encoder(x))).":
        lambda x, enc, dec: torch.sigmoid(enc(x)),
}


def _forward_inputs():
    """(what, x, encoder, decoder): MLP and conv pairs, images and flat data, batches 97, 5, 33, 1, 7, a
    latent of size 1, one float64 pair."""
    cases = ((97, (1, 28, 28), 2, "mlp", torch.float32), (5, (3, 8, 8), 3, "conv", torch.float32),
             (33, (4,), 4, "mlp", torch.float32),       # code as wide as the data: swapped modules still run
             (1, (1, 28, 28), 2, "mlp", torch.float32), (7, (2, 5), 1, "mlp", torch.float64))
    for n, shape, d, kind, dtype in cases:
        torch.manual_seed(10 * n + d)
        if kind == "conv":
            enc = ConvEncoder(shape, d, hidden=(16,), channels=(4, 8))
            dec = ConvDecoder(d, shape, hidden=(16,), channels=(8, 4))
        else:
            enc, dec = MLPEncoder(shape, d, hidden=(32,)), MLPDecoder(d, shape, hidden=(32,))
        enc, dec = enc.to(dtype), dec.to(dtype)
        x = torch.rand(n, *shape, generator=seeded(n), dtype=dtype)
        note = ", float64" if dtype == torch.float64 else ""
        yield (f"x_hat for x of shape {tuple(x.shape)} ({kind} encoder, code size {d}{note})", x, enc, dec)


def _softmax_like(got, expected: torch.Tensor) -> None:
    """SOFTMAX when the output sums to 1 along a dimension or over each example (and is not the sigmoid)."""
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape or not got.is_floating_point():
        return
    if got.dim() < 2 or close(got, expected, 1e-4, 1e-5):
        return
    sums = [got.detach().sum(d) for d in range(1, got.dim())] + [got.detach().flatten(1).sum(1)]
    if any(close(s, torch.ones_like(s), 1e-4, 1e-5) for s in sums):
        raise AssertionError(SOFTMAX)


def _forward_case(student, what, x, enc, dec) -> None:
    got = student(x, enc, dec)
    wrong = wrong_outputs(FORWARD_MISTAKES, x, enc, dec)
    with torch.no_grad():
        expected = reconstruct(x, enc, dec)
    shape_mistake(got, expected, wrong, [FLAT])
    _softmax_like(got, expected)
    compare(got, expected, what=what, wrong=wrong, context=Context(reconstruct, (x, enc, dec), student))
    # the gradient must flow through the code into the encoder, and be the reference's
    params = list(enc.parameters())
    w = torch.randn(x.shape, generator=seeded(len(x) + 1), dtype=x.dtype)
    g_got = expect_gradient(got, {"the encoder's parameters": params}, what=f"your x_hat ({what})", student=student,
                            args=(x, enc, dec), weight=w, why=DETACHED)["the encoder's parameters"]
    if not bool(g_got.abs().sum() > 0):
        raise AssertionError(f"The gradient of your x_hat with respect to the encoder's parameters is 0. {DETACHED}")
    g_ref = torch.autograd.grad((reconstruct(x, enc, dec) * w).sum(), params)
    g_ref = torch.cat([g.flatten() for g in g_ref])
    compare(g_got, g_ref, what=f"the gradient of your x_hat with respect to the encoder's parameters ({what})",
            rtol=1e-3, atol=1e-4 * max(g_ref.abs().max().item(), 1e-8))


def _explain_error(student) -> str | None:
    """The hint of a catalogued mistake that the student's function shows on data as wide as its code (where
    swapped or missing modules still run), for a function that raised on images; None when it shows none."""
    what, x, enc, dec = next(case for case in _forward_inputs() if case[1].shape[1:] == (4,))
    try:
        got = student(x, enc, dec)
    except Exception:
        return None
    if not isinstance(got, torch.Tensor) or close(got, reconstruct(x, enc, dec), 1e-4, 1e-5):
        return None
    for hint, value in wrong_outputs(FORWARD_MISTAKES, x, enc, dec).items():
        if close(got, value, 1e-4, 1e-5):
            return hint
    return None


@exercise("The autoencoder's forward pass", reference=reconstruct, mistakes=FORWARD_MISTAKES,
          signature="reconstruct(x, encoder, decoder)")
def autoencoder_forward(student):
    for what, x, enc, dec in _forward_inputs():
        try:
            _forward_case(student, what, x, enc, dec)
        except StudentError as e:
            hint = _explain_error(student)
            if hint:
                raise AssertionError(f"{hint} (On images: {e})") from None
            raise


# ---------------------------------------------------------------- the reconstruction loss
def _bce_sum(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum")


def _bce_per_example(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def _hand_written(logits, x):
    p = torch.sigmoid(logits)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum() / len(x)


UNSTABLE = ("Numerically unstable: at large logits (|l| = 30, 40, ...) sigmoid(l) rounds to exactly 1 (or 0), "
            "so log(1 - sigmoid(l)) (or log(sigmoid(l))) is log 0 = -inf and the loss inf or NaN; clamping p "
            "with an epsilon only trades that for a wrong value. Compute the log-probabilities from the logits: "
            "F.binary_cross_entropy_with_logits(logits, x, reduction='sum'), or F.logsigmoid(l) and "
            "F.logsigmoid(-l) (= log(1 - sigmoid(l))).")
BCE_OF_SIGMOID = ("F.binary_cross_entropy(torch.sigmoid(logits), x) is right for moderate logits only: at large "
                  "ones sigmoid(l) rounds to 1 and PyTorch clamps log(0) to -100, so the loss is wrong there. "
                  "Use F.binary_cross_entropy_with_logits(logits, x, ...), which works from the logits stably.")
SQUEEZED_LEN = ("For a batch of one your loss is off: .squeeze() also drops the batch dimension, so len() of a "
                "squeezed tensor is not the batch size any more. Divide by len(x) (x.shape[0]) of the input as "
                "given, and squeeze only the dimension you mean, if any.")

LOSS_MISTAKES = {
    "Reduction: you averaged over every pixel too (PyTorch's default reduction='mean'). -log p(x|z) is a "
    "sum over the pixels of one image; only the batch is averaged: reduction='sum', then divide by len(x).":
        lambda logits, x: F.binary_cross_entropy_with_logits(logits, x),
    **batch_mean_mistakes(_bce_per_example, "the loss"),
    "You applied a sigmoid before binary_cross_entropy_with_logits: that function expects raw logits and "
    "applies the sigmoid itself.":
        lambda logits, x: _bce_sum(torch.sigmoid(logits), x) / len(x),
    "That is the squared error, not the Bernoulli negative log-likelihood: use the binary cross-entropy "
    "-[x log p + (1 - x) log(1 - p)] with p = sigmoid(logits).":
        lambda logits, x: (torch.sigmoid(logits) - x).pow(2).sum() / len(x),
    **{f"{hint} binary_cross_entropy_with_logits(input, target) takes the model's logits first and the data "
       f"second.": fn for hint, fn in swapped(reconstruction_loss, "logits", "x").items()},
    "Sign: the loss is the *negative* log-likelihood, positive and minimised.":
        lambda logits, x: -_bce_sum(logits, x) / len(x),
    "The (1 - x) log(1 - sigmoid(l)) term is missing: a pixel that is dark (x = 0) must be penalised when "
    "its predicted intensity is high. BCE = -[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))].":
        lambda logits, x: -(x * F.logsigmoid(logits)).sum() / len(x),
    SQUEEZED_LEN:
        lambda logits, x: _bce_sum(logits, x) / len(x.squeeze()),
    UNSTABLE: _hand_written,
    BCE_OF_SIGMOID:
        lambda logits, x: F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="sum") / len(x),
}


def _loss_inputs():
    """(what, logits, x, extreme): ordinary logits on several shapes, then logits of +-30, 40, 100 (float32)
    and +-40, 800 (float64) among ordinary ones; targets binary and grey."""
    cases = ((97, (1, 28, 28), torch.float32, ()), (1, (1, 28, 28), torch.float32, ()),
             (33, (10,), torch.float32, ()), (4, (3, 5), torch.float32, ()),
             (15, (1, 28, 28), torch.float32, (30.0, -30.0, 40.0, -40.0, 100.0, -100.0)),
             (7, (3, 4), torch.float64, (40.0, -40.0, 800.0, -800.0)))
    for n, shape, dtype, extremes in cases:
        g = seeded(n + len(shape))
        logits = 2 * torch.randn(n, *shape, generator=g, dtype=dtype)
        x = torch.rand(n, *shape, generator=g, dtype=dtype)
        x = torch.where(torch.rand(x.shape, generator=g) < 0.6, x.round(), x)     # binary and grey targets
        note = ", float64" if dtype == torch.float64 else ""
        if extremes:
            where = torch.rand(logits.shape, generator=g) < 0.3
            pick = torch.randint(len(extremes), logits.shape, generator=g)
            logits = torch.where(where, torch.tensor(extremes, dtype=dtype)[pick], logits)
            note += ", some logits = " + ", ".join(f"{e:g}" for e in extremes)
        yield f"the loss for logits and x of shape {tuple(x.shape)}{note}", logits, x, bool(extremes)


def _loss_terms(logits, x):
    n = len(x)
    return {"sum of softplus(logits)": (1.0, F.softplus(logits).sum() / n),
            "sum of x * logits": (-1.0, (x * logits).sum() / n)}


@exercise("The reconstruction loss", reference=reconstruction_loss, mistakes=LOSS_MISTAKES,
          signature="reconstruction_loss(logits, x)")
def autoencoder_loss(student):
    for what, logits0, x, extreme in _loss_inputs():
        logits = logits0.clone().requires_grad_()
        expected = reconstruction_loss(logits0, x)
        wrong = wrong_outputs(LOSS_MISTAKES, logits0, x)
        got = student(logits, x)
        if isinstance(got, torch.Tensor) and got.numel() == 1 and got.dim() > 0:
            got = got.reshape(())                        # one number in a (1,) tensor is fine too
        context = Context(reconstruction_loss, (logits0, x), student, terms=_loss_terms,
                          sizes={"batch size": len(x), "pixels": x[0].numel()})
        try:
            compare(got, expected, what=what, wrong=wrong, batch=len(x), context=context)
        except AssertionError as e:
            if (extreme and str(e) not in LOSS_MISTAKES and isinstance(got, torch.Tensor)
                    and got.shape == expected.shape and got.dtype == expected.dtype
                    and "equals the expected" not in str(e)):
                raise AssertionError(f"{UNSTABLE} Your loss is {got.item():.6g} where {expected.item():.6g} "
                                     f"was expected ({what}); it was right for ordinary logits."
                                     f"{nonfinite_text(context.run('student'))}") from None
            raise
        g_ref = (torch.sigmoid(logits0) - x) / len(x)                # d/dl of the mean over the batch of BCEs
        expect_gradient(got, {"logits": logits}, what=f"your loss ({what})", student=student, args=(logits, x),
                        expected={"logits": g_ref}, rtol=1e-3, atol=1e-6 / len(x),
                        why="Training needs the gradient of the loss with respect to the logits.")


# ---------------------------------------------------------------- PCA, the linear autoencoder
FLAT_PCA = ("Return x_hat in the shape of x: you returned the flattened (N, D) rows; .reshape(x.shape) them back.")
LAST = ("Wrong components: you kept the k directions of SMALLEST variance. torch.linalg.svd sorts the singular "
        "values in decreasing order (the top-k directions are the FIRST k rows of Vh); torch.linalg.eigh sorts "
        "eigenvalues in increasing order (the top-k eigenvectors are its LAST k columns).")


def _pca_variant(x, k, centre=True, add_mean=True, last=False, transpose=False, scale=None, per_example=False,
                 standardise=False):
    flat = x.reshape(len(x), -1)
    if per_example:
        mean = flat.mean(1, keepdim=True)
    else:
        mean = flat.mean(0, keepdim=True) if centre else torch.zeros_like(flat[:1])
    std = flat.std(0, keepdim=True) if standardise else torch.ones_like(flat[:1])
    u, s, vh = torch.linalg.svd((flat - mean) / std, full_matrices=False)
    v = vh[-k:] if last else (vh.T[:k] if transpose else vh[:k])
    if scale == "extra":
        out = (flat - mean) / std @ v.T @ (s[:k, None] * v)
    elif scale == "missing":
        out = u[:, :k] @ v
    else:
        out = (flat - mean) / std @ v.T @ v
    out = out * std
    return (out + mean if add_mean else out).reshape(x.shape)


PCA_MISTAKES = {
    "Centre the data first: subtract the mean image before the SVD, and add it back after projecting.":
        lambda x, k: _pca_variant(x, k, centre=False),
    "You projected the centred data but forgot to add the mean back: x_hat = m + (x - m) V_k V_k^T.":
        lambda x, k: _pca_variant(x, k, add_mean=False),
    LAST:
        lambda x, k: _pca_variant(x, k, last=True),
    "Projection: the principal directions are the ROWS of Vh, so V_k = Vh[:k].T and x_hat = m + (x - m) V_k V_k^T; "
    "Vh.T[:k] (or Vh[:, :k]) takes columns of Vh, which are not principal directions.":
        lambda x, k: _pca_variant(x, k, transpose=True),
    "The projection has no singular values in it: x_hat = m + (x - m) V_k V_k^T (with V_k's columns the "
    "directions, of unit length). You scaled the directions by the singular values S.":
        lambda x, k: _pca_variant(x, k, scale="extra"),
    "U_k V_k^T lacks the singular values: the centred data is U S V^T, so its rank-k part is "
    "U_k diag(S_k) V_k^T = (x - m) V_k V_k^T.":
        lambda x, k: _pca_variant(x, k, scale="missing"),
    "Don't standardise the features (divide by their standard deviations): that is PCA of the correlation "
    "matrix, a different projection. Centre only: x_hat = m + (x - m) V_k V_k^T.":
        lambda x, k: _pca_variant(x, k, standardise=True),
    "The mean image m is the mean over the examples, dim 0 of the flattened (N, D) data: you subtracted each "
    "example's own mean over its pixels (dim 1).":
        lambda x, k: _pca_variant(x, k, per_example=True),
    "You returned the code z = (x - m) V_k, of shape (N, k): decode it back, x_hat = m + z V_k^T, in x's shape.":
        lambda x, k: (lambda f: (f - f.mean(0)) @ torch.linalg.svd(f - f.mean(0), full_matrices=False)[2][:k].T)(
            x.reshape(len(x), -1)),
    FLAT_PCA:
        lambda x, k: pca_reconstruct(x, k).reshape(len(x), -1),
}


def _pca_data(n: int, shape: tuple, k: int, dtype: torch.dtype, seed: int) -> torch.Tensor:
    """n examples of the given shape whose centred data is U diag(s) W^T exactly: k singular values well
    above the rest (a unique top-k subspace, so float32 and other algorithms agree), a mean far from 0."""
    g = seeded(seed)
    d = math.prod(shape)
    r = min(n - 1, d)
    a = torch.randn(n, r, generator=g, dtype=torch.float64)
    u = torch.linalg.qr(a - a.mean(0))[0]                         # orthonormal columns, orthogonal to 1
    w = torch.linalg.qr(torch.randn(d, r, generator=g, dtype=torch.float64))[0]
    s = torch.cat([torch.linspace(4.0, 2.0, k, dtype=torch.float64),
                   torch.linspace(0.8, 0.1, r - k, dtype=torch.float64)])[:r] * math.sqrt(n)
    mean = 2 * torch.randn(d, generator=g, dtype=torch.float64) + 1
    return (mean + (u * s) @ w.T).reshape(n, *shape).to(dtype)


def _pca_inputs():
    """(what, x, k, rtol, atol): several k, N > D and N < D, a pair of points, float32 and one float64."""
    cases = ((97, (1, 6, 6), 3, torch.float32), (50, (12,), 2, torch.float32), (41, (2, 5), 1, torch.float64),
             (5, (3, 4), 3, torch.float32), (2, (1, 4, 4), 1, torch.float32), (200, (8,), 7, torch.float32),
             (33, (2, 3, 3), 5, torch.float32))
    for n, shape, k, dtype in cases:
        x = _pca_data(n, shape, k, dtype, seed=100 * n + k)
        scale = x.abs().max().item()
        rtol, atol = (1e-4, 2e-4 * scale) if dtype == torch.float32 else (1e-7, 1e-9 * scale)
        note = ", float64" if dtype == torch.float64 else ""
        yield f"x_hat with k={k} for x of shape {tuple(x.shape)}{note}", x, k, rtol, atol


@exercise("PCA reconstruction", reference=pca_reconstruct, mistakes=PCA_MISTAKES,
          signature="pca_reconstruct(x, k)")
def pca_reconstruction(student):
    for what, x, k, rtol, atol in _pca_inputs():
        expected = pca_reconstruct(x, k)
        wrong = wrong_outputs(PCA_MISTAKES, x, k)
        got = student(x, k)
        shape_mistake(got, expected, wrong, [FLAT_PCA], rtol, atol)
        compare(got, expected, what=what, wrong=wrong, rtol=rtol, atol=atol,
                context=Context(pca_reconstruct, (x, k), student, variants={
                    "it equals the input x itself: you projected on every direction (all the components); keep only "
                    "the first k": lambda x, k: x * 1}))


# ---------------------------------------------------------------- interpolation
STACK = ("The points must be stacked along a NEW first dimension, shape (steps, *z0.shape): torch.cat joins "
         "along an existing dimension, and a .squeeze() drops z0's own dimensions of size 1. Use "
         "torch.stack(points) (dim=0), or broadcast t of shape (steps, 1, ..., 1).")


def _lerp(z0, z1, t):
    return torch.stack([(1 - s) * z0 + s * z1 for s in t.to(z0.dtype)])


def _slerp(z0, z1, steps):
    a, b = z0.flatten(), z1.flatten()
    omega = torch.arccos((a @ b / (a.norm() * b.norm())).clamp(-1, 1))
    t = torch.linspace(0, 1, steps, dtype=z0.dtype)
    return torch.stack([(torch.sin((1 - s) * omega) * z0 + torch.sin(s * omega) * z1) / torch.sin(omega)
                        for s in t])


INTERPOLATE_MISTAKES = {
    "Endpoints: the first step must be exactly z0 and the last exactly z1 (t = 0 and t = 1 included): "
    "t = torch.linspace(0, 1, steps).":
        lambda z0, z1, steps: _lerp(z0, z1, torch.linspace(0, 1, steps + 2)[1:-1]),
    "Off by one: t = k / steps for k = 0..steps-1 never reaches t = 1, so the last step is not z1. "
    "Use torch.linspace(0, 1, steps).":
        lambda z0, z1, steps: _lerp(z0, z1, torch.arange(steps) / steps),
    "Direction: the path goes from z0 (t = 0) to z1 (t = 1), z_t = (1 - t) z0 + t z1; yours runs backwards "
    "(t in reverse order, or the weights (1 - t) and t swapped).":
        lambda z0, z1, steps: _lerp(z1, z0, torch.linspace(0, 1, steps)),
    "z_t = z0 + t z1 is not a line between the two points: use (1 - t) z0 + t z1, i.e. z0 + t (z1 - z0).":
        lambda z0, z1, steps: torch.stack([z0 + t * z1 for t in torch.linspace(0, 1, steps)]),
    "z0 is missing: t (z1 - z0) is the displacement from z0; the point is z0 + t (z1 - z0) = (1 - t) z0 + t z1.":
        lambda z0, z1, steps: torch.stack([t * (z1 - z0) for t in torch.linspace(0, 1, steps)]),
    "You returned steps + 1 points: torch.linspace(0, 1, steps) already includes both endpoints, "
    "so it gives exactly `steps` values of t.":
        lambda z0, z1, steps: _lerp(z0, z1, torch.linspace(0, 1, steps + 1)),
    STACK:
        lambda z0, z1, steps: torch.cat([(1 - t) * z0 + t * z1 for t in torch.linspace(0, 1, steps)]),
    "The new dimension comes first: you stacked the points along the last dimension (shape (*z0.shape, steps)); "
    "stack them along dim=0, shape (steps, *z0.shape).":
        lambda z0, z1, steps: torch.stack([(1 - t) * z0 + t * z1 for t in torch.linspace(0, 1, steps)], dim=-1),
    "That is spherical interpolation (slerp), which follows an arc: the exercise asks for the straight line "
    "z_t = (1 - t) z0 + t z1.":
        _slerp,
}


def _interpolate_inputs():
    """(what, z0, z1, steps): codes (d,) including d = 1, images, a matrix; steps 2 and odd numbers."""
    for shape, steps in (((2,), 7), ((1,), 2), ((16,), 10), ((1, 28, 28), 5), ((3, 4), 3), ((8,), 2),
                         ((5,), 9)):
        g = seeded(steps + 10 * len(shape) + shape[0])
        z0, z1 = torch.randn(*shape, generator=g), torch.randn(*shape, generator=g)
        yield f"the path of {steps} steps between endpoints of shape {shape}", z0, z1, steps


@exercise("Linear interpolation", reference=interpolate, mistakes=INTERPOLATE_MISTAKES,
          signature="interpolate(z0, z1, steps)")
def latent_interpolation(student):
    for what, z0, z1, steps in _interpolate_inputs():
        expected = interpolate(z0, z1, steps)
        wrong = finite(wrong_outputs(INTERPOLATE_MISTAKES, z0, z1, steps))
        got = student(z0, z1, steps)
        shape_mistake(got, expected, wrong, [STACK])
        compare(got, expected, what=what, wrong=wrong, context=Context(interpolate, (z0, z1, steps), student))


__all__ = ["autoencoder_forward", "autoencoder_loss", "pca_reconstruction", "latent_interpolation"]
