"""The command line: train, sample and evaluate the course's models outside a notebook.

    gencore train vae --dataset fashion-mnist           # the notebook's configuration: the notebook then loads it
    gencore train gan --epochs 20 --seed 1              # a changed configuration is another cache entry
    gencore sample cgan --out cgan.png                  # an image grid (one row per class for conditional models)
    gencore evaluate gan                                # notebook 08's measures for a cached model
    gencore evaluate all --dataset fashion-mnist        # every model, one markdown table (the README's)
    gencore pretrain --dataset fashion-mnist            # before class: every shared model, with a time estimate
    torchrun --nproc_per_node=4 -m gencore train draw   # data parallel over 4 processes (GPUs: one each)
    gencore doctor                                      # installation, device, data, cache: what to fix, and how

(also ``python -m gencore ...``). Models are those of `gencore.course.zoo`; they go through the same model cache,
under the same configuration key, as the notebooks.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import torch
import torch.distributed as dist
import torchvision
from torchvision.utils import save_image

from .. import evaluation as E
from ..classifier import load_classifier
from ..config import DATASETS, available_devices, current, setup
from ..data import load_dataset
from ..data.torchvision_data import FILES, LOCAL_COPIES, raw_folder
from ..distributed import is_main_process
from ..train import on_every_step
from ..validate import as_int
from . import zoo


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help=f"one of: {', '.join(zoo.MODELS)}")
    p.add_argument("--dataset", help=f"one of: {', '.join(DATASETS)} (default: GENCORE_DATASET, else mnist)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: the best available)")
    p.add_argument("--seed", type=int, default=None, help="training seed (default: the notebooks' seed, 0)")
    p.add_argument("--quick", action="store_true", help="the notebooks' quick-mode configuration")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (default: GENCORE_THREADS or all cores, at most 8)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="gencore", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("train", help="train a course model (or load it when cached)")
    _add_common(p)
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs (GANs: passes over the data); default: the notebook's")
    p.add_argument("--latent", type=int, default=None, help="latent (noise) size; default: the notebook's")
    p = sub.add_parser("sample", help="write an image grid of a model's samples")
    _add_common(p)
    p.add_argument("--out", required=True, help="the PNG file to write")
    p.add_argument("-n", type=int, default=64, help="number of samples (conditional models: per class, up to 16)")
    p = sub.add_parser("evaluate",
                       help="print notebook 08's measures for a model, or for all of them (a markdown table)")
    _add_common(p)
    p.add_argument("-n", type=int, default=None, help="samples to compare (default: 10,000; quick: 1,000)")
    p = sub.add_parser("pretrain", help="train every model the notebooks share, before class (resumable)")
    p.add_argument("--notebooks", default=",".join(NOTEBOOK_MODELS),
                   help=f"comma-separated notebook numbers (default: all of {','.join(NOTEBOOK_MODELS)})")
    p.add_argument("--dataset", help=f"one of: {', '.join(DATASETS)} (default: GENCORE_DATASET, else mnist)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: the best available)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quick", action="store_true", help="the quick-mode configurations (for testing)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be trained and how long it would take")
    p = sub.add_parser("doctor", help="check the installation, device, data and model cache")
    p.add_argument("--dataset", help="check this dataset only")
    return top


def _setup(args) -> None:
    setup(seed=0, quick=True if args.quick else None, dataset=args.dataset, device=args.device,
          threads=args.threads, verbose=is_main_process())


def _model_name(name: str) -> str:
    if name not in zoo.MODELS:
        raise SystemExit(f"gencore: unknown model {name!r}; the course's models are: {', '.join(zoo.MODELS)}.")
    return name


def cmd_train(args) -> int:
    name = _model_name(args.model)
    _setup(args)
    model, history = zoo.load(name, epochs=args.epochs, latent=args.latent, seed=args.seed)
    if not is_main_process():
        return 0
    print(f"{name}: {zoo.describe(name)}; trained and cached (a notebook asking for the same configuration loads it).")
    if history is not None and len(history):
        last = {k: v[-1] for k, v in history.to_dict().items() if v}
        shown = ", ".join(f"{k} {v:.4g}" for k, v in last.items() if k.startswith(("test/", "train/")) and
                          not k.endswith("seconds"))
        if shown:
            print(f"last logged values: {shown}")
    return 0


def cmd_sample(args) -> int:

    name = _model_name(args.model)
    if name == "classifier":
        raise SystemExit("gencore: the classifier is not a generative model; it has no samples.")
    _setup(args)
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise SystemExit(f"gencore: --out must name a .png file, got {args.out!r}.")
    model, _ = zoo.load(name)
    g = torch.Generator().manual_seed(0 if args.seed is None else args.seed)
    if name in zoo.CONDITIONAL:
        per_class = max(1, min(16, args.n))
        labels = torch.arange(model.n_classes).repeat_interleave(per_class)
        images, _ = zoo.sample(name, model, len(labels), generator=g, labels=labels)
        nrow = per_class
    else:
        images, _ = zoo.sample(name, model, args.n, generator=g)
        nrow = max(1, math.isqrt(args.n))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image(images, out, nrow=nrow, padding=1, pad_value=1.0)
    rows = "one row per class" if name in zoo.CONDITIONAL else f"{nrow} per row"
    print(f"wrote {len(images)} samples of {name} to {out} ({rows})")
    return 0


GENERATIVE = ("vae", "cvae", "draw", "draw-noatt", "gan", "cgan")
COLUMNS = ("IWAE", "FD", "KID", "IS", "precision", "recall", "density", "coverage", "C2ST", "sharpness")


def _evaluate_one(name: str, classifier, real, cfg) -> dict:

    model, _ = zoo.load(name)
    fake, _ = zoo.sample(name, model, len(real), generator=torch.Generator().manual_seed(1))
    row = E.sample_report(classifier, real, fake)
    row["IWAE"] = None
    if name in zoo.LIKELIHOOD:
        data = load_dataset(cfg.dataset, "test", binarize="static", subset=cfg.pick(full=1000, quick=100))
        k = cfg.pick(full=1000, quick=20)
        row["IWAE"] = E.log_likelihood(model, data, k=k, generator=torch.Generator().manual_seed(0),
                                       progress=False).mean().item()
        row["IWAE_k"], row["IWAE_n"] = k, len(data)
    return row


def cmd_evaluate(args) -> int:

    names = list(GENERATIVE) if args.model == "all" else [_model_name(args.model)]
    if names == ["classifier"]:
        raise SystemExit("gencore: evaluate a generative model; the classifier is the evaluator.")
    _setup(args)
    cfg = current()
    classifier = load_classifier(cfg.dataset)
    n = args.n or cfg.pick(full=10000, quick=1000)
    real = load_dataset(cfg.dataset, "test", subset=n if n < 10000 else None).x[:n].float() / 255
    rows = {name: _evaluate_one(name, classifier, real, cfg) for name in names}
    real_train = load_dataset(cfg.dataset, "train", subset=len(real), seed=4).x.float() / 255
    rows["real (train)"] = {**E.sample_report(classifier, real, real_train), "IWAE": None}
    likelihood = next((r for r in rows.values() if r.get("IWAE_k")), None)
    print(f"\n{cfg.dataset}, {'quick' if cfg.quick else 'full'} mode: {len(real)} samples of each model against "
          f"{len(real)} real test images, features of the domain classifier"
          + (f"; IWAE L_{likelihood['IWAE_k']} on {likelihood['IWAE_n']} binarised test images, nats "
             f"(cvae: log p(x|y))" if likelihood else "") + "\n")
    print("| model | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for name, row in rows.items():
        cells = ["" if row.get(c) is None else f"{row[c]:.4f}" if c in ("KID", "sharpness") else f"{row[c]:.2f}"
                 if c in ("IWAE", "FD", "IS") else f"{row[c]:.3f}" for c in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nreal test images' sharpness: {rows['real (train)']['real_sharpness']:.4f}")
    return 0


# The models each notebook loads through gencore.course.zoo (smaller notebook-specific models, such as sweeps and toy
# GANs, are trained by the notebook itself within its budget).
NOTEBOOK_MODELS = {"04": ["vae", "cvae", "classifier"], "05": ["draw", "draw-noatt"], "06": ["gan", "classifier"],
                   "07": ["cgan", "cvae", "classifier"],
                   "08": ["vae", "cvae", "draw", "draw-noatt", "gan", "cgan", "classifier"]}


class StepProbe(Exception):
    """Raised by `probe_steps` inside a training loop: it timed its first steps and stopped. ``seconds_per_step``
    (the first step, which warms up, not counted) and ``total_steps`` (what the whole run would take)."""

    def __init__(self, seconds_per_step: float, total_steps: int):
        super().__init__(f"{seconds_per_step:.4f} s per step, {total_steps} steps")
        self.seconds_per_step, self.total_steps = seconds_per_step, total_steps


@contextmanager
def probe_steps(n: int = 6):
    """Inside this block every training loop (`fit`, `train_gan`) stops after ``n`` steps with `StepProbe`,
    saving nothing: how ``gencore pretrain`` estimates how long training will take."""
    n = as_int(n, "n", minimum=2)
    times: list[float] = []

    def probe(total_steps: int) -> None:
        times.append(time.perf_counter())
        if len(times) >= n:
            raise StepProbe((times[-1] - times[0]) / (len(times) - 1), total_steps)

    with on_every_step(probe):
        yield


def cmd_pretrain(args) -> int:

    wanted = [n.strip().zfill(2) for n in args.notebooks.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in NOTEBOOK_MODELS]
    if unknown or not wanted:
        raise SystemExit(f"gencore pretrain: no shared models for notebook(s) {', '.join(unknown) or '(none)'}; "
                         f"choose among {', '.join(NOTEBOOK_MODELS)}.")
    names = list(dict.fromkeys(m for n in wanted for m in NOTEBOOK_MODELS[n]))
    args.seed = None
    _setup(args)
    cfg = current()
    print(f"timing a few steps of each model on {cfg.device} ({cfg.threads} threads), "
          f"{'quick' if cfg.quick else 'full'} mode, {cfg.dataset}:")
    todo, total = [], 0.0
    for name in names:
        try:
            with probe_steps(6):
                zoo.load(name, verbose=False, progress=False)
            print(f"  {name:11s} cached")
        except StepProbe as p:
            seconds = p.seconds_per_step * p.total_steps
            total += seconds
            todo.append(name)
            print(f"  {name:11s} to train: {p.total_steps:,} steps x {p.seconds_per_step * 1000:.1f} ms = "
                  f"about {seconds / 60:.1f} min (plus evaluation)")
    if not todo:
        print("every model is cached: nothing to do.")
        return 0
    print(f"estimated training time: about {total / 60:.1f} min for {len(todo)} models"
          + (" (dry run: nothing trained)" if args.dry_run else ""))
    if args.dry_run:
        return 0
    started = time.perf_counter()
    for name in todo:
        zoo.load(name)
    print(f"done: {len(todo)} models trained in {(time.perf_counter() - started) / 60:.1f} min; interrupted runs "
          f"resume after their last complete epoch when run again.")
    return 0


def _line(ok: bool, what: str, fix: str = "") -> bool:
    print(f"  [{'ok' if ok else '!!'}] {what}" + ("" if ok or not fix else f"\n       fix: {fix}"))
    return ok


def cmd_doctor(args) -> int:
    """Installation, device, threads, datasets, cache; one line per problem saying how to fix it."""

    cfg = current()
    ok = True
    print("installation")
    ok &= _line(sys.version_info >= (3, 10), f"Python {platform.python_version()}", "gencore needs Python >= 3.10")
    ok &= _line(True, f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
                      f"gencore from {Path(__file__).parents[1]}")
    try:
        import ipywidgets  # noqa: F401
        _line(True, "ipywidgets (progress bars and widgets in Jupyter)")
    except ImportError:
        ok &= _line(False, "ipywidgets is missing: progress bars show as text", "pip install ipywidgets")
    print("device")
    devices = available_devices()
    _line(True, f"available: {', '.join(devices)}; the notebooks use {cfg.device} (GENCORE_DEVICE to change)")
    if "cuda" not in devices and "mps" not in devices:
        print("       (no GPU: every notebook runs on the CPU; quick mode GENCORE_QUICK=1 for a fast pass)")
    _line(True, f"threads: {cfg.threads} of {os.cpu_count()} cores (GENCORE_THREADS to change)")
    print("data")
    names = [args.dataset] if args.dataset else list(DATASETS)
    for name in names:
        if name not in DATASETS:
            raise SystemExit(f"gencore doctor: unknown dataset {name!r}; expected one of {', '.join(DATASETS)}.")
        if name == "sprites":
            _line(True, "sprites: built in (generated in memory, no files)")
            continue
        raw = raw_folder(name, cfg.data_dir)
        for split, files in FILES.items():
            present = all((raw / f).is_file() for f in files)
            local = [d for d in LOCAL_COPIES[name] if all(
                (Path(d) / f).is_file() or (Path(d) / (f + ".gz")).is_file() for f in files)]
            if present:
                _line(True, f"{name} {split}: in {raw}")
            elif local:
                _line(True, f"{name} {split}: will be copied from {local[0]} on first use")
            else:
                hint = " or `apt-get install dataset-fashion-mnist`" if name == "fashion-mnist" else ""
                ok &= _line(False, f"{name} {split}: not in {raw} (downloaded on first use when online)",
                            f"put {', '.join(f + '.gz' for f in files)} into {raw}{hint}, "
                            f"or use GENCORE_DATASET=sprites")
    print("model cache")
    folder = cfg.cache_dir
    entries = sorted(folder.glob("*.pt")) if folder.is_dir() else []
    size = sum(p.stat().st_size for p in entries)
    nearest = folder if folder.is_dir() else folder.parent if folder.parent.exists() else Path.home()
    writable = os.access(nearest, os.W_OK)
    ok &= _line(writable, f"{folder}: {len(entries)} models, {size / 2 ** 20:.1f} MiB",
                f"make {folder} writable, or set GENCORE_HOME to a writable folder")
    for p in entries[:40]:
        print(f"       {p.name} ({p.stat().st_size / 2 ** 20:.1f} MiB)")
    if len(entries) > 40:
        print(f"       ... and {len(entries) - 40} more")
    print("all good" if ok else "some things are missing: each [!!] line above says how to fix it")
    return 0 if sys.version_info >= (3, 10) else 1           # a missing dataset is reported, not an error


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "pretrain": cmd_pretrain,
            "doctor": cmd_doctor}


def _start_distributed(args) -> bool:
    """Under torchrun (WORLD_SIZE > 1): join the process group, gloo on CPUs and nccl on GPUs (one GPU per
    process, cuda:LOCAL_RANK). Returns whether it did."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    if args.command != "train":
        raise SystemExit(f"gencore {args.command}: run it as one process; only `train` uses several (torchrun).")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available() and (args.device is None or args.device.startswith("cuda")):
        args.device = f"cuda:{local}"
        torch.cuda.set_device(local)
        dist.init_process_group("nccl")
    else:
        args.device = "cpu"
        dist.init_process_group("gloo")
    return True


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
        return 2
    started = _start_distributed(args)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, TypeError, RuntimeError, OSError) as e:
        print(f"gencore {args.command}: {e}", file=sys.stderr)
        return 1
    finally:
        if started:
                    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
