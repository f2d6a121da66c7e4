"""Benchmark: one VAE-sized training epoch through gencore's data path vs a torchvision DataLoader.

Same model (an MLP VAE-sized autoencoder: 784-512-256-20-256-512-784), same optimiser, same data,
same machine, same run. Prints seconds per epoch for both and the ratio (target: >= 10x faster).

    .venv/bin/python benchmarks/data_path.py [--dataset fashion-mnist] [--n 60000]

By default it uses Fashion-MNIST if available offline, else the built-in sprites.
"""
from __future__ import annotations

import argparse
import time

import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader, Dataset

import gencore
from gencore.data import load_dataset


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                                 nn.Linear(256, 40))
        self.dec = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784))

    def loss(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        rec = nn.functional.binary_cross_entropy_with_logits(self.dec(z), x.flatten(1), reduction="sum")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        return (rec + kl) / len(x)


class PILImages(Dataset):
    """The usual tutorial path: one PIL image per item, converted by ToTensor, collated by a DataLoader."""

    def __init__(self, images):
        from PIL import Image
        self.images = [Image.fromarray(im[0].numpy(), mode="L") for im in images]
        self.to_tensor = torchvision.transforms.ToTensor()

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.to_tensor(self.images[i]), 0


def epoch(model, opt, batches):
    start = time.perf_counter()
    for x, _ in batches:
        loss = model.loss(x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default=None)
    p.add_argument("--n", type=int, default=None, help="images per epoch (default: the whole train split)")
    p.add_argument("--batch-size", type=int, default=128)
    args = p.parse_args()
    gencore.setup(seed=0, device="cpu")
    name = args.dataset
    if name is None:
        try:
            load_dataset("fashion-mnist", "test", subset=1)
            name = "fashion-mnist"
        except gencore.data.DataUnavailableError:
            name = "sprites"
    data = load_dataset(name, "train", subset=args.n)
    model = Model()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    epoch(model, opt, data.batches(args.batch_size))              # warm-up (allocator, kernels)
    ours = epoch(model, opt, data.batches(args.batch_size))
    loader = DataLoader(PILImages(data.images), batch_size=args.batch_size, shuffle=True, num_workers=0)
    baseline = epoch(model, opt, loader)
    # the model's pure forward/backward cost, on one fixed batch re-used (no data path at all)
    x = data.get(torch.arange(args.batch_size))[0]
    pure = epoch(model, opt, [(x, None)] * len(data.batches(args.batch_size)))
    print(f"dataset={name}, images/epoch={len(data)}, batch={args.batch_size}, threads={torch.get_num_threads()}")
    print(f"torchvision DataLoader + ToTensor: {baseline:7.2f} s/epoch")
    print(f"gencore in-memory batches:         {ours:7.2f} s/epoch")
    print(f"model forward/backward only:       {pure:7.2f} s/epoch")
    print(f"speed-up over DataLoader: {baseline / ours:.1f}x   (gencore epoch / pure model time: {ours / pure:.2f})")


if __name__ == "__main__":
    main()
