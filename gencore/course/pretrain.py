"""What each notebook trains through the model cache, in the notebook's own configuration, and how long training
it will take: what ``gencore pretrain`` trains before class so that the notebooks only load.

    for label, train in notebook_models("03"):          # (label, train(verbose, progress)) for the current mode
        ...
    with probe_steps(6):                                # every training loop stops after 6 steps: StepProbe
        train(verbose=False, progress=False)            # returns at once when the model is cached

The calls are the notebooks' own (same data, networks, budget and seed, so the same cache keys); `zoo`'s models
are used where a notebook loads one of them. tests/test_zoo.py checks that each notebook still makes these calls,
and the integration test tests/test_cli.py::test_after_pretrain_the_notebooks_train_nothing executes every
notebook after ``gencore pretrain`` and reads the cache log: nothing is trained. Notebooks 00 and 02 train
nothing through the cache (their small fits take seconds).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable

import torch

from ..autoencoder import train_autoencoder
from ..cache import load_or_train, train_gan_cached
from ..classifier import train_classifier
from ..config import current
from ..cvae import train_cvae
from ..data import TensorData, load_dataset, toy
from ..gan import MLPDiscriminator, discriminator_loss, toy_gan
from ..history import History
from ..train import adam, after_step, fit, on_every_step
from ..vae import VAE, train_vae
from ..validate import as_int
from . import zoo

__all__ = ["NOTEBOOKS", "StepProbe", "estimate", "notebook_models", "probe_steps"]

Entry = tuple[str, Callable[..., object]]          # (label, train(verbose=..., progress=...))


def _zoo(name: str) -> Entry:
    return name, lambda **kw: zoo.load(name, **kw)


# ------------------------------------------------------------------------------------------ 01: autoencoders
def _notebook01() -> list[Entry]:
    cfg = current()
    epochs = cfg.pick(full=10, quick=2)
    train = load_dataset(cfg.dataset, "train", subset=cfg.pick(full=None, quick=2000))
    test = load_dataset(cfg.dataset, "test", subset=cfg.pick(full=None, quick=1000))
    entries = [(f"ae d={d}", lambda d=d, **kw: train_autoencoder(train, test=test, latent_dim=d, epochs=epochs,
                                                                 name="ae", **kw)) for d in [2, 4, 8, 16, 32]]

    def roll(**kw):
        points = toy.swiss_roll(cfg.pick(full=3000, quick=1000), dim=3, return_t=True,
                                generator=torch.Generator().manual_seed(0))[0]
        roll_std = (points - points.mean(0)) / points.std(0).pow(2).mean().sqrt()
        return train_autoencoder(
            TensorData(roll_std), latent_dim=2, epochs=cfg.pick(full=300, quick=15), likelihood="gaussian",
            hidden=(128, 128, 128), activation="silu", batch_size=64,
            dataset="swiss_roll(dim=3, seed=0), centred, one scale", name="ae-swiss-roll", **kw)
    return entries + [("ae-swiss-roll", roll)]


# ------------------------------------------------------------------------------------------ 03: the VAE
def _notebook03_vae(verbose: bool = True, progress: bool = True):
    """Notebook 03's VAE, also loaded by notebook 05 (through load_or_train with its own configuration)."""
    cfg, train, test = zoo.vae_data()
    config = dict(name="vae", kind="mlp", latent_dim=16, hidden=[256, 256], beta=1.0, dataset=cfg.dataset,
                  binarize="dynamic", subset=len(train), epochs=cfg.pick(full=30, quick=3), lr=1e-3, batch_size=128,
                  quick=cfg.quick, seed=cfg.seed)
    torch.manual_seed(config["seed"])
    vae = VAE(latent_dim=config["latent_dim"], hidden=tuple(config["hidden"])).to(cfg.device)
    return load_or_train(
        vae, lambda m: fit(m, train, test=test, epochs=config["epochs"], lr=config["lr"],
                           batch_size=config["batch_size"], optimizer=adam(m, config["lr"]), desc="VAE d=16",
                           progress=progress),
        config=config, verbose=verbose)


def _notebook03() -> list[Entry]:
    cfg, train, test = zoo.vae_data()
    sweep_epochs = cfg.pick(full=5, quick=2)
    sizes = cfg.pick(full=[2, 4, 8, 16, 32, 64], quick=[2, 8, 32])
    betas = cfg.pick(full=[0.25, 0.5, 1.0, 2.0, 4.0, 8.0], quick=[0.5, 1.0, 4.0])
    d_ref = 16 if 16 in sizes else sizes[len(sizes) // 2]          # trained again with another seed: the noise scale
    return [("vae (notebook 03)", _notebook03_vae),
            ("vae-2d", lambda **kw: train_vae(train, test=test, latent_dim=2, hidden=(256, 256),
                                              epochs=cfg.pick(full=20, quick=3), name="vae-2d", **kw))] + [
        (f"vae-au d={d}", lambda d=d, **kw: train_vae(train, latent_dim=d, hidden=(256, 256), epochs=sweep_epochs,
                                                      name="vae-au", **kw)) for d in sizes] + [
        (f"vae-beta {beta:g}", lambda beta=beta, **kw: train_vae(train, latent_dim=16, hidden=(256, 256), beta=beta,
                                                                 epochs=sweep_epochs, name="vae-beta", **kw))
        for beta in betas if not (beta == 1.0 and 16 in sizes)] + [   # the notebook reuses vae-au d=16 there
        (f"vae-au d={d_ref}, seed {cfg.seed + 1} (the noise scale)",
         lambda **kw: train_vae(train, latent_dim=d_ref, hidden=(256, 256), epochs=sweep_epochs, name="vae-au",
                                seed=cfg.seed + 1, **kw))]


# ------------------------------------------------------------------------------------------ 04: the cVAE
def _notebook04() -> list[Entry]:
    cfg, train, test = zoo.vae_data()
    entries = [_zoo("vae"), ("cvae beta=1", lambda **kw: train_cvae(train, test=test, **zoo.ARCH, **zoo.BUDGET, **kw)),
               _zoo("cvae"), _zoo("classifier")]
    if cfg.dataset != "sprites":                     # the same pair on sprites (a shorter budget), its classifier
        sprite_train = load_dataset("sprites", "train", binarize="dynamic", subset=cfg.pick(full=None, quick=3000))
        sprite_test = load_dataset("sprites", "test", binarize="static", subset=cfg.pick(full=None, quick=500))
        sprite_budget = dict(zoo.BUDGET, epochs=cfg.pick(full=10, quick=3))
        entries += [("sprites vae", lambda **kw: train_vae(sprite_train, test=sprite_test, **zoo.ARCH, **sprite_budget,
                                                           **kw)),
                    ("sprites cvae", lambda **kw: train_cvae(sprite_train, test=sprite_test, **zoo.ARCH,
                                                             **sprite_budget, **kw)),
                    ("sprites classifier", lambda **kw: train_classifier("sprites", **kw))]
    return entries


# ------------------------------------------------------------------------------------------ 06: the GAN
def _d_1d(verbose: bool = True, progress: bool = True):
    """Many D-steps against a fixed G on the line (the notebook's train_d_1d, with gencore's discriminator_loss)."""
    steps = current().pick(full=3000, quick=300)

    def train(d):
        g = torch.Generator().manual_seed(0)
        opt = torch.optim.Adam(d.parameters(), lr=1e-3)
        history = History()
        for step in range(steps):
            sign = torch.randint(0, 2, (512, 1), generator=g) * 2.0 - 1.0
            real = 1.5 * sign + 0.4 * torch.randn(512, 1, generator=g)
            fake = 1.0 + 0.5 * torch.randn(512, 1, generator=g)
            loss = discriminator_loss(d(real), d(fake))
            opt.zero_grad()
            loss.backward()
            opt.step()
            after_step(steps)
            if (step + 1) % 100 == 0:
                history.log("train", {"step": step + 1, "d_loss": loss.item()})
        return history

    torch.manual_seed(0)
    return load_or_train(MLPDiscriminator(in_dim=1, hidden=(64, 64)), train,
                         dict(name="gan06-d-1d", steps=steps, quick=current().quick, seed=0), verbose=verbose)


def _d_alone(verbose: bool = True, progress: bool = True):
    """300 D-steps against the untrained toy G (the notebook's train_d_alone)."""
    device = current().device

    def train(gan):
        g = torch.Generator().manual_seed(0)
        opt = torch.optim.Adam(gan.discriminator.parameters(), lr=1e-3)
        history = History()
        for step in range(300):
            x = toy.ring(256, std=0.02, generator=g).to(device)
            with torch.no_grad():
                fake = gan.generator(gan.noise(256, g))
            loss = discriminator_loss(gan.discriminator(x), gan.discriminator(fake))
            opt.zero_grad()
            loss.backward()
            opt.step()
            after_step(300)
            if (step + 1) % 100 == 0:
                history.log("train", {"step": step + 1, "d_loss": loss.item()})
        return history

    torch.manual_seed(0)
    return load_or_train(toy_gan().to(device), train, dict(name="gan06-d-alone", steps=300, quick=current().quick,
                                                            seed=0), verbose=verbose)


def _notebook06() -> list[Entry]:
    cfg = current()
    ring_data = toy.ring(100_000, 8, 2.0, 0.02, generator=torch.Generator().manual_seed(0))
    early_steps = cfg.pick(full=2000, quick=200)
    early_snaps = sorted({0, early_steps // 4, early_steps // 2, early_steps})
    entries = [("gan06-d-1d", _d_1d), ("gan06-d-alone", _d_alone)] + [
        (f"gan06-ring-{loss_name}", lambda loss_name=loss_name, **kw: train_gan_cached(
            toy_gan, ring_data, name=f"gan06-ring-{loss_name}", hyper=dict(toy="ring"), steps=early_steps,
            snapshots=early_snaps, n_snapshot=2500, batch_size=256, lr=2e-4, betas=(0.5, 0.999), loss=loss_name,
            seed=0, **kw)) for loss_name in ("minimax", "non-saturating")]
    toy_steps = cfg.pick(full=10000, quick=300)
    toy_snaps = sorted({0, round(toy_steps * 0.02), *[round(toy_steps * j / 40) for j in range(1, 41)]})   # 2.5%
    toys = {"ring": ring_data, "grid": toy.grid(100_000, 5, 2.0, 0.05, generator=torch.Generator().manual_seed(0))}
    recipes = {"classic": (dict(), dict(lr=2e-4, betas=(0.5, 0.999))),
               "stabilised": (dict(spectral_norm=True), dict(lr=1e-3, betas=(0.0, 0.9), decay=True))}
    for data_name, data in toys.items():
        for recipe, (model_kw, train_kw) in recipes.items():
            entries.append((f"gan06-{data_name}-{recipe}", lambda data=data, data_name=data_name, recipe=recipe,
                            model_kw=model_kw, train_kw=train_kw, **kw: train_gan_cached(
                lambda: toy_gan(**model_kw), data, name=f"gan06-{data_name}-{recipe}",
                hyper=dict(toy=data_name, **model_kw), steps=toy_steps, snapshots=toy_snaps, n_snapshot=2500,
                batch_size=256, seed=0, **train_kw, **kw)))
    return entries + [_zoo("gan"), _zoo("classifier")]


NOTEBOOKS: dict[str, Callable[[], list[Entry]]] = {
    "00": lambda: [],
    "01": _notebook01,
    "02": lambda: [],
    "03": _notebook03,
    "04": _notebook04,
    "05": lambda: [_zoo("draw"), _zoo("draw-noatt"), ("vae (notebook 03)", _notebook03_vae)],
    "06": _notebook06,
    "07": lambda: [_zoo("cgan"), _zoo("classifier"), _zoo("cvae")],
    "08": lambda: [_zoo(name) for name in zoo.MODELS],
}


def notebook_models(notebook: str) -> list[Entry]:
    """(label, train) of every model ``notebook`` ("00".."08") trains or loads through the model cache, for the
    current dataset and mode; ``train(verbose=..., progress=...)`` loads it when cached, else trains and caches it."""
    if notebook not in NOTEBOOKS:
        raise ValueError(f"There is no notebook {notebook!r}; the course's notebooks are {', '.join(NOTEBOOKS)}.")
    return NOTEBOOKS[notebook]()


# ------------------------------------------------------------------------------------------ how long it takes
class StepProbe(Exception):
    """Raised by `probe_steps` inside a training loop: it timed its first steps and stopped. ``seconds_per_step``
    (the first step, which warms up, not counted) and ``total_steps`` (what the whole run would take)."""

    def __init__(self, seconds_per_step: float, total_steps: int):
        super().__init__(f"{seconds_per_step:.4f} s per step, {total_steps} steps")
        self.seconds_per_step, self.total_steps = seconds_per_step, total_steps


@contextmanager
def probe_steps(n: int = 6):
    """Inside this block every training loop (`fit`, `train_gan`) stops after ``n`` steps (or before its last
    step, for a shorter run) with `StepProbe`, saving nothing: how ``gencore pretrain`` estimates how long
    training will take."""
    n = as_int(n, "n", minimum=2)
    started = time.perf_counter()
    times: list[float] = []

    def probe(total_steps: int) -> None:
        times.append(time.perf_counter())
        if len(times) >= min(n, total_steps):
            first = times[0] if len(times) > 1 else started
            raise StepProbe((times[-1] - first) / max(1, len(times) - 1), total_steps)

    with on_every_step(probe):
        yield


def estimate(train: Callable[..., object]) -> StepProbe | None:
    """None when ``train`` loads its model from the cache (or a shared one), else the `StepProbe` that timed its
    first steps (nothing is trained or saved)."""
    try:
        with probe_steps(6):
            train(verbose=False, progress=False)
    except StepProbe as p:
        return p
    return None
