"""Benchmark: DRAW with attention on a longer schedule against notebook 03/04's VAE (test log-likelihood).

Notebook 05 trains DRAW for 5 epochs on 20,000 images so that it fits a class; this script trains the same
network (the zoo's configuration: T=10, read 6x6, write 12x12, LSTMs of 128, 10 latents per step, Adam 3e-3)
on the whole binarised training split for ``--epochs`` epochs through the model cache (resumable: rerun after
an interruption), then prints the IWAE bound L_k of both models on the test images notebook 08 uses.

    .venv/bin/python experiments/draw_long/draw_long.py --dataset fashion-mnist --epochs 50 --threads 2

Prints; it is not a test.
"""
from __future__ import annotations

import argparse
import os
import time

import torch

import gencore
from gencore.course import zoo
from gencore.data import load_dataset
from gencore.draw import train_draw
from gencore.evaluation import log_likelihood


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default=os.environ.get("GENCORE_DATASET", "fashion-mnist"))
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--k", type=int, default=200)
    p.add_argument("--n-test", type=int, default=1000)
    a = p.parse_args()
    cfg = gencore.setup(seed=0, quick=False, threads=a.threads, dataset=a.dataset)
    train = load_dataset(cfg.dataset, "train", binarize="dynamic")
    test = load_dataset(cfg.dataset, "test", binarize="static")
    t0 = time.perf_counter()
    draw, hist = train_draw(train, test=test, T=10, read_n=6, write_n=12, hidden=128, latent_dim=10, lr=3e-3,
                            batch_size=128, epochs=a.epochs, seed=0, name="draw-long")
    print(f"DRAW (T=10, read 6x6, write 12x12, LSTM 128, latent 10), {a.epochs} epochs on {len(train)} images: "
          f"{sum(hist['train/seconds']):.0f} s of training ({time.perf_counter() - t0:.0f} s in this run), "
          f"{a.threads} threads; test ELBO by epoch: "
          + " ".join(f"{v:.2f}" for v in hist["test/elbo"]))
    vae, vh = zoo.load("vae")
    print(f"VAE (notebook 03/04: MLP 256-256, 16 latents): {len(vh['test/elbo'])} epochs, "
          f"{sum(vh['train/seconds']):.0f} s of training, final test ELBO {vh['test/elbo'][-1]:.2f}")
    eval_set = load_dataset(cfg.dataset, "test", binarize="static", subset=a.n_test)
    for name, model in (("VAE", vae), ("DRAW, long schedule", draw)):
        b = log_likelihood(model, eval_set, k=a.k, generator=torch.Generator().manual_seed(0), progress=False)
        print(f"  {name:22s} L_{a.k} = {b.mean().item():8.2f} nats on {len(eval_set)} binarised test images")


if __name__ == "__main__":
    main()
