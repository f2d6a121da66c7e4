"""The aggregate posterior as a prior: sampling a trained VAE where its codes really are.

A VAE is trained with the prior N(0, I), but its decoder only ever learns from the codes the encoder produces,
the aggregate posterior q(z) = 1/N sum_n q(z|x_n). Where the two differ -- regions the prior gives mass to and
no training image's code visits, the prior's "holes" -- a prior sample decodes to something the decoder was
never taught: a blend of two images, a fragment, a shape too small to read. The prior that maximises the
ELBO is the aggregate posterior itself (Hoffman & Johnson, 2016; the VampPrior of Tomczak & Welling, 2018, is
a learned version of it). With K exemplars x_k drawn from the training data (of class y, for a conditional
model),

    p(z|y) = 1/K sum_k q(z | x_k, y),     a mixture of K Gaussians N(mu(x_k, y), diag sigma^2(x_k, y))

    prior = AggregatePrior(model, train)                   # encode the training images once (or per_class=K)
    x = model.sample(labels, prior=prior)                  # z ~ p(z|y), decoded with y
    z = prior.sample(labels)                               # pick an exemplar of y, then z ~ q(z|x_k, y)
    log_p = prior.log_prob(z, labels)                      # log p(z|y)
    log_px = log_likelihood(model, test, prior=prior)      # the IWAE bound of the model with this prior

Sampling from it is sampling the training set's codes with their posterior noise: the samples look like the
training data because the codes do. With few exemplars it is close to resampling them (less diverse samples,
and a lower likelihood for test images whose codes lie away from all of them), so K should not be small.
"""
from __future__ import annotations

import math

import torch

from .blocks import eval_mode
from .data import as_data
from .labels import check_labels, requested_labels
from .validate import as_generator, as_int, sample_count

__all__ = ["AggregatePrior"]

_LOG_2PI = math.log(2 * math.pi)


class AggregatePrior:
    """p(z|y) = 1/K_y sum_k q(z | x_k, y): the encoder's posteriors at K_y = min(per_class, #class y) training
    exemplars of each class (of all the data for an unconditional VAE), chosen at random (``seed``) and encoded
    once, in eval mode; ``per_class=None`` (default) takes every image, the aggregate posterior of the data
    itself. ``mu[c]`` and ``logvar[c]`` (K_c, latent_dim) hold class c's components, on the CPU.
    """

    def __init__(self, model, data, per_class: int | None = None, seed: int = 0, batch_size: int = 500):
        per_class = None if per_class is None else as_int(per_class, "per_class", minimum=1)
        seed, batch_size = as_int(seed, "seed"), as_int(batch_size, "batch_size", minimum=1)
        if not callable(getattr(model, "posterior_mean", None)) or not hasattr(model, "latent_dim"):
            raise TypeError(f"AggregatePrior needs a VAE or ConditionalVAE (gencore.vae, gencore.cvae), got "
                            f"{type(model).__name__}.")
        data = as_data(data, "data", nonempty="encode into the aggregate prior's exemplars")
        likelihood = getattr(model, "likelihood", None)
        data.check_values("data", getattr(model, "target_range", None), expected_by=f"{type(model).__name__}"
                          + (f"(likelihood={likelihood!r})" if likelihood else ""))
        self.model, self.latent_dim = model, model.latent_dim
        self.n_classes = getattr(model, "n_classes", None)
        if self.n_classes is not None and data.labels is None:
            raise ValueError(f"A conditional model's aggregate prior needs labelled data (labels in [0, "
                             f"{self.n_classes})), to take exemplars of every class; this data has no labels.")
        g = torch.Generator().manual_seed(seed)
        labels = data.labels.cpu() if self.n_classes is not None else torch.zeros(len(data), dtype=torch.long)
        self.mu, self.logvar = [], []
        with eval_mode(model):
            for c in range(self.n_classes or 1):
                members = (labels == c).nonzero().squeeze(1)
                if len(members) == 0:
                    raise ValueError(f"The data has no example of class {c}, so the aggregate prior has no "
                                     f"exemplar to sample that class from; use data with every class.")
                idx = members[torch.randperm(len(members), generator=g)[:per_class]].sort().values   # None: all
                mus, logvars = [], []
                for start in range(0, len(idx), batch_size):
                    x, y = data.get(idx[start:start + batch_size].to(labels.device), generator=g)
                    with torch.no_grad():
                        mu, logvar = model.encode(x) if self.n_classes is None else model.encode(x, y)
                    mus.append(mu.cpu())
                    logvars.append(logvar.cpu())
                self.mu.append(torch.cat(mus))
                self.logvar.append(torch.cat(logvars))
                if not (torch.isfinite(self.mu[-1]).all() and torch.isfinite(self.logvar[-1]).all()):
                    raise ValueError(f"The encoder of this {type(model).__name__} gives NaN or infinite codes for the "
                                     f"data's images: its weights are not finite (did its training diverge?); train "
                                     f"it again with a lower learning rate before making its aggregate prior.")
        self.sizes = [len(m) for m in self.mu]

    def __repr__(self) -> str:
        return (f"AggregatePrior({self.latent_dim}-d codes, {sum(self.sizes)} exemplars"
                + (f", {self._per_class()} per class)" if self.n_classes else ")"))

    def _per_class(self) -> str:
        low, high = min(self.sizes), max(self.sizes)
        return f"{low}" if low == high else f"{low}-{high}"

    def _labels(self, y, n: int | None) -> torch.Tensor:
        if self.n_classes is None:
            if y is not None:
                raise ValueError("This aggregate prior belongs to an unconditional VAE: pass no labels (y=None).")
            return torch.zeros(n, dtype=torch.long)
        return check_labels(y, self.n_classes, n).cpu()

    def check_model(self, model) -> None:
        """One sentence if ``model`` is not the model whose encoder made this prior."""
        if model is not self.model:
            raise ValueError(f"This AggregatePrior was made from another model's encoder; its codes mean nothing "
                             f"to this {type(model).__name__}. Make one for it: AggregatePrior(model, data).")

    def sample(self, labels=None, n: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ p(z|y) for each label (``labels`` (N,); an unconditional prior takes ``n`` instead): a uniformly
        chosen exemplar x_k of the label's class, then z = mu_k + sigma_k * eps. Returns (N, latent_dim) on the
        CPU; all randomness from ``generator``. A conditional prior given a number n (as ``labels`` or ``n``)
        draws n codes of the classes in turn (0, 1, ..., n_classes - 1, 0, ...), as `ConditionalVAE.sample` does."""
        generator = as_generator(generator)
        if self.n_classes is None:
            n = sample_count(n if n is not None else labels, "aggregate prior (of a VAE)",
                             "make the prior of a ConditionalVAE to choose the classes")
            y = torch.zeros(n, dtype=torch.long)
        else:
            y = requested_labels(n if labels is None and n is not None else labels, self.n_classes).cpu()
        z = torch.empty(len(y), self.latent_dim)
        pick = torch.rand(len(y), generator=generator)                 # one uniform per sample, in order
        eps = torch.randn(len(y), self.latent_dim, generator=generator)
        for c in range(len(self.mu)):
            rows = (y == c).nonzero().squeeze(1)
            if len(rows):
                k = (pick[rows] * self.sizes[c]).long().clamp(max=self.sizes[c] - 1)
                z[rows] = self.mu[c][k] + (0.5 * self.logvar[c][k]).exp() * eps[rows]
        return z

    def log_prob(self, z: torch.Tensor, y=None, chunk: int = 256) -> torch.Tensor:
        """log p(z|y) = logsumexp_k log N(z; mu_k, diag sigma_k^2) - log K_y, summed over the code's dimensions.
        ``z``: (..., N, latent_dim), ``y``: (N,) labels (None for an unconditional prior); returns (..., N) in
        z's dtype and device. Rows go through in chunks of ``chunk`` (memory: chunk x K x latent_dim)."""
        if not isinstance(z, torch.Tensor) or not z.is_floating_point() or z.dim() < 2 \
                or z.shape[-1] != self.latent_dim:
            got = f"{z.dtype} {tuple(z.shape)}" if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"z must be floating-point codes of shape (..., N, {self.latent_dim}), got {got}.")
        chunk = as_int(chunk, "chunk", minimum=1)
        n = z.shape[-2]
        y = self._labels(y, n).to(z.device)
        y = y.expand(z.shape[:-1]).reshape(-1)
        flat = z.reshape(-1, self.latent_dim)
        out = torch.empty(len(flat), dtype=z.dtype, device=z.device)
        for c in range(len(self.mu)):
            rows = (y == c).nonzero().squeeze(1)
            mu = self.mu[c].to(z)
            inv_var, log_norm = (-self.logvar[c]).exp().to(z), -0.5 * (_LOG_2PI + self.logvar[c]).sum(1).to(z)
            for start in range(0, len(rows), chunk):
                r = rows[start:start + chunk]
                sq = ((flat[r, None, :] - mu).pow(2) * inv_var).sum(-1)          # (rows, K)
                out[r] = torch.logsumexp(log_norm - 0.5 * sq, dim=1) - math.log(self.sizes[c])
        return out.view(z.shape[:-1])
