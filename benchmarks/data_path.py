"""Benchmark: gencore's in-memory data path vs a torchvision DataLoader + ToTensor, same run.

Two ratios, same data, same machine, same run:
  1. the data path alone: one epoch of batches (shuffled, converted to float in [0, 1]), no model;
  2. one VAE-sized training epoch (784-512-256-20 encoder, mirrored decoder, Adam), same model.
The baseline is the tutorial path: torchvision's own dataset class with transform=ToTensor() (one PIL
image per item) batched by a DataLoader. Target for the data path: >= 10x. In the training epoch the
model's own compute is the same on both sides, so that ratio is bounded by how much the data path
costs relative to the model (the third line prints the model's pure forward/backward time).

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
from gencore.data.torchvision_data import TORCHVISION_CLASS, _split_only


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
    """What torchvision's MNIST.__getitem__ does, for data without a torchvision class (sprites)."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.to_tensor = torchvision.transforms.ToTensor()

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        from PIL import Image
        return self.to_tensor(Image.fromarray(self.images[i, 0].numpy(), mode="L")), int(self.labels[i])


def torchvision_dataset(name, data):
    """torchvision's own dataset class with transform=ToTensor() when there is one (the tutorial path)."""
    if name in TORCHVISION_CLASS:
        cls = _split_only(TORCHVISION_CLASS[name])
        ds = cls(str(gencore.current().data_dir), train=True, transform=torchvision.transforms.ToTensor())
        if len(ds) == len(data):
            return ds
    return PILImages(data.images, data.labels)


def data_only(batches):
    start = time.perf_counter()
    total = 0.0
    for x, _ in batches:
        total += float(x[:, 0, 0, 0].sum())     # touch every batch
    return time.perf_counter() - start


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
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: GENCORE_THREADS)")
    args = p.parse_args()
    gencore.setup(seed=0, device="cpu", threads=args.threads)
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
    loader = DataLoader(torchvision_dataset(name, data), batch_size=args.batch_size, shuffle=True,
                        num_workers=0)
    baseline = epoch(model, opt, loader)
    data_ours = min(data_only(data.batches(args.batch_size)) for _ in range(3))
    data_baseline = data_only(loader)
    # the model's pure forward/backward cost, on one fixed batch re-used (no data path at all)
    x = data.get(torch.arange(args.batch_size))[0]
    pure = epoch(model, opt, [(x, None)] * len(data.batches(args.batch_size)))
    print(f"dataset={name}, images/epoch={len(data)}, batch={args.batch_size}, threads={torch.get_num_threads()}")
    print(f"data path alone:  DataLoader + ToTensor {data_baseline:6.2f} s   gencore {data_ours:6.3f} s   "
          f"ratio {data_baseline / data_ours:.0f}x")
    print(f"training epoch:   DataLoader + ToTensor {baseline:6.2f} s   gencore {ours:6.2f} s   "
          f"ratio {baseline / ours:.2f}x")
    print(f"model forward/backward alone (no data path): {pure:.2f} s; gencore epoch / model alone = "
          f"{ours / pure:.2f}")


if __name__ == "__main__":
    main()
