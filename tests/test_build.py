"""Tests for gencore.course.build: solution notebooks -> student notebooks."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from gencore.course import build as B

REPO = Path(__file__).parents[1]

FUNC_SRC = """\
import math

def area(r):
    \"\"\"Area of a circle.\"\"\"
    ### BEGIN SOLUTION
    a = math.pi * r ** 2
    return a
    ### END SOLUTION

def perimeter(r):
    if r >= 0:
        ### BEGIN SOLUTION
        return 2 * math.pi * r
        ### END SOLUTION
    raise ValueError(r)"""

MD_SRC = """\
**Question.** Why does the KL term pull the posterior to the prior?

### BEGIN SOLUTION
Because it penalises divergence from N(0, I).
### END SOLUTION"""


def _solution_nb() -> nbformat.NotebookNode:
    code = new_code_cell(
        FUNC_SRC,
        metadata={"collapsed": True, "scrolled": False, "tags": ["mine"],
                  "execution": {"iopub.execute_input": "2024-01-01"}},
        execution_count=7,
        outputs=[new_output("stream", name="stdout", text="hello\n")],
    )
    plain = new_code_cell("print(area(1.0))", execution_count=8,
                          outputs=[new_output("stream", name="stdout", text="3.14\n")])
    nb = new_notebook(cells=[new_markdown_cell("# Title"), code, new_markdown_cell(MD_SRC), plain])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Py", "language": "python"},
                   "language_info": {"name": "python", "version": "3.11.4"},
                   "widgets": {"x": 1}, "toc": {}}
    return nb


def _write(path: Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _make_repo(tmp_path: Path, names=("01_vae.ipynb",)) -> Path:
    for name in names:
        _write(tmp_path / "solutions" / name, _solution_nb())
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    return tmp_path


def _tags(cell) -> list:
    return list(cell.metadata.get("tags", []))


# ---------------------------------------------------------------- regions
def test_code_regions_replaced_keeping_indentation():
    stu = B.student_version(_solution_nb())
    src = stu.cells[1].source
    lines = src.split("\n")
    assert "    # YOUR CODE HERE" in lines
    assert "    raise NotImplementedError()" in lines
    assert "        # YOUR CODE HERE" in lines            # inside the if
    assert "        raise NotImplementedError()" in lines
    assert src.count("raise NotImplementedError()") == 2   # two regions in one cell
    assert "math.pi * r ** 2" not in src and "2 * math.pi * r" not in src
    # surrounding code is untouched
    assert src.startswith("import math\n\ndef area(r):\n    \"\"\"Area of a circle.\"\"\"\n")
    assert src.endswith("        raise NotImplementedError()\n    raise ValueError(r)")
    compile(src, "<student>", "exec")   # still valid Python


def test_student_code_is_exact():
    nb = new_notebook(cells=[new_code_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n")])
    assert B.student_version(nb).cells[0].source == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n")


def test_markdown_region():
    stu = B.student_version(_solution_nb())
    md = stu.cells[2].source
    assert md.endswith("\n\nYOUR ANSWER HERE")
    assert "Because" not in md and "SOLUTION" not in md
    assert md.startswith("**Question.**")
    assert "raises-exception" not in _tags(stu.cells[2])


@pytest.mark.parametrize("source, problem", [
    ("x = 1\n### BEGIN SOLUTION\ny = 2", "without a matching"),
    ("x = 1\n### END SOLUTION", "without a matching"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n### END SOLUTION", "nested"),
    ("y = 1  ### BEGIN SOLUTION\n### END SOLUTION", "not alone"),
])
@pytest.mark.parametrize("maker", [new_code_cell, new_markdown_cell])
def test_bad_markers_raise_with_cell_index(source, problem, maker):
    nb = new_notebook(cells=[new_markdown_cell("ok"), new_code_cell("a = 1"), maker(source)])
    with pytest.raises(ValueError, match=rf"01_bad\.ipynb: cell 2: .*{problem}"):
        B.student_version(nb, source="solutions/01_bad.ipynb")
    with pytest.raises(ValueError, match=r"cell 2"):
        B.normalise(nb)


def test_build_error_names_notebook_and_writes_nothing(tmp_path):
    root = _make_repo(tmp_path, names=("01_good.ipynb",))
    bad = new_notebook(cells=[new_code_cell("x"), new_code_cell("### END SOLUTION")])
    _write(root / "solutions" / "02_bad.ipynb", bad)
    with pytest.raises(ValueError, match=r"solutions/02_bad\.ipynb: cell 1"):
        B.build(root)
    assert list((root / "notebooks").iterdir()) == []


# ---------------------------------------------------------------- normalisation
def test_normalise_strips_outputs_metadata_and_fixes_ids():
    sol = B.normalise(_solution_nb())
    assert [c.id for c in sol.cells] == ["cell-000", "cell-001", "cell-002", "cell-003"]
    for cell in sol.cells:
        assert set(cell.metadata) <= {"tags"}
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert dict(sol.metadata) == {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    assert (sol.nbformat, sol.nbformat_minor) == (4, 5)
    # solutions keep their code, and normalise is idempotent
    assert "### BEGIN SOLUTION" in sol.cells[1].source
    assert B._dumps(B.normalise(sol)) == B._dumps(sol)


def test_tags():
    sol = B.normalise(_solution_nb())
    stu = B.student_version(_solution_nb(), source="solutions/01_vae.ipynb")
    assert _tags(sol.cells[1]) == ["mine", "exercise"]
    assert _tags(sol.cells[3]) == []
    assert all("raises-exception" not in _tags(c) for c in sol.cells)
    # student: notice first, then the same cells shifted by one
    assert _tags(stu.cells[2]) == ["mine", "exercise", "raises-exception"]
    assert _tags(stu.cells[4]) == []
    assert _tags(stu.cells[3]) == []  # markdown answer cell


def test_student_notice_metadata_and_ids():
    stu = B.student_version(_solution_nb(), source="solutions/01_vae.ipynb")
    assert stu.cells[0].cell_type == "markdown"
    # the first line speaks to the student: what to complete, nothing about the build
    assert stu.cells[0].source == (
        "*Your copy of the notebook: complete the cells marked `# YOUR CODE HERE`; the cell after each one "
        "checks your code; write your answers where it says `YOUR ANSWER HERE`.*")
    assert "gencore.course.build" not in stu.cells[0].source and "solutions/" not in stu.cells[0].source
    # the instructor's notice is kept in the metadata
    assert stu.metadata["gencore"] == {
        "generated_from": "solutions/01_vae.ipynb",
        "notice": "Generated from `solutions/01_vae.ipynb` by `python -m gencore.course.build`: "
                  "edit the solution, not this file."}
    assert [c.id for c in stu.cells] == [f"cell-{i:03d}" for i in range(5)]
    for cell in stu.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    nbformat.validate(stu)


@pytest.mark.parametrize("cells, expected", [
    ([new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")],
     "*Your copy of the notebook: complete the cells marked `# YOUR CODE HERE`; the cell after each one "
     "checks your code.*"),
    ([new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")],
     "*Your copy of the notebook: write your answers where it says `YOUR ANSWER HERE`.*"),
    ([new_code_cell("x = 1"), new_markdown_cell("# Title")],
     "*Your copy of the notebook: run it cell by cell.*"),
])
def test_student_notice_says_what_to_complete(cells, expected):
    stu = B.student_version(new_notebook(cells=cells), source="solutions/03_x.ipynb")
    assert stu.cells[0].source == expected
    assert stu.metadata["gencore"]["generated_from"] == "solutions/03_x.ipynb"
    assert "solutions/03_x.ipynb" in stu.metadata["gencore"]["notice"]
    no_source = B.student_version(new_notebook(cells=cells))                  # no source: no notice, no metadata
    assert len(no_source.cells) == len(cells) and "gencore" not in no_source.metadata


def test_input_not_mutated():
    nb = _solution_nb()
    before = json.dumps(nb, sort_keys=True)
    B.student_version(nb, source="solutions/01_vae.ipynb")
    B.normalise(nb)
    assert json.dumps(nb, sort_keys=True) == before


# ---------------------------------------------------------------- build on disk
def test_build_writes_deterministic_files(tmp_path):
    root = _make_repo(tmp_path, names=("01_vae.ipynb", "02_gan.ipynb"))
    changed = B.build(root)
    assert sorted(changed) == ["notebooks/01_vae.ipynb", "notebooks/02_gan.ipynb",
                               "solutions/01_vae.ipynb", "solutions/02_gan.ipynb"]
    files = sorted(p for d in ("solutions", "notebooks") for p in (root / d).glob("*.ipynb"))
    first = {p: p.read_bytes() for p in files}
    assert B.build(root) == []                        # second build: nothing to do
    assert {p: p.read_bytes() for p in files} == first

    # a fresh copy of the same input gives byte-identical output
    other = _make_repo(tmp_path / "other", names=("01_vae.ipynb", "02_gan.ipynb"))
    B.build(other)
    for p, data in first.items():
        assert (other / p.relative_to(root)).read_bytes() == data

    for p, data in first.items():
        text = data.decode("utf-8")
        assert text.endswith("}\n") and not text.endswith("\n\n")
        assert text == json.dumps(json.loads(text), indent=1, sort_keys=True,
                                  ensure_ascii=False) + "\n"
        nb = nbformat.reads(text, as_version=4)
        assert [c.id for c in nb.cells] == [f"cell-{i:03d}" for i in range(len(nb.cells))]
        assert all(c.get("outputs", []) == [] for c in nb.cells)
        if p.parent.name == "notebooks":
            assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
            assert "Because it penalises" not in text
        else:
            assert "BEGIN SOLUTION" in text


def test_check_passes_then_detects_edits(tmp_path, capsys):
    root = _make_repo(tmp_path)
    # before any build: the solution is not normalised and the student nb missing
    assert B.main(["--root", str(root), "--check"]) == 1
    out = capsys.readouterr().out
    assert "solutions/01_vae.ipynb" in out and "notebooks/01_vae.ipynb" in out
    assert not (root / "notebooks" / "01_vae.ipynb").exists()   # --check writes nothing

    assert B.main(["--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "notebooks/01_vae.ipynb" in out and "solutions/01_vae.ipynb" in out
    assert B.main(["--root", str(root), "--check"]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and len(out.strip().splitlines()) == 1

    # hand-edit the student notebook -> check fails and names it
    student = root / "notebooks" / "01_vae.ipynb"
    nb = nbformat.read(str(student), as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace("raise NotImplementedError()", "return 0")
    nbformat.write(nb, str(student))
    before = student.read_bytes()
    assert B.build(root, check=True) == ["notebooks/01_vae.ipynb"]
    assert B.main(["--root", str(root), "--check"]) == 1
    out = capsys.readouterr().out
    assert "notebooks/01_vae.ipynb" in out and "solutions/" not in out
    assert student.read_bytes() == before                        # still untouched
    B.build(root)
    assert B.build(root, check=True) == []


def test_check_detects_unnormalised_solution(tmp_path):
    root = _make_repo(tmp_path)
    B.build(root)
    sol = root / "solutions" / "01_vae.ipynb"
    nb = nbformat.read(str(sol), as_version=4)
    nb.cells[3].outputs = [new_output("stream", name="stdout", text="3.14\n")]
    nb.cells[3].execution_count = 3
    nbformat.write(nb, str(sol))
    assert B.build(root, check=True) == ["solutions/01_vae.ipynb"]


def test_check_detects_edited_solution(tmp_path):
    root = _make_repo(tmp_path)
    B.build(root)
    sol = root / "solutions" / "01_vae.ipynb"
    nb = nbformat.read(str(sol), as_version=4)
    nb.cells.append(new_code_cell("print('new')"))
    sol.write_bytes(B._dumps(B.normalise(nb)))  # normalised, but the student nb is stale
    assert B.build(root, check=True) == ["notebooks/01_vae.ipynb"]


def test_stale_student_notebook_deleted(tmp_path):
    root = _make_repo(tmp_path, names=("01_vae.ipynb", "02_gan.ipynb"))
    B.build(root)
    (root / "solutions" / "02_gan.ipynb").unlink()
    keep = root / "notebooks" / "scratch.ipynb"         # not [0-9]*: left alone
    keep.write_text("{}")
    assert B.build(root, check=True) == ["notebooks/02_gan.ipynb"]
    assert (root / "notebooks" / "02_gan.ipynb").exists()
    assert B.build(root) == ["notebooks/02_gan.ipynb"]
    assert not (root / "notebooks" / "02_gan.ipynb").exists()
    assert (root / "notebooks" / "01_vae.ipynb").exists() and keep.exists()


def test_cli_module_entry_point(tmp_path):
    root = _make_repo(tmp_path)
    run = lambda *a: subprocess.run([sys.executable, "-m", "gencore.course.build", "--root", str(root), *a],
                                    capture_output=True, text=True)
    res = run("--check")
    assert res.returncode == 1 and "notebooks/01_vae.ipynb" in res.stdout
    res = run()
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.strip().splitlines()) == 2           # one line per file written
    res = run("--check")
    assert res.returncode == 0 and res.stdout.startswith("OK")


# ---------------------------------------------------------------- the drift test
def test_repo_notebooks_have_no_drift():
    """Committed notebooks/ and solutions/ must equal what the build makes.

    Fix a failure with `python -m gencore.course.build` (edit solutions/, never notebooks/).
    """
    if not (REPO / "solutions").is_dir():
        pytest.skip("repository has no solutions/ folder")
    drift = B.build(REPO, check=True)
    assert drift == [], f"out of date, run `python -m gencore.course.build`: {drift}"
