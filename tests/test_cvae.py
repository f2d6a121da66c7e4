"""The class-conditional VAE: shapes, label checks, that the label is used, IWAE through the shared evaluation,
the cache, and on sprites, that its samples draw the requested shape."""
import math

import numpy as np
import pytest
import torch

from gencore.cvae import ConditionalVAE, class_grid, train_cvae, with_label
from gencore.data import ImageData, TensorData, load_dataset
from gencore.evaluation import dataset_elbo, log_likelihood
from gencore.labels import check_labels
from gencore.train import fit
from gencore.vae import count_active_units, decode_prior_grid, encode_means, latent_traversal, rate_distortion
from gencore.variational import bernoulli_log_likelihood, gaussian_kl, iwae_bound

IMG = (1, 28, 28)


def g(seed=0):
    return torch.Generator().manual_seed(seed)


def binary(n, seed=0):
    return torch.bernoulli(torch.full((n, *IMG), 0.3), generator=g(seed))


def small(d=3, n_classes=4, kind="mlp", **kw):
    torch.manual_seed(0)
    return ConditionalVAE(d, n_classes, kind=kind, hidden=(32,) if kind == "mlp" else (16,), **kw)


def first_layers(model):
    """The two Linear layers that read the one-hot label (its last n_classes input columns)."""
    if model.kind == "mlp":
        return model.encoder.net[0], model.decoder.net[0]
    return model.encoder.head[0], model.decoder.head[0][0]


# ------------------------------------------------------------------------------------------ shapes
@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_shapes_for_batches_of_97_and_1(kind):
    model = small(5, 4, kind)
    for n in (97, 1):
        x, y = binary(n, n), torch.arange(n) % 4
        mu, logvar = model.encode(x, y)
        assert mu.shape == logvar.shape == (n, 5)
        assert model.decode(mu, y).shape == (n, *IMG)
        assert model.reconstruct(x, y).shape == model(x, y).shape == (n, *IMG)
        assert model.reconstruct(x, y, sample=True).shape == (n, *IMG)
        terms = model.loss(x, y)
        assert set(terms) == {"loss", "rec", "kl", "elbo"}
        assert all(v.dim() == 0 and torch.isfinite(v) for v in terms.values())
        assert model.log_weights(x, y, 3).shape == (3, n)
        assert model.per_example_elbo(x, y)["rec"].shape == (n,)
    assert model.sample([0, 3, 3]).shape == (3, *IMG)
    assert model.sample(7).shape == (7, *IMG)
    draws = model.sample(np.array([1, 2]), generator=g(), mean=False)
    assert set(draws.unique().tolist()) <= {0.0, 1.0}
    assert model.sample_classes(n=6).shape == (4 * 6, *IMG)
    assert model.analogies(binary(2), [1, 3]).shape == (2 * (1 + 4), *IMG)
    assert model.analogies(binary(2), [1, 3], labels=[0, 2], include_input=False).shape == (4, *IMG)


@pytest.mark.parametrize("n_classes", [1, 2, 17])
def test_any_number_of_classes(n_classes):
    model = small(2, n_classes)
    y = torch.arange(34) % n_classes
    assert torch.isfinite(model.loss(binary(34), y)["loss"])
    assert first_layers(model)[0].in_features == 784 + n_classes
    assert first_layers(model)[1].in_features == 2 + n_classes
    assert model.sample_classes(n=2).shape == (2 * n_classes, *IMG)


# ------------------------------------------------------------------------------------------ labels
def test_labels_in_any_integer_form_are_accepted():
    model = small()
    x = binary(6)
    ref = model.encode(x, torch.tensor([0, 1, 2, 3, 0, 1]))[0]
    for y in (np.array([0, 1, 2, 3, 0, 1]), np.array([0, 1, 2, 3, 0, 1], dtype=np.uint8), [0, 1, 2, 3, 0, 1],
              torch.tensor([0.0, 1, 2, 3, 0, 1]), torch.tensor([0, 1, 2, 3, 0, 1], dtype=torch.int32)):
        assert torch.equal(model.encode(x, y)[0], ref)
    same = model.decode(torch.zeros(3, 3), np.int64(2))             # one label for the whole batch
    assert torch.equal(same, model.decode(torch.zeros(3, 3), [2, 2, 2]))
    assert torch.equal(model.sample(5, generator=g()), model.sample([0, 1, 2, 3, 0], generator=g()))
    assert torch.equal(model.sample(np.int64(5), generator=g()), model.sample(torch.tensor(5), generator=g()))


@pytest.mark.parametrize("bad, error, message", [
    (None, ValueError, r"needs class labels \(integers in \[0, 4\) \(0\.\.3\)"),
    ([0, 1, 4], ValueError, r"integers in \[0, 4\).*label 4 at position 2 is outside"),
    ([0, -1, 1], ValueError, r"integers in \[0, 4\).*label -1 at position 1 is outside"),
    ([0.0, 1.5, 2.0], TypeError, r"integers in \[0, 4\).*non-integer value 1\.5"),
    (torch.tensor([0.0, float("nan"), 1.0]), TypeError, r"integers in \[0, 4\).*non-integer value nan"),
    (torch.tensor([True, False, True]), TypeError, r"integers in \[0, 4\).*torch\.bool"),
    (["a", "b", "c"], TypeError, r"integers in \[0, 4\)"),
    ([0, 1], ValueError, r"integers in \[0, 4\) \(0\.\.3\) of shape \(3,\), one per example, got shape \(2,\)"),
    (torch.zeros(3, 4, dtype=torch.long), ValueError, r"of shape \(3,\).*got shape \(3, 4\)"),
])
def test_bad_labels_raise_one_sentence_naming_the_range(bad, error, message):
    model = small()
    x, z = binary(3), torch.zeros(3, 3)
    calls = [lambda: model.encode(x), lambda: model.decode(z), lambda: model.reconstruct(x)] if bad is None else []
    for call in calls + [lambda: model.encode(x, bad), lambda: model.decode(z, bad), lambda: model.loss(x, bad),
                 lambda: model.reconstruct(x, bad), lambda: model.log_weights(x, bad, 2),
                 lambda: model.per_example_elbo(x, bad)]:
        with pytest.raises(error, match=message) as info:
            call()
        assert str(info.value).count(". ") == 0 and "\n" not in str(info.value)     # one sentence


def test_sampling_with_bad_labels_raises():
    model = small()
    with pytest.raises(ValueError, match=r"integers in \[0, 4\).*label 4"):
        model.sample([0, 4])
    with pytest.raises(TypeError, match=r"integers in \[0, 4\).*non-integer value 0\.5"):
        model.sample([0.5])
    with pytest.raises(ValueError, match=r"integers in \[0, 4\).*label 5"):
        model.sample_classes([1, 5])
    with pytest.raises(ValueError, match=r"integers in \[0, 4\).*label -2"):
        model.analogies(binary(2), [0, 1], labels=[-2])
    with pytest.raises(ValueError, match=r"n must be at least 0"):
        model.sample(-1)


def test_unlabelled_data_and_out_of_range_datasets_are_refused(home):
    model = small()
    unlabelled = TensorData(binary(10))
    with pytest.raises(ValueError, match=r"needs class labels"):
        log_likelihood(model, unlabelled, k=2, progress=False)
    with pytest.raises(ValueError, match=r"needs class labels"):
        dataset_elbo(model, unlabelled)
    with pytest.raises(ValueError, match=r"needs class labels"):
        fit(model, unlabelled, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"has no labels.*integers in \[0, 4\)"):
        train_cvae(unlabelled, latent_dim=2, epochs=1, n_classes=4, progress=False)
    with pytest.raises(ValueError, match=r"pass n_classes"):
        train_cvae(TensorData(binary(10), torch.zeros(10, dtype=torch.long)), latent_dim=2, epochs=1, progress=False)
    # n_classes given, and the data's labels reach past it: n_classes is named (no class names: no "leave it out")
    with pytest.raises(ValueError, match=r"^n_classes=2, but the training data's labels go up to 3: its 4 classes do "
                                         r"not fit integers in \[0, 2\) for a model of 2 classes \(label 2 at "
                                         r"position 2 is outside\); pass n_classes=4\.$"):
        train_cvae(TensorData(binary(10), torch.arange(10) % 4), latent_dim=2, epochs=1, n_classes=2, progress=False)
    with pytest.raises(ValueError, match=r"training data's labels must be integers in \[0, 2\).*label -1 at position"):
        train_cvae(TensorData(binary(10), torch.arange(10) % 2 - 1), latent_dim=2, epochs=1, n_classes=2,
                   progress=False)
    with pytest.raises(ValueError, match=r"n_classes must be at least 1"):
        ConditionalVAE(2, 0)
    assert check_labels(np.arange(3), 3).dtype == torch.int64


# ------------------------------------------------------------------------------------------ the label is used
@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_the_label_changes_encoder_and_decoder(kind):
    model = small(4, 3, kind)
    z, x = torch.randn(5, 4, generator=g()), binary(5)
    a, b = model.decode(z, 0), model.decode(z, 2)
    assert (a - b).abs().amax(dim=(1, 2, 3)).min() > 1e-3          # every image differs
    assert not torch.allclose(model.encode(x, 0)[0], model.encode(x, 1)[0])
    # decoding the same z with the same label gives the same image: the difference is the label's
    assert torch.equal(model.decode(z, 2), b)


@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_gradients_reach_the_label_path_of_both_networks(kind):
    model = small(4, 3, kind)
    y = torch.tensor([0, 2] * 10)                                # class 1 absent from the batch
    model.loss(binary(20), y)["loss"].backward()
    for layer in first_layers(model):
        label_grad = layer.weight.grad[:, -3:]
        assert label_grad[:, 0].abs().sum() > 0 and label_grad[:, 2].abs().sum() > 0
        assert label_grad[:, 1].abs().sum() == 0                 # one-hot: only the labels present get gradient
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


# ------------------------------------------------------------------------------------------ IWAE, ELBO
def test_log_weights_equal_the_slow_conditional_formula():
    model = small(3, 4)
    x, y = binary(13, 1), torch.tensor([3, 1, 0, 2, 2, 1, 0, 3, 3, 0, 1, 2, 1])
    k = 9
    w = model.log_weights(x, y, k, generator=g(5), chunk_rows=20)         # chunks of 1 sample x 13 rows
    with torch.no_grad():
        mu, logvar = model.encode(x, y)
        eps = torch.randn((k, 13, 3), generator=g(5))
        z = mu + (0.5 * logvar).exp() * eps
        log_px = torch.stack([bernoulli_log_likelihood(model.decoder(zi, y), x) for zi in z])
        log_pz = -0.5 * (math.log(2 * math.pi) + z.pow(2)).sum(-1)
        log_q = -0.5 * (math.log(2 * math.pi) + logvar + eps.pow(2)).sum(-1)
    assert torch.allclose(w, log_px + log_pz - log_q, atol=1e-3, rtol=1e-5)
    assert torch.allclose(w, model.log_weights(x, y, k, generator=g(5), chunk_rows=10 ** 6), atol=1e-3)
    data = TensorData(x, y)
    ll = log_likelihood(model, data, k=k, batch_size=13, generator=g(5), progress=False)
    assert torch.allclose(ll, iwae_bound(log_px + log_pz, log_q), atol=1e-3)
    terms = model.per_example_elbo(x, y)
    assert torch.allclose(terms["kl"], gaussian_kl(mu, logvar))


def test_iwae_is_above_the_elbo_and_rises_with_k():
    model = small(4, 3)
    data = TensorData(binary(200, 5), torch.arange(200) % 3)
    elbo = dataset_elbo(model, data, n_samples=10, generator=g(0))["elbo"].mean()
    bounds = {k: log_likelihood(model, data, k=k, generator=g(k), progress=False).mean() for k in (1, 10, 100)}
    assert abs(bounds[1] - elbo) < 2.0                 # L_1 is a one-sample ELBO
    assert bounds[10] > elbo and bounds[10] > bounds[1]
    assert bounds[100] > bounds[10]


def test_dataset_helpers_use_each_examples_label():
    model = small(3, 3)
    x, y = binary(30), torch.arange(30) % 3
    codes, labels = encode_means(model, TensorData(x, y), batch_size=7)
    assert torch.equal(labels, y) and torch.allclose(codes, model.encode(x, y)[0], atol=1e-6)
    rate, distortion = rate_distortion(model, TensorData(x, y))
    assert rate > 0 and distortion > 0
    assert count_active_units(model, TensorData(x, y))[1].shape == (3,)


# ------------------------------------------------------------------------------------------ pictures
def test_class_grid_and_analogies_decode_what_they_say():
    model = small(3, 4)
    z = torch.randn(5, 3, generator=g())
    grid = model.sample_classes([2, 0, 3], z=z).view(3, 5, *IMG)       # rows: labels, columns: shared z
    for r, label in enumerate([2, 0, 3]):
        assert torch.allclose(grid[r], model.decode(z, label), atol=1e-6)
    assert torch.allclose(model.sample_classes(z=z).view(4, 5, *IMG)[1], model.decode(z, 1), atol=1e-6)
    with pytest.raises(ValueError, match=r"\(columns, 3\)"):
        model.sample_classes(z=torch.zeros(5, 2))
    x, y = binary(3), torch.tensor([1, 3, 0])
    rows = model.analogies(x, y).view(3, 5, *IMG)
    assert torch.equal(rows[:, 0], x)
    mu = model.encode(x, y)[0]
    for label in range(4):
        assert torch.allclose(rows[:, 1 + label], model.decode(mu, label), atol=1e-6)
    uint8 = model.analogies((x * 255).to(torch.uint8), y)
    assert torch.allclose(uint8, rows.flatten(0, 1), atol=1e-6)
    traversal = latent_traversal(model, dims=[1], values=[0.0, 1.0], y=3)
    assert torch.allclose(traversal, model.decode(torch.tensor([[0.0, 0, 0], [0, 1, 0]]), 3), atol=1e-6)
    assert decode_prior_grid(small(2, 4), n=3, y=1).shape == (9, *IMG)
    with pytest.raises(ValueError, match="needs class labels"):
        latent_traversal(model)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_with_label_is_what_the_first_layers_read(dtype):
    model = small(3, 4).to(dtype)
    x, y = binary(5).to(dtype), torch.tensor([3, 0, 1, 1, 2])
    h = with_label(x, y, 4)
    assert h.shape == (5, 784 + 4) and h.dtype == dtype
    assert torch.equal(h[:, :784], x.flatten(1)) and torch.equal(h[:, 784:].argmax(1), y)
    assert torch.equal(h[:, 784:].sum(1), torch.ones(5, dtype=dtype))
    mu, logvar = model.encode(x, y)
    assert torch.allclose(model.encoder.net(h), torch.cat([mu, logvar], 1), atol=1e-6)
    z = torch.randn(5, 3, dtype=dtype)
    assert torch.allclose(torch.sigmoid(model.decoder.net(with_label(z, y, 4))).view(5, *IMG), model.decode(z, y),
                          atol=1e-6)


def test_class_grid_rows_share_the_label_and_columns_the_code():
    model = small(3, 4)
    z, labels = torch.randn(5, 3, generator=g()), torch.tensor([2, 0, 3])
    grid = class_grid(z, labels, model.decode).view(3, 5, *IMG)
    for i, label in enumerate(labels.tolist()):
        for j in range(5):
            assert torch.allclose(grid[i, j], model.decode(z[j:j + 1], label)[0], atol=1e-6)
    assert torch.equal(model.sample_classes(labels, z=z), class_grid(z, labels, model.decode))


# ------------------------------------------------------------------------------------------ training
def test_train_cvae_caches_by_configuration(home, capsys):
    data = ImageData((binary(300) * 255).to(torch.uint8), torch.arange(300) % 3, name="toy", split="train",
                     classes=["a", "b", "c"], binarize="dynamic")
    model, history = train_cvae(data, latent_dim=2, epochs=1, hidden=(16,), progress=False)
    assert isinstance(model, ConditionalVAE) and model.n_classes == 3 and len(history) == 1 and not model.training
    again, _ = train_cvae(data, latent_dim=2, epochs=1, hidden=(16,), progress=False)
    assert "Loaded cached model" in capsys.readouterr().out
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    other, _ = train_cvae(data, latent_dim=2, epochs=1, hidden=(16,), n_classes=5, progress=False)
    assert other.n_classes == 5 and "Saved" in capsys.readouterr().out        # n_classes is in the key


# ------------------------------------------------------------------------------------------ does it draw the label?
def upright_sprites(split):
    """The sprites drawn upright (rotation 0) at full scale (about 1,000 of the 60,000): the shape (the class)
    is the dominant factor, as a digit's class is on MNIST, and the position is the style. On all sprites a
    short run learns the shape last, puts it into z and ignores the label (measured: 60,000 sprites x 10
    epochs, MLP 256, d=8: samples follow the label 37% of the time, reconstructions keep the true shape
    when given another label)."""
    from gencore.data.sprites import SCALES

    full = load_dataset("sprites", split, binarize="dynamic")
    keep = (full.factors[:, 2] == 0) & (full.factors[:, 1] == SCALES[-1])
    return ImageData(full.x[keep], full.labels[keep], name="sprites-upright", split=split, classes=full.classes,
                     binarize="dynamic", factors=full.factors[keep], factor_names=full.factor_names)


def nearest_sprite_judge():
    """A classifier of upright full-scale sprites: the shape of the nearest (L2) of all 3 x 64 such sprites,
    rendered exactly; 100% right on real ones, and it needs no training."""
    from gencore.data.sprites import POSITIONS, render

    shape, px, py = torch.meshgrid(torch.arange(3.0), POSITIONS, POSITIONS, indexing="ij")
    templates = render(shape.flatten(), 1.0, 0.0, px.flatten(), py.flatten()).float().div(255).flatten(1)

    def judge(x):
        x = x.flatten(1).float()
        d2 = x.pow(2).sum(1, keepdim=True) - 2 * x @ templates.T + templates.pow(2).sum(1)
        return shape.flatten().long()[d2.argmin(1)]
    return judge


@pytest.mark.slow
def test_conditional_samples_draw_the_requested_shape(home):
    train = upright_sprites("train")
    judge = nearest_sprite_judge()
    real = train.x.float() / 255
    assert len(train) > 900 and (judge(real) == train.labels).all()
    model, history = train_cvae(train, latent_dim=2, epochs=30, hidden=(256, 128), lr=2e-3, seed=0,
                                progress=False, verbose=False)
    requested = torch.arange(300) % 3
    samples = model.sample(requested, generator=g(0))
    follows = (judge(samples) == requested).float().mean().item()
    assert follows >= 0.9, follows      # measured: 100% (seeds 1, 2: 100%, 97.7%; one hidden layer of 256: 86%)
    # the same codes decoded with another label draw that label's shape: the label, not z, sets the class
    other = model.sample((requested + 1) % 3, generator=g(0))
    assert (judge(other) == (requested + 1) % 3).float().mean() >= 0.9
    grid = model.sample_classes(n=30, generator=g(1))
    assert (judge(grid) == torch.arange(3).repeat_interleave(30)).float().mean() >= 0.9


def test_sample_classes_refuses_a_seed_and_one_hot_labels_are_told_argmax():
    torch.manual_seed(0)
    model = ConditionalVAE(latent_dim=2, n_classes=10, hidden=[16])
    with pytest.raises(TypeError, match=r"^generator must be a torch\.Generator .*manual_seed\(3\)"):
        model.sample_classes(n=8, generator=3)
    y = torch.arange(12) % 10
    with pytest.raises(ValueError, match=r"^labels must be a 1-D integer tensor .*\(12, 10\).*labels\.argmax\(1\)"):
        TensorData(torch.zeros(12, 1, 28, 28), torch.nn.functional.one_hot(y, 10))
