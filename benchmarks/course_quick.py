"""Benchmark: the whole course in quick mode, as a student runs it (in order, one fresh model cache).

Executes every solution notebook headless (nbclient, the inline figure backend) with GENCORE_QUICK=1 on the
built-in sprites data and GENCORE_HOME a new temporary folder, so later notebooks load what earlier ones
trained. Prints a markdown table: each notebook's wall time and its share of the total. Target: the whole course
in <= 5 minutes on 2 CPU cores.

    .venv/bin/python benchmarks/course_quick.py [--threads 2] [--dataset sprites]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dataset", default="sprites")
    p.add_argument("--notebooks", nargs="+", default=None, help="notebook numbers (default: all)")
    args = p.parse_args()
    notebooks = sorted((ROOT / "solutions").glob("*.ipynb"))
    if args.notebooks:
        notebooks = [nb for nb in notebooks if nb.name[:2] in {n.zfill(2) for n in args.notebooks}]
    home = tempfile.mkdtemp(prefix="gencore-course-")
    os.environ.update(GENCORE_QUICK="1", GENCORE_DATASET=args.dataset, GENCORE_HOME=home,
                      GENCORE_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    os.environ.pop("MPLBACKEND", None)
    times = {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
        times[path.stem] = time.perf_counter() - start
        print(f"  {path.stem}: {times[path.stem]:.1f} s", file=sys.stderr, flush=True)
    total = sum(times.values())
    print(f"quick mode, {args.dataset}, {args.threads} threads, one fresh model cache for the whole course "
          f"(load average {' '.join(f'{v:.2f}' for v in os.getloadavg())})\n")
    print("| notebook | seconds | share |")
    print("|---|---:|---:|")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.1f} | {seconds / total:.0%} |")
    print(f"| **whole course** | **{total:.1f}** ({total / 60:.1f} min) | 100% |")


if __name__ == "__main__":
    main()
