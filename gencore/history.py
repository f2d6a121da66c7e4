"""What a training run records (`History`), and how a step that stops being finite ends it
(`step_is_finite`, `TrainingDiverged`, `LastGood`). Shared by every training loop (`gencore.train`) and the GAN's
steps (`gencore.gan`); it imports nothing of gencore.
"""
from __future__ import annotations

import copy
import math
from collections import OrderedDict, defaultdict

import torch
from torch import nn

__all__ = ["History", "LastGood", "TrainingDiverged", "blew_up", "divergence_summary", "grown_loss", "step_is_finite"]


class History:
    """Per-epoch metrics: ``history["test/loss"]`` is a list with one value per epoch (a GAN's history: one
    value per logging step, whose number is ``history["train/step"]``)."""

    def __init__(self, metrics: dict | None = None):
        self.metrics: dict[str, list[float]] = defaultdict(list, metrics or {})

    def log(self, prefix: str, values: dict[str, float]) -> None:
        for k, v in values.items():
            try:
                v = float(v)
            except (TypeError, ValueError, RuntimeError):
                raise TypeError(f"The value of {k!r} must be one number, got {type(v).__name__} {v!r:.40}; log "
                                f"numbers, e.g. {{'{k}': loss.item()}}.") from None
            self.metrics[f"{prefix}/{k}"].append(v)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.metrics:
            near = [k for k in self.metrics if k.split("/", 1)[-1] == key]      # "loss": "train/loss", "test/loss"
            hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else "."
            raise KeyError(f"No metric {key!r} in this history; it has {', '.join(self.metrics) or 'none'}{hint}")
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
        """One panel per metric name (in the order of ``keys``, else alphabetical), train (solid) and test (dashed)
        on the same axes, x = epoch; returns the figure. (matplotlib is imported here, when a figure is asked for:
        training needs no plotting library.)"""
        import matplotlib.pyplot as plt

        names = sorted({k.split("/", 1)[1] for k in self.keys() if "/" in k and not k.endswith("seconds")})
        keys = [keys] if isinstance(keys, str) else keys
        unknown = [k for k in keys or () if k not in names]
        if unknown:
            raise ValueError(f"keys names {unknown[0]!r}, which is no metric of this history; it has "
                             f"{', '.join(repr(n) for n in names if n != 'step')} (each plotted for train and "
                             f"test): pass names from those.")
        names = [n for n in (names if keys is None else dict.fromkeys(keys)) if n != "step"]   # in the order asked
        if not names:
            raise ValueError(f"Nothing to plot: the history has {list(self.keys())}, asked for {keys}.")
        steps = self.metrics.get("train/step")                 # a GAN's history: x = the step
        fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
        for ax, name in zip(axes[0], names):
            for split, style in (("train", "-"), ("test", "--")):
                key = f"{split}/{name}"
                if key in self:
                    values = self[key]
                    x = steps if steps and len(steps) == len(values) else range(1, len(values) + 1)
                    ax.plot(x, values, style, marker="o", ms=3, label=split)
            ax.set_title(name)
            ax.set_xlabel("step" if steps else "epoch")
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.metrics.items() if v)
        steps = self.metrics.get("train/step")
        done = f"{len(self)} logging steps up to step {int(steps[-1])}" if steps else f"{len(self)} epochs"
        return f"History({done}: {last})"


class TrainingDiverged(FloatingPointError):
    """The loss or a gradient became NaN or infinite. That step was not applied; the training loops then put
    back the last state whose loss was finite (`LastGood`). ``cause`` is "loss", "gradient" or "test loss";
    ``epoch`` and ``step`` say where (1-based); ``kept`` is the epoch (`fit`) or step (`train_gan`) whose
    weights the model holds afterwards (0: the initial ones); ``summary`` is the first sentence, what
    happened where."""

    def __init__(self, message: str, history: "History", *, cause: str | None = None, epoch: int | None = None,
                 step: int | None = None, kept: int | None = None, summary: str | None = None):
        super().__init__(message)
        self.history, self.cause, self.epoch, self.step = history, cause, epoch, step
        self.kept, self.summary = kept, summary or message


def _copy(state):
    """A copy of a state_dict: its tensors cloned, its containers rebuilt (their _metadata kept), several times
    faster than copy.deepcopy."""
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        out = (OrderedDict if isinstance(state, OrderedDict) else dict)((k, _copy(v)) for k, v in state.items())
        if hasattr(state, "_metadata"):
            out._metadata = copy.deepcopy(state._metadata)
        return out
    if isinstance(state, (list, tuple)):
        return type(state)(_copy(v) for v in state)
    return copy.deepcopy(state)


class LastGood:
    """The last state of a run whose loss evaluated finite: copies of the state_dicts of its ``objects``
    (modules, optimisers, schedules), taken by `keep` at the start and then at each epoch end (`fit`) or
    logging step (`train_gan`) whose loss was finite. A run that diverges `restore`s it and says so
    (`diverged`): "the last good weights" are weights that still give a finite loss, not the blown-up ones
    (finite, |w| ~ 1e6) of the step before the first NaN. ``at``: the epoch or step of the copy."""

    def __init__(self, objects, at: int = 0):
        if isinstance(objects, (nn.Module, torch.optim.Optimizer)) or not hasattr(objects, "__iter__"):
            raise TypeError(f"objects must be a list of modules, optimisers or schedules, got one "
                            f"{type(objects).__name__}; wrap it in a list: LastGood([model, optimizer]).")
        self.objects = list(objects)
        for o in self.objects:
            if not (callable(getattr(o, "state_dict", None)) and callable(getattr(o, "load_state_dict", None))):
                raise TypeError(f"objects must hold modules, optimisers or schedules (things with a state_dict), got "
                                f"a {type(o).__name__}; pass the model and its optimiser, not tensors or numbers.")
        self.keep(at)

    def keep(self, at: int) -> None:
        self.at = at
        self.states = [_copy(o.state_dict()) for o in self.objects]

    def restore(self) -> int:
        for obj, state in zip(self.objects, self.states):
            obj.load_state_dict(state)
        return self.at

    def diverged(self, summary: str, history: "History", unit: str, advice: str, **fields) -> TrainingDiverged:
        """`restore`, then the `TrainingDiverged` that says what happened (``summary``), which weights the
        model holds now (those of ``unit`` "epoch" or "step" `at`) and what to lower (``advice``)."""
        at = self.restore()
        held = (f"its initial weights (before {unit} 1)" if at == 0 else
                f"its weights from the end of epoch {at}" if unit == "epoch" else f"its weights of step {at}")
        which = "state" if at == 0 else "epoch end" if unit == "epoch" else "logging step"
        return TrainingDiverged(f"{summary} Training stopped, and the model now holds {held}, the last {which} "
                                f"whose loss was finite (with the optimiser's state of then). {advice}", history,
                                kept=at, summary=summary, **fields)


def _grads_finite(params: list[torch.Tensor]) -> torch.Tensor:
    """One boolean tensor, no synchronisation: are all gradients finite? NaN/inf propagate into each
    gradient's sum (accumulated in float32 at least; only sums beyond 3e38 would be flagged without cause)."""
    sums = [p.grad.sum(dtype=torch.float32 if p.grad.element_size() < 4 else None) for p in params
            if p.grad is not None]
    if not sums:
        return torch.ones((), dtype=torch.bool)
    return torch.isfinite(torch.stack(sums).sum())


def step_is_finite(loss: torch.Tensor, params: list[torch.Tensor], clip_grad: float | None = None
                   ) -> tuple[bool, bool, torch.Tensor | None]:
    """After ``loss.backward()``: (loss finite?, gradients finite?, gradient norm or None), with one
    synchronisation; with ``clip_grad`` the gradients are clipped to that total norm first. Every training
    loop (`fit`, `gencore.gan.train_gan`) calls it before ``optimizer.step()`` and skips the step when either
    is False, so a model keeps the weights from before a diverging step."""
    if clip_grad is not None:     # the total norm it returns is NaN/inf if any gradient is
        grad_norm = nn.utils.clip_grad_norm_(params, clip_grad)
        grads_ok = torch.isfinite(grad_norm)
    else:
        grad_norm, grads_ok = None, _grads_finite(params)
    loss_ok, grads_ok = torch.stack([torch.isfinite(loss.detach()).reshape(()),
                                     grads_ok.to(loss.device)]).tolist()
    return loss_ok, grads_ok, grad_norm


def blew_up(value: float, first: float) -> bool:
    """A loss grown a thousandfold from its first value (not, or not yet, to NaN): the run diverged."""
    return value > first + 1000 * (abs(first) + 1)


# A fresh GAN's losses: D's two cross-entropies at D = 1/2 (log 4), G's non-saturating one (log 2)
GAN_START = {"train/d_loss": math.log(4), "train/g_loss": math.log(2)}


def grown_loss(history: History, keys, at: str, start: dict = GAN_START) -> str | None:
    """Which logged loss of ``keys`` (e.g. "train/d_loss") `blew_up` since its first logged value, as a clause
    ("its d_loss grew from 1.39 at the first logging step to 4704 at step 7"), or None. A first logged value above
    the loss's known ``start`` is measured from that start: a run that diverged before its first log is caught."""
    for key in keys:
        first, last, since = history[key][0], history[key][-1], "at the first logging step"
        if key in start and start[key] < first:
            first, since = start[key], "(a fresh model's value)"
        if blew_up(last, first):
            return f"its {key.split('/')[-1]} grew from {first:.4g} {since} to {last:.4g} at {at}"
    return None


def divergence_summary(name: str, epoch: int, step: int, loss: torch.Tensor, grad_norm, loss_ok: bool) -> str:
    """The first sentence of fit's `TrainingDiverged`: what became non-finite, where."""
    if not loss_ok:
        return f"Training {name} diverged: the loss became {loss.item()} at epoch {epoch}, step {step}."
    norm = f", gradient norm {grad_norm.item()}" if grad_norm is not None else ""
    return (f"Training {name} diverged: a gradient became NaN or infinite at epoch {epoch}, step {step} (the loss "
            f"was {loss.item():.6g}{norm}).")
