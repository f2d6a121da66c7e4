"""Issue 27's catalogue, the fifth set: an estimate of what a typical student or instructor meets now. Unlike the
fourth set it does not hunt for doors no set had called: the mistakes are sampled the way they happen in the
course, three or four per notebook (00 to 08, walking through each notebook's calls into gencore: a wrong shape,
dtype or range, a typo'd option, a run interrupted and resumed with changed settings, a too large learning rate,
an empty subset, a label out of range, a dataset where a tensor is expected...), plus what an instructor does
with the command line, the shared models, grading and `gencore.setup` (README, docs/instructors.md). Each entry
states the answer a student would want: the exception and the words its message must hold (the argument as the
caller named it, what was expected, what to do), or the correct result. `Mistake`, `outcome` and `measure` are
tests/test_bad_input.py's.

Measured before any fix (``python tests/test_bad_input_fifth.py``): 27 of 50 clear (54%), 17 unclear, 6 silent.
By class: RESUME 4 of 5, DIVERGENCE 3 of 5, SHAPE 6 of 12, HINT 14 of 28. Silent: a DCGAN with lr=1 (its losses
grew to 1e4-1e6 and it said nothing), PCA.encode of uint8 images (coded on the 0..255 scale), LinearGaussian(sigma=0),
history.plot(keys=[..., 'elb']) (the typo'd panel left out), GENCORE_SHARED_MODELS set to the instructor's home (not
its models/: every student trains again), gencore.setup(quick='no') (quick mode on). Unclear: resume fit with a
lower lr (the differing optimiser settings cut off before the lr), a VAE with lr=5 that already clips its gradients
(told to clip them), LinearGaussian with b of the latent size, log_px_given_z with x not repeated k times,
DRAW.elbo_terms with eps (n, T, d) (both raw PyTorch errors), a 1-D discriminator on numbers (N,) (no unsqueeze(1)),
nearest_neighbours of features among images, pushforward.Generator(hidden=(64, 64)), viz.show_images of a dataset,
PCA.reconstruct of a dataset (a misleading shape), LinearGaussian.sample(generator=3), log_likelihood of a cVAE on
bare images (speaks of y=None), image_gan(in_shape=x.shape) of a batch (told to resize), a conditional GAN on bare
images (no what to do), gencore train all (no word of pretrain), grade --dataset Fashion-MNIST (refused where setup and
the command line accept it), gencore.setup(seed=None) (int()'s error). (One regex was corrected after the first
measure: "a cVAE sampled with a VAE's aggregate prior" looked for "prior" in lower case; the sentence, "This
AggregatePrior was made from another model's encoder ... AggregatePrior(model, data)", is clear and counted so.)

After the fixes: 50 of 50 clear (100%), 0 unclear, 0 silent. What changed: a progress file's differing settings
are shown entry by entry ("optimizer: {"lr": 0.05} in the file, {"lr": 0.001} now"); fit's advice after a
divergence does not tell a run that clips its gradients to clip them; the GAN loop stops, like fit, when a logged
loss grows a thousandfold (TrainingDiverged, the last good logging step's weights); PCA reads uint8 images as
0..255 and refuses a dataset where it needs a tensor (as viz.show_images does); LinearGaussian checks b, W and
sigma and its draws take only a torch.Generator; VAE.log_px_given_z and DRAW's eps name both shapes; a model of
one input number given (N,) is told to unsqueeze(1); nearest_neighbours says to compare features with features;
pushforward.Generator's hidden is one width; history.plot refuses a key it does not have; evaluation and the GAN
loop say to pass a labelled dataset to a conditional model; image_gan(in_shape=) of a batch's shape says
x.shape[1:]; `gencore train all` points to pretrain; grade takes --dataset in any case, as setup does;
GENCORE_SHARED_MODELS may name an instructor's GENCORE_HOME (its models/ is used, as grade --cache does);
setup's seed must be a whole number and its quick takes the yes/no words of GENCORE_QUICK. (A misleading hint
found while fixing, not counted: values outside [0, 1] that were neither 0..255 nor tanh-like, the standardised
swiss roll, were said to "look like 0..255 values"; `range_hint` now says so only when they do.)
"""
from __future__ import annotations

import contextlib
import io
import sys

import matplotlib
import pytest
import torch
from test_bad_input import (
    Mistake,
    Quiet,
    cvae,
    image_gan,
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
from test_bad_input_fourth import Refused, command, environment

import gencore
from gencore import config as C
from gencore import evaluation as E
from gencore import viz
from gencore.aggregate_prior import AggregatePrior
from gencore.autoencoder import PCA, train_autoencoder
from gencore.cache import load_or_train, train_gan_cached
from gencore.classifier import Classifier, accuracy, class_probabilities
from gencore.course import grade as GR
from gencore.course import zoo
from gencore.data import TensorData, load_dataset, toy
from gencore.data.augment import gaussian_blur
from gencore.draw import DRAW
from gencore.gan import MLPDiscriminator
from gencore.history import TrainingDiverged
from gencore.pushforward import Generator, fit_generator_mmd
from gencore.train import fit, on_every_step, train_gan
from gencore.vae import VAE, latent_traversal, rate_distortion
from gencore.validate import range_hint
from gencore.variational import LinearGaussian

matplotlib.use("Agg")


# ------------------------------------------------------------------------------------------ small things to err with
def steps_taken(call) -> int:
    """How many optimiser steps ``call()`` took (the training loops' step hook counts them)."""
    taken = []
    with on_every_step(taken.append):
        call()
    return len(taken)


def interrupted(call, after: int) -> None:
    """``call()`` stopped by Ctrl-C after ``after`` optimiser steps (as a student interrupts a cell)."""
    taken = []

    def hook(total):
        taken.append(total)
        if len(taken) >= after:
            raise KeyboardInterrupt
    try:
        with on_every_step(hook):
            call()
    except KeyboardInterrupt:
        pass


def sprites_test(n=500):
    return load_dataset("sprites", "test", subset=n)


@contextlib.contextmanager
def config_kept():
    """The configuration `gencore.setup` made before the block, put back after it (a mistake may call setup)."""
    saved, threads = C._current, torch.get_num_threads()
    try:
        yield
    finally:
        C._current = saved
        torch.set_num_threads(threads)


def linear_gaussian(**kw) -> LinearGaussian:
    W = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    return LinearGaussian(W, kw.pop("b", torch.zeros(5)), kw.pop("sigma", 0.3))


# ------------------------------------------------------------------------------------------ 00: generative models
def sample_more_than_the_subset(tmp):
    sprites_test(2000).sample(100_000)                      # the full mode's 10,000 asked of the quick subset


def mmd_generator_of_two_widths(tmp):
    Generator(noise_dim=2, out_dim=2, hidden=(64, 64))      # as toy_gan(hidden=(128, 128, 128)) takes them


def mmd_with_one_bandwidth(tmp):
    torch.manual_seed(0)
    losses, _ = fit_generator_mmd(Generator(hidden=16), lambda n: toy.ring(n), steps=3, batch_size=64,
                                  bandwidths=0.5, progress=False)
    assert len(losses) == 3 and all(loss == loss for loss in losses), losses


def show_a_dataset(tmp):
    viz.show_images(sprites_test(100), nrow=10)


# ------------------------------------------------------------------------------------------ 01: autoencoders
def pca_codes_of_uint8_images(tmp):
    data = sprites_test(200)
    pca = PCA(8).fit(data)
    grey = data.images[:8]
    assert torch.allclose(pca.encode(grey), pca.encode(grey.float() / 255), atol=1e-4), \
        "uint8 images encoded on the 0..255 scale"


def pca_reconstruct_a_dataset(tmp):
    data = sprites_test(200)
    PCA(8).fit(data).reconstruct(data, k=2)


def swiss_roll_with_a_bernoulli_autoencoder(tmp):
    roll = toy.swiss_roll(200, dim=3, generator=torch.Generator().manual_seed(0))
    roll = (roll - roll.mean(0)) / roll.std(0).pow(2).mean().sqrt()
    train_autoencoder(TensorData(roll), latent_dim=2, epochs=1, hidden=(16,), progress=False, verbose=False)


def autoencoder_kind_cnn(tmp):
    train_autoencoder(images(32), latent_dim=2, epochs=1, kind="cnn", progress=False, verbose=False)


def autoencoder_of_a_class_the_data_lacks(tmp):
    data = sprites_test()                                   # three shapes: no class 7
    train_autoencoder(data.images[data.labels == 7], latent_dim=2, epochs=1, hidden=(16,), progress=False,
                      verbose=False)


# ------------------------------------------------------------------------------------------ 02: variational inference
def linear_gaussian_without_noise(tmp):
    linear_gaussian(sigma=0.0)


def linear_gaussian_offset_of_the_latent_size(tmp):
    linear_gaussian(b=torch.zeros(2))                        # b of d = 2 numbers where D = 5 are needed


def linear_gaussian_sample_with_a_seed(tmp):
    linear_gaussian().sample(1, generator=3)


# ------------------------------------------------------------------------------------------ 03: the VAE
def resume_fit_without_a_seed(tmp):
    path, data = tmp / "vae.pt", images(64)
    interrupted(lambda: fit(vae(), data, epochs=3, batch_size=16, resume=path, **Quiet.fit), after=6)
    torch.randn(5)                                          # the notebook went on: torch's global RNG moved
    taken = steps_taken(lambda: fit(vae(), data, epochs=3, batch_size=16, resume=path, **Quiet.fit))
    assert taken == 8, f"{taken} steps: the saved epoch was thrown away and training started from the start"


def resume_fit_with_a_lower_lr(tmp):
    path = tmp / "vae.pt"
    fit(vae(), images(64), epochs=1, lr=0.05, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: fit(vae(), images(64), epochs=3, lr=1e-3, batch_size=16, seed=0, resume=path,
                                **Quiet.fit))


def vae_decode_one_code(tmp):
    torch.manual_seed(0)
    VAE(latent_dim=16, hidden=[16]).decode(torch.zeros(16))


def vae_likelihood_capitalised(tmp):
    VAE(latent_dim=16, likelihood="Bernoulli")


def load_dataset_binarize_true(tmp):
    load_dataset("sprites", "test", binarize=True, subset=10)


def history_plot_of_a_typo(tmp):
    history = fit(vae(), images(32), test=images(16, seed=1), epochs=1, batch_size=16, seed=0, **Quiet.fit)
    history.plot(keys=["rec", "kl", "elb"])


def vae_far_too_fast_with_clipping(tmp):
    fit(vae(), images(192), test=images(64, seed=1), epochs=4, lr=5.0, clip_grad=1.0, batch_size=32, seed=0,
        **Quiet.fit)


def log_px_given_z_of_unrepeated_images(tmp):
    model, x = vae(), images(100)
    mu, logvar = model.encode(x)
    z_k = (mu + torch.randn(3, *mu.shape) * (0.5 * logvar).exp()).flatten(0, 1)     # k = 3 codes per image
    model.log_px_given_z(model.decoder(z_k), x)              # x not repeated k times


def traversal_from_a_batch_of_one_code(tmp):
    torch.manual_seed(0)
    model = VAE(latent_dim=4, hidden=[16])
    a = latent_traversal(model, z0=torch.zeros(1, 4), steps=3)
    assert torch.equal(a, latent_traversal(model, z0=torch.zeros(4), steps=3)), "another traversal"


def rate_distortion_of_a_missing_class(tmp):
    x, y = images(32), torch.arange(32) % 3
    rate_distortion(vae(), x[y == 9])


# ------------------------------------------------------------------------------------------ 04: the conditional VAE
def log_likelihood_of_a_cvae_on_bare_images(tmp):
    E.log_likelihood(cvae(), labelled(16).x, k=2, progress=False)


def accuracy_of_samples_without_labels(tmp):
    torch.manual_seed(0)
    accuracy(Classifier(10), images(8))


def aggregate_prior_of_a_subset_missing_a_class(tmp):
    few = TensorData(images(20), torch.arange(20) % 9)      # a small subset: no example of class 9
    AggregatePrior(cvae(), few, per_class=5)


def cvae_sample_with_the_vaes_prior(tmp):
    prior = AggregatePrior(vae(), images(32))
    cvae().sample([0, 1, 2], prior=prior)


# ------------------------------------------------------------------------------------------ 05: DRAW
def draw_elbo_terms_of_transposed_noise(tmp):
    torch.manual_seed(0)
    model, x = DRAW(T=2, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2), images(6)
    model.elbo_terms(x, torch.randn(len(x), model.T, model.latent_dim))     # (n, T, d) instead of (T, n, d)


def resume_draw_with_more_steps(tmp):
    path = tmp / "draw.pt"

    def draw(T):
        torch.manual_seed(0)
        return DRAW(T=T, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2)
    fit(draw(2), images(32), epochs=1, batch_size=16, seed=0, resume=path, **Quiet.fit)
    untouched(path, lambda: fit(draw(4), images(32), epochs=2, batch_size=16, seed=0, resume=path, **Quiet.fit))


# ------------------------------------------------------------------------------------------ 06: the GAN
def gan_loss_saturating(tmp):
    train_gan(toy_gan(), points(64), steps=1, batch_size=16, loss="saturating", progress=False)


def gan_snapshots_beyond_fewer_steps(tmp):
    train_gan_cached(toy_gan, points(256), name="toy", hyper={}, steps=100, snapshots=[0, 2500, 5000, 10000],
                     batch_size=64, progress=False, verbose=False)


def image_gan_of_the_batch_shape(tmp):
    x = images(32)
    image_gan(in_shape=x.shape)                             # the notebook's images.shape, with a tensor's shape


def one_dimensional_discriminator_on_numbers(tmp):
    torch.manual_seed(0)
    d = MLPDiscriminator(in_dim=1, hidden=(8, 8))
    d(torch.linspace(-4, 4, 2001))                           # the notebook's xs, without .unsqueeze(1)


def resume_gan_for_more_steps(tmp):
    path = tmp / "gan.pt"
    interrupted_gan(path)
    untouched(path, lambda: train_gan(toy_gan(), points(256), steps=60, batch_size=32, seed=0, progress=False,
                                      resume=path, checkpoint_every=10, log_every=10))


def resume_gan_without_a_seed(tmp):
    path, data = tmp / "gan.pt", points(256)

    def run():
        return train_gan(toy_gan(), data, steps=30, batch_size=32, progress=False, resume=path, checkpoint_every=10,
                         log_every=10)
    interrupted(run, after=15)
    torch.randn(5)
    taken = steps_taken(run)
    assert taken == 20, f"{taken} steps: the saved steps were thrown away and training started from the start"


def dcgan_far_too_fast(tmp):
    train_gan(image_gan(), images(64), steps=20, batch_size=16, lr=1.0, seed=0, progress=False)


# ------------------------------------------------------------------------------------------ 07: the conditional GAN
def cgan_sample_of_labels_not_wrapped(tmp):
    image_gan(n_classes=10).sample(torch.arange(12))        # requested = torch.arange(n_judge), without % K


def cgan_on_bare_images(tmp):
    train_gan(image_gan(n_classes=10), labelled(32).x, steps=1, batch_size=16, progress=False)


def projection_d_of_the_next_label(tmp):
    gan, x, y = image_gan(n_classes=10), images(12), torch.arange(12) % 10
    gan.discriminator(x, y + 1)                              # (y + 1) % K in the notebook


def class_probabilities_of_0_255_floats(tmp):
    torch.manual_seed(0)
    class_probabilities(Classifier(10), images(8) * 255)


# ------------------------------------------------------------------------------------------ 08: evaluation
def log_likelihood_of_a_gan(tmp):
    E.log_likelihood(toy_gan(), points(16), k=2, progress=False)


def kid_subsets_larger_than_the_samples(tmp):
    f = torch.randn(300, 16, generator=torch.Generator().manual_seed(0))
    E.kernel_distance(torch.randn(1000, 16), f, subsets=2, subset_size=1000)


def inception_score_of_logits(tmp):
    torch.manual_seed(0)
    E.inception_score(Classifier(10)(images(16)).detach())


def nearest_neighbours_of_features_among_images(tmp):
    torch.manual_seed(0)
    feats = Classifier(10).features(images(8)).detach()
    E.nearest_neighbours(feats, images(32, seed=1))


def blur_of_sigma_zero(tmp):
    x = images(4) * 0.5 + 0.25
    assert torch.allclose(gaussian_blur(x, 0.0), x), "sigma = 0 is no blur"


def zoo_load_capitalised(tmp):
    zoo.load("VAE")


# ------------------------------------------------------------------------------------------ the instructor
def cli_train_all(tmp):
    command(tmp, "train", "all")


def shared_models_given_as_the_home(tmp):
    instructor, student, config = tmp / "instructor", tmp / "student", dict(name="vae-shared", epochs=1, seed=0)
    with config_kept():
        with environment(GENCORE_HOME=instructor):
            gencore.setup(seed=0, device="cpu", threads=1, verbose=False)
            load_or_train(vae(), lambda m: fit(m, images(16), epochs=1, seed=0, **Quiet.fit), config, verbose=False)
        with environment(GENCORE_HOME=student, GENCORE_SHARED_MODELS=instructor):    # the home, not its models/
            gencore.setup(seed=0, device="cpu", threads=1, verbose=False)

            def trained_again(m):
                raise AssertionError("the instructor's model was not found: the student trains it again")
            load_or_train(vae(), trained_again, config, verbose=False)


def grade_on_fashion_mnist_capitalised(tmp):
    (tmp / "submissions").mkdir()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        GR.main([str(tmp / "submissions"), "--dataset", "Fashion-MNIST", "--out", str(tmp / "grades")])
    if "--dataset" in err.getvalue():
        raise Refused(err.getvalue())       # the spelling gencore setup and the command line accept


def setup_without_a_seed(tmp):
    with config_kept():
        gencore.setup(seed=None, verbose=False)


def setup_quick_as_text(tmp):
    with config_kept():
        cfg = gencore.setup(seed=0, quick="no", device="cpu", threads=1, verbose=False)
        assert not cfg.quick, "quick='no' turned quick mode on"


FIFTH = [
    Mistake("resume fit without a seed (the cell run again)", "RESUME", resume_fit_without_a_seed),
    Mistake("resume fit with a lower lr", "RESUME", resume_fit_with_a_lower_lr, ValueError,
            r"another configuration \(.*lr\b.*0\.05.*0\.001"),
    Mistake("resume DRAW with T=4 instead of 2", "RESUME", resume_draw_with_more_steps, ValueError,
            r"another configuration \(.*\bT\b: 2 in the file, 4 now"),
    Mistake("resume a GAN for more steps", "RESUME", resume_gan_for_more_steps, ValueError,
            r"another configuration \(.*steps: 30 in the file, 60 now"),
    Mistake("resume a GAN without a seed (the cell run again)", "RESUME", resume_gan_without_a_seed),
    Mistake("an autoencoder of a class the data lacks", "DIVERGENCE", autoencoder_of_a_class_the_data_lacks,
            ValueError, r"no examples"),
    Mistake("a VAE with lr=5 that already clips its gradients", "DIVERGENCE", vae_far_too_fast_with_clipping,
            TrainingDiverged, r"diverged.*[Ll]ower the learning rate \(lr=5\)",
            absent=r"clip the gradients \(clip_grad=\.\.\.\)"),
    Mistake("rate_distortion of a class the data lacks", "DIVERGENCE", rate_distortion_of_a_missing_class,
            ValueError, r"data has no examples"),
    Mistake("AggregatePrior of a subset missing a class", "DIVERGENCE", aggregate_prior_of_a_subset_missing_a_class,
            ValueError, r"class 9"),
    Mistake("a DCGAN with lr=1", "DIVERGENCE", dcgan_far_too_fast, TrainingDiverged,
            r"diverged.*[Ll]ower the learning rate \(lr=1\b"),
    Mistake("PCA.encode of uint8 images", "SHAPE", pca_codes_of_uint8_images),
    Mistake("a Bernoulli autoencoder on the standardised swiss roll", "SHAPE",
            swiss_roll_with_a_bernoulli_autoencoder, ValueError, r"\[0, 1\].*likelihood='gaussian'"),
    Mistake("LinearGaussian with b of the latent size", "SHAPE", linear_gaussian_offset_of_the_latent_size,
            ValueError, r"\bb\b.*(\(5,\).*\(2,\)|\(2,\).*\(5,\))"),
    Mistake("VAE.decode of one code (16,)", "SHAPE", vae_decode_one_code, ValueError,
            r"z.*\(N, 16\).*unsqueeze\(0\)"),
    Mistake("log_px_given_z with x not repeated k times", "SHAPE", log_px_given_z_of_unrepeated_images, ValueError,
            r"(?=.*\(300, 1, 28, 28\))(?=.*\(100, 1, 28, 28\))"),
    Mistake("latent_traversal(z0 of shape (1, d))", "SHAPE", traversal_from_a_batch_of_one_code),
    Mistake("DRAW.elbo_terms with eps (n, T, d)", "SHAPE", draw_elbo_terms_of_transposed_noise, ValueError,
            r"eps.*\(2, 6, 2\).*\(6, 2, 2\)"),
    Mistake("a 1-D discriminator on numbers (N,)", "SHAPE", one_dimensional_discriminator_on_numbers, ValueError,
            r"\(N, 1\).*\(2001,\).*unsqueeze\(1\)", absent=r"unsqueeze\(0\)"),
    Mistake("class_probabilities of float 0..255", "SHAPE", class_probabilities_of_0_255_floats, ValueError,
            r"\[0, 1\].*255"),
    Mistake("inception_score of logits", "SHAPE", inception_score_of_logits, ValueError, r"probabilit.*softmax"),
    Mistake("nearest_neighbours of features among images", "SHAPE", nearest_neighbours_of_features_among_images,
            ValueError, r"(?=.*128)(?=.*784)(?=.*(extract_features|same))"),
    Mistake("gaussian_blur(sigma=0)", "SHAPE", blur_of_sigma_zero),
    Mistake("ImageData.sample(100_000) of a quick subset", "HINT", sample_more_than_the_subset, ValueError,
            r"\bn\b.*2000"),
    Mistake("pushforward.Generator(hidden=(64, 64))", "HINT", mmd_generator_of_two_widths, TypeError,
            r"hidden.*\(64, 64\).*layers"),
    Mistake("fit_generator_mmd(bandwidths=0.5)", "HINT", mmd_with_one_bandwidth),
    Mistake("viz.show_images of a dataset", "HINT", show_a_dataset, TypeError,
            r"(ImageData|dataset).*(\.images|\.sample\()"),
    Mistake("PCA.reconstruct of a dataset", "HINT", pca_reconstruct_a_dataset, TypeError,
            r"\bx\b.*(ImageData|dataset).*(\.images|\.sample\()"),
    Mistake("train_autoencoder(kind='cnn')", "HINT", autoencoder_kind_cnn, ValueError, r"'cnn'.*'conv'"),
    Mistake("LinearGaussian(sigma=0)", "HINT", linear_gaussian_without_noise, ValueError,
            r"sigma.*positive|sigma.*> 0"),
    Mistake("LinearGaussian.sample(generator=3)", "HINT", linear_gaussian_sample_with_a_seed, TypeError,
            r"generator.*torch.Generator\(\).manual_seed\(3\)"),
    Mistake("VAE(likelihood='Bernoulli')", "HINT", vae_likelihood_capitalised, ValueError, r"'Bernoulli'.*'bernoulli'"),
    Mistake("load_dataset(binarize=True)", "HINT", load_dataset_binarize_true, ValueError,
            r"binarize=True.*'static'.*'dynamic'"),
    Mistake("history.plot(keys=[..., 'elb'])", "HINT", history_plot_of_a_typo, ValueError, r"'elb'.*'elbo'"),
    Mistake("log_likelihood of a cVAE on bare images", "HINT", log_likelihood_of_a_cvae_on_bare_images, ValueError,
            r"data.*labels.*(dataset|TensorData)", absent=r"y=None"),
    Mistake("accuracy of samples without their labels", "HINT", accuracy_of_samples_without_labels, ValueError,
            r"labels.*accuracy\(.*labels\)"),
    Mistake("a cVAE sampled with a VAE's aggregate prior", "HINT", cvae_sample_with_the_vaes_prior, ValueError,
            r"(prior|Prior).*another model.*AggregatePrior\(model"),
    Mistake("train_gan(loss='saturating')", "HINT", gan_loss_saturating, ValueError,
            r"loss.*('saturating'.*'minimax'|'minimax'.*'saturating')"),
    Mistake("train_gan_cached snapshots beyond fewer steps", "HINT", gan_snapshots_beyond_fewer_steps, ValueError,
            r"snapshots.*(10000.*steps=100|steps=100.*10000)"),
    Mistake("image_gan(in_shape=x.shape) of a batch", "HINT", image_gan_of_the_batch_shape, ValueError,
            r"in_shape.*\(32, 1, 28, 28\).*(shape\[1:\]|one image)"),
    Mistake("cGAN.sample(torch.arange(12)) of 10 classes", "HINT", cgan_sample_of_labels_not_wrapped, ValueError,
            r"label 10 at position 10"),
    Mistake("a conditional GAN on bare images", "HINT", cgan_on_bare_images, ValueError,
            r"conditional.*labels.*(dataset|TensorData)"),
    Mistake("a projection D of the labels y + 1", "HINT", projection_d_of_the_next_label, ValueError,
            r"label 10 at position 9"),
    Mistake("log_likelihood of a GAN", "HINT", log_likelihood_of_a_gan, TypeError, r"GAN"),
    Mistake("kernel_distance(subset_size=1000) of 300 samples", "HINT", kid_subsets_larger_than_the_samples,
            ValueError, r"subset_size=1000.*300"),
    Mistake("zoo.load('VAE')", "HINT", zoo_load_capitalised, ValueError, r"'VAE'.*\bvae\b"),
    Mistake("gencore train all", "HINT", cli_train_all, Refused, r"'all'.*pretrain"),
    Mistake("GENCORE_SHARED_MODELS set to the instructor's home", "HINT", shared_models_given_as_the_home),
    Mistake("grade --dataset Fashion-MNIST", "HINT", grade_on_fashion_mnist_capitalised),
    Mistake("gencore.setup(seed=None)", "HINT", setup_without_a_seed, TypeError, r"seed must be a whole number"),
    Mistake("gencore.setup(quick='no')", "HINT", setup_quick_as_text),
]


@pytest.mark.parametrize("mistake", FIFTH, ids=[f"{i:02d}-{m.name}" for i, m in enumerate(FIFTH)])
def test_every_mistake_of_the_fifth_set_gets_a_clear_answer(mistake, home, tmp_path):
    verdict, what = outcome(mistake, tmp_path)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_fifth_set_has_at_least_four_instances_of_each_class():
    kinds = [m.kind for m in FIFTH]
    assert len(FIFTH) >= 30
    assert all(kinds.count(k) >= 4 for k in ("RESUME", "DIVERGENCE", "SHAPE", "HINT")), kinds
    assert len({m.name for m in FIFTH}) == len(FIFTH)


def test_a_range_hint_speaks_of_0_255_or_tanh_only_for_values_that_look_so():
    # the standardised swiss roll given to a Bernoulli model was told "they look like 0..255 values"
    assert range_hint(-1.77, 2.1, (0.0, 1.0)) == ""
    assert "255" in range_hint(0.0, 255.0, (0.0, 1.0))
    assert "tanh" in range_hint(-1.0, 1.0, (0.0, 1.0)) and range_hint(-3.0, 1.0, (0.0, 1.0)) == ""


if __name__ == "__main__":
    measure(FIFTH, "fifth set")
    sys.exit(0)
