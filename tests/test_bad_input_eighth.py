"""Issue 27, EIGHTH set: a fresh, blind set of mistakes (written without reading the other sets' files beyond
tests/test_bad_input.py, nor the git log), measured against the library as it stood when it was written.

How sampled: for each notebook 00-08, about six mistakes in the calls that notebook's code cells make into gencore
(a student copies a call and changes it: another shape, a forgotten channel axis, 0..255 or uint8 images, one-hot
labels, a label out of range, a count where a function is wanted, an int where a torch.Generator is wanted, a far
too large learning rate, an empty subset, a typo'd option, a model of the wrong kind, a resumed run with changed
settings, a string 'True'/'False' for a flag, a list where a tensor is wanted), plus about six for the command line,
``gencore.setup``, grading and the model cache. Each entry's expected answer (exception type and the words its
message must hold, or the correct result) was written before the entry was run.

81 entries (more than the 60 asked: 7-13 per notebook, 13 for the command line, setup, grading and the cache),
by class HINT 49, SHAPE 24, DIVERGENCE 4, RESUME 4. Measured, ``python tests/test_bad_input_eighth.py``:

    first run, expectations as written          69/81 clear (85.2%), 7 unclear, 5 silent
      of which 2 "unclear" were this file's own harness bugs (a second call after a clear refusal; fixed):
      LinearGaussian.sample(generator=3) and the cVAE's one-hot labels get clear sentences
    with the harness fixed, expectations as written   71/81 clear (87.7%)
    after 6 corrected expectations (listed below)     77/81 clear (95.1%), 2 unclear, 2 silent

    by class:    HINT 46/49, SHAPE 23/24, DIVERGENCE 4/4, RESUME 4/4
    by notebook: 00 5/7, 01 8/8, 02 6/6, 03 10/11, 04 6/6, 05 6/6, 06 7/8, 07 7/7, 08 9/9, cli/setup/grade/cache 13/13

After the measure the four were fixed (81 of 81 clear): show_images refuses nrow below 1; random_generator's seed
must be a whole number; a VAE's sample(mean=...) must be True or False; optimal_discriminator names p_data and p_model
when their shapes differ.

Not clear at the measure (were xfail, strict):
    silent   00 viz.show_images(x, nrow=0): drawn with the default layout, no word about nrow
    unclear  00 random_generator(seed=torch.Generator()): "int() argument must be ... not 'torch._C.Generator'"
    silent   03 vae.sample(4, generator=g, mean="False"): the string is truthy, so means come back, not draws
    unclear  06 optimal_discriminator(torch.rand(100), torch.rand(50)): PyTorch's "size of tensor a (100) must match"

Corrected expectations (the library's answer was clear and correct; my expectation too narrow):
    checks.inverse_cdf(5): the check's own report ("expected your function ..., got int"), an AssertionError
    AggregatePrior on data without classes 5..9: refused at construction naming class 5 (I matched "9")
    DRAW(in_shape=(28, 28)): taken as (1, 28, 28) and works (I expected a refusal)
    grade on an empty folder: "No .ipynb files in the submissions given." (my regex wanted "notebook")
    load_or_train with train returning None: ValueError, not TypeError, with a clear sentence
    load_or_train, same config, other latent size: prints that the cached weights do not fit and are not used,
      and trains this model afresh (I expected a refusal; it does not mix two runs). Since the twelfth set's fix
      it is refused (ConfigDoesNotDescribeModel: the config must describe the model), as first expected.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import pytest
import torch

import gencore
from gencore import checks, viz
from gencore import evaluation as E
from gencore.aggregate_prior import AggregatePrior
from gencore.autoencoder import PCA, Autoencoder, code_extent, decode_grid, train_autoencoder
from gencore.blocks import make_encoder
from gencore.cache import load_or_train, train_gan_cached
from gencore.classifier import Classifier, accuracy
from gencore.course import zoo
from gencore.cvae import train_cvae
from gencore.data import TensorData, load_dataset, toy
from gencore.data.augment import gaussian_blur
from gencore.draw import DRAW, train_draw
from gencore.gan import MLPDiscriminator, optimal_discriminator
from gencore.history import TrainingDiverged
from gencore.intrinsic_dim import two_nn_ratios
from gencore.pushforward import Generator, fit_generator_mmd, random_generator
from gencore.train import fit, train_gan
from gencore.vae import VAE, count_active_units, latent_traversal, train_vae
from gencore.variational import LinearGaussian, gaussian_kl, mc_kl, reparameterize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_bad_input import Mistake, cvae, draw, image_gan, images, labelled, outcome, points, toy_gan, vae  # noqa: E402,I001

Q = dict(progress=False)
ARGS = (TypeError, ValueError)


class CommandFailed(Exception):
    """A command line ended with a non-zero status: its message is what the user saw."""


def either(call, check, exc=ARGS, match=""):
    """Valid but unusual input with one sensible meaning: a refusal (``exc`` with ``match``) or a correct result
    (``check(result)`` asserts it) are both clear answers. Any other exception reaches `outcome` (unclear)."""
    try:
        result = call()
    except exc as e:
        if re.search(match, str(e), re.S):
            return None
        raise
    check(result)
    return None


def command(main, *argv):
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(list(argv))
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
        if not isinstance(e.code, int) and e.code:
            err.write(str(e.code))
    if rc:
        raise CommandFailed(err.getvalue() + out.getvalue())
    return out.getvalue()


def cli(*argv):
    from gencore.course.cli import main
    return command(main, *argv)


def grade(*argv):
    from gencore.course.grade import main
    return command(main, *argv)


def grey(n=16, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def tiny_classifier():
    torch.manual_seed(0)
    return Classifier(classes=10, channels=(4, 8), hidden=8)


def unchanged(path: Path, call):
    before = path.read_bytes()
    try:
        call()
    finally:
        assert path.read_bytes() == before, "the progress file was overwritten"


# ------------------------------------------------------------------------------------------ 00 generative models
def nb00_split_valid(tmp):
    load_dataset("sprites", "valid", subset=10)


def nb00_show_images_nrow_zero(tmp):
    viz.show_images(grey(8), nrow=0)


class CheckSaid(Exception):
    """A check's own report (checks report through AssertionError, which `outcome` would take for a wrong result)."""


def nb00_check_given_a_number(tmp):
    try:
        checks.inverse_cdf(5)
    except AssertionError as e:
        raise CheckSaid(str(e)) from None


def nb00_mmd_target_a_tensor(tmp):
    fit_generator_mmd(Generator(noise_dim=2, out_dim=2, hidden=8), toy.ring(256), steps=3, batch_size=32, **Q)


def nb00_random_generator_seed_a_generator(tmp):
    random_generator(seed=torch.Generator().manual_seed(0))


def nb00_ring_generator_an_int(tmp):
    either(lambda: toy.ring(64, generator=0), lambda r: torch.testing.assert_close(
        r, toy.ring(64, generator=torch.Generator().manual_seed(0))), match="generator")


def nb00_mmd_zero_steps(tmp):
    fit_generator_mmd(Generator(noise_dim=2, out_dim=2, hidden=8), lambda n: toy.ring(n), steps=0, batch_size=32, **Q)


# ------------------------------------------------------------------------------------------ 01 autoencoders
def nb01_encoder_kind_typo(tmp):
    make_encoder("mpl", in_shape=(1, 28, 28), out_dim=2)


def nb01_encoder_on_batch_without_channel(tmp):
    enc = make_encoder("mlp", in_shape=(1, 28, 28), out_dim=2)
    enc(grey(4)[:, 0])


def nb01_autoencoder_likelihood_typo(tmp):
    train_autoencoder(TensorData(images(32)), latent_dim=2, epochs=1, likelihood="gausian", hidden=[16], **Q)


def nb01_autoencoder_epochs_a_string(tmp):
    train_autoencoder(TensorData(images(32)), latent_dim=2, epochs="2", hidden=[16], **Q)


def nb01_pca_k_above_components(tmp):
    PCA(4).fit(grey(32)).reconstruction_mse(grey(8, seed=1), k=16)


def nb01_decode_grid_of_16d_model(tmp):
    torch.manual_seed(0)
    decode_grid(Autoencoder(latent_dim=16, hidden=[16]), n=3)


def nb01_two_nn_on_two_points(tmp):
    two_nn_ratios(torch.randn(2, 5))


def nb01_code_extent_of_3d_codes(tmp):
    code_extent(torch.randn(100, 3))


# ------------------------------------------------------------------------------------------ 02 variational inference
def nb02_kl_shapes_differ(tmp):
    gaussian_kl(torch.zeros(5, 2), torch.zeros(5, 3))


def nb02_linear_gaussian_negative_sigma(tmp):
    LinearGaussian(torch.randn(5, 2), torch.zeros(5), -0.5)


def nb02_sample_generator_an_int(tmp):
    m = LinearGaussian(torch.randn(5, 2), torch.zeros(5), 0.5)
    either(lambda: m.sample(1, generator=3),
           lambda r: assert_equal(torch.equal(r[0], m.sample(1, generator=3)[0]), True), match="generator")


def nb02_mc_kl_zero_samples(tmp):
    from torch.distributions import Normal
    mc_kl(Normal(0.0, 1.0), Normal(1.0, 1.0), n_samples=0)


def nb02_reparameterize_shapes_differ(tmp):
    reparameterize(torch.zeros(4, 2), torch.zeros(4, 3))


def nb02_posterior_of_wrong_width(tmp):
    LinearGaussian(torch.randn(5, 2), torch.zeros(5), 0.5).posterior(torch.zeros(1, 4))


# ------------------------------------------------------------------------------------------ 03 vae
def nb03_train_vae_lr_50(tmp):
    train_vae(TensorData(images(64)), latent_dim=2, hidden=[16], epochs=3, lr=50.0, batch_size=16, seed=0,
              verbose=False, **Q)


def nb03_reconstruct_0_255_floats(tmp):
    vae().reconstruct(images(4) * 255)


def nb03_log_likelihood_k_zero(tmp):
    E.log_likelihood(vae(), images(4), k=0)


def nb03_log_likelihood_generator_an_int(tmp):
    E.log_likelihood(vae(), images(4), k=2, generator=6)


def nb03_traversal_dim_out_of_range(tmp):
    latent_traversal(vae(), dims=[5])


def nb03_sample_mean_a_string(tmp):
    m = vae()
    either(lambda: m.sample(4, generator=torch.Generator().manual_seed(0), mean="False"),
           lambda r: torch.testing.assert_close(r, m.sample(4, generator=torch.Generator().manual_seed(0), mean=False)),
           match="mean")


def nb03_resume_fit_other_batch_size(tmp):
    path = tmp / "fit.pt"
    fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Q)
    unchanged(path, lambda: fit(vae(), images(64), epochs=2, batch_size=32, seed=0, resume=path, **Q))


def nb03_resume_vae_file_into_autoencoder(tmp):
    path = tmp / "fit.pt"
    fit(vae(), images(64), epochs=1, batch_size=16, seed=0, resume=path, **Q)
    torch.manual_seed(0)
    unchanged(path, lambda: fit(Autoencoder(latent_dim=2, hidden=[16]), images(64), epochs=2, batch_size=16, seed=0,
                                resume=path, **Q))


def nb03_cache_same_config_other_model(tmp):
    config = dict(name="vae", latent_dim=2, epochs=1)
    load_or_train(vae(), lambda m: fit(m, images(32), epochs=1, **Q), config, cache_dir=tmp / "c", verbose=False)
    torch.manual_seed(0)
    out = io.StringIO()
    model = VAE(latent_dim=8, hidden=[16])
    with contextlib.redirect_stdout(out):       # the notebooks' call: verbose (the default)
        load_or_train(model, lambda m: fit(m, images(32), epochs=1, **Q), config, cache_dir=tmp / "c")


def nb03_active_units_negative_threshold(tmp):
    count_active_units(vae(), images(16), threshold=-1)


def nb03_blur_sigma_zero(tmp):
    x = grey(4)
    either(lambda: gaussian_blur(x, sigma=0), lambda r: torch.testing.assert_close(r, x), match="sigma")


# ------------------------------------------------------------------------------------------ 04 conditional vae
def nb04_cvae_loss_one_hot_labels(tmp):
    m, x, y = cvae(), images(8), torch.arange(8) % 10

    def same(r):
        torch.manual_seed(1)
        a = m.loss(x, torch.nn.functional.one_hot(y, 10))["loss"]
        torch.manual_seed(1)
        torch.testing.assert_close(a, m.loss(x, y)["loss"])
    either(lambda: m.loss(x, torch.nn.functional.one_hot(y, 10)), same, match=r"y|label")


def nb04_cvae_sample_label_out_of_range(tmp):
    cvae().sample([0, 10])


def nb04_train_cvae_without_labels(tmp):
    train_cvae(TensorData(images(32)), latent_dim=2, hidden=[16], epochs=1, verbose=False, **Q)


def nb04_aggregate_prior_missing_class(tmp):
    data = TensorData(images(20), torch.arange(20) % 5)        # classes 0..4 only
    AggregatePrior(cvae(), data, per_class=2).sample(labels=[9], generator=torch.Generator().manual_seed(0))


def nb04_cvae_reconstruct_without_labels(tmp):
    cvae().reconstruct(images(4))


def nb04_accuracy_one_hot_labels(tmp):
    c, x, y = tiny_classifier(), grey(8), torch.arange(8)
    either(lambda: accuracy(c, x, torch.nn.functional.one_hot(y, 10)),
           lambda r: assert_equal(r, accuracy(c, x, y)), match=r"labels")


def assert_equal(a, b):
    assert a == b, f"{a} != {b}"


# ------------------------------------------------------------------------------------------ 05 draw
def nb05_draw_T_zero(tmp):
    DRAW(T=0, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2)


def nb05_draw_in_shape_without_channel(tmp):
    m = DRAW(T=2, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2, in_shape=(28, 28))
    assert tuple(m.in_shape) == (1, 28, 28), m.in_shape
    assert m.reconstruct(images(2)).shape == (2, 1, 28, 28)


def nb05_draw_sample_generator_an_int(tmp):
    draw().sample(3, generator=4)


def nb05_draw_reconstruct_uint8(tmp):
    m, x = draw(), (images(4) * 255).to(torch.uint8)
    out = m.reconstruct(x)
    torch.testing.assert_close(out, m.reconstruct(x.float() / 255))


def nb05_draw_elbo_terms_wrong_noise(tmp):
    m, x = draw(), images(4)
    m.elbo_terms(x, torch.randn(m.T + 1, 4, m.latent_dim))


def nb05_train_draw_attention_a_string(tmp):
    either(lambda: train_draw(TensorData(images(32)), T=2, read_n=2, write_n=3, hidden=8, latent_dim=2, epochs=1,
                              attention="False", verbose=False, **Q),
           lambda r: assert_equal(r[0].attention, False), match="attention")


# ------------------------------------------------------------------------------------------ 06 gan
def nb06_gan_loss_typo(tmp):
    train_gan_cached(toy_gan, points(64), name="g", hyper={}, steps=3, batch_size=16, loss="minmax", seed=0,
                     verbose=False, **Q)


def nb06_gan_cached_given_a_model(tmp):
    train_gan_cached(toy_gan(), points(64), name="g", hyper={}, steps=3, batch_size=16, seed=0, verbose=False, **Q)


def nb06_gan_negative_lr(tmp):
    train_gan(toy_gan(), points(64), steps=3, batch_size=16, lr=-1e-3, **Q)


def nb06_mode_metrics_std_zero(tmp):
    E.mode_metrics(toy.ring(100), toy.ring_centers(8, 2.0), std=0)


def nb06_optimal_d_lengths_differ(tmp):
    optimal_discriminator(torch.rand(100), torch.rand(50))


def nb06_1d_discriminator_without_feature_axis(tmp):
    torch.manual_seed(0)
    MLPDiscriminator(in_dim=1, hidden=(8,))(torch.randn(16))


def nb06_noise_generator_an_int(tmp):
    g = toy_gan()
    either(lambda: g.noise(4, 1), lambda r: torch.testing.assert_close(r, g.noise(4, torch.Generator().manual_seed(1))),
           match="generator")


def nb06_resume_gan_other_batch_size(tmp):
    from test_bad_input import interrupted_gan
    path = tmp / "gan.pt"
    interrupted_gan(path)
    unchanged(path, lambda: train_gan(toy_gan(), points(256), steps=30, batch_size=64, seed=0, resume=path,
                                      checkpoint_every=10, log_every=10, **Q))


# ------------------------------------------------------------------------------------------ 07 conditional gan
def cgan():
    return image_gan(n_classes=10)


def nb07_cgan_sample_label_out_of_range(tmp):
    cgan().sample([0, 10])


def nb07_cgan_sample_one_hot_labels(tmp):
    cgan().sample(torch.nn.functional.one_hot(torch.arange(4), 10))


def nb07_cgan_train_without_labels(tmp):
    train_gan(cgan(), images(32), steps=2, batch_size=8, **Q)


def nb07_cgan_train_labels_above_classes(tmp):
    torch.manual_seed(0)
    from gencore import gan as G
    g = G.image_gan(g_channels=(8, 4), d_channels=(4, 8), noise_dim=8, n_classes=5)
    train_gan(g, labelled(32, classes=10), steps=2, batch_size=8, **Q)


def nb07_cgan_z_of_wrong_width(tmp):
    cgan().sample(torch.arange(4), z=torch.randn(4, 3))


def nb07_feature_diversity_label_count_differs(tmp):
    E.feature_diversity(torch.randn(20, 4), torch.arange(10))


def nb07_auxiliary_a_string(tmp):
    either(lambda: image_gan(n_classes=10, auxiliary="False"),
           lambda g: assert_equal(getattr(g, "auxiliary", False), False), match="auxiliary")


# ------------------------------------------------------------------------------------------ 08 evaluation
def nb08_zoo_name_typo(tmp):
    zoo.sample("vea", vae(), 4)


def nb08_zoo_load_epochs_zero(tmp):
    zoo.load("gan", epochs=0, verbose=False, progress=False)


def nb08_zoo_sample_n_a_list(tmp):
    zoo.sample("vae", vae(), [4])


def nb08_kid_zero_subsets(tmp):
    E.kernel_distance(torch.randn(50, 4), torch.randn(50, 4), subsets=0, subset_size=10)


def nb08_frechet_widths_differ(tmp):
    E.frechet_distance(torch.randn(50, 8), torch.randn(50, 16))


def nb08_inception_score_of_logits(tmp):
    E.inception_score(torch.randn(50, 10))


def nb08_quiz_n_above_images(tmp):
    from gencore.quiz import real_vs_fake_quiz
    real_vs_fake_quiz(grey(4), grey(4, seed=1), n=16, display=False)


def nb08_log_likelihood_of_a_gan(tmp):
    E.log_likelihood(image_gan(), images(4), k=2)


def nb08_sharpness_without_channel(tmp):
    x = grey(4)
    either(lambda: E.sharpness(x[:, 0]), lambda r: torch.testing.assert_close(r, E.sharpness(x)),
           match=r"unsqueeze\(1\)|channel")


# ------------------------------------------------------------------------------ command line, setup, grading, cache
def cli_train_model_typo(tmp):
    cli("train", "vea", "--device", "cpu")


def cli_sample_without_out(tmp):
    cli("sample", "vae", "--device", "cpu")


def cli_sample_n_zero(tmp):
    cli("sample", "vae", "--out", str(tmp / "x.png"), "-n", "0", "--device", "cpu")


def cli_train_epochs_zero(tmp):
    cli("train", "vae", "--epochs", "0", "--device", "cpu")


def cli_pretrain_unknown_notebook(tmp):
    cli("pretrain", "--notebooks", "09", "--dry-run", "--device", "cpu")


def setup_quick_a_string(tmp):
    either(lambda: gencore.setup(seed=0, quick="False", device="cpu", threads=1, home=tmp / "h", verbose=False),
           lambda cfg: assert_equal(cfg.quick, False), match="quick")


def setup_threads_zero(tmp):
    gencore.setup(seed=0, threads=0, device="cpu", home=tmp / "h", verbose=False)


def setup_dataset_typo(tmp):
    gencore.setup(seed=0, dataset="fmnist", device="cpu", threads=1, home=tmp / "h", verbose=False)


def grade_jobs_zero(tmp):
    (tmp / "a.ipynb").write_text(json.dumps({"cells": []}))
    grade(str(tmp / "a.ipynb"), "--out", str(tmp / "g"), "--jobs", "0")


def grade_empty_folder(tmp):
    (tmp / "subs").mkdir()
    grade(str(tmp / "subs"), "--out", str(tmp / "g"))


def grade_cache_missing(tmp):
    (tmp / "a.ipynb").write_text(json.dumps({"cells": []}))
    grade(str(tmp / "a.ipynb"), "--out", str(tmp / "g"), "--cache", str(tmp / "nowhere"))


def cache_train_returns_nothing(tmp):
    load_or_train(vae(), lambda m: None, dict(name="vae", epochs=1), cache_dir=tmp / "c", verbose=False)


def cache_config_holds_a_tensor(tmp):
    load_or_train(vae(), lambda m: fit(m, images(16), epochs=1, **Q), dict(name="vae", lr=torch.tensor(1e-3)),
                  cache_dir=tmp / "c", verbose=False)


M = Mistake
EIGHTH = [
    # 00
    M("00 load_dataset split 'valid'", "HINT", nb00_split_valid, ARGS, r"split.*'train'.*'test'"),
    M("00 show_images nrow=0", "HINT", nb00_show_images_nrow_zero, ARGS, r"nrow"),
    M("00 checks.inverse_cdf(5): a number for a function", "HINT", nb00_check_given_a_number, (TypeError, CheckSaid),
      r"function|callable"),       # corrected: was TypeError only; the check says it in its own report
    M("00 fit_generator_mmd target a tensor, not a function", "HINT", nb00_mmd_target_a_tensor, TypeError,
      r"sample_data.*(function|callable)"),
    M("00 random_generator(seed=Generator)", "HINT", nb00_random_generator_seed_a_generator, ARGS, r"seed"),
    M("00 toy.ring(generator=0)", "HINT", nb00_ring_generator_an_int, None),
    M("00 fit_generator_mmd steps=0", "HINT", nb00_mmd_zero_steps, ARGS, r"steps"),
    # 01
    M("01 make_encoder('mpl')", "HINT", nb01_encoder_kind_typo, ARGS, r"kind|'mpl'.*mlp"),
    M("01 encoder on (N, 28, 28)", "SHAPE", nb01_encoder_on_batch_without_channel, ARGS, r"unsqueeze\(1\)",
      r"unsqueeze\(0\)"),
    M("01 train_autoencoder likelihood='gausian'", "HINT", nb01_autoencoder_likelihood_typo, ARGS,
      r"likelihood.*gaussian"),
    M("01 train_autoencoder epochs='2'", "HINT", nb01_autoencoder_epochs_a_string, ARGS, r"epochs"),
    M("01 PCA(4).reconstruction_mse(k=16)", "HINT", nb01_pca_k_above_components, ARGS, r"\bk\b.*4"),
    M("01 decode_grid of a 16-d model", "SHAPE", nb01_decode_grid_of_16d_model, ARGS, r"2"),
    M("01 two_nn_ratios of 2 points", "DIVERGENCE", nb01_two_nn_on_two_points, ARGS, r"x|points"),
    M("01 code_extent of (N, 3) codes", "SHAPE", nb01_code_extent_of_3d_codes, ARGS, r"codes.*2"),
    # 02
    M("02 gaussian_kl (5, 2) vs (5, 3)", "SHAPE", nb02_kl_shapes_differ, ARGS, r"logvar.*shape|shape.*logvar"),
    M("02 LinearGaussian sigma=-0.5", "HINT", nb02_linear_gaussian_negative_sigma, ARGS, r"sigma.*positive"),
    M("02 LinearGaussian.sample(generator=3)", "HINT", nb02_sample_generator_an_int, None),
    M("02 mc_kl n_samples=0", "DIVERGENCE", nb02_mc_kl_zero_samples, ARGS, r"n_samples"),
    M("02 reparameterize (4, 2) vs (4, 3)", "SHAPE", nb02_reparameterize_shapes_differ, ARGS,
      r"(mu|logvar).*shape|shape.*(mu|logvar)"),
    M("02 LinearGaussian.posterior of width 4 (D=5)", "SHAPE", nb02_posterior_of_wrong_width, ARGS, r"x.*5"),
    # 03
    M("03 train_vae lr=50", "DIVERGENCE", nb03_train_vae_lr_50, (TrainingDiverged, ValueError, RuntimeError),
      r"(?i)diverg.*(lr|learning rate)"),
    M("03 VAE.reconstruct of 0..255 floats", "SHAPE", nb03_reconstruct_0_255_floats, ARGS, r"255"),
    M("03 log_likelihood k=0", "HINT", nb03_log_likelihood_k_zero, ARGS, r"\bk\b"),
    M("03 log_likelihood generator=6", "HINT", nb03_log_likelihood_generator_an_int, ARGS,
      r"generator.*Generator"),
    M("03 latent_traversal dims=[5] (latent 2)", "SHAPE", nb03_traversal_dim_out_of_range, ARGS, r"dims"),
    M("03 VAE.sample(mean='False')", "HINT", nb03_sample_mean_a_string, None),
    M("03 fit resumed with another batch_size", "RESUME", nb03_resume_fit_other_batch_size,
      (ValueError, RuntimeError), r"batch_size"),
    M("03 a VAE's progress file resumed into an Autoencoder", "RESUME", nb03_resume_vae_file_into_autoencoder,
      (ValueError, RuntimeError, TypeError), r"(?i)resume|progress"),
    M("03 load_or_train: same config, other latent size", "RESUME", nb03_cache_same_config_other_model, ValueError,
      r"same config.*other layer shapes.*retrain=True"),     # valid at the measure; refused since the 12th set's fix
    # corrected: was a refusal; it says the cached weights do not fit and trains this model afresh
    M("03 count_active_units threshold=-1", "HINT", nb03_active_units_negative_threshold, ARGS, r"threshold"),
    M("03 gaussian_blur sigma=0", "HINT", nb03_blur_sigma_zero, None),
    # 04
    M("04 cVAE loss with one-hot labels", "SHAPE", nb04_cvae_loss_one_hot_labels, None),
    M("04 cVAE sample label 10", "SHAPE", nb04_cvae_sample_label_out_of_range, ARGS, r"label.*(0|9|10)"),
    M("04 train_cvae on data without labels", "HINT", nb04_train_cvae_without_labels, ARGS, r"(?i)label"),
    M("04 AggregatePrior sample of a class it never saw", "HINT", nb04_aggregate_prior_missing_class, ARGS,
      r"class \d.*every class"),  # corrected: was r"9"; refused at construction, naming the first missing class
    M("04 cVAE reconstruct without y", "HINT", nb04_cvae_reconstruct_without_labels, ARGS, r"\by\b|label"),
    M("04 accuracy with one-hot labels", "SHAPE", nb04_accuracy_one_hot_labels, None),
    # 05
    M("05 DRAW(T=0)", "HINT", nb05_draw_T_zero, ARGS, r"\bT\b"),
    M("05 DRAW in_shape=(28, 28)", "SHAPE", nb05_draw_in_shape_without_channel, None),  # corrected: was a refusal
    M("05 DRAW.sample(generator=4)", "HINT", nb05_draw_sample_generator_an_int, ARGS, r"generator.*Generator"),
    M("05 DRAW.reconstruct of uint8", "SHAPE", nb05_draw_reconstruct_uint8, None),
    M("05 DRAW.elbo_terms with eps of T+1 steps", "SHAPE", nb05_draw_elbo_terms_wrong_noise, ARGS, r"eps"),
    M("05 train_draw attention='False'", "HINT", nb05_train_draw_attention_a_string, None),
    # 06
    M("06 train_gan_cached loss='minmax'", "HINT", nb06_gan_loss_typo, ARGS, r"loss.*minimax"),
    M("06 train_gan_cached given a model, not a function", "HINT", nb06_gan_cached_given_a_model, TypeError,
      r"build.*(function|callable)"),
    M("06 train_gan lr=-1e-3", "DIVERGENCE", nb06_gan_negative_lr, ARGS, r"\blr\b"),
    M("06 mode_metrics std=0", "HINT", nb06_mode_metrics_std_zero, ARGS, r"std"),
    M("06 optimal_discriminator 100 vs 50 densities", "SHAPE", nb06_optimal_d_lengths_differ, ARGS,
      r"p_data|p_model"),
    M("06 1-D discriminator on (N,) points", "SHAPE", nb06_1d_discriminator_without_feature_axis, ARGS,
      r"unsqueeze\(1\)|\(N, 1\)|\(16, 1\)"),
    M("06 gan.noise(4, 1): an int generator", "HINT", nb06_noise_generator_an_int, None),
    M("06 train_gan resumed with another batch_size", "RESUME", nb06_resume_gan_other_batch_size,
      (ValueError, RuntimeError), r"batch_size"),
    # 07
    M("07 cGAN sample label 10", "SHAPE", nb07_cgan_sample_label_out_of_range, ARGS, r"label.*(0|9|10)"),
    M("07 cGAN sample one-hot labels", "SHAPE", nb07_cgan_sample_one_hot_labels, ARGS, r"label"),
    M("07 cGAN trained on images without labels", "HINT", nb07_cgan_train_without_labels, ARGS, r"(?i)label"),
    M("07 cGAN of 5 classes trained on labels 0..9", "SHAPE", nb07_cgan_train_labels_above_classes, ARGS,
      r"(?i)label.*(5|n_classes)"),
    M("07 cGAN sample z of width 3", "SHAPE", nb07_cgan_z_of_wrong_width, ARGS, r"\bz\b"),
    M("07 feature_diversity 20 features, 10 labels", "SHAPE", nb07_feature_diversity_label_count_differs, ARGS,
      r"labels"),
    M("07 image_gan auxiliary='False'", "HINT", nb07_auxiliary_a_string, None),
    # 08
    M("08 zoo.sample('vea')", "HINT", nb08_zoo_name_typo, ARGS, r"vea.*vae"),
    M("08 zoo.load('gan', epochs=0)", "HINT", nb08_zoo_load_epochs_zero, ARGS, r"epochs"),
    M("08 zoo.sample n=[4]", "HINT", nb08_zoo_sample_n_a_list, ARGS, r"\bn\b"),
    M("08 kernel_distance subsets=0", "HINT", nb08_kid_zero_subsets, ARGS, r"subsets"),
    M("08 frechet_distance widths 8 vs 16", "SHAPE", nb08_frechet_widths_differ, ARGS, r"8.*16|16.*8"),
    M("08 inception_score of logits", "SHAPE", nb08_inception_score_of_logits, ARGS, r"(?i)probs|probabilit"),
    M("08 real_vs_fake_quiz n=16 of 4+4 images", "HINT", nb08_quiz_n_above_images, ARGS, r"\bn\b"),
    M("08 log_likelihood of a GAN", "HINT", nb08_log_likelihood_of_a_gan, ARGS, r"(?i)GAN|likelihood"),
    M("08 sharpness of (N, 28, 28)", "SHAPE", nb08_sharpness_without_channel, None),
    # command line, setup, grading, cache
    M("cli train 'vea'", "HINT", cli_train_model_typo, CommandFailed, r"vea.*vae"),
    M("cli sample without --out", "HINT", cli_sample_without_out, CommandFailed, r"--out"),
    M("cli sample -n 0", "HINT", cli_sample_n_zero, CommandFailed, r"-n"),
    M("cli train --epochs 0", "HINT", cli_train_epochs_zero, CommandFailed, r"--epochs"),
    M("cli pretrain --notebooks 09", "HINT", cli_pretrain_unknown_notebook, CommandFailed, r"--notebooks.*09|09"),
    M("setup(quick='False')", "HINT", setup_quick_a_string, None),
    M("setup(threads=0)", "HINT", setup_threads_zero, ARGS, r"threads"),
    M("setup(dataset='fmnist')", "HINT", setup_dataset_typo, ARGS, r"fmnist.*fashion-mnist"),
    M("grade --jobs 0", "HINT", grade_jobs_zero, CommandFailed, r"--jobs"),
    M("grade an empty folder", "HINT", grade_empty_folder, CommandFailed, r"(?i)no .*(notebook|ipynb)|subs"),
    # corrected: ipynb
    M("grade --cache a missing folder", "HINT", grade_cache_missing, CommandFailed, r"--cache"),
    M("load_or_train: train returns None", "HINT", cache_train_returns_nothing, ARGS, r"(?i)train.*History"),  # corr.
    M("load_or_train: a tensor in the config", "HINT", cache_config_holds_a_tensor, ARGS, r"config|lr"),
]

def judge(m: Mistake, tmp: Path) -> tuple[str, str]:
    """`outcome`, for an expected exception given as a tuple of types too (any of them is a sensible answer)."""
    if isinstance(m.raises, tuple):
        class Any_(Exception):
            pass
        Any_.__name__ = " or ".join(t.__name__ for t in m.raises)
        verdict, what = outcome(Mistake(m.name, m.kind, m.run, Exception, m.match, m.absent), tmp)
        if verdict == "clear" and not what.startswith(tuple(f"{t.__name__}:" for t in m.raises)) and not any(
                isinstance_name(what, t) for t in m.raises):
            return "unclear", what
        return verdict, what.replace("no Exception", f"no {Any_.__name__}")
    return outcome(m, tmp)


def isinstance_name(what: str, t: type) -> bool:
    """An exception of a subclass of ``t`` (its name is the first word of ``what``)."""
    name = what.split(":", 1)[0]
    return any(c.__name__ == name for c in _subclasses(t))


def _subclasses(t: type):
    yield t
    for c in t.__subclasses__():
        yield from _subclasses(c)


def measure(mistakes: list[Mistake], title: str) -> None:
    import tempfile

    counts, by_kind, by_book, others = {"clear": 0, "unclear": 0, "silent": 0}, {}, {}, []
    for m in mistakes:
        with tempfile.TemporaryDirectory() as tmp:
            gencore.setup(seed=0, quick=False, device="cpu", threads=1, home=Path(tmp) / "home", verbose=False)
            verdict, what = judge(m, Path(tmp))
        counts[verdict] += 1
        book = m.name[:2] if m.name[:2].isdigit() else "cli/setup/grade/cache"
        for table, key in ((by_kind, m.kind), (by_book, book)):
            table.setdefault(key, [0, 0])[0] += verdict == "clear"
            table[key][1] += 1
        if verdict != "clear":
            others.append(f"  {verdict:8s} {m.kind:10s} {m.name}: {what[:200]}")
    n = len(mistakes)
    print(f"{title}: {counts['clear']}/{n} clear ({100 * counts['clear'] / max(n, 1):.1f}%), "
          f"{counts['unclear']} unclear, {counts['silent']} silent")
    print("  by class:    " + ", ".join(f"{k} {c}/{t}" for k, (c, t) in by_kind.items()))
    print("  by notebook: " + ", ".join(f"{k} {c}/{t}" for k, (c, t) in by_book.items()))
    print("\n".join(others))


KNOWN: dict[str, str] = {}     # the four were fixed after the measure (see the docstring)


@pytest.mark.parametrize("mistake", [pytest.param(m, id=m.name, marks=[pytest.mark.xfail(strict=True,
                                     reason=KNOWN[m.name])] if m.name in KNOWN else []) for m in EIGHTH])
def test_every_mistake_gets_a_clear_answer(mistake, home, tmp_path):
    verdict, what = judge(mistake, tmp_path)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_set_has_two_instances_of_each_class():
    kinds = [m.kind for m in EIGHTH]
    assert all(kinds.count(k) >= 2 for k in ("RESUME", "DIVERGENCE", "SHAPE", "HINT")), kinds


if __name__ == "__main__":
    measure(EIGHTH, "eighth set")
