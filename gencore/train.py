"""One training loop for every likelihood-style model (autoencoder, VAE, cVAE, DRAW).

The model supplies its objective for a batch, the loop does the rest:

    class MyModel(nn.Module):
        def loss(self, x, y) -> dict:          # {"loss": scalar to minimise, other scalar metrics...}
            ...

    history = fit(model, train, test=test, epochs=10, lr=1e-3)
    history.plot()

Every metric is averaged over examples per epoch, for the training data (``train/...``, running
average while the weights change) and for the held-out data (``test/...``, after the epoch).

A model may declare the values its targets must take, ``target_range = (lo, hi)`` (e.g. (0, 1) for a
Bernoulli likelihood; None or absent: any finite values); `fit` checks the data once before training.
"""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Mapping

import torch
from torch import nn
from tqdm.auto import tqdm

from .data import TensorData, as_data
from .validate import as_float, as_int

__all__ = ["History", "TrainingDiverged", "StepProbe", "adam", "distributed", "evaluate", "fit", "is_main_process",
           "probe_steps", "step_is_finite"]


class TrainingDiverged(FloatingPointError):
    """The loss or a gradient became NaN or infinite. That step was not applied: the model keeps the weights
    from before it. ``cause`` is "loss" or "gradient"; ``epoch`` and ``step`` say where (1-based)."""

    def __init__(self, message: str, history: "History", *, cause: str | None = None, epoch: int | None = None,
                 step: int | None = None):
        super().__init__(message)
        self.history, self.cause, self.epoch, self.step = history, cause, epoch, step


class StepProbe(Exception):
    """Raised by a training loop inside `probe_steps`: it timed its first steps and stopped. ``seconds_per_step``
    (the first step, which warms up, not counted) and ``total_steps`` (what the whole run would take)."""

    def __init__(self, seconds_per_step: float, total_steps: int):
        super().__init__(f"{seconds_per_step:.4f} s per step, {total_steps} steps")
        self.seconds_per_step, self.total_steps = seconds_per_step, total_steps


_PROBE: list = [None]


@contextmanager
def probe_steps(n: int = 6):
    """Inside this block every training loop (`fit`, `gencore.gan.train_gan`) stops after ``n`` steps with
    `StepProbe`, saving nothing: how `gencore pretrain` estimates how long training will take."""
    _PROBE[0] = max(2, as_int(n, "n", minimum=2))
    try:
        yield
    finally:
        _PROBE[0] = None


class StepTimer:
    """Counts a loop's steps for `probe_steps` (a no-op outside it)."""

    def __init__(self, total_steps: int):
        self.total, self.count, self.t1 = total_steps, 0, None

    def tick(self) -> None:
        if _PROBE[0] is None:
            return
        self.count += 1
        if self.count == 1:
            self.t1 = time.perf_counter()
        elif self.count >= _PROBE[0]:
            raise StepProbe((time.perf_counter() - self.t1) / (self.count - 1), self.total)


# ------------------------------------------------------------------------------------------ several processes
def distributed() -> tuple[int, int] | None:
    """(rank, world size) when this process is one of several started by torchrun (torch.distributed is
    initialised with more than one process), else None."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return dist.get_rank(), dist.get_world_size()
    return None


def is_main_process() -> bool:
    """True in a single process, and in rank 0 of several: the one that writes files and shows progress."""
    d = distributed()
    return d is None or d[0] == 0


class _LossModule(nn.Module):
    """model.loss as a forward(), so that DistributedDataParallel can wrap it (DDP hooks forward())."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x, y):
        return self.model.loss(x, y)


def _shard(x: torch.Tensor, y, rank: int, world: int):
    """This process's share of a global batch: the rank-th of ``world`` near-equal contiguous slices."""
    part = torch.tensor_split(torch.arange(len(x), device=x.device), world)[rank]
    return x[part], (y[part] if y is not None else None)


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


# ------------------------------------------------------------------------------------------ checks
LOSS_CONTRACT = ("a dict with a scalar tensor 'loss' to minimise, plus optional scalar tensor metrics "
                 "(e.g. {'loss': loss, 'mse': mse.detach()})")


def _require_loss(model) -> None:
    if not callable(getattr(model, "loss", None)):
        raise TypeError(f"{type(model).__name__} has no loss(x, y) method; the training loop needs one "
                        f"that returns {LOSS_CONTRACT}.")


def _loss_of(metrics, model: nn.Module, training: bool) -> torch.Tensor:
    """The 'loss' entry of what ``model.loss`` returned, after checking the contract (a few isinstance
    tests per step: negligible next to a forward pass)."""
    name = type(model).__name__
    if not isinstance(metrics, Mapping):
        raise TypeError(f"{name}.loss(x, y) returned {type(metrics).__name__}; it must return {LOSS_CONTRACT}.")
    if "loss" not in metrics:
        raise TypeError(f"{name}.loss(x, y) returned a dict without a 'loss' entry (it has "
                       f"{', '.join(map(repr, metrics)) or 'nothing'}); it must return {LOSS_CONTRACT}.")
    for k, v in metrics.items():
        if not isinstance(v, torch.Tensor) or v.numel() != 1:
            got = f"a tensor of shape {tuple(v.shape)}" if isinstance(v, torch.Tensor) else type(v).__name__
            raise ValueError(f"{name}.loss(x, y)[{k!r}] is {got}, not a scalar tensor; it must return "
                             f"{LOSS_CONTRACT}: average per-example values over the batch (.mean()).")
    loss = metrics["loss"]
    if training and not loss.requires_grad:
        raise ValueError(f"{name}.loss(x, y)['loss'] does not depend on the model's parameters (it has no "
                         f"gradient); compute it from the model's outputs, without .detach() or torch.no_grad().")
    return loss


def _target_range(model: nn.Module) -> tuple[float, float] | None:
    """The model's declared ``target_range`` (lo, hi), or None (any finite values)."""
    target = getattr(model, "target_range", None)
    if target is None:
        return None
    try:
        lo, hi = (as_float(v, "target_range bound") for v in target)
    except (TypeError, ValueError):
        lo = hi = None
    if lo is None or lo > hi:
        raise TypeError(f"{type(model).__name__}.target_range must be None or a pair (lo, hi) of numbers with "
                        f"lo <= hi, got {target!r}.")
    return lo, hi


def _check_data(model: nn.Module, data: TensorData, what: str) -> None:
    """Every value of ``data`` finite and within the model's target_range, once per call (free for uint8
    images)."""
    target = _target_range(model)
    likelihood = getattr(model, "likelihood", None)
    expected_by = f"{type(model).__name__}" + (f"(likelihood={likelihood!r})" if likelihood else "")
    advice = " or use likelihood='gaussian' for real-valued data" if likelihood == "bernoulli" else ""
    data.check_values(what, target, expected_by=expected_by, advice=advice)


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


def _mean_metrics(sums: dict[str, torch.Tensor], count: int) -> dict[str, float]:
    return {k: (v / count).item() for k, v in sums.items()}


@torch.no_grad()
def _evaluate(model: nn.Module, data: TensorData, batch_size: int, generator) -> dict[str, float]:
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros(()))
    try:
        for x, y in data.batches(batch_size, shuffle=False, generator=generator):
            metrics = model.loss(x, y)
            _loss_of(metrics, model, training=False)
            for k, v in metrics.items():
                sums[k] = sums[k] + v.detach().float().cpu().reshape(()) * len(x)
    finally:
        model.train(was_training)
    return _mean_metrics(sums, len(data))


def evaluate(model: nn.Module, data, batch_size: int = 500, generator: torch.Generator | None = None
             ) -> dict[str, float]:
    """The model's metrics averaged over every example of ``data`` (eval mode, no gradients).

    ``data`` is a dataset or a tensor (uint8: images 0..255, scaled to [0, 1]); it is checked first (finite,
    within the model's ``target_range``). ``generator`` draws dynamic binarisation (default: the dataset's).
    """
    _require_loss(model)
    data = as_data(data)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    _check_data(model, data, "evaluation data")
    return _evaluate(model, data, batch_size, generator)


def fit(model: nn.Module, train, *, epochs: int, test=None, lr: float = 1e-3, batch_size: int = 128,
        optimizer: torch.optim.Optimizer | None = None, clip_grad: float | None = None,
        progress: bool = True, history: History | None = None, desc: str | None = None,
        seed: int | None = None, resume: str | Path | None = None) -> History:
    """Minimise ``model.loss(x, y)["loss"]`` with Adam (or ``optimizer``) for ``epochs`` passes over ``train``.

    ``model.loss(x, y)`` must return a dict with a scalar tensor ``"loss"`` to minimise, plus optional scalar
    tensor metrics (averaged per epoch into the `History`). ``train`` and ``test`` are datasets or tensors
    (a uint8 tensor is images 0..255, trained on as x / 255 in [0, 1]); both are checked once before training:
    every value finite, and within ``model.target_range`` when the model declares one.

    All the randomness of the data (shuffling, dynamic binarisation) comes from one generator seeded with
    ``seed``, by default a number drawn from torch's global RNG: ``torch.manual_seed(s); fit(...)`` gives the
    same numbers every time, whatever else used the dataset in between.

    Returns the `History`. Before every optimiser step the loss and the gradients are checked (one fused test);
    a NaN/inf in either stops training with `TrainingDiverged`, naming the epoch, the step and which of the
    two failed, and that step is not applied: the model keeps exactly the weights from before it.

    ``resume``: a file for per-epoch checkpoints. After every epoch the weights, the optimiser, the history and
    the random states are written there atomically; a run that finds the file continues after its last
    complete epoch, and gives exactly the numbers of a run that was never interrupted. The caller removes the
    file when it has kept the finished model (`gencore.cache.fit_cached` does).
    """
    _require_loss(model)
    epochs = as_int(epochs, "epochs", minimum=0)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    lr = as_float(lr, "lr", minimum=0)
    if clip_grad is not None:
        clip_grad = as_float(clip_grad, "clip_grad", minimum=0)
    seed = int(torch.randint(0, 2 ** 62, ()).item()) if seed is None else as_int(seed, "seed")
    generator = torch.Generator().manual_seed(seed)
    train = as_data(train)
    test = as_data(test) if test is not None else None
    _check_data(model, train, "training data")
    if test is not None:
        _check_data(model, test, "test data")
    device = train.x.device
    model.to(device)
    shards = distributed()
    if shards is not None:                       # every process must draw the same batches: rank 0's seed
        import torch.distributed as dist
        shared = torch.tensor([seed], dtype=torch.int64, device=device)
        dist.broadcast(shared, 0)
        seed = int(shared.item())
        generator.manual_seed(seed)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    history = history if history is not None else History()
    name = desc or type(model).__name__
    done = _resume(resume, model, optimizer, generator, seed, epochs, name) if resume is not None else None
    if done is not None:
        history, done = done
    else:
        done = 0
    batches = train.batches(batch_size, shuffle=True, generator=generator)
    # one bar for the whole run (a bar per epoch piles up in a saved notebook), the epoch in its postfix
    bar = tqdm(total=(epochs - done) * len(batches), desc=name, unit="batch",
               disable=not progress or epochs == done or (shards is not None and shards[0] != 0))
    start_epoch = len(history) - done
    timer = StepTimer((epochs - done) * len(batches))
    # torchrun: every process draws the same global batches (the same seeded generator), trains on its slice,
    # and DistributedDataParallel averages the gradients: the same steps as one process on the global batches
    if shards is not None:
        from torch.nn.parallel import DistributedDataParallel
        wrapped = DistributedDataParallel(_LossModule(model), device_ids=[device.index] if device.type == "cuda" else None)
        compute = wrapped
    else:
        compute = model.loss
    try:
        for e in range(done, epochs):
            epoch = start_epoch + e + 1
            model.train()
            sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), device=device))
            seen = 0
            started = time.perf_counter()
            for step, (x, y) in enumerate(batches, start=1):
                if shards is not None:
                    x, y = _shard(x, y, *shards)
                metrics = compute(x, y)
                loss = _loss_of(metrics, model, training=True)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                loss_ok, grads_ok, grad_norm = step_is_finite(loss, params, clip_grad)
                if not (loss_ok and grads_ok):
                    raise _diverged(history, epoch, step, loss, grad_norm, loss_ok, optimizer, lr)
                optimizer.step()
                timer.tick()
                for k, v in metrics.items():
                    sums[k] += v.detach().reshape(()) * len(x)
                seen += len(x)
                bar.update(1)
            if shards is not None:              # every process logs the metrics over the whole epoch
                sums, seen = _all_reduce_sums(sums, seen, device)
            history.log("train", _mean_metrics(sums, seen))
            history.log("train", {"seconds": time.perf_counter() - started})
            if test is not None:
                history.log("test", _evaluate(model, test, 500, generator))
            shown = {k.replace("/loss", ""): f"{v[-1]:.4g}" for k, v in history.metrics.items()
                     if k.endswith("/loss")}
            bar.set_postfix(epoch=f"{e + 1}/{epochs}", **shown)
            if resume is not None and is_main_process():
                _save_progress(resume, model, optimizer, history, generator, seed, e + 1)
    finally:
        bar.close()
    return history


def _all_reduce_sums(sums: dict, seen: int, device) -> tuple[dict, int]:
    import torch.distributed as dist
    keys = sorted(sums)
    packed = torch.stack([sums[k].float() for k in keys] + [torch.tensor(float(seen), device=device)])
    dist.all_reduce(packed)
    return {k: packed[i] for i, k in enumerate(keys)}, int(packed[-1].item())


def _save_progress(path, model, optimizer, history: History, generator: torch.Generator, seed: int,
                   epochs_done: int) -> None:
    from .cache import save_checkpoint          # the cache module builds on this one
    save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history.to_dict(),
                     "generator": generator.get_state(), "torch_rng": torch.get_rng_state(), "seed": seed,
                     "epochs_done": epochs_done}, path)


def _resume(path, model, optimizer, generator: torch.Generator, seed: int, epochs: int, name: str):
    """(history, epochs done) from a per-epoch checkpoint, restoring the model, optimiser and random states;
    None when there is no usable checkpoint (then training starts from the beginning)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
        if state.get("seed") != seed or not 0 < state["epochs_done"]:
            raise ValueError("it belongs to another run (another seed)")
    except Exception as e:                      # a damaged or foreign file: start over, never use it
        print(f"The progress checkpoint {path} is unusable ({e}); training {name} from the start.")
        return None
    if state["epochs_done"] > epochs:           # a longer run of the same training: never overwrite it
        raise ValueError(f"The progress checkpoint {path} already holds {state['epochs_done']} epochs of this run, "
                         f"more than the {epochs} asked; ask for epochs >= {state['epochs_done']} to continue it, or "
                         f"pass another resume file (or delete this one) to train {name} from the start.")
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
    except Exception as e:                      # a damaged or foreign file: start over, never use it
        print(f"The progress checkpoint {path} is unusable ({e}); training {name} from the start.")
        return None
    print(f"Resuming {name} after epoch {state['epochs_done']} of {epochs} (from {path.name}).")
    return History(state["history"]), state["epochs_done"]


def _diverged(history: History, epoch: int, step: int, loss: torch.Tensor, grad_norm, loss_ok: bool,
              optimizer: torch.optim.Optimizer, lr: float) -> TrainingDiverged:
    lr = optimizer.param_groups[0].get("lr", lr) if optimizer.param_groups else lr
    advice = f"Lower the learning rate (lr={lr:g}) or clip gradients (clip_grad=...)."
    kept = "that step was not applied, so the model keeps the weights from before it"
    if not loss_ok:
        what = f"The loss became {loss.item()} at epoch {epoch}, step {step}: training stopped and {kept}."
        cause = "loss"
    else:
        norm = f", gradient norm {grad_norm.item()}" if grad_norm is not None else ""
        what = (f"A gradient became NaN or infinite at epoch {epoch}, step {step} (the loss was "
                f"{loss.item():.6g}{norm}): training stopped and {kept}.")
        cause = "gradient"
    return TrainingDiverged(f"{what} {advice}", history, cause=cause, epoch=epoch, step=step)
