"""Issue 27, SEVENTH set: a fresh, blind set of 60 mistakes, measured against the library as it is now.

Written without reading the other tests/test_bad_input_*.py (only tests/test_bad_input.py, for its helpers) and
without the recent git history. Sampled the way mistakes happen in the course: for each notebook 00-08, six
mistakes in the calls its code cells make into gencore (a call copied and changed: another shape, a channel axis
lost or put last, uint8 or 0..255 images, one-hot labels, labels out of range, a tensor where a function is
wanted, an int seed where a torch.Generator is wanted, a model instead of its builder, a far too large learning
rate, zero steps or an empty set, a typo'd option, a resumed run with other settings or another model's progress
file), plus six for the command line (`python -m gencore`), `gencore.setup`, grading and the model cache.
Each entry's answer (exception, words of its message, or the correct result) was decided before running it.

Measured (CPU, torch 1 thread), clear answers:

    blind, as first written       42/60 (70.0%)  (first printed as 39: 3 command-line refusals were clear, but
                                                   the harness missed their text, which SystemExit carries)
    after correcting expectations 53/60 (88.3%): 3 unclear, 4 silent          (target: >= 95%, none silent)

    by class       clear/entries     by notebook   clear/entries
    RESUME          6/6              00  4/6       05  5/6
    DIVERGENCE      8/9              01  6/6       06  6/6
    SHAPE          12/14             02  6/6       07  6/6
    HINT           27/31             03  5/6       08  6/6
                                     04  4/6       cli/setup/grade/cache  5/6

After the measure the seven were fixed (60 of 60 clear): fit_cached (train_vae, train_cvae, train_draw, ...)
and fit_generator_mmd refuse a budget of 0 (it trains nothing; train_gan_cached already did); DRAW's attention must
be True or False; a tensor in a cache configuration is refused (its text form is abbreviated; put its fingerprint
there); render(shape='circle') says that shape is an index into SHAPES; one-hot labels are told to take argmax(1)
(check_labels, a dataset's labels, the classifier's accuracy). The label checks moved to gencore/labels.py.

Not clear at the measure (were xfail, strict):
    silent   DIVERGENCE  fit_generator_mmd(G, lambda n: toy.ring(n), steps=0): returns ([], {}), nothing trained
    silent   HINT        train_vae(x, latent_dim=2, hidden=[8], epochs=0): an untrained VAE, History(0 epochs), no word
    silent   HINT        train_draw(x, ..., attention="False"): a DRAW with attention=True (the string is truthy)
    silent   HINT        load_or_train(m, fn, dict(name=..., data=<tensor>)): a tensor in the config is keyed by its
                         repr: two 300-image sets that differ in one image get the same cache key
    unclear  HINT        render(shape="circle", ...): "pass a torch tensor (torch.as_tensor(...))": neither says
                         that shape is an index into SHAPES ('square', 'ellipse', 'triangle') nor refuses the name
    unclear  SHAPE       cvae.encode(x, F.one_hot(y, 10)): "labels must be integers ... of shape (4,), got shape
                         (4, 10)": does not name y or say argmax(1)
    unclear  SHAPE       accuracy(clf, x, F.one_hot(y, 10)): "labels must be a 1-D integer tensor of class indices,
                         got ... (8, 10)": no argmax(1)

Expectations corrected after seeing the outcome (the library's answer was clear and correct; 11):
    02 estimator_variance(reduction='summ'): "reduction must be 'sum' or 'none', not 'summ'" (words in another order)
    03 decode_prior_grid of a 16-d VAE: "needs a 2-D latent space; ... latent_dim=16 (use latent_traversal ...)"
    03 encode_means of no images: returns a (0, 2) tensor, the correct answer (expected: a refusal)
    04 train_cvae(n_classes=5) on labels 0..9: "labels must be integers in [0, 5) ... for a model of 5 classes"
    05 DRAW(in_shape=(28, 28, 1)): a legal shape (28 channels of 28x1); the first batch is refused with
       "... or build the model for data of shape (1, 28, 28) (in_shape=(1, 28, 28))" (expected: at construction)
    06 mode_metrics of 3-D samples: "samples have 3 dimensions but the centres 2"
    06 image_gan(in_shape=x.shape): "in_shape is the shape of one image ... pass x.shape[1:]"
    07 a 2-class cGAN on labels 0..2: "labels must be integers in [0, 2) ... label 2 ... outside that range"
    08 zoo.load('dcgan'): "Unknown model 'dcgan'; the course's models are: vae, cvae, ..., gan, cgan, classifier"
    08 real_vs_fake_quiz(n=16) of 5 fakes: "needs at least 8 real and 8 generated images; got 32 and 5: pass n=10"
    setup(dataset='fashion_mnist'): "Unknown dataset 'fashion_mnist'; expected one of mnist, fashion-mnist, sprites"

``python tests/test_bad_input_seventh.py`` prints the measure; under pytest each entry asserts its answer.
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from test_bad_input import (
    Mistake,
    Quiet,
    cvae,
    draw,
    finite_loss,
    image_gan,
    images,
    labelled,
    measure,
    outcome,
    points,
    toy_gan,
    untouched,
    vae,
)

import gencore
from gencore import gan as G
from gencore import viz
from gencore.autoencoder import PCA, Autoencoder, train_autoencoder
from gencore.cache import load_or_train, train_gan_cached
from gencore.classifier import Classifier, accuracy
from gencore.cvae import ConditionalVAE, train_cvae
from gencore.data import toy
from gencore.draw import DRAW, train_draw
from gencore.evaluation import (
    entropy_of_counts,
    feature_diversity,
    gaussian_stats,
    log_likelihood,
    mode_metrics,
    parzen_log_likelihood,
    two_sample_accuracy,
)
from gencore.history import TrainingDiverged
from gencore.intrinsic_dim import two_nn
from gencore.pushforward import Generator, fit_generator_mmd, random_generator
from gencore.train import adam, fit, train_gan
from gencore.vae import VAE, decode_prior_grid, encode_means, train_vae
from gencore.variational import LinearGaussian, estimator_variance, gaussian_kl, reparam_grad

# a refusal to resume: one sentence that says the file belongs to another run
OTHER_RUN = r"(another|different|other) (configuration|model|architecture|run|kind)|does not match|incompatible"
TO_UNIT = r"\[0, 1\].*255"


class Refused(Exception):
    """A command line that ended with a non-zero status; the message is what it printed."""


@contextlib.contextmanager
def nothing_starts():
    """The command line's commands and the grader's per-notebook work replaced: reaching them means the mistake
    was not caught by the option checks (and nothing heavy runs)."""
    from gencore.course import cli, grade

    def started(*a, **k):
        raise AssertionError("ran on: the command started without a word")
    saved, submission = dict(cli.COMMANDS), grade.grade_submission
    cli.COMMANDS.update({k: started for k in saved})
    grade.grade_submission = started
    try:
        yield
    finally:
        cli.COMMANDS.update(saved)
        grade.grade_submission = submission


def command(main, argv: list[str]) -> None:
    err = io.StringIO()
    with nothing_starts(), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    if code not in (0, None):                  # argparse prints and exits 2; a refusal exits with its message
        raise Refused(err.getvalue().strip() if isinstance(code, int) else str(code))
    raise AssertionError(f"exit status {code}: no word")


def gencore_cli(*argv):
    from gencore.course.cli import main
    command(main, list(argv))


def grade_cli(*argv):
    from gencore.course.grade import main
    command(main, list(argv))


def small_toy_gan(**kw):
    return toy_gan(**kw)


def interrupted(gan, data, path: Path, **kw) -> None:
    """A GAN run of 6 steps interrupted after step 2 (its progress file written at step 2)."""
    from gencore import train as T

    step = T.generator_step

    def dying(*a, **k):
        if k["step"] > 2:
            raise KeyboardInterrupt
        return step(*a, **k)
    T.generator_step = dying
    try:
        train_gan(gan, data, steps=6, batch_size=8, seed=0, progress=False, resume=path, checkpoint_every=2,
                  log_every=2, **kw)
    except KeyboardInterrupt:
        pass
    finally:
        T.generator_step = step
    assert path.exists(), "test setup: no progress file"


def uint8(x):
    return (x * 255).round().to(torch.uint8)


# ------------------------------------------------------------------------------------------ 00 generative models
def n00_ring_with_an_int_seed(tmp):
    toy.ring(256, modes=8, radius=2.0, std=0.1, generator=0)


def n00_mmd_fit_on_a_tensor(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=8), toy.ring(512), steps=2, batch_size=16, progress=False)


def n00_random_network_on_3d_noise(tmp):
    random_generator(seed=0)(torch.randn(100, 3))


def n00_mmd_fit_of_zero_steps(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=8), lambda n: toy.ring(n), steps=0, batch_size=16, progress=False)


def n00_show_images_0_255(tmp):
    viz.show_images(images(8) * 255, nrow=8)


def n00_render_an_unknown_shape(tmp):
    from gencore.data.sprites import render

    render(shape="circle", scale=0.5, rotation=0.0, x=0.5, y=0.5)


# ------------------------------------------------------------------------------------------ 01 autoencoders
def n01_likelihood_typo(tmp):
    train_autoencoder(images(32), latent_dim=2, epochs=1, likelihood="bernouli", hidden=[8], progress=False,
                      verbose=False)


def n01_pca_of_more_components_than_images(tmp):
    PCA(32).fit(images(16))


def n01_autoencoder_encodes_uint8(tmp):
    torch.manual_seed(0)
    model, x = Autoencoder(latent_dim=2, hidden=[8]), images(4)
    assert torch.allclose(model.encode(uint8(x)), model.encode(x)), "uint8 not read as 0..255"


def n01_two_nn_of_one_image(tmp):
    two_nn(images(1))


def n01_autoencoder_of_zero_latents(tmp):
    Autoencoder(latent_dim=0, hidden=[8])


def n01_resume_autoencoder_other_latent(tmp):
    path = tmp / "ae.pt"
    torch.manual_seed(0)
    fit(Autoencoder(latent_dim=2, hidden=[8]), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=3, hidden=[8])
    untouched(path, lambda: fit(model, images(64), epochs=2, batch_size=16, seed=0, resume=path, **Quiet.fit))


# ------------------------------------------------------------------------------------------ 02 variational inference
def square(z):
    return z.pow(2).sum(-1)


def n02_gaussian_kl_of_two_shapes(tmp):
    gaussian_kl(torch.zeros(4, 2), torch.zeros(4, 3))


def n02_reparam_grad_with_an_int_seed(tmp):
    reparam_grad(square, torch.zeros(2), torch.zeros(2), 10, generator=0)


def n02_linear_gaussian_negative_sigma(tmp):
    LinearGaussian(torch.randn(5, 2), torch.zeros(5), -1.0)


def n02_linear_gaussian_offset_of_another_length(tmp):
    LinearGaussian(torch.randn(5, 2), torch.zeros(3), 0.5)


def n02_estimator_variance_reduction_typo(tmp):
    estimator_variance(reparam_grad, square, torch.zeros(2), torch.zeros(2), n_samples=10, n_repeats=5,
                       reduction="summ")


def n02_estimator_variance_of_one_repeat(tmp):
    estimator_variance(reparam_grad, square, torch.zeros(2), torch.zeros(2), n_samples=10, n_repeats=1)


# ------------------------------------------------------------------------------------------ 03 VAE
def n03_diverging_through_adam(tmp):
    model, test = vae(), images(64, seed=1)
    try:
        fit(model, images(192), test=test, epochs=3, batch_size=32, seed=0, optimizer=adam(model, 10.0),
            **Quiet.fit)
    except TrainingDiverged:
        assert finite_loss(model, test), "the weights kept do not give a finite test loss"
        raise


def n03_resume_with_another_batch_size(tmp):
    path = tmp / "vae.pt"
    fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: fit(vae(), images(64), epochs=2, batch_size=32, seed=0, resume=path, **Quiet.fit))


def n03_prior_grid_of_a_16d_vae(tmp):
    torch.manual_seed(0)
    decode_prior_grid(VAE(latent_dim=16, hidden=[8]), n=3)


def n03_log_likelihood_of_uint8(tmp):
    model, x = vae(), images(8)
    a = log_likelihood(model, uint8(x), k=2, generator=torch.Generator().manual_seed(0), progress=False)
    b = log_likelihood(model, x, k=2, generator=torch.Generator().manual_seed(0), progress=False)
    assert torch.allclose(a, b), "uint8 not read as 0..255"


def n03_train_vae_zero_epochs(tmp):
    train_vae(images(32), latent_dim=2, hidden=[8], epochs=0, progress=False, verbose=False)


def n03_encode_means_of_no_images(tmp):
    # corrected: no images have no codes, a (0, 2) tensor, which is what it returns
    mu, y = encode_means(vae(), images(4)[:0])
    assert mu.shape == (0, 2) and y is None, f"{tuple(mu.shape)}, {y}"


# ------------------------------------------------------------------------------------------ 04 conditional VAE
def n04_train_cvae_fewer_classes_than_labels(tmp):
    train_cvae(labelled(32), latent_dim=2, epochs=1, n_classes=5, hidden=[8], progress=False, verbose=False)


def n04_cvae_encode_one_hot(tmp):
    cvae().encode(images(4), F.one_hot(torch.arange(4), 10))


def n04_accuracy_of_one_hot_labels(tmp):
    torch.manual_seed(0)
    accuracy(Classifier(10), images(8), F.one_hot(torch.arange(8), 10))


def n04_log_likelihood_k_zero(tmp):
    log_likelihood(cvae(), labelled(8), k=0, progress=False)


def n04_resume_cvae_with_other_classes(tmp):
    path = tmp / "cvae.pt"
    fit(cvae(), labelled(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    torch.manual_seed(0)
    model = ConditionalVAE(latent_dim=2, n_classes=12, hidden=[16])
    untouched(path, lambda: fit(model, labelled(64), epochs=2, batch_size=16, seed=0, resume=path, **Quiet.fit))


def n04_cvae_loss_of_fewer_labels(tmp):
    cvae().loss(images(8), torch.arange(7))


# ------------------------------------------------------------------------------------------ 05 DRAW
def n05_draw_of_zero_steps(tmp):
    DRAW(T=0, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2)


def n05_draw_channels_last_shape(tmp):
    # corrected: (28, 28, 1) is a legal in_shape (28 channels of 28x1); the student meets it at the first batch
    model = DRAW(T=2, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2, in_shape=(28, 28, 1))
    model.loss(images(4))


def n05_train_draw_attention_as_text(tmp):
    train_draw(images(16), T=2, hidden=8, latent_dim=2, epochs=1, attention="False", progress=False, verbose=False)


def n05_resume_draw_with_other_steps(tmp):
    path = tmp / "draw.pt"
    fit(draw(), images(32), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    torch.manual_seed(0)
    model = DRAW(T=3, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2)
    untouched(path, lambda: fit(model, images(32), epochs=2, batch_size=16, seed=0, resume=path, **Quiet.fit))


def n05_draw_reconstructs_uint8(tmp):
    model, x = draw(), images(4)
    torch.manual_seed(1)
    a = model.reconstruct(uint8(x))
    torch.manual_seed(1)
    assert torch.allclose(a, model.reconstruct(x)), "uint8 not read as 0..255"


def n05_train_draw_far_too_fast(tmp):
    train_draw(images(64), T=2, hidden=8, latent_dim=2, epochs=3, lr=10.0, batch_size=16, progress=False,
               verbose=False)


# ------------------------------------------------------------------------------------------ 06 GAN
def n06_snapshot_beyond_the_steps(tmp):
    train_gan_cached(small_toy_gan, points(64), name="snap", hyper={}, steps=4, snapshots=(2, 10), batch_size=16,
                     progress=False, verbose=False)


def n06_cached_gan_of_a_model_not_a_builder(tmp):
    train_gan_cached(toy_gan(), points(64), name="inst", hyper={}, steps=2, batch_size=16, progress=False,
                     verbose=False)


def n06_mode_metrics_of_3d_samples(tmp):
    mode_metrics(points(100, d=3), toy.ring_centers(8, 2.0), 0.02)


def n06_entropy_of_no_counts(tmp):
    entropy_of_counts(torch.zeros(10, dtype=torch.long))


def n06_resume_gan_from_a_vae_progress_file(tmp):
    path = tmp / "run.pt"
    fit(vae(), images(32), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: train_gan(toy_gan(), points(64), steps=4, batch_size=16, seed=0, progress=False,
                                      resume=path, checkpoint_every=2))


def n06_image_gan_of_the_batch_shape(tmp):
    x = images(16)
    G.image_gan(in_shape=x.shape, g_channels=(8, 4), d_channels=(4, 8), noise_dim=8)


# ------------------------------------------------------------------------------------------ 07 conditional GAN
def n07_cgan_sample_a_label_beyond(tmp):
    image_gan(n_classes=3).sample([0, 3])


def n07_cgan_on_unlabelled_images(tmp):
    train_gan(image_gan(n_classes=3), images(16), steps=1, batch_size=8, progress=False)


def n07_cgan_on_labels_beyond_its_classes(tmp):
    train_gan(image_gan(n_classes=2), labelled(16, classes=3), steps=1, batch_size=8, progress=False)


def n07_feature_diversity_of_nothing(tmp):
    feature_diversity(torch.zeros(0, 16))


def n07_cvae_with_negative_beta(tmp):
    train_cvae(labelled(32), latent_dim=2, epochs=1, n_classes=10, hidden=[8], beta=-2.0, progress=False,
               verbose=False)


def n07_resume_cgan_with_other_classes(tmp):
    path = tmp / "cgan.pt"
    data = labelled(32, classes=2)
    interrupted(image_gan(n_classes=2), data, path)
    untouched(path, lambda: train_gan(image_gan(n_classes=3), data, steps=6, batch_size=8, seed=0, progress=False,
                                      resume=path, checkpoint_every=2, log_every=2))


# ------------------------------------------------------------------------------------------ 08 evaluation
def n08_zoo_sample_of_the_wrong_model(tmp):
    from gencore.course import zoo

    zoo.sample("gan", vae(), 5)


def n08_zoo_load_unknown_name(tmp):
    from gencore.course import zoo

    zoo.load("dcgan", verbose=False, progress=False)


def n08_parzen_of_zero_width(tmp):
    parzen_log_likelihood(images(8).view(8, -1), images(4, seed=1).view(4, -1), 0.0)


def n08_gaussian_stats_of_one_row(tmp):
    gaussian_stats(torch.randn(1, 16))


def n08_two_sample_accuracy_of_other_widths(tmp):
    two_sample_accuracy(torch.randn(10, 16), torch.randn(10, 8))


def n08_quiz_of_too_few_fakes(tmp):
    from gencore.quiz import real_vs_fake_quiz

    real_vs_fake_quiz(images(32), images(5, seed=1), n=16, display=False)


# ------------------------------------------------------------------------- command line, setup, grading, cache
def cli_model_typo(tmp):
    gencore_cli("train", "vea")


def cli_zero_epochs(tmp):
    gencore_cli("train", "vae", "--epochs", "0")


def cli_device_gpu(tmp):
    gencore_cli("train", "vae", "--device", "gpu")


def setup_dataset_with_underscore(tmp):
    gencore.setup(dataset="fashion_mnist", home=tmp / "home", device="cpu", threads=1, verbose=False)


def grade_zero_jobs(tmp):
    nb = tmp / "alice.ipynb"
    nb.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    grade_cli(str(nb), "--jobs", "0", "--out", str(tmp / "grades"))


def cache_config_with_a_tensor(tmp):
    load_or_train(vae(), lambda m: fit(m, images(16), epochs=1, **Quiet.fit), dict(name="vae-t", data=images(4)),
                  verbose=False)


M = Mistake
SEVENTH = [
    # 00
    M("00 toy.ring(generator=0)", "HINT", n00_ring_with_an_int_seed, TypeError, r"generator.*torch\.Generator"),
    M("00 fit_generator_mmd on a tensor, not a function", "HINT", n00_mmd_fit_on_a_tensor, TypeError,
      r"sample_data.*(function|callable)"),
    M("00 random_generator(seed=0) on 3-D noise", "SHAPE", n00_random_network_on_3d_noise, ValueError,
      r"\(N, 2\).*\(100, 3\)"),
    M("00 fit_generator_mmd(steps=0)", "DIVERGENCE", n00_mmd_fit_of_zero_steps, ValueError, r"steps.*at least 1"),
    M("00 viz.show_images of float 0..255", "SHAPE", n00_show_images_0_255, ValueError, TO_UNIT),
    M("00 render(shape='circle')", "HINT", n00_render_an_unknown_shape, ValueError, r"'circle'.*'square'"),
    # 01
    M("01 train_autoencoder(likelihood='bernouli')", "HINT", n01_likelihood_typo, ValueError,
      r"likelihood 'bernouli'.*'bernoulli'"),
    M("01 PCA(32).fit of 16 images", "HINT", n01_pca_of_more_components_than_images, ValueError,
      r"n_components.*32.*16|16.*n_components.*32"),
    M("01 Autoencoder.encode of uint8", "SHAPE", n01_autoencoder_encodes_uint8),
    M("01 two_nn of one image", "DIVERGENCE", n01_two_nn_of_one_image, ValueError, r"at least \d.*got 1|got 1"),
    M("01 Autoencoder(latent_dim=0)", "HINT", n01_autoencoder_of_zero_latents, ValueError,
      r"latent_dim.*(at least 1|positive)"),
    M("01 resume an autoencoder with latent_dim 3 on a latent_dim 2 file", "RESUME",
      n01_resume_autoencoder_other_latent, ValueError, OTHER_RUN),
    # 02
    M("02 gaussian_kl of (4, 2) means and (4, 3) log-variances", "SHAPE", n02_gaussian_kl_of_two_shapes, ValueError,
      r"\(4, 2\).*\(4, 3\)"),
    M("02 reparam_grad(generator=0)", "HINT", n02_reparam_grad_with_an_int_seed, TypeError,
      r"generator.*torch\.Generator"),
    M("02 LinearGaussian(sigma=-1)", "HINT", n02_linear_gaussian_negative_sigma, ValueError,
      r"sigma.*(> 0|positive)"),
    M("02 LinearGaussian with b of length 3 for W (5, 2)", "SHAPE", n02_linear_gaussian_offset_of_another_length,
      ValueError, r"b.*\(5,\).*\(3,\)"),
    M("02 estimator_variance(reduction='summ')", "HINT", n02_estimator_variance_reduction_typo, ValueError,
      r"reduction.*'sum'.*'summ'"),
    M("02 estimator_variance(n_repeats=1)", "DIVERGENCE", n02_estimator_variance_of_one_repeat, ValueError,
      r"n_repeats.*at least 2"),
    # 03
    M("03 fit(optimizer=adam(m, 10.0)) diverges", "DIVERGENCE", n03_diverging_through_adam, TrainingDiverged,
      r"diverged.*[Ll]ower the learning rate.*10", absent=r"lr=0\.001"),
    M("03 resume fit with another batch_size", "RESUME", n03_resume_with_another_batch_size, ValueError,
      r"another configuration \(.*batch_size"),
    M("03 decode_prior_grid of a 16-d VAE", "HINT", n03_prior_grid_of_a_16d_vae, ValueError,
      r"2-D latent.*latent_dim=16.*latent_traversal"),
    M("03 log_likelihood of uint8", "SHAPE", n03_log_likelihood_of_uint8),
    M("03 train_vae(epochs=0)", "HINT", n03_train_vae_zero_epochs, ValueError, r"epochs.*at least 1"),
    M("03 encode_means of no images", "DIVERGENCE", n03_encode_means_of_no_images),
    # 04
    M("04 train_cvae(n_classes=5) on labels 0..9", "HINT", n04_train_cvae_fewer_classes_than_labels, ValueError,
      r"labels.*\[0, 5\).*5 classes.*label \d+ .*outside"),
    M("04 cVAE.encode with one-hot labels", "SHAPE", n04_cvae_encode_one_hot, ValueError, r"argmax"),
    M("04 accuracy with one-hot labels", "SHAPE", n04_accuracy_of_one_hot_labels, ValueError,
      r"labels.*argmax"),
    M("04 log_likelihood(k=0)", "HINT", n04_log_likelihood_k_zero, ValueError, r"k.*at least 1"),
    M("04 resume a cVAE of 12 classes on a 10-class file", "RESUME", n04_resume_cvae_with_other_classes,
      ValueError, OTHER_RUN),
    M("04 cVAE.loss of 8 images and 7 labels", "SHAPE", n04_cvae_loss_of_fewer_labels, ValueError,
      r"\b8\b.*\b7\b|\b7\b.*\b8\b"),
    # 05
    M("05 DRAW(T=0)", "HINT", n05_draw_of_zero_steps, ValueError, r"T.*at least 1"),
    M("05 DRAW(in_shape=(28, 28, 1))", "SHAPE", n05_draw_channels_last_shape, ValueError,
      r"in_shape=\(1, 28, 28\)"),
    M("05 train_draw(attention='False')", "HINT", n05_train_draw_attention_as_text, TypeError,
      r"attention.*(True or False|bool)"),
    M("05 resume DRAW with T=3 on a T=2 file", "RESUME", n05_resume_draw_with_other_steps, ValueError, OTHER_RUN),
    M("05 DRAW.reconstruct of uint8", "SHAPE", n05_draw_reconstructs_uint8),
    M("05 train_draw(lr=10)", "DIVERGENCE", n05_train_draw_far_too_fast, TrainingDiverged,
      r"diverged.*[Ll]ower the learning rate \(lr=10"),
    # 06
    M("06 train_gan_cached(snapshots=(2, 10), steps=4)", "HINT", n06_snapshot_beyond_the_steps, ValueError,
      r"snapshots.*10.*steps|steps.*4.*10"),
    M("06 train_gan_cached(toy_gan(), ...)", "HINT", n06_cached_gan_of_a_model_not_a_builder, TypeError,
      r"build.*(function|callable)"),
    M("06 mode_metrics of 3-D samples", "SHAPE", n06_mode_metrics_of_3d_samples, ValueError,
      r"samples have 3 dimensions.*centres 2"),
    M("06 entropy_of_counts of all zeros", "DIVERGENCE", n06_entropy_of_no_counts, ValueError,
      r"counts.*(no|zero|empty)"),
    M("06 train_gan resumed from a VAE's progress file", "RESUME", n06_resume_gan_from_a_vae_progress_file,
      ValueError, OTHER_RUN + r"|not a GAN|VAE|fit"),
    M("06 image_gan(in_shape=x.shape) of a batch", "HINT", n06_image_gan_of_the_batch_shape, ValueError,
      r"in_shape.*one image.*\(16, 1, 28, 28\).*x\.shape\[1:\]"),
    # 07
    M("07 cGAN of 3 classes samples label 3", "HINT", n07_cgan_sample_a_label_beyond, ValueError,
      r"label.*3"),
    M("07 train a cGAN on unlabelled images", "HINT", n07_cgan_on_unlabelled_images, ValueError, r"label"),
    M("07 train a 2-class cGAN on labels 0..2", "SHAPE", n07_cgan_on_labels_beyond_its_classes, ValueError,
      r"labels.*\[0, 2\).*2 classes.*label 2 .*outside"),
    M("07 feature_diversity of no features", "DIVERGENCE", n07_feature_diversity_of_nothing, ValueError,
      r"no examples|at least"),
    M("07 train_cvae(beta=-2)", "HINT", n07_cvae_with_negative_beta, ValueError,
      r"beta.*(at least 0|>= 0|non-negative)"),
    M("07 resume a 3-class cGAN on a 2-class file", "RESUME", n07_resume_cgan_with_other_classes, ValueError,
      OTHER_RUN),
    # 08
    M("08 zoo.sample('gan', a VAE, 5)", "HINT", n08_zoo_sample_of_the_wrong_model, TypeError,
      r"'gan'.*VAE|VAE.*'gan'"),
    M("08 zoo.load('dcgan')", "HINT", n08_zoo_load_unknown_name, ValueError, r"'dcgan'.*models are:.*\bgan\b"),
    M("08 parzen_log_likelihood(sigma=0)", "HINT", n08_parzen_of_zero_width, ValueError, r"sigma.*(> 0|positive)"),
    M("08 gaussian_stats of one feature row", "DIVERGENCE", n08_gaussian_stats_of_one_row, ValueError,
      r"at least 2"),
    M("08 two_sample_accuracy of 16- and 8-wide features", "SHAPE", n08_two_sample_accuracy_of_other_widths,
      ValueError, r"16.*8"),
    M("08 real_vs_fake_quiz(n=16) of 5 fakes", "HINT", n08_quiz_of_too_few_fakes, ValueError,
      r"n=16.*8 generated.*got 32 and 5.*n=10"),
    # command line, setup, grading, cache
    M("cli: gencore train vea", "HINT", cli_model_typo, Refused, r"'vea'.*vae"),
    M("cli: gencore train vae --epochs 0", "HINT", cli_zero_epochs, Refused, r"--epochs.*(1 or more|at least 1)"),
    M("cli: gencore train vae --device gpu", "HINT", cli_device_gpu, Refused, r"--device.*'?gpu'?.*cuda"),
    M("setup(dataset='fashion_mnist')", "HINT", setup_dataset_with_underscore, ValueError,
      r"'fashion_mnist'.*fashion-mnist"),
    M("grade --jobs 0", "HINT", grade_zero_jobs, Refused, r"--jobs.*(at least 1|1 or more)"),
    M("load_or_train with a tensor in the config", "HINT", cache_config_with_a_tensor, TypeError,
      r"config.*'data'|'data'.*config"),
]

NOT_CLEAR_NOW: dict[str, str] = {}    # the seven were fixed after the measure (see the docstring)


def _params():
    for i, m in enumerate(SEVENTH):
        marks = [pytest.mark.xfail(strict=True, reason=NOT_CLEAR_NOW[m.name])] if m.name in NOT_CLEAR_NOW else []
        yield pytest.param(m, id=f"{i:02d}-{m.name}", marks=marks)


@pytest.mark.parametrize("mistake", list(_params()))
def test_the_seventh_set(mistake, home, tmp_path):
    verdict, what = outcome(mistake, tmp_path)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_seventh_set_samples_every_notebook_and_class():
    assert len(SEVENTH) == 60
    kinds = [m.kind for m in SEVENTH]
    assert all(kinds.count(k) >= 2 for k in ("RESUME", "DIVERGENCE", "SHAPE", "HINT")), kinds
    for nb in ("00", "01", "02", "03", "04", "05", "06", "07", "08"):
        assert sum(m.name.startswith(nb) for m in SEVENTH) >= 5, nb


if __name__ == "__main__":
    torch.set_num_threads(1)
    measure(SEVENTH, "seventh set")
    sys.exit(0)
