"""Encoder/decoder blocks, the Autoencoder, its helpers, and PCA (the linear baseline)."""
import pytest
import torch
import torch.nn.functional as F

from gencore.autoencoder import (
    PCA,
    Autoencoder,
    code_extent,
    decode_grid,
    encode_dataset,
    grid_codes,
    interpolate,
    pca_reconstruct,
    reconstruct,
    reconstruction_loss,
    reconstruction_mse,
    train_autoencoder,
)
from gencore.blocks import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, make_decoder, make_encoder
from gencore.data import TensorData, load_dataset

IMG = (1, 28, 28)


def g(seed=0):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------------------------------ blocks
@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_blocks_shapes_for_every_latent_size_and_odd_batches(kind):
    torch.manual_seed(0)
    for d in range(2, 33):
        enc = make_encoder(kind, IMG, d, hidden=(16,))
        dec = make_decoder(kind, d, IMG, hidden=(16,))
        for n in (97, 1):
            x = torch.rand(n, *IMG)
            z = enc(x)
            assert z.shape == (n, d)
            assert dec(z).shape == (n, *IMG)


def test_default_blocks_and_classes():
    assert isinstance(make_encoder("mlp", IMG, 4), MLPEncoder)
    assert isinstance(make_decoder("MLP", 4, IMG), MLPDecoder)
    assert isinstance(make_encoder("conv", IMG, 4), ConvEncoder)
    assert isinstance(make_decoder("conv", 4, IMG), ConvDecoder)
    assert make_encoder("mlp", IMG, 4).hidden == (512, 256)
    assert make_decoder("mlp", 4, IMG).hidden == (256, 512)


def test_unknown_kind_names_the_options():
    with pytest.raises(ValueError, match=r"'mlp'.*'conv'"):
        make_encoder("resnet", IMG, 2)
    with pytest.raises(ValueError, match=r"'mlp'.*'conv'"):
        make_decoder("transformer", 2, IMG)


@pytest.mark.parametrize("shape", [(3,), (2, 5), (3, 8, 8)])
def test_mlp_blocks_work_on_any_shape(shape):
    enc, dec = MLPEncoder(shape, 2, hidden=(8,)), MLPDecoder(2, shape, hidden=(8,))
    x = torch.randn(97, *shape)
    assert dec(enc(x)).shape == (97, *shape)


def test_decoder_has_no_final_activation():
    """Raw outputs (logits): negative and > 1 values must be possible."""
    torch.manual_seed(0)
    out = MLPDecoder(2, IMG)(10 * torch.randn(97, 2))
    assert out.min() < 0 and out.max() > 1


@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_bad_input_shapes_are_rejected_clearly(kind):
    enc = make_encoder(kind, IMG, 2)
    dec = make_decoder(kind, 2, IMG)
    with pytest.raises(ValueError, match=r"expects x of shape \(N, 1, 28, 28\).*got \(97, 784\)"):
        enc(torch.rand(97, 784))
    with pytest.raises(ValueError, match=r"got \(1, 28, 28\)"):
        enc(torch.rand(1, 28, 28))            # a single image without its batch dimension
    with pytest.raises(ValueError, match=r"expects z of shape \(N, 2\).*got \(97, 3\)"):
        dec(torch.rand(97, 3))


def test_conv_blocks_need_divisible_image_sides():
    with pytest.raises(ValueError, match="divisible by 4"):
        ConvEncoder((1, 30, 30), 2)
    with pytest.raises(ValueError, match="kind='mlp'"):
        ConvDecoder(2, (3,))


@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_condition_vectors(kind):
    torch.manual_seed(0)
    enc = make_encoder(kind, IMG, 4, cond_dim=10)
    dec = make_decoder(kind, 4, IMG, cond_dim=10)
    x = torch.rand(97, *IMG)
    labels = torch.arange(97) % 10
    onehot = F.one_hot(labels, 10).float()
    z = enc(x, onehot)
    assert z.shape == (97, 4)
    assert torch.allclose(enc(x, labels), z)              # integer labels are one-hot encoded
    out = dec(z, onehot)
    assert out.shape == (97, *IMG)
    assert not torch.allclose(dec(z, onehot.roll(1, dims=1)), out)   # the condition matters
    with pytest.raises(ValueError, match="needs a condition"):
        enc(x)
    with pytest.raises(ValueError, match=r"\(97, 10\)"):
        dec(z, onehot[:, :9])
    with pytest.raises(ValueError, match="0..9"):
        enc(x, labels + 1)
    with pytest.raises(ValueError, match="without a condition"):
        make_encoder(kind, IMG, 4)(x, onehot)


def test_activation_by_name():
    enc = MLPEncoder((3,), 2, hidden=(8,), activation="tanh")
    assert isinstance(enc.net[1], torch.nn.Tanh)
    with pytest.raises(ValueError, match="relu"):
        MLPEncoder((3,), 2, activation="swish2")


# ------------------------------------------------------------------------------------------ the model
@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_autoencoder_parts_usable_alone(kind):
    torch.manual_seed(0)
    model = Autoencoder(8, kind=kind, hidden=(32,))
    x = torch.rand(97, *IMG)
    z = model.encoder(x)
    assert z.shape == (97, 8) and torch.equal(model.encode(x), z)
    logits = model.decoder(z)
    assert logits.shape == (97, *IMG)
    assert torch.allclose(model.decode(z), torch.sigmoid(logits))
    assert torch.allclose(model(x), torch.sigmoid(logits))
    assert torch.allclose(reconstruct(x, model.encoder, model.decoder), model(x))


def test_hidden_widths_are_mirrored_by_the_decoder():
    model = Autoencoder(2, hidden=(64, 32))
    assert model.encoder.hidden == (64, 32) and model.decoder.hidden == (32, 64)


def test_bernoulli_loss_is_bce_summed_over_pixels_and_averaged_over_the_batch():
    torch.manual_seed(0)
    model = Autoencoder(3, hidden=(16,))
    x = torch.rand(97, *IMG)
    out = model.loss(x, None)
    logits = model.decoder(model.encoder(x))
    per_example = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3))
    assert torch.allclose(out["loss"], per_example.mean())
    assert torch.allclose(out["mse"], (torch.sigmoid(logits) - x).pow(2).mean())
    # averaged over the batch: the same examples twice give the same loss
    assert torch.allclose(model.loss(torch.cat([x, x]), None)["loss"], out["loss"])
    assert torch.allclose(reconstruction_loss(logits, x), out["loss"])


def test_gaussian_loss_and_identity_output():
    torch.manual_seed(0)
    model = Autoencoder(2, in_shape=(3,), likelihood="gaussian", hidden=(16,))
    x = 5 * torch.randn(97, 3)
    mean = model.decoder(model.encoder(x))
    out = model.loss(x, None)
    assert torch.allclose(out["loss"], 0.5 * (mean - x).pow(2).sum(1).mean())
    assert torch.allclose(out["mse"], (mean - x).pow(2).mean())
    assert torch.equal(model(x), mean)                     # no sigmoid for real-valued data


def test_loss_gradient_reaches_the_encoder():
    model = Autoencoder(2, hidden=(16,))
    model.loss(torch.rand(5, *IMG), None)["loss"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())


def test_unknown_likelihood():
    with pytest.raises(ValueError, match="bernoulli"):
        Autoencoder(2, likelihood="poisson")


# ------------------------------------------------------------------------------------------ helpers
def test_interpolate_endpoints_and_shape():
    z0, z1 = torch.randn(16, generator=g(1)), torch.randn(16, generator=g(2))
    path = interpolate(z0, z1, 7)
    assert path.shape == (7, 16)
    assert torch.equal(path[0], z0) and torch.allclose(path[-1], z1)
    assert torch.allclose(path[3], (z0 + z1) / 2)
    imgs = interpolate(torch.zeros(1, 28, 28), torch.ones(1, 28, 28), 5)
    assert imgs.shape == (5, 1, 28, 28) and torch.allclose(imgs[:, 0, 0, 0], torch.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="same shape"):
        interpolate(torch.zeros(2), torch.zeros(3), 5)
    with pytest.raises(ValueError, match="steps"):
        interpolate(z0, z1, 1)


def test_grid_codes_layout_matches_a_scatter_plot():
    z = grid_codes(3, (-1, 1, -2, 2))
    assert z.shape == (9, 2)
    assert z[0].tolist() == [-1, 2]       # top left: smallest x, largest y
    assert z[2].tolist() == [1, 2]        # top right
    assert z[-1].tolist() == [1, -2]      # bottom right


def test_decode_grid_and_encode_dataset():
    torch.manual_seed(0)
    model = Autoencoder(2, hidden=(16,))
    imgs = decode_grid(model, n=5, extent=(-1, 1, -1, 1))
    assert imgs.shape == (25, *IMG) and imgs.min() >= 0 and imgs.max() <= 1
    assert torch.allclose(imgs[0], model.decode(torch.tensor([[-1.0, 1.0]]))[0])
    x = torch.rand(97, *IMG)
    labels = torch.arange(97)
    codes, y = encode_dataset(model, TensorData(x, labels), batch_size=10)
    assert codes.shape == (97, 2) and torch.equal(y, labels)
    assert torch.allclose(codes, model.encode(x), atol=1e-6)
    codes, y = encode_dataset(model, x)
    assert y is None and codes.shape == (97, 2)
    lo_x, hi_x, lo_y, hi_y = code_extent(codes)
    assert lo_x < hi_x and lo_y < hi_y
    assert decode_grid(model, n=4, codes=codes).shape == (16, *IMG)


# ------------------------------------------------------------------------------------------ PCA
def _data(n, d, seed=0):
    gen = g(seed)
    scales = torch.linspace(2, 0.05, d)
    return torch.randn(n, d, generator=gen, dtype=torch.float64) * scales @ torch.linalg.qr(
        torch.randn(d, d, generator=gen, dtype=torch.float64))[0] + 3


@pytest.mark.parametrize("n,d", [(500, 20), (15, 20)])   # the covariance path (N > D) and the SVD path
def test_pca_matches_the_svd_closed_form(n, d):
    x = _data(n, d)
    pca = PCA(8).fit(x)
    centred = x - x.mean(0)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    lam = s.pow(2) / n
    assert torch.allclose(pca.eigenvalues[:len(lam)], lam, atol=1e-10)
    assert torch.allclose(pca.components @ pca.components.T, torch.eye(8, dtype=torch.float64), atol=1e-10)
    for k in (1, 3, 8):
        x_hat = pca.reconstruct(x, k).double()
        err = (x_hat - x).pow(2).sum(1).mean()
        # the error is the variance in the discarded directions: sum of the discarded eigenvalues
        assert err.item() == pytest.approx(lam[k:].sum().item(), rel=1e-4)
        assert pca.reconstruction_mse(x.float(), k) == pytest.approx(lam[k:].sum().item() / d, rel=1e-4)
        assert torch.allclose(pca_reconstruct(x, k), x_hat, atol=1e-4)
        # the projection spans the top-k right singular vectors
        proj = vh[:k].T @ vh[:k]
        assert torch.allclose(pca.components[:k].T @ pca.components[:k], proj, atol=1e-8)


def test_pca_encode_decode_shapes_and_errors():
    x = torch.rand(97, *IMG)
    pca = PCA(5).fit(x)
    assert pca.encode(x).shape == (97, 5) and pca.encode(x, k=2).shape == (97, 2)
    assert pca.decode(pca.encode(x, k=2)).shape == (97, *IMG)
    with pytest.raises(ValueError, match="fitted with 5"):
        pca.encode(x, k=6)
    with pytest.raises(RuntimeError, match="fit"):
        PCA(2).encode(x)


# ------------------------------------------------------------------------------------------ training
@pytest.mark.slow
def test_trained_2d_autoencoder_beats_pca_on_held_out_sprites(home, capsys):
    """The nonlinear bottleneck wins: on held-out data a 2-D autoencoder reconstructs better than the
    best linear 2-D projection (PCA). Also: the second call loads the model from the cache."""
    train = load_dataset("sprites", "train", subset=4000)
    test = load_dataset("sprites", "test", subset=2000)
    kw = dict(latent_dim=2, epochs=5, hidden=(256, 128), batch_size=64, lr=2e-3, progress=False)
    model, history = train_autoencoder(train, **kw)
    ae_mse = reconstruction_mse(model, test)
    pca_mse = PCA(2).fit(train).reconstruction_mse(test)
    assert history.last("train/loss") < history["train/loss"][0]
    assert ae_mse < 0.85 * pca_mse, (ae_mse, pca_mse)     # measured: 0.023 vs 0.037
    capsys.readouterr()
    again, _ = train_autoencoder(train, **kw)
    assert "Loaded cached model" in capsys.readouterr().out
    x, _ = test.sample(97)
    assert torch.allclose(again(x), model(x))


def test_make_pair_mirrors_widths_and_channels():
    from gencore.blocks import make_pair

    enc, dec = make_pair("mlp", (1, 28, 28), 6, 3, hidden=(64, 32))
    assert enc.hidden == (64, 32) and dec.hidden == (32, 64)
    assert enc(torch.zeros(97, 1, 28, 28)).shape == (97, 6) and dec(torch.zeros(97, 3)).shape == (97, 1, 28, 28)
    enc, dec = make_pair("conv", (1, 28, 28), 4, 4, channels=(8, 16))
    assert enc.channels == (8, 16) and dec.channels == (16, 8)


def test_shape_and_code_mistakes_get_one_sentence():
    data = TensorData(torch.zeros(8, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(TypeError, match=r"^in_shape must be one example's shape, e\.g\. .*\(1, 28, 28\)"):
        make_encoder("mlp", in_shape=data, out_dim=2)
    with pytest.raises(TypeError, match=r"^in_shape must be one example's shape, e\.g\. in_shape=x\.shape\[1:\]"):
        make_encoder("mlp", in_shape=torch.zeros(8, 1, 28, 28), out_dim=2)
    pca = PCA(4).fit(torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match=r"^z must have shape \(N, k\), k <= 4 .*got \(4,\); .*unsqueeze\(0\)"):
        pca.decode(torch.zeros(4))
    assert pca.decode(torch.zeros(1, 4)).shape == (1, 1, 28, 28)
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=2, hidden=[16])
    with pytest.raises(ValueError, match=r"^extent must be four numbers .*got a tensor \(300, 2\); .*codes=codes"):
        decode_grid(model, n=3, extent=torch.randn(300, 2))
