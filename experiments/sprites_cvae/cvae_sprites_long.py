"""Benchmark: how often a class-conditional VAE's samples show the shape asked for, on sprites, over a long run.

Trains a convolutional cVAE (16 latents, hidden 256, beta 1) on the 60,000 sprites, with or without the class
adversary (``--adversary``, `adversary.AdversarialCVAE`), and after every ``--every`` epochs prints the domain
classifier's accuracy on 3,000 samples (1,000 per shape) with z drawn from the prior N(0, I) and from the aggregate
prior (`gencore.aggregate_prior.AggregatePrior`: the encoder's posteriors at every training sprite, or at
``--exemplars`` per shape), on the test reconstructions (true label), and the adversary's accuracy at reading the
shape off the test codes. Diversity: how many distinct sprites the 1,000 samples of each shape show (each sample
counted as its nearest rendered sprite), beside 1,000 real training sprites of each shape. Progress is checkpointed
every epoch (`gencore.train.fit`'s ``resume``): a rerun continues where it stopped (also with more ``--epochs``) and
gives the same numbers.


    .venv/bin/python experiments/sprites_cvae/cvae_sprites_long.py --epochs 50 --adversary 1 --threads 1

Prints; it is not a test.
"""
from __future__ import annotations

import argparse
import time

import torch
from adversary import AdversarialCVAE

import gencore
from gencore.aggregate_prior import AggregatePrior
from gencore.classifier import classify, load_classifier
from gencore.cvae import ConditionalVAE
from gencore.data import load_dataset
from gencore.data.sprites import distinct_sprites
from gencore.train import fit


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--every", type=int, default=5)
    p.add_argument("--adversary", type=float, default=1.0)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--exemplars", type=int, default=None, help="per shape (default: every training sprite)")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    cfg = gencore.setup(seed=0, quick=False, threads=a.threads, dataset="sprites")
    train = load_dataset("sprites", "train")
    test = load_dataset("sprites", "test", subset=2000)
    classifier = load_classifier("sprites", progress=False)
    model = (AdversarialCVAE(a.latent, 3, kind="conv", hidden=[256], beta=a.beta, adversary=a.adversary) if a.adversary
             else ConditionalVAE(a.latent, 3, kind="conv", hidden=[256], beta=a.beta))
    tag = f"cvae-sprites-a{a.adversary:g}-b{a.beta:g}-d{a.latent}-lr{a.lr:g}-bs{a.batch_size}"
    progress = cfg.cache_dir / f"{tag}.progress.pt"
    progress.parent.mkdir(parents=True, exist_ok=True)
    print(f"{tag}: {a.epochs} epochs, {a.threads} thread(s); checkpoint {progress}")
    requested = torch.arange(3).repeat_interleave(1000)
    x_test, y_test = test.get(torch.arange(len(test)))
    real = torch.cat([torch.nonzero(train.labels == c)[:1000, 0] for c in range(3)])
    print(f"1,000 real training sprites of each shape show {distinct_sprites(*train.get(real))} distinct sprites")
    t0 = time.perf_counter()
    start = torch.load(progress, weights_only=False)["done"] if progress.exists() else 0
    for done in range(max(a.every, -(-start // a.every) * a.every), a.epochs + 1, a.every):
        history = fit(model, train, test=test, epochs=done, lr=a.lr, batch_size=a.batch_size, seed=0,
                      resume=progress, progress=False)
        model.eval()
        with torch.no_grad():
            samples = model.sample(requested, generator=torch.Generator().manual_seed(1))
            sample_acc = (classify(classifier, samples) == requested).float().mean().item()
            prior = AggregatePrior(model, train, per_class=a.exemplars)
            samples = model.sample(requested, generator=torch.Generator().manual_seed(1), prior=prior)
            aggregate_acc = (classify(classifier, samples) == requested).float().mean().item()
            distinct = distinct_sprites(samples, requested)
            recon_acc = (classify(classifier, model.reconstruct(x_test, y_test)) == y_test).float().mean().item()
        model.train()
        adv = history["test/adv_acc"][-1] if "test/adv_acc" in history.keys() else float("nan")
        print(f"epoch {done:3d}: samples drawn as asked {sample_acc:6.1%} (z ~ N(0, I)), {aggregate_acc:6.1%} "
              f"(z ~ the aggregate prior of {prior.sizes} sprites, {distinct} distinct per 1,000), "
              f"reconstructions {recon_acc:6.1%}, "
              f"adversary on test codes {adv:6.1%}, test ELBO {history['test/elbo'][-1]:7.2f}, "
              f"{sum(history['train/seconds']):6.0f} s of training ({time.perf_counter() - t0:.0f} s this run)",
              flush=True)
    torch.save(model.state_dict(), progress.with_name(f"{tag}.final.pt"))


if __name__ == "__main__":
    main()
