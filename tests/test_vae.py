"""The VAE: shapes, the loss against gencore.variational, gradients, IWAE evaluation, training, helpers."""
import math
import re

import pytest
import torch
import torch.nn.functional as F

from gencore.checks.vae import reparameterize_with, vae_loss
from gencore.data import TensorData, load_dataset
from gencore.data.augment import gaussian_blur
from gencore.evaluation import dataset_elbo, log_likelihood, sharpness
from gencore.train import fit
from gencore.vae import (
    VAE,
    count_active_units,
    decode_prior_grid,
    latent_traversal,
    prior_quantile_grid,
    rate_distortion,
    train_vae,
)
from gencore.variational import bernoulli_log_likelihood, gaussian_kl, gaussian_log_likelihood, iwae_bound
from gencore.viz import latent_explorer

IMG = (1, 28, 28)


def g(seed=0):
    return torch.Generator().manual_seed(seed)


def binary(n, seed=0, shape=IMG):
    return torch.bernoulli(torch.full((n, *shape), 0.3), generator=g(seed))


def small(d=4, kind="mlp", **kw):
    torch.manual_seed(0)
    return VAE(d, kind=kind, hidden=(32,) if kind == "mlp" else (16,), **kw)


# ------------------------------------------------------------------------------------------ shapes
@pytest.mark.parametrize("kind", ["mlp", "conv"])
@pytest.mark.parametrize("d", [1, 2, 5, 16])
def test_shapes_for_odd_batches_and_latent_sizes(kind, d):
    model = small(d, kind)
    for n in (97, 1):
        x = binary(n, n)
        mu, logvar = model.encode(x)
        assert mu.shape == logvar.shape == (n, d)
        probs = model.decode(mu)
        assert probs.shape == (n, *IMG) and probs.min() >= 0 and probs.max() <= 1
        assert model.reconstruct(x).shape == (n, *IMG)
        assert model(x).shape == (n, *IMG)
        terms = model.loss(x, None)
        assert set(terms) == {"loss", "rec", "kl", "elbo"}
        assert all(v.dim() == 0 and torch.isfinite(v) for v in terms.values())
    assert model.sample(7).shape == (7, *IMG)
    draws = model.sample(5, generator=g(), mean=False)
    assert set(draws.unique().tolist()) <= {0.0, 1.0}


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="bernoulli.*gaussian"):
        VAE(2, likelihood="poisson")
    with pytest.raises(ValueError, match="latent_dim"):
        VAE(0)
    with pytest.raises(ValueError, match="beta"):
        VAE(2, beta=-1)
    with pytest.raises(ValueError, match="k must be"):
        log_likelihood(small(), binary(3), k=0)
    with pytest.raises(ValueError, match="2-D latent"):
        decode_prior_grid(small(3))


def test_log_px_given_z_refuses_targets_outside_0_1_and_names_a_swap():
    model = small(2)
    x = binary(8)
    with torch.no_grad():
        logits = model.decoder(3 * torch.randn(8, 2, generator=g()))
    want = bernoulli_log_likelihood(logits, x)
    assert torch.equal(model.log_px_given_z(logits, x), want)                        # valid: the same numbers
    with pytest.raises(ValueError, match=r"^x must hold values in \[0, 1\] \(the Bernoulli targets\), got "
                                         r"-?[\d.]+\.\.[\d.]+: did you swap raw and x \(the decoder's output comes "
                                         r"first, log_px_given_z\(raw, x\)\)\?$"):
        model.log_px_given_z(x, logits)                                               # swapped
    with pytest.raises(ValueError, match=r"^x must hold values in \[0, 1\].*got 0\.\.255 .*divide by 255"):
        model.log_px_given_z(logits, 255 * x)
    gaussian = small(2, likelihood="gaussian")                                        # any real x is a target
    assert gaussian.log_px_given_z(logits, logits).shape == (8,)


def test_every_model_that_takes_in_shape_refuses_channels_last_when_built():
    """One rule (gencore.blocks.channels_first) for every model: (28, 28, 1) is told (1, 28, 28) at once."""
    from gencore.autoencoder import Autoencoder
    from gencore.blocks import make_decoder, make_encoder
    from gencore.classifier import Classifier
    from gencore.cvae import ConditionalVAE
    from gencore.draw import DRAW
    from gencore.gan import DCDiscriminator, image_gan
    builds = {"VAE": lambda s: VAE(2, in_shape=s), "conv VAE": lambda s: VAE(2, kind="conv", in_shape=s),
              "Autoencoder": lambda s: Autoencoder(2, in_shape=s), "cVAE": lambda s: ConditionalVAE(2, 10, in_shape=s),
              "DRAW": lambda s: DRAW(T=2, enc_hidden=8, dec_hidden=8, in_shape=s),
              "image_gan": lambda s: image_gan(in_shape=s), "D": lambda s: DCDiscriminator(s),
              "Classifier": lambda s: Classifier(10, in_shape=s), "encoder": lambda s: make_encoder("mlp", s, 2)}
    for name, build in builds.items():
        for shape, fixed in (((28, 28, 1), (1, 28, 28)), ((32, 32, 3), (3, 32, 32))):
            if name == "image_gan" and shape[0] != 28:
                continue
            with pytest.raises(ValueError, match=rf"^in_shape={re.escape(str(shape))} looks channels-last; gencore's "
                                                 rf"images are \(C, H, W\): in_shape={re.escape(str(fixed))}\.$"):
                build(shape)
    with pytest.raises(ValueError, match=r"^out_shape=\(28, 28, 1\) looks channels-last.*out_shape=\(1, 28, 28\)"):
        make_decoder("mlp", 2, (28, 28, 1))
    assert VAE(2, in_shape=(3, 28, 28)).in_shape == (3, 28, 28) and DRAW(T=1, in_shape=(28, 28)).in_shape == IMG
    with pytest.raises(ValueError, match=r"got \(28, 28\); for grey images pass in_shape=\(1, 28, 28\)\.$"):
        image_gan(in_shape=(28, 28))


# ------------------------------------------------------------------------------------------ the loss
@pytest.mark.parametrize("beta", [1.0, 0.5, 4.0])
def test_loss_terms_match_gencore_variational(beta):
    model = small(3, beta=beta)
    x = binary(97)
    torch.manual_seed(1)
    terms = model.loss(x)
    torch.manual_seed(1)
    mu, logvar = model.encode(x)
    eps = torch.randn(mu.shape)
    z = reparameterize_with(mu, logvar, eps)
    log_px = bernoulli_log_likelihood(model.decoder(z), x)
    kl = gaussian_kl(mu, logvar)
    assert torch.allclose(terms["rec"], -log_px.mean(), atol=1e-3)
    assert torch.allclose(terms["kl"], kl.mean(), atol=1e-5)
    assert torch.allclose(terms["elbo"], (log_px - kl).mean(), atol=1e-3)        # ELBO = E log p(x|z) - KL
    assert torch.allclose(terms["elbo"], -terms["rec"] - terms["kl"])
    assert torch.allclose(terms["loss"], terms["rec"] + beta * terms["kl"], atol=1e-4)
    if beta == 1.0:
        assert torch.allclose(terms["loss"], -terms["elbo"], atol=1e-4)
        assert torch.allclose(terms["loss"], vae_loss(x, model.decoder(z), mu, logvar), atol=1e-3)


def test_fast_bernoulli_likelihood_equals_the_reference_with_its_gradient():
    logits = (5 * torch.randn(33, *IMG, generator=g())).double().requires_grad_()
    for x in (binary(33).double(), torch.rand(33, *IMG, generator=g(1)).double()):   # binary and grey levels
        fast = bernoulli_log_likelihood(logits, x)
        ref = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        assert torch.allclose(fast, ref, atol=1e-8)
        assert torch.allclose(torch.autograd.grad(fast.sum(), logits)[0],
                              torch.autograd.grad(ref.sum(), logits)[0], atol=1e-10)


def test_gaussian_likelihood_option():
    x = torch.rand(97, *IMG, generator=g())
    model = small(2, likelihood="gaussian", obs_std=0.2)
    torch.manual_seed(3)
    terms = model.loss(x)
    torch.manual_seed(3)
    mu, logvar = model.encode(x)
    z = reparameterize_with(mu, logvar, torch.randn(mu.shape))
    log_px = gaussian_log_likelihood(model.decoder(z), x, 2 * math.log(0.2))
    assert torch.allclose(terms["rec"], -log_px.mean(), atol=1e-3)
    learned = small(2, likelihood="gaussian", obs_std="learned")
    learned.loss(x)["loss"].backward()
    assert learned.obs_logvar.grad is not None and learned.obs_logvar.grad.abs() > 0
    with pytest.raises(ValueError, match="obs_std"):
        VAE(2, likelihood="gaussian", obs_std=-1)


@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_gradients_reach_encoder_and_decoder(kind):
    model = small(4, kind)
    model.loss(binary(97))["loss"].backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


# ------------------------------------------------------------------------------------------ IWAE
def test_iwae_is_above_the_elbo_and_grows_with_k():
    model = small(4)
    x = binary(200, 5)
    elbo = dataset_elbo(model, x, generator=g(0))["elbo"].mean()
    bounds = {k: log_likelihood(model, x, k=k, generator=g(k), progress=False).mean() for k in (1, 10, 100)}
    assert abs(bounds[1] - elbo) < 2.0                 # L_1 is a one-sample ELBO
    assert bounds[10] > elbo and bounds[10] > bounds[1]
    assert bounds[100] > bounds[10]


def test_chunked_iwae_equals_unchunked_and_the_reference():
    model = small(3)
    x = binary(37, 2)
    k = 50
    one = log_likelihood(model, x, k=k, batch_size=37, chunk_rows=10 ** 9, generator=g(7), progress=False)
    chunked = log_likelihood(model, x, k=k, batch_size=37, chunk_rows=64, generator=g(7), progress=False)
    assert one.shape == (37,)
    assert torch.allclose(one, chunked, atol=1e-4)
    # the same numbers from gencore.variational, written the slow way
    with torch.no_grad():
        mu, logvar = model.encode(x)
        eps = torch.randn((k, 37, 3), generator=g(7))
        z = mu + (0.5 * logvar).exp() * eps
        log_px = torch.stack([bernoulli_log_likelihood(model.decoder(zi), x) for zi in z])
        log_pz = -0.5 * (math.log(2 * math.pi) + z.pow(2)).sum(-1)
        log_q = -0.5 * (math.log(2 * math.pi) + logvar + eps.pow(2)).sum(-1)
        ref = iwae_bound(log_px + log_pz, log_q)
    assert torch.allclose(one, ref, atol=1e-3)
    # other batch layouts give the same per-example numbers only up to noise, but the same shape
    assert log_likelihood(model, x, k=5, batch_size=10, progress=False).shape == (37,)


def _slow_log_weights(model, x, k, generator):
    """log p(x|z_i) + log p(z_i) - log q(z_i|x) written the slow way with gencore.variational (k, n)."""
    with torch.no_grad():
        mu, logvar = model.encode(x)
        eps = torch.randn((k, len(x), model.latent_dim), generator=generator)
        z = mu + (0.5 * logvar).exp() * eps
        if model.likelihood == "bernoulli":
            log_px = torch.stack([bernoulli_log_likelihood(model.decoder(zi), x) for zi in z])
        else:
            log_px = torch.stack([gaussian_log_likelihood(model.decoder(zi), x, model.obs_logvar) for zi in z])
        log_pz = -0.5 * (math.log(2 * math.pi) + z.pow(2)).sum(-1)
        log_q = -0.5 * (math.log(2 * math.pi) + logvar + eps.pow(2)).sum(-1)
    return log_px + log_pz - log_q


@pytest.mark.parametrize("case", ["binary-mlp", "binary-conv", "grey", "gaussian"])
def test_log_weights_and_batched_iwae_equal_the_slow_formula(case):
    """VAE.log_weights (the protocol log_likelihood evaluates) against gencore.variational, and
    log_likelihood over several batches against the slow formula drawing from one generator in order."""
    model = small(3, "conv" if case == "binary-conv" else "mlp",
                  **({"likelihood": "gaussian"} if case == "gaussian" else {}))
    x = binary(53, 1) if case.startswith("binary") else torch.rand(53, *IMG, generator=g(2))
    k = 17
    w = model.log_weights(x, None, k, generator=g(3), chunk_rows=64)
    assert w.shape == (k, 53) and not w.requires_grad
    assert torch.allclose(w, _slow_log_weights(model, x, k, g(3)), atol=1e-3, rtol=1e-5)
    assert torch.allclose(w, model.log_weights(x, torch.arange(53), k, generator=g(3)), atol=1e-3)  # y ignored
    gen = g(4)      # batches of 20, 20, 13: each draws its (k, n, d) noise from the same generator, in order
    ref = torch.cat([iwae_bound(_slow_log_weights(model, x[i:i + 20], k, gen), torch.zeros(k, len(x[i:i + 20])))
                     for i in range(0, 53, 20)])
    ll = log_likelihood(model, x, k=k, batch_size=20, chunk_rows=100, generator=g(4), progress=False)
    assert ll.shape == (53,) and torch.allclose(ll, ref, atol=1e-3, rtol=1e-5)


class _Toy(torch.nn.Module):
    """A 'latent-variable model' whose log-weights are known: w_i = x.sum() + i (+ 100 y), for the protocol."""

    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(()))
        self.calls = []

    def log_weights(self, x, y, k, *, generator=None, chunk_rows=2048):
        self.calls.append((len(x), None if y is None else y.tolist(), k, chunk_rows, self.training))
        base = x.flatten(1).sum(1) + (0 if y is None else 100 * y)
        return base + torch.arange(k, dtype=torch.float32)[:, None]


def test_log_likelihood_evaluates_any_model_with_log_weights():
    toy = _Toy().train()
    x = torch.arange(5, dtype=torch.float32)[:, None]
    y = torch.tensor([0, 1, 0, 2, 1])
    ll = log_likelihood(toy, TensorData(x, y), k=4, batch_size=2, chunk_rows=9, progress=False)
    expected = x[:, 0] + 100 * y + torch.logsumexp(torch.arange(4.0), 0) - math.log(4)
    assert torch.allclose(ll, expected)
    assert [c[:4] for c in toy.calls] == [(2, [0, 1], 4, 9), (2, [0, 2], 4, 9), (1, [1], 4, 9)]
    assert not any(c[4] for c in toy.calls) and toy.training        # evaluated in eval mode, mode restored
    assert torch.allclose(log_likelihood(toy, x, k=1, progress=False), x[:, 0])    # unlabelled data: y=None
    with pytest.raises(TypeError, match="log_weights"):
        log_likelihood(torch.nn.Linear(2, 2), x, k=3, progress=False)
    toy.log_weights = lambda x, y, k, **kw: torch.zeros(k + 1, len(x))
    with pytest.raises(ValueError, match=r"shape \(k, n\)"):
        log_likelihood(toy, x, k=3, progress=False)
    with pytest.raises(TypeError, match="per_example_elbo"):
        dataset_elbo(torch.nn.Linear(2, 2), x)


def test_iwae_for_grey_levels_and_gaussian_decoders():
    x = torch.rand(20, *IMG, generator=g())
    for model in (small(2), small(2, likelihood="gaussian")):
        ll = log_likelihood(model, x, k=30, chunk_rows=100, generator=g(), progress=False)
        assert ll.shape == (20,) and torch.isfinite(ll).all()
        assert ll.mean() > dataset_elbo(model, x, generator=g())["elbo"].mean()


# ------------------------------------------------------------------------------------------ training
def test_short_training_on_sprites_improves_the_test_elbo(home):
    train = load_dataset("sprites", "train", subset=6000, binarize="dynamic")
    test = load_dataset("sprites", "test", subset=1000, binarize="static")
    torch.manual_seed(0)
    model = VAE(8, hidden=(256, 256))
    before = dataset_elbo(model, test)["elbo"].mean().item()
    history = fit(model, train, test=test, epochs=3, progress=False)
    after = dataset_elbo(model, test)["elbo"].mean().item()
    assert before < -500                                   # ~784 log 2: a coin per pixel
    assert after > -150, after                             # measured -121 nats (from -543)
    assert history["test/elbo"][-1] > history["test/elbo"][0]
    rate, distortion = rate_distortion(model, test)
    assert rate > 1 and abs(-(rate + distortion) - after) < 1.0


def test_train_vae_caches_by_configuration(home, capsys):
    data = TensorData(binary(300))
    model, history = train_vae(data, latent_dim=2, epochs=1, hidden=(16,), dataset="toy", progress=False)
    assert len(history) == 1 and not model.training
    again, _ = train_vae(data, latent_dim=2, epochs=1, hidden=(16,), dataset="toy", progress=False)
    assert "Loaded cached model" in capsys.readouterr().out
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


# ------------------------------------------------------------------------------------------ diagnostics
def test_active_units_on_a_model_with_constructed_unused_dimensions():
    model = small(4)
    head = model.encoder.net[-1]                   # the last Linear: outputs (mu_0..mu_3, logvar_0..logvar_3)
    with torch.no_grad():
        head.weight[:2] *= 10                      # mu_0, mu_1: strongly dependent on x
        head.weight[2:4] = 0                       # mu_2, mu_3: constant -> unused
        head.bias[2:4] = 0.3
    data = TensorData(torch.rand(500, *IMG, generator=g()))
    n, variance = count_active_units(model, data)
    assert n == 2
    assert (variance[:2] > 0.01).all() and torch.allclose(variance[2:], torch.zeros(2))


def test_traversals_grids_and_sharpness():
    model = small(3)
    rows = latent_traversal(model, dims=[0, 2], steps=5)
    assert rows.shape == (10, *IMG)
    z = prior_quantile_grid(4)
    assert z.shape == (16, 2)
    assert torch.allclose(z[0], torch.tensor([z[:, 0].min(), z[:, 1].max()]))    # top-left: smallest z1, largest z2
    assert torch.allclose(z[:4, 0], -z[:4, 0].flip(0)) and torch.allclose(z[:, 0].mean(), torch.tensor(0.0), atol=1e-6)
    u = torch.distributions.Normal(0, 1).cdf(z[:4, 0])
    assert torch.allclose(u, torch.tensor([0.125, 0.375, 0.625, 0.875]), atol=1e-5)
    assert decode_prior_grid(small(2), n=5).shape == (25, *IMG)
    x = torch.rand(6, *IMG, generator=g()).round()
    assert (sharpness(gaussian_blur(x, 1.0)) < sharpness(x)).all()
    assert torch.allclose(gaussian_blur(torch.full((2, 1, 8, 8), 0.4), 1.5), torch.full((2, 1, 8, 8), 0.4))
    assert sharpness(torch.full((3, 28, 28), 0.5)).abs().max() < 1e-12


def test_explorer_runs_headless():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    model = small(3)
    box = latent_explorer(model, dims=[0, 1], display=False, fallback=True)
    assert len(box.sliders) == 2
    first = box.image.value
    assert first[:4] == b"\x89PNG"
    box.sliders[1].value = 2.5
    assert torch.allclose(box.code(), torch.tensor([0.0, 2.5, 0.0]))
    assert box.image.value != first


def test_latent_pictures_check_dims_labels_and_data_first():
    torch.manual_seed(0)
    model = VAE(latent_dim=4, hidden=[16])
    with pytest.raises(TypeError, match=r"^dims must be a list of latent dimensions, e\.g\. \[3\]"):
        latent_traversal(model, dims=3, steps=5)
    with pytest.raises(ValueError, match=r"^y is for conditional models; this VAE is unconditional"):
        latent_traversal(model, y=3)
    with pytest.raises(ValueError, match=r"^y is for conditional models"):
        decode_prior_grid(VAE(latent_dim=2, hidden=[16]), n=4, y=3)
    with pytest.raises(ValueError, match=r"^data must be the examples .*\(1, 28, 28\).*got \(50, 4\).*active_units"):
        count_active_units(model, torch.randn(50, 4, generator=g(0)))
    with pytest.raises(ValueError, match=r"^data must have shape \(N, 1, 28, 28\)"):
        count_active_units(model, torch.rand(50, 3, generator=g(0)))
    assert latent_traversal(model, dims=[3], steps=5).shape == (5, 1, 28, 28)
