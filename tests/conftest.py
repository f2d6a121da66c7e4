import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist-test"

# The integration tier (`python3 course.py test --all`, what CI runs): whole files, and single tests by name.
# Everything else is the fast tier that `python3 course.py test` runs.
INTEGRATION_FILES = {
    "test_grade.py",            # grades real submissions: a kernel per notebook
    "test_distributed.py",      # two gloo processes
}
INTEGRATION_TESTS = {
    "test_book.py::test_the_site_is_self_contained",                       # builds the site: two notebooks run
    "test_book.py::test_pages_load_in_a_browser_with_figures_math_and_working_links",     # headless Chromium
    "test_classifier.py::test_mnist_classifier_on_the_shared_test_split",                # trains for minutes
    "test_classifier.py::test_sprites_classifier_reaches_995_percent_on_held_out_sprites_and_handles_grey_levels",
    "test_classifier.py::test_load_classifier_in_quick_mode_trains_a_small_model_once",
    "test_cli.py::test_evaluate_prints_the_measures_and_the_likelihood",                 # every model on every measure
    "test_cli.py::test_an_interrupted_pretrain_resumes_and_ends_with_the_uninterrupted_weights",
    "test_cli.py::test_pretrain_estimates_trains_and_then_has_nothing_to_do",
    "test_cli.py::test_torchrun_trains_with_two_processes_into_the_notebooks_cache_entry",
    "test_cli.py::test_quick_mode_samples_show_the_datas_shapes",                        # trains 4 models
    "test_cli.py::test_after_pretrain_the_notebooks_train_nothing",          # pretrains, runs every notebook
    # the slowest of the fast tier on a quiet 2-core machine (8-14 s each: a subprocess, or a model trained)
    "test_build.py::test_cli_module_entry_point",
    "test_draw.py::test_attention_beats_no_attention_at_the_same_budget",
    "test_cli.py::test_a_model_trained_on_the_command_line_is_loaded_by_its_notebook",
    "test_cli.py::test_sample_writes_one_row_per_class_for_a_conditional_model",
    "test_zoo.py::test_zoo_vae_is_the_cache_entry_a_second_call_loads",
    # 389 exercise answers run again for the totals; each is also a fast-tier test of its own
    "test_checks_uncatalogued.py::test_the_targets_are_met",
    # bad input through a real `python -m gencore` process (5 s each); the same input in-process stays fast, and
    # test_cli.py::test_python_dash_m_gencore_runs keeps one real process in the fast tier
    "test_bad_input_tenth.py::test_each_mistake_gets_a_clear_answer[cli-HINT-python -m gencore doctor --datset mnist]",
    "test_bad_input_eleventh.py::test_every_mistake_gets_a_clear_answer"
    "[python -m gencore train vae --dataset mnst (a real subprocess)]",
    "test_bad_input_twelfth.py::test_every_mistake_gets_a_clear_answer"
    "[cli-python -m gencore train vae --threads 0 (a real process)]",
    "test_bad_input_thirteenth.py::test_every_mistake_gets_a_clear_answer"
    "[99-cli-python -m gencore train vae --seed -1]",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = Path(str(item.fspath)).name
        test = getattr(item, "originalname", item.name)  # notebook cells (nbval) have no originalname
        if name in INTEGRATION_FILES or {f"{name}::{test}", f"{name}::{item.name}"} & INTEGRATION_TESTS:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh GENCORE_HOME for the test, configured quietly (quick mode off, cpu)."""
    import gencore

    monkeypatch.setenv("GENCORE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GENCORE_DATASET", raising=False)
    cfg = gencore.setup(seed=0, quick=False, device="cpu", threads=int(os.environ.get("GENCORE_THREADS", 2)),
                        verbose=False)
    return cfg


@pytest.fixture
def mnist_test_root(tmp_path):
    """A data folder holding the real MNIST test split (from ../shared/data), or skip if absent."""
    from gencore.data.torchvision_data import import_local_copy

    if not SHARED_MNIST.is_dir():
        pytest.skip(f"{SHARED_MNIST} not present")
    root = tmp_path / "data"
    assert import_local_copy("mnist", "test", root, sources=[SHARED_MNIST])
    return root


@pytest.fixture(autouse=True)
def draw_figures():
    """Draw every figure a test leaves open, then close it: an error that appears only at draw time (a bad
    label, legend or colour norm) fails the test that made the figure."""
    yield
    import sys

    if "matplotlib.pyplot" not in sys.modules:
        return
    import io

    import matplotlib.pyplot as plt

    try:
        for num in plt.get_fignums():
            plt.figure(num).savefig(io.BytesIO(), format="png", dpi=40)
    finally:
        plt.close("all")
