"""Autoencoders: auto-association through a bottleneck, x -> z = f(x) -> x_hat = g(z), and PCA,
the linear autoencoder, as the baseline.

    model = Autoencoder(latent_dim=2)                 # MLP encoder f and decoder g for 28x28 images
    history = fit(model, train, test=test, epochs=10)  # minimises model.loss(x, y)["loss"]
    z = model.encode(x)                                # (N, 2) codes
    x_hat = model.decode(z)                            # (N, 1, 28, 28) pixel intensities in [0, 1]

Likelihoods (the decoder outputs the parameters of p(x | z), the loss is -log p(x | z)):

* ``"bernoulli"`` (images in [0, 1]): decoder outputs logits l, x_hat = sigmoid(l),
  loss = sum_pixels BCE(l, x) = -sum_i [x_i log sigmoid(l_i) + (1 - x_i) log(1 - sigmoid(l_i))];
* ``"gaussian"`` (real-valued data): decoder outputs the mean x_hat,
  loss = 1/2 sum_i (x_i - x_hat_i)^2 = -log N(x; x_hat, I) + const.

Both are summed over the dimensions of one example and averaged over the batch.
"""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import LikelihoodModel, eval_mode, make_pair, widths
from .cache import fit_cached
from .data import as_data
from .train import History
from .validate import as_batch, as_float, as_int, as_points, as_positive, flags, model_input, no_dataset, nonempty

__all__ = ["Autoencoder", "LIKELIHOODS", "PCA", "code_extent", "decode_grid", "encode_dataset", "grid_codes",
           "interpolate", "pca_reconstruct", "reconstruct", "reconstruction_loss", "reconstruction_mse",
           "train_autoencoder"]

LIKELIHOODS = ("bernoulli", "gaussian")


# ------------------------------------------------------------------------------------------ the pieces
def reconstruct(x: torch.Tensor, encoder, decoder) -> torch.Tensor:
    """The forward pass of an image autoencoder: x_hat = sigmoid(g(f(x))), in x's shape, values in (0, 1)."""
    for name, f in (("encoder", encoder), ("decoder", decoder)):
        if not callable(f):
            raise TypeError(f"{name} must be a network (or a function), got a {type(f).__name__}; pass the two "
                            f"networks, e.g. reconstruct(x, model.encoder, model.decoder).")
    return torch.sigmoid(decoder(encoder(x)))


def reconstruction_loss(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Bernoulli reconstruction loss, -log p(x | z) summed over pixels and averaged over the batch:

        L = 1/N sum_n sum_i BCE(l_ni, x_ni),  BCE(l, x) = -[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))]
    """
    if logits.shape != x.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and x {tuple(x.shape)} must have the same shape, one logit per "
                         f"value of x; reshape the decoder's output with logits.view_as(x).")
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int = 10) -> torch.Tensor:
    """Linear interpolation z_t = (1 - t) z0 + t z1 for t = 0, 1/(steps-1), ..., 1 -> (steps, *z0.shape).

    Works for codes (d,) and for anything else of matching shape, e.g. images (1, 28, 28) (a cross-fade).
    The first row is exactly z0 and the last exactly z1.
    """
    z0, z1 = torch.as_tensor(z0), torch.as_tensor(z1)
    if z0.shape != z1.shape:
        raise ValueError(f"interpolate needs two endpoints of the same shape, got z0 {tuple(z0.shape)} and z1 "
                         f"{tuple(z1.shape)}; pass z0 and z1 of one kind (two codes, or two images).")
    try:
        steps = as_int(steps, "steps")          # 10, np.int64(10), 10.0: a count, as everywhere in gencore
    except TypeError:
        steps = None
    if steps is None or steps < 2:
        raise ValueError("steps must be an integer >= 2 (the two endpoints included).")
    t = torch.linspace(0, 1, steps, dtype=z0.dtype if z0.is_floating_point() else torch.float32,
                       device=z0.device).view(steps, *([1] * z0.dim()))
    return (1 - t) * z0 + t * z1


# ------------------------------------------------------------------------------------------ the model
class Autoencoder(LikelihoodModel):
    """x -> z = encoder(x) (N, latent_dim) -> decoder(z) (N, *in_shape) raw outputs.

    ``encoder`` and ``decoder`` are ordinary modules usable alone (``model.decoder(z)`` gives logits for
    the bernoulli likelihood). ``kind``: "mlp" or "conv"; ``hidden`` the encoder's hidden widths (the
    decoder mirrors them); other keywords go to both blocks.
    """

    def __init__(self, latent_dim: int = 2, kind: str = "mlp", in_shape=(1, 28, 28),
                 likelihood: str = "bernoulli", hidden=None, **kw):
        super().__init__()
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"Unknown likelihood {likelihood!r}; use 'bernoulli' (images in [0, 1]) or "
                             f"'gaussian' (real-valued data).")
        latent_dim = as_int(latent_dim, "latent_dim", minimum=1)
        self.latent_dim, self.kind, self.likelihood = latent_dim, kind, likelihood
        self.in_shape = tuple(in_shape) if not isinstance(in_shape, int) else (in_shape,)
        self.encoder, self.decoder = make_pair(kind, self.in_shape, latent_dim, latent_dim, hidden, **kw)

    def _mean(self, raw: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(raw) if self.likelihood == "bernoulli" else raw

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """z = f(x): (N, *in_shape) -> (N, latent_dim)."""
        return self.encoder(model_input(self, x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_hat = g(z) in data space: sigmoid of the logits (bernoulli) or the mean itself (gaussian)."""
        return self._mean(self.decoder(model_input(self, z, "z", (self.latent_dim,), None)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction x_hat = g(f(x)) in data space."""
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor, y=None) -> dict[str, torch.Tensor]:
        """{"loss": -log p(x | z) summed over dimensions, averaged over the batch; "mse": per-value MSE}."""
        x = model_input(self, nonempty(x))
        raw = self.decoder(self.encoder(x))
        if self.likelihood == "bernoulli":
            loss = reconstruction_loss(raw, x)
        else:
            loss = 0.5 * (raw - x).pow(2).sum() / len(x)
        mse = (self._mean(raw) - x).pow(2).mean()
        return {"loss": loss, "mse": mse.detach()}


@flags("retrain", "verbose", "progress")
def train_autoencoder(train, *, latent_dim: int, epochs: int, test=None, kind: str = "mlp",
                      likelihood: str = "bernoulli", hidden=None, activation: str = "relu",
                      lr: float = 1e-3, batch_size: int = 128,
                      seed: int | None = None, dataset: str | None = None, subset: int | None = None,
                      name: str = "autoencoder", retrain: bool = False, verbose: bool = True,
                      progress: bool = True) -> tuple[Autoencoder, History]:
    """Build an `Autoencoder`, then load it from the model cache or train it with `fit` and cache it.

    The cache key is the configuration: name, kind, latent_dim, likelihood, hidden, activation, in_shape,
    dataset, subset, binarize, epochs, lr, batch_size, quick, seed; the same call in a later notebook loads
    the same model.
    ``dataset`` defaults to the training data's name, ``subset`` to its size. The weights are
    initialised and the batches shuffled from ``seed`` (default: the configured seed).
    """
    latent_dim, epochs, batch_size = (as_int(latent_dim, "latent_dim", minimum=1), as_int(epochs, "epochs", minimum=0),
                                      as_int(batch_size, "batch_size", minimum=1))
    lr = as_positive(lr, "lr")
    seed = as_int(seed, "seed") if seed is not None else None
    subset = as_int(subset, "subset", minimum=1) if subset is not None else None
    hidden = list(widths(hidden)) if hidden is not None else None        # 64 -> [64], as Autoencoder takes it
    hyper = dict(kind=kind, latent_dim=latent_dim, likelihood=likelihood, hidden=hidden, activation=activation)
    return fit_cached(lambda in_shape: Autoencoder(latent_dim, kind=kind, in_shape=in_shape, likelihood=likelihood,
                                                   hidden=hidden, activation=activation),
                      train, name=name, hyper=hyper, epochs=epochs, test=test, lr=lr, batch_size=batch_size,
                      seed=seed, dataset=dataset, subset=subset, retrain=retrain, verbose=verbose,
                      progress=progress, desc=f"{name} (d={latent_dim})")


# ------------------------------------------------------------------------------------------ helpers
@torch.no_grad()
def encode_dataset(model, data, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Encode every example of ``data`` (a dataset or a tensor) in order -> (codes (N, d), labels or None),
    both on the CPU. ``model`` is anything with ``encode`` (an `Autoencoder`, a `PCA`), or a function."""
    data = as_data(data, "data", nonempty="encode")
    encode = getattr(model, "encode", model)
    codes, labels = [], []
    with eval_mode(model) if isinstance(model, nn.Module) else contextlib.nullcontext():
        for x, y in data.batches(batch_size, shuffle=False):
            codes.append(encode(x).detach().cpu())
            if y is not None:
                labels.append(y.cpu())
    return torch.cat(codes), (torch.cat(labels) if labels else None)


def grid_codes(n: int = 15, extent=(-3.0, 3.0, -3.0, 3.0)) -> torch.Tensor:
    """A regular n x n grid over [x0, x1] x [y0, y1] -> (n*n, 2), in reading order: row by row from the
    top (largest y) down, left (smallest x) to right, so that ``show_images(..., nrow=n)`` lays the
    decoded images out like the points of a scatter plot."""
    n = as_int(n, "n", minimum=1)
    if isinstance(extent, torch.Tensor) and extent.dim() == 2:
        raise ValueError(f"extent must be four numbers (x0, x1, y0, y1), got a tensor {tuple(extent.shape)}; for "
                         f"the extent of codes (N, 2) pass extent=code_extent(codes) (decode_grid: codes=codes).")
    if not hasattr(extent, "__len__") or len(extent) != 4:
        raise ValueError(f"extent must be four numbers (x0, x1, y0, y1), got {extent!r:.40}; e.g. "
                         f"extent=(-3, 3, -3, 3).")
    x0, x1, y0, y1 = map(float, extent)
    xs = torch.linspace(x0, x1, n)
    ys = torch.linspace(y1, y0, n)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def code_extent(codes: torch.Tensor, q: float = 0.01, margin: float = 0.05) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1): the [q, 1 - q] quantiles of 2-D codes in each direction, widened by ``margin``."""
    codes, q = as_points(codes, "codes"), as_float(q, "q", minimum=0)
    if q >= 0.5:
        raise ValueError(f"q must be below 0.5 (the share of codes left out at each end), got {q}; e.g. q=0.01.")
    lo = torch.quantile(codes, q, dim=0)
    hi = torch.quantile(codes, 1 - q, dim=0)
    pad = (hi - lo) * margin
    lo, hi = lo - pad, hi + pad
    return (lo[0].item(), hi[0].item(), lo[1].item(), hi[1].item())


@torch.no_grad()
def decode_grid(model, n: int = 15, extent=None, codes: torch.Tensor | None = None) -> torch.Tensor:
    """Decode a regular n x n grid over a 2-D code space -> images (n*n, C, H, W) on the CPU, in [0, 1]
    for an image model: show them with ``viz.show_images(images, nrow=n)``.

    The grid spans ``extent`` = (x0, x1, y0, y1), or the central 98% of ``codes`` (see `code_extent`),
    or [-3, 3]^2. The top-left image is the code (x0, y1), as in a scatter plot of the codes.
    """
    if getattr(model, "latent_dim", 2) != 2:
        raise ValueError(f"decode_grid decodes a grid over a 2-D code space, but this {type(model).__name__} has "
                         f"latent_dim={model.latent_dim}; train one with latent_dim=2, or decode codes of your own.")
    if extent is None:
        extent = code_extent(codes) if codes is not None else (-3.0, 3.0, -3.0, 3.0)
    z = grid_codes(n, extent)
    decode = getattr(model, "decode", model)
    device = next(model.parameters()).device if isinstance(model, nn.Module) else z.device
    return decode(z.to(device)).cpu()


# ------------------------------------------------------------------------------------------ PCA
def pca_reconstruct(x: torch.Tensor, k: int) -> torch.Tensor:
    """The best rank-k linear reconstruction of the rows of x (N, ...) (fitted on x itself):

        m = mean_n x_n,  X - m = U S V^T (SVD),  x_hat = m + (x - m) V_k V_k^T
    with V_k the first k right singular vectors (principal directions). Returns x's shape.
    """
    flat = x.reshape(len(x), -1)
    k = as_int(k, "k", minimum=0, maximum=min(flat.shape))
    mean = flat.mean(0, keepdim=True)
    _, _, vh = torch.linalg.svd(flat - mean, full_matrices=False)
    v = vh[:k]
    return (mean + (flat - mean) @ v.T @ v).reshape(x.shape)


def _rows(x: torch.Tensor) -> torch.Tensor:
    """The examples of x (N, ...) as float64 rows (N, D) on the CPU; uint8 images 0..255 scaled to [0, 1]."""
    flat = x.reshape(len(x), -1).double().cpu()
    return flat / 255 if x.dtype == torch.uint8 else flat


class PCA:
    """Principal component analysis, the optimal *linear* autoencoder (encoder V_k, decoder V_k^T).

        fit:    m = mean(x),  X - m = U S V^T,  eigenvalues lambda_j = S_j^2 / N (variance along v_j)
                (computed as the SVD of the D x D covariance (X - m)^T (X - m) / N = V diag(lambda) V^T
                when N > D: the same V and lambda, much faster for 60,000 images)
        encode: z = (x - m) V_k^T          (N, k)
        decode: x_hat = m + z V_k          (N, *shape)
    The mean squared reconstruction error on the fitted data is sum_{j > k} lambda_j per example
    (the variance in the discarded directions). ``k`` defaults to ``n_components`` and may be chosen per
    call (``encode(x, k=2)``) up to the number fitted, so one fit serves every latent size.
    """

    def __init__(self, n_components: int | None = None):
        self.n_components = None if n_components is None else as_int(n_components, "n_components", minimum=1)
        self.mean = self.components = self.eigenvalues = None
        self.shape: tuple[int, ...] | None = None

    def fit(self, x) -> "PCA":
        """Fit on x (N, ...) or a dataset (all of it, in float64)."""
        data = as_data(x, "x", nonempty="fit the principal directions to")
        if not isinstance(x, torch.Tensor):
            x = torch.cat([b for b, _ in data.batches(5000, shuffle=False)])
        self.shape = tuple(x.shape[1:])
        flat = _rows(x)
        self.mean = flat.mean(0)
        centred = flat - self.mean
        if len(flat) > flat.shape[1]:
            _, eigenvalues, vh = torch.linalg.svd(centred.T @ centred / len(flat))
        else:
            _, s, vh = torch.linalg.svd(centred, full_matrices=False)
            eigenvalues = s.pow(2) / len(flat)
        k = self.n_components or vh.shape[0]
        if k > vh.shape[0]:
            raise ValueError(f"n_components={k}, but {len(flat)} examples of {flat.shape[1]} values have at most "
                             f"{vh.shape[0]} principal directions; pass n_components <= {vh.shape[0]}, or fit on "
                             f"more examples.")
        self.components = vh[:k]                      # (k, D): rows are principal directions v_j
        self.eigenvalues = eigenvalues                # all of them, largest first
        return self

    def _k(self, k, x=None):
        if x is not None:
            no_dataset(x, "x")
        if self.components is None:
            raise RuntimeError("Call PCA.fit(x) first.")
        if x is not None and tuple(x.shape[1:]) != self.shape:
            raise ValueError(f"x has examples of shape {tuple(x.shape[1:])}, but this PCA was fitted on {self.shape}; "
                             f"pass data of the kind it was fitted on.")
        k = len(self.components) if k is None else k
        if not 0 <= k <= len(self.components):
            raise ValueError(f"k={k} components asked for, but this PCA was fitted with {len(self.components)}.")
        return k

    def encode(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        """z = (x - m) V_k^T -> (N, k), float32 on x's device."""
        k = self._k(k, x)
        flat = _rows(x)
        return ((flat - self.mean) @ self.components[:k].T).to(torch.float32).to(x.device)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_hat = m + z V_k -> (N, *shape) (k = z.shape[1])."""
        k = self._k(as_batch(z, 2, "z", f"(N, k), k <= {self._k(None)} codes per row").shape[1])
        flat = self.mean + z.double().cpu() @ self.components[:k]
        return flat.to(torch.float32).reshape(len(z), *self.shape).to(z.device)

    def reconstruct(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        return self.decode(self.encode(x, k))

    @torch.no_grad()
    @flags("clip")
    def reconstruction_mse(self, x, k: int | None = None, clip: bool = False) -> float:
        """Mean squared error per value, mean_{n,i} (x_ni - x_hat_ni)^2, over x (a tensor or a dataset).
        ``clip=True`` clips x_hat to [0, 1] first (valid pixel values)."""
        data = as_data(x, "x", nonempty="measure the reconstruction error of")
        total, count = 0.0, 0
        for xb, _ in data.batches(5000, shuffle=False):
            x_hat = self.reconstruct(xb, k)
            if clip:
                x_hat = x_hat.clamp(0, 1)
            total += (x_hat.double() - xb.double()).pow(2).sum().item()
            count += xb.numel()
        return total / count


@torch.no_grad()
def reconstruction_mse(model, data, batch_size: int = 1000) -> float:
    """Held-out mean squared error per value of an autoencoder, mean_{n,i} (x_ni - g(f(x_n))_i)^2."""
    data = as_data(data, "data", nonempty="measure the reconstruction error of")
    total, count = 0.0, 0
    with eval_mode(model), torch.no_grad():
        for x, _ in data.batches(batch_size, shuffle=False):
            total += (model(x) - x).double().pow(2).sum().item()
            count += x.numel()
    return total / count

