"""Build the student notebooks from the solution notebooks.

The solution notebooks ``solutions/NN_name.ipynb`` are the source of truth;
the student notebooks ``notebooks/NN_name.ipynb`` are generated from them and
must never be edited by hand.

In a code cell, every region::

        ### BEGIN SOLUTION
        ...solution code...
        ### END SOLUTION

is replaced by::

        # YOUR CODE HERE
        raise NotImplementedError()

keeping the indentation of the ``### BEGIN SOLUTION`` line, so regions may sit
inside a function body or an ``if``; a cell may hold several regions.  In a
markdown cell (a written answer) the region becomes ``YOUR ANSWER HERE``.
Each marker must stand alone on its line; an unmatched or nested marker is a
``ValueError`` naming the notebook, the cell index and the problem.

Both notebooks are normalised so that the output is byte-for-byte
deterministic: cell ids by position (``cell-000``, ``cell-001``, ...), no
outputs, ``execution_count`` None, cell metadata reduced to ``tags``, notebook
metadata reduced to the python3 kernelspec and ``language_info.name``.  Code
cells with a solution region are tagged ``exercise`` (both versions) and, in
the student version only, ``raises-exception`` so nbval accepts the
``NotImplementedError``.  The student notebook starts with a line for the
student (what to complete, see `student_notice`); the instructor's notice
(generated from which solution, edit that instead) is kept in the notebook
metadata, ``metadata.gencore.generated_from`` and ``metadata.gencore.notice``.

Usage::

    python -m gencore.course.build [--root DIR]    # normalise solutions, write notebooks
    python -m gencore.course.build --check         # write nothing; exit 1 on drift
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from ..validate import flags

__all__ = ["student_version", "student_notice", "normalise", "build", "main"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)
EXERCISE_TAG = "exercise"
RAISES_TAG = "raises-exception"
SOLUTIONS_DIR = "solutions"
NOTEBOOKS_DIR = "notebooks"
NOTICE = (
    "Generated from `{source}` by `python -m gencore.course.build`: "
    "edit the solution, not this file."
)
STUDENT_CODE = "complete the cells marked `# YOUR CODE HERE`; the cell after each one checks your code"
STUDENT_ANSWER = "write your answers where it says `YOUR ANSWER HERE`"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
_DEFAULT_NAME = "<notebook>"


# --------------------------------------------------------------------------
# Solution regions
# --------------------------------------------------------------------------
def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _replace_regions(source: str, stub: tuple[str, ...], name: str, index: int) -> tuple[str, int]:
    """Replace each solution region of ``source`` by ``stub``.

    Returns the new source and the number of regions found.  Raises
    ``ValueError`` for nested or unmatched markers, or marker text that is not
    alone on its line.
    """
    lines = source.split("\n")
    out: list[str] = []
    begin_line = None  # 1-based line number of the open BEGIN, if any
    indent = ""
    count = 0
    where = f"{name}: cell {index}"
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if begin_line is not None:
                raise ValueError(
                    f"{where}: nested '{BEGIN}' at line {lineno} "
                    f"(the region opened at line {begin_line} is not closed)"
                )
            begin_line = lineno
            indent = line[: len(line) - len(line.lstrip())]
            continue
        if stripped == END:
            if begin_line is None:
                raise ValueError(f"{where}: '{END}' at line {lineno} without a matching '{BEGIN}'")
            out.extend(indent + s for s in stub)
            begin_line = None
            count += 1
            continue
        if BEGIN in line or END in line:
            raise ValueError(
                f"{where}: line {lineno} contains a solution marker that is not "
                f"alone on its line: {line!r}"
            )
        if begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise ValueError(f"{where}: '{BEGIN}' at line {begin_line} without a matching '{END}'")
    return "\n".join(out), count


def _has_region(cell, name: str, index: int) -> bool:
    if cell.get("cell_type") not in ("code", "markdown"):
        return False
    return _replace_regions(_source(cell), CODE_STUB, name, index)[1] > 0


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------
def _tags(cell) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    seen: list[str] = []
    for tag in tags:
        if tag not in seen:
            seen.append(str(tag))
    return seen


def _clean_cell(cell, tags: list[str]) -> NotebookNode:
    kind = cell.get("cell_type")
    metadata = {"tags": tags} if tags else {}
    source = _source(cell)
    if kind == "code":
        new = nbformat.v4.new_code_cell(source=source, metadata=metadata)
        new.outputs = []
        new.execution_count = None
    elif kind == "markdown":
        new = nbformat.v4.new_markdown_cell(source=source, metadata=metadata)
        if cell.get("attachments"):
            new.attachments = copy.deepcopy(cell["attachments"])
    elif kind == "raw":
        new = nbformat.v4.new_raw_cell(source=source, metadata=metadata)
    else:
        raise ValueError(f"unknown cell type {kind!r}")
    return new


def _finish(cells: list, gencore_meta=None) -> NotebookNode:
    """A fresh nbformat 4.5 notebook with positional ids and trimmed metadata."""
    nb = nbformat.v4.new_notebook()
    nb.nbformat = 4
    nb.nbformat_minor = 5
    nb.metadata = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    )
    if gencore_meta:
        nb.metadata["gencore"] = nbformat.from_dict(copy.deepcopy(dict(gencore_meta)))
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"
    nb.cells = cells
    return nb


def normalise(nb, name: str = _DEFAULT_NAME) -> NotebookNode:
    """Return a normalised copy of ``nb`` (the input is not modified).

    Strips outputs and execution counts, reduces cell metadata to ``tags``
    (adding ``exercise`` to code cells with a solution region), reduces
    notebook metadata to kernelspec + language name (keeping a ``gencore``
    entry if present) and numbers the cell ids by position.  Idempotent.
    Raises ``ValueError`` for malformed solution markers.
    """
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        tags = _tags(cell)
        if cell.get("cell_type") == "code" and _has_region(cell, name, index):
            if EXERCISE_TAG not in tags:
                tags.append(EXERCISE_TAG)
        else:
            _has_region(cell, name, index)  # validate markdown markers too
        cells.append(_clean_cell(cell, tags))
    return _finish(cells, nb.get("metadata", {}).get("gencore"))


def student_notice(code_regions: int, markdown_regions: int) -> str:
    """The student notebook's first line, written for the student: what to complete, given the number of
    code and markdown solution regions the notebook had (the instructor's notice goes to the metadata)."""
    tasks = ([STUDENT_CODE] if code_regions else []) + ([STUDENT_ANSWER] if markdown_regions else [])
    if not tasks:
        return "*Your copy of the notebook: run it cell by cell.*"
    return f"*Your copy of the notebook: {'; '.join(tasks)}.*"


def student_version(nb, source: str | None = None, name: str | None = None) -> NotebookNode:
    """Return the student notebook made from solution notebook ``nb``.

    ``source`` is the solution's path relative to the repository root, e.g.
    ``"solutions/01_basics.ipynb"``; when given, a first cell for the student
    (`student_notice`: what to complete) is prepended, and the instructor's
    notice is recorded in the metadata: ``metadata.gencore.generated_from``
    (the source) and ``metadata.gencore.notice`` (generated from it, edit the
    solution instead).  ``name`` (default: ``source``) is used in error
    messages.  The input is not modified.
    """
    name = name or source or _DEFAULT_NAME
    sol = normalise(nb, name=name)
    cells = []
    code_regions = markdown_regions = 0
    for index, cell in enumerate(sol.cells):
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            new_src, n = _replace_regions(cell.source, CODE_STUB, name, index)
            code_regions += n
            if n:
                for tag in (EXERCISE_TAG, RAISES_TAG):
                    if tag not in tags:
                        tags.append(tag)
        elif cell.cell_type == "markdown":
            new_src, n = _replace_regions(cell.source, MARKDOWN_STUB, name, index)
            markdown_regions += n
        else:
            new_src = cell.source
        new = copy.deepcopy(cell)
        new.source = new_src
        new.metadata = {"tags": tags} if tags else {}
        cells.append(new)
    meta = None
    if source is not None:
        cells.insert(0, nbformat.v4.new_markdown_cell(student_notice(code_regions, markdown_regions)))
        meta = {"generated_from": source, "notice": NOTICE.format(source=source)}
    return _finish(cells, meta)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def _dumps(nb: NotebookNode) -> bytes:
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)  # indent=1, sort_keys, ensure_ascii=False
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8")


def _plan(root: Path) -> list[tuple[str, bytes | None, str]]:
    """What the build would change: (relative path, new bytes or None to delete, reason)."""
    sol_dir = root / SOLUTIONS_DIR
    nb_dir = root / NOTEBOOKS_DIR
    if not sol_dir.is_dir():
        raise FileNotFoundError(f"no {SOLUTIONS_DIR}/ folder in {root}")
    changes: list[tuple[str, bytes | None, str]] = []
    names = set()
    for path in sorted(sol_dir.glob("*.ipynb")):
        if not path.is_file():
            continue
        rel_sol = f"{SOLUTIONS_DIR}/{path.name}"
        rel_nb = f"{NOTEBOOKS_DIR}/{path.name}"
        names.add(path.name)
        old = path.read_bytes()
        nb = nbformat.reads(old.decode("utf-8"), as_version=4)
        sol_bytes = _dumps(normalise(nb, name=rel_sol))
        stu_bytes = _dumps(student_version(nb, source=rel_sol))
        if old != sol_bytes:
            changes.append((rel_sol, sol_bytes, "solution not normalised"))
        target = nb_dir / path.name
        if not target.is_file():
            changes.append((rel_nb, stu_bytes, "student notebook missing"))
        elif target.read_bytes() != stu_bytes:
            changes.append((rel_nb, stu_bytes, "student notebook differs from its solution"))
    if nb_dir.is_dir():
        for path in sorted(nb_dir.glob("[0-9]*.ipynb")):
            if path.name not in names:
                changes.append(
                    (f"{NOTEBOOKS_DIR}/{path.name}", None, "student notebook has no solution")
                )
    return changes


def _apply(root: Path, changes, out=None) -> None:
    for rel, data, _reason in changes:
        path = root / rel
        if data is None:
            path.unlink()
            verb = "deleted"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            verb = "wrote"
        if out is not None:
            print(f"{verb} {rel}", file=out)


@flags("check")
def build(root=".", check: bool = False) -> list[str]:
    """Normalise ``root/solutions/*.ipynb`` and (re)generate ``root/notebooks/``.

    Returns the relative paths (``solutions/...`` / ``notebooks/...``) of the
    files that changed, or with ``check=True`` that would change (nothing is
    written then).  Files already up to date are not rewritten.  Student
    notebooks ``notebooks/[0-9]*.ipynb`` without a solution are deleted.
    Everything is computed before anything is written, so a malformed solution
    (``ValueError``) leaves the tree untouched.
    """
    root = Path(root)
    changes = _plan(root)
    if not check:
        _apply(root, changes)
    return [rel for rel, _data, _reason in changes]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gencore.course.build",
        description="Generate notebooks/*.ipynb from solutions/*.ipynb.",
    )
    parser.add_argument("--root", default=".", help="repository root (default: current directory)")
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 if any file differs from what the build would make",
    )
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        changes = _plan(root)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n = len(list((root / SOLUTIONS_DIR).glob("*.ipynb")))
    if args.check:
        if changes:
            print(f"{len(changes)} file(s) out of date (run `python -m gencore.course.build`):")
            for rel, _data, reason in changes:
                print(f"  {rel}: {reason}")
            return 1
        print(f"OK: {n} solution notebook(s) normalised, student notebooks up to date")
        return 0
    _apply(root, changes, out=sys.stdout)
    if not changes:
        print(f"up to date: {n} solution notebook(s), nothing written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
