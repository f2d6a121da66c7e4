"""Grading submitted student notebooks: `python3 course.py grade SUBMISSIONS...`.

Each submission (a student notebook, any file name) is executed headless in quick mode, in its own process,
in a fresh temporary folder holding a copy of it, with its own HOME and GENCORE_HOME and a time limit. The
outcome of every exercise check is read from the executed copy:

    correct           the check printed "[ok]"
    not implemented   the check printed "not implemented yet" (the exercise still raises NotImplementedError)
    wrong             the check raised AssertionError: its hint is recorded
    error             the check cell failed otherwise (e.g. a name the student deleted)
    check changed     the check cell is missing or its code differs from the course's: not passed, so a
                      notebook cannot grade itself
    not run           the notebook stopped before the check (it crashed, or ran out of time)

Which course notebook a submission is comes from its metadata (``gencore.generated_from``), else from its
check cells. Results: one CSV row per student and exercise, and a markdown report (totals per student and per
exercise, and each wrong answer's hint).

Isolation, and its limits: a submission runs on a copy, in a temporary folder, in a separate process group
that is killed at the time limit, with its output capped; one that crashes, loops, floods its output or edits
its check cells is reported as such and the others are graded. It is NOT a sandbox: the code runs as the
grading user and could read or delete that user's files or patch gencore inside its own process. For
untrusted or hostile code, run the grader inside a container (one per submission, no network, read-only
course files), e.g. ``docker run --network none --read-only ...``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..checks import REGISTRY

__all__ = ["reference_checks", "identify", "grade_submission", "grade", "main"]

ROOT = Path(__file__).resolve().parents[2]
CHECK_CELL = re.compile(r"^\s*\w+\s*=\s*checks\.(\w+)\(\w+\)", re.MULTILINE)
OUTPUT_LIMIT = 200_000          # characters of output kept per cell; more is a flood, dropped and reported
STATUSES = ("correct", "wrong", "not implemented", "error", "check changed", "not run")


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


# ------------------------------------------------------------------------------------------ one submission
def _outcome(cell: dict) -> tuple[str, str]:
    text, error = "", None
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text += "".join(out.get("text", ""))
        elif out.get("output_type") == "error":
            error = (out.get("ename", ""), out.get("evalue", ""))
    if "[ok]" in text:
        return "correct", ""
    if "not implemented yet" in text:
        return "not implemented", ""
    if error is not None:
        ename, evalue = error
        if ename in ("AssertionError", "CheckFailed"):
            return "wrong", evalue
        return "error", f"{ename}: {evalue}"[:500]
    return "not run", ""


def _run_child(notebook: Path, result: Path, cell_timeout: int) -> None:
    """In the child process: execute ``notebook`` (its folder is the working directory) and write the outcome
    of each of its code cells to ``result`` as JSON."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    class Capped(NotebookClient):
        flooded = False

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}))) + sum(len(json.dumps(o)) for o in outs)
            if size > OUTPUT_LIMIT:            # a flood: dropped (the kernel batches prints, so check the new one)
                Capped.flooded = True
                return None
            return super().output(outs, msg, display_id, cell_index)

    nb = nbformat.read(notebook, as_version=4)
    client = Capped(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                    resources={"metadata": {"path": str(notebook.parent)}})
    stopped = None
    try:
        client.execute()
    except CellTimeoutError:
        stopped = "timed out"
    except DeadKernelError:
        stopped = "crashed (its kernel died)"
    except Exception as e:  # noqa: BLE001  (anything the submission did to the kernel)
        stopped = f"stopped ({type(e).__name__})"
    cells = [{"source": _source(c), "outputs": c.get("outputs", [])} for c in nb.cells if c.cell_type == "code"]
    result.write_text(json.dumps({"cells": cells, "stopped": stopped, "flooded": Capped.flooded}))


def grade_submission(path: Path, references: dict[str, list[dict]], *, timeout: int = 600,
                     dataset: str = "sprites", quick: bool = True) -> dict:
    """Grade one submission in its own process and folder. Returns {"file", "notebook", "status" (how the run
    went), "seconds", "exercises": [{"check", "title", "status", "hint"}]}."""
    path = Path(path)
    record = {"file": str(path), "notebook": None, "status": "graded", "seconds": 0.0, "exercises": []}
    try:
        nb = json.loads(path.read_text())
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
    expected = references[stem]
    codes = [_source(c).strip() for c in _cells(nb) if c.get("cell_type") == "code"]

    work = Path(tempfile.mkdtemp(prefix="gencore-grade-"))
    try:
        home = work / "home"
        home.mkdir()
        copy = work / "submission.ipynb"
        shutil.copyfile(path, copy)
        result = work / "result.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GENCORE_", "JUPYTER_", "MPLBACKEND"))}
        env.update(HOME=str(home), GENCORE_HOME=str(home / "gencore"), GENCORE_DATASET=dataset,
                   GENCORE_QUICK="1" if quick else "0", GENCORE_THREADS="1", OMP_NUM_THREADS="1",
                   MPLBACKEND="Agg", PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "gencore.course.grade", "--child", str(copy), str(result),
                                  str(timeout)], cwd=work, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            child.wait(timeout=timeout + 60)
        except subprocess.TimeoutExpired:
            pass
        finally:
            try:
                os.killpg(child.pid, signal.SIGKILL)          # the kernel and anything the submission started
            except (ProcessLookupError, PermissionError):
                pass
            child.wait()
        record["seconds"] = time.perf_counter() - start
        ran = json.loads(result.read_text()) if result.exists() else None
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if ran is None:
        record["status"] = "timed out" if record["seconds"] >= timeout else "crashed (no result)"
        executed = []
    else:
        executed = ran["cells"]
        if ran["stopped"]:
            record["status"] = ran["stopped"]
        if ran["flooded"]:
            record["status"] += "; output flooded (dropped beyond the limit)"
    by_source = {}
    for cell in executed:
        by_source.setdefault(cell["source"].strip(), cell)
    for ex in expected:
        row = {"check": ex["check"], "title": ex["title"], "status": "not run", "hint": ""}
        if ex["source"] not in codes:
            row["status"] = "check changed"
            row["hint"] = "the check cell is missing or its code was changed"
        elif ex["source"] in by_source:
            row["status"], row["hint"] = _outcome(by_source[ex["source"]])
        record["exercises"].append(row)
    return record


# ------------------------------------------------------------------------------------------ many
def _submissions(paths: list[str]) -> list[Path]:
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.exists():
            found.append(p)
        else:
            raise FileNotFoundError(f"{p} does not exist; pass notebook files or folders that hold them.")
    if not found:
        raise FileNotFoundError("No .ipynb files in the submissions given.")
    return found


def _student(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if root.is_dir() and root in path.parents:
            return str(path.relative_to(root))
    return path.name


def grade(paths: list[str], out_dir: str | Path, *, timeout: int = 600, dataset: str = "sprites",
          quick: bool = True, progress: bool = True) -> list[dict]:
    """Grade every submission; write ``grades.csv`` and ``report.md`` into ``out_dir``. Returns the records."""
    references = reference_checks()
    files = _submissions(paths)
    roots = [Path(p) for p in paths]
    records = []
    for i, f in enumerate(files, 1):
        rec = grade_submission(f, references, timeout=timeout, dataset=dataset, quick=quick)
        rec["student"] = _student(f, roots)
        records.append(rec)
        if progress:
            ok = sum(e["status"] == "correct" for e in rec["exercises"])
            print(f"[{i}/{len(files)}] {rec['student']}: {rec['notebook'] or '?'}, {ok}/{len(rec['exercises'])} "
                  f"correct, {rec['status']} ({rec['seconds']:.0f} s)", flush=True)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "file", "notebook", "run", "exercise", "check", "status", "hint"])
        for r in records:
            for e in r["exercises"] or [{"title": "", "check": "", "status": r["status"], "hint": ""}]:
                w.writerow([r["student"], r["file"], r["notebook"] or "", r["status"], e["title"], e["check"],
                            e["status"], e["hint"]])
    (out_dir / "report.md").write_text(report(records))
    return records


def report(records: list[dict]) -> str:
    """The markdown report: per student (total, how the run went), per exercise (how many passed), the hints."""
    lines = ["# Grades", "", "| student | notebook | correct | run | seconds |", "|---|---|---:|---|---:|"]
    for r in records:
        ok = sum(e["status"] == "correct" for e in r["exercises"])
        lines.append(f"| {r['student']} | {r['notebook'] or '-'} | {ok} / {len(r['exercises'])} | {r['status']} | "
                     f"{r['seconds']:.0f} |")
    lines += ["", "## Per exercise", "", "| notebook | exercise | " + " | ".join(STATUSES) + " |",
              "|---|---|" + "---:|" * len(STATUSES)]
    table: dict[tuple, dict] = {}
    for r in records:
        for e in r["exercises"]:
            counts = table.setdefault((r["notebook"], e["title"]), dict.fromkeys(STATUSES, 0))
            counts[e["status"]] += 1
    for (nb, title), counts in table.items():
        lines.append(f"| {nb} | {title} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    hints = [(r["student"], e["title"], e["hint"]) for r in records for e in r["exercises"]
             if e["status"] in ("wrong", "error") and e["hint"]]
    if hints:
        lines += ["", "## Hints given", ""]
        lines += [f"- **{s}**, {t}: {h.splitlines()[0][:400]}" for s, t, h in hints]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _run_child(Path(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    p = argparse.ArgumentParser(prog="course.py grade", description=__doc__.split("\n\n")[0])
    p.add_argument("submissions", nargs="+", help="submitted notebooks, or folders of them")
    p.add_argument("--out", default="grades", help="folder for grades.csv and report.md (default: ./grades)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per notebook (default 600)")
    p.add_argument("--dataset", default="sprites", help="the data to run on (default: the built-in sprites)")
    p.add_argument("--full", action="store_true", help="full mode instead of quick mode")
    args = p.parse_args(argv)
    try:
        records = grade(args.submissions, args.out, timeout=args.timeout, dataset=args.dataset, quick=not args.full)
    except FileNotFoundError as e:
        print(f"course.py grade: {e}", file=sys.stderr)
        return 2
    print(f"wrote {Path(args.out) / 'grades.csv'} and {Path(args.out) / 'report.md'} ({len(records)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
