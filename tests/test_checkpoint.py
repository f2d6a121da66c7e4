"""gencore.checkpoint, the leaf module for files of training state: atomic writes with the user's permissions,
the weights' checksum, and the progress of a run used only by the same run."""
import os

import pytest
import torch
from torch import nn

from gencore.checkpoint import load_progress, save_checkpoint, save_progress, state_shapes, weights_checksum


def test_a_checkpoint_is_written_atomically_with_the_permissions_the_umask_gives(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_checkpoint({"v": torch.arange(3)}, tmp_path / "sub" / "a.pt")
        assert (path.stat().st_mode & 0o777) == 0o644              # readable by a class sharing the folder
        os.umask(0o077)
        assert (save_checkpoint({"v": 1}, tmp_path / "b.pt").stat().st_mode & 0o777) == 0o600
    finally:
        os.umask(old)
    assert torch.equal(torch.load(path)["v"], torch.arange(3))
    assert [p.name for p in path.parent.iterdir()] == ["a.pt"]     # no temporary file left


def test_the_checksum_sees_every_name_shape_dtype_and_byte():
    state = nn.Linear(3, 2).state_dict()
    base = weights_checksum(state)
    assert weights_checksum(dict(state)) == base
    changed = {k: v.clone() for k, v in state.items()}
    changed["bias"][0] += 1e-7
    assert weights_checksum(changed) != base
    assert weights_checksum({**state, "weight": state["weight"].double()}) != base
    assert weights_checksum({"renamed": state["weight"], "bias": state["bias"]}) != base


def test_progress_is_returned_only_to_the_run_that_wrote_it(tmp_path, capsys):
    path = tmp_path / "p.pt"
    run = dict(seed=0, lr=0.1, weights=state_shapes(nn.Linear(3, 2)))
    assert load_progress(path, run, what="m") is None                                      # no file
    save_progress(path, run, 2, {"x": 1})
    assert load_progress(path, run, what="m") == {"done": 2, "state": {"x": 1}}
    with pytest.raises(ValueError, match=r"seed 0, not seed 1; pass seed=0 \(or no seed\) to continue it"):
        load_progress(path, {**run, "seed": 1}, what="m")                                  # another seed
    with pytest.raises(ValueError, match=r"another configuration \(lr: 0.1 in the file, 0.2 now\)"):
        load_progress(path, {**run, "lr": 0.2}, what="m")
    with pytest.raises(ValueError, match="weights: "):
        load_progress(path, {**run, "weights": state_shapes(nn.Linear(3, 4))}, what="m")
    path.write_bytes(b"\0garbage")
    assert load_progress(path, run, what="m") is None and "unusable" in capsys.readouterr().out


def test_model_settings_record_the_layers_activations_and_a_fixed_obs_std():
    from gencore.checkpoint import model_settings
    from gencore.vae import VAE

    torch.manual_seed(0)
    relu, tanh = VAE(latent_dim=2, hidden=[8]), VAE(latent_dim=2, hidden=[8], activation="tanh")
    assert model_settings(relu)["model.activations"] == ["ReLU()"]
    assert model_settings(tanh)["model.activations"] == ["Tanh()"]
    assert model_settings(relu)["model.layers"] != model_settings(tanh)["model.layers"]
    assert model_settings(relu) == model_settings(VAE(latent_dim=2, hidden=[8]))          # the same model: equal
    gaussian = VAE(latent_dim=2, hidden=[8], likelihood="gaussian", obs_std=0.25)
    assert model_settings(gaussian)["model.obs_std"] == 0.25
    assert model_settings(VAE(latent_dim=2, hidden=[8], likelihood="gaussian", obs_std="learned"))[
        "model.obs_std"] == "learned"
    layers = model_settings(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.Dropout(0.3)))["model.layers"]
    assert layers == {"0": "Conv2d(1, 2, kernel_size=(3, 3), stride=(2, 2))", "1": "Dropout(p=0.3, inplace=False)"}


def test_a_dataset_in_a_configuration_is_refused_as_a_tensor_is():
    from gencore.checkpoint import normalise
    from gencore.data import TensorData

    data = TensorData(torch.zeros(4, 2))
    with pytest.raises(TypeError, match=r"^config\['train'\] is a dataset \(TensorData\).*fingerprint\(train\)"):
        normalise({"name": "m", "train": data})
    with pytest.raises(TypeError, match=r"^The configuration holds a dataset \(TensorData\).*fingerprint"):
        normalise({"name": "m", "training": {"data": data}})
    assert normalise({"name": "m", "act": nn.SiLU(), "hidden": (8, 8)}) == {"name": "m", "act": "SiLU()",
                                                                           "hidden": [8, 8]}
