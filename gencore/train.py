"""The training loops: `fit` for every likelihood-style model (autoencoder, VAE, cVAE, DRAW, the
classifier), `train_gan` for the GAN's game.

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

`train_gan` alternates the GAN's two steps (`gencore.gan.discriminator_step`, `generator_step`). Both loops
stop at the first non-finite step (`TrainingDiverged`) and put back the last state whose loss was finite
(`gencore.history.LastGood`), and both save their progress with one mechanism
(`gencore.checkpoint.save_progress`): a run resumed from it ends with the numbers of an uninterrupted one.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from . import checkpoint, validate
from .blocks import eval_mode
from .checkpoint import load_progress, model_settings, optimizer_settings, restore_states, save_progress, state_shapes
from .data import Stream, TensorData, as_data
from .data.fingerprint import fingerprint
from .distributed import LossModule, all_reduce_sums, batch_noise, broadcast_seed, distributed, is_main_process, shard
from .gan import GAN, GENERATOR_LOSSES, check_optimizer, discriminator_step, generator_step
from .history import History, LastGood, TrainingDiverged, blew_up, divergence_summary, grown_loss, step_is_finite
from .labels import check_labels
from .validate import as_float, as_int, check_shape, flags, inputs_checked, step_list

__all__ = ["adam", "after_step", "evaluate", "fit", "train_gan", "on_every_step"]


_STEP_HOOKS: list[Callable[[int], None]] = []


@contextmanager
def on_every_step(hook: Callable[[int], None]):
    """Inside this block every training loop (`fit`, `train_gan`) calls ``hook(total_steps)`` after each
    optimiser step, ``total_steps`` being the steps the whole run takes. A hook may stop the run by raising
    (the command line's ``pretrain`` times the first steps this way)."""
    _STEP_HOOKS.append(hook)
    try:
        yield
    finally:
        _STEP_HOOKS.remove(hook)


def after_step(total_steps: int) -> None:
    """Call the `on_every_step` hooks: the training loops do after every optimiser step (hand-written loops may)."""
    for hook in _STEP_HOOKS:
        hook(total_steps)


def adam(model: nn.Module, lr: float = 1e-3) -> torch.optim.Optimizer:
    """Adam for the model's parameters, the fused implementation where the device supports it (the same
    updates, a few times faster than the default on a CPU)."""
    params, lr = list(validate.as_module(model).parameters()), validate.as_positive(lr, "lr")
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


def _mean_metrics(sums: dict[str, torch.Tensor], count: int) -> dict[str, float]:
    return {k: (v / count).item() for k, v in sums.items()}


@torch.no_grad()
def _evaluate(model: nn.Module, data: TensorData, batch_size: int, generator) -> dict[str, float]:
    sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros(()))
    with eval_mode(model):
        for x, y in data.batches(batch_size, shuffle=False, generator=generator):
            metrics = model.loss(x, y)
            _loss_of(metrics, model, training=False)
            for k, v in metrics.items():
                sums[k] = sums[k] + v.detach().float().cpu().reshape(()) * len(x)
    return _mean_metrics(sums, len(data))


def evaluate(model: nn.Module, data, batch_size: int = 500, generator: torch.Generator | None = None
             ) -> dict[str, float]:
    """The model's metrics averaged over every example of ``data`` (eval mode, no gradients).

    ``data`` is a dataset or a tensor (uint8: images 0..255, scaled to [0, 1]); it is checked first (finite,
    within the model's ``target_range``). ``generator`` draws dynamic binarisation (default: the dataset's).
    """
    _require_loss(model)
    data = as_data(data, "data", nonempty="evaluate")
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    _check_data(model, data, "evaluation data")
    with inputs_checked():
        return _evaluate(model, data, batch_size, validate.as_generator(generator))



@flags("progress")
def fit(model: nn.Module, train, *, epochs: int, test=None, lr: float | None = None, batch_size: int = 128,
        optimizer: torch.optim.Optimizer | None = None, clip_grad: float | None = None,
        progress: bool = True, history: History | None = None, desc: str | None = None,
        seed: int | None = None, resume: str | Path | None = None) -> History:
    """Minimise ``model.loss(x, y)["loss"]`` with Adam at ``lr`` (default 1e-3), or with ``optimizer`` (built with
    its own learning rate: leave ``lr`` out, or give the same), for ``epochs`` passes over ``train``.

    ``model.loss(x, y)`` must return a dict with a scalar tensor ``"loss"`` to minimise, plus optional scalar
    tensor metrics (averaged per epoch into the `History`). ``train`` and ``test`` are datasets or tensors
    (a uint8 tensor is images 0..255, trained on as x / 255 in [0, 1]); both are checked once before training:
    every value finite, and within ``model.target_range`` when the model declares one.

    All the randomness of the data (shuffling, dynamic binarisation) and of the loss's reparameterisation noise
    (`gencore.distributed.standard_normal`) comes from one generator seeded with ``seed``, by default a number
    drawn from torch's global RNG: ``torch.manual_seed(s); fit(...)`` gives the same numbers every time, whatever
    else used the dataset in between.

    Returns the `History`. Before every optimiser step the loss and the gradients are checked (one fused test);
    a NaN/inf in either, a NaN test loss or a loss grown a thousandfold stops training with `TrainingDiverged`,
    and the model gets back the weights (the optimiser its state) of the last epoch end whose loss was finite.

    ``resume``: a file for per-epoch checkpoints. After every epoch the weights, the optimiser, the history and
    the random states are written there atomically; a run that finds the file continues after its last
    complete epoch, and gives exactly the numbers of a run that was never interrupted (without a ``seed``, with
    the file's; a file of another seed or configuration is refused, not overwritten). The caller removes the
    file when it has kept the finished model (`gencore.cache.fit_cached` does).
    """
    _require_loss(model)
    epochs = as_int(epochs, "epochs", minimum=0)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    lr = validate.as_positive(1e-3 if lr is None else lr, "lr") if optimizer is None else lr   # default 1e-3
    if clip_grad is not None and not as_float(clip_grad, "clip_grad", minimum=0) > 0:
        raise ValueError(f"clip_grad must be a positive gradient norm (e.g. 1.0), got {clip_grad}: a norm of 0 would "
                         f"stop all learning; pass None not to clip.")
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history must be a History to continue, or None, got {type(history).__name__}.")
    if resume is not None and not (isinstance(resume, str) or hasattr(resume, "__fspath__")):
        raise TypeError(f"resume must be a file path (a str or a Path) for the progress file, got {resume!r}.")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        got = f"the class {optimizer.__name__}" if isinstance(optimizer, type) else f"{optimizer!r:.50}"
        raise TypeError(f"optimizer must be an optimiser built on the model's parameters, got {got}; pass e.g. "
                        f"torch.optim.Adam(model.parameters(), lr=1e-3).")
    if optimizer is not None:                # built for another model: fit would run and train nothing
        check_optimizer(optimizer, model, "the model", "one built on the model you train, e.g. adam(model, lr)")
        validate.same_lr(optimizer, lr)      # an lr given with it would be ignored
    seed = checkpoint.saved_seed(resume) if seed is None else seed     # no seed: a saved run's (resume), or none
    seed = int(torch.randint(0, 2 ** 62, ()).item()) if seed is None else as_int(seed, "seed")
    generator = torch.Generator().manual_seed(seed)
    train = as_data(train, "train", nonempty="train on")
    test = as_data(test, "test", nonempty="test on") if test is not None else None
    name = desc or type(model).__name__
    if getattr(model, "in_shape", None) is not None:
        check_shape(tuple(train.x.shape), tuple(model.in_shape), "The training data", name)
    if test is not None and test.x.shape[1:] != train.x.shape[1:]:
        raise ValueError(f"The test data's examples have shape {tuple(test.x.shape[1:])} but the training data's "
                         f"{tuple(train.x.shape[1:])} (what {name} takes); pass test data of the same kind.")
    _check_data(model, train, "training data")
    if test is not None:
        _check_data(model, test, "test data")
    device = train.x.device
    model.to(device)
    shards = distributed()
    if shards is not None:                       # every process must draw the same batches: rank 0's seed
        seed = broadcast_seed(seed, device)
        generator.manual_seed(seed)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    history = history if history is not None else History()
    done, run = 0, None
    if resume is not None:
        run = dict(loop="fit", weights=state_shapes(model), **model_settings(model), seed=seed,
                   optimizer=optimizer_settings(optimizer), batch_size=batch_size, clip_grad=clip_grad,
                   data=fingerprint(train), binarize=getattr(train, "binarize", None),
                   test=fingerprint(test) if test is not None else None)
        resumed = load_progress(resume, run, what=name)
        if resumed is not None:
            if resumed["done"] > epochs:         # a longer run of the same training: never overwrite it
                raise ValueError(f"The progress file {resume} already holds {resumed['done']} epochs of this run, "
                                 f"more than the {epochs} asked; ask for epochs >= {resumed['done']} to continue it, "
                                 f"or pass another resume file (or delete this one) to train {name} from the start.")
            state = resumed["state"]
            restore_states({model: state["model"], optimizer: state["optimizer"]}, resume)
            generator.set_state(state["generator"])
            torch.set_rng_state(state["torch_rng"])
            history, done = History(state["history"]), resumed["done"]
            print(f"Resuming {name} after epoch {done} of {epochs} (from {Path(resume).name}).")
    batches = train.batches(batch_size, shuffle=True, generator=generator)
    # one bar for the whole run (a bar per epoch piles up in a saved notebook), the epoch in its postfix
    bar = tqdm(total=(epochs - done) * len(batches), desc=name, unit="batch",
               disable=not progress or epochs == done or (shards is not None and shards[0] != 0))
    start_epoch = len(history) - done
    total_steps = (epochs - done) * len(batches)
    # torchrun: every process draws the same global batches and noise (the same seeded generator), trains on its
    # slice, and DistributedDataParallel averages the gradients: the same steps as one process on the global batches
    if shards is not None:
        from torch.nn.parallel import DistributedDataParallel
        devices = [device.index] if device.type == "cuda" else None
        compute = DistributedDataParallel(LossModule(model), device_ids=devices)
    else:
        compute = model.loss
    last_good, first = LastGood([model, optimizer], at=len(history)), None     # the last state whose loss was finite
    rate = optimizer.param_groups[0].get("lr", lr) if optimizer.param_groups else lr
    advice = f"Lower the learning rate{'' if rate is None else f' (lr={float(rate):g})'} " + (
        "or clip the gradients (clip_grad=...)." if clip_grad is None else f"(it already clips at {clip_grad:g}).")
    with inputs_checked(), bar:     # the data were checked once: the model's door skips each batch's scan
        for e in range(done, epochs):
            epoch = start_epoch + e + 1
            model.train()
            sums: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), device=device))
            seen = 0
            started = time.perf_counter()
            for step, (x, y) in enumerate(batches, start=1):
                noise = batch_noise(generator, len(x), shards)     # the global batch's noise, this slice of it
                if shards is not None:
                    x, y = shard(x, y, *shards)
                with noise:
                    metrics = compute(x, y)
                loss = _loss_of(metrics, model, training=True)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                loss_ok, grads_ok, grad_norm = step_is_finite(loss, params, clip_grad)
                if step == 1 and loss_ok and test is None and last_good.at != epoch - 1:
                    last_good.keep(epoch - 1)           # the last epoch's final weights give a finite loss
                first = loss.item() if first is None and loss_ok else first
                if not (loss_ok and grads_ok):
                    raise last_good.diverged(divergence_summary(name, epoch, step, loss, grad_norm, loss_ok), history,
                                             "epoch", advice, cause="loss" if not loss_ok else "gradient",
                                             epoch=epoch, step=step)
                optimizer.step()
                after_step(total_steps)
                for k, v in metrics.items():
                    sums[k] += v.detach().reshape(()) * len(x)
                seen += len(x)
                bar.update(1)
            if shards is not None:              # every process logs the metrics over the whole epoch
                sums, seen = all_reduce_sums(sums, seen, device)
            history.log("train", _mean_metrics(sums, seen))
            if blew_up(history.last("train/loss"), first):      # grew a thousandfold, not (yet) to NaN
                raise last_good.diverged(f"Training {name} diverged: its loss grew from {first:.4g} at the first step "
                                         f"to {history.last('train/loss'):.4g} on average over epoch {epoch}.",
                                         history, "epoch", advice, cause="loss", epoch=epoch)
            history.log("train", {"seconds": time.perf_counter() - started})
            if test is not None:
                history.log("test", _evaluate(model, test, 500, generator))
                if not math.isfinite(history.last("test/loss")):
                    raise last_good.diverged(f"Training {name} diverged: its test loss became "
                                             f"{history.last('test/loss')} after epoch {epoch}.", history, "epoch",
                                             advice, cause="test loss", epoch=epoch)
                last_good.keep(epoch)
            shown = {k.replace("/loss", ""): f"{v[-1]:.4g}" for k, v in history.metrics.items()
                     if k.endswith("/loss")}
            bar.set_postfix(epoch=f"{e + 1}/{epochs}", **shown)
            if resume is not None and is_main_process():
                save_progress(resume, run, e + 1, {
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history.to_dict(),
                    "generator": generator.get_state(), "torch_rng": torch.get_rng_state()})
    return history


# ------------------------------------------------------------------------------------------ the GAN's game
@flags("decay", "progress")
def train_gan(gan: GAN, data, *, steps: int, batch_size: int = 128, lr: float = 2e-4, lr_d: float | None = None,
              betas=(0.5, 0.999), d_steps: int = 1, loss: str = "non-saturating", r1: float = 0.0,
              snapshots: Sequence[int] = (), n_snapshot: int = 64, log_every: int | None = None,
              decay: bool = False, auxiliary: float = 0.0, seed: int | None = None, progress: bool = True,
              desc: str | None = None, resume=None, checkpoint_every: int | None = None,
              discriminator_update: Callable = discriminator_step) -> tuple[History, dict]:
    """Alternate ``d_steps`` discriminator steps and one generator step, ``steps`` times (Adam for both).

    D-step: minimise `discriminator_loss` (+ r1/2 * `r1_penalty` when ``r1`` > 0) on a real batch and a fake
    batch G(z) made without gradients (the fakes are detached: D's step never changes G). G-step: minimise
    the ``loss`` ("non-saturating" or "minimax") of D's logits on fresh fakes, with D's weights frozen.
    Conditional GANs draw their fakes with the real batch's labels. ``decay=True``: both learning rates fall
    linearly to 0 over the run (the players settle instead of circling each other at the end). ``auxiliary`` > 0
    (a conditional GAN whose D has an auxiliary classifier): AC-GAN, both players also minimise ``auxiliary`` times
    the `auxiliary_classifier_loss`, D on the real images and their labels, G on its fakes and the labels
    they were drawn for.

    Returns (history, snapshots): the history holds, every ``log_every`` steps (default: steps // 100), the
    averages of "d_loss", "g_loss", "d_real" = E D(x), "d_fake" = E D(G(z)), the "step" and G's "lr" (with
    ``auxiliary`` > 0 also "d_class" and "g_class", the two cross-entropies unweighted, so that D's -V is
    d_loss - auxiliary * d_class and G's adversarial loss g_loss - auxiliary * g_class); the snapshots
    are {step: G(z_fixed)} for the steps in ``snapshots`` (0 = before training), always the same
    ``n_snapshot`` noise vectors (and labels in turn), so they are comparable. A NaN/inf loss or gradient, or a
    logged loss grown a thousandfold from its first value, stops training with `TrainingDiverged`; both networks
    get back the weights of the last logging step whose losses were finite (and not grown so). All randomness
    comes from ``seed`` (default: drawn from torch's global RNG).

    ``resume``: a file for progress checkpoints, written atomically every ``checkpoint_every`` steps (default:
    a tenth of the run, rounded to a logging step): both networks, both optimisers, the schedules, the random
    state and the data stream's position. A run that finds the file continues from it and ends with the
    weights of an uninterrupted run.

    ``discriminator_update``: a function with `gencore.gan.discriminator_step`'s signature used in its place
    (a study's variant of D's step, e.g. in experiments/).
    """
    if not isinstance(gan, GAN):
        raise TypeError(f"gan must be a GAN (gencore.gan.toy_gan(), image_gan(), GAN(G, D, noise_dim)), got "
                        f"{type(gan).__name__}; a model with a loss trains with fit(model, data, epochs=...).")
    steps, batch_size = as_int(steps, "steps", minimum=0), as_int(batch_size, "batch_size", minimum=1)
    d_steps, n_snapshot = as_int(d_steps, "d_steps", minimum=1), as_int(n_snapshot, "n_snapshot", minimum=1)
    lr = validate.as_positive(lr, "lr")
    lr_d = lr if lr_d is None else as_float(lr_d, "lr_d", minimum=0)
    r1, auxiliary = as_float(r1, "r1", minimum=0), as_float(auxiliary, "auxiliary", minimum=0)
    if auxiliary > 0 and getattr(gan.discriminator, "classifier", None) is None:
        raise ValueError(f"auxiliary={auxiliary} weighs an auxiliary classifier, but this GAN's discriminator has "
                         f"none; build it with image_gan(..., n_classes=K, auxiliary=True), or leave auxiliary=0.")
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(map(repr, GENERATOR_LOSSES))}, got {loss!r}.")
    g_loss_fn = GENERATOR_LOSSES[loss]
    log_every = max(1, steps // 100) if log_every is None else as_int(log_every, "log_every", minimum=1)
    snap_steps = step_list(snapshots, "snapshots")
    if snap_steps and snap_steps[-1] > steps:
        raise ValueError(f"snapshots must be steps in [0, steps={steps}], got {snap_steps[-1]}.")
    try:
        betas = tuple(as_float(b, "betas", minimum=0, maximum=0.9999) for b in betas)
    except TypeError:
        betas = ()
    if len(betas) != 2:
        raise TypeError("betas must be a pair (beta1, beta2) of Adam's decay rates in [0, 1), e.g. (0.5, 0.999).")
    seed = checkpoint.saved_seed(resume) if seed is None else seed     # no seed: a saved run's (resume), or none
    seed = int(torch.randint(0, 2 ** 62, ()).item()) if seed is None else as_int(seed, "seed")
    rng = torch.Generator().manual_seed(seed)
    data = as_data(data, "data", nonempty="train the GAN on", model=gan)
    if gan.data_shape is not None:       # what G draws and D judges: the same check as fit's
        check_shape(tuple(data.x.shape), gan.data_shape, "The GAN's training data", "this GAN")
    data.check_values("GAN's training data", gan.target_range, expected_by="this GAN's generator")
    if gan.n_classes:
        check_labels(data.labels, gan.n_classes, what="training data's labels")
    device = data.x.device
    gan.to(device)
    G, D = gan.generator, gan.discriminator
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
    schedules = [torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 1 - i / steps) for opt in (opt_g, opt_d)] \
        if decay and steps else []
    stream = Stream(data, batch_size, rng)
    every = max(1, steps // 10) if checkpoint_every is None else as_int(checkpoint_every, "checkpoint_every", minimum=1)
    every = max(log_every, (every // log_every) * log_every)          # at logging steps: no partial averages
    fixed_z = gan.noise(n_snapshot, torch.Generator().manual_seed(seed + 1))
    fixed_y = torch.arange(n_snapshot, device=device) % gan.n_classes if gan.n_classes else None
    shots: dict[int, torch.Tensor] = {}
    history = History()
    sums = torch.zeros(6 if auxiliary > 0 else 4, device=device)     # + the class terms with an auxiliary classifier
    count = 0

    def snapshot(step):
        if step in snap_steps:
            with torch.no_grad(), eval_mode(G):
                shots[step] = (G(fixed_z) if fixed_y is None else G(fixed_z, fixed_y)).cpu()

    first, elapsed, name, grown = 0, 0.0, desc or "GAN", None
    if resume is not None:
        run = dict(loop="gan", weights=state_shapes(G, D), **model_settings(gan), seed=seed, steps=steps, lr=lr,
                   batch_size=batch_size, lr_d=lr_d, betas=list(betas), d_steps=d_steps, loss=loss, r1=r1,
                   auxiliary=auxiliary, decay=decay, log_every=log_every, checkpoint_every=every, snapshots=snap_steps,
                   n_snapshot=n_snapshot, data=fingerprint(data), binarize=getattr(data, "binarize", None),
                   discriminator_update=f"{discriminator_update.__module__}.{discriminator_update.__qualname__}")
        resumed = load_progress(resume, run, what=name)
        if resumed is not None:
            state = resumed["state"]
            restore_states({gan: state["gan"], opt_g: state["opt_g"], opt_d: state["opt_d"],
                            **dict(zip(schedules, state["schedules"]))}, resume)
            stream.restore(state["stream"], state["rng"])
            first, elapsed = resumed["done"], state["elapsed"]
            history, shots = History(state["history"]), state["shots"]
            print(f"Resuming {name} after step {first} of {steps} (from {Path(resume).name}).")
    bar = tqdm(range(first, steps), desc=name, unit="step", disable=not progress or steps == first)
    G.train()
    D.train()
    if first == 0:
        snapshot(0)
    started = time.perf_counter() - elapsed
    last_good = LastGood([gan, opt_g, opt_d, *schedules], at=first)     # the last state whose losses were finite
    checked = inputs_checked()          # the data were checked once: D's door skips each batch's scan
    checked.__enter__()
    try:
        for step in bar:
            for _ in range(d_steps):
                x, y = next(stream)
                y = y.to(device) if gan.n_classes else None
                d = discriminator_update(gan, opt_d, x, y, rng, r1=r1, step=step + 1, history=history,
                                         auxiliary=auxiliary)
            g_loss, g_class = generator_step(gan, opt_g, len(x), y, rng, g_loss_fn, step=step + 1,
                                             history=history, auxiliary=auxiliary, terms=True)
            after_step(steps - first)
            for schedule in schedules:
                schedule.step()
            extra = [d.get("class_loss", torch.full_like(g_loss, float("nan"))), g_class] if auxiliary > 0 else []
            sums += torch.stack([d["loss"], g_loss, d["d_real"], d["d_fake"], *extra])    # + the unweighted class terms
            count += 1
            snapshot(step + 1)
            if (step + 1) % log_every == 0 or step + 1 == steps:
                d_l, g_l, d_r, d_f, *class_terms = (sums / count).tolist()
                logged = {"step": step + 1, "d_loss": d_l, "g_loss": g_l, "d_real": d_r, "d_fake": d_f}
                if class_terms:
                    logged.update(d_class=class_terms[0], g_class=class_terms[1])
                history.log("train", {**logged, "lr": opt_g.param_groups[0]["lr"],
                                      "seconds": time.perf_counter() - started})
                bar.set_postfix(d_loss=f"{d_l:.3f}", g_loss=f"{g_l:.3f}", D_real=f"{d_r:.2f}", D_fake=f"{d_f:.2f}")
                sums.zero_()
                count = 0
                grown = grown_loss(history, ("train/d_loss", "train/g_loss"), at=f"step {step + 1}")
                if grown:
                    break
                if math.isfinite(d_l) and math.isfinite(g_l):
                    last_good.keep(step + 1)
                if resume is not None and (step + 1) % every == 0 and step + 1 < steps:
                    save_progress(resume, run, step + 1, {
                        "gan": gan.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                        "schedules": [s.state_dict() for s in schedules], "stream": stream.state(),
                        "rng": rng.get_state(), "elapsed": time.perf_counter() - started,
                        "history": history.to_dict(), "shots": shots})
    except TrainingDiverged as e:
        grown = e
    finally:
        checked.__exit__(None, None, None)
        bar.close()
        G.eval()
        D.eval()
    if grown is not None:          # a NaN/inf step (not applied), or losses grown a thousandfold (not yet NaN)
        rates = f"lr={lr:g}" + (f", lr_d={lr_d:g}" if lr_d != lr else "")
        summary = f"{grown.summary[:-1]} (that step was not applied)." if isinstance(grown, TrainingDiverged) else \
            f"The GAN diverged: {grown}."
        raise last_good.diverged(summary, history, "step", f"Lower the learning rate ({rates}), or stabilise D "
                                 f"(spectral_norm=True, r1=...).", cause=getattr(grown, "cause", "loss"),
                                 step=getattr(grown, "step", step + 1)) from None
    return history, shots
