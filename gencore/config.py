"""One call at the top of every notebook: seeds, threads, device, quick mode, dataset, folders.

    cfg = gencore.setup(seed=0)

Environment variables (all optional):
    GENCORE_QUICK=1          quick mode: fewer epochs and small subsets, every notebook in about a minute
    GENCORE_DATASET=name     mnist (default), fashion-mnist or sprites (built in, needs no download)
    GENCORE_HOME=folder      where data and trained models are kept (default: ~/.cache/gencore)
    GENCORE_SHARED_MODELS=folder   trained models shared by someone else (e.g. the instructor's $GENCORE_HOME/models),
                             read only, looked up before training into your own cache (several: separated by ':')
    GENCORE_DEVICE=name      force a device: cpu, cuda or mps, any case, optionally with an index (cuda:1);
                             by default cuda, then mps, then cpu. A forced device this machine lacks is an error.
    GENCORE_THREADS=n        CPU threads for torch, a positive whole number (default: OMP_NUM_THREADS if set,
                             else all cores, at most 8)

Every value is checked by `setup`: a bad one stops it with one sentence naming the variable and what it expects.
"""
from __future__ import annotations

import dataclasses
import os
import random
import re
from pathlib import Path

import numpy as np
import torch

from .validate import as_int, as_path, flags

DATASETS = ("mnist", "fashion-mnist", "sprites")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
DEVICE_TYPES = ("cpu", "cuda", "mps")
_DEVICE = re.compile(r"(cpu|cuda|mps)(?::(\d+))?")


@dataclasses.dataclass(frozen=True)
class Config:
    """What `setup` chose. `pick(full, quick)` returns the value for the current mode."""

    seed: int
    device: torch.device
    quick: bool
    dataset: str
    home: Path
    threads: int
    shared_models: tuple[Path, ...] = ()

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def cache_dir(self) -> Path:
        return self.home / "models"

    def pick(self, full, quick):
        """`cfg.pick(full=20, quick=1)`: the full-course value, or the quick-mode one."""
        return quick if self.quick else full

    def __str__(self) -> str:
        mode = ("quick (small subsets, few epochs: figures and numbers are rough, and some claims of the text "
                "need the full mode)" if self.quick else "full")
        return (f"gencore: device={self.device.type}, threads={self.threads}, seed={self.seed}, "
                f"dataset={self.dataset}, home={self.home}, mode={mode}")


_current: Config | None = None


def _flag(name: str, value=None) -> bool:
    """A yes/no value: the environment variable ``name``, or (``value`` given) the argument ``name``: True/False, 1/0,
    or the words the variable takes ("1", "yes", "on", "0", "no", "off"...)."""
    if value is not None and not isinstance(value, str):
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
            return bool(value)
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__}).")
    text = (os.environ.get(name, "") if value is None else value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}={text!r} is not a yes/no value; set it to 1 (on) or 0 (off).")


def default_home() -> Path:
    """GENCORE_HOME, else $XDG_CACHE_HOME/gencore, else ~/.cache/gencore (outside the repository)."""
    if os.environ.get("GENCORE_HOME"):
        return Path(os.environ["GENCORE_HOME"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "gencore"


def _check_home(home: Path, source: str) -> Path:
    """Refuse a home that is a regular file, or lies inside one (it could never hold the data folders)."""
    existing = home
    try:
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        is_file = existing.exists() and not existing.is_dir()
    except OSError:  # e.g. no permission to look: leave it to the code that uses the folder
        return home
    if is_file:
        where = "is a file" if existing == home else f"lies inside {str(existing)!r}, which is a file"
        raise ValueError(f"{source}={str(home)!r} {where}, not a folder; set it to a folder where gencore may "
                         f"keep its data and models (it is created if missing).")
    return home


def _shared_models() -> tuple[Path, ...]:
    """GENCORE_SHARED_MODELS: folders of models trained by someone else (os.pathsep between them), each checked."""
    raw = os.environ.get("GENCORE_SHARED_MODELS", "")
    folders = tuple(Path(part.strip()).expanduser() for part in raw.split(os.pathsep) if part.strip())
    for folder in folders:
        if not folder.is_dir():
            raise ValueError(f"GENCORE_SHARED_MODELS={raw!r} names {str(folder)!r}, which is not a folder; set it to "
                             f"the folder of shared trained models (e.g. the instructor's $GENCORE_HOME/models), or "
                             f"unset it.")
    # a GENCORE_HOME named instead of its models/ folder (as `grade --cache` takes it): the models are in models/
    return tuple(f / "models" if (f / "models").is_dir() and not any(f.glob("*.pt")) else f for f in folders)


def available_devices() -> list[str]:
    names = ["cpu"]
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        names += ["cuda"] + ([f"cuda:{i}" for i in range(count)] if count > 1 else [])
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def _parse_device(value, source: str) -> torch.device:
    """'cpu', 'CUDA', 'cuda:1', 'mps' or a torch.device -> a torch.device that exists on this machine."""
    if isinstance(value, torch.device):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().lower()
    else:
        raise TypeError(f"{source} must be a device name such as 'cpu', 'cuda' or 'mps', "
                        f"got {value!r} ({type(value).__name__}).")
    match = _DEVICE.fullmatch(text)
    if match is None:
        raise ValueError(f"{source}={value!r} is not a device gencore knows; expected one of "
                         f"{', '.join(DEVICE_TYPES)}, optionally with an index such as cuda:0.")
    kind, index = match.group(1), match.group(2)
    device = torch.device(kind, int(index)) if kind == "cuda" and index is not None else torch.device(kind)
    if kind == "cuda":
        ok = torch.cuda.is_available() and (index is None or int(index) < torch.cuda.device_count())
    elif kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        ok = mps is not None and mps.is_available() and (index is None or int(index) == 0)
    else:
        ok = index is None or int(index) == 0
    if not ok:
        raise ValueError(f"{source}={value!r} asks for a device this machine does not have (available here: "
                         f"{', '.join(available_devices())}); choose one of those, or leave it unset to let "
                         f"gencore pick the best available one.")
    return device


def pick_device(name: str | torch.device | None = None) -> torch.device:
    """cuda if available, then Apple's mps, then cpu; `name` or GENCORE_DEVICE forces one.

    A forced name is cpu, cuda or mps (any case, optionally with an index: cuda:1); one this machine does
    not have is an error naming what it does have (never a silent fallback to the CPU).
    """
    if name is not None and not (isinstance(name, str) and not name.strip()):
        return _parse_device(name, "device")
    env = os.environ.get("GENCORE_DEVICE", "")
    if env.strip():
        return _parse_device(env, "GENCORE_DEVICE")
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _env_threads() -> int:
    """GENCORE_THREADS, else OMP_NUM_THREADS (its first entry: OpenMP allows a list), else the cores, at most 8."""
    for name in ("GENCORE_THREADS", "OMP_NUM_THREADS"):
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        text = raw.split(",")[0].strip() if name == "OMP_NUM_THREADS" else raw
        if re.fullmatch(r"[0-9]+", text) and int(text) >= 1:
            return int(text)
        used = "" if name == "GENCORE_THREADS" else " (used for gencore's CPU threads since GENCORE_THREADS is unset)"
        raise ValueError(f"{name}={raw!r}{used} is not a positive whole number; set it to the number of CPU "
                         f"threads PyTorch should use, e.g. 1 or 2, or unset it.")
    return min(os.cpu_count() or 1, 8)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices)."""
    seed = as_int(seed, "seed")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@flags("verbose")
def setup(seed: int = 0, *, quick: bool | None = None, dataset: str | None = None,
          home: str | Path | None = None, device: str | torch.device | None = None, threads: int | None = None,
          verbose: bool = True) -> Config:
    """Seed everything, set threads, pick the device, read quick mode and the dataset; print one line.

    Arguments override the environment variables (see the module's docstring); every value, given or read,
    is checked first, so a bad one stops here with one sentence saying what to change.

    It also flushes subnormal floats (below 1.2e-38 in float32) to zero on the CPU: some small networks' Adam
    state and activations drift into that range, where CPU arithmetic is many times slower (notebook 01's
    swiss-roll autoencoder trained about 2.7x faster with it, to the same loss); no result of the course
    depends on numbers that small.
    """
    global _current
    _current = _resolve(seed, quick, dataset, home, device, threads)
    torch.set_num_threads(_current.threads)
    torch.set_flush_denormal(True)          # returns False where the CPU cannot: nothing changes there
    seed_everything(seed)
    if verbose:
        print(_current)
    return _current


def _resolve(seed=0, quick=None, dataset=None, home=None, device=None, threads=None) -> Config:
    quick = _flag("GENCORE_QUICK") if quick is None else _flag("quick", quick)
    seed = as_int(seed, "seed", minimum=0, maximum=2 ** 32 - 1)          # numpy's seeds: 0 .. 2^32 - 1
    if dataset is not None and not isinstance(dataset, str):
        raise TypeError(f"dataset must be a name such as 'mnist', got {dataset!r} ({type(dataset).__name__}).")
    env_dataset = os.environ.get("GENCORE_DATASET", "")
    if dataset:
        name = dataset.strip().lower()
        if name not in DATASETS:
            raise ValueError(f"Unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)} "
                             f"(pass dataset=... or set GENCORE_DATASET).")
    elif env_dataset.strip():
        name = env_dataset.strip().lower()
        if name not in DATASETS:
            raise ValueError(f"GENCORE_DATASET={env_dataset!r} is not a dataset gencore knows; expected one of "
                             f"{', '.join(DATASETS)} (or unset it for mnist).")
    else:
        name = "mnist"
    threads = _env_threads() if threads is None else as_int(threads, "threads", minimum=1)
    if home is not None:
        home = _check_home(as_path(home, "home", "a folder").expanduser(), "home")
    elif os.environ.get("GENCORE_HOME"):
        home = _check_home(default_home(), "GENCORE_HOME")
    else:
        home = default_home()
    return Config(seed=seed, device=pick_device(device), quick=quick, dataset=name, home=home, threads=threads,
                  shared_models=_shared_models())


def current() -> Config:
    """The configuration of the last `setup` call; without one, the environment's (nothing seeded)."""
    return _current if _current is not None else _resolve()
