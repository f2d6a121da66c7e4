"""One call at the top of every notebook: seeds, threads, device, quick mode, dataset, folders.

    cfg = gencore.setup(seed=0)

Environment variables (all optional):
    GENCORE_QUICK=1          quick mode: fewer epochs and small subsets, every notebook in about a minute
    GENCORE_DATASET=name     mnist (default), fashion-mnist or sprites (built in, needs no download)
    GENCORE_HOME=folder      where data and trained models are kept (default: ~/.cache/gencore)
    GENCORE_DEVICE=name      force a device (cpu, cuda, mps); by default cuda, then mps, then cpu
    GENCORE_THREADS=n        CPU threads for torch (default: OMP_NUM_THREADS if set, else all cores, at most 8)
"""
from __future__ import annotations

import dataclasses
import os
import random
from pathlib import Path

import numpy as np
import torch

DATASETS = ("mnist", "fashion-mnist", "sprites")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclasses.dataclass(frozen=True)
class Config:
    """What `setup` chose. `pick(full, quick)` returns the value for the current mode."""

    seed: int
    device: torch.device
    quick: bool
    dataset: str
    home: Path
    threads: int

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
        mode = "quick" if self.quick else "full"
        return (f"gencore: device={self.device.type}, threads={self.threads}, seed={self.seed}, "
                f"dataset={self.dataset}, mode={mode}, home={self.home}")


_current: Config | None = None


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is not a yes/no value; set it to 1 (on) or 0 (off).")


def default_home() -> Path:
    """GENCORE_HOME, else $XDG_CACHE_HOME/gencore, else ~/.cache/gencore (outside the repository)."""
    if os.environ.get("GENCORE_HOME"):
        return Path(os.environ["GENCORE_HOME"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "gencore"


def pick_device(name: str | None = None) -> torch.device:
    """cuda if available, then Apple's mps, then cpu; `name` or GENCORE_DEVICE forces one."""
    name = name or os.environ.get("GENCORE_DEVICE") or None
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed: int = 0, *, quick: bool | None = None, dataset: str | None = None,
          home: str | Path | None = None, device: str | None = None, threads: int | None = None,
          verbose: bool = True) -> Config:
    """Seed everything, set threads, pick the device, read quick mode and the dataset; print one line."""
    global _current
    _current = _resolve(seed, quick, dataset, home, device, threads)
    torch.set_num_threads(_current.threads)
    seed_everything(seed)
    if verbose:
        print(_current)
    return _current


def _resolve(seed=0, quick=None, dataset=None, home=None, device=None, threads=None) -> Config:
    quick = _flag("GENCORE_QUICK") if quick is None else bool(quick)
    dataset = (dataset or os.environ.get("GENCORE_DATASET") or "mnist").strip().lower()
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)} "
                         f"(set GENCORE_DATASET or pass dataset=...).")
    if threads is None:
        threads = int(os.environ.get("GENCORE_THREADS") or os.environ.get("OMP_NUM_THREADS")
                      or min(os.cpu_count() or 1, 8))
    home = Path(home).expanduser() if home is not None else default_home()
    return Config(seed=seed, device=pick_device(device), quick=quick, dataset=dataset,
                  home=home, threads=max(1, threads))


def current() -> Config:
    """The configuration of the last `setup` call; without one, the environment's (nothing seeded)."""
    return _current if _current is not None else _resolve()
