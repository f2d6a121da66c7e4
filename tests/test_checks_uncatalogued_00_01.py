"""Uncatalogued answers to notebooks 00 and 01 (issue 28): wrong answers as students write them that no check's
catalogue contains, each with the words a hint naming its actual mistake would contain, and correct
alternatives. Every wrong answer must be rejected without a crash, every alternative accepted; how many hints
name the mistake is measured by tests/test_checks_uncatalogued.py."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import Catalogue, assert_accepted, assert_rejected_without_crash

CAT = Catalogue()
W, R = CAT.wrong, CAT.right

# ---------------------------------------------------------------- 00: inverse-CDF sampling
R("inverse_cdf", "log1p", lambda u, rate: -torch.log1p(-u) / rate)
R("inverse_cdf", "Exponential.icdf", lambda u, rate: torch.distributions.Exponential(rate).icdf(u).to(u.dtype))
R("inverse_cdf", "times 1/rate", lambda u, rate: -(1 - u).log() * (1 / rate))
R("inverse_cdf", "log of 1/(1-u)", lambda u, rate: torch.log(1 / (1 - u)) / rate)
R("inverse_cdf", "float64 inside", lambda u, rate: (-torch.log1p(-u.double()) / rate).to(u.dtype))

W("inverse_cdf", "an epsilon added inside the log", r"epsilon|1e-8|eps\b",
  lambda u, rate: -torch.log(1 - u + 1e-8) / rate)
W("inverse_cdf", "log2 instead of the natural log", r"natural|log ?2",
  lambda u, rate: -torch.log2(1 - u) / rate)
W("inverse_cdf", "divided by the rate squared", r"rate ?\^ ?2|rate \*\* ?2|rate squared|twice|1 ?/ ?rate",
  lambda u, rate: -torch.log(1 - u) / rate ** 2)
W("inverse_cdf", "exp where the log belongs",
  r"\bexp\b.{0,40}(instead of|where|in place of|not).{0,40}\blog\b|\blog\b.{0,40}(not|instead of).{0,40}\bexp\b",
  lambda u, rate: -torch.exp(1 - u) / rate)
W("inverse_cdf", "the rate inside the log", r"inside the log|log\(rate\)|outside the log|log of the rate",
  lambda u, rate: -torch.log((1 - u) / rate))
W("inverse_cdf", "averaged over the samples", r"one value per|reduced|averag",
  lambda u, rate: (-torch.log(1 - u) / rate).mean())
W("inverse_cdf", "returns a numpy array", r"torch\.Tensor|numpy",
  lambda u, rate: -np.log(1 - u.numpy()) / rate)
W("inverse_cdf", "draws its own uniforms", r"random|uniforms you are given|torch\.rand",
  lambda u, rate: -torch.log(torch.rand_like(u)) / rate)
W("inverse_cdf", "clamps 1 - u at 1e-6", r"clamp|epsilon",
  lambda u, rate: -torch.log((1 - u).clamp(min=1e-6)) / rate)
W("inverse_cdf", "log(u - 1), of a negative number", r"negative|u - 1",
  lambda u, rate: -torch.log(u - 1) / rate)
W("inverse_cdf", "a Python loop that returns float32 for float64 u", r"dtype|float64",
  lambda u, rate: torch.tensor([-math.log(1 - v) / rate for v in u.flatten().tolist()]).view(u.shape))

# ---------------------------------------------------------------- 00: affine push-forward
R("affine_pushforward", "einsum", lambda z, A, b: torch.einsum("ij,nj->ni", A, z) + b)
R("affine_pushforward", "F.linear", lambda z, A, b: F.linear(z, A, b))
R("affine_pushforward", "(A z^T)^T", lambda z, A, b: (A @ z.T).T + b)
R("affine_pushforward", "addmm", lambda z, A, b: torch.addmm(b, z, A.t()))
R("affine_pushforward", "a loop over samples", lambda z, A, b: torch.stack([A @ zi + b for zi in z]))

W("affine_pushforward", "b subtracted", r"subtract|minus|sign",
  lambda z, A, b: z @ A.T - b)
W("affine_pushforward", "b added before A: A (z + b)", r"before|after|A ?\(z ?\+ ?b\)",
  lambda z, A, b: (z + b) @ A.T)
W("affine_pushforward", "multiplied by b", r"multipl|\* ?b\b|times b",
  lambda z, A, b: z @ A.T * b)
W("affine_pushforward", "a numpy round trip (no gradient)", (r"numpy", r"gradient"),
  lambda z, A, b: torch.from_numpy(z.detach().numpy() @ A.detach().numpy().T + b.detach().numpy()))
W("affine_pushforward", "A detached (no gradient to A)", (r"detach", r"gradient.{0,25}`?\bA\b"),
  lambda z, A, b: z @ A.T.detach() + b)
W("affine_pushforward", "squeezes z", r"squeeze|batch of one",
  lambda z, A, b: z.squeeze() @ A.T + b)
W("affine_pushforward", "the inverse of A", r"invers|A\^\{?-1",
  lambda z, A, b: z @ torch.linalg.inv(A).T + b)
W("affine_pushforward", "float32 result for float64 inputs", r"dtype|float64",
  lambda z, A, b: (z @ A.T + b).float())
W("affine_pushforward", "b added to A", r"(added|add) b to|b to A|A\.T ?\+ ?b|\(A\^T ?\+ ?b\)",
  lambda z, A, b: z @ (A.T + b))
W("affine_pushforward", "only A's diagonal", r"diagonal|elementwise|matrix(-vector)? product|matmul",
  lambda z, A, b: z * torch.diagonal(A) + b)
W("affine_pushforward", "python floats (float32 and no gradient)", r"dtype|float64|gradient",
  lambda z, A, b: torch.tensor(z.tolist()) @ torch.tensor(A.tolist()).T + torch.tensor(b.tolist()))

# ---------------------------------------------------------------- 00: MMD^2
def _k(a, b, h, d2=None):
    d2 = torch.cdist(a, b) ** 2 if d2 is None else d2(a, b)
    return torch.exp(-d2 / (2 * h ** 2))


def _sq(a, b):
    return ((a[:, None] - b[None]) ** 2).sum(-1)


R("mmd", "pairwise differences", lambda x, y, h: _k(x, x, h, _sq).mean() + _k(y, y, h, _sq).mean()
  - 2 * _k(x, y, h, _sq).mean())
R("mmd", "K_xy and K_yx", lambda x, y, h: _k(x, x, h).mean() + _k(y, y, h).mean() - _k(x, y, h).mean()
  - _k(y, x, h).mean())
R("mmd", "sums over n^2, m^2, nm", lambda x, y, h: _k(x, x, h).sum() / len(x) ** 2 + _k(y, y, h).sum() / len(y) ** 2
  - 2 * _k(x, y, h).sum() / (len(x) * len(y)))
R("mmd", "float64 inside", lambda x, y, h: (_k(x.double(), x.double(), h, _sq).mean() + _k(y.double(), y.double(), h,
  _sq).mean() - 2 * _k(x.double(), y.double(), h, _sq).mean()).to(x.dtype))
R("mmd", "one kernel matrix of the pooled sample", lambda x, y, h: (lambda K, n: K[:n, :n].mean() + K[n:, n:].mean()
  - 2 * K[:n, n:].mean())(_k(torch.cat([x, y]), torch.cat([x, y]), h, _sq), len(x)))

W("mmd", "precedence: / 2 * h ** 2", r"precedence|parenthes",
  lambda x, y, h: (lambda k: k(x, x) + k(y, y) - 2 * k(x, y))(
      lambda a, b: torch.exp(-_sq(a, b) / 2 * h ** 2).mean()))
W("mmd", "cross term added", r"sign|subtract",
  lambda x, y, h: _k(x, x, h).mean() + _k(y, y, h).mean() + 2 * _k(x, y, h).mean())
W("mmd", "K_yy missing", r"K_yy|k\(y, ?y\)",
  lambda x, y, h: _k(x, x, h).mean() - 2 * _k(x, y, h).mean())
W("mmd", "K_yy used twice (x ignored in K_xx)", r"K_xx|k\(x, ?x\)",
  lambda x, y, h: 2 * _k(y, y, h).mean() - 2 * _k(x, y, h).mean())
W("mmd", "cross term divided by n^2", r"N ?M\b|\bn ?m\b|len\(x\) ?\* ?len\(y\)|1/\(NM\)",
  lambda x, y, h: _k(x, x, h).mean() + _k(y, y, h).mean() - 2 * _k(x, y, h).sum() / len(x) ** 2)
W("mmd", "L1 distance (cdist p=1)", r"euclidean|squared (euclidean )?distance|p ?= ?1|\bL1\b",
  lambda x, y, h: (lambda k: k(x, x) + k(y, y) - 2 * k(x, y))(
      lambda a, b: torch.exp(-torch.cdist(a, b, p=1) ** 2 / (2 * h ** 2)).mean()))
W("mmd", "no pairwise broadcasting: x - y", r"pair|a\[:, None\]|every x_i|broadcast",
  lambda x, y, h: torch.exp(-((x - x) ** 2).sum(-1) / (2 * h ** 2)).mean()
  + torch.exp(-((y - y) ** 2).sum(-1) / (2 * h ** 2)).mean()
  - 2 * torch.exp(-((x - y) ** 2).sum(-1) / (2 * h ** 2)).mean())
W("mmd", "distances through numpy (no gradient)", (r"numpy", r"gradient"),
  lambda x, y, h: (lambda k: k(x, x) + k(y, y) - 2 * k(x, y))(lambda a, b: torch.exp(-torch.from_numpy(
      ((a.detach().numpy()[:, None] - b.detach().numpy()[None]) ** 2).sum(-1)) / (2 * h ** 2)).mean()))
W("mmd", "h used as the variance, without the 2", r"2 ?h\^2|h\^2|bandwidth",
  lambda x, y, h: (lambda k: k(x, x) + k(y, y) - 2 * k(x, y))(lambda a, b: torch.exp(-_sq(a, b) / h).mean()))
W("mmd", "per-coordinate kernels averaged (no sum over d)", r"coordinates|\.sum\(-1\)|sum over (the )?d\b",
  lambda x, y, h: (lambda k: k(x, x) + k(y, y) - 2 * k(x, y))(
      lambda a, b: torch.exp(-(a[:, None] - b[None]) ** 2 / (2 * h ** 2)).mean()))
W("mmd", "diagonal removed but divided by n^2", r"diagonal|i = j|unbiased",
  lambda x, y, h: (lambda k: k(x, x) + k(y, y) - 2 * _k(x, y, h).mean())(
      lambda a, b: (_k(a, b, h).sum() - _k(a, b, h).diagonal().sum()) / len(a) ** 2))

# ---------------------------------------------------------------- 01: the forward pass
R("autoencoder_forward", "expit of forward()", lambda x, encoder, decoder: torch.special.expit(decoder.forward(
  encoder.forward(x))))
R("autoencoder_forward", "exp of logsigmoid", lambda x, encoder, decoder: F.logsigmoid(decoder(encoder(x))).exp())
R("autoencoder_forward", "tanh form of the sigmoid", lambda x, encoder, decoder: 0.5 * (1 + torch.tanh(
  0.5 * decoder(encoder(x)))))
R("autoencoder_forward", "view as x", lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).view(x.shape))
R("autoencoder_forward", "two steps", lambda x, encoder, decoder: (lambda z: 1 / (1 + torch.exp(-decoder(z))))(
  encoder(x)))


def _forward_no_grad(x, encoder, decoder):
    with torch.no_grad():
        z = encoder(x)
    return torch.sigmoid(decoder(z))


W("autoencoder_forward", "the code under torch.no_grad", (r"no_grad", r"gradient"), _forward_no_grad)
W("autoencoder_forward", "x flattened before a conv encoder", r"flatten|expects x of shape",
  lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x.flatten(1)))))
W("autoencoder_forward", "rounded to 0/1", r"round|binar|threshold",
  lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).round())
W("autoencoder_forward", "sign in the hand-written sigmoid", r"sign|sigmoid\(-|1 - ",
  lambda x, encoder, decoder: 1 / (1 + torch.exp(decoder(encoder(x)))))
W("autoencoder_forward", "ReLU instead of the sigmoid", r"relu|clamp|sigmoid",
  lambda x, encoder, decoder: F.relu(decoder(encoder(x))))
W("autoencoder_forward", "squeezed output", r"squeeze",
  lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).squeeze())
W("autoencoder_forward", "output detached", (r"detach", r"gradient"),
  lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).detach())
W("autoencoder_forward", "tanh on the code", r"tanh|the code z|code (is|z) left|squash(ed)? the code",
  lambda x, encoder, decoder: torch.sigmoid(decoder(torch.tanh(encoder(x)))))
W("autoencoder_forward", "hard-coded 28x28 images", r"hard-coded|\[-1, 1, 28, 28\]|x\.shape",
  lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))).reshape(-1, 1, 28, 28))
W("autoencoder_forward", "the sigmoid in numpy", (r"numpy", r"gradient"),
  lambda x, encoder, decoder: torch.from_numpy(1 / (1 + np.exp(-decoder(encoder(x)).detach().numpy()))))
W("autoencoder_forward", "scaled to [0, 255]", r"255|\(0, 1\)",
  lambda x, encoder, decoder: torch.sigmoid(decoder(encoder(x))) * 255)

# ---------------------------------------------------------------- 01: the reconstruction loss
R("autoencoder_loss", "per example, then mean", lambda logits, x: F.binary_cross_entropy_with_logits(
  logits, x, reduction="none").flatten(1).sum(1).mean())
R("autoencoder_loss", "softplus(l) - x l", lambda logits, x: (F.softplus(logits) - x * logits).sum() / x.shape[0])
R("autoencoder_loss", "logsigmoid", lambda logits, x: -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(
  -logits)).sum() / len(x))
R("autoencoder_loss", "Bernoulli log_prob", lambda logits, x: -torch.distributions.Bernoulli(
  logits=logits, validate_args=False).log_prob(x).sum() / len(x))
R("autoencoder_loss", "mean times pixels", lambda logits, x: F.binary_cross_entropy_with_logits(logits, x)
  * x[0].numel())
R("autoencoder_loss", "max(l, 0) - l x + log(1 + exp(-|l|))", lambda logits, x: (
  logits.clamp(min=0) - logits * x + torch.log1p(torch.exp(-logits.abs()))).sum() / len(x))

W("autoencoder_loss", "sign of x l in the stable form", r"sign",
  lambda logits, x: (F.softplus(logits) + x * logits).sum() / len(x))
W("autoencoder_loss", "logsigmoid(l) for both terms", r"logsigmoid\(-|log\(1 - |1 - sigmoid",
  lambda logits, x: -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(logits)).sum() / len(x))
W("autoencoder_loss", "L1 loss", r"cross-entropy|Bernoulli|BCE|\bL1\b|absolute",
  lambda logits, x: F.l1_loss(torch.sigmoid(logits), x, reduction="sum") / len(x))
W("autoencoder_loss", "targets rounded to 0/1", r"round|binar|grey|target",
  lambda logits, x: F.binary_cross_entropy_with_logits(logits, x.round(), reduction="sum") / len(x))
W("autoencoder_loss", "softmax cross-entropy", r"softmax|F\.cross_entropy",
  lambda logits, x: F.cross_entropy(logits, x, reduction="sum") / len(x))
W("autoencoder_loss", "logits detached", (r"detach", r"gradient"),
  lambda logits, x: F.binary_cross_entropy_with_logits(logits.detach(), x, reduction="sum") / len(x))
W("autoencoder_loss", ".item() and a new tensor", (r"item", r"gradient"),
  lambda logits, x: torch.tensor(F.binary_cross_entropy_with_logits(logits, x, reduction="sum").item() / len(x),
                                 dtype=x.dtype))
W("autoencoder_loss", "sums over dims (1, 2, 3)", r"dim|flat|hard-coded",
  lambda logits, x: F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3)).mean())
W("autoencoder_loss", "log(1 + exp(-l)) without |l|", r"overflow|softplus|abs|stabl",
  lambda logits, x: (logits.clamp(min=0) - logits * x + torch.log(1 + torch.exp(-logits))).sum() / len(x))
W("autoencoder_loss", "log(1 + exp(l)) overflows", r"overflow|softplus|stabl",
  lambda logits, x: (torch.log(1 + torch.exp(logits)) - x * logits).sum() / len(x))
W("autoencoder_loss", "hard-coded 784 pixels", r"784|number of pixels|hard-coded|numel",
  lambda logits, x: F.binary_cross_entropy_with_logits(logits, x) * 784)
W("autoencoder_loss", "divided by the last dimension", r"len\(x\)|batch size|x\.shape\[0\]",
  lambda logits, x: F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[-1])

# ---------------------------------------------------------------- 01: PCA
def _pca(x, k, *, mean=None, directions=None, centre_projection=True):
    flat = x.reshape(len(x), -1)
    m = flat.mean(0, keepdim=True) if mean is None else mean(flat)
    _, _, vh = torch.linalg.svd(flat - m, full_matrices=False)
    v = vh[:k].T if directions is None else directions(flat, m, vh)
    return (m + ((flat - m) if centre_projection else flat) @ v @ v.T).reshape(x.shape)


R("pca_reconstruction", "eigh of the covariance", lambda x, k: (lambda f, m: (m + (f - m) @ (lambda V: V[:, -k:])(
  torch.linalg.eigh((f - m).T @ (f - m))[1]) @ (lambda V: V[:, -k:])(torch.linalg.eigh((f - m).T @ (f - m))[1]).T)
  .reshape(x.shape))(x.reshape(len(x), -1), x.reshape(len(x), -1).mean(0)))
R("pca_reconstruction", "U_k S_k Vh_k", lambda x, k: (lambda f, m: (lambda U, S, Vh: m + (U[:, :k] * S[:k]) @ Vh[:k])(
  *torch.linalg.svd(f - m, full_matrices=False)).reshape(x.shape))(x.flatten(1), x.flatten(1).mean(0)))
R("pca_reconstruction", "torch.svd's V", lambda x, k: (lambda f, m: (lambda V: m + (f - m) @ V @ V.T)(
  torch.svd(f - m)[2][:, :k]).reshape(x.shape))(x.flatten(1), x.flatten(1).mean(0, keepdim=True)))
R("pca_reconstruction", "float64 inside", lambda x, k: _pca(x.double(), k).to(x.dtype))
R("pca_reconstruction", "svd of the scaled data", lambda x, k: _pca(x, k, directions=lambda f, m, vh:
  torch.linalg.svd((f - m) / math.sqrt(len(f)), full_matrices=False)[2][:k].T))

W("pca_reconstruction", "one scalar mean", r"mean image|dim 0|each pixel|per-pixel|over the examples|scalar",
  lambda x, k: _pca(x, k, mean=lambda f: f.mean()))
W("pca_reconstruction", "directions of the uncentred second moment", r"centre|center|covariance",
  lambda x, k: _pca(x, k, directions=lambda f, m, vh: torch.linalg.eigh(f.T @ f)[1][:, -k:]))
W("pca_reconstruction", "skips the first direction", r"first k|Vh\[:k\]|top[- ]k|largest (variance|singular)|skipped",
  lambda x, k: _pca(x, k, directions=lambda f, m, vh: vh[1:k + 1].T))
W("pca_reconstruction", "k + 1 directions", r"k ?\+ ?1|one (direction )?too many|Vh\[:k\]|\bk directions",
  lambda x, k: _pca(x, k, directions=lambda f, m, vh: vh[:k + 1].T))
W("pca_reconstruction", "V_k as rows, wrong order of products", r"transpos|V_k|Vh\[:k\]\.T",
  lambda x, k: (lambda f, m: (lambda v: m + (f - m) @ v @ v.T)(torch.linalg.svd(f - m, full_matrices=False)[2][:k])
                .reshape(x.shape))(x.flatten(1), x.flatten(1).mean(0)))
W("pca_reconstruction", "the uncentred data projected", r"centre|center|subtract",
  lambda x, k: _pca(x, k, centre_projection=False))
W("pca_reconstruction", "k hard-coded to 2", r"hard-coded|ignor|your k|\bk directions",
  lambda x, k: _pca(x, 2))
W("pca_reconstruction", "images not flattened (a batched SVD)", r"flatten|reshape|\(N, D\)",
  lambda x, k: (lambda m: (lambda vh: m + (x - m) @ vh[..., :k, :].transpose(-1, -2) @ vh[..., :k, :])(
      torch.linalg.svd(x - m, full_matrices=False)[2]))(x.mean(0)))
W("pca_reconstruction", "every direction (k ignored)",
  r"every direction|all (the )?directions|all components|returned x|input itself|\bk directions|ignor",
  lambda x, k: _pca(x, k, directions=lambda f, m, vh: vh.T))
W("pca_reconstruction", "float32 inside for float64 x", r"dtype|float64",
  lambda x, k: _pca(x.float(), k))
W("pca_reconstruction", "U where the directions are Vh's rows", r"Vh|\bU\b|rows of",
  lambda x, k: (lambda f, m: (lambda U: m + (f - m) @ U @ U.T)(torch.linalg.svd(f - m, full_matrices=False)[0][:, :k])
                .reshape(x.shape))(x.flatten(1), x.flatten(1).mean(0)))

# ---------------------------------------------------------------- 01: interpolation
def _t(steps, z0):
    return torch.linspace(0, 1, steps, dtype=z0.dtype).view(steps, *([1] * z0.dim()))


R("latent_interpolation", "torch.lerp", lambda z0, z1, steps: torch.stack([torch.lerp(z0, z1, float(t))
  for t in torch.linspace(0, 1, steps)]))
R("latent_interpolation", "z0 + t (z1 - z0)", lambda z0, z1, steps: z0 + _t(steps, z0) * (z1 - z0))
R("latent_interpolation", "k / (steps - 1)", lambda z0, z1, steps: torch.stack([z0 + (z1 - z0) * k / (steps - 1)
  for k in range(steps)]))
R("latent_interpolation", "np.linspace", lambda z0, z1, steps: torch.from_numpy(np.linspace(z0.numpy(), z1.numpy(),
  steps)))
R("latent_interpolation", "einsum", lambda z0, z1, steps: (lambda t: torch.einsum("s,...->s...", 1 - t, z0)
  + torch.einsum("s,...->s...", t, z1))(torch.linspace(0, 1, steps)))

W("latent_interpolation", "t not reshaped for broadcasting",
  r"view|reshape|broadcast|new (first )?dimension|\(steps, 1",
  lambda z0, z1, steps: (1 - torch.linspace(0, 1, steps)) * z0 + torch.linspace(0, 1, steps) * z1)
W("latent_interpolation", "the first endpoint left out",
  r"first (point|step)|t ?= ?0|starts? at z0|z0 is missing|missing z0|linspace\(0",
  lambda z0, z1, steps: (lambda t: (1 - t) * z0 + t * z1)(_t(steps + 1, z0)[1:]))
W("latent_interpolation", "steps - 1 points",
  r"steps ?- ?1|too few|number of points|linspace\(0, 1, steps\)|`steps` (points|values)",
  lambda z0, z1, steps: (lambda t: (1 - t) * z0 + t * z1)(_t(steps - 1, z0)))
W("latent_interpolation", "weights matrix for flat codes only", r"flat|1-D|hard-coded|any shape|\*z0\.shape",
  lambda z0, z1, steps: (lambda t: torch.stack([1 - t, t], 1) @ torch.stack([z0, z1]))(torch.linspace(0, 1, steps)))
W("latent_interpolation", "integer t from range(steps)", r"\[0, 1\]|linspace|divide|range\(",
  lambda z0, z1, steps: torch.stack([z0 * (1 - t) + z1 * t for t in range(steps)]))
W("latent_interpolation", "squeezed result", r"squeeze",
  lambda z0, z1, steps: (z0 + _t(steps, z0) * (z1 - z0)).squeeze())
W("latent_interpolation", "z1 + z0 where z1 - z0 belongs", r"z1 - z0|sign",
  lambda z0, z1, steps: z0 + _t(steps, z0) * (z1 + z0))
W("latent_interpolation", "t of shape (steps, 1): flat codes only",
  r"\(steps, 1, \.\.\.|broadcast|z0\.dim\(\)|every dimension|any shape",
  lambda z0, z1, steps: torch.linspace(0, 1, steps).view(-1, 1) * (z1 - z0) + z0)
W("latent_interpolation", "a list of points", r"torch\.Tensor|stack",
  lambda z0, z1, steps: [z0 + t * (z1 - z0) for t in torch.linspace(0, 1, steps)])
W("latent_interpolation", "float64 t for float32 codes", r"dtype|float64",
  lambda z0, z1, steps: z0 + torch.linspace(0, 1, steps, dtype=torch.float64).view(steps, *([1] * z0.dim()))
  * (z1 - z0))
W("latent_interpolation", "random sorted t", r"linspace|evenly|random",
  lambda z0, z1, steps: (lambda t: (1 - t) * z0 + t * z1)(
      torch.rand(steps).sort().values.view(steps, *([1] * z0.dim()))))


@pytest.mark.parametrize("case", CAT.wrongs, ids=[c.id for c in CAT.wrongs])
def test_uncatalogued_wrong_answer_is_rejected_without_crash(case):
    assert_rejected_without_crash(case)


@pytest.mark.parametrize("case", CAT.rights, ids=[c.id for c in CAT.rights])
def test_correct_alternative_is_accepted(case):
    assert_accepted(case)
