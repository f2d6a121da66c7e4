"""A short hash of a dataset's content, so that a cache can tell two datasets apart by what they hold.

    fingerprint(load_dataset("sprites", subset=1000, seed=0))   # '3f0c...' (32 hex digits)

Two datasets have the same fingerprint when their examples (and labels, if any) have the same dtype,
shape and bytes, whatever their name, device or memory layout.
"""
from __future__ import annotations

import hashlib

import torch

from ..checkpoint import hash_tensor

__all__ = ["fingerprint"]


def fingerprint(data) -> str:
    """A 128-bit hex hash of ``data.x`` and ``data.labels`` (when present), or of a plain tensor.

    blake2b over the raw bytes: about 0.05 s for 60,000 28x28 uint8 images.
    """
    h = hashlib.blake2b(digest_size=16)
    if not isinstance(getattr(data, "x", data), torch.Tensor):
        raise TypeError(f"data must be a dataset (TensorData, load_dataset(...)) or a tensor, got "
                        f"{type(data).__name__}; pass e.g. torch.as_tensor(data).")
    hash_tensor(h, getattr(data, "x", data))
    labels = getattr(data, "labels", None)
    h.update(b"labels" if labels is not None else b"no labels")
    if labels is not None:
        hash_tensor(h, labels)
    return h.hexdigest()
