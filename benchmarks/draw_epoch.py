"""Benchmark: one DRAW training epoch through `gencore.train.fit` vs the model's pure forward/backward time,
with attention and without, and (optionally) the notebook's training budget with its test bounds.

* fit: one epoch over the training split (dynamically binarised by gencore's in-memory data path, shuffled,
  metrics accumulated, NaN checks...), no test evaluation;
* pure: the same number of optimiser steps on batches made (and binarised) beforehand: only
  model.loss -> backward -> Adam step. Same model, same optimiser, same run, interleaved; the best of
  ``--reps`` is kept for each. Target: fit / pure <= 1.2.
* ``--train EPOCHS``: train both variants with `gencore.draw.train_draw` (cached in GENCORE_HOME) at the given
  configuration and print seconds per epoch, the test ELBO after each epoch, and the IWAE bound (k=--k).

    .venv/bin/python benchmarks/draw_epoch.py [--dataset fashion-mnist] [--threads 2] [--reps 2] [--n 20000]
    .venv/bin/python benchmarks/draw_epoch.py --skip-ratio --train 3 --k 100     # the notebook's budget

Prints; it is not a test. The machine's load average is printed with every timing: on a shared machine
compare CPU seconds (process time, summed over threads) as well as wall seconds.
"""
from __future__ import annotations

import argparse

import torch
from timing import Timer, default_dataset, load, pure_epoch

import gencore
from gencore.data import load_dataset
from gencore.draw import DRAW, train_draw
from gencore.train import adam, fit
from gencore.variational import iwae_bound


def build(args, attention: bool, in_shape) -> DRAW:
    torch.manual_seed(0)
    return DRAW(args.T, attention, args.read_n, args.write_n, args.hidden, args.hidden, args.latent,
                in_shape=in_shape)


def describe(args, attention: bool) -> str:
    window = f"read {args.read_n}x{args.read_n}, write {args.write_n}x{args.write_n}" if attention else "no attention"
    return f"DRAW T={args.T}, {window}, LSTM {args.hidden}, latent {args.latent}"


def ratio(args, attention: bool, train) -> None:
    model = build(args, attention, tuple(train.x.shape[1:]))
    opt = adam(model, 1e-3)
    warm = train.batches(args.batch_size, generator=torch.Generator().manual_seed(0))
    pure_epoch(model, opt, [batch[0] for _, batch in zip(range(5), warm)])   # warm-up: allocator, kernels
    fits, pures = [], []
    for rep in range(args.reps):
        with Timer() as t_fit:
            fit(model, train, epochs=1, optimizer=opt, batch_size=args.batch_size, progress=False, seed=rep)
        batches = [x for x, _ in train.batches(args.batch_size)]         # made and binarised beforehand
        with Timer() as t_pure:
            pure_epoch(model, opt, batches)
        fits.append(t_fit)
        pures.append(t_pure)
        print(f"  rep {rep}: fit {t_fit.wall:7.2f} s (cpu {t_fit.cpu:7.2f})   pure {t_pure.wall:7.2f} s "
              f"(cpu {t_pure.cpu:7.2f})   {load()}", flush=True)
    best_fit = min(fits, key=lambda t: t.wall)
    best_pure = min(pures, key=lambda t: t.wall)
    scale = 60000 / len(train)
    print(f"{describe(args, attention)}, {len(train)} images, batch {args.batch_size}:")
    print(f"  one epoch through fit (gencore data path): {best_fit.wall:7.2f} s   (cpu {best_fit.cpu:.2f} s)")
    print(f"  pure forward/backward/step, same batches:  {best_pure.wall:7.2f} s   (cpu {best_pure.cpu:.2f} s)")
    print(f"  ratio fit / pure: {best_fit.wall / best_pure.wall:.3f} wall, {best_fit.cpu / best_pure.cpu:.3f} cpu "
          f"(target <= 1.2)")
    if scale != 1:
        print(f"  => a 60,000-image epoch: about {best_fit.wall * scale:.0f} s wall, {best_fit.cpu * scale:.0f} s cpu")


def budget(args, name: str, train, test) -> None:
    rows = []
    for attention in (True, False):
        with Timer() as t:
            model, history = train_draw(train, T=args.T, read_n=args.read_n, write_n=args.write_n,
                                        attention=attention, hidden=args.hidden, latent_dim=args.latent,
                                        epochs=args.train, test=test, lr=args.lr, batch_size=args.batch_size,
                                        seed=0, dataset=name, progress=False)
        gen = torch.Generator().manual_seed(0)
        with Timer() as t_iwae, torch.no_grad():
            bounds = [iwae_bound(model.log_weights(x, None, args.k, generator=gen), torch.zeros(()))
                      for x, _ in test.batches(100, shuffle=False)]
        iwae = torch.cat(bounds).mean().item()
        seconds = history["train/seconds"]
        elbos = ", ".join(f"{v:.2f}" for v in history["test/elbo"])
        print(f"{describe(args, attention)}, {args.train} epochs, lr {args.lr:g}, batch {args.batch_size}: "
              f"{sum(seconds):.0f} s training ({', '.join(f'{s:.0f}' for s in seconds)} s per epoch; this call "
              f"{t.wall:.0f} s wall, {t.cpu:.0f} s cpu, includes test evaluation or cache load)  {load()}")
        print(f"  test ELBO per epoch: {elbos}; test IWAE k={args.k}: {iwae:.2f} nats [{t_iwae.wall:.0f} s]",
              flush=True)
        rows.append((attention, history["test/elbo"][-1], iwae))
    print("summary (test, nats per image): " + "; ".join(
        f"{'attention' if a else 'no attention'}: ELBO {e:.2f}, IWAE {i:.2f}" for a, e, i in rows))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default=None)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: gencore's)")
    p.add_argument("--T", type=int, default=10)
    p.add_argument("--read-n", type=int, default=2)
    p.add_argument("--write-n", type=int, default=5)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--latent", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--n", type=int, default=None, help="training images for the ratio (default: the whole split)")
    p.add_argument("--only", choices=["attention", "plain"], default=None, help="time one variant only")
    p.add_argument("--skip-ratio", action="store_true")
    p.add_argument("--train", type=int, default=0, metavar="EPOCHS",
                   help="train both variants for EPOCHS (cached) and report test ELBO and IWAE")
    p.add_argument("--k", type=int, default=100)
    args = p.parse_args()
    gencore.setup(seed=0, device="cpu", threads=args.threads)
    name = args.dataset or default_dataset()
    print(f"dataset={name}, threads={torch.get_num_threads()}, {load()}")
    if not args.skip_ratio:
        train = load_dataset(name, "train", binarize="dynamic", subset=args.n)
        for attention in (True, False):
            if args.only is None or args.only == ("attention" if attention else "plain"):
                ratio(args, attention, train)
    if args.train:
        train = load_dataset(name, "train", binarize="dynamic")
        test = load_dataset(name, "test", binarize="static")
        budget(args, name, train, test)


if __name__ == "__main__":
    main()
