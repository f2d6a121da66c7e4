"""Measures of generative models, in one place (the lecture's *Evaluation is really hard!*).

    from gencore.evaluation import sharpness, feature_diversity

Sample quality: `sharpness` (variance of the Laplacian: blur lowers it). Diversity: `feature_diversity`
(mean pairwise distance of the domain classifier's features, within each class: a generator that repeats
itself scores low).
"""
from __future__ import annotations

import torch

from .vae import sharpness

__all__ = ["sharpness", "feature_diversity"]


def _features(features, what: str = "features") -> torch.Tensor:
    f = torch.as_tensor(features)
    if f.dim() != 2 or not f.is_floating_point():
        raise ValueError(f"{what} must be a float tensor (N, F), one feature vector per row; got "
                         f"{tuple(f.shape)} of dtype {f.dtype}.")
    if not torch.isfinite(f).all():
        raise ValueError(f"{what} contain NaN or infinite values; check the images they were computed from.")
    return f.detach().double().cpu()


def feature_diversity(features, labels=None) -> float:
    """Mean pairwise Euclidean distance between feature vectors, E_{i != j} ||f_i - f_j||, within each class
    (``labels`` (N,)) and then averaged over the classes (equal weights); over all rows without labels.
    A collapsed generator (the same image again and again) scores 0; real data sets the scale."""
    f = _features(features)
    if labels is None:
        groups = [f]
    else:
        y = torch.as_tensor(labels).reshape(-1)
        if len(y) != len(f) or y.is_floating_point():
            raise ValueError(f"labels must be integers, one per feature row ({len(f)}), got {tuple(y.shape)} "
                             f"of dtype {y.dtype}.")
        groups = [f[y.cpu() == c] for c in torch.unique(y.cpu())]
    values = []
    for g in groups:
        if len(g) < 2:
            raise ValueError("feature_diversity needs at least 2 samples per class; got a class with "
                             f"{len(g)}.")
        d = torch.cdist(g, g)
        values.append(d.sum() / (len(g) * (len(g) - 1)))
    return float(torch.stack(values).mean())
