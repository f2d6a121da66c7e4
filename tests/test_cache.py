import math
import os
import time
import zipfile

import pytest
import torch
from torch import nn

from gencore import cache
from gencore.cache import (
    CacheNotWritable,
    ConfigDoesNotDescribeModel,
    checkpoint_path,
    config_key,
    fit_cached,
    load_or_train,
    make_checkpoint,
    save_checkpoint,
    train_gan_cached,
)
from gencore.data import TensorData, load_dataset
from gencore.data.fingerprint import fingerprint
from gencore.data.toy import moons, swiss_roll
from gencore.history import History
from gencore.train import fit

CONFIG = {"name": "tiny", "hidden": 4, "dataset": "sprites", "epochs": 2, "seed": 0}


def make():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))


def trainer(calls):
    def train(model):
        calls.append(1)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)                                     # "training" changes the weights
        h = History()
        h.log("train", {"loss": 0.5})
        return h
    return train


class Tiny(nn.Module):
    """The smallest model `fit` can train: a linear map of the flattened input, loss = its mean square."""

    def __init__(self, in_shape):
        super().__init__()
        self.lin = nn.Linear(math.prod(in_shape), 1)

    def loss(self, x, y):
        return {"loss": self.lin(x.flatten(1)).pow(2).mean()}


@pytest.fixture
def fits(monkeypatch):
    """Counts the trainings `fit_cached` runs."""
    calls = []

    def counting(*args, **kw):
        calls.append(1)
        return fit(*args, **kw)
    monkeypatch.setattr(cache, "fit", counting)
    return calls


def fit_tiny(data, **kw):
    return fit_cached(Tiny, data, name="tiny", hyper={}, epochs=1, batch_size=32, progress=False,
                      verbose=False, **kw)


def test_trains_once_then_loads(home, capsys):
    calls = []
    a = make()
    load_or_train(a, trainer(calls), CONFIG)
    b = make()
    history = load_or_train(b, trainer(calls), CONFIG)
    assert len(calls) == 1 and history["train/loss"] == [0.5]
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert "Loaded cached model" in capsys.readouterr().out


def test_key_ignores_order_but_not_values():
    assert config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1})
    assert config_key({"a": 1}) != config_key({"a": 2})
    assert checkpoint_path(CONFIG, "/x").name.startswith("tiny-")


def test_other_configuration_trains_separately(home):
    calls = []
    load_or_train(make(), trainer(calls), CONFIG)
    load_or_train(make(), trainer(calls), dict(CONFIG, epochs=3))
    assert len(calls) == 2


def test_corrupt_checkpoint_is_reported_and_retrained(home, capsys):
    calls = []
    path = checkpoint_path(CONFIG)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    load_or_train(make(), trainer(calls), CONFIG)
    out = capsys.readouterr().out
    assert len(calls) == 1 and "unusable" in out and "cannot be read" in out
    load_or_train(make(), trainer(calls), CONFIG)                 # the rewritten file is good
    assert len(calls) == 1


def test_mismatched_configuration_inside_the_file_is_not_used(home, capsys):
    calls = []
    save_checkpoint(make_checkpoint(make(), dict(CONFIG, hidden=8)), checkpoint_path(CONFIG))
    load_or_train(make(), trainer(calls), CONFIG)
    assert len(calls) == 1 and "another configuration" in capsys.readouterr().out


def test_weights_of_another_architecture_under_the_same_config_are_refused_not_overwritten(home):
    """The config is the cache key: an entry of other layers under it means the config leaves out what differs.
    Retraining would replace the other model's entry (and the two would keep evicting each other): refused, named."""
    calls, path = [], checkpoint_path(CONFIG)
    save_checkpoint(make_checkpoint(nn.Linear(3, 1), CONFIG), path)
    before = path.read_bytes()
    with pytest.raises(ConfigDoesNotDescribeModel, match=r"same config.*another architecture \(other layer shapes: "
                       r"0\.bias: absent in the file, \(4,\) here.*put what differs in it.*retrain=True"):
        load_or_train(make(), trainer(calls), CONFIG)
    assert calls == [] and path.read_bytes() == before                 # nothing trained, nothing replaced
    load_or_train(make(), trainer(calls), CONFIG, retrain=True)         # the way out the message names
    assert len(calls) == 1


def test_settings_that_change_no_shape_are_compared_too(home):
    """DRAW's T or an activation change no weight's shape: the checkpoint records the model as built."""
    from gencore.draw import DRAW
    config = dict(name="draw-t", epochs=1)
    train = lambda m: fit(m, torch.rand(16, 1, 28, 28), epochs=1, batch_size=8, seed=0, progress=False)  # noqa: E731
    load_or_train(DRAW(T=2, enc_hidden=8, dec_hidden=8, latent_dim=2), train, config, verbose=False)
    with pytest.raises(ConfigDoesNotDescribeModel, match=r"another architecture \(other settings: T: 2 in the file, 3 "
                       r"here\).*put what differs in it"):
        load_or_train(DRAW(T=3, enc_hidden=8, dec_hidden=8, latent_dim=2), train, config, verbose=False)
    load_or_train(DRAW(T=2, enc_hidden=8, dec_hidden=8, latent_dim=2), must_not_train, config, verbose=False)
    tanh = dict(name="act", epochs=1)
    load_or_train(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)), _regression_fit, tanh, verbose=False)
    with pytest.raises(ConfigDoesNotDescribeModel, match=r"other settings: 1: 'Tanh' in the file, 'ReLU' here"):
        load_or_train(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), _regression_fit, tanh, verbose=False)


def must_not_train(model):
    raise AssertionError("the cached model should have been loaded, not trained again")


def _regression_fit(model):
    model.loss = lambda x, y: {"loss": torch.nn.functional.mse_loss(model(x), x.sum(1, keepdim=True))}
    return fit(model, torch.randn(32, 3), epochs=1, batch_size=8, seed=0, progress=False)


def test_a_gan_built_anew_under_the_same_name_and_hyper_is_refused_naming_hyper(home):
    from gencore.gan import toy_gan
    data = TensorData(torch.randn(64, 2))
    kw = dict(name="toy", hyper={}, steps=2, batch_size=16, seed=0, progress=False, verbose=False)
    train_gan_cached(lambda: toy_gan(hidden=(8,)), data, **kw)
    with pytest.raises(ConfigDoesNotDescribeModel, match=r"same name and hyper.*put what differs .* in hyper"):
        train_gan_cached(lambda: toy_gan(hidden=(16,)), data, **kw)


def test_checkpoint_of_an_older_format_is_retrained(home, capsys):
    calls = []
    save_checkpoint(dict(make_checkpoint(make(), CONFIG), format=1), checkpoint_path(CONFIG))
    load_or_train(make(), trainer(calls), CONFIG)
    assert len(calls) == 1 and "not a gencore checkpoint of this version" in capsys.readouterr().out


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    save_checkpoint({"v": torch.ones(2)}, path)

    def crash(obj, f):
        f.write(b"half")
        raise KeyboardInterrupt
    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({"v": torch.zeros(2)}, path)
    assert torch.equal(torch.load(path)["v"], torch.ones(2))   # the old file is intact
    assert os.listdir(tmp_path) == ["m.pt"]                     # no temporary file left behind


# ------------------------------------------------------------------ the key holds the data's content
def test_fingerprint_depends_on_content_not_layout():
    x = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    labels = torch.tensor([0, 1, 0, 1])
    assert fingerprint(TensorData(x, labels)) == fingerprint(TensorData(x.clone(), labels.clone()))
    assert fingerprint(x.t().contiguous().t()) == fingerprint(x)            # memory layout does not matter
    assert fingerprint(x) == fingerprint(TensorData(x))
    different = {fingerprint(x), fingerprint(x + 1e-6 * (x == 5)), fingerprint(x.reshape(6, 4)),
                 fingerprint(x.double()), fingerprint(TensorData(x, labels)),
                 fingerprint(TensorData(x, 1 - labels)), fingerprint(torch.zeros(0, 6))}
    assert len(different) == 7
    assert len(fingerprint(x)) == 32


def test_different_data_of_the_same_shape_trains_separately(home, fits):
    gen = torch.Generator().manual_seed(0)
    a, b = moons(64, generator=gen), swiss_roll(64, generator=gen)
    assert a.shape == b.shape
    model_a, _ = fit_tiny(a)
    model_b, _ = fit_tiny(b)
    assert len(fits) == 2
    assert not torch.equal(model_a.lin.weight, model_b.lin.weight)
    again, _ = fit_tiny(a.clone())                                            # same content: loaded
    assert len(fits) == 2 and torch.equal(again.lin.weight, model_a.lin.weight)


def test_subsets_drawn_with_different_seeds_train_separately(home, fits):
    first = load_dataset("sprites", subset=64, seed=0)
    second = load_dataset("sprites", subset=64, seed=1)
    fit_tiny(first)
    fit_tiny(second)
    assert len(fits) == 2
    fit_tiny(load_dataset("sprites", subset=64, seed=0))
    assert len(fits) == 2


def test_binarisation_mode_is_part_of_the_key(home, fits):
    fit_tiny(load_dataset("sprites", subset=64))
    fit_tiny(load_dataset("sprites", subset=64, binarize="dynamic"))         # sprites are 0/255: same bytes
    assert len(fits) == 2


# ------------------------------------------------------------------ damaged weights
def flip_tensor_bytes_in_place(path):
    """Invert the first stored tensor's bytes inside the file, leaving the zip archive itself readable."""
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist() if "/data/" in i.filename and i.file_size > 0)
    with open(path, "r+b") as f:
        f.seek(info.header_offset)
        header = f.read(30)                                   # local file header: name and extra lengths
        start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") \
            + int.from_bytes(header[28:30], "little")
        f.seek(start)
        data = f.read(info.file_size)
        f.seek(start)
        f.write(bytes(b ^ 0xFF for b in data))


def test_damaged_weights_are_reported_and_retrained(home, capsys):
    calls = []
    path = checkpoint_path(CONFIG)
    load_or_train(make(), trainer(calls), CONFIG)
    flip_tensor_bytes_in_place(path)
    torch.load(path, weights_only=True)                       # still loads: only the checksum can tell
    model = make()
    load_or_train(model, trainer(calls), CONFIG)
    out = capsys.readouterr().out
    assert len(calls) == 2 and "unusable" in out and "checksum" in out
    expected = make()
    trainer([])(expected)
    for p, q in zip(model.parameters(), expected.parameters()):
        assert torch.equal(p, q)


# ------------------------------------------------------------------ configurations holding Python objects
def test_configuration_with_a_python_object_trains_once_then_loads(home, capsys):
    calls = []
    config = dict(CONFIG, activation=nn.SiLU, hidden=(4,))
    load_or_train(make(), trainer(calls), config)
    load_or_train(make(), trainer(calls), config)
    out = capsys.readouterr().out
    assert len(calls) == 1 and "Loaded cached model" in out and "unusable" not in out


# ------------------------------------------------------------------ unwritable cache folder
def test_unwritable_cache_folder_fails_before_training(tmp_path):
    (tmp_path / "file").write_text("a regular file")
    folder = tmp_path / "file" / "models"
    calls = []
    with pytest.raises(CacheNotWritable, match="GENCORE_HOME") as e:
        load_or_train(make(), trainer(calls), CONFIG, cache_dir=folder)
    assert calls == [] and str(folder) in str(e.value)
    assert isinstance(e.value, OSError)


def test_failed_save_keeps_the_trained_model_and_says_not_cached(home, monkeypatch, capsys):
    def disk_full(obj, path):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(cache, "save_checkpoint", disk_full)
    calls = []
    model = make()
    history = load_or_train(model, trainer(calls), CONFIG)
    assert len(calls) == 1 and history["train/loss"] == [0.5]
    expected = make()
    trainer([])(expected)
    for p, q in zip(model.parameters(), expected.parameters()):
        assert torch.equal(p, q)                              # the trained weights are kept
    out = capsys.readouterr().out
    assert "not cached" in out and "No space left" in out
    assert not checkpoint_path(CONFIG).exists()


# ------------------------------------------------------------------ nothing trained, nothing cached
def test_empty_training_data_is_refused(home, fits):
    with pytest.raises(ValueError, match="no examples"):
        fit_tiny(torch.zeros(0, 2))
    assert fits == []


@pytest.mark.parametrize("result", [None, History()], ids=["none", "empty-history"])
def test_train_returning_no_epochs_is_not_cached(home, result):
    with pytest.raises(ValueError, match="was not cached"):
        load_or_train(make(), lambda m: result, CONFIG)
    assert not checkpoint_path(CONFIG).exists()


def test_zero_epochs_is_refused_in_one_sentence_without_caching(home, fits):
    with pytest.raises(ValueError, match=r"epochs=0 trains nothing.*at least 1"):
        fit_cached(Tiny, torch.randn(8, 2), name="tiny", hyper={}, epochs=0, progress=False)
    assert fits == [] and not any(home.cache_dir.glob("*"))


def test_a_tensor_in_the_configuration_is_refused(home):
    with pytest.raises(TypeError, match=r"config\['data'\].*fingerprint"):
        load_or_train(make(), trainer([]), dict(CONFIG, data=torch.zeros(300)))


# ------------------------------------------------------------------ temporary files of killed saves
def test_stale_temporary_files_are_removed(home):
    path = checkpoint_path(CONFIG)
    path.parent.mkdir(parents=True)
    old = time.time() - 2 * cache.STALE_TMP_SECONDS
    stale, fresh = path.parent / f"{path.name}.abc123.tmp", path.parent / f"{path.name}.def456.tmp"
    other = path.parent / "other-0123456789abcdef.pt.abc123.tmp"
    for f in (stale, fresh, other):
        f.write_bytes(b"half")
    for f in (stale, other):
        os.utime(f, (old, old))
    load_or_train(make(), trainer([]), CONFIG, verbose=False)                   # when training and saving
    assert not stale.exists() and fresh.exists() and other.exists()
    stale.write_bytes(b"half")
    os.utime(stale, (old, old))
    load_or_train(make(), trainer([]), CONFIG, verbose=False)                   # and when loading
    assert not stale.exists() and fresh.exists()


# ------------------------------------------------------------------------------------------ resuming
def test_an_interrupted_fit_cached_resumes_after_its_last_epoch_and_matches_an_uninterrupted_run(tmp_path, capsys):
    import gencore
    from gencore.cache import fit_cached
    from gencore.vae import VAE

    gencore.setup(seed=0, home=tmp_path / "a", threads=1, verbose=False)
    data = (torch.rand(200, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    kw = dict(name="vae", hyper=dict(latent_dim=2), epochs=4, batch_size=50, progress=False)

    def build(shape):
        return VAE(2, hidden=[32], in_shape=shape)

    reference, ref_history = fit_cached(build, data, **kw)

    gencore.setup(seed=0, home=tmp_path / "b", threads=1, verbose=False)
    calls = {"n": 0}

    class Dying(VAE):
        def loss(self, x, y=None):
            calls["n"] += 1
            if calls["n"] == 2 * 4 + 1:          # 4 batches per epoch: die at the first batch of epoch 3
                raise KeyboardInterrupt
            return super().loss(x, y)

    with pytest.raises(KeyboardInterrupt):
        fit_cached(lambda shape: Dying(2, hidden=[32], in_shape=shape), data, **kw)
    config_files = list((tmp_path / "b" / "models").glob("*.partial"))
    assert len(config_files) == 1 and not list((tmp_path / "b" / "models").glob("*.pt"))
    capsys.readouterr()
    resumed, history = fit_cached(build, data, **kw)
    assert "Resuming vae after epoch 2 of 4" in capsys.readouterr().out
    assert len(history) == 4 and history["train/loss"] == pytest.approx(ref_history["train/loss"], rel=1e-5)
    for a, b in zip(reference.state_dict().values(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6)
    assert not list((tmp_path / "b" / "models").glob("*.partial"))      # removed once the model is cached


def test_a_damaged_progress_file_is_reported_and_training_starts_over(tmp_path, capsys):
    import gencore
    from gencore.cache import fit_cached
    from gencore.vae import VAE

    gencore.setup(seed=0, home=tmp_path, threads=1, verbose=False)
    data = (torch.rand(100, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    kw = dict(name="vae", hyper=dict(latent_dim=2), epochs=2, batch_size=50, progress=False)
    model, _ = fit_cached(lambda s: VAE(2, hidden=[16], in_shape=s), data, **kw, verbose=False)
    path = next((tmp_path / "models").glob("*.pt"))
    path.unlink()
    partial = path.with_name(path.stem + ".partial")
    partial.write_bytes(b"not a checkpoint")
    capsys.readouterr()
    again, history = fit_cached(lambda s: VAE(2, hidden=[16], in_shape=s), data, **kw, verbose=False)
    assert "is unusable" in capsys.readouterr().out and len(history) == 2
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


# ------------------------------------------------------------------ a shared folder of models
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_cached_models_get_the_users_umask_permissions(tmp_path, umask, mode):
    """A model written into a shared GENCORE_HOME is readable by the others when the umask says so (mkstemp's
    0600 is not kept)."""
    import gencore

    gencore.setup(seed=0, quick=True, home=tmp_path, device="cpu", threads=1, verbose=False)
    old = os.umask(umask)
    try:
        fit_tiny(swiss_roll(64))
    finally:
        os.umask(old)
    saved = list((tmp_path / "models").glob("tiny-*.pt"))
    assert len(saved) == 1 and saved[0].stat().st_mode & 0o777 == mode


def _shared(tmp_path, monkeypatch):
    """An instructor's cache holding CONFIG's model, and a student's own empty home reading it as shared."""
    import gencore

    teacher = tmp_path / "teacher"
    gencore.setup(seed=0, home=teacher, device="cpu", threads=1, verbose=False)
    load_or_train(make(), trainer([]), CONFIG)
    monkeypatch.setenv("GENCORE_SHARED_MODELS", str(teacher / "models"))
    cfg = gencore.setup(seed=0, home=tmp_path / "student", device="cpu", threads=1, verbose=False)
    return teacher / "models", cfg


def test_a_shared_read_only_cache_is_looked_up_before_training(tmp_path, monkeypatch, capsys):
    shared, cfg = _shared(tmp_path, monkeypatch)
    before = {p.name: p.stat().st_mtime_ns for p in shared.iterdir()}
    capsys.readouterr()
    calls = []
    model = make()
    history = load_or_train(model, trainer(calls), CONFIG)
    assert calls == [] and history["train/loss"] == [0.5]
    expected = make()
    trainer([])(expected)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), expected.parameters()))
    assert f"from the shared cache {shared}" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in shared.iterdir()} == before      # nothing written there
    assert not list(cfg.cache_dir.glob("*.pt"))                                      # nor copied


def test_an_unusable_shared_model_is_reported_and_trained_into_the_users_own_cache(tmp_path, monkeypatch, capsys):
    shared, cfg = _shared(tmp_path, monkeypatch)
    path = checkpoint_path(CONFIG, shared)
    path.write_bytes(path.read_bytes()[:100])                  # truncated
    capsys.readouterr()
    calls = []
    load_or_train(make(), trainer(calls), CONFIG)
    out = capsys.readouterr().out
    assert len(calls) == 1 and f"{path} is unusable" in out and "not used" in out
    assert checkpoint_path(CONFIG).parent == cfg.cache_dir and checkpoint_path(CONFIG).exists()
    assert path.stat().st_size == 100                          # the shared file is left alone


def test_gencore_shared_models_must_name_folders(tmp_path, monkeypatch):
    import gencore

    monkeypatch.setenv("GENCORE_SHARED_MODELS", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"GENCORE_SHARED_MODELS=.*missing.* is not a folder"):
        gencore.setup(seed=0, home=tmp_path, verbose=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.setenv("GENCORE_SHARED_MODELS", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert gencore.setup(seed=0, home=tmp_path, verbose=False).shared_models == (tmp_path / "a", tmp_path / "b")


def test_the_cache_log_says_what_was_trained_and_what_loaded(tmp_path, monkeypatch):
    shared, cfg = _shared(tmp_path, monkeypatch)
    load_or_train(make(), trainer([]), CONFIG)                                   # from the shared folder
    load_or_train(make(), trainer([]), dict(CONFIG, epochs=3))                   # trained here
    load_or_train(make(), trainer([]), dict(CONFIG, epochs=3))                   # then loaded
    name, other = checkpoint_path(CONFIG).name, checkpoint_path(dict(CONFIG, epochs=3)).name
    events = [line.split("\t")[1:] for line in (cfg.cache_dir / "cache.log").read_text().splitlines()]
    assert [e[:2] for e in events] == [["loaded", name], ["trained", other], ["loaded", other]]
    assert events[0][2] == f"from {shared}"
    assert [line.split("\t")[1:3] for line in (shared / "cache.log").read_text().splitlines()] == [["trained", name]]


def test_two_processes_needing_one_model_train_it_once(home, capsys):
    """The second caller of a model that is being trained waits for the first and loads its weights (two notebooks
    or two test workers sharing a cache train the shared classifier once, not twice)."""
    import threading

    calls, started, results = [], threading.Event(), {}

    def slow(model):
        started.set()
        time.sleep(1.0)                 # long enough for the second caller to reach the lock
        return trainer(calls)(model)

    def first():
        results["first"] = (load_or_train(model := make(), slow, CONFIG), model)

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(10)
    second = make()
    history = load_or_train(second, trainer(calls), CONFIG)   # flock locks conflict between two open() calls
    thread.join()
    assert len(calls) == 1, "the model was trained twice"
    assert "waiting for it to finish, then loading it" in capsys.readouterr().out
    first_history, first_model = results["first"]
    assert history.to_dict() == first_history.to_dict()
    for a, b in zip(first_model.parameters(), second.parameters()):
        assert torch.equal(a, b)
    log = (checkpoint_path(CONFIG).parent / "cache.log").read_text()
    assert log.count("\ttrained\t") == 1 and log.count("\tloaded\t") == 1


def test_a_waiting_process_trains_itself_when_the_first_one_failed(home):
    import threading

    calls, started = [], threading.Event()

    def failing(model):
        started.set()
        time.sleep(1.0)
        raise KeyboardInterrupt  # stands for an interrupted kernel: nothing is saved, the lock is released

    def first():
        with pytest.raises(KeyboardInterrupt):
            load_or_train(make(), failing, CONFIG)

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(10)
    load_or_train(make(), trainer(calls), CONFIG)
    thread.join()
    assert len(calls) == 1 and checkpoint_path(CONFIG).exists()


def test_a_file_system_without_locks_trains_as_before(home, monkeypatch):
    fcntl = pytest.importorskip("fcntl")

    def unsupported(handle, operation):
        raise OSError(38, "Function not implemented")      # ENOLCK/ENOSYS on some network shares

    monkeypatch.setattr(fcntl, "flock", unsupported)
    calls = []
    load_or_train(make(), trainer(calls), CONFIG)
    assert calls == [1] and checkpoint_path(CONFIG).exists()


def test_a_train_function_that_leaves_the_model_unchanged_caches_nothing(home):
    other = make()

    def trains_another(model):
        return trainer([])(other)                   # the lambda trains another model than the one it is given
    with pytest.raises(ValueError, match=r"^train\(model\) did not change the model it was given"):
        load_or_train(make(), trains_another, CONFIG)
    assert not checkpoint_path(CONFIG).exists()


def test_a_dataset_in_the_configuration_is_refused_before_training(home):
    data, calls = TensorData(torch.zeros(8, 3)), []
    with pytest.raises(TypeError, match=r"^config\['data'\] is a dataset \(TensorData\).*fingerprint\(data\)"):
        load_or_train(make(), trainer(calls), dict(CONFIG, data=data))
    assert calls == []
    load_or_train(make(), trainer(calls), dict(CONFIG, data=fingerprint(data)))       # its fingerprint is the key
    assert calls == [1]


def test_a_typod_training_option_of_train_gan_cached_is_named_before_anything_is_built(home):
    from gencore.gan import toy_gan

    built = []
    with pytest.raises(TypeError, match=r"^beta is not an option of train_gan_cached or train_gan; did you mean "
                                        r"betas\?"):
        cache.train_gan_cached(lambda: built.append(1) or toy_gan(hidden=(8,)), torch.randn(64, 2), name="g", hyper={},
                               steps=2, beta=(0.5, 0.999), progress=False, verbose=False)
    with pytest.raises(TypeError, match=r"^wibble is not an option .*; they take batch_size, lr"):
        cache.train_gan_cached(lambda: built.append(1) or toy_gan(hidden=(8,)), torch.randn(64, 2), name="g", hyper={},
                               steps=2, wibble=1, progress=False, verbose=False)
    assert built == [] and not any(home.cache_dir.glob("*.pt"))
