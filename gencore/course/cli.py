"""The command line: train, sample and evaluate the course's models outside a notebook.

    gencore train vae --dataset fashion-mnist           # the notebook's configuration: the notebook then loads it
    gencore train gan --epochs 20 --seed 1              # a changed configuration is another cache entry
    gencore sample cgan --out cgan.png                  # an image grid (one row per class for conditional models)
    gencore evaluate gan                                # notebook 08's measures for a cached model
    gencore evaluate all --dataset fashion-mnist        # every model, one markdown table (the README's)
    gencore pretrain --dataset fashion-mnist            # before class: every model notebooks 01-08 train
    torchrun --nproc_per_node=4 -m gencore train draw   # data parallel over 4 processes (GPUs: one each)
    gencore doctor                                      # installation, device, data, cache: what to fix, and how

(also ``python -m gencore ...``). Models are those of `gencore.course.zoo`; they go through the same model cache,
under the same configuration key, as the notebooks. Every option is checked before anything starts (one sentence
names the option and what it takes); Ctrl-C ends with one line saying what was saved and how to resume.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import re
import sys
import time
from contextlib import nullcontext, redirect_stdout
from pathlib import Path

import torch
import torch.distributed as dist
import torchvision
from torchvision.utils import save_image

from .. import evaluation as E
from ..config import DATASETS, available_devices, current, pick_device, setup
from ..data import load_dataset
from ..data.torchvision_data import FILES, LOCAL_COPIES, raw_folder
from ..distributed import is_main_process
from ..train import on_every_step
from ..validate import did_you_mean
from . import zoo
from .pretrain import NOTEBOOKS, StepProbe, estimate, notebook_models, probe_steps

__all__ = ["COMMANDS", "StepProbe", "main", "parser", "probe_steps"]

GENERATIVE = ("vae", "cvae", "draw", "draw-noatt", "gan", "cgan")
DATA_PARALLEL = ("vae", "cvae", "draw", "draw-noatt")      # what torchrun trains to one process's weights
MAX_SAMPLES, MAX_PER_CLASS, MIN_EVALUATE, DEFAULT_SAMPLES, DEFAULT_PER_CLASS = 10_000, 16, 100, 64, 8   # -n's


def _rank() -> int:
    """This process's rank under torchrun (RANK), 0 in a single process: known before the process group exists."""
    return int(os.environ.get("RANK", "0")) if int(os.environ.get("WORLD_SIZE", "1")) > 1 else 0


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (and said once under torchrun), and say what was meant by the usual
    wrong forms: the model given as --model, several models in one command."""

    def parse_args(self, args=None, namespace=None):
        argv = sys.argv[1:] if args is None else list(args)
        given = next((a for a in argv if a.partition("=")[0] == "--model"), None)
        if given and argv[0] in ("train", "sample", "evaluate"):
            model = given.partition("=")[2] or next((a for a in argv[argv.index(given) + 1:] if a[:1] != "-"), "vae")
            self.error(f"--model: the model is positional, without --model: gencore {argv[0]} {model}")
        known, extras = self.parse_known_args(argv, namespace)
        if extras and all(a in zoo.MODELS or a == "all" for a in extras) and getattr(known, "model", None):
            more = {"train": "`gencore pretrain` trains several", "evaluate": "`gencore evaluate all` evaluates all"}
            self.error(f"unrecognized arguments: {' '.join(extras)}; one model per command (gencore {known.command} "
                       f"{known.model}): {more.get(known.command, 'run it once per model')}")
        if extras:      # an option the command lacks but nearly has: "--datset: did you mean --dataset?"
            self._near(known, extras)
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return known

    def _near(self, known, extras) -> None:
        command = self._subparsers._group_actions[0].choices.get(getattr(known, "command", None), self)
        for typo in (a.partition("=")[0] for a in extras if a[:1] == "-"):
            if near := did_you_mean(typo, list(command._option_string_actions)):
                command.error(f"{typo}: did you mean {near}?")

    def error(self, message):
        if m := re.fullmatch(r"argument ([^:/]+)(?:/[^:]+)?: invalid (int|float) value: (.*)", message):
            whole = m[2] == "int"       # argparse's own words say what failed, not what to give
            message = f"{m[1]} takes a {'whole ' * whole}number, e.g. {m[1]} {16 if whole else 0.5}; got {m[3]}"
        if _rank() == 0:
            see = " See" if message.endswith("?") else "; see"
            print(f"{self.prog}: {message}{see} `{self.prog} --help`.", file=sys.stderr)
        raise SystemExit(2)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help=f"one of: {', '.join(zoo.MODELS)}")
    p.add_argument("--dataset", help=f"one of: {', '.join(DATASETS)} (default: GENCORE_DATASET, else mnist)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: the best available)")
    p.add_argument("--seed", type=int, default=None, help="training seed, 0 or more (default: the notebooks' seed, 0)")
    p.add_argument("--quick", action="store_true", help="the notebooks' quick-mode configuration")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (default: GENCORE_THREADS or all cores, at most 8)")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="gencore", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("train", help="train a course model (or load it when cached)")
    _add_common(p)
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs, 1 or more (GANs: passes over the data); default: the notebook's")
    p.add_argument("--latent", type=int, default=None, help="latent (noise) size, 1 or more; default: the notebook's")
    p = sub.add_parser("sample", help="write an image grid of a model's samples")
    _add_common(p)
    p.add_argument("--out", required=True, help="the PNG file to write")
    p.add_argument("-n", type=int, help=f"number of samples, 1 to {MAX_SAMPLES:,}, default {DEFAULT_SAMPLES} "
                   f"(conditional models: per class, 1 to {MAX_PER_CLASS}, default {DEFAULT_PER_CLASS})")
    p = sub.add_parser("evaluate", help="print notebook 08's measures for a model, or for all (a markdown table)")
    _add_common(p)
    p.add_argument("-n", type=int, default=None,
                   help=f"samples to compare, {MIN_EVALUATE} to {MAX_SAMPLES:,} (default: 10,000; quick: 1,000)")
    p = sub.add_parser("pretrain", help="train every model notebooks 01-08 train, before class (resumable)")
    p.add_argument("--notebooks", default=",".join(NOTEBOOKS),
                   help=f"comma-separated notebook numbers (default: all of {','.join(NOTEBOOKS)})")
    p.add_argument("--dataset", help=f"one of: {', '.join(DATASETS)} (default: GENCORE_DATASET, else mnist)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: the best available)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: GENCORE_THREADS or all cores)")
    p.add_argument("--quick", action="store_true", help="the quick-mode configurations (for testing)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be trained and how long it would take")
    p = sub.add_parser("doctor", help="check the installation, device, data and model cache")
    p.add_argument("--dataset", help="check this dataset only")
    return top


# ------------------------------------------------------------------------------------------ checking the options
def _refuse(args, what: str) -> SystemExit:
    return SystemExit(f"gencore {args.command}: {what}.")


def _at_least(args, option: str, value, minimum: int, maximum: int | None = None, unit: str = "") -> None:
    if value is not None and (value < minimum or (maximum is not None and value > maximum)):
        allowed = f"from {minimum:,} to {maximum:,}" if maximum is not None else f"{minimum} or more"
        raise _refuse(args, f"{option} {value} is out of range; give {allowed}{unit}")


def _check_options(args) -> None:
    """Every option of the command, before anything is loaded, trained or written: one sentence naming the
    option, what it takes and what to do."""
    command = args.command
    if command != "doctor" and command != "pretrain":
        allowed = zoo.MODELS if command != "evaluate" else [*zoo.MODELS, "all"]
        if args.model not in allowed:
            every = "; `gencore pretrain` trains them all" if args.model == "all" else ""
            raise _refuse(args, f"unknown model {args.model!r}; the course's models are: {', '.join(allowed)}{every}")
        if args.model == "classifier" and command in ("sample", "evaluate"):
            raise _refuse(args, "the classifier is not a generative model (it has no samples; it is the "
                                "evaluator): name one of " + ", ".join(GENERATIVE))
    if args.dataset is not None and args.dataset.strip().lower() not in DATASETS:
        raise _refuse(args, f"--dataset {args.dataset!r} is not a dataset gencore knows; choose one of "
                            f"{', '.join(DATASETS)}")
    if args.dataset is not None:
        args.dataset = args.dataset.strip().lower()            # Fashion-MNIST is fashion-mnist, as in setup()
    try:
        getattr(args, "device", None) is not None and pick_device(args.device)
    except (TypeError, ValueError) as e:
        said = str(e).rstrip(".").replace(f"device={args.device!r}", f"--device {args.device!r}", 1)
        raise _refuse(args, said) from None
    _at_least(args, "--threads", getattr(args, "threads", None), 1)
    _at_least(args, "--seed", getattr(args, "seed", None), 0)
    if command == "train":
        _at_least(args, "--epochs", args.epochs, 1, unit=" (leave it out for the notebook's)")
        _at_least(args, "--latent", args.latent, 1, unit=" (leave it out for the notebook's)")
        if args.model == "classifier" and args.latent is not None:
            raise _refuse(args, "the classifier has no latent code; leave out --latent")
    elif command == "sample":
        if Path(args.out).suffix.lower() != ".png" or Path(args.out).is_dir():
            raise _refuse(args, f"--out must name a .png file to write, got {args.out!r}")
        _check_writable_out(args)
        if args.n is None:
            args.n = DEFAULT_PER_CLASS if args.model in zoo.CONDITIONAL else DEFAULT_SAMPLES
        if args.model in zoo.CONDITIONAL:
            _at_least(args, "-n", args.n, 1, MAX_PER_CLASS, unit=f" samples per class for {args.model}")
        else:
            _at_least(args, "-n", args.n, 1, MAX_SAMPLES, unit=" samples")
    elif command == "evaluate":
        _at_least(args, "-n", args.n, MIN_EVALUATE, MAX_SAMPLES,
                  unit=" samples (fewer say nothing about a distribution; the test split has 10,000)")
    elif command == "pretrain":
        args.notebooks = _notebooks(args)


def _check_writable_out(args) -> None:
    """--out's folder exists (or can be made) and can be written, before anything is trained."""
    folder = Path(args.out).absolute().parent
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    why = (f"{existing} is a file, not a folder" if not existing.is_dir() else
           f"the folder {existing} is not writable" if not os.access(existing, os.W_OK | os.X_OK) else None)
    if why:
        raise _refuse(args, f"--out {args.out!r} cannot be written: {why}; choose a path in a folder you can write")


def _notebooks(args) -> list[str]:
    parts = [n.strip() for n in args.notebooks.split(",") if n.strip()]
    wanted = [n.zfill(2) for n in parts]
    bad = [p for p, n in zip(parts, wanted) if n not in NOTEBOOKS]
    if bad or not wanted:
        raise _refuse(args, f"--notebooks {args.notebooks!r} names no notebook {', '.join(bad) or '(none given)'}; "
                            f"give comma-separated numbers among {', '.join(NOTEBOOKS)}")
    return list(dict.fromkeys(wanted))


def _setup(args) -> None:
    setup(seed=0, quick=True if args.quick else None, dataset=args.dataset, device=args.device,
          threads=args.threads, verbose=is_main_process())


def _minutes(p: StepProbe) -> str:
    return (f"{p.total_steps:,} steps x {p.seconds_per_step * 1000:.1f} ms = about "
            f"{p.seconds_per_step * p.total_steps / 60:.1f} min (plus evaluation)")


def _train_first(command: str, names) -> None:
    """Before `sample` or `evaluate` trains a model it needs: say so, with the estimate `pretrain` prints."""
    for name in names:
        p = estimate(lambda name=name, **kw: zoo.load(name, **kw))
        if p is not None:
            print(f"gencore {command}: {name} is not in the model cache, so it is trained first: {_minutes(p)}; "
                  f"`gencore pretrain` trains every model ahead of time.")


# ------------------------------------------------------------------------------------------ the commands
def cmd_train(args) -> int:
    name = args.model
    if dist.is_initialized() and name not in DATA_PARALLEL:       # refused before the group starts: a safeguard
        raise _refuse(args, f"{name} trains as one process")
    _setup(args)
    steps = []
    with on_every_step(steps.append):
        model, history = zoo.load(name, epochs=args.epochs, latent=args.latent, seed=args.seed,
                                  verbose=is_main_process())
    if not is_main_process():
        return 0
    changed = any(v is not None for v in (args.epochs, args.latent, args.seed))
    where = "another cache entry than the notebook's" if changed else "a notebook asking for it loads it"
    how = "trained and cached" if steps else "loaded from the model cache, where it was already"
    print(f"{name}: {zoo.describe(name)}; {how} ({where}).")
    if history is not None and len(history):
        shown = ", ".join(f"{k} {v[-1]:.4g}" for k, v in history.to_dict().items() if v and
                          k.startswith(("test/", "train/")) and not k.endswith("seconds"))
        if shown:
            print(f"last logged values: {shown}")
    return 0


def cmd_sample(args) -> int:
    name = args.model
    _setup(args)
    out = Path(args.out)
    _train_first("sample", [name])
    model, _ = zoo.load(name)
    g = torch.Generator().manual_seed(0 if args.seed is None else args.seed)
    if name in zoo.CONDITIONAL:
        labels = torch.arange(model.n_classes).repeat_interleave(args.n)
        images, _ = zoo.sample(name, model, len(labels), generator=g, labels=labels)
        nrow = args.n
    else:
        images, _ = zoo.sample(name, model, args.n, generator=g)
        nrow = max(1, math.isqrt(args.n))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image(images, out, nrow=nrow, padding=1, pad_value=1.0)
    rows = "one row per class" if name in zoo.CONDITIONAL else f"{nrow} per row"
    print(f"wrote {len(images)} samples of {name} to {out} ({rows})")
    return 0


COLUMNS = ("IWAE", "FD", "KID", "IS", "precision", "recall", "density", "coverage", "C2ST", "sharpness")


def _evaluate_one(name: str, classifier, real, cfg) -> dict:
    model, _ = zoo.load(name)
    fake, _ = zoo.sample(name, model, len(real), generator=torch.Generator().manual_seed(1))
    row = {**E.sample_report(classifier, real, fake), "IWAE": None}
    if name in zoo.LIKELIHOOD:
        data = load_dataset(cfg.dataset, "test", binarize="static", subset=cfg.pick(full=1000, quick=100))
        k = cfg.pick(full=1000, quick=20)
        row["IWAE"] = E.log_likelihood(model, data, k=k, generator=torch.Generator().manual_seed(0),
                                       progress=False).mean().item()
        row["IWAE_k"], row["IWAE_n"] = k, len(data)
    return row


def cmd_evaluate(args) -> int:
    names = list(GENERATIVE) if args.model == "all" else [args.model]
    _setup(args)
    cfg = current()
    _train_first("evaluate", ["classifier", *names])
    classifier, _ = zoo.load("classifier")
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
    print("| model | " + " | ".join(COLUMNS) + " |\n|---|" + "---:|" * len(COLUMNS))
    for name, row in rows.items():
        cells = ["" if row.get(c) is None else f"{row[c]:.4f}" if c in ("KID", "sharpness") else f"{row[c]:.2f}"
                 if c in ("IWAE", "FD", "IS") else f"{row[c]:.3f}" for c in COLUMNS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nreal test images' sharpness: {rows['real (train)']['real_sharpness']:.4f}")
    return 0


def cmd_pretrain(args) -> int:
    args.seed = None
    _setup(args)
    cfg = current()
    print(f"timing a few steps of each model on {cfg.device} ({cfg.threads} threads), "
          f"{'quick' if cfg.quick else 'full'} mode, {cfg.dataset}:")
    entries: dict[str, object] = {}
    for notebook in args.notebooks:
        found = notebook_models(notebook)
        if not found:
            print(f"  notebook {notebook} trains nothing through the model cache")
        entries.update({label: train for label, train in found if label not in entries})
    todo, total = [], 0.0
    for label, train in entries.items():
        p = estimate(train)
        if p is None:
            print(f"  {label:25s} cached")
        else:
            total += p.seconds_per_step * p.total_steps
            todo.append(label)
            print(f"  {label:25s} to train: {_minutes(p)}")
    if not todo:
        print("every model is cached: nothing to do.")
        return 0
    print(f"estimated training time: about {total / 60:.1f} min for {len(todo)} models"
          + (" (dry run: nothing trained)" if args.dry_run else ""))
    if args.dry_run:
        return 0
    started = time.perf_counter()
    for label in todo:
        entries[label](verbose=True, progress=True)
    print(f"done: {len(todo)} models trained in {(time.perf_counter() - started) / 60:.1f} min, into "
          f"{cfg.cache_dir}; interrupted runs resume after their last saved epoch or step when run again.")
    return 0


def _line(ok: bool, what: str, fix: str = "") -> bool:
    print(f"  [{'ok' if ok else '!!'}] {what}" + ("" if ok or not fix else f"\n       fix: {fix}"))
    return ok


def cmd_doctor(args) -> int:
    """Installation, device, threads, datasets, cache; one line per problem saying how to fix it."""
    cfg = setup(seed=0, verbose=False)           # the environment as it is now (GENCORE_*), checked
    print("installation")
    ok = _line(sys.version_info >= (3, 10), f"Python {platform.python_version()}", "gencore needs Python >= 3.10")
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
    ok &= _doctor_cache(cfg)
    print("all good" if ok else "some things are missing: each [!!] line above says how to fix it")
    return 0 if sys.version_info >= (3, 10) else 1           # a missing dataset is reported, not an error


def _models_line(folder: Path) -> tuple[list[Path], str]:
    entries = sorted(folder.glob("*.pt")) if folder.is_dir() else []
    return entries, f"{folder}: {len(entries)} models, {sum(p.stat().st_size for p in entries) / 2 ** 20:.1f} MiB"


def _doctor_cache(cfg) -> bool:
    print("model cache")
    folder = cfg.cache_dir
    entries, what = _models_line(folder)
    nearest = folder if folder.is_dir() else folder.parent if folder.parent.exists() else Path.home()
    ok = _line(os.access(nearest, os.W_OK), what, f"make {folder} writable, or set GENCORE_HOME to a writable folder")
    for p in entries[:40]:
        print(f"       {p.name} ({p.stat().st_size / 2 ** 20:.1f} MiB)")
    if len(entries) > 40:
        print(f"       ... and {len(entries) - 40} more")
    for shared in cfg.shared_models:
        _line(True, f"shared (GENCORE_SHARED_MODELS, read only, looked up before training): {_models_line(shared)[1]}")
    if not cfg.shared_models:
        print("       (no shared models: GENCORE_SHARED_MODELS may name an instructor's read-only models folder)")
    return ok


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "evaluate": cmd_evaluate, "pretrain": cmd_pretrain,
            "doctor": cmd_doctor}


def _start_distributed(args) -> bool:
    """Under torchrun (WORLD_SIZE > 1): join the process group, gloo on CPUs and nccl on GPUs (one GPU per
    process, cuda:LOCAL_RANK). Returns whether it did. Refused first (before any process group exists): another
    command than train, and the models whose training would not be one process's (the GANs' loop runs as one
    process; the classifier's dropout and augmentation are drawn per process)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    if args.command != "train":
        raise _refuse(args, "run it as one process, without torchrun; only `gencore train` uses several processes")
    if args.model not in DATA_PARALLEL:
        why = ("the GAN's training loop runs as one process, so every process would train its own copy"
               if args.model in ("gan", "cgan") else "its dropout and augmentation are drawn per process, so several "
               "processes would not train one process's model")
        raise _refuse(args, f"{args.model} cannot train under torchrun ({why}); run `gencore train {args.model}` as "
                            f"one process, or use torchrun for {', '.join(DATA_PARALLEL)}")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available() and (args.device is None or args.device.startswith("cuda")):
        args.device = f"cuda:{local}"
        torch.cuda.set_device(local)
        dist.init_process_group("nccl")
    else:
        args.device = "cpu"
        dist.init_process_group("gloo")
    return True


def _interrupted(args, started: float) -> str:
    """One line after Ctrl-C: what this run saved (cached models, progress files), and how to go on."""
    try:
        folder = current().cache_dir
        recent = [p for p in folder.iterdir() if p.stat().st_mtime >= started] if folder.is_dir() else []
    except (OSError, ValueError):
        folder, recent = None, []
    cached, partial = (sorted(p.name for p in recent if p.suffix == kind) for kind in (".pt", ".partial"))
    saved = ([f"{len(cached)} finished model{'s' if len(cached) != 1 else ''} cached"] if cached else []) + (
        [f"the progress of {', '.join(partial)} saved"] if partial else [])
    if args.command == "doctor":
        return "gencore doctor: interrupted; it changes nothing, so nothing was saved."
    if not saved:
        return (f"gencore {args.command}: interrupted before any progress was saved (models cached earlier stay "
                f"cached); run the same command again to start over.")
    return (f"gencore {args.command}: interrupted; {' and '.join(saved)} in {folder}; run the same command again to "
            f"resume{' after the last saved epoch or step' if partial else ''}.")


def main(argv: list[str] | None = None) -> int:
    """Run one command; under torchrun every process runs it and rank 0 alone prints."""
    args = parser().parse_args(argv)
    if args.command is None:
        parser().print_help()
        return 2
    rank, started, joined = _rank(), time.time(), False
    quiet = redirect_stdout(open(os.devnull, "w")) if rank != 0 else nullcontext()
    try:
        with quiet:
            _check_options(args)
            joined = _start_distributed(args)
            return COMMANDS[args.command](args)
    except SystemExit as e:
        if rank != 0:           # rank 0 says it and fails the run: the others end quietly, leaving it time to say it
            raise SystemExit(0) from None
        raise e
    except KeyboardInterrupt:
        if rank == 0:
            print(_interrupted(args, started), file=sys.stderr)
        return 130
    except (ValueError, TypeError, RuntimeError, OSError) as e:
        print(f"gencore {args.command}{f' (rank {rank})' if rank else ''}: {e}", file=sys.stderr)
        return 1
    finally:
        if joined and dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
