#!/usr/bin/env python3
"""The course's two commands (and one for instructors). Needs only Python >= 3.10.

    python3 course.py lab     set up (once) and open the course in JupyterLab
    python3 course.py test    set up (once) and run the fast tests: unit tests and the solution notebooks
                              in quick mode (--all adds the integration tier: what CI runs)
    python3 course.py build   regenerate the student notebooks from solutions/ (instructors)
    python3 course.py grade SUBMISSIONS...   grade submitted student notebooks (instructors; --help for options)
    python3 course.py book [--full]          the course as a static website in ./site (instructors)

Set-up is idempotent: a virtual environment in .venv/, with gencore installed in it (editable, with
its test tools). It is reinstalled only when pyproject.toml changes. Extra arguments after `test`
go to pytest (e.g. `python3 course.py test -k vae`). `test --all` adds the integration tier: the student
notebooks, the studies' tests (experiments/), and the tests marked `integration` (the website in a browser,
grading, torchrun, the longest trainings).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".gencore-installed"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup() -> Path:
    """Create .venv and install the project into it, unless that was already done for this pyproject."""
    if sys.version_info < (3, 10):
        sys.exit(f"gencore needs Python 3.10 or newer; this is {sys.version.split()[0]}. "
                 f"Run this file with a newer python3.")
    python = venv_python()
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("Installing gencore and its dependencies (once; PyTorch is large) ...", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted + "\n")
    return python


def test_command(python: Path, extra: list[str]) -> list[str]:
    """The fast tier: the unit tests but those marked `integration`, and the solution notebooks executed by
    nbval. With ``--all`` in ``extra``: everything, the student notebooks and experiments/ included."""
    everything = "--all" in extra
    extra = [a for a in extra if a != "--all"]
    paths = [*fast_order(ROOT / "solutions"), *(["notebooks"] if everything else []), "tests",
             *(["experiments"] if everything else [])]
    select = [] if everything else ["-m", "not integration"]
    # pytest-xdist hands out whole files in the order given (with --no-loadscope-reorder; by default it sorts
    # them by their number of tests, which put the longest notebooks near the end).
    return [str(python), "-m", "pytest", *paths, *select, "--nbval-lax", "--nbval-current-env",
            "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", *extra]


# The notebooks that train a model another notebook loads come before it, so that one worker seldom waits on
# the other's cache lock: 04 trains the quick classifier (06 and 08 load it) and the cVAEs (08), 06 the DCGAN
# (08), 05 and 07 the DRAWs and the cGAN (08). The notebooks go first, longest first, and the many short
# unit-test files then even out the two workers' ends.
FAST_ORDER = ["04_conditional_vae", "00_generative_models", "01_autoencoders", "06_gan", "02_variational_inference",
              "03_vae", "05_draw", "07_conditional_gan", "08_evaluation"]


def fast_order(folder: Path) -> list[str]:
    """The solution notebooks in `FAST_ORDER`, then any other notebook of ``folder`` by name."""
    found = sorted(p.stem for p in folder.glob("*.ipynb"))
    ordered = [name for name in FAST_ORDER if name in found] + [name for name in found if name not in FAST_ORDER]
    return [f"{folder.name}/{name}.ipynb" for name in ordered]


def main(argv: list[str]) -> int:
    command, extra = (argv[0] if argv else "help"), argv[1:]
    if command not in ("lab", "test", "build", "grade", "book"):
        print(__doc__)
        return 0 if command in ("help", "-h", "--help") else 2
    python = setup()
    if command == "lab":
        as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # e.g. in a container
        return subprocess.call([str(python), "-m", "jupyter", "lab", "--ServerApp.root_dir", str(ROOT),
                                *as_root, str(ROOT / "notebooks"), *extra], cwd=ROOT)
    if command == "build":
        return subprocess.call([str(python), "-m", "gencore.course.build", "--root", str(ROOT), *extra], cwd=ROOT)
    if command == "grade":
        return subprocess.call([str(python), "-m", "gencore.course.grade", *extra])
    if command == "book":
        return subprocess.call([str(python), "-m", "gencore.course.book", *extra])
    # test: quick mode, the built-in dataset unless one is chosen, a fresh data/model folder, 1 thread each.
    # Figures are drawn: notebooks use Jupyter's inline backend (every figure rendered to PNG), the unit tests
    # draw every figure they leave open (tests/conftest.py), so an error at draw time fails the tests.
    home = tempfile.mkdtemp(prefix="gencore-test-")
    env = dict(os.environ, GENCORE_QUICK="1", GENCORE_HOME=home, OMP_NUM_THREADS="1", GENCORE_THREADS="1")
    env.pop("MPLBACKEND", None)
    env.setdefault("GENCORE_DATASET", "sprites")
    try:
        return subprocess.call(test_command(python, extra), cwd=ROOT, env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
