"""Measures of generative models, in one place (the lecture's *Evaluation is really hard!*).

Likelihood (models with a density or a bound):
    log_likelihood(model, data, k)       IWAE estimate of log p(x) (VAE, cVAE: log p(x|y), DRAW), nats
    bits_per_dim(nats, dims)             -log p(x) / (D log 2)
    parzen_log_likelihood(samples, x, sigma), parzen_bandwidth(samples, valid)   Goodfellow et al. (2014)

Samples, through a feature extractor (the domain classifier's penultimate features):
    frechet_gaussian(mu1, cov1, mu2, cov2)   ||mu1 - mu2||^2 + tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2)
    frechet_distance(real_f, fake_f)         the same for the two feature sets' Gaussians (FID-style)
    kernel_distance(real_f, fake_f)          KID: unbiased MMD^2, cubic polynomial kernel, over subsets
    inception_score(probs)                   exp E_x KL(p(y|x) || p(y)), from class probabilities
    precision_recall(real_f, fake_f)         k-NN manifolds (Kynkaanniemi et al., 2019)
    density_coverage(real_f, fake_f)         (Naeem et al., 2020)
    nearest_neighbours(queries, reference)   memorisation: the closest training examples
    two_sample_accuracy(real_f, fake_f)      a classifier's held-out accuracy at telling them apart (0.5: it can't)

    dataset_elbo(model, data)            the ELBO of every example: reconstruction and KL

Pictures: `sharpness` (variance of the Laplacian), `feature_diversity` (mean pairwise feature distance).
Toy distributions of known modes (notebook 06): `mode_metrics` (modes covered, good samples), `entropy_of_counts`.
All feature-based measures compute in float64 on the CPU.
"""
from __future__ import annotations

import inspect
import math
import warnings

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import validate
from .blocks import eval_mode
from .classifier import class_probabilities, extract_features
from .data import TensorData, as_data
from .labels import one_hot_hint
from .validate import as_features, as_float, as_generator, as_images, as_int, as_positive, check_range, same_width

__all__ = ["log_likelihood", "dataset_elbo", "bits_per_dim", "sharpness", "mode_metrics", "entropy_of_counts",
           "feature_diversity", "frechet_gaussian", "frechet_distance", "kernel_distance", "inception_score",
           "precision_recall", "density_coverage", "nearest_neighbours", "two_sample_accuracy", "sample_report",
           "parzen_log_likelihood", "parzen_bandwidth", "gaussian_stats"]

F64 = torch.float64


# ------------------------------------------------------------------------------------------ likelihood
def _batches(data, batch_size: int, doing: str, model):
    return as_data(data, "data", nonempty=doing, model=model).batches(batch_size, shuffle=False)


def _device_of(model) -> torch.device:
    param = next(iter(model.parameters()), None) if isinstance(model, nn.Module) else None
    return param.device if param is not None else torch.device("cpu")


@torch.no_grad()
@validate.flags("progress")
def log_likelihood(model, data, k: int = 1000, batch_size: int = 100, chunk_rows: int = 2048,
                   generator: torch.Generator | None = None, progress: bool = True, prior=None) -> torch.Tensor:
    """Per-example IWAE estimates of log p(x) (nats), shape (N,), with k importance samples from q(z|x):

        log p(x) >= L_k = log 1/k sum_{i=1..k} p(x, z_i) / q(z_i|x),   z_i ~ q(z|x)

    L_1 is a one-sample ELBO; L_k increases with k towards log p(x) (Burda et al., 2016).

    One evaluation for every latent-variable model (VAE, ConditionalVAE, DRAW...). The protocol: the model
    implements

        log_weights(self, x, y, k, *, generator=None, chunk_rows=2048) -> Tensor (k, n)

    returning log w_i = log p(x, z_i) - log q(z_i | x) for k samples z_i ~ q(z|x) of each of the n examples
    of the batch x, without gradients; y holds the batch's labels (None for unlabelled data: conditional
    models use them, others ignore them); all randomness comes from ``generator``; ``chunk_rows`` bounds
    the rows pushed through the decoder at once and must not change the result. For sequential latents
    (DRAW) log p and log q are summed over the steps. This function loops over the (x, y) batches of
    ``batch_size`` examples in order (x on the model's device), calls ``model.log_weights`` and returns
    logsumexp_i(log w_i) - log k per example, on the CPU, in eval mode. Deterministic given ``generator``.
    ``prior``: a VAE's `gencore.aggregate_prior.AggregatePrior` in place of N(0, I) (the bound of that model).
    """
    if not callable(getattr(model, "log_weights", None)):
        raise TypeError(f"log_likelihood needs a latent-variable model with a method log_weights(x, y, k, *, "
                        f"generator=None, chunk_rows=2048) returning the (k, n) importance log-weights, and "
                        f"{type(model).__name__} has none" + ("; a GAN has no likelihood to bound: estimate one from "
                        "its samples with parzen_log_likelihood(samples, x, sigma) (notebook 08)."
                        if hasattr(model, "discriminator") else "."))
    k, generator = as_int(k, "k", minimum=1), as_generator(generator)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    chunk_rows = as_int(chunk_rows, "chunk_rows", minimum=1)
    extra = {} if prior is None else {"prior": prior}          # the model's log_weights checks it
    if extra and not {"prior", "kwargs"} & set(inspect.signature(model.log_weights).parameters):
        raise TypeError(f"prior is for a VAE's aggregate prior (an AggregatePrior of that VAE); "
                        f"{type(model).__name__} takes none: leave prior out.")
    device = _device_of(model)
    out = []
    bar = tqdm(_batches(data, batch_size, "estimate", model), desc=f"IWAE k={k}", unit="batch", disable=not progress,
               leave=False)
    with eval_mode(model):
        for x, y in bar:
            log_w = model.log_weights(x.to(device), y, k, generator=generator, chunk_rows=chunk_rows, **extra)
            if not isinstance(log_w, torch.Tensor) or tuple(log_w.shape) != (k, len(x)):
                got = tuple(log_w.shape) if isinstance(log_w, torch.Tensor) else type(log_w).__name__
                raise ValueError(f"{type(model).__name__}.log_weights(x, y, k={k}) must return the log-weights "
                                 f"as a tensor of shape (k, n) = ({k}, {len(x)}), got {got}.")
            out.append((torch.logsumexp(log_w, dim=0) - math.log(k)).cpu())
    return torch.cat(out) if out else torch.zeros(0)


@torch.no_grad()
def dataset_elbo(model, data, batch_size: int = 1000, n_samples: int = 1,
                 generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The ELBO of every example, with the KL in closed form and E_q[log p(x|z)] from ``n_samples`` draws:

        ELBO(x) = 1/S sum_s log p(x|z_s) - KL(q(z|x) || N(0, I))

    Returns per-example tensors (N,): {"elbo", "rec" (= -E_q log p(x|z)), "kl"}; average them for the
    dataset's numbers (nats per image). The model provides ``per_example_elbo(x, y, n_samples, generator=...)``
    -> {"rec", "kl"} per example (the VAE and the ConditionalVAE do; labels y go to conditional models).
    """
    if not callable(getattr(model, "per_example_elbo", None)):
        raise TypeError(f"dataset_elbo needs a model with a method per_example_elbo(x, y, n_samples, *, "
                        f"generator=None) returning per-example 'rec' and 'kl', and {type(model).__name__} has none.")
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    n_samples, generator = as_int(n_samples, "n_samples", minimum=1), as_generator(generator)
    device = _device_of(model)
    recs, kls = [], []
    with eval_mode(model):
        for x, y in _batches(data, batch_size, "evaluate", model):
            terms = model.per_example_elbo(x.to(device), y, n_samples, generator=generator)
            recs.append(terms["rec"].cpu())
            kls.append(terms["kl"].cpu())
    rec, kl = (torch.cat(recs), torch.cat(kls)) if recs else (torch.zeros(0), torch.zeros(0))
    return {"elbo": -(rec + kl), "rec": rec, "kl": kl}


# ------------------------------------------------------------------------------------------ input checks
def _pair(real, fake) -> tuple[torch.Tensor, torch.Tensor]:
    r, f = as_features(real, "real features"), as_features(fake, "generated features")
    if r.shape[1] != f.shape[1]:
        raise ValueError(f"The real and generated features must have the same width; got {r.shape[1]} and "
                         f"{f.shape[1]}. Extract both with the same model.")
    return r, f


def bits_per_dim(nats, dims: int):
    """-log p(x) in bits per dimension: nats / (D log 2). ``nats`` is a log-likelihood (negative) or a
    negative log-likelihood; either way the result is the positive cost."""
    if isinstance(dims, (tuple, list, torch.Size)):
        raise TypeError(f"dims is the number of values per example, a whole number, got the shape {tuple(dims)}; pass "
                        f"math.prod(shape) = {math.prod(dims)} for examples of that shape.")
    dims = as_int(dims, "dims", minimum=1)
    value = torch.as_tensor(nats, dtype=F64).abs() / (dims * math.log(2))
    return value.item() if value.dim() == 0 else value


def _flat(x, what: str) -> torch.Tensor:
    """Examples (N, ...) (a tensor, an array or a dataset; uint8: images 0..255) as flat float64 rows (N, D)."""
    x = torch.as_tensor(x.x if isinstance(x, TensorData) else x)
    return as_features(x.flatten(1) if x.dim() > 2 else x, what)


def _parzen_sq_dists(samples, x) -> tuple[torch.Tensor, int, int]:
    s, q = _flat(samples, "samples"), _flat(x, "evaluation points")
    if s.shape[1] != q.shape[1]:
        raise ValueError(f"samples have {s.shape[1]} dimensions but the evaluation points {q.shape[1]}.")
    return torch.cat([_sq_dist(chunk, s) for chunk in q.split(256)]), len(s), s.shape[1]


def _parzen_from(sq: torch.Tensor, m: int, d: int, sigma: float) -> torch.Tensor:
    return torch.logsumexp(-sq / (2 * sigma ** 2), 1) - math.log(m) - 0.5 * d * math.log(2 * math.pi * sigma ** 2)


def parzen_log_likelihood(samples, x, sigma: float) -> torch.Tensor:
    """log p(x) under a Parzen window (isotropic Gaussian kernel density) on the model's ``samples`` (M, D):

        p(x) = 1/M sum_j N(x; s_j, sigma^2 I),
        log p(x) = logsumexp_j(-||x - s_j||^2 / (2 sigma^2)) - log M - D/2 log(2 pi sigma^2)

    Returns (N,) in nats, float64. Images are flattened."""
    if (sigma := as_float(sigma, "sigma", minimum=0)) <= 0:
        raise ValueError("sigma (the Parzen bandwidth) must be positive.")
    sq, m, d = _parzen_sq_dists(samples, x)
    return _parzen_from(sq, m, d, sigma)


def parzen_bandwidth(samples, valid, sigmas=None) -> tuple[float, torch.Tensor]:
    """Goodfellow et al. (2014)'s protocol: the bandwidth sigma whose Parzen window on ``samples`` gives the
    highest mean log-likelihood of the validation set ``valid``. Returns (best sigma, the mean
    log-likelihood of each candidate). Default candidates: 20 values log-spaced in [0.01, 1] (pixels in
    [0, 1]). The distances are computed once for all candidates."""
    sigmas = torch.logspace(-2, 0, 20, dtype=F64) if sigmas is None else torch.as_tensor(sigmas, dtype=F64).reshape(-1)
    if len(sigmas) == 0 or not (sigmas > 0).all():
        raise ValueError("sigmas must be a non-empty list of positive bandwidths.")
    sq, m, d = _parzen_sq_dists(samples, valid)
    scores = torch.stack([_parzen_from(sq, m, d, float(s)).mean() for s in sigmas])
    return float(sigmas[scores.argmax()]), scores


# ------------------------------------------------------------------------------------------ Fréchet distance
def sqrtm_psd(c: torch.Tensor) -> torch.Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0)."""
    w, v = torch.linalg.eigh((c + c.T) / 2)
    return (v * w.clamp_min(0).sqrt()) @ v.T


def gaussian_stats(features) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean (F,) and the unbiased covariance (F, F) of features (N, F), in float64."""
    f = as_features(features)
    if len(f) < 2:
        raise ValueError("A covariance needs at least 2 feature vectors.")
    return f.mean(0), torch.cov(f.T).reshape(f.shape[1], f.shape[1])


def frechet_gaussian(mu1, cov1, mu2, cov2) -> float:
    """The Fréchet (2-Wasserstein squared) distance between N(mu1, C1) and N(mu2, C2):

        d^2 = ||mu1 - mu2||^2 + tr(C1) + tr(C2) - 2 tr((C1^1/2 C2 C1^1/2)^1/2)

    computed in float64 with symmetric eigendecompositions (C1^1/2 C2 C1^1/2 is symmetric PSD), so it is
    never NaN and never negative beyond float error, even for singular covariances."""
    mu1, mu2 = (torch.as_tensor(m, dtype=F64).reshape(-1) for m in (mu1, mu2))
    c1, c2 = (torch.as_tensor(c, dtype=F64) for c in (cov1, cov2))
    d = len(mu1)
    if len(mu2) != d:
        raise ValueError(f"mu1 has {d} entries but mu2 {len(mu2)}; both Gaussians must live in the same space.")
    for name, c in (("cov1", c1), ("cov2", c2)):
        if c.shape != (d, d):
            raise ValueError(f"{name} must be ({d}, {d}) for means of {d} entries, got {tuple(c.shape)}.")
    if not all(torch.isfinite(t).all() for t in (mu1, mu2, c1, c2)):
        raise ValueError("The means and covariances must be finite.")
    s1 = sqrtm_psd(c1)
    cross = torch.linalg.eigvalsh(s1 @ c2 @ s1).clamp_min(0).sqrt().sum()
    value = (mu1 - mu2).pow(2).sum() + torch.trace(c1) + torch.trace(c2) - 2 * cross
    return float(value.clamp_min(0))


def frechet_distance(real_features, fake_features) -> float:
    """FID-style: the Fréchet distance between Gaussians fitted to two feature sets (N, F) and (M, F). With
    fewer samples than feature dimensions the covariances are singular and the estimate is strongly biased:
    a warning says so."""
    r, f = _pair(real_features, fake_features)
    n = min(len(r), len(f))
    if n <= r.shape[1]:
        warnings.warn(f"frechet_distance: {n} samples for {r.shape[1]} feature dimensions; the covariance "
                      f"estimates are singular and the distance is strongly biased. Use more samples than "
                      f"dimensions (10,000 is usual).", stacklevel=2)
    return frechet_gaussian(*gaussian_stats(r), *gaussian_stats(f))


# ------------------------------------------------------------------------------------------ KID
def _poly_kernel(a: torch.Tensor, b: torch.Tensor, degree: int, gamma: float, coef: float) -> torch.Tensor:
    return (gamma * a @ b.T + coef) ** degree


def kernel_distance(real_features, fake_features, subsets: int = 100, subset_size: int = 1000, degree: int = 3,
                    gamma: float | None = None, coef: float = 1.0, seed: int = 0) -> tuple[float, float]:
    """KID (Binkowski et al., 2018): the unbiased estimate of MMD^2 with the kernel k(a, b) = (gamma a.b + coef)^degree
    (default gamma = 1/F), on ``subsets`` random subsets of ``subset_size`` of each set; returns (mean, std)
    over the subsets. Unbiased: it can be slightly negative when the two sets come from one distribution."""
    r, f = _pair(real_features, fake_features)
    subsets, degree = as_int(subsets, "subsets", minimum=1), as_int(degree, "degree", minimum=1)
    m = as_int(subset_size, "subset_size", minimum=2)
    if m > min(len(r), len(f)):
        raise ValueError(f"subset_size={m} is larger than the smaller feature set ({min(len(r), len(f))}); "
                         f"pass subset_size <= that.")
    gamma = 1.0 / r.shape[1] if gamma is None else as_float(gamma, "gamma", minimum=0)
    g = torch.Generator().manual_seed(as_int(seed, "seed"))
    values = []
    for _ in range(subsets):
        a = r[torch.randperm(len(r), generator=g)[:m]]
        b = f[torch.randperm(len(f), generator=g)[:m]]
        kaa, kbb, kab = (_poly_kernel(u, v, degree, gamma, coef) for u, v in ((a, a), (b, b), (a, b)))
        off = m * (m - 1)
        values.append((kaa.sum() - kaa.diagonal().sum()) / off + (kbb.sum() - kbb.diagonal().sum()) / off
                      - 2 * kab.mean())
    v = torch.stack(values)
    return float(v.mean()), float(v.std(unbiased=False)) if len(v) > 1 else 0.0


# ------------------------------------------------------------------------------------------ Inception Score
def inception_score(probs, splits: int = 1) -> tuple[float, float]:
    """IS = exp(E_x KL(p(y|x) || p(y))), p(y) = E_x p(y|x), from the classifier's class probabilities (N, K)
    of generated images. High when each image is confidently one class AND the classes are balanced; at
    most K. ``splits`` > 1: the score on that many disjoint parts, (mean, std) as Salimans et al. (2016)."""
    p = as_features(probs, "class probabilities")
    if (p < 0).any() or not torch.allclose(p.sum(1), torch.ones(len(p), dtype=F64), atol=1e-4):
        raise ValueError("inception_score needs probabilities: non-negative rows that sum to 1 (apply softmax "
                         "to logits first, e.g. gencore.classifier.class_probabilities).")
    splits = as_int(splits, "splits", minimum=1)
    if splits > len(p):
        raise ValueError(f"splits={splits} is more than the {len(p)} images.")
    scores = []
    for part in p.chunk(splits):
        marginal = part.mean(0, keepdim=True)
        kl = torch.xlogy(part, part) - torch.xlogy(part, marginal.expand_as(part))
        scores.append(kl.sum(1).mean().exp())
    s = torch.stack(scores)
    return float(s.mean()), float(s.std(unbiased=False)) if len(s) > 1 else 0.0


# ------------------------------------------------------------------------------------------ k-NN measures
def _sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1) - 2 * a @ b.T).clamp_min(0)


def nearest_neighbours(queries, reference, k: int = 1, batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` nearest rows of ``reference`` (M, ...) to each query (N, ...), Euclidean (images are
    flattened): (distances (N, k), indices (N, k)), nearest first. Memorisation check: a generated sample
    whose nearest training image is (almost) itself was copied."""
    q, r = _flat(queries, "queries"), _flat(reference, "reference")
    same_width(q, r, "queries", "the reference")
    k = as_int(k, "k", minimum=1, maximum=len(r))
    size = as_int(batch_size, "batch_size", minimum=1)
    found = [_sq_dist(chunk, r).topk(k, dim=1, largest=False) for chunk in q.split(size)]
    return torch.cat([d.sqrt() for d, _ in found]), torch.cat([i for _, i in found])


def _kth_radius(x: torch.Tensor, k: int, batch_size: int = 1024) -> torch.Tensor:
    """The distance of each row to its k-th nearest OTHER row (itself excluded)."""
    if k >= len(x):
        raise ValueError(f"k={k} needs more than {k} feature vectors in each set, got {len(x)}.")
    out = [_sq_dist(chunk, x).topk(k + 1, dim=1, largest=False).values[:, k] for chunk in x.split(batch_size)]
    return torch.cat(out).sqrt()


def precision_recall(real_features, fake_features, k: int = 3) -> dict:
    """Improved precision and recall (Kynkaanniemi et al., 2019). Each set's manifold is the union of balls
    around its points, of radius the distance to the point's k-th nearest neighbour in the same set.
    precision = share of generated samples inside the real manifold (quality);
    recall = share of real samples inside the generated manifold (coverage of the data)."""
    r, f = _pair(real_features, fake_features)
    k = as_int(k, "k", minimum=1)
    precision = _count_inside(f, r, _kth_radius(r, k)) / len(f)
    recall = _count_inside(r, f, _kth_radius(f, k)) / len(r)
    return {"precision": precision, "recall": recall}


def _count_inside(points, centers, radii, batch_size: int = 1024) -> float:
    return float(sum((_sq_dist(c, centers) <= radii.pow(2)).any(1).sum() for c in points.split(batch_size)))


def density_coverage(real_features, fake_features, k: int = 5) -> dict:
    """Density and coverage (Naeem et al., 2020), with balls of radius NND_k around the REAL points only:

        density  = 1/(k M) sum_j sum_i 1[Y_j in B(X_i, NND_k(X_i))]   (about 1 when the sets match; > 1 when
                   the samples crowd dense regions)
        coverage = 1/N sum_i 1[exists j: Y_j in B(X_i, NND_k(X_i))]   (share of real balls with a sample)"""
    r, f = _pair(real_features, fake_features)
    k = as_int(k, "k", minimum=1)
    radii = _kth_radius(r, k)
    counts = torch.zeros(len(r), dtype=F64)
    for chunk in f.split(1024):
        counts += (_sq_dist(chunk, r) <= radii.pow(2)).sum(0)
    return {"density": float(counts.sum() / (k * len(f))), "coverage": float((counts > 0).double().mean())}


def two_sample_accuracy(real_features, fake_features, seed: int = 0, l2: float = 1e-3) -> float:
    """The classifier two-sample test (Lopez-Paz & Oquab, 2017), the machine's *real vs fake*: a logistic
    regression on standardised features, trained on a random half of each set (equal numbers of real and
    generated rows), and its accuracy on the other half. 0.5 = it cannot tell them apart; 1.0 = every
    sample is recognisably generated."""
    r, f = _pair(real_features, fake_features)
    n = min(len(r), len(f))
    if n < 4:
        raise ValueError(f"two_sample_accuracy needs at least 4 rows in each set, got {len(r)} and {len(f)}.")
    g = torch.Generator().manual_seed(as_int(seed, "seed"))
    r, f = r[torch.randperm(len(r), generator=g)[:n]], f[torch.randperm(len(f), generator=g)[:n]]
    half = n // 2
    x_train, x_test = torch.cat([r[:half], f[:half]]), torch.cat([r[half:], f[half:]])
    y_train, y_test = (torch.cat([torch.ones(m, dtype=F64), torch.zeros(m, dtype=F64)]) for m in (half, n - half))
    mean, std = x_train.mean(0), x_train.std(0).clamp_min(1e-8)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    w = torch.zeros(x_train.shape[1], dtype=F64, requires_grad=True)
    b = torch.zeros((), dtype=F64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")
    l2 = as_float(l2, "l2", minimum=0)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x_train @ w + b, y_train) + l2 * w.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    with torch.no_grad():
        return float(((x_test @ w + b > 0).double() == y_test).double().mean())


def sample_report(classifier, real_images, fake_images, kid_subsets: int = 100, seed: int = 0) -> dict:
    """Every sample-based measure of notebook 08 for generated images against real ones, through the domain
    classifier's features: {"FD", "KID", "KID_std", "IS", "precision", "recall", "density", "coverage",
    "C2ST", "sharpness", "real_sharpness"}."""
    shape = getattr(classifier, "in_shape", (1, 28, 28))
    real_images, fake_images = (as_images(x, name, shape, "sample_report") if not isinstance(x, TensorData) else x
                                for x, name in ((real_images, "real_images"), (fake_images, "fake_images")))
    f_real = extract_features(classifier, real_images).double()
    f_fake = extract_features(classifier, fake_images).double()
    kid, kid_std = kernel_distance(f_real, f_fake, subsets=kid_subsets,
                                   subset_size=min(1000, len(f_real), len(f_fake)), seed=seed)
    return {"FD": frechet_distance(f_real, f_fake), "KID": kid, "KID_std": kid_std,
            "IS": inception_score(class_probabilities(classifier, fake_images))[0],
            **precision_recall(f_real, f_fake), **density_coverage(f_real, f_fake),
            "C2ST": two_sample_accuracy(f_real, f_fake, seed=seed),
            "sharpness": sharpness(fake_images).mean().item(), "real_sharpness": sharpness(real_images).mean().item()}


# ------------------------------------------------------------------------------------------ pictures
def feature_diversity(features, labels=None) -> float:
    """Mean pairwise Euclidean distance between feature vectors, E_{i != j} ||f_i - f_j||, within each class
    (``labels`` (N,)) and then averaged over the classes (equal weights); over all rows without labels.
    A collapsed generator (the same image again and again) scores 0; real data sets the scale."""
    f = as_features(features)
    if labels is None:
        groups = [f]
    else:
        y = torch.as_tensor(labels)
        y = y.reshape(-1) if y.dim() == 2 and y.shape[1] == 1 else y         # a column (N, 1) is one label per row
        if y.dim() != 1 or len(y) != len(f) or y.is_floating_point():
            raise ValueError(f"labels must be integers, one per feature row ({len(f)}), got {tuple(y.shape)} of dtype "
                             f"{y.dtype}{one_hot_hint(y, 'labels')}.")
        groups = [f[y.cpu() == c] for c in torch.unique(y.cpu())]
    values = []
    for g in groups:
        if len(g) < 2:
            raise ValueError("feature_diversity needs at least 2 samples per class; got a class with "
                             f"{len(g)}.")
        d = torch.cdist(g, g)
        values.append(d.sum() / (len(g) * (len(g) - 1)))
    return float(torch.stack(values).mean())


# ------------------------------------------------------------------------------------------ pictures
def sharpness(images: torch.Tensor) -> torch.Tensor:
    """Variance of the Laplacian per image, (N, [C,] H, W) -> (N,): a standard blur measure.

        L = x * [[0, 1, 0], [1, -4, 1], [0, 1, 0]]   (valid 2-D convolution),  sharpness = Var_pixels(L)
    Sharp edges give large second derivatives; a blurry image (a smoothed one) gives a small variance."""
    x = validate.as_tensor(images, "images", "images (N, C, H, W)").detach().cpu()     # a dataset: told its images
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()        # uint8: images 0..255, as everywhere
    if x.dim() == 4 and x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        raise ValueError(f"images must be (N, C, H, W) or (N, H, W), got {tuple(x.shape)}: the channels come last; "
                         f"move them first with images.permute(0, 3, 1, 2).")
    if x.dim() not in (3, 4):       # (28, 28): one image, or flat rows; conv2d would say "Expected 3D or 4D"
        raise ValueError(f"images must be a batch (N, C, H, W) or (N, H, W), got shape {tuple(x.shape)}: for one "
                         f"image pass images[None, None] (N = 1); flat rows (N, H*W) reshape to (N, 1, 28, 28).")
    check_range(x, "images", (0.0, 1.0), "sharpness")
    if x.dim() == 3:
        x = x.unsqueeze(1)
    x = x.mean(1, keepdim=True)
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
    return F.conv2d(x, kernel).flatten(1).var(1)


# ------------------------------------------------------------------------------------------ toy distributions
def mode_metrics(samples: torch.Tensor, centers: torch.Tensor, std: float, min_count: int = 20) -> dict:
    """The toy benchmarks' protocol (Srivastava et al., 2017): a sample is *high quality* when it lies within
    3 std of its nearest mode's centre; a mode is *covered* when at least ``min_count`` high-quality samples
    fall in it. Returns {"modes": covered count, "high_quality": share of high-quality samples,
    "per_mode": high-quality count per mode (n_modes,)}."""
    given, centers = centers, torch.as_tensor(centers, dtype=torch.float32)
    if centers.dim() != 2:
        k = int(centers.item()) if centers.dim() == 0 else 8
        raise TypeError(f"centers must be the modes' centres, a tensor (K, D), got {given!r:.40}; pass e.g. "
                        f"gencore.data.toy.ring_centers({k}) for a ring of {k} modes.")
    if isinstance(samples, (dict, nn.Module)):
        fix = (f"one of its {len(samples)} entries, e.g. snaps[step]" if isinstance(samples, dict) else
               f"its samples, e.g. {'gan' if hasattr(samples, 'discriminator') else 'model'}.sample(1000)")
        raise TypeError(f"samples must be points (N, D), got a {type(samples).__name__}; pass {fix}.")
    samples = torch.as_tensor(samples, dtype=torch.float32)
    if samples.dim() == 0 or len(samples) == 0:
        raise ValueError(f"samples holds no samples (shape {tuple(samples.shape)}); mode_metrics needs at least one: "
                         f"draw some from the generator.")
    samples = samples.reshape(len(samples), -1)
    std = as_positive(std, "std")
    min_count = as_int(min_count, "min_count", minimum=1)
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples have {samples.shape[1]} dimensions but the centres {centers.shape[1]}: samples "
                         f"must be points (N, {centers.shape[1]}) like centers {tuple(centers.shape)}, got "
                         f"{tuple(samples.shape)}; pass samples in the centres' space.")
    dist = torch.cdist(samples, centers)
    nearest_dist, nearest = dist.min(1)
    good = torch.isfinite(nearest_dist) & (nearest_dist <= 3 * std)
    per_mode = torch.bincount(nearest[good], minlength=len(centers))
    return {"modes": int((per_mode >= min_count).sum()), "high_quality": good.float().mean().item(),
            "per_mode": per_mode}


def entropy_of_counts(counts: torch.Tensor) -> float:
    """The entropy (nats) of the histogram ``counts``: log(#bins) when uniform, 0 when all in one bin."""
    p = torch.as_tensor(counts, dtype=torch.float64)
    if p.numel() == 0 or not torch.isfinite(p).all() or (p < 0).any() or p.sum() == 0:
        raise ValueError(f"counts must be a histogram of non-negative finite counts with a positive total, got a "
                         f"total of {p.sum().item():g} over {p.numel()} bins; an all-zero histogram (no sample in any "
                         f"bin, e.g. no high-quality sample) has no entropy: report that instead.")
    p = p / p.sum()
    return float(-(p[p > 0] * p[p > 0].log()).sum())
