"""Benchmark: the Fréchet distance and KID on 10,000 x 10,000 images, features included (target <= 30 s on
2 CPU cores).

Real: the 10,000 test images; "generated": the same images with Gaussian pixel noise (any images do: the cost does
not depend on what they show). Features: the domain classifier's (trained once through the model cache).

    .venv/bin/python benchmarks/metrics_speed.py [--threads 2] [--n 10000]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import Timer, default_dataset, load  # noqa: E402

import gencore  # noqa: E402
from gencore import evaluation as E  # noqa: E402
from gencore.classifier import extract_features, load_classifier  # noqa: E402
from gencore.data import load_dataset  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--n", type=int, default=10000)
    args = p.parse_args()
    cfg = gencore.setup(seed=0, dataset=default_dataset(), threads=args.threads, verbose=False)
    classifier = load_classifier(cfg.dataset, verbose=False, progress=False)
    real = load_dataset(cfg.dataset, "test").x[:args.n].float() / 255
    fake = (real + 0.1 * torch.randn(real.shape, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    with Timer() as t_feat:
        f_real, f_fake = extract_features(classifier, real), extract_features(classifier, fake)
    with Timer() as t_fd:
        fd = E.frechet_distance(f_real, f_fake)
    with Timer() as t_kid:
        kid, kid_std = E.kernel_distance(f_real, f_fake)
    total = t_feat.wall + t_fd.wall + t_kid.wall
    print(f"{cfg.dataset}, {len(real)} real and {len(fake)} generated images, {cfg.threads} threads; {load()}\n")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| features of {len(real) + len(fake):,} images (domain classifier, {f_real.shape[1]} dims) "
          f"| {t_feat.wall:.1f} |")
    print(f"| Fréchet distance (float64, eigen square roots) = {fd:.3f} | {t_fd.wall:.2f} |")
    print(f"| KID, 100 subsets of 1,000 = {kid:.4f} ± {kid_std:.4f} | {t_kid.wall:.2f} |")
    print(f"| **total** (target <= 30 s) | **{total:.1f}** |")


if __name__ == "__main__":
    main()
