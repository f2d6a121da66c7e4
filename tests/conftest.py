import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist-test"


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
