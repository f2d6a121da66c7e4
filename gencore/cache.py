"""Train once, reuse everywhere: models cached by their configuration, written atomically.

    model = VAE(latent_dim=2)
    history = load_or_train(model, lambda m: fit(m, train, epochs=20),
                            config=dict(name="vae", latent_dim=2, dataset="mnist", epochs=20, seed=0))

The file name is the configuration's hash; the checkpoint also holds the configuration (JSON-normalised)
and a checksum of the weights, both checked when loading. A corrupt or incompatible checkpoint is reported
and retrained, never used. The cache folder must be writable before anything is trained; a model whose
save fails after training is kept in memory and reported as not cached.

A model missing from the cache folder is looked up in the shared folders (``GENCORE_SHARED_MODELS``: models
someone else trained, read only) before it is trained into the cache folder. Every load and every training
is a line of the cache folder's ``cache.log`` (time, loaded or trained, the file, where from or how long).
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

from .checkpoint import normalise, save_checkpoint, weights_checksum
from .config import current
from .data import as_data
from .data.fingerprint import fingerprint
from .distributed import barrier, distributed, is_main_process
from .gan import GAN
from .history import History
from .train import fit, train_gan
from .validate import as_bool, as_dict, as_function, as_int, as_module, as_path, did_you_mean, flags, step_list

__all__ = ["CacheNotWritable", "ConfigDoesNotDescribeModel", "IncompatibleCheckpoint", "check_writable",
           "checkpoint_path", "config_key", "progress_path", "fit_cached", "train_gan_cached", "load_checkpoint",
           "load_or_train", "make_checkpoint"]

FORMAT = 3          # 3: the VAEs draw their noise from the run's seeded generator (a model cached before trains
#                   anew: retraining it would give other weights); 2: JSON-normalised configuration, checksum, data key
STALE_TMP_SECONDS = 300   # a temporary file untouched for this long belongs to a save that was killed


class IncompatibleCheckpoint(RuntimeError):
    pass


class ConfigDoesNotDescribeModel(ValueError):
    """A cached entry under this configuration holds weights of another architecture: the configuration (the
    cache key) leaves out what differs, so two models would keep replacing each other's entry."""

    def __init__(self, file: str, layers: str, what: str = "config", change: str = "put what differs in it (e.g. "
                 "its layer sizes)"):
        self.file, self.layers = file, layers       # layers: "other layer shapes: ..." or "other settings: ..."
        super().__init__(f"The cached model {file} was trained under this same {what}, but for a model of another "
                         f"architecture ({layers}): {what} must describe the model, so "
                         f"{change}, and each model keeps its own entry; or pass retrain=True to replace the cached "
                         f"one.")


class CacheNotWritable(OSError):
    """The model cache folder cannot be written, so a trained model could not be kept."""


def config_key(config: dict) -> str:
    """A stable short hash of the JSON-normalised configuration (key order does not matter)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of the run's settings (e.g. {{'name': 'vae', 'epochs': 30}}), got "
                        f"{type(config).__name__} {config!r:.40}.")
    return hashlib.sha256(json.dumps(normalise(config), sort_keys=True).encode()).hexdigest()[:16]


def checkpoint_path(config: dict, cache_dir: str | Path | None = None) -> Path:
    key = config_key(config)
    name = str(config.get("name", "model")).replace("/", "-").replace(" ", "_")
    return Path(cache_dir or current().cache_dir) / f"{name}-{key}.pt"


def describe_model(model: nn.Module) -> dict:
    """The settings of ``model`` and of its parts that its weights' shapes do not show: each module's class and
    its plain attributes (numbers, strings, flags, tuples), e.g. {"T": 10, "encoder.net.1": "ReLU", ...}."""
    described = {}
    for name, part in model.named_modules():
        described[f"{name or '.'}"] = type(part).__name__
        for key, value in vars(part).items():
            if not key.startswith("_") and key != "training" and isinstance(value, (bool, int, float, str, tuple)):
                described[f"{name}.{key}" if name else key] = list(value) if isinstance(value, tuple) else value
    return described


def make_checkpoint(model_or_state, config: dict, history: History | None = None,
                    described: dict | None = None) -> dict:
    """What the cache stores for a model: its CPU weights, their checksum, the configuration, the history, and
    ``described``, the `describe_model` of the model as it was built (before training; by default as it is now)."""
    if not isinstance(model_or_state, (nn.Module, dict)):
        raise TypeError(f"model_or_state must be a model or its state_dict, got {type(model_or_state).__name__}.")
    as_dict(config, "config", "dict(name='vae', latent_dim=2, epochs=5, seed=0)")
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history must be the History that training returned (or None), got {type(history).__name__}; "
                        f"pass fit(...)'s result, not a dict of lists.")
    state = model_or_state.state_dict() if isinstance(model_or_state, nn.Module) else model_or_state
    state = {k: v.detach().cpu() if isinstance(v, torch.Tensor) else v for k, v in state.items()}
    if described is None and isinstance(model_or_state, nn.Module):
        described = describe_model(model_or_state)
    return {"format": FORMAT, "config": normalise(config), "state_dict": state,
            "checksum": weights_checksum(state), "history": (history or History()).to_dict(), "model": described}


def _remove_stale_temporaries(path: Path) -> None:
    """Delete ``<path name>.*.tmp`` files left by saves that were killed (old enough not to be in progress)."""
    try:
        for tmp in path.parent.iterdir():
            if tmp.name.startswith(path.name + ".") and tmp.name.endswith(".tmp") \
                    and time.time() - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                tmp.unlink()
    except OSError:        # no folder yet, a read-only one, or another process removed the file first
        pass


@contextlib.contextmanager
def _one_trainer(path: Path, verbose: bool):
    """Hold an exclusive lock on ``.locks/<name>.lock`` in ``path``'s folder while its model is trained, so
    that two processes needing the same model (two notebooks, two grading kernels, two test workers) train it
    once: the second waits, then loads what the first saved. Yields whether it had to wait. Without POSIX locks
    (Windows), in a torchrun job (every rank must train together) or when the lock file cannot be made, each
    process trains as before."""
    try:
        import fcntl
    except ImportError:
        fcntl = None
    handle = None
    if fcntl is not None and distributed() is None:
        try:
            (path.parent / ".locks").mkdir(exist_ok=True)
            handle = open(path.parent / ".locks" / f"{path.name}.lock", "a")
        except OSError:
            handle = None
    if handle is None:
        yield False
        return
    with handle:
        waited = False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:                     # another process holds it
            waited = True
            if verbose:
                print(f"Another process is training {path.name}; waiting for it to finish, then loading it.",
                      flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:                             # a file system without locks (some network shares)
            yield False
            return
        try:
            yield waited
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_writable(folder: str | Path) -> None:
    """Create ``folder`` if needed and write a probe file there; raise `CacheNotWritable` if that fails."""
    folder = as_path(folder, "folder", "a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-probe-"):
            pass
    except OSError as e:
        raise CacheNotWritable(f"Trained models cannot be saved in the cache folder {folder} ({e.strerror or e}), "
                               f"which must be writable; set GENCORE_HOME to a writable folder and run "
                               f"gencore.setup() again.") from e


def _log(folder: Path, *fields) -> None:
    """One tab-separated line of ``folder/cache.log``: the time and ``fields`` (what happened, the file, ...).
    A folder that cannot be written (a read-only cache) keeps no log; loading and training go on."""
    if not is_main_process():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "cache.log", "a") as f:
            f.write("\t".join([datetime.now().isoformat(timespec="seconds"), *map(str, fields)]) + "\n")
    except OSError:
        pass


def _load_cached(path: Path, model: nn.Module, config: dict, verbose: bool) -> History | None:
    """The model's weights from the cache folder's ``path``, else from a shared folder's file of that name;
    None when neither holds a usable one (an unusable one is reported, never used)."""
    for found in [path, *(folder / path.name for folder in current().shared_models)]:
        if not found.exists():
            continue
        try:
            history = load_checkpoint(found, model, config)
        except IncompatibleCheckpoint as e:
            print(f"The cached checkpoint {found} is unusable: {e}; it is not used.")
            continue
        model.to(current().device)
        shared = f" from the shared cache {found.parent}" if found != path else ""
        if verbose:
            done = (f"{int(history['train/step'][-1])} steps" if "train/step" in history and len(history)
                    else f"{len(history)} epochs")          # GANs log steps, likelihood models epochs
            print(f"Loaded cached model {path.name} (trained {done}){shared}.")
        _log(path.parent, "loaded", path.name, *([f"from {found.parent}"] if shared else []))
        return history
    return None


def load_checkpoint(path: str | Path, model: nn.Module, config: dict) -> History:
    """Load weights into ``model`` if the file holds exactly this configuration; raise otherwise."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"There is no checkpoint file at {path}; check the path (a checkpoint is written by "
                                f"load_or_train or fit_cached).")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:       # torch's own words (EOFError, "pop from empty list") would not say what happened
        raise IncompatibleCheckpoint("it is damaged or foreign: it cannot be read as a checkpoint (a truncated or "
                                     "overwritten file, or another program's)") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT or "state_dict" not in ckpt:
        raise IncompatibleCheckpoint("it is not a gencore checkpoint of this version")
    stored = ckpt.get("config")
    if not isinstance(stored, dict) or stored != normalise(config):
        raise IncompatibleCheckpoint(f"it was trained with another configuration ({stored})")
    if ckpt.get("checksum") != weights_checksum(ckpt["state_dict"]):
        raise IncompatibleCheckpoint("its weights do not match their checksum (the file is damaged)")
    mine = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in ckpt["state_dict"].items() if isinstance(v, torch.Tensor)}
    differ = [f"{k}: {theirs.get(k, 'absent')} in the file, {mine.get(k, 'absent')} here"
              for k in sorted(set(mine) | set(theirs)) if mine.get(k) != theirs.get(k)]
    if differ:           # the key matched, so the configuration does not say what makes the two models differ
        raise ConfigDoesNotDescribeModel(Path(path).name, "other layer shapes: " + "; ".join(differ[:2])
                                         + ("; ..." if len(differ) > 2 else ""))
    described, mine = ckpt.get("model"), describe_model(model)      # settings that change no shape (DRAW's T, ...)
    differ = [f"{k}: {described[k]!r} in the file, {mine[k]!r} here" for k in sorted(set(mine) & set(
        described if isinstance(described, dict) else {})) if described[k] != mine[k]]
    if differ:
        raise ConfigDoesNotDescribeModel(Path(path).name, "other settings: " + "; ".join(differ[:2])
                                         + ("; ..." if len(differ) > 2 else ""))
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as e:
        raise IncompatibleCheckpoint(f"its weights do not fit this model ({str(e).splitlines()[0]})") from None
    return History(ckpt.get("history") or {})


@flags("verbose")
def load_or_train(model: nn.Module, train: Callable[[nn.Module], History], config: dict,
                  cache_dir: str | Path | None = None, retrain: bool = False,
                  verbose: bool = True) -> History:
    """Load ``model``'s weights for ``config`` from the cache (its folder, then the shared folders), or call
    ``train(model)`` and save them in the cache folder.

    ``train`` must return the `History` of at least one epoch and change ``model``'s weights: None, an empty
    history or weights left as they were (another model trained) raise ValueError and nothing is cached. A dataset
    or a tensor in ``config`` is refused (TypeError): put its fingerprint there. Before training, the cache folder
    is checked for writability (`CacheNotWritable` otherwise); if the save still fails afterwards, the trained
    model stays in ``model``, a message says it was not cached, and the history is returned.
    """
    if not callable(train):
        raise TypeError(f"train must be a function that trains the model and returns its History, e.g. "
                        f"lambda m: fit(m, data, epochs=5); got {type(train).__name__} {train!r:.40}.")
    as_module(model)
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of the settings that make this model (its cache key), e.g. "
                        f"dict(name='vae', latent_dim=2, epochs=5, seed=0); got {type(config).__name__}.")
    retrain, path = as_bool(retrain, "retrain"), checkpoint_path(config, cache_dir)
    _remove_stale_temporaries(path)
    if not retrain:
        history = _load_cached(path, model, config, verbose)
        if history is not None:
            return history
    check_writable(path.parent)
    with _one_trainer(path, verbose) as waited:
        if waited and not retrain:
            history = _load_cached(path, model, config, verbose)
            if history is not None:
                return history
        return _train_and_save(model, train, config, path, verbose)


def _train_and_save(model: nn.Module, train: Callable[[nn.Module], History], config: dict, path: Path,
                    verbose: bool) -> History:
    started, before, described = time.perf_counter(), weights_checksum(model.state_dict()), describe_model(model)
    history = train(model)
    if history is None:
        raise ValueError(f"train(model) returned None, but it must return the training History; return "
                         f"fit(...)'s result (the model {path.name} was not cached).")
    if not isinstance(history, History):
        history = History(getattr(history, "metrics", None) or {})
    if len(history) == 0:
        raise ValueError(f"train(model) returned an empty History (nothing was trained), so there is nothing to "
                         f"cache; train for at least one epoch or step (the model {path.name} was not cached).")
    if weights_checksum(model.state_dict()) == before:
        raise ValueError(f"train(model) did not change the model it was given (its weights are unchanged), so "
                         f"nothing was cached: train the model it passes in, e.g. lambda m: fit(m, data, epochs=5), "
                         f"not another one ({path.name} was not cached).")
    if not is_main_process():               # torchrun: rank 0 writes the cache, the others wait for it
        barrier()
        return history
    try:
        save_checkpoint(make_checkpoint(model, config, history, described), path)
    except OSError as e:
        print(f"The trained model was not cached: saving {path} failed ({type(e).__name__}: {e}); it is kept "
              f"in memory for this session only.")
        barrier()
        return history
    barrier()
    _log(path.parent, "trained", path.name, f"{time.perf_counter() - started:.1f} s")
    if verbose:
        print(f"Saved {path}.")
    return history


@flags("retrain", "verbose", "progress")
def fit_cached(build: Callable[[tuple], nn.Module], train, *, name: str, hyper: dict, epochs: int, test=None,
               lr: float = 1e-3, batch_size: int = 128, seed: int | None = None, dataset: str | None = None,
               subset: int | None = None, retrain: bool = False, verbose: bool = True, progress: bool = True,
               desc: str | None = None, optimizer: Callable[[nn.Module, float], torch.optim.Optimizer] | None = None):
    """``build(in_shape)`` a model, then load it from the cache or train it with `fit` and cache it.

    The key is the whole configuration: name, the model's ``hyper``-parameters, in_shape, data (the
    `fingerprint` of the training data's content), binarize, dataset, subset, epochs, lr, batch_size, quick,
    seed; the same call on the same data in a later notebook loads the same model. ``dataset`` (default: the
    data's name) and ``subset`` (default: its size) are labels only. The weights are initialised and the
    batches shuffled from ``seed`` (default: the configured seed). ``optimizer(model, lr)`` makes the
    optimiser (default: fit's Adam). ``epochs`` must be at least 1 (for an untrained model, call ``build``
    yourself). Returns (model in eval mode, history).
    """
    cfg = current()
    if as_int(epochs, "epochs", minimum=0) == 0:
        raise ValueError(f"epochs=0 trains nothing, so there is no {name!r} to train or cache; pass epochs of at least "
                         f"1 (for an untrained model, build it yourself, e.g. VAE(latent_dim=2)).")
    build = as_function(build, "build", "that builds the model from the data's shape, e.g. lambda in_shape: "
                        "VAE(latent_dim=2, in_shape=in_shape)")
    train = as_data(train, "train")
    label = dataset or getattr(train, "name", "tensor")
    if len(train) == 0:
        raise ValueError(f"The training data {label!r} has no examples, but training {name!r} needs at least "
                         f"one; check the dataset and subset you passed.")
    seed = cfg.seed if seed is None else seed
    in_shape = tuple(train.x.shape[1:])
    config = dict(name=name, **hyper, in_shape=list(in_shape), data=fingerprint(train),
                  binarize=getattr(train, "binarize", None), dataset=label, subset=subset or len(train),
                  epochs=epochs, lr=lr, batch_size=batch_size, quick=cfg.quick, seed=seed)
    torch.manual_seed(seed)
    model = build(in_shape).to(train.x.device)
    partial = progress_path(config)
    if retrain and partial.exists():
        partial.unlink()
    history = load_or_train(
        model, lambda m: fit(m, train, test=test, epochs=epochs, lr=lr, batch_size=batch_size,
                             optimizer=optimizer(m, lr) if optimizer else None, progress=progress,
                             desc=desc or name, resume=partial),
        config=config, retrain=retrain, verbose=verbose)
    if is_main_process() and partial.exists() and checkpoint_path(config).exists():
        partial.unlink()                    # the finished model is cached: the per-epoch progress is not needed
    model.eval()
    return model, history


def progress_path(config: dict, cache_dir: str | Path | None = None) -> Path:
    """Where `fit_cached` keeps the per-epoch checkpoint of a model being trained: an interrupted run (Ctrl-C,
    a kill) resumes from it."""
    path = checkpoint_path(config, cache_dir)
    return path.with_name(path.stem + ".partial")


@flags("retrain", "verbose", "progress")
def train_gan_cached(build, data, *, name: str, hyper: dict, steps: int, snapshots: Sequence[int] = (),
                     n_snapshot: int = 64, seed: int | None = None, retrain: bool = False, verbose: bool = True,
                     progress: bool = True, **train_kw) -> tuple[GAN, History, dict]:
    """``build()`` a `GAN`, then load it from the model cache or `train_gan` it and cache it (snapshots
    included). The key is the whole configuration: name, ``hyper``, the data's fingerprint, steps, the
    snapshot steps and every training option, quick mode and the seed. Returns (gan in eval mode, history,
    snapshots)."""
    cfg = current()
    build = as_function(build, "build", "that builds the GAN, e.g. lambda: toy_gan(hidden=(64, 64))")
    if "resume" in train_kw or "desc" in train_kw:
        raise TypeError(f"{'resume' if 'resume' in train_kw else 'desc'} is not an option of train_gan_cached: it "
                        f"keeps its own progress file in the model cache (an interrupted run resumes when called "
                        f"again) and names the run after name=; leave it out, or call train_gan(..., resume=...).")
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must name the model in the cache, a non-empty string such as 'gan-toy', got {name!r}.")
    _check_training_options(train_kw)
    hyper, data = as_dict(hyper, "hyper", "dict(hidden=(64, 64)), the settings build() uses"), as_data(data, "data")
    seed = cfg.seed if seed is None else as_int(seed, "seed")
    steps = as_int(steps, "steps", minimum=0)
    if steps == 0:
        raise ValueError("steps=0 trains nothing, so there is no GAN to cache; pass steps >= 1 (for an untrained "
                         "GAN, call build() yourself).")
    snap_steps = step_list(snapshots, "snapshots")
    config = dict(name=name, kind="gan", **hyper, data=fingerprint(data), binarize=getattr(data, "binarize", None),
                  steps=steps, snapshots=snap_steps, n_snapshot=n_snapshot, quick=cfg.quick, seed=seed,
                  training={k: (list(v) if isinstance(v, tuple) else v) for k, v in train_kw.items()})
    if train_kw.get("auxiliary"):          # histories cached before the class terms were logged apart: not reused
        config["logged"] = "class terms"
    torch.manual_seed(seed)
    gan = build().to(data.x.device)
    shape = (n_snapshot, *_sample_shape(gan))
    gan.register_buffer("snapshot_samples", torch.zeros(len(snap_steps), *shape))
    partial = progress_path(config)
    if retrain and partial.exists():
        partial.unlink()

    def train(model):
        history, shots = train_gan(model, data, steps=steps, snapshots=snap_steps, n_snapshot=n_snapshot,
                                   seed=seed, progress=progress, desc=name, resume=partial, **train_kw)
        if shots:
            model.snapshot_samples.copy_(torch.stack([shots[s] for s in snap_steps]))
        return history

    try:
        history = load_or_train(gan, train, config, retrain=retrain, verbose=verbose)
    except ConfigDoesNotDescribeModel as e:     # here the key is name and hyper: say what to put where
        raise ConfigDoesNotDescribeModel(e.file, e.layers, "name and hyper", "put what differs from the cached "
                                         "GAN's build() in hyper (e.g. hyper={'hidden': 16})") from None
    if partial.exists() and checkpoint_path(config).exists():
        partial.unlink()                    # the finished model is cached: the progress file is not needed
    gan.eval()
    shots = {s: gan.snapshot_samples[i].cpu() for i, s in enumerate(snap_steps)}
    return gan, history, shots


def _check_training_options(train_kw: dict) -> None:
    """One sentence for an option that train_gan does not take (or that train_gan_cached sets itself), with the
    nearest one it takes: before the configuration's key is made, before anything is built or trained."""
    own = {"gan", "data", "steps", "snapshots", "n_snapshot", "seed", "progress", "resume", "desc"}
    options = [k for k in inspect.signature(train_gan).parameters if k not in own]
    for key in train_kw:
        if key not in options:
            near = did_you_mean(key, options)
            raise TypeError(f"{key} is not an option of train_gan_cached or train_gan"
                            + (f"; did you mean {near}?" if near else f"; they take {', '.join(options)}."))


def _sample_shape(gan: GAN) -> tuple[int, ...]:
    return tuple(gan.sample(1 if not gan.n_classes else torch.zeros(1, dtype=torch.long)).shape[1:])
