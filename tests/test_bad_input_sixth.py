"""Issue 27, a sixth set of mistakes: fresh and blind (written without reading the walk, fourth or fifth sets, or
the last day's commits), sampled the way mistakes happen in the course.

How it was sampled: for each notebook 00-08 its code cells were read for the calls the student makes into gencore
(the data and pictures of 00, the pushforward and MMD loop of 00, the encoders, PCA and autoencoder helpers of 01,
the linear-Gaussian model of 02, fit / the VAE helpers of 03, the cVAE, aggregate prior and classifier of 04, DRAW of
05, the GAN loop and its cache of 06, the conditional GAN and feature measures of 07, the zoo and notebook 08's
measures), and six or seven plausible slips were written per notebook at those calls (a forgotten channel axis,
images left in 0..255, a one-hot label, a count where a function is wanted, a zero or a too large number, a
resumed run with a changed setting or another model's progress file, a far too large learning rate); eight more for
the instructor's command line, ``gencore.setup`` and the model cache. Every expected answer was written before the
first run. Classes: RESUME (resuming, caching), DIVERGENCE (far too large learning rates, empty or too small data),
SHAPE (shapes, channels, ranges, dtypes and labels at a model's door), HINT (the argument named as the caller named
it, and the right way to go).

Measured against the library as it was at this set's commit (``python tests/test_bad_input_sixth.py``):

    sixth set: 55/60 clear (91.7%), 3 unclear, 2 silent      (target: at least 95% clear, none silent: not met)
      RESUME      6 of 6 clear
      DIVERGENCE  5 of 5 clear
      SHAPE      17 of 19 clear, 2 unclear
      HINT       27 of 30 clear, 1 unclear, 2 silent
    by notebook: 00: 3 of 6 clear; 03: 5 of 6; 08: 5 of 6; 01, 02, 04, 05, 06, 07 and the command line, setup
    and cache (8): all clear.

After the measure, the five were fixed (60 of 60 clear; XFAIL below is empty): fit_generator_mmd names sample_data
and the Generator's out_dim when their widths differ and refuses snapshots beyond steps; a Generator refuses noise
that is not (N, noise_dim), with g.sample(n) as the way; latent_traversal needs steps >= 2; log_likelihood of a GAN
says that a GAN has no likelihood to bound and points to parzen_log_likelihood (notebook 08).

The five that were not clear before those fixes:

    unclear  SHAPE  fit_generator_mmd(Generator(out_dim=2), lambda n: torch.randn(n, 3), ...): "x and y must have
                    the same number of values per row, got x (16, 2) and y (16, 3)": the loss's x and y, not the
                    caller's sample_data and the generator's out_dim
    silent   HINT   fit_generator_mmd(..., steps=4, snapshots=[0, 10]): runs, returns snapshots {0} only, no word
    unclear  SHAPE  random_generator(seed=0)(torch.randn(100)): raw "RuntimeError: mat1 and mat2 shapes cannot be
                    multiplied (1x100 and 2x64)"
    silent   HINT   latent_traversal(vae, steps=1): returns one image per dimension (the value -lim), no word
    unclear  HINT   E.log_likelihood(gan, images): "needs a latent-variable model with a method log_weights(...) and
                    GAN has none": true, but steers toward writing log_weights, not to notebook 08's Parzen estimate

Expectations corrected after seeing the library's answer (8, counted above as clear; each marked "corrected";
by the expectations as first written, 47/60 (78.3%) were clear):
    load_dataset(subset=0)             "subset=0 must be between 1 and the split's size ...": clear; my regex
                                       wanted "at least 1"
    train_cvae(n_classes=5), labels 0..9 and image_gan(n_classes=3) trained on labels 0..9: "labels must be
                                       integers in [0, 5) (0..4) for a model of 5 classes, but label 5 ... is
                                       outside": clear; I had wanted the words "n_classes=5"
    cVAE.encode / a conditional D given one-hot labels: "class labels must be integers ... of shape (4,), one per
                                       example, got shape (4, 10)": clear; I had wanted "argmax"
    zoo.sample('vea', ...)             "Unknown model 'vea'; the course's models are: vae, ...": clear; my regex
                                       wanted the name quoted
    DRAW.loss and extract_features on (N, 28, 28): read as N one-channel images, the same result as (N, 1, 28, 28)
                                       (gencore's convention, as for VAE.loss); I had expected a refusal
(A harness slip, not an expectation: the first run read the command line's refusals as empty, because a refused
option leaves by SystemExit(message); ``cli`` now takes the message from it. All 4 command-line entries are clear.)
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_bad_input import (  # noqa: E402
    Mistake,
    Quiet,
    cvae,
    draw,
    image_gan,
    images,
    interrupted_gan,
    labelled,
    outcome,
    points,
    toy_gan,
    untouched,
    vae,
)

import gencore  # noqa: E402
from gencore import evaluation as E  # noqa: E402
from gencore import viz  # noqa: E402
from gencore.autoencoder import PCA, Autoencoder, encode_dataset, train_autoencoder  # noqa: E402
from gencore.blocks import make_encoder  # noqa: E402
from gencore.cache import load_or_train, train_gan_cached  # noqa: E402
from gencore.classifier import Classifier, accuracy, classify, extract_features  # noqa: E402
from gencore.course import zoo  # noqa: E402
from gencore.cvae import train_cvae  # noqa: E402
from gencore.data import TensorData, load_dataset, toy  # noqa: E402
from gencore.data.augment import gaussian_blur  # noqa: E402
from gencore.draw import DRAW, train_draw  # noqa: E402
from gencore.history import TrainingDiverged  # noqa: E402
from gencore.pushforward import Generator, fit_generator_mmd, random_generator  # noqa: E402
from gencore.train import fit, train_gan  # noqa: E402
from gencore.vae import VAE, decode_prior_grid, latent_traversal  # noqa: E402
from gencore.variational import LinearGaussian, gaussian_kl  # noqa: E402


class Refused(Exception):
    """The command line ended with a non-zero status; the message is what it printed."""


def cli(*argv: str) -> None:
    """Run ``gencore ARGV`` in-process; a refusal becomes Refused(what it printed)."""
    from gencore.course.cli import main

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            rc = main(list(argv))
    except SystemExit as e:                                   # argparse, or a refused option: its message
        rc = e.code
    if rc:
        raise Refused(rc if isinstance(rc, str) else err.getvalue().strip())


def clf() -> Classifier:
    torch.manual_seed(0)
    return Classifier(classes=10, channels=(4, 8), hidden=8)


def small_generator() -> Generator:
    torch.manual_seed(0)
    return Generator(noise_dim=2, out_dim=2, hidden=8, layers=2)


def linear_gaussian(b=None, sigma=0.5) -> LinearGaussian:
    W = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    return LinearGaussian(W, torch.zeros(5) if b is None else b, sigma)


# ------------------------------------------------------------------------------------------ notebook 00
def show_images_of_0_255_floats(tmp):
    viz.show_images(images(16) * 255, nrow=8)


def mmd_with_a_tensor_as_target(tmp):
    fit_generator_mmd(small_generator(), toy.ring(64), steps=2, batch_size=16, progress=False)


def mmd_with_a_3d_target(tmp):
    fit_generator_mmd(small_generator(), lambda n: torch.randn(n, 3), steps=2, batch_size=16, progress=False)


def mmd_snapshots_beyond_steps(tmp):
    fit_generator_mmd(small_generator(), lambda n: toy.ring(n), steps=4, batch_size=16, snapshots=[0, 10],
                      progress=False)


def random_generator_on_1d_noise(tmp):
    random_generator(seed=0)(torch.randn(100))


def load_dataset_subset_zero(tmp):
    load_dataset("sprites", "test", subset=0)


# ------------------------------------------------------------------------------------------ notebook 01
def make_encoder_cnn(tmp):
    make_encoder("cnn", in_shape=(1, 28, 28), out_dim=2)


def train_autoencoder_latent_zero(tmp):
    train_autoencoder(TensorData(images(32)), latent_dim=0, epochs=1, hidden=[8], progress=False, verbose=False)


def pca_reconstruct_beyond_components(tmp):
    pca = PCA(4).fit(TensorData(images(32)))
    pca.reconstruct(images(4), k=8)


def autoencoder_swiss_roll_bernoulli(tmp):
    roll = toy.swiss_roll(64, generator=torch.Generator().manual_seed(0))
    roll = (roll - roll.mean(0)) / roll.std(0)
    train_autoencoder(TensorData(roll), latent_dim=2, epochs=1, hidden=[8], progress=False, verbose=False)


def autoencoder_far_too_fast(tmp):
    train_autoencoder(TensorData(images(128)), test=TensorData(images(32, seed=1)), latent_dim=2, epochs=4,
                      hidden=[16], lr=10.0, batch_size=32, seed=0, progress=False, verbose=False)


def encode_dataset_of_uint8(tmp):
    torch.manual_seed(0)
    model, x = Autoencoder(latent_dim=2, hidden=[16]), images(8)
    a, _ = encode_dataset(model, (x * 255).to(torch.uint8))
    b, _ = encode_dataset(model, x)
    assert torch.allclose(a, b, atol=1e-5), "uint8 images not read as 0..255"


# ------------------------------------------------------------------------------------------ notebook 02
def linear_gaussian_sigma_zero(tmp):
    linear_gaussian(sigma=0.0)


def linear_gaussian_b_of_another_length(tmp):
    linear_gaussian(b=torch.zeros(4))


def elbo_exact_of_another_dimension(tmp):
    linear_gaussian().elbo_exact(torch.zeros(1, 4), torch.zeros(1, 2), torch.zeros(1, 2))


def gaussian_kl_of_two_shapes(tmp):
    gaussian_kl(torch.zeros(10, 2), torch.zeros(10, 3))


# ------------------------------------------------------------------------------------------ notebook 03
def resume_fit_other_batch_size(tmp):
    path = tmp / "fit.pt"
    fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: fit(vae(), images(64), epochs=2, batch_size=32, seed=0, resume=path, **Quiet.fit))


def fit_batch_size_zero(tmp):
    fit(vae(), images(32), epochs=1, batch_size=0, **Quiet.fit)


def traversal_of_one_step(tmp):
    latent_traversal(vae(), steps=1)


def prior_grid_of_a_16d_vae(tmp):
    torch.manual_seed(0)
    decode_prior_grid(VAE(latent_dim=16, hidden=[16]), n=4)


def vae_sample_with_a_seed_as_generator(tmp):
    model = vae()
    try:
        got = model.sample(4, generator=0)
    except (TypeError, ValueError) as e:
        if re.search(r"generator.*manual_seed", str(e), re.S):
            return
        raise
    assert torch.equal(got, model.sample(4, generator=torch.Generator().manual_seed(0))), "generator=0 not seed 0"


def gaussian_blur_of_sigma_zero(tmp):
    x = images(4)
    assert torch.equal(gaussian_blur(x, 0.0), x), "sigma=0 changed the images"


# ------------------------------------------------------------------------------------------ notebook 04
def train_cvae_on_unlabelled(tmp):
    train_cvae(TensorData(images(32)), latent_dim=2, epochs=1, hidden=[8], progress=False, verbose=False)


def train_cvae_too_few_classes(tmp):
    train_cvae(labelled(32), latent_dim=2, epochs=1, n_classes=5, hidden=[8], progress=False, verbose=False)


def cvae_encode_one_hot(tmp):
    cvae().encode(images(4), F.one_hot(torch.arange(4), 10))


def classify_0_255_floats(tmp):
    classify(clf(), images(4) * 255)


def accuracy_without_labels(tmp):
    accuracy(clf(), images(8))


def resume_cvae_other_clip_grad(tmp):
    path = tmp / "cvae.pt"
    fit(cvae(), labelled(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: fit(cvae(), labelled(64), epochs=2, batch_size=16, seed=0, resume=path, clip_grad=1.0,
                                **Quiet.fit))


# ------------------------------------------------------------------------------------------ notebook 05
def train_draw_no_steps(tmp):
    train_draw(TensorData(images(16)), T=0, hidden=8, latent_dim=2, epochs=1, progress=False, verbose=False)


def draw_loss_of_uint8(tmp):
    model, x = draw(), images(4)
    torch.manual_seed(1)
    a = model.loss((x * 255).to(torch.uint8))["loss"]
    torch.manual_seed(1)
    b = model.loss(x)["loss"]
    assert torch.allclose(a, b), f"uint8 loss {a.item():.3f} vs {b.item():.3f}"


def draw_loss_without_channel_axis(tmp):
    model, x = draw(), images(4)
    torch.manual_seed(1)
    a = model.loss(x[:, 0])["loss"]
    torch.manual_seed(1)
    b = model.loss(x)["loss"]
    assert torch.allclose(a, b), "(N, 28, 28) not read as N one-channel images"      # corrected, see the docstring


def resume_draw_from_a_vae_file(tmp):
    path = tmp / "fit.pt"
    fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    model = draw()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        untouched(path, lambda: fit(model, images(64), epochs=2, batch_size=16, seed=0, resume=path, **Quiet.fit))
    finally:
        assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items()), "weights copied from the file"


def draw_far_too_fast(tmp):
    train_draw(TensorData(images(64)), T=2, read_n=2, write_n=3, hidden=8, latent_dim=2, epochs=3, lr=10.0,
               batch_size=16, seed=0, progress=False, verbose=False)


def draw_write_n_zero(tmp):
    DRAW(T=2, write_n=0, enc_hidden=8, dec_hidden=8, latent_dim=2)


# ------------------------------------------------------------------------------------------ notebook 06
def gan_cached_with_a_built_gan(tmp):
    train_gan_cached(toy_gan(), points(64), name="ring", hyper={}, steps=2, batch_size=16, progress=False,
                     verbose=False)


def resume_gan_other_batch_size(tmp):
    path = tmp / "gan.pt"
    interrupted_gan(path)
    untouched(path, lambda: train_gan(toy_gan(), points(256), steps=30, batch_size=64, seed=0, progress=False,
                                      resume=path, checkpoint_every=10, log_every=10))


def resume_image_gan_from_toy_file(tmp):
    path = tmp / "gan.pt"
    interrupted_gan(path)
    untouched(path, lambda: train_gan(image_gan(), images(64), steps=30, batch_size=32, seed=0, progress=False,
                                      resume=path, checkpoint_every=10, log_every=10))


def toy_gan_far_too_fast(tmp):
    train_gan(toy_gan(), points(256), steps=40, batch_size=32, lr=1e3, seed=0, progress=False)


def conditional_gan_labels_beyond(tmp):
    train_gan(image_gan(n_classes=3), labelled(32), steps=1, batch_size=16, progress=False)


def image_gan_on_uint8(tmp):
    x = images(32)
    image_gan_a = image_gan()
    train_gan(image_gan_a, (x * 255).to(torch.uint8), steps=2, batch_size=16, seed=0, progress=False)
    image_gan_b = image_gan()
    train_gan(image_gan_b, x, steps=2, batch_size=16, seed=0, progress=False)
    a, b = image_gan_a.state_dict(), image_gan_b.state_dict()
    assert all(torch.allclose(v, b[k], atol=1e-5) for k, v in a.items()), "uint8 images not trained on as 0..255"


# ------------------------------------------------------------------------------------------ notebook 07
def cgan_sample_label_12(tmp):
    image_gan(n_classes=10).sample(torch.tensor([0, 1, 12]))


def d_classes_without_auxiliary(tmp):
    image_gan(n_classes=10).discriminator(images(4), torch.arange(4), classes=True)


def feature_diversity_labels_of_another_length(tmp):
    E.feature_diversity(torch.randn(8, 16), torch.arange(4))


def train_cvae_negative_beta(tmp):
    train_cvae(labelled(32), latent_dim=2, epochs=1, beta=-2.0, hidden=[8], progress=False, verbose=False)


def extract_features_without_channel_axis(tmp):
    model, x = clf().eval(), images(4)
    assert torch.allclose(extract_features(model, x[:, 0]), extract_features(model, x)), \
        "(N, 28, 28) not read as N one-channel images"                                  # corrected, see the docstring


def conditional_d_on_one_hot(tmp):
    image_gan(n_classes=10).discriminator(images(4), F.one_hot(torch.arange(4), 10))


# ------------------------------------------------------------------------------------------ notebook 08
def zoo_sample_typo(tmp):
    zoo.sample("vea", vae(), 5)


def log_likelihood_of_a_gan(tmp):
    E.log_likelihood(image_gan(), images(4), k=2, progress=False)


def parzen_sigma_zero(tmp):
    E.parzen_log_likelihood(images(8), images(4, seed=1), sigma=0.0)


def precision_recall_k_beyond(tmp):
    E.precision_recall(torch.randn(5, 16), torch.randn(5, 16), k=10)


def gaussian_stats_of_one(tmp):
    E.gaussian_stats(torch.randn(1, 16))


def nearest_neighbours_images_against_features(tmp):
    E.nearest_neighbours(images(4), torch.randn(8, 16))


# ------------------------------------------------------------------------------------------ command line, setup, cache
def cli_device_gpu(tmp):
    cli("train", "vae", "--device", "gpu")


def cli_doctor_cifar(tmp):
    cli("doctor", "--dataset", "cifar10")


def cli_pretrain_notebook_9(tmp):
    cli("pretrain", "--notebooks", "9", "--dry-run")


def cli_sample_cgan_too_many(tmp):
    cli("sample", "cgan", "-n", "20", "--out", str(tmp / "grid.png"))


def setup_threads_zero(tmp):
    gencore.setup(seed=0, threads=0, device="cpu", home=tmp / "home", verbose=False)


def setup_home_is_a_file(tmp):
    (tmp / "home.txt").write_text("not a folder")
    gencore.setup(seed=0, device="cpu", threads=1, home=tmp / "home.txt", verbose=False)


def cached_model_of_another_architecture(tmp):
    calls = []

    def train(model):
        calls.append(model)
        return fit(model, images(32), epochs=1, batch_size=16, seed=0, **Quiet.fit)

    config = dict(name="vae-cache", epochs=1, seed=0)
    load_or_train(vae(), train, config, cache_dir=tmp / "cache", verbose=False)
    torch.manual_seed(0)
    other = VAE(latent_dim=2, hidden=[32])
    try:
        load_or_train(other, train, config, cache_dir=tmp / "cache", verbose=False)
    except ValueError as e:
        if re.search(r"another|different|architecture|shape", str(e)):
            return
        raise
    assert len(calls) == 2, "the cached weights of another architecture were loaded (or mixed) into the model"


def gan_cached_snapshots_beyond_steps(tmp):
    train_gan_cached(toy_gan, points(64), name="ring", hyper={}, steps=4, snapshots=[0, 100], batch_size=16,
                     progress=False, verbose=False)


NOT_ZERO = r"(at least 1|1 or more|positive|> ?0|greater than 0)"

SIXTH = [
    # notebook 00
    Mistake("show_images of float 0..255", "SHAPE", show_images_of_0_255_floats, ValueError, r"\[0, 1\].*255"),
    Mistake("fit_generator_mmd(sample_data=a tensor)", "HINT", mmd_with_a_tensor_as_target, TypeError,
            r"sample_data.*(function|callable|lambda)"),
    Mistake("fit_generator_mmd on a 3-D target, 2-D generator", "SHAPE", mmd_with_a_3d_target, ValueError,
            r"\(N, 2\).*\(16, 3\)|\(16, 3\).*\(N, 2\)|out_dim"),
    Mistake("fit_generator_mmd(snapshots=[0, 10]) of 4 steps", "HINT", mmd_snapshots_beyond_steps, ValueError,
            r"snapshots.*(steps|4)"),
    Mistake("random_generator(seed=0) on 1-D noise", "SHAPE", random_generator_on_1d_noise, ValueError,
            r"\(N, 2\).*\(100,\)"),
    Mistake("load_dataset(subset=0)", "DIVERGENCE", load_dataset_subset_zero, ValueError,
            r"subset=0.*between 1"),                                  # corrected: was r"subset.*(at least 1|...)",
    # notebook 01
    Mistake("make_encoder('cnn')", "HINT", make_encoder_cnn, ValueError, r"'cnn'.*'mlp'"),
    Mistake("train_autoencoder(latent_dim=0)", "HINT", train_autoencoder_latent_zero, ValueError,
            r"latent_dim.*" + NOT_ZERO),
    Mistake("PCA(4).reconstruct(k=8)", "HINT", pca_reconstruct_beyond_components, ValueError, r"k.*8.*4|k.*4.*8"),
    Mistake("autoencoder on the swiss roll, Bernoulli likelihood", "HINT", autoencoder_swiss_roll_bernoulli,
            ValueError, r"likelihood='gaussian'"),
    Mistake("train_autoencoder(lr=10)", "DIVERGENCE", autoencoder_far_too_fast, TrainingDiverged,
            r"diverged.*[Ll]ower the learning rate \(lr=10"),
    Mistake("encode_dataset of uint8 images", "SHAPE", encode_dataset_of_uint8),
    # notebook 02
    Mistake("LinearGaussian(sigma=0)", "HINT", linear_gaussian_sigma_zero, ValueError, r"sigma.*" + NOT_ZERO),
    Mistake("LinearGaussian with b of length 4 for W (5, 2)", "SHAPE", linear_gaussian_b_of_another_length,
            ValueError, r"\bb\b.*(5|\(4,\))"),
    Mistake("elbo_exact of x (1, 4) for a 5-D model", "SHAPE", elbo_exact_of_another_dimension, ValueError,
            r"x.*(\(N, 5\)|5).*\(1, 4\)"),
    Mistake("gaussian_kl(mu (10, 2), logvar (10, 3))", "HINT", gaussian_kl_of_two_shapes, ValueError,
            r"mu.*logvar|logvar.*\(10, 3\)"),
    # notebook 03
    Mistake("resume fit with another batch_size", "RESUME", resume_fit_other_batch_size, ValueError,
            r"another configuration.*batch_size"),
    Mistake("fit(batch_size=0)", "HINT", fit_batch_size_zero, ValueError, r"batch_size.*" + NOT_ZERO),
    Mistake("latent_traversal(steps=1)", "HINT", traversal_of_one_step, ValueError,
            r"steps.*(at least 2|2 or more|>= ?2)"),
    Mistake("decode_prior_grid of a 16-D VAE", "HINT", prior_grid_of_a_16d_vae, ValueError,
            r"2-D|latent_dim=16|two latent"),
    Mistake("VAE.sample(4, generator=0)", "HINT", vae_sample_with_a_seed_as_generator),
    Mistake("gaussian_blur(x, 0.0)", "SHAPE", gaussian_blur_of_sigma_zero),
    # notebook 04
    Mistake("train_cvae on unlabelled data", "HINT", train_cvae_on_unlabelled, ValueError, r"label"),
    Mistake("train_cvae(n_classes=5) on labels 0..9", "SHAPE", train_cvae_too_few_classes, ValueError,
            r"\[0, 5\).*model of 5 classes.*label 5"),              # corrected: was r"n_classes=5.*9"
    Mistake("cVAE.encode(x, one-hot y)", "SHAPE", cvae_encode_one_hot, ValueError,
            r"labels must be integers.*shape \(4,\).*got shape \(4, 10\)"),     # corrected: was r"class ind|argmax"
    Mistake("classify float 0..255", "SHAPE", classify_0_255_floats, ValueError, r"\[0, 1\].*255"),
    Mistake("accuracy(classifier, images) without labels", "HINT", accuracy_without_labels, (TypeError, ValueError),
            r"labels"),
    Mistake("resume a cVAE's fit with clip_grad added", "RESUME", resume_cvae_other_clip_grad, ValueError,
            r"another configuration.*clip_grad"),
    # notebook 05
    Mistake("train_draw(T=0)", "HINT", train_draw_no_steps, ValueError, r"\bT\b.*" + NOT_ZERO),
    Mistake("DRAW.loss of uint8 images", "SHAPE", draw_loss_of_uint8),
    Mistake("DRAW.loss on (N, 28, 28)", "SHAPE", draw_loss_without_channel_axis),   # corrected: was a ValueError
    Mistake("resume a DRAW fit from a VAE's progress file", "RESUME", resume_draw_from_a_vae_file, ValueError,
            r"another (model|architecture|configuration)|VAE"),
    Mistake("train_draw(lr=10)", "DIVERGENCE", draw_far_too_fast, TrainingDiverged,
            r"diverged.*[Ll]ower the learning rate \(lr=10"),
    Mistake("DRAW(write_n=0)", "HINT", draw_write_n_zero, ValueError, r"write_n.*" + NOT_ZERO),
    # notebook 06
    Mistake("train_gan_cached(build=a built GAN)", "HINT", gan_cached_with_a_built_gan, TypeError,
            r"build.*(function|callable|lambda)"),
    Mistake("resume a GAN with another batch_size", "RESUME", resume_gan_other_batch_size, ValueError,
            r"another configuration.*batch_size"),
    Mistake("resume an image GAN from a toy GAN's progress file", "RESUME", resume_image_gan_from_toy_file,
            ValueError, r"another (model|architecture|configuration)"),
    Mistake("a toy GAN with lr=1e3", "DIVERGENCE", toy_gan_far_too_fast, TrainingDiverged,
            r"diverged.*[Ll]ower the learning rate"),
    Mistake("a 3-class image GAN on labels 0..9", "SHAPE", conditional_gan_labels_beyond, ValueError,
            r"\[0, 3\).*model of 3 classes.*label 3"),              # corrected: was r"label.*9|n_classes=3"
    Mistake("train_gan on uint8 images", "SHAPE", image_gan_on_uint8),
    # notebook 07
    Mistake("cGAN.sample(labels [0, 1, 12])", "SHAPE", cgan_sample_label_12, ValueError, r"label.*12"),
    Mistake("D(x, y, classes=True) without an auxiliary classifier", "HINT", d_classes_without_auxiliary,
            ValueError, r"auxiliary=True"),
    Mistake("feature_diversity with 4 labels for 8 features", "SHAPE", feature_diversity_labels_of_another_length,
            ValueError, r"labels.*(4|8)"),
    Mistake("train_cvae(beta=-2)", "HINT", train_cvae_negative_beta, ValueError, r"beta"),
    Mistake("extract_features on (N, 28, 28)", "SHAPE", extract_features_without_channel_axis),   # corrected
    Mistake("a conditional D on one-hot labels", "SHAPE", conditional_d_on_one_hot, ValueError,
            r"labels must be integers.*shape \(4,\).*got shape \(4, 10\)"),     # corrected: was r"class ind|argmax"
    # notebook 08
    Mistake("zoo.sample('vea')", "HINT", zoo_sample_typo, ValueError,
            r"'vea'.*\bvae\b"),                                    # corrected: was r"'vea'.*'vae'"
    Mistake("log_likelihood of a GAN", "HINT", log_likelihood_of_a_gan, (TypeError, ValueError),
            r"(?i)parzen|no likelihood|not .*likelihood"),
    Mistake("parzen_log_likelihood(sigma=0)", "HINT", parzen_sigma_zero, ValueError, r"sigma.*" + NOT_ZERO),
    Mistake("precision_recall(k=10) of 5 features", "HINT", precision_recall_k_beyond, ValueError,
            r"k.*10.*5|k.*5.*10"),
    Mistake("gaussian_stats of one feature vector", "DIVERGENCE", gaussian_stats_of_one, ValueError,
            r"at least 2|2 or more"),
    Mistake("nearest_neighbours of images against features", "SHAPE", nearest_neighbours_images_against_features,
            ValueError, r"(queries|reference).*(784|16|\(1, 28, 28\))"),
    # command line, setup, cache
    Mistake("gencore train vae --device gpu", "HINT", cli_device_gpu, Refused, r"--device 'gpu'.*cuda"),
    Mistake("gencore doctor --dataset cifar10", "HINT", cli_doctor_cifar, Refused, r"--dataset.*cifar10.*mnist"),
    Mistake("gencore pretrain --notebooks 9", "HINT", cli_pretrain_notebook_9, Refused, r"--notebooks.*9"),
    Mistake("gencore sample cgan -n 20", "HINT", cli_sample_cgan_too_many, Refused, r"-n.*16"),
    Mistake("gencore.setup(threads=0)", "HINT", setup_threads_zero, ValueError, r"threads.*" + NOT_ZERO),
    Mistake("gencore.setup(home=a file)", "HINT", setup_home_is_a_file, (ValueError, OSError),
            r"home.*(folder|directory)"),
    Mistake("load_or_train a model of another architecture, same config", "RESUME",
            cached_model_of_another_architecture),
    Mistake("train_gan_cached(snapshots=[0, 100]) of 4 steps", "HINT", gan_cached_snapshots_beyond_steps,
            ValueError, r"snapshots.*(steps|4)"),
]

XFAIL: dict[str, str] = {}     # the five entries above were fixed after the measure (see the docstring)


def _param(m: Mistake):
    marks = [pytest.mark.xfail(strict=True, reason=XFAIL[m.name])] if m.name in XFAIL else []
    return pytest.param(m, marks=marks, id=m.name)


@pytest.mark.parametrize("mistake", [_param(m) for m in SIXTH])
def test_every_mistake_gets_a_clear_answer(mistake, home, tmp_path):
    verdict, what = outcome(mistake, tmp_path)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_sixth_set_samples_every_notebook_and_class():
    assert len(SIXTH) == 60
    kinds = [m.kind for m in SIXTH]
    assert all(kinds.count(k) >= 2 for k in ("RESUME", "DIVERGENCE", "SHAPE", "HINT")), kinds


def measure(mistakes: list[Mistake], title: str) -> None:
    import tempfile

    import matplotlib.pyplot as plt

    counts = {"clear": 0, "unclear": 0, "silent": 0}
    by_kind: dict[str, dict[str, int]] = {}
    others = []
    for m in mistakes:
        with tempfile.TemporaryDirectory() as tmp:
            gencore.setup(seed=0, quick=False, device="cpu", threads=1, home=Path(tmp) / "home", verbose=False)
            verdict, what = outcome(m, Path(tmp))
            plt.close("all")
        counts[verdict] += 1
        by_kind.setdefault(m.kind, {"clear": 0, "unclear": 0, "silent": 0})[verdict] += 1
        if verdict != "clear":
            others.append(f"  {verdict:8s} {m.kind:10s} {m.name}: {what[:220]}")
    n = len(mistakes)
    print(f"{title}: {counts['clear']}/{n} clear ({100 * counts['clear'] / max(n, 1):.1f}%), "
          f"{counts['unclear']} unclear, {counts['silent']} silent")
    for kind, c in by_kind.items():
        print(f"  {kind:10s} {c['clear']} clear, {c['unclear']} unclear, {c['silent']} silent")
    print("\n".join(others))


if __name__ == "__main__":
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    measure(SIXTH, "sixth set")
