"""Files that hold training state: written atomically, checked when read, and one mechanism for the progress
of a run (`fit` and `train_gan` save it and resume from it).

    save_checkpoint(obj, path)                 # a temporary file, then an atomic rename: never half-written
    weights_checksum(model.state_dict())       # blake2b over every entry's name, dtype, shape and bytes
    save_progress(path, run, done, state)      # the run's configuration beside its state
    progress = load_progress(path, run, what="VAE")   # None, or {"done": ..., "state": ...} of this very run

A progress file records the configuration of its run (``run``: the seed, the hyper-parameters, the shapes of
every weight, the model's settings and layers (`model_settings`), the data's fingerprint). It is used only when
the new run's configuration is the same, and this is checked before anything is copied from it: a resumed run
never mixes two runs. A leaf module: it imports nothing of gencore.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["hash_tensor", "load_progress", "model_settings", "normalise", "optimizer_settings", "restore_states",
           "save_checkpoint", "save_progress", "saved_seed", "state_shapes", "weights_checksum"]

PROGRESS_FORMAT = "gencore-progress-4"      # 2: the run's configuration is recorded and checked; 3: with the model's
#   settings (beta, likelihood...) and the test data; 4: with its layers, activations and fixed obs_std (a file of 3
#   is reported unusable and the run starts over: it cannot show that its activations were the same)


def hash_tensor(h, tensor: torch.Tensor) -> None:
    """Feed a tensor's dtype, shape and bytes (in row-major order, on the CPU) into the hash object ``h``."""
    t = tensor.detach().cpu().contiguous()
    h.update(f"{t.dtype}{tuple(t.shape)};".encode())
    # Reinterpreting the bytes as uint8 (no copy) works for every dtype, bool and bfloat16 included.
    h.update(memoryview(t.reshape(-1).view(torch.uint8).numpy()))


def weights_checksum(state_dict: dict) -> str:
    """A hash of every entry of a state_dict (name, dtype, shape, bytes), in sorted key order."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(state_dict):
        h.update(name.encode())
        value = state_dict[name]
        if isinstance(value, torch.Tensor):
            hash_tensor(h, value)
        else:
            h.update(repr(value).encode())
    return h.hexdigest()


class _TensorInConfig(Exception):
    pass


def _is_dataset(value) -> bool:
    """A gencore dataset (anything with batches() and a tensor of examples x), told apart without importing it."""
    return callable(getattr(value, "batches", None)) and isinstance(getattr(value, "x", None), torch.Tensor)


def normalise(config: dict) -> dict:
    """The configuration as JSON sees it: tuples become lists, other objects (nn.SiLU) their str()."""
    def text(value):
        if isinstance(value, (torch.Tensor, np.ndarray)):
            raise _TensorInConfig(f"The configuration holds a {type(value).__name__} of shape {tuple(value.shape)}, "
                                  f"whose text form is abbreviated (two different tensors could share one key); put "
                                  f"its fingerprint in the configuration instead (gencore.data.fingerprint.fingerprint"
                                  f"(x)).")
        if _is_dataset(value):
            raise _TensorInConfig(f"The configuration holds a dataset ({type(value).__name__}), whose text form does "
                                  f"not show its examples (two datasets could share one key); put its fingerprint "
                                  f"there instead (gencore.data.fingerprint.fingerprint(data)).")
        return str(value)

    for key, value in (config.items() if isinstance(config, dict) else ()):
        if isinstance(value, (torch.Tensor, np.ndarray)):
            raise TypeError(f"config[{key!r}] is a {type(value).__name__} of shape {tuple(value.shape)}, whose text "
                            f"form is abbreviated (two different tensors could share one cache key); put its "
                            f"fingerprint there instead (gencore.data.fingerprint.fingerprint(x)).")
        if _is_dataset(value):
            raise TypeError(f"config[{key!r}] is a dataset ({type(value).__name__}), whose text form does not show "
                            f"its examples (two datasets could share one cache key); put its fingerprint there "
                            f"instead (gencore.data.fingerprint.fingerprint({key})).")
    try:
        return json.loads(json.dumps(config, sort_keys=True, default=text))
    except _TensorInConfig as e:
        raise TypeError(str(e)) from None
    except (TypeError, ValueError) as e:
        raise TypeError(f"The configuration could not be written as JSON ({e}); use numbers, strings, "
                        f"lists and dicts with string keys.") from None


def save_checkpoint(obj, path: str | Path) -> Path:
    """torch.save to a temporary file in the same folder, then an atomic rename: never a half-written file.
    The file gets the permissions the user's umask gives a new file (so a shared folder can share it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def state_shapes(*modules: nn.Module) -> list[dict]:
    """The name and shape of every entry of each module's state_dict: what a progress file must fit."""
    return [{k: list(v.shape) for k, v in m.state_dict().items() if isinstance(v, torch.Tensor)} for m in modules]


def model_settings(model: nn.Module) -> dict:
    """What a model was built with beyond its weights' shapes, as {"model.beta": 1.0, ...}: its public attributes
    that are plain values (a VAE's beta and likelihood, DRAW's T...), its activations ("model.activations":
    ["ReLU()"]), every layer without sublayers with its settings ("model.layers": {"encoder.net.1": "ReLU()",
    ...}: strides, dropout rates...) and a VAE's fixed observation noise ("model.obs_std", from its obs_logvar
    buffer; "learned" when it is a parameter). Two models of the same shapes but another objective or another
    activation are two runs."""
    plain = (int, float, str, bool, type(None))
    out = {}
    for key, value in sorted(vars(model).items()):
        if key.startswith("_") or key == "training":
            continue
        if isinstance(value, plain) or isinstance(value, (tuple, list)) and all(isinstance(v, plain) for v in value):
            out[f"model.{key}"] = value
    leaves = {name: m for name, m in model.named_modules() if name and next(m.children(), None) is None}
    layers = {name: f"{type(m).__name__}({m.extra_repr()})" for name, m in leaves.items()}
    out["model.activations"] = list(dict.fromkeys(layers[name] for name, m in leaves.items()
                                                  if type(m).__module__ == nn.ReLU.__module__))
    out["model.layers"] = layers
    logvar = getattr(model, "obs_logvar", None)
    if isinstance(logvar, torch.Tensor) and logvar.numel() == 1:
        out["model.obs_std"] = "learned" if isinstance(logvar, nn.Parameter) else \
            float(f"{math.exp(logvar.item() / 2):.6g}")
    return out


def optimizer_settings(optimizer: torch.optim.Optimizer) -> dict:
    """The optimiser's kind and hyper-parameters (its first parameter group without the parameters)."""
    group = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"} if optimizer.param_groups else {}
    return {"kind": type(optimizer).__name__, **group}


def save_progress(path: str | Path, run: dict, done: int, state: dict) -> None:
    """Write the progress of a run atomically: its configuration ``run``, how much is ``done`` (epochs or
    steps) and its ``state`` (weights, optimisers, random states, history...)."""
    if not isinstance(done, int) or isinstance(done, bool) or done < 1:
        raise ValueError(f"done must be the whole number of epochs or steps finished (1 or more), got {done!r}.")
    save_checkpoint({"format": PROGRESS_FORMAT, "run": _run(run), "done": int(done), "state": state}, path)


def _run(run) -> dict:
    """``run`` normalised, or one sentence: a run's configuration is a dict."""
    if not isinstance(run, dict):
        raise TypeError(f"run must be a dict of the run's configuration, e.g. dict(loop='fit', seed=0, lr=1e-3), got "
                        f"{type(run).__name__} {run!r:.40}.")
    return normalise(run)


def _model_file(saved) -> str | None:
    """What a readable file holds when it is a model's weights rather than a run's progress (a state_dict, a
    cached model, a whole model), in a few words; None otherwise (progress files of older versions included)."""
    if isinstance(saved, nn.Module):
        return f"a whole model (a {type(saved).__name__})"
    progress = isinstance(saved, dict) and str(saved.get("format")).startswith("gencore-progress")
    if isinstance(saved, dict) and "state_dict" in saved and not progress:
        return "a model's checkpoint (its weights under 'state_dict', e.g. a cached model)"
    if isinstance(saved, dict) and saved and all(isinstance(v, torch.Tensor) for v in saved.values()):
        return "a model's weights (a state_dict)"
    return None


LOOPS = {"fit": "fit", "gan": "train_gan"}          # a progress file's "loop" -> the function that writes it


def load_progress(path: str | Path, run: dict, *, what: str, name: str = "resume") -> dict | None:
    """The saved progress of this run, {"done": ..., "state": ...}, or None: no file, or a file that cannot be
    read (a sentence says so; training ``what`` then starts from the start and the file is overwritten at the
    first checkpoint). A file of another seed, or of the same seed with another configuration than ``run``
    (another learning rate, another architecture, other data...), raises ValueError naming what differs:
    continuing it would mix two runs, and starting over would destroy it. So does a folder, a readable
    file that is no progress file (saved weights, a cached model: ``name``, the caller's argument, was taken for
    "start from these weights") and the progress of the other training loop (`fit`'s file for `train_gan`)."""
    now = _run(run)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (a str or pathlib.Path), got {type(path).__name__} {path!r:.40}.")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{name}={str(path)!r} is a folder, but {name} names the file where the run saves its "
                         f"progress; pass a file path, e.g. {name}={str(path / 'run.pt')!r}.")
    if not path.exists():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=False)
    except Exception:                           # truncated, overwritten: torch's own words would mislead
        saved = None
        reason = "it is damaged or foreign: it cannot be read (a truncated or overwritten file, or another program's)"
    else:
        holds = _model_file(saved)
        if holds is not None:
            raise ValueError(f"{name}={str(path)!r} is not a progress file: it holds {holds}. {name} names the file "
                             f"where this run saves its progress, and training would overwrite it; to start from saved "
                             f"weights, load them first (model.load_state_dict(torch.load(path))) and pass another "
                             f"{name} file. Nothing was changed.")
        reason = ("it is not a progress file of this version of gencore"
                  if not isinstance(saved, dict) or saved.get("format") != PROGRESS_FORMAT
                  else None if isinstance(saved.get("done"), int) and saved["done"] > 0
                  else "it holds no finished epoch or step")
    if reason is not None:                      # damaged or of an older version: never use it
        print(f"The progress file {path} is unusable ({reason}); training {what} from the start (the file is "
              f"replaced at the first checkpoint).")
        return None
    stored = saved["run"]
    if stored.get("loop") and now.get("loop") and stored["loop"] != now["loop"]:
        loop, other = (LOOPS.get(v, v) for v in (stored["loop"], now["loop"]))
        raise ValueError(f"The progress file {path} holds a run of {loop} (another model's training), not of {other} "
                         f"(training {what}); pass another {name} file for this run (one per model), or delete that "
                         f"one. Nothing was changed.")
    if stored.get("seed") != now.get("seed"):     # another run: starting over would destroy it
        raise ValueError(f"The progress file {path} holds the run of {what} with seed {stored.get('seed')}, not "
                         f"seed {now.get('seed')}; pass seed={stored.get('seed')} (or no seed) to continue it, or "
                         f"pass another {name} file (or delete this one) to train with seed {now.get('seed')} from "
                         f"the start. Nothing was changed.")
    differ = [k for k in sorted(set(stored) | set(now)) if stored.get(k) != now.get(k)]
    if differ:
        def show(v, other):
            text = json.dumps(_differing(v, other))
            return text if len(text) <= 40 else text[:37] + "..."
        what_differs = "; ".join(f"{k}: {show(stored.get(k), now.get(k))} in the file, "
                                 f"{show(now.get(k), stored.get(k))} now" for k in differ[:3])
        raise ValueError(f"The progress file {path} is this seed's run of {what} with another configuration "
                         f"({what_differs}); continue it with its own settings, or pass another resume file (or "
                         f"delete this one) to train from the start.")
    return {"done": saved["done"], "state": saved["state"]}


def saved_seed(path) -> int | None:
    """The seed of the run saved in the progress file ``path``, or None (no file, or no readable progress file:
    `load_progress` says why). `fit` and `train_gan` given ``resume`` and no seed continue that run with it."""
    if not isinstance(path, (str, os.PathLike)) or not Path(path).is_file():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=False)
    except Exception:
        return None
    run = saved.get("run") if isinstance(saved, dict) and saved.get("format") == PROGRESS_FORMAT else None
    seed = run.get("seed") if isinstance(run, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _differing(value, other):
    """Of a dict (an optimiser's settings), the entries that differ from ``other``'s, its kind first: what a sentence
    about two configurations must show ({"lr": 0.05}, not the first 40 characters of every setting)."""
    if not (isinstance(value, dict) and isinstance(other, dict)):
        return value
    keys = sorted(set(value) | set(other), key=lambda k: (k != "kind", k))
    return {k: value.get(k) for k in keys if value.get(k) != other.get(k)}


def restore_states(states: dict, path: str | Path) -> None:
    """Load each object's state (modules, optimisers, schedules) from the progress file ``path``, all or none:
    if one fails, those already loaded are put back as they were, so that a damaged file cannot leave a mix
    of two runs."""
    if not isinstance(states, dict):
        raise TypeError(f"states must be a dict of each object (module, optimiser, schedule) to its saved state, got "
                        f"{type(states).__name__}.")
    before = {obj: copy.deepcopy(obj.state_dict()) for obj in states}
    try:
        for obj, state in states.items():
            obj.load_state_dict(state)
    except Exception as e:
        for obj, state in before.items():
            obj.load_state_dict(state)
        raise ValueError(f"The progress file {path} is damaged: its saved state does not fit the run that wrote it "
                         f"({type(e).__name__}: {str(e).splitlines()[0][:120]}); nothing was changed. Delete it to "
                         f"train from the start.") from None
