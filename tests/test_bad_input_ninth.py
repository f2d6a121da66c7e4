"""Issue 27, NINTH set: a fresh, blind catalogue of bad input, written without reading the earlier sets (other than
tests/test_bad_input.py for its harness), tests/test_flags.py or the history. It measures issue 27's target: "Tried
again with a fresh set of mistakes of the same kinds: at least 95% get a clear sentence, none is silent."

How it was sampled: notebook by notebook (solutions/00..08), the calls the code cells make into gencore were read,
and about seven mistakes per notebook written as a student copying a call and changing it would make them (another
shape, a forgotten axis, a list or a numpy array or a dataset or a model where a tensor is wanted, one-hot labels, a
label out of range, an int where a torch.Generator is wanted, a far too large learning rate, NaN or no data, a typo'd
option, a string for a number, a model of the wrong kind, a resumed run with changed settings, arguments in the wrong
place), preferring entry points and argument combinations less likely to have been tried; then the instructor's doors:
the command line, `gencore.setup`, grading and the model cache. Each entry's expected answer (the exception and the
words its first line must hold, or the correct result) was written before anything was run.

    entries   80: notebooks 00 7, 01 8, 02 7, 03 8, 04 7, 05 7, 06 7, 07 7, 08 7; cli 7, setup 3, grading 3, cache 2
    classes   HINT 47, SHAPE 24, DIVERGENCE 5, RESUME 4

Verdicts (`outcome`): clear = the expected exception, and the FIRST LINE of its message holds every expected pattern
and is not PyTorch's or Python's own words (`INTERNAL`: torch.randn's list of signatures, "got an unexpected keyword
argument", "object is not iterable"...), or the correct result for valid input; unclear = another exception, an
internal message, or one that sends the student the wrong way; silent = no exception and a wrong result.
The command line runs as `python -m gencore` does (runpy of gencore.__main__), every command in one subprocess, with
GENCORE_DEVICE=tpu so that an accepted option reaches setup() and stops there (nothing is trained).

Measured (before any fix), OMP_NUM_THREADS=1, CPU:

    as first written    44/80 clear (55.0%), 28 unclear, 8 silent
    after corrections   45/80 clear (56.2%), 27 unclear, 8 silent      (1 correction, CORRECTIONS)

    by notebook (after corrections, clear/entries): 00 4/7, 01 4/8, 02 4/7, 03 2/8, 04 5/7, 05 5/7, 06 3/7, 07 6/7,
        08 6/7, cli 4/7, setup 2/3, grading 0/3, cache 0/2
    by class: HINT 27/47 (16 unclear, 4 silent), SHAPE 14/24 (9 unclear, 1 silent), DIVERGENCE 3/5 (2 unclear),
        RESUME 1/4 (3 silent)

After the measure all 35 were fixed (80 of 80 clear; two fixes accept what the entry expected refused, see
CHANGED_BY_FIX: TensorData takes numpy arrays, grade takes one path as a list of one).

Not clear at the measure (NOT_CLEAR holds the answer's first line):

  silent
    01 two_nn_estimate(roll) (points instead of the ratios r2/r1): returns nan (points with negative coordinates; the
       log of the "ratios" is NaN), no error.
    03 fit(model_b, data, optimizer=adam(model_a)): trains nothing, the loop runs and returns a history; model_b keeps
       its initial weights.
    03 fit(VAE(activation='tanh'), resume=<a relu run's progress file>): resumes the relu run's weights into the tanh
       model (the activation is in no setting the progress file compares: model_settings reads only the model's own
       plain attributes, not its blocks').
    03 fit(VAE(likelihood='gaussian', obs_std=0.5), resume=<an obs_std=0.1 run>): resumes, and the saved obs_logvar
       buffer silently replaces the asked obs_std=0.5 by 0.1.
    06 optimal_discriminator(p_data (201,), p_model (201, 1)): broadcasts to a (201, 201) D*.
    08 zoo.sample('vae', a ConditionalVAE, 8): samples the cVAE (classes in turn) and returns labels None, as a VAE.
    cache load_or_train(model_b, lambda m: fit(model_a, ...), config): caches model_b's untrained weights as trained.
    cache load_or_train(..., config=dict(..., data=<ImageData>)): the dataset enters the key by its repr
       ("ImageData(digits, split=train, n=64, ...)"), so another dataset of the same name, split and size loads the
       first one's model (a TensorData's repr holds only its address).
  unclear
    00 fit_generator_mmd(..., bandwidths=(0.1, 0.5), loss_fn=<the one-bandwidth exercise function>): "TypeError:
       unsupported operand type(s) for ** or pow(): 'tuple' and 'int'" (raised inside the student's function).
    00 fit_generator_mmd(g, lambda n: <NaN points>): TrainingDiverged "... Lower the learning rate (lr=0.001), or check
       loss_fn and the bandwidths": the data are NaN, the advice sends the student to the learning rate.
    00 viz.show_images([batch, batch]): "ValueError: only one element tensors can be converted to Python scalars".
    01 make_encoder('mlp', in_shape=<ImageData>): "TypeError: 'ImageData' object is not iterable".
    01 PCA(4).fit(x).decode(torch.zeros(4)): "IndexError: tuple index out of range".
    01 two_nn(codes with one NaN row): "TwoNN needs at least 3 points with a nearest neighbour at a positive
       distance." (the NaN is never named).
    02 mc_kl(Normal(mu (50, 2), sigma), Independent(Normal(...), 1)): "RuntimeError: The size of tensor a (2) must match
       the size of tensor b (50) at non-singleton dimension 2".
    02 LinearGaussian(W of shape (2, 5) = (d, D), torch.zeros(5), 0.3): "b must have shape (D,) = (2,) ... e.g.
       torch.zeros(2)": sends the student to change b (a model of 2-D data) instead of transposing W.
    02 reparameterize(mu, logvar, 5): "generator must be a torch.Generator ... pass
       generator=torch.Generator().manual_seed(5)": 5 samples were meant (n_samples); the advice gives one sample.
    03 latent_traversal(vae, dims=3): "TypeError: 'int' object is not iterable".
    03 decode_prior_grid(vae, n=4, y=3) (unconditional VAE): "TypeError: VAE.decode() takes 2 positional arguments but
       3 were given" (also latent_traversal(vae, y=3)).
    03 viz.latent_explorer(vae (latent 4), dims=range(6)): "IndexError: index 4 is out of bounds for dimension 0 with
       size 4".
    04 cvae.sample_classes(n=8, generator=3): torch.randn's "received an invalid combination of arguments".
    04 train_cvae(TensorData(x, F.one_hot(y, 10)), ...): "labels must be a 1-D tensor of integer class indices ...,
       got torch.int64 of shape (32, 10); convert them with .long()" (already int64: argmax(1) is the fix; TensorData
       does not use labels.one_hot_hint).
    05 draw.reconstruct(x, sample=True, generator=5): torch.randn's "received an invalid combination of arguments".
    05 log_likelihood(draw, x, k=3, prior=AggregatePrior(vae, ...)): "TypeError: DRAW.log_weights() got an unexpected
       keyword argument 'prior'".
    06 mode_metrics(snaps, centers, std) (the dict): "TypeError: must be real number, not dict".
    06 mode_metrics(gan, centers, std): "TypeError: must be real number, not GAN".
    06 train_gan_cached(..., beta=(0.5, 0.999)): "TypeError: train_gan() got an unexpected keyword argument 'beta'"
       (another function's name; betas not suggested).
    07 feature_diversity(f, labels=F.one_hot(y, 10)): "labels must be integers, one per feature row (40), got (400,) of
       dtype torch.int64." (the shape after reshape(-1), not (40, 10); no one-hot hint).
    setup(home=123): "TypeError: expected str, bytes or os.PathLike object, not int".
    grading grade('submission.ipynb', out) (a str, not a list): "FileNotFoundError: s does not exist; ..." (each
       character is taken for a path; from an absolute path, '/' would be searched for notebooks first).
    grading grade([nb], out, timeout='300'): "--timeout 300: give the seconds a cell may run, a number above 0." (a
       Python caller's timeout='300' shown as if it were the number 300).
    grading grade([nb], out, jobs=1.0): "--jobs 1.0: give how many submissions to grade at a time, 1 or more."
    cli gencore sample cgan --out cgan.png (the call docs/instructors.md shows): "-n 64 is out of range; give from 1 to
       16 samples per class for cgan." (the user gave no -n: the default 64 is refused for conditional models).
    cli gencore train vae draw: "gencore: unrecognized arguments: draw; see `gencore --help`." (mild: says not that a
       command trains one model, or that pretrain trains several).
    cli gencore train --model vae: "gencore: unrecognized arguments: --model; see `gencore --help`." (mild: the model
       is the positional argument).

Corrections (expectation as first written too narrow; counted apart):
    01 TensorData(roll.numpy()): expected accepted (as_data and most doors take numpy arrays); refused with "x must be
       a tensor of examples (N, ...), got ndarray.", which names x and what it takes: counted clear after correction.

``python tests/test_bad_input_ninth.py`` prints the tally (as first written and after corrections, by notebook and by
class) and every entry that is not clear.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import torch
import torch.nn.functional as F

import gencore
from gencore import checks, viz
from gencore import evaluation as E
from gencore.aggregate_prior import AggregatePrior
from gencore.autoencoder import PCA, Autoencoder, decode_grid, encode_dataset, train_autoencoder
from gencore.blocks import make_encoder
from gencore.cache import load_or_train, train_gan_cached
from gencore.classifier import Classifier, classify
from gencore.cvae import ConditionalVAE, train_cvae
from gencore.data import ImageData, TensorData, toy
from gencore.draw import DRAW, Window, filters, window_box, write_attention
from gencore.evaluation import entropy_of_counts, feature_diversity, log_likelihood, mode_metrics, sharpness
from gencore.gan import MLPDiscriminator, image_gan, optimal_discriminator, toy_gan
from gencore.history import TrainingDiverged
from gencore.intrinsic_dim import two_nn, two_nn_estimate
from gencore.pushforward import Generator, fit_generator_mmd
from gencore.train import adam, fit, train_gan
from gencore.vae import VAE, count_active_units, decode_prior_grid, encode_means, latent_traversal
from gencore.variational import (
    LinearGaussian,
    estimator_variance,
    mc_kl,
    reparam_grad,
    reparameterize,
    score_function_grad,
)

ROOT = Path(__file__).resolve().parents[1]


class Unclear(Exception):
    """Raised by an entry's own run when the library answered, but not with what a clear answer holds."""


class CommandFailed(Exception):
    """A command-line run ended with a non-zero status; the message is what it printed on stderr (first line)."""


@dataclass
class Mistake:
    name: str
    kind: str                               # RESUME, DIVERGENCE, SHAPE, HINT
    notebook: str                           # 00..08, or cli, setup, grading, cache
    run: Callable[[Path], object]           # makes the mistake (given a fresh folder)
    raises: type | tuple | None = None      # the exception expected; None: a correct result (run asserts it)
    match: tuple = ()                       # regexes its message must all match (re.S), as first written
    absent: str | None = None               # a regex its message must not match (a misleading word)


# PyTorch's and Python's own words: an answer in them is unclear whatever else it mentions (torch.randn's list of
# signatures names "generator" and "torch.Generator", Python's TypeError names the keyword), a rule applied to every
# entry after the first measure showed three such answers passing the entries' patterns.
INTERNAL = (r"received an invalid combination of arguments|got an unexpected keyword argument|takes \d+ positional "
            r"arguments? but|object is not iterable|index out of range|is out of bounds|must match the size of tensor|"
            r"only one element tensors|must be real number, not|expected str, bytes or os\.PathLike")


def _clear_sentence(e: BaseException, match, absent) -> bool:
    """The first line of the message holds every pattern of ``match``, none of ``absent``, and is no internal error."""
    first = (str(e).strip().splitlines() or [""])[0]
    return (all(re.search(p, first, re.S) for p in match) and not (absent and re.search(absent, first, re.S))
            and not re.search(INTERNAL, first))


def outcome(m: Mistake, tmp: Path, raises=None, match=None) -> tuple[str, str]:
    """("clear" | "unclear" | "silent", what happened). ``raises``/``match`` override the entry's (corrections)."""
    raises = m.raises if raises is None and match is None else raises
    match = m.match if match is None else match
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(out):
                m.run(tmp)
        except AssertionError as e:
            if raises is not None and isinstance(e, raises):          # a check's CheckFailed is expected
                return ("clear" if _clear_sentence(e, match, m.absent) else "unclear"), f"{type(e).__name__}: {e}"
            return "silent", f"wrong result: {e}"
        except Exception as e:                                        # noqa: BLE001 - what the student would see
            text = f"{type(e).__name__}: {e}"
            if raises is None or not isinstance(e, raises) or not _clear_sentence(e, match, m.absent):
                return "unclear", text
            return "clear", text
    if raises is not None:
        said = [str(w.message) for w in caught if not issubclass(w.category, (DeprecationWarning,))]
        if said:
            return "unclear", f"only a warning: {said[0][:200]}"
        return "silent", f"no {getattr(raises, '__name__', raises)}: the call went on"
    return "clear", "handled correctly"


# ------------------------------------------------------------------------------------------ small things to err with
def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def images(n=16, seed=0) -> torch.Tensor:
    return (torch.rand(n, 1, 28, 28, generator=gen(seed)) < 0.3).float()


def labels(n=16, k=10) -> torch.Tensor:
    return torch.arange(n) % k


def image_data(n=64, k=10, binarize=None, seed=0) -> ImageData:
    x = (torch.rand(n, 1, 28, 28, generator=gen(seed)) * 255).to(torch.uint8)
    return ImageData(x, labels(n, k), name="digits", split="train", classes=[str(i) for i in range(k)],
                     binarize=binarize, seed=seed)


def vae(latent=4, **kw) -> VAE:
    torch.manual_seed(0)
    return VAE(latent_dim=latent, hidden=[16], **kw)


def cvae(latent=2, **kw) -> ConditionalVAE:
    torch.manual_seed(0)
    return ConditionalVAE(latent_dim=latent, n_classes=10, hidden=[16], **kw)


def draw(**kw) -> DRAW:
    torch.manual_seed(0)
    return DRAW(**{**dict(T=2, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2), **kw})


def cgan(**kw):
    torch.manual_seed(0)
    return image_gan(**{**dict(n_classes=10, g_channels=(8, 4), d_channels=(4, 8), noise_dim=8, auxiliary=True), **kw})


def quiet(fn, *a, **k):
    return fn(*a, progress=False, **k)


def same(a, b, what="result"):
    assert torch.allclose(torch.as_tensor(a).float(), torch.as_tensor(b).float(), atol=1e-5), f"the {what} differs"


def roll3(n=300):
    return toy.swiss_roll(n, dim=3, generator=gen(0))


# ------------------------------------------------------------------------------------------ 00 generative models
def nb00_ring_seed_for_generator(tmp):
    toy.ring(256, 8, 2.0, 0.1, 0)                    # the generator's place holds a seed


def nb00_mmd_tensor_for_function(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=16), toy.ring(512), steps=3, progress=False)


def _mmd_squared(x, y, h):                            # the student's exercise: ONE bandwidth h
    def k(a, b):
        return torch.exp(-torch.cdist(a, b) ** 2 / (2 * h ** 2)).mean()
    return k(x, x) + k(y, y) - 2 * k(x, y)


def nb00_mmd_single_bandwidth_loss(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=16), lambda n: toy.ring(n), steps=3, batch_size=64, bandwidths=(0.1, 0.5),
                      loss_fn=_mmd_squared, progress=False)


def nb00_mmd_nan_data(tmp):
    torch.manual_seed(0)
    fit_generator_mmd(Generator(hidden=16), lambda n: torch.full((n, 2), float("nan")), steps=3, batch_size=64,
                      progress=False)


def nb00_sample_generator_for_seed(tmp):
    image_data(32).sample(8, seed=gen(0))


def nb00_show_list_of_batches(tmp):
    x = images(16)
    viz.show_images([x[:8], torch.rand(8, 1, 28, 28)], nrow=8, title="real vs random")


def nb00_check_given_a_tensor(tmp):
    x, y = toy.ring(200, generator=gen(0)), toy.ring(200, generator=gen(1))
    checks.mmd(_mmd_squared(x, y, 0.5))             # the result passed to the check, not the function


NB00 = [
    Mistake("toy.ring(256, 8, 2.0, 0.1, 0): a seed in the generator's place", "HINT", "00",
            nb00_ring_seed_for_generator, TypeError, (r"generator", r"torch\.Generator")),
    Mistake("fit_generator_mmd(g, toy.ring(512), ...): a tensor where sample_data, a function, is wanted", "HINT",
            "00", nb00_mmd_tensor_for_function, TypeError, (r"sample_data", r"function")),
    Mistake("fit_generator_mmd(..., bandwidths=(0.1, 0.5), loss_fn=mmd_squared): the one-bandwidth exercise "
            "function as the loss of several bandwidths", "HINT", "00", nb00_mmd_single_bandwidth_loss, TypeError,
            (r"loss_fn", r"bandwidths")),
    Mistake("fit_generator_mmd(g, lambda n: NaN points): NaN in the data", "DIVERGENCE", "00", nb00_mmd_nan_data,
            Exception, (r"sample_data", r"NaN|not finite"), absent=r"[Ll]ower the learning rate"),
    Mistake("data.sample(8, seed=torch.Generator()): a generator where an int seed is wanted", "HINT", "00",
            nb00_sample_generator_for_seed, TypeError, (r"seed", r"whole number|int")),
    Mistake("viz.show_images([batch, batch]): a list of tensors where one tensor is wanted", "SHAPE", "00",
            nb00_show_list_of_batches, (TypeError, ValueError), (r"\bx\b|images", r"list", r"torch\.cat|torch\.stack")),
    Mistake("checks.mmd(mmd_squared(x, y, 0.5)): the function's result passed to the check", "HINT", "00",
            nb00_check_given_a_tensor, AssertionError, (r"function", r"Tensor")),
]


# ------------------------------------------------------------------------------------------ 01 autoencoders
def nb01_encoder_in_shape_dataset(tmp):
    train = image_data(32)
    make_encoder("mlp", in_shape=train, out_dim=2)       # the dataset, not train.shape


def nb01_tensordata_numpy(tmp):
    roll = roll3()
    data = TensorData(roll.numpy())                       # a numpy array where a tensor is wanted
    assert len(data) == len(roll), "wrong length"
    x, _ = data.get(torch.arange(5))
    same(x, roll[:5], "examples")


def nb01_activation_typo(tmp):
    roll = roll3()
    train_autoencoder(TensorData(roll / roll.std()), latent_dim=2, epochs=1, likelihood="gaussian", hidden=(16, 16),
                      activation="gelu", batch_size=64, name="ae-swiss-roll", verbose=False, progress=False)


def nb01_pca_decode_one_code(tmp):
    pca = PCA(4).fit(images(64))
    pca.decode(torch.zeros(4))                            # one code (k,), not a batch (1, k)


def nb01_two_nn_estimate_of_points(tmp):
    two_nn_estimate(roll3())                              # the points, not their ratios r2 / r1


def nb01_two_nn_nan_codes(tmp):
    codes = torch.randn(200, 8, generator=gen(0))
    codes[17] = float("nan")                              # a diverged model's codes
    two_nn(codes)


def nb01_decode_grid_codes_as_extent(tmp):
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=2, hidden=[16])
    codes = torch.randn(300, 2, generator=gen(0))
    decode_grid(model, n=5, extent=codes)                 # codes= meant


def nb01_encode_dataset_uint8(tmp):
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=2, hidden=[16])
    data = image_data(40)
    codes, _ = encode_dataset(model, data.images)         # uint8 0..255: images, as everywhere
    expected, _ = encode_dataset(model, data.images.float() / 255)
    same(codes, expected, "codes")


NB01 = [
    Mistake("make_encoder('mlp', in_shape=train, ...): the dataset where its shape is wanted", "SHAPE", "01",
            nb01_encoder_in_shape_dataset, (TypeError, ValueError), (r"in_shape", r"\.shape|shape")),
    Mistake("TensorData(roll.numpy()): a numpy array where a tensor is wanted (accepted, as by as_data)", "SHAPE",
            "01", nb01_tensordata_numpy),
    Mistake("train_autoencoder(..., activation='gelu'): an activation gencore does not have", "HINT", "01",
            nb01_activation_typo, ValueError, (r"activation", r"gelu", r"relu")),
    Mistake("PCA.decode(torch.zeros(4)): one code where a batch of codes is wanted", "SHAPE", "01",
            nb01_pca_decode_one_code, ValueError, (r"\bz\b", r"unsqueeze\(0\)|\(N, 4\)|batch")),
    Mistake("two_nn_estimate(roll): the points where their ratios mu = r2/r1 are wanted", "HINT", "01",
            nb01_two_nn_estimate_of_points, ValueError, (r"mu|ratio", r"two_nn_ratios|two_nn\(")),
    Mistake("two_nn(codes with a NaN row): NaN in the data", "DIVERGENCE", "01", nb01_two_nn_nan_codes, ValueError,
            (r"NaN|not finite",)),
    Mistake("decode_grid(model, extent=codes): the codes where the extent (x0, x1, y0, y1) is wanted", "HINT", "01",
            nb01_decode_grid_codes_as_extent, (TypeError, ValueError), (r"extent", r"four|x0")),
    Mistake("encode_dataset(model, data.images): uint8 images (handled as 0..255)", "SHAPE", "01",
            nb01_encode_dataset_uint8),
]


# ------------------------------------------------------------------------------------------ 02 variational inference
def _f(z):
    return (z - 1.0).pow(2).sum(-1)


MU_V, LOGVAR_V = torch.tensor([0.5, -0.5]), torch.tensor([0.0, -1.0])


def nb02_mc_kl_without_independent(tmp):
    from torch.distributions import Independent, Normal
    mu_q, sigma_q = torch.tensor([1.0, -0.5]), torch.tensor([0.5, 1.5])
    q_many = Normal(mu_q.expand(50, 2), sigma_q)          # forgot Independent(..., 1)
    p = Independent(Normal(torch.tensor([0.0, 0.5]), torch.tensor([1.0, 0.8])), 1)
    mc_kl(q_many, p, n_samples=1000)


def nb02_leave_one_out_with_one_sample(tmp):
    estimator_variance(score_function_grad, _f, MU_V, LOGVAR_V, 1, n_repeats=5, generator=gen(0), baseline="mean")


def nb02_estimator_variance_int_generator(tmp):
    estimator_variance(reparam_grad, _f, MU_V, LOGVAR_V, 10, n_repeats=5, generator=0)


def nb02_linear_gaussian_transposed_w(tmp):
    W = torch.randn(2, 5, generator=gen(1))               # (d, D) instead of (D, d) = (5, 2)
    LinearGaussian(W, torch.zeros(5), 0.3)


def nb02_elbo_exact_cholesky_as_cov(tmp):
    g = gen(1)
    W = torch.randn(5, 2, generator=g)
    model = LinearGaussian(W, torch.zeros(5), 0.3)
    x0, _ = model.sample(1, generator=gen(3))
    L = torch.tensor([[0.5, 0.0], [0.4, 0.3]])            # q's scale_tril, passed as its covariance
    model.elbo_exact(x0, torch.zeros(1, 2), cov_q=L)


def nb02_baseline_typo(tmp):
    score_function_grad(_f, MU_V, LOGVAR_V, 10, baseline="Mean")


def nb02_reparameterize_count_positional(tmp):
    reparameterize(MU_V, LOGVAR_V, 5)                     # 5 samples meant: n_samples is the 4th argument


NB02 = [
    Mistake("mc_kl(Normal(mu, sigma), Independent(...)): q without Independent(..., 1)", "SHAPE", "02",
            nb02_mc_kl_without_independent, ValueError, (r"Independent",)),
    Mistake("estimator_variance(score_function_grad, ..., 1, baseline='mean'): a leave-one-out baseline of one "
            "sample", "HINT", "02", nb02_leave_one_out_with_one_sample, ValueError, (r"n_samples", r"2")),
    Mistake("estimator_variance(..., generator=0): an int where a torch.Generator is wanted", "HINT", "02",
            nb02_estimator_variance_int_generator, TypeError, (r"generator", r"torch\.Generator")),
    Mistake("LinearGaussian(W of (d, D), b, sigma): W transposed", "SHAPE", "02", nb02_linear_gaussian_transposed_w,
            ValueError, (r"\bW\b", r"transpos|W\.T\b|\(5, 2\)")),
    Mistake("LinearGaussian.elbo_exact(x, mu, cov_q=L): the Cholesky factor where the covariance is wanted", "HINT",
            "02", nb02_elbo_exact_cholesky_as_cov, ValueError, (r"cov_q", r"symmetric|scale_tril|L @ L")),
    Mistake("score_function_grad(..., baseline='Mean'): a typo'd option", "HINT", "02", nb02_baseline_typo,
            ValueError, (r"baseline", r"'mean'")),
    Mistake("reparameterize(mu, logvar, 5): the sample count in the generator's place", "HINT", "02",
            nb02_reparameterize_count_positional, TypeError, (r"generator", r"n_samples")),
]


# ------------------------------------------------------------------------------------------ 03 VAE
def nb03_traversal_dims_int(tmp):
    latent_traversal(vae(), dims=3, steps=5)


def nb03_prior_grid_label_unconditional(tmp):
    decode_prior_grid(vae(latent=2), n=4, y=3)


def nb03_explorer_dims_beyond_latent(tmp):
    viz.latent_explorer(vae(latent=4), dims=range(6), display=False, fallback=False)


def nb03_active_units_of_codes(tmp):
    mu = torch.randn(50, 4, generator=gen(0))
    count_active_units(vae(), mu)                         # the codes where the data are wanted


def nb03_optimizer_of_another_model(tmp):
    data, a, b = images(64), vae(), vae()
    torch.manual_seed(1)
    b = VAE(latent_dim=4, hidden=[16])
    before = {k: v.clone() for k, v in b.state_dict().items()}
    fit(b, data, epochs=1, batch_size=16, seed=0, optimizer=adam(a, 1e-3), progress=False)
    changed = any(not torch.equal(before[k], v) for k, v in b.state_dict().items())
    assert changed, "the model was not trained at all (its optimiser holds another model's parameters)"


def nb03_resume_other_activation(tmp):
    path, data = tmp / "vae.pt", images(64)
    fit(vae(), data, epochs=1, batch_size=16, seed=0, resume=path, progress=False)
    model = vae(activation="tanh")
    fit(model, data, epochs=2, batch_size=16, seed=0, resume=path, progress=False)
    raise AssertionError("resumed a relu run's weights into a tanh model: two runs mixed")


def nb03_resume_other_obs_std(tmp):
    path, data = tmp / "vae.pt", torch.rand(64, 1, 28, 28, generator=gen(0))
    fit(vae(likelihood="gaussian", obs_std=0.1), data, epochs=1, batch_size=16, seed=0, resume=path, progress=False)
    model = vae(likelihood="gaussian", obs_std=0.5)
    fit(model, data, epochs=2, batch_size=16, seed=0, resume=path, progress=False)
    assert abs(model.obs_logvar.item() - 2 * math.log(0.5)) < 1e-6, \
        f"obs_std=0.5 asked, but the resumed model has obs_std={math.exp(model.obs_logvar.item() / 2):.3g}"


def nb03_nan_in_test(tmp):
    test = images(32, seed=1)
    test[3, 0, 5, 5] = float("nan")
    fit(vae(), images(64), test=test, epochs=1, batch_size=16, seed=0, progress=False)


NB03 = [
    Mistake("latent_traversal(vae, dims=3): an int where a list of dimensions is wanted", "SHAPE", "03",
            nb03_traversal_dims_int, (TypeError, ValueError), (r"dims", r"\[3\]|list")),
    Mistake("decode_prior_grid(vae, y=3): a label for an unconditional VAE", "HINT", "03",
            nb03_prior_grid_label_unconditional, (TypeError, ValueError), (r"\by\b|label", r"conditional")),
    Mistake("viz.latent_explorer(vae, dims=range(6)) with latent_dim=4: dimensions beyond the code", "SHAPE", "03",
            nb03_explorer_dims_beyond_latent, ValueError, (r"dims", r"0\.\.3|latent_dim")),
    Mistake("count_active_units(vae, mu): the codes where the data are wanted", "SHAPE", "03",
            nb03_active_units_of_codes, ValueError, (r"1, 28, 28", r"\(50, 4\)")),
    Mistake("fit(model_b, data, optimizer=adam(model_a)): an optimiser of another model", "HINT", "03",
            nb03_optimizer_of_another_model, ValueError, (r"optimizer", r"parameters")),
    Mistake("fit(VAE(activation='tanh'), resume=<a relu run's file>): resumed with another activation", "RESUME",
            "03", nb03_resume_other_activation, ValueError, (r"another configuration|activation",)),
    Mistake("fit(VAE(likelihood='gaussian', obs_std=0.5), resume=<an obs_std=0.1 run>): resumed with another "
            "obs_std", "RESUME", "03", nb03_resume_other_obs_std, ValueError, (r"obs_std|obs_logvar|another config",)),
    Mistake("fit(vae, train, test=<a NaN pixel>): NaN in the test data", "DIVERGENCE", "03", nb03_nan_in_test,
            ValueError, (r"test data", r"NaN|not finite")),
]


# ------------------------------------------------------------------------------------------ 04 conditional VAE
def nb04_sample_classes_int_generator(tmp):
    cvae().sample_classes(n=8, generator=3)


def nb04_one_hot_labels_train_cvae(tmp):
    x = images(32)
    train_cvae(TensorData(x, F.one_hot(labels(32), 10)), latent_dim=2, epochs=1, hidden=[16], verbose=False,
               progress=False)


def nb04_analogies_label_out_of_range(tmp):
    x = images(4)
    cvae().analogies(x, labels(4), labels=[0, 12])


def nb04_classify_a_model(tmp):
    torch.manual_seed(0)
    classify(Classifier(), cvae())                        # the model where its samples are wanted


def nb04_encode_means_bare_images(tmp):
    encode_means(cvae(), images(20))


def nb04_prior_of_other_model(tmp):
    data = image_data(60)
    other = cvae()
    torch.manual_seed(5)
    mine = ConditionalVAE(latent_dim=2, n_classes=10, hidden=[16])
    prior = AggregatePrior(other, data, per_class=3)
    mine.sample(labels(20), generator=gen(1), prior=prior)


def nb04_reconstruct_labels_column(tmp):
    cvae().reconstruct(images(16), labels(16).unsqueeze(1))


NB04 = [
    Mistake("cvae.sample_classes(n=8, generator=3): an int where a torch.Generator is wanted", "HINT", "04",
            nb04_sample_classes_int_generator, TypeError, (r"generator", r"torch\.Generator")),
    Mistake("train_cvae(TensorData(x, one_hot(y))): one-hot labels", "HINT", "04", nb04_one_hot_labels_train_cvae,
            ValueError, (r"argmax\(1\)",), absent=r"\.long\(\)"),
    Mistake("cvae.analogies(x, y, labels=[0, 12]): a label out of range", "SHAPE", "04",
            nb04_analogies_label_out_of_range, ValueError, (r"12", r"\[0, 10\)|0\.\.9")),
    Mistake("classify(classifier, cvae): a model where images are wanted", "SHAPE", "04", nb04_classify_a_model,
            TypeError, (r"images", r"ConditionalVAE")),
    Mistake("encode_means(cvae, bare images): a conditional model's data without labels", "HINT", "04",
            nb04_encode_means_bare_images, ValueError, (r"label",)),
    Mistake("cvae.sample(..., prior=AggregatePrior(other_cvae, ...)): another model's prior", "HINT", "04",
            nb04_prior_of_other_model, ValueError, (r"another model",)),
    Mistake("cvae.reconstruct(x, y.unsqueeze(1)): labels as a column (N, 1)", "SHAPE", "04",
            nb04_reconstruct_labels_column, ValueError, (r"\(16,\)", r"\(16, 1\)")),
]


# ------------------------------------------------------------------------------------------ 05 DRAW
def nb05_in_shape_of_batch(tmp):
    draw(in_shape=images(64).shape)                       # (N, C, H, W), not the image's (C, H, W)


def nb05_far_too_large_lr(tmp):
    model, x = draw(), images(64)
    try:
        fit(model, x, epochs=3, lr=100.0, batch_size=16, seed=0, progress=False)
    except TrainingDiverged:
        assert all(torch.isfinite(p).all() for p in model.parameters()), "the weights kept are not finite"
        raise


def nb05_reconstruct_int_generator(tmp):
    draw().reconstruct(images(4), sample=True, generator=5)


def nb05_log_likelihood_prior_on_draw(tmp):
    data = image_data(30)
    prior = AggregatePrior(vae(latent=2), data)
    log_likelihood(draw(), images(4), k=3, prior=prior, progress=False)


def nb05_window_box_of_sample_trace(tmp):
    _, trace = draw().sample(3, generator=gen(4), return_canvases=True)
    window_box(trace.read, 2)                             # sampling reads nothing: trace.read is None


def nb05_resume_other_T(tmp):
    path, x = tmp / "draw.pt", images(32)
    fit(draw(T=2), x, epochs=1, batch_size=16, seed=0, resume=path, progress=False)
    fit(draw(T=3), x, epochs=2, batch_size=16, seed=0, resume=path, progress=False)
    raise AssertionError("resumed a T=2 run into a T=3 DRAW")


def nb05_write_patch_of_other_n(tmp):
    win = Window(*(torch.tensor([v]) for v in (14.5, 14.5, 27 / 11, 3.0, 1.0)))
    F_X = filters(win.gx, win.delta, win.sigma2, 12, 28)
    F_Y = filters(win.gy, win.delta, win.sigma2, 12, 28)
    write_attention(torch.rand(1, 1, 6, 6), F_X, F_Y, win.gamma)


NB05 = [
    Mistake("DRAW(..., in_shape=train.images.shape): the batch's shape where one image's is wanted", "SHAPE", "05",
            nb05_in_shape_of_batch, ValueError, (r"in_shape", r"channels, height, width|\.shape\[1:\]")),
    Mistake("fit(draw, x, lr=100): a far too large learning rate", "DIVERGENCE", "05", nb05_far_too_large_lr,
            TrainingDiverged, (r"[Ll]ower the learning rate",)),
    Mistake("draw.reconstruct(x, sample=True, generator=5): an int where a torch.Generator is wanted", "HINT", "05",
            nb05_reconstruct_int_generator, TypeError, (r"generator", r"torch\.Generator")),
    Mistake("log_likelihood(draw, x, prior=AggregatePrior(vae, ...)): a VAE's prior given to DRAW", "HINT", "05",
            nb05_log_likelihood_prior_on_draw, (TypeError, ValueError), (r"prior", r"DRAW|VAE")),
    Mistake("window_box(trace.read, N) of a sampled trace: None where a Window is wanted", "HINT", "05",
            nb05_window_box_of_sample_trace, TypeError, (r"window", r"Window|NoneType")),
    Mistake("fit(DRAW(T=3), resume=<a T=2 run>): resumed with another T", "RESUME", "05", nb05_resume_other_T,
            ValueError, (r"\bT\b",)),
    Mistake("write_attention(6x6 patch, F_X of N=12, ...): a patch of another size", "SHAPE", "05",
            nb05_write_patch_of_other_n, ValueError, (r"\bw\b", r"N = 12")),
]


# ------------------------------------------------------------------------------------------ 06 GAN
RING_CENTERS = toy.ring_centers(8, 2.0)


def nb06_mode_metrics_of_snapshots(tmp):
    snaps = {0: toy.ring(100, generator=gen(0)), 50: toy.ring(100, generator=gen(1))}
    mode_metrics(snaps, RING_CENTERS, 0.02)               # the dict, not snaps[step]


def nb06_mode_metrics_of_gan(tmp):
    torch.manual_seed(0)
    mode_metrics(toy_gan(hidden=(8,)), RING_CENTERS, 0.02)


def nb06_train_gan_cached_beta_typo(tmp):
    ring = toy.ring(512, 8, 2.0, 0.02, generator=gen(0))
    train_gan_cached(lambda: toy_gan(hidden=(8,)), ring, name="gan06-ring-typo", hyper=dict(toy="ring"), steps=3,
                     batch_size=32, lr=2e-4, beta=(0.5, 0.999), seed=0, verbose=False, progress=False)


def nb06_train_gan_empty_data(tmp):
    ring = toy.ring(512, generator=gen(0))
    torch.manual_seed(0)
    train_gan(toy_gan(hidden=(8,)), ring[ring[:, 0] > 5], steps=3, batch_size=32, seed=0, progress=False)


def nb06_discriminator_on_numbers(tmp):
    torch.manual_seed(0)
    MLPDiscriminator(in_dim=1, hidden=(8, 8))(torch.linspace(-4, 4, 201))


def nb06_entropy_of_shares(tmp):
    counts = torch.tensor([30, 0, 12, 58, 0, 0, 1, 99, 0, 0])
    same(entropy_of_counts(counts.float() / counts.sum()), entropy_of_counts(counts), "entropy")


def nb06_optimal_discriminator_column(tmp):
    xs = torch.linspace(-4, 4, 201, dtype=torch.float64)
    pd = 0.5 * torch.exp(-0.5 * ((xs + 1.5) / 0.4) ** 2) + 0.5 * torch.exp(-0.5 * ((xs - 1.5) / 0.4) ** 2)
    pg = torch.exp(-0.5 * ((xs.unsqueeze(1) - 1.0) / 0.5) ** 2)       # densities at a column of points
    d = optimal_discriminator(pd, pg)
    assert d.shape == xs.shape, f"D* has shape {tuple(d.shape)} for {len(xs)} points"


NB06 = [
    Mistake("mode_metrics(snaps, centers, std): the dict of snapshots where one tensor is wanted", "SHAPE", "06",
            nb06_mode_metrics_of_snapshots, (TypeError, ValueError), (r"samples", r"dict|snaps\[")),
    Mistake("mode_metrics(gan, centers, std): the GAN where its samples are wanted", "SHAPE", "06",
            nb06_mode_metrics_of_gan, (TypeError, ValueError), (r"samples", r"GAN|sample\(")),
    Mistake("train_gan_cached(..., beta=(0.5, 0.999)): a typo'd option (betas)", "HINT", "06",
            nb06_train_gan_cached_beta_typo, TypeError, (r"\bbeta\b", r"betas")),
    Mistake("train_gan(gan, points[mask]) with an empty mask: no data", "DIVERGENCE", "06", nb06_train_gan_empty_data,
            ValueError, (r"no examples|empty",)),
    Mistake("MLPDiscriminator(in_dim=1)(xs) with xs (N,): numbers where rows of one are wanted", "SHAPE", "06",
            nb06_discriminator_on_numbers, ValueError, (r"unsqueeze\(1\)",)),
    Mistake("entropy_of_counts(shares): shares summing to 1 instead of counts (valid: the same entropy)", "HINT",
            "06", nb06_entropy_of_shares),
    Mistake("optimal_discriminator(p_data (N,), p_model (N, 1)): densities of another shape", "SHAPE", "06",
            nb06_optimal_discriminator_column, ValueError, (r"p_data", r"p_model", r"shape")),
]


# ------------------------------------------------------------------------------------------ 07 conditional GAN
def nb07_diversity_one_hot(tmp):
    f = torch.rand(40, 16, generator=gen(0))
    feature_diversity(f, labels=F.one_hot(labels(40), 10))


def nb07_sample_labels_not_modulo(tmp):
    cgan().sample(torch.arange(30), generator=gen(1))      # torch.arange(n) % K meant


def nb07_auxiliary_on_unconditional(tmp):
    gan = cgan(n_classes=0, auxiliary=False)
    train_gan(gan, image_data(32), steps=2, batch_size=16, auxiliary=1.0, seed=0, progress=False)


def nb07_z_for_one_row(tmp):
    gan = cgan()
    z_cols = gan.noise(8, gen(3))
    gan.sample(torch.arange(10).repeat_interleave(8), z=z_cols)   # z_cols.repeat(K, 1) meant


def nb07_discriminate_without_labels(tmp):
    cgan().discriminate(images(8))


def nb07_sharpness_channels_last(tmp):
    sharpness(images(8).permute(0, 2, 3, 1))


def nb07_train_cvae_beta_string(tmp):
    train_cvae(TensorData(images(32), labels(32)), latent_dim=2, epochs=1, hidden=[16], beta="2.0", verbose=False,
               progress=False)


NB07 = [
    Mistake("feature_diversity(f, labels=one_hot(y)): one-hot labels", "HINT", "07", nb07_diversity_one_hot,
            ValueError, (r"labels", r"argmax\(1\)|one-hot")),
    Mistake("cgan.sample(torch.arange(30)): labels out of range (% K forgotten)", "SHAPE", "07",
            nb07_sample_labels_not_modulo, ValueError, (r"\[0, 10\)|0\.\.9",)),
    Mistake("train_gan(unconditional gan, ..., auxiliary=1.0): an option for another kind of model", "HINT", "07",
            nb07_auxiliary_on_unconditional, ValueError, (r"auxiliary",)),
    Mistake("cgan.sample(80 labels, z=z_cols (8, d)): z for one row of the grid", "SHAPE", "07", nb07_z_for_one_row,
            ValueError, (r"\bz\b", r"\(80, 8\)")),
    Mistake("cgan.discriminate(x): a conditional D without labels", "HINT", "07", nb07_discriminate_without_labels,
            ValueError, (r"label",)),
    Mistake("sharpness(images.permute(0, 2, 3, 1)): channels last", "SHAPE", "07", nb07_sharpness_channels_last,
            ValueError, (r"permute",)),
    Mistake("train_cvae(..., beta='2.0'): a string where a number is wanted", "HINT", "07",
            nb07_train_cvae_beta_string, TypeError, (r"beta",)),
]


# ------------------------------------------------------------------------------------------ 08 evaluation
def nb08_quiz_with_model(tmp):
    from gencore.quiz import real_vs_fake_quiz
    real_vs_fake_quiz(images(32), cgan(), n=16, display=False)


def nb08_parzen_all_sigmas(tmp):
    s, x = images(50).flatten(1), images(20, seed=1).flatten(1)
    E.parzen_log_likelihood(s, x, sigma=torch.logspace(-2, 0, 20))


def nb08_zoo_sample_wrong_kind(tmp):
    from gencore.course import zoo
    zoo.sample("vae", cvae(), 8, generator=gen(1))


def nb08_log_likelihood_of_gan(tmp):
    E.log_likelihood(cgan(n_classes=0, auxiliary=False), image_data(16, binarize="static"), k=5, progress=False)


def nb08_nearest_neighbours_dataset_reference(tmp):
    data = image_data(50)
    q = data.images[:5].float() / 255
    d, i = E.nearest_neighbours(q, data)                  # a dataset as the reference: its images, 0..255
    assert torch.equal(i[:, 0], torch.arange(5)), "the nearest training image of a copy is not itself"
    assert float(d.max()) < 1e-3, "a copy is not at distance 0"


def nb08_quiz_mark_capitalised(tmp):
    from gencore.quiz import real_vs_fake_quiz
    quiz = real_vs_fake_quiz(images(32), images(32, seed=1), n=16, display=False)
    quiz.mark(3, "Real")


def nb08_inception_of_features(tmp):
    torch.manual_seed(0)
    E.inception_score(torch.relu(torch.randn(40, 16, generator=gen(0))))   # features, not probabilities


NB08 = [
    Mistake("real_vs_fake_quiz(real, cgan): the model where its samples are wanted", "SHAPE", "08",
            nb08_quiz_with_model, (TypeError, ValueError), (r"generated|fake", r"GAN|sample")),
    Mistake("parzen_log_likelihood(s, x, sigma=sigmas): all the candidate bandwidths where one is wanted", "HINT",
            "08", nb08_parzen_all_sigmas, (TypeError, ValueError), (r"sigma", r"number|one")),
    Mistake("zoo.sample('vae', cvae_model, n): a model of another kind than the name", "HINT", "08",
            nb08_zoo_sample_wrong_kind, TypeError, (r"ConditionalVAE", r"cvae")),
    Mistake("log_likelihood(gan, data): a GAN has no likelihood", "HINT", "08", nb08_log_likelihood_of_gan,
            TypeError, (r"parzen",)),
    Mistake("nearest_neighbours(q, train_data): a dataset as the reference (valid: its images)", "SHAPE", "08",
            nb08_nearest_neighbours_dataset_reference),
    Mistake("quiz.mark(3, 'Real'): a capitalised answer", "HINT", "08", nb08_quiz_mark_capitalised, ValueError,
            (r"'real' or 'fake'",)),
    Mistake("inception_score(features): features where class probabilities are wanted", "HINT", "08",
            nb08_inception_of_features, ValueError, (r"probabilit", r"softmax|class_probabilities")),
]


# ------------------------------------------------------------------------------------------ the model cache
def cache_train_fn_trains_another_model(tmp):
    data, a = images(64), vae()
    torch.manual_seed(3)
    b = VAE(latent_dim=4, hidden=[16])
    before = {k: v.clone() for k, v in b.state_dict().items()}
    load_or_train(b, lambda m: fit(a, data, epochs=1, batch_size=16, seed=0, progress=False),
                  config=dict(name="vae-b", latent_dim=4, epochs=1, seed=0), verbose=False)
    changed = any(not torch.equal(before[k], v) for k, v in b.state_dict().items())
    assert changed, "an untrained model was cached as trained (train(m) trained another model)"


def cache_config_holds_dataset(tmp):
    first, second = image_data(64, seed=0), image_data(64, seed=1)     # same name, split, size: other images
    models = []
    for data in (first, second):
        model = vae()
        load_or_train(model, lambda m, data=data: fit(m, data, epochs=1, batch_size=16, seed=0, progress=False),
                      config=dict(name="vae", latent_dim=4, epochs=1, data=data), verbose=False)
        models.append(model)
    same_weights = all(torch.equal(p, q) for p, q in zip(models[0].parameters(), models[1].parameters()))
    assert not same_weights, "the second dataset's model is the first's, loaded from the cache"


CACHE = [
    Mistake("load_or_train(model_b, lambda m: fit(model_a, ...)): train() trains another model", "HINT", "cache",
            cache_train_fn_trains_another_model, ValueError, (r"train\(model\)|train\(m\)", r"weights|changed")),
    Mistake("load_or_train(..., config=dict(..., data=train)): a dataset in the cache key", "RESUME", "cache",
            cache_config_holds_dataset, TypeError, (r"config\[?'?data|data", r"fingerprint")),
]


# ------------------------------------------------------------------------------------------ setup
def setup_home_int(tmp):
    gencore.setup(seed=0, home=123, device="cpu", threads=1, verbose=False)


def setup_quick_no(tmp):
    cfg = gencore.setup(seed=0, quick="no", device="cpu", threads=1, verbose=False, home=tmp / "h")
    assert cfg.quick is False, f"quick='no' gave quick={cfg.quick}"


def setup_shared_models_file(tmp):
    f = tmp / "vae-0123.pt"
    f.write_bytes(b"x")
    os.environ["GENCORE_SHARED_MODELS"] = str(f)
    try:
        gencore.setup(seed=0, device="cpu", threads=1, verbose=False, home=tmp / "h")
    finally:
        del os.environ["GENCORE_SHARED_MODELS"]


SETUP = [
    Mistake("setup(home=123): a number where a folder is wanted", "HINT", "setup", setup_home_int, TypeError,
            (r"\bhome\b", r"folder|path")),
    Mistake("setup(quick='no'): a string for the flag (setup takes the words GENCORE_QUICK takes)", "HINT", "setup",
            setup_quick_no),
    Mistake("GENCORE_SHARED_MODELS=<a model file>: a file where a folder is wanted", "HINT", "setup",
            setup_shared_models_file, ValueError, (r"GENCORE_SHARED_MODELS", r"folder")),
]


# ------------------------------------------------------------------------------------------ grading
def _in(tmp, fn):
    here = os.getcwd()
    os.chdir(tmp)
    try:
        return fn()
    finally:
        os.chdir(here)


def grade_string_path(tmp):
    from gencore.course.grade import grade
    (tmp / "submission.ipynb").write_text("not a notebook")
    _in(tmp, lambda: grade("submission.ipynb", tmp / "out", progress=False))     # a str, not a list of paths


def grade_timeout_string(tmp):
    from gencore.course.grade import grade
    (tmp / "alice.ipynb").write_text("not a notebook")
    grade([str(tmp / "alice.ipynb")], tmp / "out", timeout="300", progress=False)


def grade_jobs_float(tmp):
    from gencore.course.grade import OptionError, grade
    try:
        grade([str(tmp / "missing.ipynb")], tmp / "out", jobs=4 / 4, progress=False)   # os.cpu_count() / 2 ...
    except FileNotFoundError:
        return                                            # 1.0 accepted as 1 (then the missing file stops it)
    except OptionError as e:
        if not re.search(r"whole|integer", str(e)):
            raise Unclear(str(e)) from None


GRADING = [
    Mistake("grade('submission.ipynb', out): a path where a list of paths is wanted", "HINT", "grading",
            grade_string_path, TypeError, (r"paths|submissions", r"list")),
    Mistake("grade([nb], out, timeout='300'): a string where seconds are wanted", "HINT", "grading",
            grade_timeout_string, (TypeError, ValueError), (r"timeout", r"'300'|str")),
    Mistake("grade([nb], out, jobs=1.0): a whole float for the number of jobs (accepted, or refused as not whole)",
            "HINT", "grading", grade_jobs_float),
]


# ------------------------------------------------------------------------------------------ the command line
# Every command runs as `python -m gencore ...` does (runpy of gencore.__main__), all of them in ONE subprocess
# (one import of torch instead of one per command), with GENCORE_DEVICE=tpu: an option accepted by the command's
# checks reaches setup(), which stops on that variable, so nothing is ever trained; a refused option must stop
# before it, with its own sentence.
_CLI_HOME = Path(tempfile.mkdtemp(prefix="gencore-ninth-cli-"))
CLI_CASES = {
    "sample-cgan-default-n": ["sample", "cgan", "--out", str(_CLI_HOME / "cgan.png")],
    "train-two-models": ["train", "vae", "draw"],
    "train-epochs-fraction": ["train", "vae", "--epochs", "2.5"],
    "evaluate-too-few": ["evaluate", "all", "--quick", "-n", "50"],
    "train-dataset-capitalised": ["train", "vae", "--dataset", "Fashion-MNIST", "--quick"],
    "sample-out-folder": ["sample", "gan", "--out", str(_CLI_HOME / "results") + "/"],
    "train-model-option": ["train", "--model", "vae"],
}
_BATCH = r'''
import contextlib, io, json, os, runpy, sys
cases = json.loads(sys.argv[1])
out = {}
for key, argv in cases.items():
    err, so = io.StringIO(), io.StringIO()
    sys.argv = ["gencore", *argv]
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(so):
        try:
            runpy.run_module("gencore", run_name="__main__", alter_sys=True)
        except SystemExit as e:
            code = e.code
    if isinstance(code, str):
        err.write(code + "\n")
        code = 1
    out[key] = {"rc": code or 0, "stderr": err.getvalue(), "stdout": so.getvalue()}
print("RESULTS " + json.dumps(out))
'''
_cli: dict = {}


def _start_cli():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENCORE_")}
    env.update(GENCORE_HOME=str(_CLI_HOME / "home"), GENCORE_DEVICE="tpu", GENCORE_THREADS="1", OMP_NUM_THREADS="1")
    _cli["proc"] = subprocess.Popen([sys.executable, "-c", _BATCH, json.dumps(CLI_CASES)], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def cli(key: str) -> str:
    """The command's stdout; CommandFailed with its stderr when it exits non-zero."""
    if "results" not in _cli:
        if "proc" not in _cli:
            _start_cli()
        out, err = _cli["proc"].communicate(timeout=120)
        line = next((x for x in out.splitlines() if x.startswith("RESULTS ")), None)
        assert line is not None, f"the command-line batch failed: {err[-500:]}"
        _cli["results"] = json.loads(line[len("RESULTS "):])
    r = _cli["results"][key]
    if r["rc"] != 0:
        raise CommandFailed(r["stderr"].strip().splitlines()[-1] if r["stderr"].strip() else f"exit {r['rc']}")
    return r["stdout"]


def _cmd(key):
    return lambda tmp: cli(key)


CLI = [
    Mistake("gencore sample cgan --out cgan.png: the documented call (options accepted: it reaches setup)", "HINT",
            "cli", _cmd("sample-cgan-default-n"), CommandFailed, (r"GENCORE_DEVICE",)),
    Mistake("gencore train vae draw: two models in one command", "HINT", "cli", _cmd("train-two-models"),
            CommandFailed, (r"draw", r"one model|pretrain")),
    Mistake("gencore train vae --epochs 2.5: a fraction of an epoch", "HINT", "cli", _cmd("train-epochs-fraction"),
            CommandFailed, (r"--epochs", r"int|whole")),
    Mistake("gencore evaluate all --quick -n 50: too few samples", "HINT", "cli", _cmd("evaluate-too-few"),
            CommandFailed, (r"-n 50", r"100")),
    Mistake("gencore train vae --dataset Fashion-MNIST --quick: a capitalised dataset (accepted)", "HINT", "cli",
            _cmd("train-dataset-capitalised"), CommandFailed, (r"GENCORE_DEVICE",)),
    Mistake("gencore sample gan --out results/: a folder where a .png file is wanted", "HINT", "cli",
            _cmd("sample-out-folder"), CommandFailed, (r"--out", r"\.png")),
    Mistake("gencore train --model vae: the model given as an option", "HINT", "cli", _cmd("train-model-option"),
            CommandFailed, (r"--model", r"gencore train vae|positional|without --model")),
]

def _stop_cli():
    proc = _cli.get("proc")
    if proc is not None and proc.poll() is None:         # never waited for (e.g. -k left out the cli entries)
        proc.kill()
        proc.communicate()
    shutil.rmtree(_CLI_HOME, ignore_errors=True)


_start_cli()                       # the batch runs while the in-process entries do
atexit.register(_stop_cli)

ALL = NB00 + NB01 + NB02 + NB03 + NB04 + NB05 + NB06 + NB07 + NB08 + CACHE + SETUP + GRADING + CLI

# Corrections: entries whose expectation as first written was too narrow, the library's answer being clear and
# correct (name -> (raises, match, why)). Counted and listed apart; the first-written expectations stay above.
CORRECTIONS: dict[str, tuple] = {
    "TensorData(roll.numpy()): a numpy array where a tensor is wanted (accepted, as by as_data)": (
        TypeError, (r"\bx\b", r"tensor", r"ndarray"),
        "expected it accepted (as_data takes numpy arrays); the refusal 'x must be a tensor of examples (N, ...), got "
        "ndarray.' names x and what it takes: clear, if less kind than as_data"),
}

# Fixes that chose to accept what the entry expected refused, or the reverse (name -> (raises, match, why)): the
# tests judge these entries by the answer the fix gives; `measure()` keeps the first-written expectations.
CHANGED_BY_FIX: dict[str, tuple] = {
    "TensorData(roll.numpy()): a numpy array where a tensor is wanted (accepted, as by as_data)": (
        None, (), "TensorData now takes numpy arrays as as_data does: the first-written expectation"),
    "grade('submission.ipynb', out): a path where a list of paths is wanted": (
        None, (), "grade takes a single path as a list of one (test_grade_takes_one_path_as_a_list_of_one)"),
}

# Entries that were not clear at the measure (name -> what happened). All were fixed after the measure; the record
# stays, as the docstring's does.
NOT_CLEAR: dict[str, str] = {
    ('fit_generator_mmd(..., bandwidths=(0.1, 0.5), loss_fn=mmd_squared): the one-bandwidth exercise function as '
     'the loss of several bandwidths'):
        "unclear: TypeError: unsupported operand type(s) for ** or pow(): 'tuple' and 'int'",
    'fit_generator_mmd(g, lambda n: NaN points): NaN in the data':
        ('unclear: TrainingDiverged: Training the MMD generator diverged: the loss became NaN or infinite at step '
         '1. Training stopped, and the model now holds its ini...'),
    'viz.show_images([batch, batch]): a list of tensors where one tensor is wanted':
        'unclear: ValueError: only one element tensors can be converted to Python scalars',
    "make_encoder('mlp', in_shape=train, ...): the dataset where its shape is wanted":
        "unclear: TypeError: 'ImageData' object is not iterable",
    'PCA.decode(torch.zeros(4)): one code where a batch of codes is wanted':
        'unclear: IndexError: tuple index out of range',
    'two_nn_estimate(roll): the points where their ratios mu = r2/r1 are wanted':
        'silent: no ValueError: the call went on',
    'two_nn(codes with a NaN row): NaN in the data':
        'unclear: ValueError: TwoNN needs at least 3 points with a nearest neighbour at a positive distance.',
    'mc_kl(Normal(mu, sigma), Independent(...)): q without Independent(..., 1)':
        ('unclear: RuntimeError: The size of tensor a (2) must match the size of tensor b (50) at non-singleton '
         'dimension 2'),
    'LinearGaussian(W of (d, D), b, sigma): W transposed':
        ('unclear: ValueError: b must have shape (D,) = (2,), one offset per data dimension (W is (2, 5)), got '
         '(5,); e.g. torch.zeros(2).'),
    "reparameterize(mu, logvar, 5): the sample count in the generator's place":
        ("unclear: TypeError: generator must be a torch.Generator (or None for torch's global random state), got "
         'int 5; for a seeded draw pass generator=torch.Generat...'),
    'latent_traversal(vae, dims=3): an int where a list of dimensions is wanted':
        "unclear: TypeError: 'int' object is not iterable",
    'decode_prior_grid(vae, y=3): a label for an unconditional VAE':
        'unclear: TypeError: VAE.decode() takes 2 positional arguments but 3 were given',
    'viz.latent_explorer(vae, dims=range(6)) with latent_dim=4: dimensions beyond the code':
        'unclear: IndexError: index 4 is out of bounds for dimension 0 with size 4',
    'fit(model_b, data, optimizer=adam(model_a)): an optimiser of another model':
        "silent: wrong result: the model was not trained at all (its optimiser holds another model's parameters)",
    "fit(VAE(activation='tanh'), resume=<a relu run's file>): resumed with another activation":
        "silent: wrong result: resumed a relu run's weights into a tanh model: two runs mixed",
    "fit(VAE(likelihood='gaussian', obs_std=0.5), resume=<an obs_std=0.1 run>): resumed with another obs_std":
        'silent: wrong result: obs_std=0.5 asked, but the resumed model has obs_std=0.1',
    'cvae.sample_classes(n=8, generator=3): an int where a torch.Generator is wanted':
        ('unclear: TypeError: randn() received an invalid combination of arguments - got (int, int, generator=int), '
         'but expected one of:'),
    'train_cvae(TensorData(x, one_hot(y))): one-hot labels':
        ('unclear: ValueError: labels must be a 1-D tensor of integer class indices (one per example), got '
         'torch.int64 of shape (32, 10); convert them with .long().'),
    'draw.reconstruct(x, sample=True, generator=5): an int where a torch.Generator is wanted':
        ('unclear: TypeError: randn() received an invalid combination of arguments - got (tuple, generator=int), '
         'but expected one of:'),
    "log_likelihood(draw, x, prior=AggregatePrior(vae, ...)): a VAE's prior given to DRAW":
        "unclear: TypeError: DRAW.log_weights() got an unexpected keyword argument 'prior'",
    'mode_metrics(snaps, centers, std): the dict of snapshots where one tensor is wanted':
        'unclear: TypeError: must be real number, not dict',
    'mode_metrics(gan, centers, std): the GAN where its samples are wanted':
        'unclear: TypeError: must be real number, not GAN',
    "train_gan_cached(..., beta=(0.5, 0.999)): a typo'd option (betas)":
        "unclear: TypeError: train_gan() got an unexpected keyword argument 'beta'",
    'optimal_discriminator(p_data (N,), p_model (N, 1)): densities of another shape':
        'silent: wrong result: D* has shape (201, 201) for 201 points',
    'feature_diversity(f, labels=one_hot(y)): one-hot labels':
        'unclear: ValueError: labels must be integers, one per feature row (40), got (400,) of dtype torch.int64.',
    "zoo.sample('vae', cvae_model, n): a model of another kind than the name":
        'silent: no TypeError: the call went on',
    'load_or_train(model_b, lambda m: fit(model_a, ...)): train() trains another model':
        'silent: wrong result: an untrained model was cached as trained (train(m) trained another model)',
    'load_or_train(..., config=dict(..., data=train)): a dataset in the cache key':
        "silent: wrong result: the second dataset's model is the first's, loaded from the cache",
    'setup(home=123): a number where a folder is wanted':
        'unclear: TypeError: expected str, bytes or os.PathLike object, not int',
    "grade('submission.ipynb', out): a path where a list of paths is wanted":
        'unclear: FileNotFoundError: s does not exist; pass notebook files or folders that hold them.',
    "grade([nb], out, timeout='300'): a string where seconds are wanted":
        'unclear: OptionError: --timeout 300: give the seconds a cell may run, a number above 0.',
    'grade([nb], out, jobs=1.0): a whole float for the number of jobs (accepted, or refused as not whole)':
        'unclear: Unclear: --jobs 1.0: give how many submissions to grade at a time, 1 or more.',
    'gencore sample cgan --out cgan.png: the documented call (options accepted: it reaches setup)':
        ('unclear: CommandFailed: gencore sample: -n 64 is out of range; give from 1 to 16 samples per class for '
         'cgan.'),
    'gencore train vae draw: two models in one command':
        'unclear: CommandFailed: gencore: unrecognized arguments: draw; see `gencore --help`.',
    'gencore train --model vae: the model given as an option':
        'unclear: CommandFailed: gencore: unrecognized arguments: --model; see `gencore --help`.',
}


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENCORE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GENCORE_DATASET", raising=False)
    monkeypatch.delenv("GENCORE_SHARED_MODELS", raising=False)
    return gencore.setup(seed=0, quick=False, device="cpu", threads=1, verbose=False)


def _judge(m: Mistake, tmp: Path, now: bool = False) -> tuple[str, str]:
    if now and m.name in CHANGED_BY_FIX:
        raises, match, _ = CHANGED_BY_FIX[m.name]
        return outcome(m, tmp, raises=raises, match=match)
    if m.name in CORRECTIONS:
        raises, match, _ = CORRECTIONS[m.name]
        return outcome(m, tmp, raises=raises, match=match)
    return outcome(m, tmp)


@pytest.mark.parametrize("mistake", ALL, ids=[f"{i:02d}-{m.notebook}" for i, m in enumerate(ALL)])
def test_every_mistake_gets_a_clear_answer(mistake, fresh_home, tmp_path):
    verdict, what = _judge(mistake, tmp_path, now=True)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_catalogue_covers_every_notebook_and_class():
    notebooks = {m.notebook for m in ALL}
    assert {f"{i:02d}" for i in range(9)} | {"cli", "setup", "grading", "cache"} <= notebooks
    kinds = [m.kind for m in ALL]
    assert all(kinds.count(k) >= 2 for k in ("RESUME", "DIVERGENCE", "SHAPE", "HINT")), kinds
    assert len({m.name for m in ALL}) == len(ALL)
    assert set(NOT_CLEAR) | set(CORRECTIONS) | set(CHANGED_BY_FIX) <= {m.name for m in ALL}


def test_grade_takes_one_path_as_a_list_of_one(tmp_path):
    (tmp_path / "submission.ipynb").write_text("not a notebook")
    records = _in(tmp_path, lambda: __import__("gencore.course.grade", fromlist=["grade"]).grade(
        "submission.ipynb", tmp_path / "out", progress=False))
    assert [r["file"] for r in records] == ["submission.ipynb"] and records[0]["status"].startswith("not a notebook")


def measure() -> None:
    rows = []
    for m in ALL:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["GENCORE_HOME"] = str(Path(tmp) / "home")
            gencore.setup(seed=0, quick=False, device="cpu", threads=1, verbose=False)
            first = outcome(m, Path(tmp))
            after = _judge(m, Path(tmp)) if m.name in CORRECTIONS else first
        rows.append((m, first, after))
    for label, pick in (("as first written", 1), ("after corrections", 2)):
        counts = {"clear": 0, "unclear": 0, "silent": 0}
        for r in rows:
            counts[r[pick][0]] += 1
        n = len(rows)
        print(f"{label}: {counts['clear']}/{n} clear ({100 * counts['clear'] / n:.1f}%), {counts['unclear']} unclear, "
              f"{counts['silent']} silent")
    for group, key in (("notebook", lambda m: m.notebook), ("class", lambda m: m.kind)):
        names = sorted({key(m) for m, _, _ in rows})
        print(f"by {group}: " + ", ".join(
            f"{g} {sum(a[0] == 'clear' for m, _, a in rows if key(m) == g)}/{sum(key(m) == g for m, _, _ in rows)}"
            for g in names))
    for m, first, after in rows:
        if after[0] != "clear" or first[0] != "clear":
            print(f"  [{first[0]} -> {after[0]}] {m.kind:10s} {m.notebook:7s} {m.name}\n      {after[1][:400]}")


if __name__ == "__main__":
    measure()
