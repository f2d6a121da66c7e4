"""Train once, reuse everywhere: models cached by their configuration, written atomically.

    model = VAE(latent_dim=2)
    history = load_or_train(model, lambda m: fit(m, train, epochs=20),
                            config=dict(name="vae", latent_dim=2, dataset="mnist", epochs=20, seed=0))

The file name is the configuration's hash; the configuration is stored inside the checkpoint too and
checked when loading. A corrupt or incompatible checkpoint is reported and retrained, never used.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from .config import current
from .data import as_data
from .train import History, fit

__all__ = ["checkpoint_path", "config_key", "fit_cached", "load_checkpoint", "load_or_train", "save_checkpoint"]

FORMAT = 1


def config_key(config: dict) -> str:
    """A stable short hash of a JSON-serialisable configuration (key order does not matter)."""
    try:
        text = json.dumps(config, sort_keys=True, default=str)
    except TypeError as e:
        raise TypeError(f"The cache configuration must be JSON-serialisable (numbers, strings, lists, dicts): {e}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def checkpoint_path(config: dict, cache_dir: str | Path | None = None) -> Path:
    name = str(config.get("name", "model")).replace("/", "-").replace(" ", "_")
    return Path(cache_dir or current().cache_dir) / f"{name}-{config_key(config)}.pt"


def save_checkpoint(obj, path: str | Path) -> Path:
    """torch.save to a temporary file in the same folder, then an atomic rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


class IncompatibleCheckpoint(RuntimeError):
    pass


def load_checkpoint(path: str | Path, model: nn.Module, config: dict) -> History:
    """Load weights into ``model`` if the file holds exactly this configuration; raise otherwise."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise IncompatibleCheckpoint(f"it cannot be read ({type(e).__name__}: {e})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT or "state_dict" not in ckpt:
        raise IncompatibleCheckpoint("it is not a gencore checkpoint of this version")
    stored = ckpt.get("config")
    if not isinstance(stored, dict) or config_key(stored) != config_key(config):
        raise IncompatibleCheckpoint(f"it was trained with another configuration ({stored})")
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as e:
        raise IncompatibleCheckpoint(f"its weights do not fit this model ({str(e).splitlines()[0]})") from None
    return History(ckpt.get("history") or {})


def load_or_train(model: nn.Module, train: Callable[[nn.Module], History], config: dict,
                  cache_dir: str | Path | None = None, retrain: bool = False,
                  verbose: bool = True) -> History:
    """Load ``model``'s weights for ``config`` from the cache, or call ``train(model)`` and save them."""
    path = checkpoint_path(config, cache_dir)
    if path.exists() and not retrain:
        try:
            history = load_checkpoint(path, model, config)
            model.to(current().device)
            if verbose:
                print(f"Loaded cached model {path.name} (trained {len(history)} epochs).")
            return history
        except IncompatibleCheckpoint as e:
            print(f"The cached checkpoint {path} is unusable: {e}. Retraining it.")
    history = train(model)
    if not isinstance(history, History):
        history = History(getattr(history, "metrics", None) or {})
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    save_checkpoint({"format": FORMAT, "config": config, "state_dict": state,
                     "history": history.to_dict()}, path)
    if verbose:
        print(f"Saved {path}.")
    return history


def fit_cached(build: Callable[[tuple], nn.Module], train, *, name: str, hyper: dict, epochs: int, test=None,
               lr: float = 1e-3, batch_size: int = 128, seed: int | None = None, dataset: str | None = None,
               subset: int | None = None, retrain: bool = False, verbose: bool = True, progress: bool = True,
               desc: str | None = None, optimizer: Callable[[nn.Module, float], torch.optim.Optimizer] | None = None):
    """``build(in_shape)`` a model, then load it from the cache or train it with `fit` and cache it.

    The key is the whole configuration: name, the model's ``hyper``-parameters, in_shape, dataset, subset,
    binarize, epochs, lr, batch_size, quick, seed; the same call in a later notebook loads the same model.
    ``dataset`` defaults to the training data's name, ``subset`` to its size. The weights are initialised
    and the batches shuffled from ``seed`` (default: the configured seed). ``optimizer(model, lr)`` makes the
    optimiser (default: fit's Adam). Returns (model in eval mode, history).
    """
    cfg = current()
    train = as_data(train)
    seed = cfg.seed if seed is None else seed
    in_shape = tuple(train.x.shape[1:])
    config = dict(name=name, **hyper, in_shape=list(in_shape),
                  dataset=dataset or getattr(train, "name", "tensor"), subset=subset or len(train),
                  binarize=getattr(train, "binarize", None),
                  epochs=epochs, lr=lr, batch_size=batch_size, quick=cfg.quick, seed=seed)
    torch.manual_seed(seed)
    model = build(in_shape).to(train.x.device)
    history = load_or_train(
        model, lambda m: fit(m, train, test=test, epochs=epochs, lr=lr, batch_size=batch_size,
                             optimizer=optimizer(m, lr) if optimizer else None, progress=progress,
                             desc=desc or name),
        config=config, retrain=retrain, verbose=verbose)
    model.eval()
    return model, history
