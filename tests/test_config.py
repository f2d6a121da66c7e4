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
    assert line.count("\n") == 0 and "device=cpu" in line and "mode=quick" in line and "rough" in line
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


# ------------------------------------------------------------------ every environment variable is checked
def _no_cuda(monkeypatch):
    """Make 'cuda unavailable' true on any machine (on one without CUDA it already is)."""
    if torch.cuda.is_available():
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1.5", "two"])
def test_bad_gencore_threads_is_named(monkeypatch, home, value):
    monkeypatch.setenv("GENCORE_THREADS", value)
    with pytest.raises(ValueError, match=f"GENCORE_THREADS='{value}' is not a positive whole number"):
        gencore.setup(verbose=False)


def test_bad_omp_num_threads_fallback_is_named(monkeypatch, home):
    monkeypatch.delenv("GENCORE_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")
    with pytest.raises(ValueError, match="OMP_NUM_THREADS='lots'.*GENCORE_THREADS is unset.*positive whole"):
        gencore.setup(verbose=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1,1")                  # OpenMP's nested list: the first entry
    assert gencore.setup(verbose=False).threads == 1
    monkeypatch.setenv("GENCORE_THREADS", "1")                    # not read when GENCORE_THREADS is set
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")
    assert gencore.setup(verbose=False).threads == 1


def test_threads_argument_must_be_a_positive_whole_number(home):
    import numpy as np
    with pytest.raises(ValueError, match="threads must be at least 1"):
        gencore.setup(threads=0, verbose=False)
    with pytest.raises(TypeError, match="threads must be a whole number"):
        gencore.setup(threads="2", verbose=False)
    assert gencore.setup(threads=np.int64(1), device="cpu", verbose=False).threads == 1


@pytest.mark.parametrize("value", ["tpu", "gpu", "cuda:x", "cpu0"])
def test_unknown_gencore_device_lists_the_known_ones(monkeypatch, home, value):
    monkeypatch.setenv("GENCORE_DEVICE", value)
    with pytest.raises(ValueError, match=f"GENCORE_DEVICE='{value}' is not a device.*cpu, cuda, mps"):
        gencore.setup(verbose=False)
    with pytest.raises(ValueError, match=f"device='{value}' is not a device.*cpu, cuda, mps"):
        gencore.pick_device(value)


def test_device_names_are_case_insensitive_and_may_have_an_index(monkeypatch, home):
    monkeypatch.setenv("GENCORE_DEVICE", "CPU")
    assert gencore.setup(verbose=False).device == torch.device("cpu")
    monkeypatch.setenv("GENCORE_DEVICE", " cpu:0 ")
    assert gencore.setup(verbose=False).device == torch.device("cpu")
    assert gencore.pick_device("Cpu") == torch.device("cpu")
    assert gencore.pick_device(torch.device("cpu")) == torch.device("cpu")
    monkeypatch.setenv("GENCORE_DEVICE", "")                      # empty: pick automatically
    assert gencore.pick_device() == gencore.pick_device(None)


def test_unavailable_cuda_is_an_error_naming_what_is_available(monkeypatch, home, capsys):
    _no_cuda(monkeypatch)
    for value in ("cuda", "CUDA", "cuda:0"):
        monkeypatch.setenv("GENCORE_DEVICE", value)
        with pytest.raises(ValueError, match=f"GENCORE_DEVICE='{value}'.*available here: cpu"):
            gencore.setup(verbose=True)
    assert capsys.readouterr().out == ""                          # nothing printed as if it were chosen
    monkeypatch.delenv("GENCORE_DEVICE")
    with pytest.raises(ValueError, match="device='cuda'.*available here: cpu"):
        gencore.setup(device="cuda", verbose=False)
    with pytest.raises(ValueError, match="device='CUDA:1'.*available here: cpu"):
        gencore.pick_device("CUDA:1")


def test_unavailable_mps_is_an_error(monkeypatch, home):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device='mps'.*available here: cpu"):
        gencore.pick_device("mps")


def test_bad_gencore_dataset_is_named(monkeypatch, home):
    monkeypatch.setenv("GENCORE_DATASET", "cifar10")
    with pytest.raises(ValueError, match="GENCORE_DATASET='cifar10' is not a dataset.*mnist, fashion-mnist, sprites"):
        gencore.setup(verbose=False)
    assert gencore.setup(dataset="sprites", device="cpu", verbose=False).dataset == "sprites"  # argument wins


def test_gencore_home_naming_a_file_is_refused(monkeypatch, tmp_path):
    afile = tmp_path / "not-a-folder"
    afile.write_text("x")
    monkeypatch.setenv("GENCORE_HOME", str(afile))
    with pytest.raises(ValueError, match="GENCORE_HOME=.*not-a-folder' is a file, not a folder"):
        gencore.setup(device="cpu", verbose=False)
    monkeypatch.setenv("GENCORE_HOME", str(afile / "sub"))
    with pytest.raises(ValueError, match="GENCORE_HOME=.*lies inside .*not-a-folder', which is a file"):
        gencore.setup(device="cpu", verbose=False)
    monkeypatch.setenv("GENCORE_HOME", str(tmp_path / "new" / "folder"))  # missing folders are fine
    assert gencore.setup(device="cpu", verbose=False).home == tmp_path / "new" / "folder"
    with pytest.raises(ValueError, match="home=.*is a file"):
        gencore.setup(home=afile, device="cpu", verbose=False)


def test_home_must_be_a_folder_path(home):
    with pytest.raises(TypeError, match=r"^home must be a folder \(a str or pathlib\.Path\), got int 123\.$"):
        gencore.setup(home=123, device="cpu", verbose=False)


def test_setup_flushes_subnormal_floats_to_zero(home):
    tiny = torch.tensor([1e-30], dtype=torch.float32)
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormal floats")
    assert (tiny * 1e-10).item() == 0.0              # 1e-40 is subnormal in float32: flushed
    assert (tiny * 1e-5).item() == pytest.approx(1e-35, rel=1e-6)     # a normal float is untouched
