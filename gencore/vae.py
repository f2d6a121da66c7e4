"""The variational autoencoder (Kingma & Welling, 2014): an encoder q(z|x), a decoder p(x|z), a prior p(z).

    model = VAE(latent_dim=16)                          # MLP encoder/decoder for 28x28 images
    history = fit(model, train, test=test, epochs=10)   # minimises model.loss(x, y)["loss"] = -ELBO
    mu, logvar = model.encode(x)                        # q(z|x) = N(mu, diag exp(logvar))
    x_hat = model.decode(z)                             # the mean of p(x|z): pixel probabilities
    x_new = model.sample(64)                            # z ~ N(0, I), then decode

The measures that every latent-variable model shares (the IWAE `log_likelihood`, `dataset_elbo`) are in
`gencore.evaluation`; the interactive `latent_explorer` is in `gencore.viz`.

Putting it all together (the lecture's slide), for one image x:

    mu, logvar = encoder(x)                      # the recognition model, parameters phi
    z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)   # the reparameterization trick
    logits = decoder(z)                          # the generative model, parameters theta
    ELBO(x) = log p(x|z) - KL(q(z|x) || N(0, I))     # a lower bound on log p(x)
            = -BCE(logits, x) - 1/2 sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j)

Every quantity is in nats per image: summed over the pixels (and latent dimensions) of one image,
averaged over the batch. The maths is `gencore.variational` (tested there); this module wires it into a
model that trains with the shared loop `gencore.train.fit`, and adds the pictures the VAE notebook uses.
"""
from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from .aggregate_prior import AggregatePrior
from .blocks import LikelihoodModel, eval_mode, make_pair, widths
from .cache import fit_cached
from .data import as_data
from .distributed import standard_normal
from .evaluation import dataset_elbo
from .history import History
from .train import adam
from .validate import (
    as_bool,
    as_float,
    as_generator,
    as_int,
    as_positive,
    check_shape,
    flags,
    model_input,
    nonempty,
    range_hint,
    sample_count,
)
from .variational import (
    active_units,
    bernoulli_log_likelihood,
    bernoulli_log_likelihood_binary_,
    gaussian_kl,
    gaussian_log_likelihood,
    reparameterize,
)

__all__ = ["VAE", "LIKELIHOODS", "train_vae", "rate_distortion", "encode_means", "count_active_units",
           "latent_traversal", "prior_quantile_grid", "decode_prior_grid"]

LIKELIHOODS = ("bernoulli", "gaussian")
_LOG_2PI = math.log(2 * math.pi)


# ------------------------------------------------------------------------------------------ the pieces
def _check_prior(prior, model) -> None:
    if not isinstance(prior, AggregatePrior):
        raise TypeError(f"prior must be an AggregatePrior of this model (gencore.aggregate_prior), or None for "
                        f"N(0, I); got {type(prior).__name__}.")
    prior.check_model(model)


def _log_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over the last dimension."""
    return -0.5 * (_LOG_2PI + z.pow(2)).sum(-1)


# ------------------------------------------------------------------------------------------ the model
class VAE(LikelihoodModel):
    """x -> q(z|x) = N(mu(x), diag exp(logvar(x))) -> z -> p(x|z); prior p(z) = N(0, I).

    * ``encoder``: (N, *in_shape) -> (N, 2 * latent_dim), split into (mu, logvar) by `encode`;
    * ``decoder``: (N, latent_dim) -> raw outputs (N, *in_shape): logits of Bernoulli pixels
      (``likelihood="bernoulli"``, for binarised images) or the mean of a Gaussian with standard deviation
      ``obs_std`` (``likelihood="gaussian"``; ``obs_std="learned"`` makes it one learned number);
    * ``beta`` weighs the KL term of the training loss (beta = 1: the ELBO; beta-VAE otherwise).

    ``kind`` "mlp" or "conv"; ``hidden`` the encoder's hidden widths (the decoder mirrors them); other
    keywords (``activation``, ``channels``) go to both blocks, as in `gencore.autoencoder.Autoencoder`.
    """

    def __init__(self, latent_dim: int = 2, kind: str = "mlp", in_shape=(1, 28, 28),
                 likelihood: str = "bernoulli", beta: float = 1.0, hidden=None, obs_std: float | str = 0.1,
                 **kw):
        super().__init__()
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"Unknown likelihood {likelihood!r}; use 'bernoulli' (binarised images) or "
                             f"'gaussian' (real-valued data).")
        latent_dim = as_int(latent_dim, "latent_dim", minimum=1)
        beta = as_float(beta, "beta", minimum=0)                     # the weight of the KL term
        self.latent_dim, self.kind, self.likelihood, self.beta = latent_dim, kind, likelihood, beta
        self.in_shape = (in_shape,) if isinstance(in_shape, int) else tuple(in_shape)
        self.encoder, self.decoder = make_pair(kind, self.in_shape, 2 * latent_dim, latent_dim, hidden, **kw)
        if likelihood == "gaussian":
            if obs_std == "learned":
                self.obs_logvar = nn.Parameter(torch.zeros(()))
            elif isinstance(obs_std, (int, float)) and obs_std > 0:
                self.register_buffer("obs_logvar", torch.tensor(2 * math.log(obs_std)))
            else:
                raise ValueError(f"obs_std must be a positive number or 'learned', got {obs_std!r}.")

    # -------------------------------------------------------------------------------------- pieces
    def encode(self, x: torch.Tensor, c=None) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x): (N, *in_shape) -> (mu, logvar), each (N, latent_dim)."""
        return self._encode(model_input(self, x), c)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The mean of p(x|z): pixel probabilities sigmoid(logits) (bernoulli) or the Gaussian mean."""
        return self._mean(self.decoder(self._codes(z)))

    def _codes(self, z) -> torch.Tensor:
        return model_input(self, z, "z", (self.latent_dim,), None)

    # The conditioning hook: everything below (loss, IWAE log-weights, ELBO terms, posterior means) goes
    # through these three, so a conditional subclass (gencore.cvae.ConditionalVAE) only says what the
    # blocks' condition c is for labels y. The unconditional VAE ignores the labels: c = None.
    def _condition(self, y, n: int) -> torch.Tensor | None:
        """The blocks' condition for labels ``y`` of ``n`` examples; None for the unconditional VAE."""
        return None

    def _encode(self, x: torch.Tensor, c: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x) if c is None else self.encoder(x, c)
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar

    def _raw(self, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        """The decoder's raw output (logits or Gaussian mean) for codes z (N, d) and condition c (N, ...)."""
        return self.decoder(z) if c is None else self.decoder(z, c)

    def _mean(self, raw: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(raw) if self.likelihood == "bernoulli" else raw

    def log_px_given_z(self, raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log p(x|z) per example from the decoder's raw output, summed over pixels: Bernoulli
        (`gencore.variational.bernoulli_log_likelihood`) or Gaussian
        (gencore.variational.gaussian_log_likelihood with variance exp(obs_logvar)). Bernoulli targets x must lie in
        [0, 1]: other values (the arguments swapped, images 0..255) are refused here, at the public door only."""
        if len(raw) != len(x) or raw[0].numel() != x[0].numel():
            raise ValueError(f"raw (the decoder's output) and x must hold the same examples, got raw of shape "
                             f"{tuple(raw.shape)} and x of shape {tuple(x.shape)}; for k codes per image repeat the "
                             f"images to match, x.repeat(k, *[1] * (x.dim() - 1)) (row i * N + n: code i of image n).")
        if self.likelihood == "bernoulli" and x.numel():      # the public door only: loss() calls _log_px
            lo, hi = (v.item() for v in torch.aminmax(x.detach()))
            if not (-1e-4 <= lo and hi <= 1 + 1e-4):
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    raise ValueError("x holds NaN or infinite values; pass images with values in [0, 1].")
                swapped = bool(((raw >= 0) & (raw <= 1)).all())          # the images were given as raw
                hint = (": did you swap raw and x (the decoder's output comes first, log_px_given_z(raw, x))?"
                        if swapped else range_hint(lo, hi, (0.0, 1.0)) or "; pass images with values in [0, 1]")
                raise ValueError(f"x must hold values in [0, 1] (the Bernoulli targets), got {lo:.3g}..{hi:.3g}"
                                 f"{hint}{'' if swapped else '.'}")
        return self._log_px(raw, x)

    def _log_px(self, raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """`log_px_given_z` without its checks: the training step's and the measures' path (x checked there)."""
        if self.likelihood == "bernoulli":
            return bernoulli_log_likelihood(raw, x)
        return gaussian_log_likelihood(raw, x, self.obs_logvar)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction decode(mu(x)) (the code's posterior mean, no sampling)."""
        return self.reconstruct(x)

    def loss(self, x: torch.Tensor, y=None) -> dict[str, torch.Tensor]:
        """One-sample estimate of the bound for a batch, in nats per image (averaged over the batch):

            rec  = -log p(x|z),  z = mu + sigma * eps         (the reconstruction term, "distortion")
            kl   = KL(q(z|x) || N(0, I))                        (closed form, "rate")
            elbo = -rec - kl                                    (<= log p(x))
            loss = rec + beta * kl                              (= -elbo for beta = 1)

        ``y`` (labels) is ignored by the unconditional VAE; `gencore.cvae.ConditionalVAE` conditions on it.
        """
        x = model_input(self, nonempty(x))
        c = self._condition(y, len(x))
        mu, logvar = self._encode(x, c)
        z = reparameterize(mu, logvar, eps=standard_normal(mu.shape, dtype=mu.dtype, device=mu.device))
        log_px = self._log_px(self._raw(z, c), x)
        kl = gaussian_kl(mu, logvar)
        rec, kl = -log_px.mean(), kl.mean()
        loss = rec + self.beta * kl
        return {"loss": loss, "rec": rec.detach(), "kl": kl.detach(), "elbo": -(rec + kl).detach()}

    @torch.no_grad()
    @flags("mean")
    def sample(self, n: int, generator: torch.Generator | None = None, mean: bool = True,
               prior=None) -> torch.Tensor:
        """Ancestral sampling z ~ N(0, I), x ~ p(x|z) -> (n, *in_shape). With ``mean=True`` (default) the
        decoder's mean (pixel probabilities) instead of a random draw: what VAE samples usually show.
        ``prior``: draw z from this model's `gencore.aggregate_prior.AggregatePrior` instead of N(0, I)."""
        n = sample_count(n, type(self).__name__, "use a ConditionalVAE (gencore.cvae) to choose the classes")
        z = self._prior_draw(prior, None, n, generator)
        return self._sample_from(z, None, generator, mean)

    def _prior_draw(self, prior, y, n: int, generator) -> torch.Tensor:
        """z ~ N(0, I), or z ~ prior(z|y) when an aggregate prior of this model is given: (n, d) on the device."""
        generator = as_generator(generator)
        if prior is None:
            return torch.randn(n, self.latent_dim, generator=generator).to(self.device)
        _check_prior(prior, self)
        return prior.sample(y, n=n, generator=generator).to(self.device)

    def _sample_from(self, z: torch.Tensor, c, generator, mean: bool) -> torch.Tensor:
        """decode(z) given condition c: the decoder's mean, or (``mean=False``) a draw of p(x|z)."""
        probs = self._mean(self._raw(z, c))
        if as_bool(mean, "mean"):
            return probs
        if self.likelihood == "bernoulli":
            return torch.bernoulli(probs.clamp(0, 1), generator=generator if probs.device.type == "cpu" else None)
        return probs + (0.5 * self.obs_logvar).exp() * torch.randn(probs.shape, generator=generator).to(probs)

    @torch.no_grad()
    @flags("sample")
    def reconstruct(self, x: torch.Tensor, sample: bool = False) -> torch.Tensor:
        """decode(mu(x)), or decode(z) for one z ~ q(z|x) with ``sample=True``."""
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar) if sample else mu)

    # -------------------------------------------------------------------------------------- evaluation
    @torch.no_grad()
    def log_weights(self, x: torch.Tensor, y, k: int, *, generator: torch.Generator | None = None,
                    chunk_rows: int = 2048, prior=None) -> torch.Tensor:
        """Importance log-weights log w_i = log p(x, z_i) - log q(z_i|x), z_i ~ q(z|x), shape (k, N), no
        gradients: the protocol `log_likelihood` evaluates (``y``: labels, ignored by the unconditional VAE).

        x is encoded once and its k codes (k, N, d) drawn at once from ``generator``; they go through the
        decoder in chunks of about ``chunk_rows`` rows, so the (rows, pixels) decoder outputs stay small for
        any k; binary x with a Bernoulli decoder takes an in-place fast path. The result does not depend on
        ``chunk_rows``. ``prior``: log p(z) from this model's `AggregatePrior` instead of N(0, I).
        """
        k = as_int(k, "k", minimum=1)
        if prior is not None:
            _check_prior(prior, self)
        chunk_rows = as_int(chunk_rows, "chunk_rows", minimum=1)
        device = self.device
        x = model_input(self, x)
        n = len(x)
        c = self._condition(y, n)
        mu, logvar = self._encode(x, c)
        std = (0.5 * logvar).exp()
        per_chunk = max(1, min(k, chunk_rows // max(n, 1)))
        eps = torch.randn((k, n, self.latent_dim), generator=generator).to(device)   # (k, n, d): small
        z_all = mu + std * eps
        log_qz = -0.5 * (_LOG_2PI + logvar + eps.pow(2)).sum(-1)                       # log q(z_i|x)
        log_pxz = _log_normal(z_all) if prior is None else \
            prior.log_prob(z_all, None if c is None else y)                             # log p(z_i), then
        flat_x = x.flatten(1)                                                           # + log p(x|z_i)
        binary = self.likelihood == "bernoulli" and bool(((flat_x == 0) | (flat_x == 1)).all())
        for start in range(0, k, per_chunk):
            z = z_all[start:start + per_chunk]
            s = len(z)
            cs = None if c is None else c.repeat(s, *[1] * (c.dim() - 1))   # row i*n + j: condition of example j
            raw = self._raw(z.reshape(s * n, -1), cs).view(s, n, -1)
            if binary:
                log_px = bernoulli_log_likelihood_binary_(raw, flat_x)
            else:   # grey levels or a Gaussian decoder: the general formula
                log_px = self._log_px(raw.view(s * n, *x.shape[1:]), x.repeat(s, *[1] * (x.dim() - 1)))
                log_px = log_px.view(s, n)
            log_pxz[start:start + s] += log_px
        return log_pxz - log_qz

    @torch.no_grad()
    def per_example_elbo(self, x: torch.Tensor, y=None, n_samples: int = 1, *,
                   generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Per-example terms of the ELBO, each (N,), no gradients: {"rec": -1/S sum_s log p(x|z_s),
        "kl": KL(q(z|x) || N(0, I))} with S = ``n_samples`` draws z_s ~ q(z|x) (what `dataset_elbo` sums)."""
        x = model_input(self, x)
        c = self._condition(y, len(x))
        mu, logvar = self._encode(x, c)
        z = reparameterize(mu, logvar, generator=generator, n_samples=n_samples)   # (S, N, d)
        cs = None if c is None else c.repeat(n_samples, *[1] * (c.dim() - 1))
        raw = self._raw(z.flatten(0, 1), cs)
        log_px = self._log_px(raw, x.repeat(n_samples, *[1] * (x.dim() - 1))).view(n_samples, -1)
        return {"rec": -log_px.mean(0), "kl": gaussian_kl(mu, logvar)}

    @torch.no_grad()
    def posterior_mean(self, x: torch.Tensor, y=None) -> torch.Tensor:
        """The mean mu(x) of q(z|x) (N, latent_dim); ``y`` ignored here, used by conditional models."""
        x = model_input(self, x)
        return self._encode(x, self._condition(y, len(x)))[0]


@flags("retrain", "verbose", "progress")
def train_vae(train, *, latent_dim: int, epochs: int, test=None, kind: str = "mlp", beta: float = 1.0,
              likelihood: str = "bernoulli", hidden=None, activation: str = "relu", lr: float = 1e-3,
              batch_size: int = 128, seed: int | None = None, dataset: str | None = None,
              subset: int | None = None, name: str = "vae", retrain: bool = False, verbose: bool = True,
              progress: bool = True) -> tuple[VAE, History]:
    """Build a `VAE`, then load it from the model cache or train it with `fit` and cache it.

    The cache key is the whole configuration (name, kind, latent_dim, beta, likelihood, hidden, activation,
    in_shape, dataset, subset, binarize, epochs, lr, batch_size, quick, seed), so the same call in a later
    notebook loads the same model. Weights are initialised and batches shuffled from ``seed``.
    """
    latent_dim, epochs, batch_size = (as_int(latent_dim, "latent_dim", minimum=1), as_int(epochs, "epochs", minimum=0),
                                      as_int(batch_size, "batch_size", minimum=1))
    lr, beta = as_positive(lr, "lr"), as_float(beta, "beta", minimum=0)
    seed = as_int(seed, "seed") if seed is not None else None
    subset = as_int(subset, "subset", minimum=1) if subset is not None else None
    hidden = list(widths(hidden)) if hidden is not None else None        # 64 -> [64], as VAE takes it
    hyper = dict(kind=kind, latent_dim=latent_dim, beta=beta, likelihood=likelihood, hidden=hidden,
                 activation=activation)
    return fit_cached(lambda in_shape: VAE(latent_dim, kind=kind, in_shape=in_shape, likelihood=likelihood,
                                           beta=beta, hidden=hidden, activation=activation),
                      train, name=name, hyper=hyper, epochs=epochs, test=test, lr=lr, batch_size=batch_size,
                      seed=seed, dataset=dataset, subset=subset, retrain=retrain, verbose=verbose,
                      progress=progress, desc=f"{name} (d={latent_dim}, beta={beta:g})", optimizer=adam)


def rate_distortion(model: VAE, data, batch_size: int = 1000) -> tuple[float, float]:
    """(rate, distortion) on ``data``: R = E_x KL(q(z|x) || p(z)) and D = -E_x E_q log p(x|z), in nats.
    -ELBO = D + R; the beta-VAE objective D + beta R trades one for the other."""
    _needs_encoder(model, "rate_distortion", "per_example_elbo")
    terms = dataset_elbo(model, data, batch_size=batch_size)
    return terms["kl"].mean().item(), terms["rec"].mean().item()


def _needs_encoder(model, fn: str, method: str) -> None:
    """One sentence if ``model`` has no encoder (a GAN, a plain network): it has no codes and no rate."""
    if not callable(getattr(model, method, None)):
        raise TypeError(f"{fn} needs a model with an encoder (it calls model.{method}), got "
                        f"{type(model).__name__}: " + ("a GAN has no encoder, so no codes and no rate; "
                        if hasattr(model, "discriminator") else "") + "pass a trained VAE.")


def encode_means(model: VAE, data, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The posterior means mu(x) of every example, in order -> (codes (N, d), labels or None), on the CPU.
    A conditional model encodes each example with its own label (``model.posterior_mean(x, y)``)."""
    _needs_encoder(model, "encode_means", "posterior_mean")
    data = as_data(data)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    codes, labels = [], []
    with eval_mode(model):
        for x, y in data.batches(batch_size, shuffle=False):
            codes.append(model.posterior_mean(x, y).cpu())
            if y is not None:
                labels.append(y.cpu())
    if not codes:
        return torch.zeros(0, model.latent_dim), None
    return torch.cat(codes), (torch.cat(labels) if labels else None)


def count_active_units(model: VAE, data, threshold: float = 0.01) -> tuple[int, torch.Tensor]:
    """Active units: dimension j is used if A_j = Var_x(E_q(z|x)[z_j]) > threshold (Burda et al., 2016).

    Returns (number active, A of shape (d,)). An unused dimension has q(z_j|x) = p(z_j) for every x: its
    mean does not move, and it carries no information about x (KL_j = 0). Needs at least 2 examples (a
    variance over one example is undefined).
    """
    _needs_encoder(model, "count_active_units", "posterior_mean")
    data = as_data(data)
    shape, d = tuple(data.x.shape[1:]), model.latent_dim
    if shape == (d,) != tuple(model.in_shape):
        raise ValueError(f"data must be the examples count_active_units encodes, {tuple(model.in_shape)} each, got "
                         f"{tuple(data.x.shape)}, codes of latent_dim={d}; pass the data, or active_units(codes) for "
                         f"codes already encoded.")
    check_shape(tuple(data.x.shape), model.in_shape, "data", type(model).__name__)
    if len(data) < 2:
        raise ValueError(f"count_active_units needs at least 2 examples (a unit's activity is the variance of "
                         f"its posterior mean over the data), got {len(data)}; pass more examples.")
    mu, _ = encode_means(model, data)
    return active_units(mu, as_float(threshold, "threshold", minimum=0))


# ------------------------------------------------------------------------------------------ pictures
@torch.no_grad()
def latent_traversal(model: VAE, z0: torch.Tensor | None = None, dims=None, values=None,
                     steps: int = 9, lim: float = 3.0, y=None) -> torch.Tensor:
    """Change one latent dimension at a time, keep the others at ``z0`` (default: the prior mean 0):

        row j:  decode(z0 + (v - z0_j) e_j)  for v in values (default linspace(-lim, lim, steps))

    Returns images (len(dims) * len(values), *in_shape), one row per dimension in ``dims`` (default all):
    show them with ``viz.show_images(images, nrow=len(values))``. A conditional model decodes every code
    with the class ``y`` (one label).
    """
    d, (z0, dims) = model.latent_dim, traversal_args(model, z0, dims, y)
    if values is None and as_int(steps, "steps") < 2:
        raise ValueError(f"steps={steps} gives a traversal of one value, -lim, in every row; pass steps of at least 2 "
                         f"(e.g. steps=9, from -lim to lim), or the values themselves with values=[...].")
    values = torch.linspace(-lim, lim, as_int(steps, "steps", minimum=2)) if values is None else \
        torch.as_tensor(values, dtype=torch.float32)
    if values.dim() != 1:
        count = f"{values.item():g}" if values.dim() == 0 else ""
        hint = f"; for {count} values in [-lim, lim] pass steps={count}" if count else ""
        raise TypeError(f"values must be the values each dimension takes, a list or a 1-D tensor, got "
                        f"{values.tolist()!r:.40}{hint}.")
    z = z0.repeat(len(dims), len(values), 1)                      # (rows, cols, d)
    for r, j in enumerate(dims):
        z[r, :, j] = values
    with eval_mode(model):
        return _decode(model, z.view(-1, d).to(model.device), y).cpu()


def traversal_args(model, z0=None, dims=None, y=None, first: int | None = None) -> tuple[torch.Tensor, list[int]]:
    """(z0, dims) of a picture of ``model``'s latent space, checked before any decoding: z0 one code of latent_dim
    numbers (default 0), dims a list of dimensions in 0..latent_dim-1 (default all, or the ``first`` few), and a
    label y only for a conditional model."""
    d = model.latent_dim
    _no_label(model, y)
    z0 = torch.zeros(d) if z0 is None else torch.as_tensor(z0, dtype=torch.float32).cpu()
    if z0.numel() != d:
        raise ValueError(f"z0 must be one code of {d} numbers (latent_dim={d}), got shape {tuple(z0.shape)}.")
    if isinstance(dims, (numbers.Number, str, torch.Tensor)) and not getattr(dims, "ndim", 0):
        example = f"[{dims}]" if isinstance(dims, numbers.Integral) else "[0, 1]"
        raise TypeError(f"dims must be a list of latent dimensions, e.g. {example}, got {type(dims).__name__} "
                        f"{dims!r:.40}.")
    dims = list(range(min(d, first or d))) if dims is None else [as_int(j, "dims", minimum=0) for j in dims]
    if any(j >= d for j in dims):
        raise ValueError(f"dims must be latent dimensions in 0..{d - 1} (latent_dim={d}), got {dims}.")
    return z0.reshape(d), dims


def _no_label(model, y) -> None:
    """One sentence if a label ``y`` is given to an unconditional model."""
    if y is not None and not getattr(model, "n_classes", 0):
        raise ValueError(f"y is for conditional models; this {type(model).__name__} is unconditional (leave y out).")


def _decode(model: VAE, z: torch.Tensor, y) -> torch.Tensor:
    """decode(z), or decode(z, y) for a conditional model (which needs y)."""
    return model.decode(z) if y is None else model.decode(z, y)


def prior_quantile_grid(n: int = 20) -> torch.Tensor:
    """An n x n grid of 2-D codes at the prior's quantiles (Kingma's MNIST demo): z = Phi^-1(u) for u on the
    midpoints (i + 1/2)/n, so each code stands for an equal 1/n^2 share of the prior's mass.

    Returns (n*n, 2) in reading order (top row = largest z_2, left = smallest z_1), like
    `gencore.autoencoder.grid_codes`, for ``viz.show_images(decode(z), nrow=n)``.
    """
    n = as_int(n, "n", minimum=1)
    u = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    q = torch.distributions.Normal(0.0, 1.0).icdf(u)
    gy, gx = torch.meshgrid(q.flip(0), q, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


@torch.no_grad()
def decode_prior_grid(model: VAE, n: int = 20, y=None) -> torch.Tensor:
    """The learned manifold of a 2-D VAE: decode `prior_quantile_grid(n)` -> (n*n, *in_shape) on the CPU
    (a conditional model: the manifold of class ``y``, one label)."""
    if model.latent_dim != 2:
        raise ValueError(f"decode_prior_grid needs a 2-D latent space; this model has latent_dim="
                         f"{model.latent_dim} (use latent_traversal for larger ones).")
    _no_label(model, y)
    with eval_mode(model):
        return _decode(model, prior_quantile_grid(as_int(n, "n", minimum=1)).to(model.device), y).cpu()


