"""gencore.course.zoo: the course's models with their notebooks' configurations (one cache entry per model)."""
import json
from pathlib import Path

import pytest
import torch

import gencore
from gencore.course import zoo

ROOT = Path(__file__).resolve().parents[1]


def _source(notebook: str) -> str:
    cells = json.loads((ROOT / "solutions" / notebook).read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


# What each notebook must still call for zoo.load to find its cache entry. Editing a notebook's configuration
# without zoo.py (or the reverse) fails here.
NOTEBOOK_CALLS = {
    "04_conditional_vae.ipynb": [
        'train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=None, quick=3000))',
        'arch = dict(latent_dim=16, hidden=[256, 256])',
        'budget = dict(epochs=30, lr=1e-3, batch_size=128)',
        'vae, vae_history = train_vae(train, test=test, **arch, **budget)',
        'train_cvae(train, test=test, **arch, beta=2.0, **budget, name="cvae-beta2")',
        'load_classifier(cfg.dataset)',
    ],
    "05_draw.ipynb": [
        'draw_config = dict(T=cfg.pick(full=10, quick=4), read_n=6, write_n=12, hidden=128, latent_dim=10,\n'
        '                   epochs=cfg.pick(full=5, quick=2), lr=3e-3, batch_size=128)',
        'draw_train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=20000, quick=3000))',
        'train_draw(draw_train, test=test, attention=True, **draw_config)',
        'train_draw(draw_train, test=test, attention=False, **draw_config)',
    ],
    "06_gan.ipynb": [
        'images = load_dataset(cfg.dataset, "train", subset=cfg.pick(full=None, quick=3000))',
        'dc_steps = cfg.pick(full=6000, quick=150)',
        'dc_snaps = sorted({0, dc_steps // 20, dc_steps // 6, dc_steps // 2, dc_steps})',
        '    lambda: image_gan(in_shape=images.shape, g_channels=(64, 32), d_channels=(32, 64)), images, '
        'name="gan06-dcgan",\n'
        '    hyper=dict(g_channels=[64, 32], d_channels=[32, 64]), steps=dc_steps, snapshots=dc_snaps, n_snapshot=64,\n'
        '    batch_size=64, lr=cfg.pick(full=2e-4, quick=1e-3), betas=(0.5, 0.999), seed=0)',
    ],
    "07_conditional_gan.ipynb": [
        'images = load_dataset(cfg.dataset, "train", subset=cfg.pick(full=None, quick=3000))',
        'gan_hyper = dict(n_classes=K, g_channels=[64, 32], d_channels=[32, 64], auxiliary=True)',
        'gan_steps = cfg.pick(full=6000, quick=150)',
        'gan_snaps = sorted({0, gan_steps // 10, gan_steps // 3, gan_steps})',
        '    lambda: image_gan(in_shape=images.shape, n_classes=K, g_channels=(64, 32), d_channels=(32, 64),\n'
        '                      auxiliary=True), images,\n'
        '    name="cgan07", hyper=gan_hyper, steps=gan_steps, snapshots=gan_snaps, n_snapshot=8 * K,\n'
        '    batch_size=64, lr=cfg.pick(full=2e-4, quick=1e-3), betas=(0.5, 0.999), auxiliary=1.0, seed=0)',
        'binary_train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=None, '
        'quick=3000))',
        'budget = dict(epochs=30, lr=1e-3, batch_size=128)',
        'train_cvae(binary_train, test=binary_test, **arch, beta=2.0, **budget, name="cvae-beta2")',
    ],
}


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_CALLS))
def test_notebooks_make_the_calls_the_zoo_makes(notebook):
    source = _source(notebook)
    for call in NOTEBOOK_CALLS[notebook]:
        assert call in source, f"{notebook} no longer contains {call!r}: update gencore/zoo.py to match"


def test_unknown_model_lists_the_choices():
    with pytest.raises(ValueError, match="the course's models are: vae, cvae"):
        zoo.load("vqvae")


def test_zoo_vae_is_the_cache_entry_a_second_call_loads(tmp_path, capsys):
    gencore.setup(seed=0, quick=True, dataset="sprites", home=tmp_path, threads=1)
    model, history = zoo.load("vae", progress=False)
    assert len(history) == 30
    again, _ = zoo.load("vae", progress=False)
    assert "Loaded" in capsys.readouterr().out
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    images, labels = zoo.sample("vae", model, 7, generator=torch.Generator().manual_seed(0))
    assert images.shape == (7, 1, 28, 28) and labels is None and 0 <= images.min() and images.max() <= 1


def test_sample_gives_n_images_or_says_why_not(tmp_path):
    """n images as the docstring promises: labels of another length are refused, not silently obeyed."""
    gencore.setup(seed=0, quick=True, dataset="sprites", home=tmp_path, threads=1, verbose=False)
    from gencore.cvae import ConditionalVAE
    from gencore.vae import VAE

    cvae = ConditionalVAE(4, 3, hidden=[16]).eval()
    images, labels = zoo.sample("cvae", cvae, 4, labels=[2, 0, 1, 2])
    assert images.shape[0] == 4 and labels.tolist() == [2, 0, 1, 2]
    with pytest.raises(ValueError, match=r"labels holds 2 labels but n=5 images were asked for"):
        zoo.sample("cvae", cvae, 5, labels=[0, 1])
    with pytest.raises(ValueError, match="labels are for the conditional models"):
        zoo.sample("vae", VAE(4, hidden=[16]).eval(), 5, labels=[0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match="n must be at least 1"):
        zoo.sample("vae", VAE(4, hidden=[16]).eval(), 0)


@pytest.mark.parametrize("kw, match", [(dict(epochs=0), "epochs must be at least 1"),
                                       (dict(epochs=-1), "epochs must be at least 1"),
                                       (dict(latent=0), "latent must be at least 1"),
                                       (dict(seed=-3), "seed must be at least 0"),
                                       (dict(epochs=2.5), "epochs must be a whole number")])
def test_load_refuses_a_configuration_that_trains_nothing_before_training(tmp_path, kw, match):
    gencore.setup(seed=0, quick=True, dataset="sprites", home=tmp_path, threads=1, verbose=False)
    with pytest.raises((ValueError, TypeError), match=match):
        zoo.load("gan", **kw)
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())
