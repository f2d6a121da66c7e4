"""What the epoch benchmarks share: the machine's load, a wall/CPU timer, a pure training epoch, the dataset."""
from __future__ import annotations

import os
import time

from gencore.data import DataUnavailableError, load_dataset


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


class Timer:
    """Wall seconds and CPU seconds (process time, summed over threads) of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def pure_epoch(model, opt, batches) -> None:
    """The model's own work on ready-made batches: loss -> backward -> optimiser step, nothing else."""
    for x in batches:
        loss = model.loss(x)["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def default_dataset() -> str:
    """Fashion-MNIST when its files are here, else the built-in sprites."""
    try:
        load_dataset("fashion-mnist", "test", subset=1)
        return "fashion-mnist"
    except DataUnavailableError:
        return "sprites"
