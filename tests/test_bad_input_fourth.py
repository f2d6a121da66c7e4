"""Issue 27's catalogue, the fourth set: a fresh set of mistakes of the four kinds (RESUME, DIVERGENCE, SHAPE,
HINT), written after the fixes to the third set, at doors the first three sets never call: the evaluation
measures (mode_metrics, entropy_of_counts, nearest_neighbours, the Parzen window, bits_per_dim, sample_report),
the pictures (gencore.viz), the toy data, the MMD generator's loop (gencore.pushforward), TwoNN, the
aggregate prior's sampler, the zoo, the command line, the caches' builders and the progress file given
something else than a progress file. `Mistake`, `outcome` and `measure` are tests/test_bad_input.py's.

Measured before any fix (``python tests/test_bad_input_fourth.py``): 2 of 39 clear (5.1%), 29 unclear, 8 silent.
Only "resume a GAN with another batch_size" and "train_draw with lr=10" were clear (the doors the first three sets
hardened); silent: saved weights given as resume= (overwritten), the MMD loop training on with NaN weights,
entropy_of_counts of an all-zero histogram (0 nats), an AggregatePrior of a VAE with NaN weights, density2d of 3-D
points, show_images of channels-last images and of float 0..255 images, fit_generator_mmd(steps=-5); the 29
others failed inside PyTorch (reshape, torch.cat, permute, randn's generator, len() of a 0-d tensor), or said
something without what to do (the folder as resume=, fit's progress file to train_gan, train_gan_cached(resume=),
two_nn of (N,) samples, uint8 images refused by the k-NN and Parzen measures, toy.ring(np.int64(500)) "must be
a positive integer", doctor's "unknown dataset 'Fashion-MNIST'", --out checked only after training...).

After the fixes: 39 of 39 clear (100%), 0 unclear, 0 silent. (One assertion of the set was corrected after the
first measure: "nearest_neighbours against uint8 training images" compared float64 distances with float32 ones;
before the fixes that entry was refused before reaching it, so its verdict then, unclear, stands.)
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from test_bad_input import (
    Mistake,
    Quiet,
    Unclear,
    cvae,
    images,
    interrupted_gan,
    labelled,
    measure,
    outcome,
    points,
    toy_gan,
    untouched,
    vae,
)

from gencore import evaluation as E
from gencore import viz
from gencore.aggregate_prior import AggregatePrior
from gencore.autoencoder import PCA, Autoencoder, encode_dataset, interpolate, reconstruction_mse
from gencore.cache import fit_cached, train_gan_cached
from gencore.classifier import Classifier
from gencore.course import cli, zoo
from gencore.data import toy
from gencore.draw import train_draw
from gencore.history import TrainingDiverged
from gencore.intrinsic_dim import two_nn
from gencore.pushforward import Generator, fit_generator_mmd
from gencore.quiz import RealFakeQuiz
from gencore.train import fit, train_gan
from gencore.vae import VAE, latent_traversal


class Refused(Exception):
    """The command line refused: its exit message (or what it printed on stderr)."""


def environment(**values):
    """These environment variables set inside the block, the old values back after it."""
    return mock.patch.dict(os.environ, {k: str(v) for k, v in values.items()})


def command(tmp: Path, *argv: str) -> str:
    """``gencore ARGV`` in this process (GENCORE_HOME in ``tmp``): its standard output, or `Refused` with the
    sentence it ended with."""
    out, err = io.StringIO(), io.StringIO()
    with environment(GENCORE_HOME=tmp / "home"), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as e:
            raise Refused(e.code if isinstance(e.code, str) else err.getvalue()) from None
    if code:
        raise Refused(err.getvalue())
    return out.getvalue()


def nan_weights(model):
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    return model


def small_classifier() -> Classifier:
    torch.manual_seed(0)
    return Classifier(10)


# ------------------------------------------------------------------------------------------ RESUME
def resume_from_saved_weights(tmp):
    # resume= read as "start from these weights": the file holds the student's own model, saved by hand
    path = tmp / "my_vae.pt"
    torch.save(vae().state_dict(), path)
    untouched(path, lambda: fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit))


def resume_into_a_folder(tmp):
    (tmp / "runs").mkdir()
    fit(vae(), images(32), epochs=1, batch_size=16, seed=0, resume=tmp / "runs", **Quiet.fit)


def resume_gan_from_fits_progress(tmp):
    # one resume file for every cell of the notebook: the VAE's run, then the GAN's
    path = tmp / "run.pt"
    fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: train_gan(toy_gan(), points(256), steps=30, batch_size=32, seed=0, progress=False,
                                      resume=path, checkpoint_every=10, log_every=10))


def resume_gan_other_batch_size(tmp):
    path = tmp / "gan.pt"
    interrupted_gan(path)
    untouched(path, lambda: train_gan(toy_gan(), points(256), steps=30, batch_size=64, seed=0, progress=False,
                                      resume=path, checkpoint_every=10, log_every=10))


def gan_cached_with_a_resume_file(tmp):
    train_gan_cached(toy_gan, points(64), name="toy", hyper={}, steps=4, batch_size=16, progress=False,
                     verbose=False, resume=tmp / "gan.pt")


# ------------------------------------------------------------------------------------------ DIVERGENCE
def laplace_mmd(x, y, bandwidths):
    """A student's MMD with the kernel exp(-|a - b| / h): the distance's square root has an infinite
    gradient at 0, the diagonal of K_xx, so the first step's gradient is NaN."""
    def k(a, b):
        d = (a[:, None, :] - b[None, :, :]).pow(2).sum(-1).sqrt()
        return sum(torch.exp(-d / h) for h in bandwidths)
    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


def mmd_generator_with_a_nan_gradient(tmp):
    torch.manual_seed(0)
    g = Generator(hidden=16, layers=2)
    try:
        fit_generator_mmd(g, lambda n: toy.ring(n), steps=20, batch_size=64, progress=False, loss_fn=laplace_mmd)
    except TrainingDiverged:
        assert all(torch.isfinite(p).all() for p in g.parameters()), "the generator kept NaN weights"
        raise
    assert all(torch.isfinite(p).all() for p in g.parameters()), "trained on with NaN weights, said nothing"


def mode_metrics_of_no_samples(tmp):
    E.mode_metrics(torch.zeros(0, 2), toy.ring_centers(), std=0.05)


def entropy_of_an_empty_histogram(tmp):
    # a generator far from every mode: no high-quality sample, per_mode is all zeros
    far = torch.full((100, 2), 50.0)
    E.entropy_of_counts(E.mode_metrics(far, toy.ring_centers(), std=0.05)["per_mode"])


def reconstruction_mse_of_no_data(tmp):
    torch.manual_seed(0)
    reconstruction_mse(Autoencoder(latent_dim=2, hidden=[8]), images(8)[:0])


def encode_dataset_of_no_data(tmp):
    torch.manual_seed(0)
    encode_dataset(Autoencoder(latent_dim=2, hidden=[8]), images(8)[:0])


def pca_of_no_data(tmp):
    PCA(2).fit(images(8)[:0])


def aggregate_prior_of_a_diverged_vae(tmp):
    AggregatePrior(nan_weights(vae()), images(16))


def draw_far_too_fast(tmp):
    train_draw(images(64), T=2, epochs=2, lr=10.0, hidden=8, latent_dim=2, batch_size=16, progress=False,
               verbose=False)


def sample_report_of_a_diverged_generator(tmp):
    fake = torch.full((20, 1, 28, 28), float("nan"))
    E.sample_report(small_classifier(), images(20), fake, kid_subsets=2)


# ------------------------------------------------------------------------------------------ SHAPE
def density_of_3d_points(tmp):
    viz.density2d(toy.swiss_roll(500, dim=3, generator=torch.Generator().manual_seed(0)))


def scatter_of_transposed_points(tmp):
    viz.scatter2d(toy.ring(500, generator=torch.Generator().manual_seed(0)).T)


def show_channels_last_colour(tmp):
    viz.show_images(images(4, c=3).permute(0, 2, 3, 1))


def show_0_255_floats(tmp):
    viz.show_images(images(4) * 255)


def png_of_a_batch(tmp):
    viz.png_bytes(images(4))


def nearest_training_images_uint8(tmp):
    samples, train = images(4, seed=1), images(32)
    a = E.nearest_neighbours(samples, (train * 255).to(torch.uint8))
    b = E.nearest_neighbours(samples, train)
    assert torch.equal(a[1], b[1]) and torch.allclose(a[0], b[0], atol=1e-6), \
        "uint8 training images compared on the 0..255 scale"


def parzen_on_uint8_test_images(tmp):
    samples, test = images(16, seed=1), images(8)
    a = E.parzen_log_likelihood(samples, (test * 255).to(torch.uint8), sigma=0.2)
    assert torch.allclose(a, E.parzen_log_likelihood(samples, test, sigma=0.2)), "uint8 not read as 0..255"


def two_nn_of_1d_samples(tmp):
    d = two_nn(toy.mixture_1d(2000, generator=torch.Generator().manual_seed(0)))
    assert abs(d - 1) < 0.3, f"1-D samples: dimension {d}"


def zoo_sample_cvae_of_a_vae(tmp):
    zoo.sample("cvae", vae(), 4)


def quiz_of_a_dataset(tmp):
    from gencore.data import ImageData

    test = ImageData((images(16) * 255).to(torch.uint8), torch.arange(16) % 10, name="t", split="test",
                     classes=list("0123456789"))
    quiz = RealFakeQuiz(test, images(16, seed=1), n=8)
    assert len(quiz) == 8 and int(quiz.is_real.sum()) == 4, "not a quiz of 4 real and 4 generated images"


# ------------------------------------------------------------------------------------------ HINT
def ring_of_a_numpy_count(tmp):
    n = np.int64(500)
    assert toy.ring(n, generator=torch.Generator().manual_seed(0)).shape == (500, 2)


def mmd_generator_on_a_tensor(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=16), toy.ring(1000), steps=5, progress=False)


def mmd_generator_negative_steps(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=16), lambda n: toy.ring(n), steps=-5, progress=False)


def vae_sample_with_a_seed_as_generator(tmp):
    vae().sample(4, generator=42)


def log_likelihood_with_a_seed_as_generator(tmp):
    E.log_likelihood(vae(), images(8), k=2, generator=0, progress=False)


def bits_per_dim_of_a_shape(tmp):
    E.bits_per_dim(torch.tensor([-90.0]), dims=(1, 28, 28))


def mode_metrics_with_a_number_of_modes(tmp):
    E.mode_metrics(toy.ring(200, generator=torch.Generator().manual_seed(0)), 8, std=0.05)


def gan_cached_with_a_gan(tmp):
    train_gan_cached(toy_gan(), points(64), name="toy", hyper={}, steps=2, batch_size=16, progress=False,
                     verbose=False)


def fit_cached_with_a_model(tmp):
    fit_cached(VAE(latent_dim=2, hidden=[8]), images(32), name="vae", hyper={}, epochs=1, progress=False,
               verbose=False)


def doctor_of_a_capitalised_dataset(tmp):
    said = command(tmp, "doctor", "--dataset", "Fashion-MNIST")
    assert "fashion-mnist train" in said, said[-300:]


def sample_into_a_file_path(tmp):
    (tmp / "notes.txt").write_text("not a folder")
    load = zoo.load

    def trained(*a, **k):
        raise Unclear("a model was loaded or trained before --out was checked")
    zoo.load, train_first = trained, cli._train_first
    cli._train_first = trained
    try:
        command(tmp, "sample", "vae", "--out", str(tmp / "notes.txt" / "grid.png"))
    finally:
        zoo.load, cli._train_first = load, train_first


def traversal_with_a_number_of_values(tmp):
    latent_traversal(vae(), values=5)


def interpolate_a_float_count(tmp):
    out = interpolate(torch.zeros(2), torch.ones(2), steps=10.0)
    assert out.shape == (10, 2), tuple(out.shape)


def conditional_prior_sample_a_count(tmp):
    prior = AggregatePrior(cvae(), labelled(40), per_class=2)
    a = prior.sample(5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, prior.sample([0, 1, 2, 3, 4], generator=torch.Generator().manual_seed(0))), \
        "5 codes are not the classes 0..4 in turn"


def history_metric_without_its_split(tmp):
    history = fit(vae(), images(32), epochs=1, batch_size=16, seed=0, **Quiet.fit)
    history["loss"]


FOURTH = [
    Mistake("resume= a file of saved weights", "RESUME", resume_from_saved_weights, ValueError,
            r"resume.*not a progress file.*load_state_dict"),
    Mistake("resume= a folder", "RESUME", resume_into_a_folder, ValueError, r"resume.*folder.*file"),
    Mistake("resume a GAN from fit's progress file", "RESUME", resume_gan_from_fits_progress, ValueError,
            r"\bfit\b.*\btrain_gan\b"),
    Mistake("resume a GAN with another batch_size", "RESUME", resume_gan_other_batch_size, ValueError,
            r"another configuration \(.*batch_size: 32 in the file, 64 now"),
    Mistake("train_gan_cached(resume=...)", "RESUME", gan_cached_with_a_resume_file, TypeError,
            r"resume.*train_gan_cached.*progress file"),
    Mistake("fit_generator_mmd with a NaN gradient", "DIVERGENCE", mmd_generator_with_a_nan_gradient,
            TrainingDiverged, r"diverged.*step 1\b.*(weights|initial)"),
    Mistake("mode_metrics of no samples", "DIVERGENCE", mode_metrics_of_no_samples, ValueError,
            r"samples.*no (samples|examples)|at least one sample"),
    Mistake("entropy_of_counts of an all-zero histogram", "DIVERGENCE", entropy_of_an_empty_histogram, ValueError,
            r"counts.*(sum|total).* 0"),
    Mistake("reconstruction_mse of no data", "DIVERGENCE", reconstruction_mse_of_no_data, ValueError,
            r"data has no examples"),
    Mistake("encode_dataset of no data", "DIVERGENCE", encode_dataset_of_no_data, ValueError, r"data has no examples"),
    Mistake("PCA.fit of no data", "DIVERGENCE", pca_of_no_data, ValueError, r"x has no examples"),
    Mistake("AggregatePrior of a VAE with NaN weights", "DIVERGENCE", aggregate_prior_of_a_diverged_vae, ValueError,
            r"(NaN|not finite).*(weights|diverged)"),
    Mistake("train_draw with lr=10", "DIVERGENCE", draw_far_too_fast, TrainingDiverged,
            r"diverged.*[Ll]ower the learning rate \(lr=10\)"),
    Mistake("sample_report of NaN samples", "DIVERGENCE", sample_report_of_a_diverged_generator, ValueError,
            r"fake_images.*NaN"),
    Mistake("density2d of 3-D points", "SHAPE", density_of_3d_points, ValueError, r"\(N, 2\).*\(500, 3\)"),
    Mistake("scatter2d of (2, N) points", "SHAPE", scatter_of_transposed_points, ValueError,
            r"\(N, 2\).*\(2, 500\).*\.T\b"),
    Mistake("show_images of channels-last colour images", "SHAPE", show_channels_last_colour, ValueError,
            r"permute\(0, 3, 1, 2\)"),
    Mistake("show_images of float 0..255", "SHAPE", show_0_255_floats, ValueError, r"\[0, 1\].*255"),
    Mistake("png_bytes of a batch", "SHAPE", png_of_a_batch, ValueError, r"one image \(C, H, W\).*\(4, 1, 28, 28\)"),
    Mistake("nearest_neighbours against uint8 training images", "SHAPE", nearest_training_images_uint8),
    Mistake("parzen_log_likelihood of uint8 test images", "SHAPE", parzen_on_uint8_test_images),
    Mistake("two_nn of 1-D samples (N,)", "SHAPE", two_nn_of_1d_samples),
    Mistake("zoo.sample('cvae') of a plain VAE", "SHAPE", zoo_sample_cvae_of_a_vae, TypeError,
            r"'cvae'.*ConditionalVAE.*VAE"),
    Mistake("RealFakeQuiz of a dataset", "SHAPE", quiz_of_a_dataset),
    Mistake("toy.ring(np.int64(500))", "HINT", ring_of_a_numpy_count),
    Mistake("fit_generator_mmd on a tensor of data", "HINT", mmd_generator_on_a_tensor, TypeError,
            r"sample_data.*function.*lambda n"),
    Mistake("fit_generator_mmd(steps=-5)", "HINT", mmd_generator_negative_steps, ValueError,
            r"steps must be at least 1"),           # 0 too is refused since the seventh set (it trains nothing)
    Mistake("VAE.sample(generator=42)", "HINT", vae_sample_with_a_seed_as_generator, TypeError,
            r"generator.*torch.Generator\(\).manual_seed\(42\)"),
    Mistake("log_likelihood(generator=0)", "HINT", log_likelihood_with_a_seed_as_generator, TypeError,
            r"generator.*torch.Generator\(\).manual_seed\(0\)"),
    Mistake("bits_per_dim(dims=(1, 28, 28))", "HINT", bits_per_dim_of_a_shape, TypeError, r"dims.*784"),
    Mistake("mode_metrics(centers=8)", "HINT", mode_metrics_with_a_number_of_modes, TypeError,
            r"centers.*ring_centers\(8\)"),
    Mistake("train_gan_cached(build=a GAN)", "HINT", gan_cached_with_a_gan, TypeError,
            r"build must be a function.*lambda: "),
    Mistake("fit_cached(build=a VAE)", "HINT", fit_cached_with_a_model, TypeError,
            r"build must be a function.*in_shape"),
    Mistake("gencore doctor --dataset Fashion-MNIST", "HINT", doctor_of_a_capitalised_dataset),
    Mistake("gencore sample --out under a file", "HINT", sample_into_a_file_path, Refused,
            r"--out.*notes.txt.*not a folder"),
    Mistake("latent_traversal(values=5)", "HINT", traversal_with_a_number_of_values, TypeError,
            r"values.*steps=5"),
    Mistake("interpolate(steps=10.0)", "HINT", interpolate_a_float_count),
    Mistake("a cVAE's AggregatePrior.sample(5)", "HINT", conditional_prior_sample_a_count),
    Mistake("history['loss']", "HINT", history_metric_without_its_split, KeyError, r"'train/loss'"),
]


@pytest.mark.parametrize("mistake", FOURTH, ids=[f"{i:02d}-{m.name}" for i, m in enumerate(FOURTH)])
def test_every_mistake_of_the_fourth_set_gets_a_clear_answer(mistake, home, tmp_path):
    verdict, what = outcome(mistake, tmp_path)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_fourth_set_has_at_least_three_instances_of_each_class():
    kinds = [m.kind for m in FOURTH]
    assert len(FOURTH) >= 24
    assert all(kinds.count(k) >= 3 for k in ("RESUME", "DIVERGENCE", "SHAPE", "HINT")), kinds
    assert len({m.name for m in FOURTH}) == len(FOURTH)


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    measure(FOURTH, "fourth set")
    sys.exit(0)
