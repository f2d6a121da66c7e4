"""course.py grade on real submissions made from the student notebook of notebook 02, graded headless in quick
mode, two at a time: all right, all blank, some wrong, one that kills its kernel, one that loops, one that
floods its output, one that edited a check cell (and hid its metadata), a file that is not a notebook, and a
hostile set: answers that print "[ok]", errors swallowed by a custom exception handler, checks patched or
replaced, gencore's own answer passed or called, a check that never returns, a setup that fails, two students'
files of the same name. Then the options refused before anything runs, the notebook's time limit, the shared
model cache and the bubblewrap sandbox (--isolate). Every promise of docs/instructors.md's grading section is
tested here."""
import copy
import csv
import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
import torch

import gencore.config
from gencore.checks import report as channel
from gencore.course import grade

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_variational_inference"
OK_KL = "[ok] Gaussian KL to N(0, I): correct. Later cells use your function."


def _student() -> dict:
    return json.loads((ROOT / "notebooks" / f"{NOTEBOOK}.ipynb").read_text())


def _solution_bodies() -> list[str]:
    """The solution notebook's exercise cells, in order (what a student who got everything right wrote)."""
    nb = json.loads((ROOT / "solutions" / f"{NOTEBOOK}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if "exercise" in c["metadata"].get("tags", [])]


RIGHT = _solution_bodies()
WRONG_KL = RIGHT[0].replace("logvar.exp() - 1.0 - logvar", "logvar.exp() - logvar")          # forgot the -1
assert WRONG_KL != RIGHT[0]


def _fill(nb: dict, bodies: list) -> dict:
    nb = copy.deepcopy(nb)
    exercise_cells = [c for c in nb["cells"] if "exercise" in c["metadata"].get("tags", [])]
    for cell, body in zip(exercise_cells, bodies):
        if body is not None:
            cell["source"] = body
    return nb


def _slim(nb: dict) -> dict:
    """Only the imports (with setup), the exercises and their checks: the same grading, a shorter run."""
    nb = copy.deepcopy(nb)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    nb["cells"] = [c for c in code if c is code[0] or "exercise" in c["metadata"].get("tags", [])
                   or grade.CHECK_CELL.search("".join(c["source"]))]
    return nb


def _cell(code: str) -> dict:
    return {"cell_type": "code", "id": f"injected-{abs(hash(code)) % 10 ** 8}", "metadata": {}, "outputs": [],
            "execution_count": None, "source": code}


def _insert_after_imports(nb: dict, code: str) -> dict:
    nb = copy.deepcopy(nb)
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code + 1, _cell(code))
    return nb


def _insert_before_imports(nb: dict, code: str) -> dict:
    nb = copy.deepcopy(nb)
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code, _cell(code))
    return nb


def _append(nb: dict, code: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"].append(_cell(code))
    return nb


def _write(folder: Path, submissions: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in submissions.items():
        (folder / name).write_text(json.dumps(nb))


def _statuses(record) -> list[str]:
    return [e["status"] for e in record["exercises"]]


def _outputs(executed: Path) -> str:
    nb = json.loads(executed.read_text())
    return "\n".join(json.dumps(c.get("outputs", [])) for c in nb["cells"] if c["cell_type"] == "code")


# ------------------------------------------------------------------------------------------ the submissions
def _hostile() -> dict:
    slim_right = _slim(_fill(_student(), RIGHT))
    prints_ok = ("def kl_to_standard_normal(mu, logvar):\n"
                 f"    print({OK_KL!r})\n"
                 "    return 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(dim=-1)\n")
    loops = "def reparameterize_sample(mu, logvar, generator):\n    while True:\n        pass\n"
    calls_reference = ("def score_function_estimate(mu, logvar, f, n_samples, generator):\n"
                       "    return checks.score_function_estimator.reference(mu, logvar, f, n_samples, generator)\n")
    swallow = ("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: print("
               f"{OK_KL!r}))\n"
               "checks.kl_standard_normal(checks.kl_standard_normal.reference)   # a pass outside the check cell\n")
    wrong_all = [WRONG_KL, RIGHT[1].replace("torch.exp(0.5 * logvar)", "torch.exp(logvar)"),
                 RIGHT[2].replace("- 1)", "+ 1)")]
    assert wrong_all[1] != RIGHT[1] and wrong_all[2] != RIGHT[2]
    patch_compare = ("import gencore.checks.core as core\n"
                     "core.compare = lambda *args, **kwargs: None          # every comparison passes\n")
    fake_checks = ("import gencore.checks\n"
                   "for name in ('kl_standard_normal', 'reparameterized_sample', 'score_function_estimator'):\n"
                   f"    setattr(gencore.checks, name, lambda f: (print({OK_KL!r}), f)[1])\n")
    gencores_own = ["kl_to_standard_normal = checks.kl_standard_normal.reference\n",
                    "import gencore.variational\n"
                    "reparameterize_sample = lambda mu, logvar, generator: gencore.variational.reparameterize("
                    "mu, logvar, generator=generator)\n", RIGHT[2]]
    cheat = _fill(_student(), [None, None, None])                              # blank, but edits a check cell
    for cell in cheat["cells"]:
        if "checks.kl_standard_normal(" in "".join(cell["source"]):
            cell["source"] = f"print({OK_KL!r})"
    cheat["metadata"] = {}                                                      # and hides where it came from
    return {
        "alice.ipynb": _fill(_student(), RIGHT),                                # everything right, the whole notebook
        "bob.ipynb": _slim(_student()),                                         # blank
        "carol.ipynb": _slim(_fill(_student(), [WRONG_KL, RIGHT[1], None])),   # one wrong, one blank
        "dave.ipynb": _insert_after_imports(slim_right, "import os\nos._exit(3)"),     # kills its kernel
        "erin.ipynb": _insert_after_imports(slim_right, "while True:\n    pass"),       # loops
        "gina.ipynb": _insert_after_imports(slim_right, "for i in range(5000):\n    print('x' * 100)"),  # floods
        "frank.ipynb": cheat,
        "mallory.ipynb": _slim(_fill(_student(), [prints_ok, loops, calls_reference])),
        "victor.ipynb": _insert_after_imports(_slim(_fill(_student(), wrong_all)), swallow),
        "oscar.ipynb": _insert_after_imports(_slim(_fill(_student(), wrong_all)), patch_compare),
        "peggy.ipynb": _insert_after_imports(_slim(_student()), fake_checks),
        "trent.ipynb": _slim(_fill(_student(), gencores_own)),
        "sybil.ipynb": _insert_before_imports(_slim(_fill(_student(), [RIGHT[0], RIGHT[1], "pass  # deleted"])),
                                              "import os\nos.environ['GENCORE_THREADS'] = 'many'"),
        "walter.ipynb": _append(slim_right, patch_compare),                   # patches after the last check
    }


PROBE = """import os, tempfile, torch
import gencore
print('PROBE', os.getcwd(), os.environ['HOME'], os.environ['GENCORE_HOME'], tempfile.gettempdir(), sep='|')
print('SETTINGS', torch.get_num_threads(), gencore.current().quick, gencore.current().dataset)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    _write(folder / "class", _hostile())
    (folder / "class" / "not-a-notebook.ipynb").write_text("{ this is not json")
    _write(folder / "group-a", {"same.ipynb": _insert_after_imports(_slim(_fill(_student(), RIGHT)), PROBE)})
    _write(folder / "group-b", {"same.ipynb": _slim(_student())})           # two students, one file name
    sent = {p: p.read_bytes() for p in folder.rglob("*.ipynb")}
    out = tmp_path_factory.mktemp("grades")
    start = time.perf_counter()
    records = grade.grade([str(folder / "class"), str(folder / "group-a"), str(folder / "group-b" / "same.ipynb")],
                          out, timeout=60, jobs=2, progress=False)
    wall = time.perf_counter() - start
    assert {p: p.read_bytes() for p in folder.rglob("*.ipynb")} == sent          # graded on copies
    return {r["student"]: r for r in records}, out, wall


# ------------------------------------------------------------------------------------------ the usual cases
def test_right_blank_and_wrong_answers(graded):
    records, _, _ = graded
    alice = records["class/alice.ipynb"]
    assert alice["notebook"] == NOTEBOOK
    assert _statuses(alice) == ["correct"] * 3 and alice["status"] == "graded"
    assert _statuses(records["class/bob.ipynb"]) == ["not implemented"] * 3
    carol = records["class/carol.ipynb"]
    assert _statuses(carol) == ["wrong", "correct", "not implemented"]
    assert "Gaussian KL" in carol["exercises"][0]["hint"]                        # the check's hint is kept


def test_a_crash_and_a_loop_are_reported_and_do_not_stop_the_others(graded):
    records, _, _ = graded
    dave = records["class/dave.ipynb"]
    assert "crashed" in dave["status"] and set(_statuses(dave)) == {"not run"}
    erin = records["class/erin.ipynb"]                  # its loop is interrupted at the cell's limit, then it goes on
    assert "1 cell timed out" in erin["status"] and _statuses(erin) == ["correct"] * 3


def test_a_flood_of_output_is_dropped_and_reported_and_the_checks_still_count(graded):
    records, _, _ = graded
    gina = records["class/gina.ipynb"]
    assert "output flooded" in gina["status"] and _statuses(gina) == ["correct"] * 3


def test_an_edited_check_cell_does_not_pass_and_the_notebook_is_recognised_by_its_cells(graded):
    records, _, _ = graded
    frank = records["class/frank.ipynb"]
    assert frank["notebook"] == NOTEBOOK and frank["exercises"][0]["status"] == "check changed"


# ------------------------------------------------------------------------------------------ hostile submissions
def test_printed_ok_is_never_read_and_an_error_in_a_check_cell_wins(graded):
    records, _, _ = graded
    mallory = records["class/mallory.ipynb"]                   # its wrong KL prints the check's own success line
    assert mallory["exercises"][0]["status"] == "wrong" and "Gaussian KL" in mallory["exercises"][0]["hint"]
    victor = records["class/victor.ipynb"]      # errors swallowed by its handler (printing [ok]); a pass elsewhere
    assert _statuses(victor) == ["wrong"] * 3


def test_a_check_that_runs_out_of_time_is_timed_out_and_the_later_ones_are_graded(graded):
    records, _, _ = graded
    mallory = records["class/mallory.ipynb"]
    assert mallory["exercises"][1]["status"] == "timed out"
    assert "KeyboardInterrupt" not in mallory["exercises"][1]["hint"]
    assert mallory["exercises"][2]["status"] == "used the reference"       # graded after the interrupted one


def test_patched_checks_are_reported_as_tampered(graded):
    records, _, _ = graded
    oscar = records["class/oscar.ipynb"]                       # gencore.checks.core.compare patched to pass all
    assert _statuses(oscar) == ["check tampered"] * 3
    assert "gencore.checks.core.compare was changed" in oscar["exercises"][0]["hint"]
    peggy = records["class/peggy.ipynb"]                       # the checks replaced by functions printing [ok]
    assert _statuses(peggy) == ["check tampered"] * 3
    assert "gencore.checks.kl_standard_normal was changed" in peggy["exercises"][0]["hint"]


def test_gencores_own_answer_passed_or_called_is_reported(graded):
    records, _, _ = graded
    trent = records["class/trent.ipynb"]
    assert _statuses(trent) == ["used the reference", "used the reference", "correct"]
    assert "reference answer" in trent["exercises"][0]["hint"]                 # checks.x.reference itself
    assert "gencore.variational.reparameterize" in trent["exercises"][1]["hint"]   # called inside a lambda
    assert "gencore.checks.variational._score_reference" in records["class/mallory.ipynb"]["exercises"][2]["hint"]


def test_a_failed_setup_is_not_graded_as_a_run_that_went_well_and_a_deleted_function_is_an_error(graded):
    records, _, _ = graded
    sybil = records["class/sybil.ipynb"]
    assert sybil["status"].startswith("setup failed (ValueError: GENCORE_THREADS='many'")
    assert _statuses(sybil) == ["correct", "correct", "error"], sybil["exercises"]
    assert sybil["exercises"][2]["hint"].startswith("NameError")


def test_a_patch_after_the_last_check_is_found_by_the_last_comparison(graded):
    records, _, _ = graded
    walter = records["class/walter.ipynb"]
    assert _statuses(walter) == ["check tampered"] * 3
    assert walter["exercises"][0]["hint"] == "after the run: gencore.checks.core.compare was changed"


def test_each_submission_runs_in_quick_mode_on_sprites_on_one_thread_in_a_folder_of_its_own(graded):
    _, out, _ = graded
    outputs = _outputs(out / "executed" / "group-a" / "same.ipynb")
    cwd, home, gencore_home, tmp = outputs.split("PROBE|", 1)[1].split("\\n", 1)[0].split("|")
    assert Path(home).parent == Path(cwd) and Path(gencore_home).parent == Path(home)
    assert Path(tmp).parent == Path(cwd) and Path(cwd) != Path.cwd() and home != os.environ.get("HOME")
    assert not Path(cwd).exists()                                      # removed once graded
    assert "SETTINGS 1 True sprites" in outputs


def test_same_file_names_stay_apart_in_every_output(graded):
    records, out, _ = graded
    a, b = records["group-a/same.ipynb"], records["group-b/same.ipynb"]
    assert _statuses(a) == ["correct"] * 3 and _statuses(b) == ["not implemented"] * 3
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert {r["student"] for r in rows if r["file"].endswith("same.ipynb")} == {"group-a/same.ipynb",
                                                                                  "group-b/same.ipynb"}
    report = (out / "report.md").read_text()
    assert f"| group-a/same.ipynb | {a['file']} | {NOTEBOOK} | 3 / 3 |" in report
    assert f"| group-b/same.ipynb | {b['file']} | {NOTEBOOK} | 0 / 3 |" in report
    assert "[ok]" not in _outputs(out / "executed" / "group-b" / "same.ipynb")
    assert "[ok]" in _outputs(out / "executed" / "group-a" / "same.ipynb")


# ------------------------------------------------------------------------------------------ outputs
def test_csv_report_and_the_executed_notebooks(graded):
    records, out, _ = graded
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert {r["student"] for r in rows} == set(records)
    assert sum(r["status"] == "correct" for r in rows if r["student"] == "class/alice.ipynb") == 3
    assert next(r for r in rows if r["student"] == "class/not-a-notebook.ipynb")["run"].startswith("not a notebook")
    report = (out / "report.md").read_text()
    assert f"| class/alice.ipynb | {records['class/alice.ipynb']['file']} | {NOTEBOOK} | 3 / 3 |" in report
    assert "## Hints given and problems found" in report and "class/carol.ipynb" in report
    for student, record in records.items():              # every submission that ran is kept, with its outputs
        if record["notebook"] and "crashed" not in record["status"]:
            executed = json.loads((out / "executed" / student).read_text())
            assert any(c.get("outputs") for c in executed["cells"] if c["cell_type"] == "code"), student
    assert "KeyboardInterrupt" in _outputs(out / "executed" / "class" / "erin.ipynb")   # as the student would see it


def test_jobs_grade_submissions_at_the_same_time(graded):
    records, _, wall = graded
    ran = sorted((r["started"], r["ended"]) for r in records.values() if "started" in r)
    assert any(later[0] < earlier[1] for earlier, later in zip(ran, ran[1:]))      # two runs overlapped
    assert wall < sum(r["seconds"] for r in records.values())


# ------------------------------------------------------------------------------------------ options
@pytest.mark.parametrize("options,words", [
    (["--dataset", "fashion_mnist"], "did you mean fashion-mnist"),
    (["--timeout", "0"], "--timeout 0"),
    (["--timeout", "-5"], "--timeout -5"),
    (["--notebook-timeout", "0"], "--notebook-timeout 0"),
    (["--jobs", "0"], "--jobs 0"),
    (["--cache", "no-such-folder"], "--cache no-such-folder: no such folder"),
])
def test_a_bad_option_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch, options, words):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"alice.ipynb": _slim(_student())})
    monkeypatch.setattr(grade, "grade_submission", lambda *a, **k: pytest.fail("a submission ran"))
    assert grade.main(["alice.ipynb", "--out", "grades", *options]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "grades").exists()


def test_an_out_that_is_a_file_is_refused_before_grading(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"alice.ipynb": _slim(_student())})
    (tmp_path / "grades").write_text("keep me")
    monkeypatch.setattr(grade, "grade_submission", lambda *a, **k: pytest.fail("a submission ran"))
    assert grade.main(["alice.ipynb", "--out", "grades"]) == 2
    assert "--out grades is a file" in capsys.readouterr().err
    assert (tmp_path / "grades").read_text() == "keep me"


def test_isolate_without_bubblewrap_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"alice.ipynb": _slim(_student())})
    monkeypatch.setattr(grade.shutil, "which", lambda name: None)
    monkeypatch.setattr(grade, "grade_submission", lambda *a, **k: pytest.fail("a submission ran"))
    assert grade.main(["alice.ipynb", "--isolate"]) == 2
    assert "apt-get install bubblewrap" in capsys.readouterr().err and not (tmp_path / "grades").exists()


def test_isolate_where_bubblewrap_cannot_make_a_sandbox_says_why(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {"alice.ipynb": _slim(_student())})
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(grade, "grade_submission", lambda *a, **k: pytest.fail("a submission ran"))
    assert grade.main(["alice.ipynb", "--isolate"]) == 2
    err = capsys.readouterr().err
    assert "cannot make its sandbox" in err and "No permissions to create new namespace" in err


def test_the_guides_grading_section_agrees_with_the_grader():
    guide = (ROOT / "docs" / "instructors.md").read_text()
    section = guide.split("## Grading submitted notebooks", 1)[1].split("\n## ", 1)[0]
    commands = [line.split("#")[0].split() for line in section.splitlines()
                if line.startswith("python3 course.py grade")]
    assert len(commands) == 3
    for command in commands:
        grade.parser().parse_args(command[3:])                                  # an unknown option exits
    defaults = grade.parser().parse_args(["x"])
    assert f"`--timeout` seconds **per cell** (default {defaults.timeout:g})" in section
    assert f"`--notebook-timeout` seconds per notebook (default {defaults.notebook_timeout:g})" in section
    outcomes = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")][1:]
    assert outcomes == list(grade.STATUSES)


# ------------------------------------------------------------------------------------------ the channel
def test_without_the_grader_a_check_reports_nothing_and_behaves_as_before(tmp_path, capsys):
    from gencore import checks

    assert channel._emit is None
    assert checks.kl_standard_normal(checks.kl_standard_normal.reference) is checks.kl_standard_normal.reference
    assert "[ok]" in capsys.readouterr().out


def test_the_channel_reports_each_outcome_with_its_token(tmp_path, capsys):
    from gencore import checks
    from gencore.variational import gaussian_kl

    results = tmp_path / "results.jsonl"
    channel.start(str(results), "t0ken")
    try:
        def own(mu, logvar):
            return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)

        def wrong(mu, logvar):
            print(OK_KL)
            return 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(dim=-1)

        def blank(mu, logvar):
            raise NotImplementedError

        checks.kl_standard_normal(own)
        with pytest.raises(AssertionError):
            checks.kl_standard_normal(wrong)
        checks.kl_standard_normal(blank)
        checks.kl_standard_normal(lambda mu, logvar: gaussian_kl(mu, logvar))
        checks.kl_standard_normal(gaussian_kl)
    finally:
        channel.stop()
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert {line["token"] for line in lines} == {"t0ken"} and {line["check"] for line in lines} == {
        "kl_standard_normal"}
    assert [line["status"] for line in lines] == ["correct", "wrong", "not implemented", "correct", "correct"]
    assert [bool(line["reference"]) for line in lines] == [False, False, False, True, True]
    assert "gencore.variational.gaussian_kl" in lines[3]["reference"] and "Gaussian KL" in lines[1]["hint"]


def test_fingerprints_see_a_patched_check_and_nothing_else(home):
    expected = grade.expected_fingerprints()        # after gencore.setup (the fixture): a configuration exists
    from gencore import checks
    from gencore.course.grade_kernel import differences

    channel.start(os.devnull, "")
    try:
        clean = channel.fingerprints({"checks": checks})
        assert differences(expected, clean) == []
        saved = checks.core.compare
        checks.core.compare = lambda *a, **k: None
        try:
            assert differences(expected, channel.fingerprints({"checks": checks})) == [
                "gencore.checks.core.compare was changed"]
        finally:
            checks.core.compare = saved
        assert differences(expected, channel.fingerprints({"checks": torch})) == [
            "the notebook's `checks` is not gencore.checks"]
        saved, gencore.config._current = gencore.config._current, None    # a kernel whose gencore.setup failed
        try:
            assert differences(expected, channel.fingerprints({"checks": checks})) == []
        finally:
            gencore.config._current = saved
    finally:
        channel.stop()


# ------------------------------------------------------------------------------------------ limits and sandbox
def test_the_notebooks_time_limit_stops_it_and_the_rest_is_not_run(tmp_path):
    _write(tmp_path / "in", {"slow.ipynb": _insert_after_imports(_slim(_fill(_student(), RIGHT)),
                                                                 "import time\ntime.sleep(600)")})
    [record] = grade.grade([str(tmp_path / "in")], tmp_path / "out", timeout=300, notebook_timeout=45,
                           progress=False)
    assert record["status"].startswith("timed out (the notebook's limit of 45 s)")
    assert _statuses(record) == ["not run"] * 3 and record["seconds"] < 45 + 60


def _cached_tiny_model(home: Path) -> float:
    """A model trained into ``home``'s cache by the grader's user: the weights' sum."""
    import gencore
    from gencore.cache import load_or_train
    from gencore.history import History

    def train(model):
        with torch.no_grad():
            model.weight.add_(1.0)                  # "training" changes the weights (load_or_train checks it)
        history = History()
        history.log("train", {"loss": 1.0})
        return history

    gencore.setup(seed=0, home=home, device="cpu", verbose=False)
    torch.manual_seed(3)
    model = torch.nn.Linear(3, 2)
    load_or_train(model, train, config={"name": "grading-probe", "seed": 3}, verbose=False)
    return float(model.weight.detach().sum())


LOAD_PROBE = """import torch
from gencore.cache import load_or_train
model = torch.nn.Linear(3, 2)
def must_not_train(m):
    raise RuntimeError('trained instead of loaded')
load_or_train(model, must_not_train, config={"name": "grading-probe", "seed": 3})
print('PROBE', round(float(model.weight.sum()), 5))
"""


def _snapshot(folder: Path) -> dict:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def test_cache_lends_every_submission_the_trained_models_read_only(tmp_path):
    weights = _cached_tiny_model(tmp_path / "instructor")
    models = tmp_path / "instructor" / "models"
    assert grade._cache_folder(models) == models.resolve() == grade._cache_folder(tmp_path / "instructor")
    before = _snapshot(models)
    _write(tmp_path / "in", {"alice.ipynb": _insert_after_imports(_slim(_fill(_student(), RIGHT)), LOAD_PROBE)})
    [record] = grade.grade([str(tmp_path / "in")], tmp_path / "out", timeout=120,
                           cache=tmp_path / "instructor", progress=False)       # its models/ folder is found
    outputs = _outputs(tmp_path / "out" / "executed" / "alice.ipynb")
    assert f"PROBE {round(weights, 5)}" in outputs and "trained instead of loaded" not in outputs
    assert _statuses(record) == ["correct"] * 3
    assert _snapshot(models) == before


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def test_isolate_keeps_a_submission_inside_its_folder(tmp_path):
    problem = grade.isolation_problem()
    if problem:
        pytest.skip(problem)
    hidden = tmp_path / "marker"                                  # under /tmp: the sandbox has its own /tmp
    hidden.write_text("keep")
    visible_dir = Path(tempfile.mkdtemp(dir="/var/tmp" if os.access("/var/tmp", os.W_OK) else Path.home()))
    visible = visible_dir / "marker"                              # outside /tmp: seen, read only
    visible.write_text("keep")
    server = socket.create_server(("127.0.0.1", 0))
    reached = []
    threading.Thread(target=lambda: reached.append(server.accept()), daemon=True).start()
    attack = f"""import os, shutil, socket, tempfile
for path in [{str(hidden)!r}, {str(visible)!r}]:
    try:
        os.remove(path)
        print('REMOVED', path)
    except OSError as e:
        print('KEPT', path, type(e).__name__)
try:
    open({str(visible_dir / 'planted')!r}, 'w').write('x')
    print('PLANTED')
except OSError as e:
    print('NOT PLANTED', type(e).__name__)
try:
    socket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=5).sendall(b'escaped')
    print('CONNECTED')
except OSError as e:
    print('NO NETWORK', type(e).__name__)
import subprocess
subprocess.Popen(['sleep', '987.654'], start_new_session=True)        # left behind, in a session of its own
open('mine.txt', 'w').write('own folder')
open(os.path.join(tempfile.gettempdir(), 'own-tmp.txt'), 'w').write('own tmp')
print('TMP', sorted(os.listdir('/tmp')))
"""
    try:
        _write(tmp_path / "in", {"alice.ipynb": _insert_after_imports(_slim(_fill(_student(), RIGHT)), attack)})
        [record] = grade.grade([str(tmp_path / "in")], tmp_path / "out", timeout=120, isolate=True, progress=False)
        outputs = _outputs(tmp_path / "out" / "executed" / "alice.ipynb")
        assert hidden.read_text() == "keep" and visible.read_text() == "keep"
        assert not (visible_dir / "planted").exists() and "NOT PLANTED" in outputs
        assert reached == [] and "NO NETWORK" in outputs
        assert "REMOVED" not in outputs and "pytest-of-" not in outputs.split("TMP [", 1)[1]
        assert _statuses(record) == ["correct"] * 3 and record["status"] == "graded"
        assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline(p) == "sleep 987.654"]
    finally:
        server.close()
        visible.unlink(missing_ok=True)
        (visible_dir / "planted").unlink(missing_ok=True)
        visible_dir.rmdir()


# ------------------------------------------------------------------------------------------ the options' words
@pytest.mark.parametrize("kw, python, command_line", [
    (dict(timeout="300"), "timeout must be a number above 0 (the seconds a cell may run), got str '300'.", None),
    (dict(timeout=0), "timeout must be a number above 0", "--timeout 0: give the seconds a cell may run, above 0."),
    (dict(notebook_timeout=-5), "notebook_timeout must be a number above 0", "--notebook-timeout -5: give"),
    (dict(jobs=1.5), "jobs must be a whole number, 1 or more (how many submissions to grade at a time), got float "
                     "1.5.", None),
    (dict(jobs=0), "jobs must be a whole number, 1 or more", "--jobs 0: give how many submissions to grade at a "
                                                             "time, 1 or more."),
])
def test_an_option_is_named_as_the_caller_gave_it(tmp_path, kw, python, command_line):
    """From Python the argument and its type (timeout='300' is not the number 300); from the command line the
    option, as it was typed."""
    options = dict(timeout=300, notebook_timeout=1800, dataset="sprites", jobs=1, cache=None, isolate=False)
    with pytest.raises(grade.OptionError) as e:
        grade.check_options(tmp_path / "out", **{**options, **kw})
    assert str(e.value).startswith(python)
    if command_line is not None:
        with pytest.raises(grade.OptionError) as e:
            grade.check_options(tmp_path / "out", **{**options, **kw}, cli=True)
        assert str(e.value).startswith(command_line)


def test_whole_jobs_a_capitalised_dataset_and_one_path_alone_are_accepted(tmp_path, monkeypatch):
    options = dict(timeout=300, notebook_timeout=1800, cache=None, isolate=False)
    assert grade.check_options(tmp_path / "out", dataset="Fashion-MNIST", jobs=4 / 2, **options) == (
        300, 1800, "fashion-mnist", 2)
    (tmp_path / "alice.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert grade._submissions("alice.ipynb") == grade._submissions(["alice.ipynb"]) == [Path("alice.ipynb")]
    with pytest.raises(TypeError, match=r"^paths must be a list of notebooks or folders \(str or Path\), got int"):
        grade.grade(3, tmp_path / "out", progress=False)
