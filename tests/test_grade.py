"""course.py grade: real submissions made from the student notebook of notebook 02, graded headless in quick
mode: all right, all blank, some wrong, one that crashes, one that loops, one that floods its output, one that
edited a check cell (and hid its metadata), and a file that is not a notebook."""
import copy
import csv
import json
from pathlib import Path

import pytest

from gencore.course import grade

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_variational_inference"


def _student() -> dict:
    return json.loads((ROOT / "notebooks" / f"{NOTEBOOK}.ipynb").read_text())


def _solution_bodies() -> list[str]:
    """The solution notebook's exercise cells, in order (what a student who got everything right wrote)."""
    nb = json.loads((ROOT / "solutions" / f"{NOTEBOOK}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if "exercise" in c["metadata"].get("tags", [])]


def _fill(nb: dict, bodies: list[str]) -> dict:
    nb = copy.deepcopy(nb)
    exercise_cells = [c for c in nb["cells"] if "exercise" in c["metadata"].get("tags", [])]
    for cell, body in zip(exercise_cells, bodies):
        if body is not None:
            cell["source"] = body
    return nb


def _insert_after_imports(nb: dict, code: str) -> dict:
    nb = copy.deepcopy(nb)
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code + 1, {"cell_type": "code", "id": "injected", "metadata": {}, "outputs": [],
                                        "execution_count": None, "source": code})
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    right = _solution_bodies()
    wrong_kl = right[0].replace("logvar.exp() - 1.0 - logvar", "logvar.exp() - logvar")   # forgot the -1
    submissions = {
        "alice.ipynb": _fill(_student(), right),                                   # everything right
        "bob.ipynb": _student(),                                                   # blank
        "carol.ipynb": _fill(_student(), [wrong_kl, right[1], None]),              # one wrong, one blank
        "dave.ipynb": _insert_after_imports(_fill(_student(), right), "import os\nos._exit(3)"),   # kills its kernel
        "erin.ipynb": _insert_after_imports(_fill(_student(), right), "while True:\n    pass"),    # loops
        "gina.ipynb": _insert_after_imports(_fill(_student(), right),                 # floods its output
                                            "for i in range(5000):\n    print('x' * 100)"),
    }
    cheat = _fill(_student(), [None, None, None])                                   # blank, but edits a check cell
    for cell in cheat["cells"]:
        src = "".join(cell["source"])
        if "checks.kl_standard_normal(" in src:
            cell["source"] = "print('[ok] The Gaussian KL: correct.')"
    cheat["metadata"] = {}                                                          # and hides where it came from
    submissions["frank.ipynb"] = cheat
    (folder / "not-a-notebook.ipynb").write_text("{ this is not json")
    for name, nb in submissions.items():
        (folder / name).write_text(json.dumps(nb))
    out = tmp_path_factory.mktemp("grades")
    records = grade.grade([str(folder)], out, timeout=40, progress=False)
    return {r["student"]: r for r in records}, out


def _statuses(record) -> list[str]:
    return [e["status"] for e in record["exercises"]]


def test_right_blank_and_wrong_answers(graded):
    records, _ = graded
    assert records["alice.ipynb"]["notebook"] == NOTEBOOK
    assert _statuses(records["alice.ipynb"]) == ["correct"] * 3 and records["alice.ipynb"]["status"] == "graded"
    assert _statuses(records["bob.ipynb"]) == ["not implemented"] * 3
    carol = records["carol.ipynb"]
    assert _statuses(carol) == ["wrong", "correct", "not implemented"]
    assert carol["exercises"][0]["hint"]                                           # the check's hint is kept


def test_a_crash_and_a_loop_are_reported_and_do_not_stop_the_others(graded):
    records, _ = graded
    assert "crashed" in records["dave.ipynb"]["status"]
    assert set(_statuses(records["dave.ipynb"])) == {"not run"}
    assert "timed out" in records["erin.ipynb"]["status"]
    assert set(_statuses(records["erin.ipynb"])) == {"not run"}


def test_a_flood_of_output_is_dropped_and_reported_and_the_checks_still_count(graded):
    records, _ = graded
    assert "output flooded" in records["gina.ipynb"]["status"]
    assert _statuses(records["gina.ipynb"]) == ["correct"] * 3


def test_an_edited_check_cell_does_not_pass_and_the_notebook_is_recognised_by_its_cells(graded):
    records, _ = graded
    frank = records["frank.ipynb"]
    assert frank["notebook"] == NOTEBOOK
    assert frank["exercises"][0]["status"] == "check changed"


def test_csv_and_report(graded):
    records, out = graded
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert {r["student"] for r in rows} == set(records)
    assert sum(r["status"] == "correct" for r in rows if r["student"] == "alice.ipynb") == 3
    assert next(r for r in rows if r["student"] == "not-a-notebook.ipynb")["run"].startswith("not a notebook")
    report = (out / "report.md").read_text()
    assert "| alice.ipynb | 02_variational_inference | 3 / 3 |" in report
    assert "## Hints given" in report and "carol.ipynb" in report
