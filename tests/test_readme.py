"""The README and the docs keep their promises: the syllabus is generated from its one source and agrees with the
notebooks, the results block is a copy of generated or recorded tables (never measurements written as prose), the
front door stays short with the offline instructions on its first screen, and the commands, modules, variables
and links it names exist."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gencore.course import syllabus

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "experiments").glob("**/README.md"))]


def _between(text: str, start: str, end: str) -> str:
    assert text.count(start) == 1 and text.count(end) == 1, f"expected {start} and {end} once each"
    return text.split(start, 1)[1].split(end, 1)[0]


def _tables(text: str) -> list[str]:
    """Each markdown table of ``text`` (consecutive lines starting with '|'), as one string."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append("\n".join(current))
            current = []
    return tables


# -- the syllabus ---------------------------------------------------------------------------------------------

def test_the_readme_syllabus_is_the_one_source():
    assert syllabus.update_readme(README, check=True), (
        "README.md's syllabus differs from gencore/course/syllabus.py: run `python -m gencore.course.syllabus`")
    assert syllabus.markdown() in README.read_text()


def test_the_syllabus_lists_every_notebook_with_its_title():
    stems = [nb.stem for nb in syllabus.NOTEBOOKS]
    assert stems == sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
    assert stems == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    for nb in syllabus.NOTEBOOKS:
        assert nb.stem.startswith(nb.number + "_")
        assert nb.concepts and nb.exercises
        source = nbformat.read(ROOT / "solutions" / f"{nb.stem}.ipynb", as_version=4)
        heading = next(m.group(1).strip() for cell in source.cells if cell.cell_type == "markdown"
                       for m in [re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)] if m)
        assert heading == f"{nb.number} · {nb.title}", nb.stem


def test_the_syllabus_command_writes_between_the_markers_and_checks(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# course\n\n## Syllabus\n\n{syllabus.START}\nold table\n{syllabus.END}\n\n## Next\n")
    assert syllabus.main(["--readme", str(readme), "--check"]) == 1
    assert "old table" in readme.read_text()                                  # --check writes nothing
    assert syllabus.main(["--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "old table" not in text and syllabus.markdown() in text
    assert text.startswith("# course\n\n## Syllabus\n\n") and text.endswith(f"{syllabus.END}\n\n## Next\n")
    assert syllabus.main(["--readme", str(readme), "--check"]) == 0
    readme.write_text("# no markers\n")
    assert syllabus.main(["--readme", str(readme)]) == 2
    assert "markers" in capsys.readouterr().err


# -- the results block ----------------------------------------------------------------------------------------

def test_the_results_block_copies_the_recorded_and_generated_tables():
    block = _between(README.read_text(), "<!-- results:start -->", "<!-- results:end -->")
    models = _between((ROOT / "docs" / "results.md").read_text(), "<!-- models:start -->", "<!-- models:end -->")
    benchmarks = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    tables = _tables(block)
    assert len(tables) == 2, "the results block holds the model-by-measure table and the course's run times"
    assert tables[0] == models.strip(), "README's model table differs from docs/results.md's: copy it from there"
    assert tables[1] in benchmarks, ("README's course run times differ from benchmarks/RESULTS.md "
                                     "(written by benchmarks/run_all.py): copy the table from there")
    assert "whole course" in tables[1]
    # the block's prose names no number of its own: every number in it is in one of its sources
    prose = "\n".join(line for line in block.splitlines() if not line.startswith("|"))
    sources = models + (ROOT / "docs" / "results.md").read_text() + benchmarks
    for number in re.findall(r"\d[\d.,]*\d|\d", prose):
        assert number in sources, f"the README's results block states {number!r}, found in no generated file"


def test_no_measurement_is_written_as_prose_in_the_readme():
    text = README.read_text()
    for start, end in [("<!-- results:start -->", "<!-- results:end -->"),
                       (syllabus.START, syllabus.END)]:
        text = text.replace(_between(text, start, end), "")
    found = re.findall(r"\d[\d,.]*\s*(?:%|nats\b|s\b|ms\b|x\b|GB\b|MB\b)", text)
    assert not found, f"measurements belong in generated files or docs/results.md, not the README: {found}"


# -- the front door -------------------------------------------------------------------------------------------

def test_the_readme_is_a_short_front_door_with_offline_data_on_its_first_screen():
    lines = README.read_text().splitlines()
    assert len(lines) <= 170, f"README.md has {len(lines)} lines; the front door is about 150"
    first_screen = "\n".join(lines[:45])
    for promise in ("python3 course.py lab", "python3 course.py test", "Without internet", "GENCORE_DATASET=sprites",
                    "MNIST/raw/", "dataset-fashion-mnist", "gencore doctor"):
        assert promise in first_screen, promise
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[:4] == ["## Two commands", "## Without internet: the data", "## Syllabus",
                            "## Checking your answers"]


def test_the_tools_the_docs_name_exist():
    for module in ("gencore.course.build", "gencore.course.grade", "gencore.course.book", "gencore.course.syllabus",
                   "gencore.course.cli"):
        spec = importlib.util.find_spec(module)
        assert spec is not None, module
        assert "def main(" in Path(spec.origin).read_text(), module
    from gencore.course import cli
    for command in ("train", "sample", "evaluate", "pretrain", "doctor"):
        assert command in cli.COMMANDS
    text = (ROOT / "course.py").read_text()
    for command in ("lab", "test", "build", "grade", "book"):
        assert f"python3 course.py {command}" in text


def test_the_environment_variables_the_readme_names_are_read_by_gencore():
    source = "".join(p.read_text() for p in (ROOT / "gencore").rglob("*.py")) + (ROOT / "course.py").read_text()
    names = set(re.findall(r"GENCORE_[A-Z_]+", README.read_text()))
    assert {"GENCORE_QUICK", "GENCORE_DATASET", "GENCORE_HOME", "GENCORE_DEVICE", "GENCORE_THREADS",
            "GENCORE_LOCAL_DATA"} <= names
    for name in names:
        assert f'"{name}"' in source, f"the README names {name}, which gencore does not read"


def _course(monkeypatch):
    spec = importlib.util.spec_from_file_location("course_under_test", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    monkeypatch.setattr(course, "setup", lambda: Path(sys.executable))
    calls = []
    monkeypatch.setattr(course.subprocess, "call", lambda cmd, **kw: calls.append((cmd, kw)) or 0)
    return course, calls


def test_course_test_runs_in_quick_mode_on_sprites_unless_a_dataset_is_chosen(monkeypatch):
    course, calls = _course(monkeypatch)
    monkeypatch.delenv("GENCORE_DATASET", raising=False)
    assert course.main(["test"]) == 0
    assert calls and all(kw["env"]["GENCORE_DATASET"] == "sprites" and kw["env"]["GENCORE_QUICK"] == "1"
                         for _, kw in calls)
    commands = [" ".join(map(str, cmd)) for cmd, _ in calls]                 # the fast tier
    assert all(any(f" {part}" in c for c in commands) for part in ("tests", "solutions", "--nbval", "not integration"))
    assert not any(" notebooks" in c or " experiments" in c for c in commands)
    calls.clear()
    assert course.main(["test", "--all", "-x"]) == 0                         # everything: what CI runs
    commands = [" ".join(map(str, cmd)) for cmd, _ in calls]
    assert all(any(f" {part}" in c for c in commands) for part in ("tests", "solutions", "notebooks", "experiments"))
    assert not any("--all" in c or "not integration" in c for c in commands) and commands[0].endswith(" -x")
    calls.clear()
    monkeypatch.setenv("GENCORE_DATASET", "fashion-mnist")
    assert course.main(["test"]) == 0
    assert calls and all(kw["env"]["GENCORE_DATASET"] == "fashion-mnist" for _, kw in calls)


def test_course_lab_opens_the_student_notebooks(monkeypatch):
    course, calls = _course(monkeypatch)
    assert course.main(["lab"]) == 0
    (cmd, _), = calls
    assert cmd[1:4] == ["-m", "jupyter", "lab"] and str(ROOT / "notebooks") in cmd


def test_course_setup_installs_once_and_again_only_when_pyproject_changes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("course_setup_under_test", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(course, "STAMP", tmp_path / ".venv" / ".gencore-installed")
    runs = []

    def run(cmd, check):
        runs.append(cmd)
        if cmd[1:3] == ["-m", "venv"]:
            python = course.venv_python()
            python.parent.mkdir(parents=True)
            python.touch()
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(course.subprocess, "run", run)
    course.setup()
    assert any(cmd[1:3] == ["-m", "venv"] for cmd in runs) and any("install" in cmd for cmd in runs)
    runs.clear()
    course.setup()
    assert runs == []                                                        # idempotent: nothing to do
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    course.setup()
    assert runs and not any(cmd[1:3] == ["-m", "venv"] for cmd in runs)     # reinstalled, same environment


# -- links and layout -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_local_links_lead_somewhere(doc):
    for target in re.findall(r"\]\(([^)#\s]+)", doc.read_text()):
        if re.match(r"[a-z]+:", target):
            continue
        assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links to {target}, which does not exist"


def test_every_study_is_indexed_and_its_command_lines_name_scripts_that_exist():
    index = (ROOT / "experiments" / "README.md").read_text()
    for writeup in (ROOT / "experiments").glob("*/README.md"):
        study = writeup.parent.name
        assert f"]({study}/README.md)" in index, f"experiments/README.md does not list {study}"
        text = writeup.read_text()
        assert re.search(r"\*\*Dates?:\*\* 20\d\d-\d\d-\d\d", text), f"{study}'s write-up is not dated"
        for script in re.findall(r"^\.venv/bin/python (\S+\.py)", text, re.MULTILINE):
            assert (ROOT / script).is_file(), f"{study}'s write-up runs {script}, which does not exist"


def test_the_library_does_not_import_the_studies():
    for path in (ROOT / "gencore").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+experiments\b", path.read_text(), re.MULTILINE), path
