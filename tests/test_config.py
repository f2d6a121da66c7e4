import pytest
import torch

import gencore


def test_seeding_reproduces_numbers_exactly(home):
    def draw():
        gencore.setup(seed=123, quick=False, device="cpu", verbose=False)
        net = torch.nn.Linear(5, 3)
        import random

        import numpy as np
        return net.weight.clone(), torch.randn(7), np.random.rand(3), random.random()

    a, b = draw(), draw()
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert (a[2] == b[2]).all() and a[3] == b[3]
    gencore.setup(seed=124, quick=False, device="cpu", verbose=False)
    assert not torch.equal(torch.randn(7), a[1])


def test_environment_is_read(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GENCORE_QUICK", "1")
    monkeypatch.setenv("GENCORE_DATASET", "Fashion-MNIST")
    monkeypatch.setenv("GENCORE_HOME", str(tmp_path))
    cfg = gencore.setup(seed=0, threads=1)
    line = capsys.readouterr().out.strip()
    assert cfg.quick and cfg.dataset == "fashion-mnist" and cfg.home == tmp_path
    assert cfg.pick(full=20, quick=1) == 1
    assert cfg.data_dir == tmp_path / "data" and cfg.cache_dir == tmp_path / "models"
    assert torch.get_num_threads() == 1
    assert line.count("\n") == 0 and "device=cpu" in line and "mode=quick" in line
    assert gencore.current() is cfg


def test_bad_values_give_clear_errors(monkeypatch):
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'.*mnist, fashion-mnist, sprites"):
        gencore.setup(dataset="cifar", verbose=False)
    monkeypatch.setenv("GENCORE_QUICK", "maybe")
    with pytest.raises(ValueError, match="GENCORE_QUICK"):
        gencore.setup(verbose=False)


def test_default_home_is_outside_the_repository(monkeypatch):
    monkeypatch.delenv("GENCORE_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    from pathlib import Path
    home = gencore.config.default_home()
    repo = Path(__file__).resolve().parents[1]
    assert home.name == "gencore" and repo not in home.parents


def test_device_is_picked_automatically():
    dev = gencore.pick_device()
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert dev.type == expected


def test_threads_follow_gencore_threads_then_omp(monkeypatch):
    monkeypatch.delenv("GENCORE_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert gencore.setup(verbose=False).threads == 1 and torch.get_num_threads() == 1
    monkeypatch.setenv("GENCORE_THREADS", "2")
    assert gencore.setup(verbose=False).threads == 2 and torch.get_num_threads() == 2
