"""Checks for notebook 01 (autoencoders): the forward pass, the reconstruction loss, PCA, interpolation."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..autoencoder import interpolate, pca_reconstruct, reconstruct, reconstruction_loss
from ..blocks import MLPDecoder, MLPEncoder
from .core import compare, exercise, expect_tensor, seeded, wrong_outputs


def _first_match(got, wrong: dict, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Name a catalogued mistake even when its output has another shape than the reference."""
    if not isinstance(got, torch.Tensor):
        return
    for hint, value in wrong.items():
        if (isinstance(value, torch.Tensor) and value.shape == got.shape
                and torch.allclose(got.double(), value.double(), rtol=rtol, atol=atol)):
            raise AssertionError(hint)


# ---------------------------------------------------------------- the forward pass x -> z -> x_hat
FORWARD_MISTAKES = {
    "Your output is the decoder's raw logits: squash them with torch.sigmoid to get pixel intensities in (0, 1).":
        lambda x, enc, dec: dec(enc(x)),
    "The sigmoid belongs to the decoder's output only: the code z = encoder(x) is left as it is "
    "(any real numbers).":
        lambda x, enc, dec: torch.sigmoid(dec(torch.sigmoid(enc(x)))),
    "Your reconstruction is flat (N, 784): give it back in the input's shape, x_hat.view(x.shape) "
    "(or use the decoder's output shape, which already is).":
        lambda x, enc, dec: torch.sigmoid(dec(enc(x))).flatten(1),
    "No gradient reaches the encoder: the code was detached (.detach(), torch.no_grad or numpy). "
    "Training needs the gradient of the loss through z into the encoder.":
        lambda x, enc, dec: torch.sigmoid(dec(enc(x).detach())),
}


@exercise("The autoencoder's forward pass", reference=reconstruct, mistakes=FORWARD_MISTAKES)
def autoencoder_forward(student):
    for n, d in ((97, 2), (5, 8), (1, 3)):
        torch.manual_seed(n)
        enc = MLPEncoder((1, 28, 28), d, hidden=(32,))
        dec = MLPDecoder(d, (1, 28, 28), hidden=(32,))
        x = torch.rand(n, 1, 28, 28, generator=seeded(n))
        got = student(x.clone(), enc, dec)
        wrong = wrong_outputs(FORWARD_MISTAKES, x, enc, dec)
        _first_match(got, {h: w for h, w in wrong.items() if w.shape != x.shape})
        with torch.no_grad():
            expected = reconstruct(x, enc, dec)
        compare(got.detach() if isinstance(got, torch.Tensor) else got, expected,
                what=f"x_hat for a batch x of shape {tuple(x.shape)}",
                wrong={h: w.detach() for h, w in wrong.items()})
        if not got.requires_grad:
            raise AssertionError(list(FORWARD_MISTAKES)[-1])
        enc.zero_grad(), dec.zero_grad()
        got.sum().backward()
        if any(p.grad is None or not p.grad.abs().sum() > 0 for p in enc.parameters()):
            raise AssertionError(list(FORWARD_MISTAKES)[-1])


# ---------------------------------------------------------------- the reconstruction loss
def _bce_sum(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum")


LOSS_MISTAKES = {
    "Reduction: you averaged over every pixel too (PyTorch's default reduction='mean'). -log p(x|z) is a "
    "sum over the pixels of one image; only the batch is averaged: reduction='sum', then divide by len(x).":
        lambda logits, x: F.binary_cross_entropy_with_logits(logits, x),
    "Reduction: you summed over the batch as well; divide the sum by the batch size len(x), so the loss "
    "does not grow with the batch.":
        lambda logits, x: _bce_sum(logits, x),
    "You applied a sigmoid before binary_cross_entropy_with_logits: that function expects raw logits and "
    "applies the sigmoid itself.":
        lambda logits, x: _bce_sum(torch.sigmoid(logits), x) / len(x),
    "That is the squared error, not the Bernoulli negative log-likelihood: use the binary cross-entropy "
    "-[x log p + (1 - x) log(1 - p)] with p = sigmoid(logits).":
        lambda logits, x: (torch.sigmoid(logits) - x).pow(2).sum() / len(x),
    "Argument order: binary_cross_entropy_with_logits(input=logits, target=x), the model's logits first "
    "and the data second.":
        lambda logits, x: _bce_sum(x, logits) / len(x),
    "Sign: the loss is the *negative* log-likelihood, positive and minimised.":
        lambda logits, x: -_bce_sum(logits, x) / len(x),
}


@exercise("The reconstruction loss", reference=reconstruction_loss, mistakes=LOSS_MISTAKES)
def autoencoder_loss(student):
    for n, shape in ((97, (1, 28, 28)), (33, (1, 28, 28)), (4, (3, 5))):
        g = seeded(n)
        logits = (2 * torch.randn(n, *shape, generator=g)).requires_grad_()
        x = torch.rand(n, *shape, generator=g)
        x[: n // 2] = x[: n // 2].round()   # binary and grey-level targets
        got = student(logits, x.clone())
        expect_tensor(got, "the loss")
        if got.dim() != 0:
            raise AssertionError(f"The loss should be one number (a 0-dimensional tensor), got shape "
                                 f"{tuple(got.shape)}. Sum over the pixels, average over the batch.")
        compare(got.detach(), reconstruction_loss(logits, x).detach(),
                what=f"the loss for a batch of {n} examples of shape {shape}",
                wrong={h: w.detach() for h, w in wrong_outputs(LOSS_MISTAKES, logits.detach(), x).items()})
        if not got.requires_grad:
            raise AssertionError("Your loss does not pass gradients back to the logits (did you use .item(), "
                                 ".detach() or numpy?); training needs them.")


# ---------------------------------------------------------------- PCA, the linear autoencoder
PCA_MISTAKES = {
    "Centre the data first: subtract the mean image before the SVD, and add it back after projecting.":
        lambda x, k: _pca_variant(x, k, centre=False),
    "You projected the centred data but forgot to add the mean back: x_hat = m + (x - m) V_k V_k^T.":
        lambda x, k: _pca_variant(x, k, add_mean=False),
    "Wrong components: torch.linalg.svd sorts singular values in decreasing order, so the top-k "
    "principal directions are the FIRST k rows of Vh (you took the last k).":
        lambda x, k: _pca_variant(x, k, last=True),
    "Projection: project onto the span of the top-k directions with (x - m) V_k^T V_k (rows of Vh are the "
    "directions); Vh.T[:k] takes rows of V, not principal directions.":
        lambda x, k: _pca_variant(x, k, transpose=True),
}


def _pca_variant(x, k, centre=True, add_mean=True, last=False, transpose=False):
    flat = x.reshape(len(x), -1)
    mean = flat.mean(0, keepdim=True) if centre else torch.zeros_like(flat[:1])
    _, _, vh = torch.linalg.svd(flat - mean, full_matrices=False)
    v = vh[-k:] if last else (vh.T[:k] if transpose else vh[:k])
    out = (flat - mean) @ v.T @ v
    return (out + mean if add_mean else out).reshape(x.shape)


@exercise("PCA reconstruction", reference=pca_reconstruct, mistakes=PCA_MISTAKES)
def pca_reconstruction(student):
    for n, shape, k in ((97, (1, 6, 6), 3), (50, (12,), 2), (41, (2, 5), 1)):
        g = seeded(n)
        d = int(torch.tensor(shape).prod())
        scales = torch.linspace(3, 0.1, d)                       # distinct variances: a unique answer
        x = (torch.randn(n, d, generator=g) * scales) @ torch.linalg.qr(torch.randn(d, d, generator=g))[0]
        x = (x + torch.randn(d, generator=g)).reshape(n, *shape).double()
        got = student(x.clone(), k)
        wrong = wrong_outputs(PCA_MISTAKES, x, k)
        _first_match(got, wrong)
        compare(got, pca_reconstruct(x, k), what=f"x_hat with k={k} for x of shape {tuple(x.shape)}",
                wrong=wrong, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- interpolation
INTERPOLATE_MISTAKES = {
    "Endpoints: the first step must be exactly z0 and the last exactly z1 (t = 0 and t = 1 included): "
    "t = torch.linspace(0, 1, steps).":
        lambda z0, z1, steps: _lerp(z0, z1, torch.linspace(0, 1, steps + 2)[1:-1]),
    "Off by one: t = k / steps for k = 0..steps-1 never reaches t = 1, so the last step is not z1. "
    "Use torch.linspace(0, 1, steps).":
        lambda z0, z1, steps: _lerp(z0, z1, torch.arange(steps) / steps),
    "Direction: the path goes from z0 (t = 0) to z1 (t = 1): z_t = (1 - t) z0 + t z1.":
        lambda z0, z1, steps: _lerp(z1, z0, torch.linspace(0, 1, steps)),
    "z_t = z0 + t z1 is not a line between the two points: use (1 - t) z0 + t z1, i.e. z0 + t (z1 - z0).":
        lambda z0, z1, steps: torch.stack([z0 + t * z1 for t in torch.linspace(0, 1, steps)]),
}


def _lerp(z0, z1, t):
    return torch.stack([(1 - s) * z0 + s * z1 for s in t.to(z0.dtype)])


@exercise("Linear interpolation", reference=interpolate, mistakes=INTERPOLATE_MISTAKES)
def latent_interpolation(student):
    for shape, steps in (((2,), 7), ((16,), 10), ((1, 28, 28), 5), ((3, 4), 2)):
        g = seeded(steps + len(shape))
        z0, z1 = torch.randn(*shape, generator=g), torch.randn(*shape, generator=g)
        got = student(z0.clone(), z1.clone(), steps)
        compare(got, interpolate(z0, z1, steps),
                what=f"the path of {steps} steps between endpoints of shape {shape}",
                wrong=wrong_outputs(INTERPOLATE_MISTAKES, z0, z1, steps))


__all__ = ["autoencoder_forward", "autoencoder_loss", "pca_reconstruction", "latent_interpolation"]
