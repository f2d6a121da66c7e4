"""One training loop for every likelihood-style model (autoencoder, VAE, cVAE, DRAW).

The model supplies its objective for a batch, the loop does the rest:

    class MyModel(nn.Module):
        def loss(self, x, y) -> dict:          # {"loss": scalar to minimise, other scalar metrics...}
            ...

    history = fit(model, train, test=test, epochs=10, lr=1e-3)
    history.plot()

Every metric is averaged over examples per epoch, for the training data (``train/...``, running
average while the weights change) and for the held-out data (``test/...``, after the epoch).
"""
from __future__ import annotations

import copy
import time
from collections import defaultdict

import torch
from torch import nn
from tqdm.auto import tqdm

from .config import current
from .data import as_data

__all__ = ["History", "TrainingDiverged", "adam", "evaluate", "fit"]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; the model keeps its last good weights."""

    def __init__(self, message: str, history: "History"):
        super().__init__(message)
        self.history = history


class History:
    """Per-epoch metrics: ``history["test/loss"]`` is a list with one value per epoch."""

    def __init__(self, metrics: dict | None = None):
        self.metrics: dict[str, list[float]] = defaultdict(list, metrics or {})

    def log(self, prefix: str, values: dict[str, float]) -> None:
        for k, v in values.items():
            self.metrics[f"{prefix}/{k}"].append(float(v))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.metrics:
            raise KeyError(f"No metric {key!r} in this history; it has {', '.join(self.metrics) or 'none'}.")
        return self.metrics[key]

    def __contains__(self, key: str) -> bool:
        return key in self.metrics

    def __len__(self) -> int:
        return max((len(v) for v in self.metrics.values()), default=0)

    def last(self, key: str) -> float:
        return self[key][-1]

    def keys(self):
        return self.metrics.keys()

    def to_dict(self) -> dict[str, list[float]]:
        return dict(self.metrics)

    def plot(self, keys=None, title: str | None = None):
        """One panel per metric, train and test curves together; returns the figure."""
        from .viz import plot_history
        return plot_history(self, keys=keys, title=title)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.metrics.items() if v)
        return f"History({len(self)} epochs: {last})"


def adam(model: nn.Module, lr: float = 1e-3) -> torch.optim.Optimizer:
    """Adam for the model's parameters, the fused implementation where the device supports it (the same
    updates, a few times faster than the default on a CPU)."""
    params = list(model.parameters())
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr)


def _finite_params(model: nn.Module) -> bool:
    return all(torch.isfinite(p).all() for p in model.parameters())


def _mean_metrics(sums: dict[str, torch.Tensor], count: int) -> dict[str, float]:
    return {k: (v / count).item() for k, v in sums.items()}


@torch.no_grad()
def evaluate(model: nn.Module, data, batch_size: int = 500) -> dict[str, float]:
    """The model's metrics averaged over every example of ``data`` (eval mode, no gradients)."""
    data = as_data(data)
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros(()))
    for x, y in data.batches(batch_size, shuffle=False):
        for k, v in model.loss(x, y).items():
            sums[k] = sums[k] + v.detach().float().cpu() * len(x)
    model.train(was_training)
    return _mean_metrics(sums, len(data))


def fit(model: nn.Module, train, *, epochs: int, test=None, lr: float = 1e-3, batch_size: int = 128,
        optimizer: torch.optim.Optimizer | None = None, clip_grad: float | None = None,
        progress: bool = True, history: History | None = None, desc: str | None = None) -> History:
    """Minimise ``model.loss(x, y)["loss"]`` with Adam (or ``optimizer``) for ``epochs`` passes over ``train``.

    Returns the `History`. A NaN/inf loss stops training with `TrainingDiverged`, naming the epoch and
    step; the model then holds the last good weights (those before the step that failed).
    """
    if not hasattr(model, "loss"):
        raise TypeError(f"{type(model).__name__} has no loss(x, y) method; the training loop needs one "
                        f"that returns a dict with a 'loss' entry.")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}.")
    train = as_data(train)
    test = as_data(test) if test is not None else None
    device = train.x.device
    model.to(device)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = history if history is not None else History()
    quick = current().quick
    name = desc or type(model).__name__
    epoch_bar = tqdm(range(epochs), desc=name, unit="epoch", disable=not progress or epochs == 0)
    start_epoch = len(history)
    for e in epoch_bar:
        epoch = start_epoch + e + 1
        good_state = copy.deepcopy(model.state_dict())
        model.train()
        sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), device=device))
        seen = 0
        started = time.perf_counter()
        batches = train.batches(batch_size, shuffle=True)
        steps = tqdm(batches, desc=f"epoch {epoch}", leave=False, disable=not progress or quick)
        for step, (x, y) in enumerate(steps, start=1):
            metrics = model.loss(x, y)
            loss = metrics["loss"]
            if not torch.isfinite(loss):
                if not _finite_params(model):
                    model.load_state_dict(good_state)
                raise TrainingDiverged(
                    f"The loss became {loss.item()} at epoch {epoch}, step {step}: training stopped and the "
                    f"model keeps its last good weights. Lower the learning rate (lr={lr}) or clip gradients "
                    f"(clip_grad=...).", history)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
            optimizer.step()
            for k, v in metrics.items():
                sums[k] += v.detach() * len(x)
            seen += len(x)
        history.log("train", _mean_metrics(sums, seen))
        history.log("train", {"seconds": time.perf_counter() - started})
        if test is not None:
            history.log("test", evaluate(model, test))
        shown = {k.replace("/loss", ""): f"{v[-1]:.4g}" for k, v in history.metrics.items()
                 if k.endswith("/loss")}
        epoch_bar.set_postfix(shown)
    return history
