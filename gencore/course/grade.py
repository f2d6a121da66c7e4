"""Grading submitted student notebooks: `python3 course.py grade SUBMISSIONS...`.

Each submission (a student notebook, any file name) is executed headless in quick mode, in its own process,
in a fresh temporary folder holding a copy of it, with its own HOME and GENCORE_HOME, one cell at a time under
a time limit per cell (``--timeout``) and one per notebook (``--notebook-timeout``). The outcome of every
exercise is read from what the checks reported to the grader (`gencore.checks.report`), never from printed
text, and from the check cell itself:

    correct             the check passed, unpatched, on the student's own function
    wrong               the check failed: its hint is recorded (an error in the check cell always wins)
    not implemented     the exercise still raises NotImplementedError
    error               the check cell failed otherwise (e.g. a name the student deleted)
    timed out           the check cell ran out of time (it was interrupted; the later cells still ran)
    used the reference  the function is gencore's own answer, or called it (``checks.x.reference``)
    check tampered      gencore's checks (or what they call) were patched, or the check reported nothing
    check changed       the check cell is missing or its code differs from the course's
    not run             the notebook stopped before the check (its kernel died, or its time ran out)

Which course notebook a submission is comes from its metadata (``gencore.generated_from``), else from its
check cells. Results: one CSV row per student and exercise, a markdown report (totals per student and per
exercise, each wrong answer's hint) and the executed notebooks (``executed/``). Submissions are graded
``--jobs`` at a time; ``--cache`` lends every submission a folder of trained models (read only);
``--isolate`` runs each one in a bubblewrap sandbox (see docs/instructors.md).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import csv
import importlib
import inspect
import json
import numbers
import os
import pkgutil
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..checks import REGISTRY
from ..checks import report as channel
from ..config import DATASETS
from ..validate import flags

__all__ = ["reference_checks", "identify", "expected_fingerprints", "isolation_problem", "check_options",
           "grade_submission", "grade", "report", "parser", "main"]

ROOT = Path(__file__).resolve().parents[2]
KERNEL_RUNNER = Path(__file__).resolve().with_name("grade_kernel.py")
CHECK_CELL = re.compile(r"^\s*\w+\s*=\s*checks\.(\w+)\(\w+\)", re.MULTILINE)
STATUSES = ("correct", "wrong", "not implemented", "error", "timed out", "used the reference", "check tampered",
            "check changed", "not run")
RESULT_LIMIT = 256 * 2 ** 20        # bytes of result a submission's run may send back
BWRAP_HINT = ("install bubblewrap (`sudo apt-get install bubblewrap` on Debian and Ubuntu; the package has that name "
              "in most distributions)")


class OptionError(ValueError):
    """An option that cannot work: refused before anything runs."""


def _cells(nb: dict) -> list[dict]:
    return [c for c in nb.get("cells", []) if isinstance(c, dict)]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def reference_checks(notebooks_dir: Path = ROOT / "notebooks") -> dict[str, list[dict]]:
    """{notebook stem: [{"check": name, "title": ..., "source": the check cell's code}, ...]} from the course's
    student notebooks, in order."""

    out = {}
    for path in sorted(Path(notebooks_dir).glob("*.ipynb")):
        nb = json.loads(path.read_text())
        found = []
        for cell in _cells(nb):
            m = CHECK_CELL.search(_source(cell)) if cell.get("cell_type") == "code" else None
            if m and m.group(1) in REGISTRY:
                found.append({"check": m.group(1), "title": REGISTRY[m.group(1)].title,
                              "source": _source(cell).strip()})
        if found:
            out[path.stem] = found
    return out


def identify(nb: dict, references: dict[str, list[dict]]) -> str | None:
    """The course notebook a submission is: its metadata's ``gencore.generated_from``, else the notebook whose
    check cells it shares most (None if it shares none)."""
    source = (nb.get("metadata", {}).get("gencore") or {}).get("generated_from", "")
    stem = Path(source).stem
    if stem in references:
        return stem
    codes = {_source(c).strip() for c in _cells(nb) if c.get("cell_type") == "code"}
    names = {m.group(1) for code in codes for m in [CHECK_CELL.search(code)] if m}
    best = max(references, key=lambda k: sum(ex["check"] in names for ex in references[k]), default=None)
    return best if best and any(ex["check"] in names for ex in references[best]) else None


# ------------------------------------------------------------------------------------------ before grading
def expected_fingerprints() -> dict:
    """`report.fingerprints` of the course's own gencore (every module imported), the channel as `start` makes
    it, and the notebook's ``checks`` as gencore.checks: what every kernel must still show after its run."""
    for module in pkgutil.walk_packages([str(ROOT / "gencore")], "gencore."):
        if not module.name.endswith("__main__"):
            try:
                importlib.import_module(module.name)
            except ImportError:             # an optional dependency missing: its module cannot be patched either
                pass
    out = channel.fingerprints({"checks": sys.modules["gencore.checks"]})
    channel.start(os.devnull, "")                       # the writer `start` makes, to compare the kernel's with
    try:
        out["the channel"] = channel.fingerprints()["the channel"]
    finally:
        channel.stop()
    return out


def isolation_problem() -> str | None:
    """Why ``--isolate`` cannot work here (one sentence), or None."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"--isolate needs bubblewrap (bwrap), which is not installed: {BWRAP_HINT}."
    probe = subprocess.run([bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return (f"--isolate: bubblewrap cannot make its sandbox on this machine ({why}), usually because user "
                f"namespaces are disabled; enable them (sysctl kernel.unprivileged_userns_clone=1) or grade inside "
                f"a container instead.")
    return None


def _cache_folder(cache) -> Path | None:
    if cache is None:
        return None
    folder = Path(cache).expanduser().resolve()
    if not folder.is_dir():
        raise OptionError(f"--cache {cache}: no such folder; give the folder of trained models (e.g. "
                          f"~/.cache/gencore/models after `gencore pretrain`).")
    return folder / "models" if (folder / "models").is_dir() and not any(folder.glob("*.pt")) else folder


def _amount(value, name: str, what: str, cli: bool, whole: bool = False):
    """``value`` of the option ``name`` if it is a number above 0 (``whole``: a whole number, 4.0 is 4), else one
    sentence in the caller's words: the command line's option (--jobs 0), or the Python argument and its type."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0
    if ok and not whole:
        return value
    if ok and float(value).is_integer():
        return int(value)
    if cli:
        raise OptionError(f"--{name.replace('_', '-')} {value}: give {what}, {'1 or more' if whole else 'above 0'}.")
    raise OptionError(f"{name} must be {'a whole number, 1 or more' if whole else 'a number above 0'} ({what}), got "
                      f"{type(value).__name__} {value!r}.")


@flags("isolate", "cli")
def check_options(out_dir, *, timeout, notebook_timeout, dataset, jobs, cache, isolate, cli: bool = False) -> tuple:
    """Refuse options that cannot work, with one sentence, before anything runs; ``cli``: the sentence names the
    command line's options (--jobs) rather than the Python arguments (jobs=). Returns (timeout, notebook_timeout,
    dataset, jobs) as grading uses them (the dataset in lower case, whole-number jobs as an int)."""
    dataset = dataset.strip().lower() if isinstance(dataset, str) else dataset      # Fashion-MNIST, as setup() takes
    timeout = _amount(timeout, "timeout", "the seconds a cell may run", cli)
    notebook_timeout = _amount(notebook_timeout, "notebook_timeout", "the seconds a notebook may run", cli)
    jobs = _amount(jobs, "jobs", "how many submissions to grade at a time", cli, whole=True)
    if dataset not in DATASETS:
        near = [d for d in DATASETS if d.replace("-", "_") == str(dataset).strip().lower().replace("-", "_")]
        raise OptionError(f"--dataset {dataset}: not a dataset gencore knows; use one of {', '.join(DATASETS)}"
                          + (f" (did you mean {near[0]}?)" if near else "") + ".")
    _cache_folder(cache)
    out = Path(out_dir)
    existing = next((p for p in [out, *out.parents] if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == out else f"lies inside {existing}, which is a file"
        raise OptionError(f"--out {out_dir} {where}; give a folder for grades.csv, report.md and executed/.")
    if isolate and (problem := isolation_problem()):
        raise OptionError(problem)
    return timeout, notebook_timeout, dataset, jobs


# ------------------------------------------------------------------------------------------ one submission
def _sandbox(work: Path, cache: Path | None) -> list[str]:
    """bubblewrap: everything read only, the submission's folder writable, a private /tmp, /dev and /proc, no
    network (a loopback of its own), its own process tree killed with the grader."""
    args = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp"]
    for path in {ROOT, Path(sys.prefix), Path(sys.base_prefix), *([cache] if cache else [])}:
        args += ["--ro-bind", str(path), str(path)]         # again, in case they lie under /tmp
    return args + ["--bind", str(work), str(work), "--unshare-all", "--die-with-parent", "--chdir", str(work), "--"]


def _run(work: Path, task: dict, env: dict, wall: float, sandbox: list[str]) -> dict | None:
    """Start the kernel runner in ``work`` and return what it sends back (None if nothing came)."""
    read, write = os.pipe()
    command = sandbox + [sys.executable, "-I", str(KERNEL_RUNNER), str(write)]
    child = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, pass_fds=(write,), start_new_session=True)
    os.close(write)
    received = bytearray()

    def receive():
        with os.fdopen(read, "rb") as pipe:
            while chunk := pipe.read(1 << 16):
                if len(received) < RESULT_LIMIT:
                    received.extend(chunk)

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    try:
        child.stdin.write(json.dumps(task).encode())
        child.stdin.close()
    except BrokenPipeError:
        pass
    try:
        child.wait(timeout=wall)
    except subprocess.TimeoutExpired:
        pass
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)          # the kernel and anything the submission started
        except (ProcessLookupError, PermissionError):
            pass
        child.wait()
    reader.join(timeout=30)
    try:
        return json.loads(bytes(received)) if received else None
    except ValueError:
        return None


def _exercise(ex: dict, executed: list, cells: dict, final) -> tuple[str, str]:
    """(status, hint) of one exercise from its check cells' runs (the worst when the cell appears twice)."""
    indices = [i for i, c in enumerate(executed) if c.get("cell_type") == "code" and _source(c).strip() == ex["source"]]
    if not indices:
        return "check changed", "the check cell is missing or its code was changed"
    outcomes = [_check_cell(ex["check"], cells.get(str(i))) for i in indices]
    ran = [o for o in outcomes if o[0] != "not run"] or outcomes
    status, hint = max(ran, key=lambda o: STATUSES.index(o[0]))
    if final and status not in ("not run", "check changed", "check tampered"):
        return "check tampered", "after the run: " + "; ".join(final)
    return status, hint


def _check_cell(check: str, info: dict | None) -> tuple[str, str]:
    if info is None:
        return "not run", ""
    if info.get("timed_out"):
        return "timed out", "the check cell was interrupted at the time limit"
    if info.get("died"):
        return "error", "the kernel died while the check ran"
    problems = [p for found in info.get("verify", []) if found for p in found]
    if problems:
        return "check tampered", "; ".join(problems)
    records = [r for r in info.get("records", []) if r["check"] in (check, "*")]
    if any(r["status"] == "channel lost" for r in records):
        return "check tampered", "the checks' results file was removed"
    used = next((r["reference"] for r in records if r["reference"]), "")
    if used:
        return "used the reference", used
    ename, evalue = info.get("error") or ["", ""]
    if info.get("status") == "error" or ename:
        hint = next((r["hint"] for r in records if r["status"] == "wrong"), "") or evalue
        return ("wrong", hint) if ename in ("AssertionError", "CheckFailed") else ("error", f"{ename}: {evalue}"[:500])
    if not records:
        return "check tampered", "the check reported no result (gencore's check did not run)"
    for status in ("error", "wrong", "not implemented"):
        found = [r for r in records if r["status"] == status]
        if found:
            return status, found[0]["hint"]
    return "correct", ""


@flags("quick", "isolate")
def grade_submission(path: Path, references: dict[str, list[dict]], *, timeout: float = 300,
                     notebook_timeout: float = 1800, dataset: str = "sprites", quick: bool = True,
                     cache: str | Path | None = None, isolate: bool = False, expected: dict | None = None,
                     keep: Path | None = None) -> dict:
    """Grade one submission in its own process and folder; with ``keep``, write the executed notebook there.
    Returns {"file", "notebook", "status" (how the run went), "seconds", "exercises": [{"check", "title",
    "status", "hint"}]}."""
    path = Path(path)
    record = {"file": str(path), "notebook": None, "status": "graded", "seconds": 0.0, "exercises": []}
    try:
        text = path.read_text()
        nb = json.loads(text)
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except (OSError, ValueError) as e:
        record["status"] = f"not a notebook ({type(e).__name__})"
        return record
    stem = identify(nb, references)
    if stem is None:
        record["status"] = "not a course notebook (no known check cells)"
        return record
    record["notebook"] = stem
    expected = expected if expected is not None else expected_fingerprints()
    cache = _cache_folder(cache)

    work = Path(tempfile.mkdtemp(prefix="gencore-grade-"))
    try:
        (work / "home").mkdir()
        (work / "tmp").mkdir()
        results = work / f".results-{secrets.token_hex(8)}.jsonl"
        results.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GENCORE_", "JUPYTER_", "MPLBACKEND"))}
        env.update(HOME=str(work / "home"), GENCORE_HOME=str(work / "home" / "gencore"), GENCORE_DATASET=dataset,
                   GENCORE_QUICK="1" if quick else "0", GENCORE_THREADS="1", OMP_NUM_THREADS="1",
                   MPLBACKEND="Agg", TMPDIR=str(work / "tmp"),
                   PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
        if cache:
            env["GENCORE_SHARED_MODELS"] = str(cache)
        task = {"notebook": text, "folder": str(work), "results": str(results), "token": secrets.token_hex(16),
                "cell_timeout": timeout, "notebook_timeout": notebook_timeout, "expected": expected,
                "check_sources": [ex["source"] for ex in references[stem]],
                "verify_source": inspect.getsource(channel.fingerprints)}
        start, record["started"] = time.perf_counter(), time.time()
        ran = _run(work, task, env, notebook_timeout + 120, _sandbox(work, cache) if isolate else [])
        record["seconds"], record["ended"] = time.perf_counter() - start, time.time()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if ran is None:
        record["status"] = (f"timed out (the notebook's limit of {notebook_timeout:g} s)"
                            if record["seconds"] >= notebook_timeout else "crashed (no result)")
        executed, cells, final = [], {}, None
    else:
        executed, cells, final = json.loads(ran["notebook"]).get("cells", []), ran["cells"], ran["final"]
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            keep.write_text(ran["notebook"])
        setup = next((cells.get(str(i)) for i, c in enumerate(executed)
                      if "gencore.setup(" in _source(c) and str(i) in cells), None)
        interrupted = sum(bool(c.get("timed_out")) for c in cells.values())
        if ran["stopped"]:
            record["status"] = ran["stopped"]
        elif setup and setup.get("status") == "error":
            ename, evalue = setup["error"]
            record["status"] = f"setup failed ({ename}: {(evalue.splitlines() or [''])[0][:200]})"
        if interrupted:
            record["status"] += f"; {interrupted} cell{'s' * (interrupted > 1)} timed out (interrupted)"
        if ran["flooded"]:
            record["status"] += "; output flooded (dropped beyond the limit)"
    for ex in references[stem]:
        status, hint = _exercise(ex, executed, cells, final)
        record["exercises"].append({"check": ex["check"], "title": ex["title"], "status": status, "hint": hint})
    return record


# ------------------------------------------------------------------------------------------ many
def _submissions(paths) -> list[Path]:
    """The notebooks to grade: ``paths`` is a list of notebooks and folders of them (one path alone is taken as
    a list of one)."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else paths
    if not isinstance(paths, (list, tuple)) or not all(isinstance(p, (str, os.PathLike)) for p in paths):
        raise TypeError(f"paths must be a list of notebooks or folders (str or Path), got {type(paths).__name__} "
                        f"{paths!r:.60}.")
    found, seen = [], set()
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.exists():
            files = [p]
        else:
            raise FileNotFoundError(f"{p} does not exist; pass notebook files or folders that hold them.")
        for q in files:
            if q.resolve() not in seen:
                seen.add(q.resolve())
                found.append(q)
    if not found:
        raise FileNotFoundError("No .ipynb files in the submissions given.")
    return found


def _labels(files: list[Path]) -> list[str]:
    """Each file's path from the folder all of them share: a student's name that no other file has."""
    common = Path(os.path.commonpath([str(f.resolve().parent) for f in files]))
    return [str(f.resolve().relative_to(common)) for f in files]


@flags("quick", "isolate", "progress")
def grade(paths: list[str] | str, out_dir: str | Path, *, timeout: float = 300, notebook_timeout: float = 1800,
          dataset: str = "sprites", quick: bool = True, jobs: int = 1, cache: str | Path | None = None,
          isolate: bool = False, progress: bool = True) -> list[dict]:
    """Grade every submission, ``jobs`` at a time; write ``grades.csv``, ``report.md`` and the executed notebooks
    (``executed/``, under each student's name) into ``out_dir``. Returns the records. ``paths``: a list of
    notebooks and folders of them (one path alone is a list of one)."""
    timeout, notebook_timeout, dataset, jobs = check_options(
        out_dir, timeout=timeout, notebook_timeout=notebook_timeout, dataset=dataset, jobs=jobs, cache=cache,
        isolate=isolate)
    files = _submissions(paths)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    references, expected = reference_checks(), expected_fingerprints()
    labels = _labels(files)
    lock, done = threading.Lock(), [0]

    def one(f: Path, label: str) -> dict:
        rec = grade_submission(f, references, timeout=timeout, notebook_timeout=notebook_timeout, dataset=dataset,
                               quick=quick, cache=cache, isolate=isolate, expected=expected,
                               keep=out_dir / "executed" / label)
        rec["student"] = label
        with lock:
            done[0] += 1
            if progress:
                ok = sum(e["status"] == "correct" for e in rec["exercises"])
                print(f"[{done[0]}/{len(files)}] {label}: {rec['notebook'] or '?'}, {ok}/{len(rec['exercises'])} "
                      f"correct, {rec['status']} ({rec['seconds']:.0f} s)", flush=True)
        return rec

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        records = list(pool.map(one, files, labels))
    with open(out_dir / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "file", "notebook", "run", "seconds", "exercise", "check", "status", "hint"])
        for r in records:
            for e in r["exercises"] or [{"title": "", "check": "", "status": r["status"], "hint": ""}]:
                w.writerow([r["student"], r["file"], r["notebook"] or "", r["status"], f"{r['seconds']:.1f}",
                            e["title"], e["check"], e["status"], e["hint"]])
    (out_dir / "report.md").write_text(report(records))
    return records


def report(records: list[dict]) -> str:
    """The markdown report: per student (file, total, how the run went), per exercise (how many of each
    outcome), the hints."""
    lines = ["# Grades", "", "| student | file | notebook | correct | run | seconds |", "|---|---|---|---:|---|---:|"]
    for r in records:
        ok = sum(e["status"] == "correct" for e in r["exercises"])
        lines.append(f"| {r['student']} | {r['file']} | {r['notebook'] or '-'} | {ok} / {len(r['exercises'])} | "
                     f"{r['status']} | {r['seconds']:.0f} |")
    lines += ["", "## Per exercise", "", "| notebook | exercise | " + " | ".join(STATUSES) + " |",
              "|---|---|" + "---:|" * len(STATUSES)]
    table: dict[tuple, dict] = {}
    for r in records:
        for e in r["exercises"]:
            counts = table.setdefault((r["notebook"], e["title"]), dict.fromkeys(STATUSES, 0))
            counts[e["status"]] += 1
    for (nb, title), counts in table.items():
        lines.append(f"| {nb} | {title} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    hints = [(r["student"], e["title"], e["status"], e["hint"]) for r in records for e in r["exercises"]
             if e["status"] not in ("correct", "not implemented", "check changed", "not run") and e["hint"]]
    if hints:
        lines += ["", "## Hints given and problems found", ""]
        lines += [f"- **{s}**, {t} ({status}): {h.splitlines()[0][:400]}" for s, t, status, h in hints]
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course.py grade", description=__doc__.split("\n\n")[0])
    p.add_argument("submissions", nargs="+", help="submitted notebooks, or folders of them")
    p.add_argument("--out", default="grades", help="folder for grades.csv, report.md and executed/ (default: ./grades)")
    p.add_argument("--timeout", type=float, default=300, help="seconds per cell (default 300)")
    p.add_argument("--notebook-timeout", type=float, default=1800, help="seconds per notebook (default 1800)")
    p.add_argument("--dataset", default="sprites", help=f"the data to run on: {', '.join(DATASETS)} (default sprites)")
    p.add_argument("--full", action="store_true", help="full mode instead of quick mode")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at a time (default 1)")
    p.add_argument("--cache", metavar="DIR", help="a folder of trained models each submission loads from (read only)")
    p.add_argument("--isolate", action="store_true", help="run each submission in a bubblewrap sandbox")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        check_options(args.out, timeout=args.timeout, notebook_timeout=args.notebook_timeout, dataset=args.dataset,
                      jobs=args.jobs, cache=args.cache, isolate=args.isolate, cli=True)     # in the options' words
        records = grade(args.submissions, args.out, timeout=args.timeout,
                        notebook_timeout=args.notebook_timeout, dataset=args.dataset, quick=not args.full,
                        jobs=args.jobs, cache=args.cache, isolate=args.isolate)
    except (FileNotFoundError, OptionError) as e:
        print(f"course.py grade: {e}", file=sys.stderr)
        return 2
    print(f"wrote {Path(args.out) / 'grades.csv'}, {Path(args.out) / 'report.md'} and {Path(args.out) / 'executed'} "
          f"({len(records)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
