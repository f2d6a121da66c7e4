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
    # gencore.course.pretrain's calls (what `gencore pretrain` trains for each notebook)
    "01_autoencoders.ipynb": [
        'EPOCHS = cfg.pick(full=10, quick=2)', 'SUBSET = cfg.pick(full=None, quick=2000)',
        'TEST_SUBSET = cfg.pick(full=None, quick=1000)', 'LATENT_SIZES = [2, 4, 8, 16, 32]',
        'train = load_dataset(cfg.dataset, "train", subset=SUBSET)',
        'test = load_dataset(cfg.dataset, "test", subset=TEST_SUBSET)',
        'train_autoencoder(train, test=test, latent_dim=d, epochs=EPOCHS, name="ae")',
        'N_ROLL = cfg.pick(full=3000, quick=1000)',
        'roll, roll_coords = swiss_roll(N_ROLL, dim=3, return_t=True, generator=torch.Generator().manual_seed(0))',
        'roll_std = (roll - roll.mean(0)) / roll.std(0).pow(2).mean().sqrt()',
        '    TensorData(roll_std), latent_dim=2, epochs=cfg.pick(full=300, quick=15), likelihood="gaussian",\n'
        '    hidden=(128, 128, 128), activation="silu", batch_size=64, dataset="swiss_roll(dim=3, seed=0), centred, '
        'one scale",\n    name="ae-swiss-roll")',
    ],
    "03_vae.ipynb": [
        'train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=None, quick=3000))',
        'test = load_dataset(cfg.dataset, "test", binarize="static", subset=cfg.pick(full=None, quick=500))',
        'config = dict(name="vae", kind="mlp", latent_dim=16, hidden=[256, 256], beta=1.0, dataset=cfg.dataset,\n'
        '              binarize="dynamic", subset=len(train), epochs=cfg.pick(full=30, quick=3), lr=1e-3, '
        'batch_size=128,\n              quick=cfg.quick, seed=cfg.seed)',
        'torch.manual_seed(config["seed"])\nvae = VAE(latent_dim=config["latent_dim"], '
        'hidden=tuple(config["hidden"])).to(cfg.device)\nhistory = load_or_train(\n'
        '    vae, lambda m: fit(m, train, test=test, epochs=config["epochs"], lr=config["lr"],\n'
        '                       batch_size=config["batch_size"], optimizer=adam(m, config["lr"]), desc="VAE d=16"),\n'
        '    config=config)',
        'vae2, history2 = train_vae(train, test=test, latent_dim=2, hidden=(256, 256), '
        'epochs=cfg.pick(full=20, quick=3),\n                           name="vae-2d")',
        'sweep_epochs = cfg.pick(full=5, quick=2)', 'sizes = cfg.pick(full=[2, 4, 8, 16, 32, 64], quick=[2, 8, 32])',
        'train_vae(train, latent_dim=d, hidden=(256, 256), epochs=sweep_epochs, name="vae-au",\n'
        '                                         verbose=False)',
        'd_ref = 16 if 16 in sizes else sizes[len(sizes) // 2]',
        'train_vae(train, latent_dim=d_ref, hidden=(256, 256), epochs=sweep_epochs, name="vae-au",\n'
        '                          seed=cfg.seed + 1, verbose=False)',
        'betas = cfg.pick(full=[0.25, 0.5, 1.0, 2.0, 4.0, 8.0], quick=[0.5, 1.0, 4.0])',
        '    if beta == 1.0 and 16 in au_models:',
        'train_vae(train, latent_dim=16, hidden=(256, 256), beta=beta,\n' + ' ' * 60
        + 'epochs=sweep_epochs, name="vae-beta", verbose=False)',
    ],
    "04_conditional_vae.ipynb": [
        'cvae, cvae_history = train_cvae(train, test=test, **arch, **budget)',
        'sprite_train = load_dataset("sprites", "train", binarize="dynamic", subset=cfg.pick(full=None, quick=3000))',
        'sprite_test = load_dataset("sprites", "test", binarize="static", subset=cfg.pick(full=None, quick=500))',
        'sprite_budget = dict(budget, epochs=cfg.pick(full=10, quick=3))',
        'sprite_vae, _ = train_vae(sprite_train, test=sprite_test, **arch, **sprite_budget)',
        'sprite_cvae, _ = train_cvae(sprite_train, test=sprite_test, **arch, **sprite_budget)',
        'load_classifier("sprites")',
        'train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=None, quick=3000))',
        'arch = dict(latent_dim=16, hidden=[256, 256])',
        'budget = dict(epochs=30, lr=1e-3, batch_size=128)',
        'vae, vae_history = train_vae(train, test=test, **arch, **budget)',
        'train_cvae(train, test=test, **arch, beta=2.0, **budget, name="cvae-beta2")',
        'load_classifier(cfg.dataset)',
    ],
    "05_draw.ipynb": [
        'vae_config = dict(name="vae", kind="mlp", latent_dim=16, hidden=[256, 256], beta=1.0, dataset=cfg.dataset,\n'
        '                  binarize="dynamic", subset=len(train), epochs=cfg.pick(full=30, quick=3), lr=1e-3,\n'
        '                  batch_size=128, quick=cfg.quick, seed=cfg.seed)',
        'optimizer=adam(m, vae_config["lr"]), desc="VAE d=16")',
        'draw_config = dict(T=cfg.pick(full=10, quick=4), read_n=6, write_n=12, hidden=128, latent_dim=10,\n'
        '                   epochs=cfg.pick(full=5, quick=2), lr=3e-3, batch_size=128)',
        'draw_train = load_dataset(cfg.dataset, "train", binarize="dynamic", subset=cfg.pick(full=20000, quick=3000))',
        'train_draw(draw_train, test=test, attention=True, **draw_config)',
        'train_draw(draw_train, test=test, attention=False, **draw_config)',
    ],
    "06_gan.ipynb": [
        '    sign = torch.randint(0, 2, (n, 1), generator=g) * 2.0 - 1.0\n'
        '    return 1.5 * sign + 0.4 * torch.randn(n, 1, generator=g)',
        '    return 1.0 + 0.5 * torch.randn(n, 1, generator=g)',
        'd_steps_1d = cfg.pick(full=3000, quick=300)', '    opt = torch.optim.Adam(d.parameters(), lr=1e-3)',
        '        loss = discriminator_loss(d(sample_data_1d(512, g)), d(sample_g_1d(512, g)))',
        'torch.manual_seed(0)\nd_1d = MLPDiscriminator(in_dim=1, hidden=(64, 64))\nload_or_train(d_1d, train_d_1d, '
        'dict(name="gan06-d-1d", steps=d_steps_1d, quick=cfg.quick, seed=0))',
        '    for step in range(300):\n        x = toy.ring(256, std=0.02, generator=g).to(cfg.device)\n'
        '        with torch.no_grad():\n            fake = gan.generator(gan.noise(256, g))\n'
        '        loss = discriminator_loss(gan.discriminator(x), gan.discriminator(fake))',
        'torch.manual_seed(0)\nconfident = toy_gan().to(cfg.device)\nload_or_train(confident, train_d_alone, '
        'dict(name="gan06-d-alone", steps=300, quick=cfg.quick, seed=0))',
        'ring_data = toy.ring(100_000, 8, 2.0, 0.02, generator=torch.Generator().manual_seed(0))',
        'early_steps = cfg.pick(full=2000, quick=200)',
        'early_snaps = sorted({0, early_steps // 4, early_steps // 2, early_steps})',
        'for loss_name in ("minimax", "non-saturating"):\n    gan, hist, snaps = train_gan_cached(toy_gan, ring_data, '
        'name=f"gan06-ring-{loss_name}", hyper=dict(toy="ring"),\n                                        '
        'steps=early_steps, snapshots=early_snaps, n_snapshot=2500, batch_size=256,\n'
        '                                        lr=2e-4, betas=(0.5, 0.999), loss=loss_name, seed=0)',
        'toy_steps = cfg.pick(full=10000, quick=300)',
        'toy_snaps = sorted({0, round(toy_steps * 0.02), *[round(toy_steps * j / 40) for j in range(1, 41)]})',
        '"grid": (toy.grid(100_000, 5, 2.0, 0.05, generator=torch.Generator().manual_seed(0)), ',
        'RECIPES = {"classic": (dict(), dict(lr=2e-4, betas=(0.5, 0.999))),\n'
        '           "stabilised": (dict(spectral_norm=True), dict(lr=1e-3, betas=(0.0, 0.9), decay=True))}',
        'train_gan_cached(lambda kw=model_kw: toy_gan(**kw), data, name=f"gan06-{data_name}-{recipe}",\n'
        '                                            hyper=dict(toy=data_name, **model_kw), steps=toy_steps, '
        'snapshots=toy_snaps,\n                                            n_snapshot=2500, batch_size=256, seed=0, '
        '**train_kw)',
        'load_classifier(cfg.dataset)',
        'images = load_dataset(cfg.dataset, "train", subset=cfg.pick(full=None, quick=3000))',
        'dc_steps = cfg.pick(full=6000, quick=150)',
        'dc_snaps = sorted({0, dc_steps // 20, dc_steps // 6, dc_steps // 2, dc_steps})',
        '    lambda: image_gan(in_shape=images.shape, g_channels=(64, 32), d_channels=(32, 64)), images, '
        'name="gan06-dcgan",\n'
        '    hyper=dict(g_channels=[64, 32], d_channels=[32, 64]), steps=dc_steps, snapshots=dc_snaps, n_snapshot=64,\n'
        '    batch_size=64, lr=cfg.pick(full=2e-4, quick=1e-3), betas=(0.5, 0.999), seed=0)',
    ],
    "07_conditional_gan.ipynb": [
        'load_classifier(cfg.dataset)',
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
        assert call in source, (f"{notebook} no longer contains {call!r}: update gencore/course/zoo.py or "
                               f"pretrain.py to match")


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


def test_sample_refuses_a_conditional_model_under_the_unconditional_name(tmp_path):
    gencore.setup(seed=0, quick=True, dataset="sprites", home=tmp_path, threads=1, verbose=False)
    from gencore.cvae import ConditionalVAE
    from gencore.gan import image_gan

    cvae = ConditionalVAE(4, 3, hidden=[16]).eval()        # a ConditionalVAE is a VAE: isinstance alone lets it in
    with pytest.raises(TypeError, match=r"^zoo\.sample\('vae', \.\.\.\) samples an unconditional VAE, but model is a "
                                        r"ConditionalVAE of 3 classes; use zoo\.sample\('cvae', \.\.\.\)\.$"):
        zoo.sample("vae", cvae, 8)
    cgan = image_gan(n_classes=3, g_channels=(8, 4), d_channels=(4, 8), noise_dim=8).eval()
    with pytest.raises(TypeError, match=r"use zoo\.sample\('cgan', \.\.\.\)"):
        zoo.sample("gan", cgan, 8)
