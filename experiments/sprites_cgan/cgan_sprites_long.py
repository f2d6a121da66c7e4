"""Study: how often a conditional GAN's samples show the shape asked for, on sprites, over a long run.

Trains a conditional DCGAN (`gencore.gan.DCGenerator`: one-hot label into G; `generators.StudyDiscriminator`:
projection D with AC-GAN's auxiliary classifier and spectral normalisation; `train_gan` with the non-saturating
loss) on the 60,000 sprites. ``--pool`` gives D a global sum over positions, ``--no-pool`` the notebooks' flattened
features. ``--what-where`` trains `generators.what_where_gan` instead: G draws a learned glyph per class at a pose
computed from the noise, against a flattened D without spectral norm whose auxiliary classifier also learns a "fake"
class, with R1 (gamma 1) and learning rates decaying to 0. ``--convex`` trains `generators.convex_gan`: G draws a
learned convex polygon per class (binary pixels) at a pose from the noise, against the same D, which learns 10 times
faster than G (Adam 2e-3 for D, the two time-scale rule), with R1 gamma 0.1 and learning rates decaying to 0. Every
``--every`` steps it prints the domain classifier's accuracy on the same 3,000 samples G(z_fixed) (1,000 per shape,
from `train_gan`'s snapshots), at the end on 3,000 fresh samples, with how many distinct sprites the 1,000 samples
of each shape show (each read as its nearest rendered sprite; 1,000 real training sprites of each shape for
comparison). Progress is checkpointed (`train_gan`'s ``resume``): the same command continues an interrupted run and
gives the same numbers.

    .venv/bin/python experiments/sprites_cgan/cgan_sprites_long.py --steps 6000 --pool --threads 2
    .venv/bin/python experiments/sprites_cgan/cgan_sprites_long.py --steps 6000 --what-where --threads 1
    .venv/bin/python experiments/sprites_cgan/cgan_sprites_long.py --steps 4800 --convex --threads 1

Prints; it is not a test.
"""
from __future__ import annotations

import argparse
import time

import torch
from generators import (
    StudyDiscriminator,
    convex_gan,
    fake_class_discriminator_step,
    what_where_gan,
)

import gencore
from gencore.checkpoint import save_checkpoint
from gencore.classifier import classify, load_classifier
from gencore.data import load_dataset
from gencore.data.sprites import distinct_sprites
from gencore.gan import GAN, DCGenerator
from gencore.train import train_gan


def widths(text: str) -> tuple[int, ...]:
    return tuple(int(w) for w in text.split(","))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--every", type=int, default=1000)
    p.add_argument("--pool", action=argparse.BooleanOptionalAction, default=True,
                   help="D sums its features over positions (--no-pool: it flattens them)")
    p.add_argument("--what-where", action="store_true",
                   help="G draws a learned glyph per class at a pose from the noise (`what_where_gan`: flattened D "
                        "64-128 without spectral norm, a 'fake' class in its classifier, R1 gamma 1, learning rates "
                        "decaying to 0); --pool, --d-channels and --g-channels are then ignored")
    p.add_argument("--convex", action="store_true",
                   help="G draws a learned convex polygon per class at a pose from the noise (`convex_gan`: the D of "
                        "--what-where with 10 times G's learning rate, R1 gamma 0.1, learning rates decaying to 0); "
                        "--pool, --d-channels and --g-channels are then ignored")
    p.add_argument("--d-channels", type=widths, default=(64, 128, 256))
    p.add_argument("--g-channels", type=widths, default=(128, 64))
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--betas", type=float, nargs=2, default=(0.0, 0.999))
    p.add_argument("--aux", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    cfg = gencore.setup(seed=a.seed, quick=False, threads=a.threads, dataset="sprites")
    train = load_dataset("sprites", "train")
    classifier = load_classifier("sprites", progress=False)
    arch = (f"convex-d64-128-lrd{10 * a.lr:g}-r0.1-decay" if a.convex
            else "whatwhere-d64-128-r1-decay" if a.what_where else
            f"{'pool' if a.pool else 'flat'}-d{'-'.join(map(str, a.d_channels))}-g{'-'.join(map(str, a.g_channels))}")
    tag = (f"cgan-sprites-{arch}-lr{a.lr:g}-b{a.betas[0]:g},{a.betas[1]:g}-aux{a.aux:g}"
           f"-bs{a.batch_size}-s{a.seed}-{a.steps}")
    progress = cfg.cache_dir / f"{tag}.progress.pt"
    progress.parent.mkdir(parents=True, exist_ok=True)
    print(f"{tag}: {a.steps} steps, {a.threads} thread(s); checkpoint {progress}", flush=True)
    real = torch.cat([torch.nonzero(train.labels == c)[:1000, 0] for c in range(3)])
    print(f"1,000 real training sprites of each shape show {distinct_sprites(*train.get(real))} distinct sprites")
    torch.manual_seed(a.seed)
    if a.convex:
        gan, options = convex_gan(n_classes=3), dict(r1=0.1, decay=True, lr_d=10 * a.lr)
    elif a.what_where:
        gan, options = what_where_gan(n_classes=3), dict(r1=1.0, decay=True)
    else:
        gan = GAN(DCGenerator(64, (1, 28, 28), a.g_channels, 3),
                  StudyDiscriminator((1, 28, 28), a.d_channels, 3, spectral_norm=True, auxiliary=True, pool=a.pool),
                  64, 3)
        options = {}
    t0 = time.perf_counter()
    final = progress.with_name(f"{tag}.final.pt")
    if final.exists():                                         # a finished run: its weights and snapshots
        done = torch.load(final, weights_only=False)
        gan.load_state_dict(done["gan"])
        seconds, shots = done["seconds"], done["shots"]
        print(f"Loaded the finished run from {final}.")
    else:
        history, shots = train_gan(gan, train, steps=a.steps, batch_size=a.batch_size, lr=a.lr,
                                   betas=tuple(a.betas), auxiliary=a.aux, seed=a.seed, n_snapshot=3000,
                                   snapshots=range(a.every, a.steps + 1, a.every), resume=progress, desc="cGAN",
                                   discriminator_update=fake_class_discriminator_step,
                                   **options)
        seconds = history["train/seconds"][-1]
        save_checkpoint({"gan": gan.state_dict(), "shots": shots, "seconds": seconds}, final)
        progress.unlink(missing_ok=True)
    requested = torch.arange(3000) % 3                         # the snapshots' labels: classes in turn
    for step, x in sorted(shots.items()):
        hit = (classify(classifier, x) == requested).float()
        print(f"step {step:6d}: drawn as asked {hit.mean():6.1%} "
              f"(square / ellipse / triangle {' / '.join(f'{hit[requested == c].mean():.1%}' for c in range(3))})")
    labels = torch.arange(3).repeat_interleave(1000)
    with torch.no_grad():
        x = gan.sample(labels, generator=torch.Generator().manual_seed(a.seed + 7))
    hit = (classify(classifier, x) == labels).float()
    print(f"after {a.steps} steps ({seconds:.0f} s of training, {time.perf_counter() - t0:.0f} s this run): "
          f"3,000 fresh "
          f"samples drawn as asked {hit.mean():.1%} "
          f"({' / '.join(f'{hit[labels == c].mean():.1%}' for c in range(3))}), "
          f"{distinct_sprites(x, labels)} distinct sprites per 1,000", flush=True)


if __name__ == "__main__":
    main()
