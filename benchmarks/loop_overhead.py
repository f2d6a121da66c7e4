"""Benchmark: the course's training loops against each model's pure forward/backward time.

For every course model, one training run through gencore's loop (`fit` for the autoencoder, VAE, cVAE, DRAW and
the classifier; `train_gan` for the DCGAN) against the same number of optimiser steps on batches made
beforehand, doing only model.loss -> backward -> optimiser step (for the GAN: D's loss, backward, step, then G's).
The loop adds shuffling, dynamic binarisation, metrics, the NaN/inf guard, the progress bar. Same model, same
optimiser, same run, interleaved; the best of ``--reps`` of each. Target: loop / pure <= 1.2 for every model.

    .venv/bin/python benchmarks/loop_overhead.py [--dataset fashion-mnist] [--threads 2] [--images 10000]

Prints a markdown table (wall and CPU ratios; the machine's load average); it is not a test.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import Timer, default_dataset, load  # noqa: E402

import gencore  # noqa: E402
from gencore.autoencoder import Autoencoder  # noqa: E402
from gencore.classifier import Classifier  # noqa: E402
from gencore.cvae import ConditionalVAE  # noqa: E402
from gencore.data import load_dataset  # noqa: E402
from gencore.draw import DRAW  # noqa: E402
from gencore.gan import discriminator_loss, generator_loss_nonsaturating, image_gan  # noqa: E402
from gencore.train import adam, fit, train_gan  # noqa: E402
from gencore.vae import VAE  # noqa: E402

BATCH = 128


def fit_models(n_classes: int) -> dict:
    """name -> (model factory, binarise?, needs labels?)"""
    return {
        "autoencoder": (lambda: Autoencoder(16, hidden=[256, 256]), "dynamic", False),
        "VAE": (lambda: VAE(16, hidden=(256, 256)), "dynamic", False),
        "cVAE": (lambda: ConditionalVAE(16, n_classes=n_classes, hidden=[256, 256]), "dynamic", True),
        "DRAW": (lambda: DRAW(10, True, 6, 12, 128, 128, 10), "dynamic", False),
        "classifier": (lambda: Classifier(n_classes), None, True),
    }


def pure(model, opt, batches) -> None:
    for x, y in batches:
        loss = model.loss(x, y)["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def time_fit_model(factory, data, reps: int) -> tuple[Timer, Timer]:
    torch.manual_seed(0)
    model = factory()
    opt = adam(model, 1e-3)
    g = torch.Generator().manual_seed(0)
    batches = [(x.clone(), y.clone() if y is not None else None)
               for x, y in data.batches(BATCH, shuffle=True, generator=g)]
    fit(model, data, epochs=1, batch_size=BATCH, optimizer=opt, progress=False)       # warm-up
    loop_best = pure_best = None
    for _ in range(reps):
        model.train()
        with Timer() as t_loop:
            fit(model, data, epochs=1, batch_size=BATCH, optimizer=opt, progress=False)
        with Timer() as t_pure:
            pure(model, opt, batches)
        loop_best = t_loop if loop_best is None or t_loop.wall < loop_best.wall else loop_best
        pure_best = t_pure if pure_best is None or t_pure.wall < pure_best.wall else pure_best
    return loop_best, pure_best


def time_gan(data, steps: int, reps: int) -> tuple[Timer, Timer]:
    torch.manual_seed(0)
    gan = image_gan(noise_dim=64, g_channels=(64, 32), d_channels=(32, 64))
    G, D = gan.generator, gan.discriminator
    opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(0)
    reals = [x.clone() for x, _ in data.batches(64, shuffle=True, generator=g)][:steps]
    loop_best = pure_best = None
    for _ in range(reps):
        with Timer() as t_pure:
            for x in reals:
                with torch.no_grad():
                    fake = G(torch.randn(len(x), 64))
                d_loss = discriminator_loss(D(x), D(fake))
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                D.requires_grad_(False)
                g_loss = generator_loss_nonsaturating(D(G(torch.randn(len(x), 64))))
                opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                D.requires_grad_(True)
                opt_g.step()
        with Timer() as t_loop:
            train_gan(gan, data, steps=len(reals), batch_size=64, progress=False, seed=0)
        loop_best = t_loop if loop_best is None or t_loop.wall < loop_best.wall else loop_best
        pure_best = t_pure if pure_best is None or t_pure.wall < pure_best.wall else pure_best
    return loop_best, pure_best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default=None)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--images", type=int, default=None,
                   help="training images per epoch (default: the whole split, 60,000, for the MLP models; 10,000 "
                        "for DRAW, the classifier and the GAN, whose steps cost more)")
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--models", nargs="+", default=None, help="a subset of: autoencoder VAE cVAE DRAW classifier GAN")
    args = p.parse_args()
    cfg = gencore.setup(seed=0, dataset=args.dataset or default_dataset(), threads=args.threads, verbose=False)
    def images(name):
        return args.images or (None if name in ("autoencoder", "VAE", "cVAE") else 10000)

    models = fit_models(len(load_dataset(cfg.dataset, "test", subset=10).classes))
    wanted = args.models or [*models, "GAN"]
    print(f"{cfg.dataset}, batch {BATCH} (GAN: 64), {cfg.threads} threads, a warm-up epoch, then the best of "
          f"{args.reps}; {load()}\n")
    print("| model | images | loop wall s | pure wall s | ratio (wall) | ratio (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in wanted:
        n = images(name)
        if name == "GAN":
            grey = load_dataset(cfg.dataset, "train", subset=n)
            loop, pure_t = time_gan(grey, len(grey) // 64, args.reps)
        else:
            factory, binarize, _ = models[name]
            data = load_dataset(cfg.dataset, "train", subset=n, binarize=binarize)
            loop, pure_t = time_fit_model(factory, data, args.reps)
        print(f"| {name} | {n or 'all'} | {loop.wall:.2f} | {pure_t.wall:.2f} | {loop.wall / pure_t.wall:.2f}x | "
              f"{loop.cpu / pure_t.cpu:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
