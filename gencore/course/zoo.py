"""The course's models, each with the configuration its notebook trains it with, in one place.

    model, history = zoo.load("vae")          # notebook 04's VAE: loaded from the model cache, or trained
    images, labels = zoo.sample("cgan", model, 1000, generator=torch.Generator().manual_seed(0))

The calls are the notebooks' own (same data, subsets, networks and budget for the current quick/full mode
and dataset), so a model trained by a notebook, by notebook 08 or by the command line is one cache entry.
`tests/test_zoo.py` checks that each notebook still makes the call this module makes.

    name          notebook  what
    vae           04        MLP VAE 784-256-256-16, 30 epochs (quick: of 3,000 images), binarised data
    cvae          04        the class-conditional VAE with beta = 2 (the one whose samples follow the label best)
    draw          05        DRAW with attention (T=10, read 6x6, write 12x12, LSTM 128)
    draw-noatt    05        DRAW without attention, same budget
    gan           06        the DCGAN
    cgan          07        the conditional DCGAN (projection discriminator)
    classifier    04        the domain classifier
"""
from __future__ import annotations

from typing import Callable

import torch

from ..cache import train_gan_cached
from ..classifier import train_classifier
from ..config import current
from ..cvae import train_cvae
from ..data import load_dataset
from ..draw import DRAW, train_draw
from ..gan import GAN, image_gan
from ..labels import requested_labels
from ..vae import VAE, train_vae
from ..validate import as_generator, as_int, did_you_mean, flags

__all__ = ["ARCH", "BUDGET", "MODELS", "load", "sample", "describe", "vae_data", "CONDITIONAL", "LIKELIHOOD"]


def vae_data():
    """(config, train, test): notebook 04's binarised data (also notebook 03's and 05's)."""
    cfg = current()
    train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=None, quick=3000))
    test = load_dataset(cfg.dataset, "test", binarize="static", subset=cfg.pick(full=None, quick=500))
    return cfg, train, test


ARCH = dict(latent_dim=16, hidden=[256, 256])           # notebook 04's networks for the VAE and the cVAE
# and its budget: 30 epochs in both modes (quick: of 3,000 images, about 7 s): after 3 the quick VAE had collapsed to
# its prior (KL 0.14 nats, 600 identical grey blobs); after 30 its samples are sprites' shapes (tests/test_cli.py)
BUDGET = dict(epochs=30, lr=1e-3, batch_size=128)


def _override(config: dict, epochs, latent, seed, latent_key: str = "latent_dim") -> dict:
    """The notebook's configuration with the command line's changes (None: keep the notebook's value)."""
    config = dict(config)
    if epochs is not None:
        config["epochs"] = epochs
    if latent is not None:
        config[latent_key] = latent
    if seed is not None:
        config["seed"] = seed
    return config


def _vae(epochs=None, latent=None, seed=None, **kw):
    _, train, test = vae_data()
    return train_vae(train, test=test, **_override({**ARCH, **BUDGET}, epochs, latent, seed), **kw)


def _cvae(epochs=None, latent=None, seed=None, **kw):
    _, train, test = vae_data()
    return train_cvae(train, test=test, **_override({**ARCH, "beta": 2.0, **BUDGET}, epochs, latent, seed),
                      name="cvae-beta2", **kw)


def _draw(attention: bool):
    def train(epochs=None, latent=None, seed=None, **kw):
        cfg, _, test = vae_data()
        config = dict(T=cfg.pick(full=10, quick=4), read_n=6, write_n=12, hidden=128, latent_dim=10,
                      epochs=cfg.pick(full=5, quick=2), lr=3e-3, batch_size=128)
        data = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=20000, quick=3000))
        return train_draw(data, test=test, attention=attention, **_override(config, epochs, latent, seed), **kw)
    return train


def _dcgan(epochs=None, latent=None, seed=None, **kw):
    cfg = current()
    images = load_dataset(cfg.dataset, "train", subset=cfg.pick(full=None, quick=3000))
    steps = cfg.pick(full=6000, quick=150) if epochs is None else max(1, epochs * len(images) // 64)
    snaps = sorted({0, steps // 20, steps // 6, steps // 2, steps})
    hyper = dict(g_channels=[64, 32], d_channels=[32, 64])
    noise = {} if latent is None else {"noise_dim": latent}
    hyper.update(noise)

    def build():
        return image_gan(in_shape=images.shape, g_channels=(64, 32), d_channels=(32, 64), **noise)

    # quick: 150 steps at lr 1e-3 (at 2e-4 the samples were blobs of one kind; now several shapes, tests/test_cli.py)
    gan, history, _ = train_gan_cached(build, images, name="gan06-dcgan", hyper=hyper, steps=steps, snapshots=snaps,
                                       n_snapshot=64, batch_size=64, lr=cfg.pick(full=2e-4, quick=1e-3),
                                       betas=(0.5, 0.999),
                                       seed=0 if seed is None else seed, **kw)
    return gan, history


def _cdcgan(epochs=None, latent=None, seed=None, **kw):
    cfg = current()
    images = load_dataset(cfg.dataset, "train", subset=cfg.pick(full=None, quick=3000))
    K = len(images.classes)
    steps = cfg.pick(full=6000, quick=150) if epochs is None else max(1, epochs * len(images) // 64)
    snaps = sorted({0, steps // 10, steps // 3, steps})
    hyper = dict(n_classes=K, g_channels=[64, 32], d_channels=[32, 64], auxiliary=True)
    noise = {} if latent is None else {"noise_dim": latent}
    hyper.update(noise)
    gan, history, _ = train_gan_cached(
        lambda: image_gan(in_shape=images.shape, n_classes=K, g_channels=(64, 32), d_channels=(32, 64),
                          auxiliary=True, **noise),
        images, name="cgan07", hyper=hyper, steps=steps, snapshots=snaps, n_snapshot=8 * K, batch_size=64,
        lr=cfg.pick(full=2e-4, quick=1e-3), betas=(0.5, 0.999), auxiliary=1.0, seed=0 if seed is None else seed, **kw)
    return gan, history


def _classifier(epochs=None, latent=None, seed=None, **kw):
    if latent is not None:
        raise ValueError("The classifier has no latent code; leave out --latent.")
    return train_classifier(current().dataset, epochs=epochs, seed=seed, **kw)


MODELS: dict[str, Callable] = {
    "vae": _vae,
    "cvae": _cvae,
    "draw": _draw(True),
    "draw-noatt": _draw(False),
    "gan": _dcgan,
    "cgan": _cdcgan,
    "classifier": _classifier,
}
CONDITIONAL = {"cvae", "cgan"}
LIKELIHOOD = {"vae", "cvae", "draw", "draw-noatt"}
DESCRIPTIONS = {
    "vae": "notebook 04's VAE (MLP 256-256, 16 latents, binarised data)",
    "cvae": "notebook 04's class-conditional VAE, beta = 2",
    "draw": "notebook 05's DRAW with attention",
    "draw-noatt": "notebook 05's DRAW without attention",
    "gan": "notebook 06's DCGAN",
    "cgan": "notebook 07's conditional DCGAN (projection D with an auxiliary classifier)",
    "classifier": "the domain classifier (notebook 04)",
}


def _check_name(name: str) -> str:
    if name not in MODELS:
        near = did_you_mean(str(name).lower(), MODELS)
        raise ValueError(f"Unknown model {name!r}" + (f" (did you mean {near!r}?)" if near else "")
                         + f"; the course's models are: {', '.join(MODELS)}.")
    return name


def describe(name: str) -> str:
    return DESCRIPTIONS[_check_name(name)]


@flags("verbose", "progress")
def load(name: str, *, epochs: int | None = None, latent: int | None = None, seed: int | None = None,
         verbose: bool = True, progress: bool = True):
    """The course model ``name`` for the current dataset and mode: (model in eval mode, training history),
    loaded from the model cache when its notebook (or an earlier call) trained it, else trained now.
    ``epochs``, ``latent``, ``seed`` change the notebook's configuration (another cache entry); None keeps it.
    For the GANs ``epochs`` counts passes over the training data. A value that would train nothing (epochs,
    latent below 1, a negative seed) is refused before anything is loaded or trained."""
    _check_name(name)
    epochs = None if epochs is None else as_int(epochs, "epochs", minimum=1)
    latent = None if latent is None else as_int(latent, "latent", minimum=1)
    seed = None if seed is None else as_int(seed, "seed", minimum=0)
    model, history = MODELS[name](epochs=epochs, latent=latent, seed=seed, verbose=verbose,
                                               progress=progress)
    model.eval()
    return model, history


@torch.no_grad()
def sample(name: str, model, n: int, generator: torch.Generator | None = None, labels=None
           ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n images (n, C, H, W) in [0, 1] on the CPU, and their requested labels (conditional models; the
    classes in turn unless ``labels``, one per image, are given) or None. Likelihood models give their
    Bernoulli means."""
    _check_name(name)
    if name == "classifier":
        raise ValueError("The classifier is not a generative model; it has no samples.")
    n, generator = as_int(n, "n", minimum=1), as_generator(generator)
    if name in CONDITIONAL and not getattr(model, "n_classes", 0):
        kind = {"cvae": "a ConditionalVAE", "cgan": "a conditional GAN"}[name]
        raise TypeError(f"zoo.sample({name!r}, model, ...) samples {kind}, but model is a {type(model).__name__} "
                        f"without classes; pass the model zoo.load({name!r}) returns, or the name of the model you "
                        f"have.")
    kind = {"draw": DRAW, "draw-noatt": DRAW, "gan": GAN, "cgan": GAN}.get(name, VAE)
    if not isinstance(model, kind):
        raise TypeError(f"zoo.sample({name!r}, model, ...) samples a {kind.__name__}, but model is a "
                        f"{type(model).__name__}; pass the model zoo.load({name!r}) returns, or the name of the model "
                        f"you have.")
    if name not in CONDITIONAL and getattr(model, "n_classes", 0):       # a ConditionalVAE is a VAE too
        meant = "cvae" if isinstance(model, VAE) else "cgan"
        raise TypeError(f"zoo.sample({name!r}, ...) samples an unconditional {kind.__name__}, but model is a "
                        f"{type(model).__name__} of {model.n_classes} classes; use zoo.sample({meant!r}, ...).")
    if labels is not None and name not in CONDITIONAL:
        raise ValueError(f"labels are for the conditional models ({', '.join(sorted(CONDITIONAL))}); {name} "
                         f"samples without them: leave labels out.")
    out, y = [], None
    if name in CONDITIONAL:
        y = requested_labels(n if labels is None else labels, model.n_classes)
        if len(y) != n:
            raise ValueError(f"labels holds {len(y)} labels but n={n} images were asked for; pass one label per "
                             f"image, or leave labels out for the classes in turn.")
        for chunk in y.split(1000):
            out.append(model.sample(chunk, generator=generator).cpu())
    else:
        for start in range(0, n, 1000):
            out.append(model.sample(min(1000, n - start), generator=generator).cpu())
    return torch.cat(out).float(), y
