"""Notebook 01's checks on answers a student may plausibly write: correct alternatives are accepted, the issue's
blind spots (hard-coded dimensions, a stray .squeeze() on a batch of one, NaN at extreme logits, mutated inputs
or modules, float64 results) are rejected with a message that says what is wrong."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import fails, passes
from torch import nn

from gencore import checks
from gencore.checks.autoencoder import (
    BCE_OF_SIGMOID,
    DETACHED,
    FLAT,
    FLAT_PCA,
    LAST,
    SOFTMAX,
    SQUEEZED_LEN,
    STACK,
    SWAPPED,
    UNSTABLE,
)


# ---------------------------------------------------------------- the forward pass
def solution_reconstruct(x, encoder, decoder):
    z = encoder(x)                      # (N, d): the code
    return torch.sigmoid(decoder(z))    # (N, 1, 28, 28): pixel intensities in (0, 1)


@pytest.mark.parametrize("student", [
    solution_reconstruct,
    lambda x, encoder, decoder: F.sigmoid(decoder(encoder(x))),
    lambda x, encoder, decoder: 1 / (1 + torch.exp(-decoder(encoder(x)))),
    lambda x, encoder, decoder: decoder(encoder(x)).sigmoid(),
    lambda x, encoder, decoder: torch.special.expit(decoder(encoder(x))).view(x.shape),
    lambda x, encoder, decoder: nn.Sequential(encoder, decoder, nn.Sigmoid())(x),
], ids=["solution", "F.sigmoid", "1/(1+exp(-l))", "method", "expit+view", "Sequential"])
def test_forward_accepts(student, capsys):
    passes(checks.autoencoder_forward, student, capsys)


def test_forward_squeezed_code_fails_on_a_batch_of_one():
    def student(x, encoder, decoder):
        z = encoder(x).squeeze()
        return torch.sigmoid(decoder(z))
    fails(checks.autoencoder_forward, student, r"shape \(1, 1, 28, 28\)", "worked for larger batches",
          re.escape(".squeeze()"), re.escape("decoder(z)"))


def test_forward_squeezed_output_is_a_shape_mistake():
    fails(checks.autoencoder_forward, lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).squeeze(),
          r"shape \(97, 28, 28\), expected \(97, 1, 28, 28\)", "squeeze")


def test_forward_hard_coded_image_shape_fails():
    fails(checks.autoencoder_forward,
          lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).view(-1, 1, 28, 28),
          "your function raised RuntimeError", r"shape \(5, 3, 8, 8\)")


def test_forward_flat_output_is_named():
    fails(checks.autoencoder_forward,
          lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).view(len(x), -1), re.escape(FLAT))


def test_forward_changing_a_module_is_refused():
    def student(x, encoder, decoder):
        with torch.no_grad():
            for p in decoder.parameters():
                p.mul_(0.5)                                   # "tuning" the decoder in place
        return torch.sigmoid(decoder(encoder(x)))
    fails(checks.autoencoder_forward, student, "changed its input `decoder` in place")


def test_forward_training_step_inside_is_refused():
    def student(x, encoder, decoder):
        opt = torch.optim.SGD([*encoder.parameters(), *decoder.parameters()], lr=0.1)
        x_hat = torch.sigmoid(decoder(encoder(x)))
        F.mse_loss(x_hat, x).backward()
        opt.step()
        return x_hat
    fails(checks.autoencoder_forward, student, "changed its input `(encoder|decoder)` in place")


def test_forward_mutating_x_is_refused():
    def student(x, encoder, decoder):
        x_hat = torch.sigmoid(decoder(encoder(x)))
        x.clamp_(0.1, 0.9)
        return x_hat
    fails(checks.autoencoder_forward, student, "changed its input `x` in place")


@pytest.mark.parametrize("student", [
    lambda x, encoder, decoder: F.softmax(decoder(encoder(x)), dim=-1),
    lambda x, encoder, decoder: F.softmax(decoder(encoder(x)).flatten(1), dim=1).view(x.shape),
    lambda x, encoder, decoder: F.softmax(decoder(encoder(x)), dim=1),
], ids=["last-dim", "all-pixels", "channels"])
def test_forward_softmax_is_named(student):
    fails(checks.autoencoder_forward, student, re.escape(SOFTMAX))


@pytest.mark.parametrize("student", [
    lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x).detach())),
    lambda x, encoder, decoder: torch.sigmoid(decoder(torch.tensor(encoder(x).detach().numpy()))),
    lambda x, encoder, decoder: torch.sigmoid(decoder(encoder.requires_grad_(False)(x))),
], ids=["detach", "numpy", "requires_grad_False"])
def test_forward_without_gradient_to_the_encoder_is_named(student):
    fails(checks.autoencoder_forward, student, re.escape(DETACHED))


def test_forward_no_grad_is_named():
    def student(x, encoder, decoder):
        with torch.no_grad():
            return torch.sigmoid(decoder(encoder(x)))
    fails(checks.autoencoder_forward, student, re.escape(DETACHED))


def test_forward_swapped_modules_are_named_although_they_raise_on_images():
    message = fails(checks.autoencoder_forward, lambda x, encoder, decoder: torch.sigmoid(encoder(decoder(x))),
                    re.escape(SWAPPED), "MLPDecoder expects z")
    assert "Traceback" not in message


def test_forward_float64_result_is_a_dtype_mistake():
    fails(checks.autoencoder_forward,
          lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x)).double()), "dtype torch.float64")


# ---------------------------------------------------------------- the reconstruction loss
def solution_loss(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)


@pytest.mark.parametrize("student", [
    solution_loss,
    lambda logits, x: -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum() / x.shape[0],
    lambda logits, x: (F.softplus(logits) - x * logits).sum() / len(x),
    lambda logits, x: (logits.clamp(min=0) - logits * x + torch.log1p(torch.exp(-logits.abs()))).sum() / len(x),
    lambda logits, x: nn.BCEWithLogitsLoss(reduction="none")(logits, x).flatten(1).sum(1).mean(),
    lambda logits, x: -torch.distributions.Bernoulli(logits=logits, validate_args=False).log_prob(x).sum() / len(x),
    lambda logits, x: (F.binary_cross_entropy_with_logits(logits.double(), x.double(), reduction="sum")
                       / len(x)).to(logits.dtype),
    lambda logits, x: F.binary_cross_entropy_with_logits(logits, x, reduction="sum").div(len(x)).view(1),
], ids=["solution", "logsigmoid", "softplus", "max-form", "module-per-image", "Bernoulli", "float64-inside",
        "shape-(1,)"])
def test_loss_accepts(student, capsys):
    passes(checks.autoencoder_loss, student, capsys)


@pytest.mark.parametrize("student", [
    lambda logits, x: -(x * torch.log(torch.sigmoid(logits))
                        + (1 - x) * torch.log(1 - torch.sigmoid(logits))).sum() / len(x),
    lambda logits, x: -(x * torch.log(torch.sigmoid(logits) + 1e-8)
                        + (1 - x) * torch.log(1 - torch.sigmoid(logits) + 1e-8)).sum() / len(x),
    lambda logits, x: -(x * torch.log(torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7))
                        + (1 - x) * torch.log((1 - torch.sigmoid(logits)).clamp(1e-7, 1 - 1e-7))).sum() / len(x),
    lambda logits, x: (-x * torch.log(torch.sigmoid(logits))
                       - (1 - x) * torch.log(torch.exp(-logits) / (1 + torch.exp(-logits)))).sum() / len(x),
], ids=["hand-written", "plus-eps", "clamped", "exp-form"])
def test_loss_unstable_forms_fail_at_extreme_logits_with_the_stable_form_named(student):
    message = fails(checks.autoencoder_loss, student, re.escape(UNSTABLE))
    assert "binary_cross_entropy_with_logits" in message and "logsigmoid" in message


def test_loss_bce_of_sigmoid_is_named():
    fails(checks.autoencoder_loss,
          lambda logits, x: F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="sum") / len(x),
          re.escape(BCE_OF_SIGMOID))


def test_loss_hard_coded_image_dimensions_fail():
    def student(logits, x):
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3)).mean()
    fails(checks.autoencoder_loss, student, "your function raised (IndexError|RuntimeError)",
          r"shape \(33, 10\)", re.escape("sum(dim=(1, 2, 3))"))


def test_loss_squeezed_batch_of_one_is_named():
    def student(logits, x):
        logits, x = logits.squeeze(), x.squeeze()
        return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / logits.shape[0]
    fails(checks.autoencoder_loss, student, re.escape(SQUEEZED_LEN))


def test_loss_mutating_x_is_refused():
    def student(logits, x):
        x.round_()                                            # "binarise" the targets in place
        return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
    fails(checks.autoencoder_loss, student, "changed its input `x` in place")


def test_loss_float64_result_is_a_dtype_mistake():
    fails(checks.autoencoder_loss,
          lambda logits, x: F.binary_cross_entropy_with_logits(logits.double(), x.double(), reduction="sum")
          / len(x), "dtype torch.float64")


def test_loss_as_a_python_number_or_detached_is_reported():
    fails(checks.autoencoder_loss, lambda logits, x: solution_loss(logits, x).item(), "torch.Tensor")
    fails(checks.autoencoder_loss, lambda logits, x: torch.tensor(solution_loss(logits, x).item()),
          "No gradient reaches `logits`", r"\.item\(\)")


# ---------------------------------------------------------------- PCA
def solution_pca(x, k):
    flat = x.reshape(len(x), -1)
    m = flat.mean(0, keepdim=True)                    # the mean image
    _, _, Vh = torch.linalg.svd(flat - m, full_matrices=False)
    V_k = Vh[:k].T                                    # (D, k): the top-k principal directions, as columns
    return (m + (flat - m) @ V_k @ V_k.T).reshape(x.shape)


def pca_eigh(x, k):
    flat = x.flatten(1)
    m = flat.mean(0)
    cov = (flat - m).T @ (flat - m) / (len(x) - 1)
    _, vectors = torch.linalg.eigh(cov)               # increasing eigenvalues: the top k are the last columns
    v = vectors[:, -k:]
    return (m + (flat - m) @ v @ v.T).view(x.shape)


def pca_torch_svd(x, k):
    flat = x.reshape(x.shape[0], -1)
    m = flat.mean(dim=0)
    _, _, V = torch.svd(flat - m)                     # the old API: V itself, not V^T
    P = V[:, :k] @ V[:, :k].T
    return (m + (flat - m) @ P).reshape_as(x)


def pca_usv(x, k):
    flat = x.reshape(len(x), -1)
    m = flat.mean(0)
    U, S, Vh = torch.linalg.svd(flat - m, full_matrices=True)
    return (m + U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]).reshape(x.shape)


def pca_projection(x, k):
    """Least squares onto the top-k directions: the explicit projection V (V^T V)^-1 V^T."""
    flat = x.reshape(len(x), -1).double()
    m = flat.mean(0)
    v = torch.linalg.svd(flat - m, full_matrices=False)[2][:k].T
    coef = torch.linalg.lstsq(v, (flat - m).T).solution
    return (m + (v @ coef).T).reshape(x.shape).to(x.dtype)


def pca_lowrank_oversampled(x, k):
    torch.manual_seed(0)                              # randomized: seeded so that the test is deterministic
    flat = x.reshape(len(x), -1)
    m = flat.mean(0)
    _, _, V = torch.pca_lowrank(flat, q=min(k + 4, *flat.shape), center=True, niter=4)
    return (m + (flat - m) @ V[:, :k] @ V[:, :k].T).reshape(x.shape)


@pytest.mark.parametrize("student", [solution_pca, pca_eigh, pca_torch_svd, pca_usv, pca_projection,
                                     pca_lowrank_oversampled])
def test_pca_accepts(student, capsys):
    passes(checks.pca_reconstruction, student, capsys)


def test_pca_eigh_in_increasing_order_is_named():
    def student(x, k):
        flat = x.flatten(1)
        m = flat.mean(0)
        _, vectors = torch.linalg.eigh((flat - m).T @ (flat - m))
        v = vectors[:, :k]                            # the SMALLEST eigenvalues come first
        return (m + (flat - m) @ v @ v.T).view(x.shape)
    fails(checks.pca_reconstruction, student, re.escape(LAST))


def test_pca_numpy_float64_is_a_dtype_mistake():
    def student(x, k):
        flat = x.reshape(len(x), -1).numpy().astype(np.float64)
        m = flat.mean(0)
        _, _, vh = np.linalg.svd(flat - m, full_matrices=False)
        return torch.from_numpy(m + (flat - m) @ vh[:k].T @ vh[:k]).reshape(x.shape)
    fails(checks.pca_reconstruction, student, "dtype torch.float64")


def test_pca_flat_result_is_named():
    fails(checks.pca_reconstruction, lambda x, k: solution_pca(x, k).flatten(1), re.escape(FLAT_PCA))


def test_pca_hard_coded_image_shape_fails():
    fails(checks.pca_reconstruction, lambda x, k: solution_pca(x.view(len(x), 36), k).view(x.shape),
          "your function raised RuntimeError", r"shape \(50, 12\)")


def test_pca_centring_in_place_is_refused():
    def student(x, k):
        flat = x.view(len(x), -1)
        m = flat.mean(0, keepdim=True)
        flat -= m                                     # changes x too: a view of it
        _, _, vh = torch.linalg.svd(flat, full_matrices=False)
        return (m + flat @ vh[:k].T @ vh[:k]).view(x.shape)
    fails(checks.pca_reconstruction, student, "changed its input `x` in place")


def test_pca_inexact_randomized_pca_is_rejected():
    def student(x, k):
        torch.manual_seed(0)
        flat = x.reshape(len(x), -1)
        m = flat.mean(0)
        _, _, V = torch.pca_lowrank(flat, q=k)        # a randomized approximation, 2 power iterations
        return (m + (flat - m) @ V @ V.T).reshape(x.shape)
    fails(checks.pca_reconstruction, student, "values differ")


# ---------------------------------------------------------------- interpolation
def solution_interpolate(z0, z1, steps):
    t = torch.linspace(0, 1, steps).view(steps, *([1] * z0.dim()))   # (steps, 1, ..., 1)
    return (1 - t) * z0 + t * z1


@pytest.mark.parametrize("student", [
    solution_interpolate,
    lambda z0, z1, steps: torch.lerp(z0, z1, torch.linspace(0, 1, steps).view(-1, *[1] * z0.dim())),
    lambda z0, z1, steps: torch.stack([(1 - t) * z0 + t * z1 for t in torch.linspace(0, 1, steps)]),
    lambda z0, z1, steps: torch.stack([z0 + i / (steps - 1) * (z1 - z0) for i in range(steps)]),
    lambda z0, z1, steps: (z0.flatten()[None] + torch.linspace(0, 1, steps)[:, None]
                           * (z1 - z0).flatten()[None]).view(steps, *z0.shape),
    lambda z0, z1, steps: torch.stack([torch.lerp(z0, z1, float(t)) for t in np.linspace(0, 1, steps)]),
], ids=["solution", "lerp", "list+stack", "loop-i/(steps-1)", "flatten+t[:,None]", "numpy-t"])
def test_interpolation_accepts(student, capsys):
    passes(checks.latent_interpolation, student, capsys)


def test_interpolation_hard_coded_for_1d_codes_fails_on_images():
    fails(checks.latent_interpolation,
          lambda z0, z1, steps: (1 - torch.linspace(0, 1, steps)[:, None]) * z0
          + torch.linspace(0, 1, steps)[:, None] * z1,
          "your function raised RuntimeError", r"shape \(1, 28, 28\)")


def test_interpolation_squeeze_is_named():
    fails(checks.latent_interpolation, lambda z0, z1, steps: solution_interpolate(z0, z1, steps).squeeze(),
          re.escape(STACK))


def test_interpolation_steps_plus_one_is_named():
    fails(checks.latent_interpolation,
          lambda z0, z1, steps: torch.stack([z0 + i / steps * (z1 - z0) for i in range(steps + 1)]),
          "steps \\+ 1 points")


def test_interpolation_numpy_float64_is_a_dtype_mistake():
    fails(checks.latent_interpolation,
          lambda z0, z1, steps: torch.from_numpy(np.stack([(1 - t) * z0.numpy() + t * z1.numpy()
                                                           for t in np.linspace(0, 1, steps)])),
          "dtype torch.float64")


def test_interpolation_mutating_z0_is_refused():
    def student(z0, z1, steps):
        out = []
        for t in torch.linspace(0, 1, steps):
            out.append(z0 + t * (z1 - z0))
        z0.zero_()
        return torch.stack(out)
    fails(checks.latent_interpolation, student, "changed its input `z0` in place")


def test_interpolation_list_is_reported():
    fails(checks.latent_interpolation,
          lambda z0, z1, steps: [(1 - t) * z0 + t * z1 for t in torch.linspace(0, 1, steps)], "torch.Tensor")
