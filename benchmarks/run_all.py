"""Every benchmark, one command, one markdown file: the README's results come from it.

    .venv/bin/python benchmarks/run_all.py [--threads 2] [--out benchmarks/RESULTS.md] [--skip course]

Runs, each in its own process, and collects their markdown:
  data_path.py      gencore's in-memory data path vs torchvision's DataLoader + ToTensor (target >= 10x)
  loop_overhead.py  each course model's training loop vs its pure forward/backward (target <= 1.2x)
  vae_epoch.py      IWAE with k = 1000 over the 10,000 test images (target <= 60 s on 2 cores)
  metrics_speed.py  Fréchet distance and KID on 10,000 x 10,000 images, features included (target <= 30 s)
  course_quick.py   the whole course in quick mode, each notebook's share (target <= 5 minutes on 2 cores)
The machine (CPU, cores, GPU, torch) and the date head the file. Benchmarks print ratios measured in the same
run; they are not tests.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "data": ("Data path", ["data_path.py"]),
    "loops": ("Training loops vs pure forward/backward", ["loop_overhead.py"]),
    "iwae": ("IWAE evaluation, k = 1000, 10,000 test images", ["vae_epoch.py", "--reps", "1"]),
    "metrics": ("Fréchet distance and KID, 10,000 x 10,000 images", ["metrics_speed.py"]),
    "course": ("The whole course in quick mode", ["course_quick.py"]),
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {gpu}; Python {platform.python_version()}, torch {torch.__version__}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(HERE / "RESULTS.md"))
    p.add_argument("--skip", nargs="*", default=[], choices=list(BENCHMARKS))
    args = p.parse_args()
    parts = [f"# Benchmarks\n\n`{' '.join(['python', 'benchmarks/run_all.py', *sys.argv[1:]])}`, "
             f"{datetime.date.today().isoformat()}, {args.threads} threads\n\nMachine: {machine()}\n"]
    for key, (title, command) in BENCHMARKS.items():
        if key in args.skip:
            continue
        cmd = [sys.executable, str(HERE / command[0]), *command[1:], "--threads", str(args.threads)]
        print(f"== {title}: {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        body = (done.stdout.strip() if done.returncode == 0
                else f"FAILED ({done.returncode}):\n\n```\n{done.stderr[-3000:]}\n```")
        print(body, flush=True)
        parts.append(f"## {title}\n\n`benchmarks/{' '.join(command)}` ({seconds:.0f} s)\n\n{body}\n")
    Path(args.out).write_text("\n".join(parts))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
