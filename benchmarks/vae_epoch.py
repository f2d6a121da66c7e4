"""Benchmark: one VAE training epoch through `gencore.train.fit` vs the model's pure forward/backward time,
and the IWAE evaluation (k = 1000 importance samples for each of the 10,000 test images).

* fit: one epoch over the whole training split (60,000 images, dynamically binarised by gencore's in-memory
  data path, shuffled, metrics accumulated, NaN checks...), no test evaluation;
* pure: the same number of optimiser steps on batches made (and binarised) beforehand: only
  model.loss -> backward -> Adam step. Same model, same optimiser, same run, interleaved; the best of
  ``--reps`` is kept for each. Target: fit / pure <= 1.2.
* IWAE: `gencore.evaluation.log_likelihood(model, test, k=1000)` (each test batch encoded once, its k codes decoded
  in chunks of ~2048 rows). Target: <= 2 minutes on 2 cores.

    .venv/bin/python benchmarks/vae_epoch.py [--dataset fashion-mnist] [--threads 2] [--reps 2]
    .venv/bin/python benchmarks/vae_epoch.py --nll 200     # also: the long schedule and its test NLL

Prints; it is not a test. The machine's load average is printed with every timing: on a shared machine
compare CPU seconds (process time, summed over threads) as well as wall seconds.
"""
from __future__ import annotations

import argparse

import torch
from timing import Timer, default_dataset, load, pure_epoch

import gencore
from gencore.cache import load_or_train
from gencore.data import load_dataset
from gencore.evaluation import dataset_elbo, log_likelihood
from gencore.history import History
from gencore.train import adam, fit
from gencore.vae import VAE


def train_schedule(args, train, test, phases) -> tuple[VAE, History]:
    """The long schedule: Adam through ``phases`` [(epochs, lr), ...], cached by its configuration."""
    torch.manual_seed(0)
    model = VAE(args.latent, hidden=tuple(args.hidden))
    config = dict(name="vae-nll", kind="mlp", latent_dim=args.latent, hidden=list(args.hidden), beta=1.0,
                  likelihood="bernoulli", dataset=train.name, binarize="dynamic", phases=phases,
                  batch_size=args.batch_size, seed=0)

    def run(m):
        opt, history = adam(m, phases[0][1]), History()
        for epochs, lr in phases:
            for group in opt.param_groups:
                group["lr"] = lr
            fit(m, train, test=test, epochs=epochs, optimizer=opt, batch_size=args.batch_size, history=history,
                desc=f"lr={lr:g}")
        return history

    history = load_or_train(model, run, config=config)
    return model.eval(), history


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", default=None)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: gencore's)")
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--k", type=int, default=1000)
    p.add_argument("--test-n", type=int, default=None, help="test images for the IWAE timing (default all)")
    p.add_argument("--nll-only", action="store_true", help="skip the timings, only the long schedule")
    p.add_argument("--nll", type=int, default=0, metavar="EPOCHS",
                   help="train the long schedule (EPOCHS in three phases: lr 1e-3, 3e-4, 1e-4) and report "
                        "its test NLL with IWAE k=--k")
    args = p.parse_args()
    gencore.setup(seed=0, device="cpu", threads=args.threads)
    name = args.dataset or default_dataset()
    train = load_dataset(name, "train", binarize="dynamic")
    test = load_dataset(name, "test", binarize="static", subset=args.test_n)
    print(f"dataset={name}, train={len(train)}, test={len(test)}, batch={args.batch_size}, "
          f"threads={torch.get_num_threads()}, model: MLP {args.hidden}, latent {args.latent}")

    torch.manual_seed(0)
    model = VAE(args.latent, hidden=tuple(args.hidden))
    opt = adam(model, 1e-3)
    if not args.nll_only:
        fit(model, train, epochs=1, optimizer=opt, progress=False)          # warm-up (and a trained model)
        fits, pures = [], []
        for rep in range(args.reps):
            with Timer() as t_fit:
                fit(model, train, epochs=1, optimizer=opt, progress=False)
            batches = [x for x, _ in train.batches(args.batch_size)]           # made and binarised beforehand
            with Timer() as t_pure:
                pure_epoch(model, opt, batches)
            fits.append(t_fit)
            pures.append(t_pure)
            print(f"  rep {rep}: fit {t_fit.wall:6.2f} s (cpu {t_fit.cpu:6.2f})   pure {t_pure.wall:6.2f} s "
                  f"(cpu {t_pure.cpu:6.2f})   {load()}")
        best_fit = min(fits, key=lambda t: t.wall)
        best_pure = min(pures, key=lambda t: t.wall)
        print(f"one epoch through fit (gencore data path): {best_fit.wall:7.2f} s   (cpu {best_fit.cpu:.2f} s)")
        print(f"pure forward/backward/step, same batches:  {best_pure.wall:7.2f} s   (cpu {best_pure.cpu:.2f} s)")
        print(f"ratio fit / pure: {best_fit.wall / best_pure.wall:.3f} wall, {best_fit.cpu / best_pure.cpu:.3f} cpu "
              f"(target <= 1.2)")

        with Timer() as t_iwae:
            ll = log_likelihood(model, test, k=args.k, progress=False)
        elbo = dataset_elbo(model, test)["elbo"].mean().item()
        print(f"IWAE k={args.k} over {len(test)} test images: {t_iwae.wall:.1f} s (cpu {t_iwae.cpu:.1f} s)  "
              f"{load()}")
        print(f"  (this briefly trained model: ELBO {elbo:.2f}, L_{args.k} {ll.mean():.2f} nats)")

    if args.nll:
        e = args.nll
        phases = [(round(0.6 * e), 1e-3), (round(0.25 * e), 3e-4), (e - round(0.6 * e) - round(0.25 * e), 1e-4)]
        with Timer() as t_train:
            model, history = train_schedule(args, train, test, phases)
        with Timer() as t_eval:
            ll = log_likelihood(model, test, k=args.k)
        terms = dataset_elbo(model, test)
        print(f"long schedule {phases} (epochs, lr), Adam, batch {args.batch_size}, MLP {args.hidden}, "
              f"latent {args.latent}: {t_train.wall / 60:.1f} min")
        print(f"  test ELBO {terms['elbo'].mean():.2f} (rec {terms['rec'].mean():.2f}, KL {terms['kl'].mean():.2f}); "
              f"test NLL (IWAE k={args.k}) {-ll.mean():.2f} nats  [{t_eval.wall:.0f} s]  {load()}")


if __name__ == "__main__":
    main()
