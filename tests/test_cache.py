import os

import pytest
import torch
from torch import nn

from gencore.cache import checkpoint_path, config_key, load_or_train, save_checkpoint
from gencore.train import History

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
    path = checkpoint_path(CONFIG)
    save_checkpoint({"format": 1, "config": dict(CONFIG, hidden=8), "state_dict": make().state_dict()}, path)
    load_or_train(make(), trainer(calls), CONFIG)
    assert len(calls) == 1 and "another configuration" in capsys.readouterr().out


def test_weights_that_do_not_fit_are_not_used(home, capsys):
    calls = []
    save_checkpoint({"format": 1, "config": CONFIG, "state_dict": nn.Linear(3, 1).state_dict()},
                    checkpoint_path(CONFIG))
    load_or_train(make(), trainer(calls), CONFIG)
    assert len(calls) == 1 and "do not fit" in capsys.readouterr().out


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
