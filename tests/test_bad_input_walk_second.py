"""Issue 27, the second walk: the public entry points tests/test_bad_input_walk.py left out, tried with the mistakes
a careless student or instructor makes (each a `Mistake` of tests/test_bad_input.py, judged by its `outcome`).

What was walked (177 mistakes at about 75 entry points of 15 modules): DRAW's attention helpers (grid_window,
filters, filterbank, glimpse, read_attention, write_attention, window_box) and DRAW.read, write, infer (eps),
generate; the GAN's discriminator_step, generator_step, projection_logit, auxiliary_classifier_loss, the losses
and train_gan's GAN options; cache.make_checkpoint, check_writable, load_or_train's arguments, train_gan_cached;
checkpoint.load_progress, save_progress, restore_states; distributed.shard, standard_normal, batch_noise,
is_main_process; load_dataset for mnist / fashion-mnist (names, splits, subset, binarize, seed, a missing data
folder, a file for the folder); sprites.render; history.LastGood and History.plot/log; blocks' decoders and
make_decoder; LinearGaussian.sample, elbo, elbo_exact; RealFakeQuiz.mark, score, show, reveal; viz.save,
scatter2d, density2d, show_images, animation_html; AggregatePrior (constructor, sample, log_prob, check_model);
classifier.classify, class_probabilities, extract_features, train_classifier, load_classifier, cosine_adam; and
``python -m gencore.course.grade``'s options (a missing folder, --out a file, negative or zero --timeout,
--notebook-timeout and --jobs, --cache missing or a file, a typo'd --dataset, a word for a number, a file that
is no notebook). The mistakes: wrong types (lists, strings for numbers, ints for generators, a model where a
function or a dict is expected and the reverse), shapes (flat images, a missing batch axis, other widths, (n,
d) for (T, n, d)), ranges (0..255, NaN, negative sizes and variances, positions off the image, indices out of
range), empty batches, zero counts, typo'd options, the wrong model kind. Entries named "(works)" are valid but
unusual input, which must give the correct result.

Measured before the fixes (``python tests/test_bad_input_walk_second.py`` on the code of the commit before this
file, with the same regexes):

    module           tried  clear  unclear  silent        module           tried  clear  unclear  silent
    draw               29      7      18       4          sprites            8      2       2       4
    gan                24     16       8       0          history            6      4       2       0
    cache              16      8       6       2          blocks             8      7       1       0
    checkpoint          8      4       1       3          variational       12      6       5       1
    distributed        11      2       5       4          quiz               6      6       0       0
    data                9      7       2       0          viz                9      5       3       1
    aggregate_prior    10     10       0       0          classifier        11     10       0       1
    grade              10     10       0       0
    total             177    104      53      20   (58.8% clear)

(Honestly: my first guesses called four valid inputs mistakes: show_images of flat (N, 784) images (documented),
quiz.show(title=3), a .txt file given to grade (graded "not a notebook", by design), LinearGaussian.elbo
and elbo_exact of lists (converted since the fixes: the same numbers as of tensors); they are "(works)" entries.
Four regexes were too loose at first ("n" matched "not"): a bare name now must appear as a word.)

After the fixes: 177 of 177 clear (100%), 0 unclear, 0 silent. Valid input gives the numbers it gave: no new
random draws, no changed defaults or cache keys; the checks inside training steps (DRAW.read/write, glimpse,
write_attention, the GAN's steps, standard_normal, batch_noise) are type and shape comparisons only.

Not walked: distributed's all_reduce_sums, broadcast_seed and barrier (they need a torch.distributed process
group); history's step_is_finite, blew_up, grown_loss, divergence_summary (the loops' internals); DRAW's
attention_params and read_no_attention; gencore pretrain's options (walked by tests/test_bad_input_walk.py's
cli entries: --notebooks, --dataset, --threads).
"""

from __future__ import annotations

import abc
import collections
import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

import matplotlib
import pytest
import torch
from test_bad_input import Mistake, draw, image_gan, images, outcome, points, toy_gan, vae

import gencore
from gencore import blocks as B
from gencore import cache as CA
from gencore import checkpoint as CK
from gencore import classifier as CL
from gencore import distributed as DI
from gencore import draw as D
from gencore import gan as G
from gencore import history as H
from gencore import train as T
from gencore import variational as V
from gencore import viz
from gencore.aggregate_prior import AggregatePrior
from gencore.data import load_dataset
from gencore.data import sprites as SP
from gencore.quiz import RealFakeQuiz

matplotlib.use("Agg")


class Refusal(abc.ABC):
    """A sensible refusal of a bad argument: ValueError or TypeError (and their subclasses)."""


Refusal.register(ValueError)
Refusal.register(TypeError)


def W(name, kind, run, raises=Refusal, match=""):
    """A mistake; a bare argument name in ``match`` must appear as a word (``n`` in "n must", not in "not")."""
    match = rf"\b{match}\b" if re.fullmatch(r"[A-Za-z_]\w*", match or "-") else match
    return Mistake(name, kind, lambda tmp: run(tmp) if run.__code__.co_argcount else run(), raises, match)


def ok(cond, what="wrong result"):
    assert cond, what


def lg():
    W_ = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    return V.LinearGaussian(W_, torch.zeros(5), 0.3)


def opt(module):
    return torch.optim.Adam(module.parameters(), 1e-3)


def dstep(gan=None, x=None, y=None, rng=None, optimizer=None, **kw):
    gan = gan or toy_gan()
    return G.discriminator_step(
        gan, optimizer if optimizer is not None else opt(gan.discriminator), points(8) if x is None else x, y, rng, **kw
    )


def gstep(gan=None, n=8, y=None, rng=None, optimizer=None, **kw):
    gan = gan or toy_gan()
    return G.generator_step(gan, optimizer if optimizer is not None else opt(gan.generator), n, y, rng, **kw)


def dr():
    return draw()


def hdec(m, n=4):
    return torch.zeros(n, m.dec_hidden)


def grade(*argv):
    from gencore.course import grade as GR

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = GR.main(list(argv))
        except SystemExit as e:
            code = e.code
    if code:
        raise Refused(err.getvalue())
    return code


class Refused(Exception):
    """The command line refused, with what it printed."""


def quiz():
    return RealFakeQuiz(images(8), images(8, seed=1), n=4)


def prior():
    m = vae()
    return AggregatePrior(m, images(16), per_class=None)


def clf():
    torch.manual_seed(0)
    return CL.Classifier(10, channels=(4, 8), hidden=8)


F = torch.zeros(1, 2, 28)  # a filterbank for N=2, A=28, batch 1

WALK = [
    # ------------------------------------------------------------------ draw
    W(
        "draw: grid_window of a string number",
        "TYPE",
        lambda: D.grid_window("0.1", 0.0, 0.0, 2, 28, 28),
        match="gx_tilde",
    ),
    W("draw: grid_window N=0", "COUNT", lambda: D.grid_window(0.0, 0.0, 0.0, 0, 28, 28), match="N"),
    W("draw: filters of size 0", "COUNT", lambda: D.filters(14.0, 1.0, 1.0, 2, 0), match="size"),
    W("draw: filters of a negative variance", "RANGE", lambda: D.filters(14.0, 1.0, -1.0, 2, 28), match="sigma2"),
    W(
        "draw: filters (works for a batch)",
        "WORKS",
        lambda: ok(D.filters(torch.tensor([3.0, 9.0]), 1.0, 1.0, 3, 10).shape == (2, 3, 10)),
        None,
    ),
    W("draw: filterbank N=-1", "COUNT", lambda: D.filterbank(0.0, 0.0, 0.0, 0.0, -1, 28, 28), match="N"),
    W("draw: glimpse of (N, 28, 28) images", "SHAPE", lambda: D.glimpse(torch.rand(1, 28, 28), F, F), match="image"),
    W(
        "draw: glimpse of filters of another batch",
        "SHAPE",
        lambda: D.glimpse(torch.rand(3, 1, 28, 28), F, F),
        match="F_X",
    ),
    W("draw: glimpse of a list", "TYPE", lambda: D.glimpse(torch.rand(1, 1, 28, 28).tolist(), F, F), match="image"),
    W(
        "draw: glimpse (works)",
        "WORKS",
        lambda: ok(D.glimpse(torch.rand(1, 1, 28, 28), F, F).shape == (1, 1, 2, 2)),
        None,
    ),
    W(
        "draw: write_attention of a patch of another size",
        "SHAPE",
        lambda: D.write_attention(torch.rand(1, 9), F, F, 1.0),
        match="w",
    ),
    W(
        "draw: read_attention of x and x_hat of other sizes",
        "SHAPE",
        lambda: D.read_attention(torch.rand(1, 1, 28, 28), torch.rand(1, 1, 14, 14), F, F, 1.0),
        match="x_hat",
    ),
    W("draw: window_box of a tuple", "TYPE", lambda: D.window_box((1.0, 2.0), 2), match="window"),
    W(
        "draw: DRAW.read of flat images",
        "SHAPE",
        lambda: (lambda m: m.read(torch.rand(4, 784), torch.rand(4, 784), hdec(m)))(dr()),
        match=r"\bx must.*\(n, C, B, A\)",
    ),
    W(
        "draw: DRAW.read of h_dec of the wrong width",
        "SHAPE",
        lambda: (lambda m: m.read(images(4), images(4), torch.zeros(4, 3)))(dr()),
        match="h_dec",
    ),
    W(
        "draw: DRAW.read (works)",
        "WORKS",
        lambda: ok((lambda m: m.read(images(4), images(4), hdec(m))[0].shape == (4, 2 * 4))(dr())),
        None,
    ),
    W(
        "draw: DRAW.write of h_dec of the wrong width",
        "SHAPE",
        lambda: (lambda m: m.write(torch.zeros(4, 3)))(dr()),
        match="h_dec",
    ),
    W("draw: DRAW.write of a list", "TYPE", lambda: (lambda m: m.write(hdec(m).tolist()))(dr()), match="h_dec"),
    W(
        "draw: DRAW.write of one row without a batch axis",
        "SHAPE",
        lambda: (lambda m: m.write(torch.zeros(m.dec_hidden)))(dr()),
        match="h_dec",
    ),
    W("draw: DRAW.infer of 3 channels", "SHAPE", lambda: dr().infer(torch.rand(4, 3, 28, 28)), match="channel"),
    W("draw: DRAW.infer of 0..255", "RANGE", lambda: dr().infer(images(4) * 255), match="255"),
    W(
        "draw: DRAW.infer of eps as a list",
        "TYPE",
        lambda: (lambda m: m.infer(images(2), eps=torch.zeros(m.T, 2, m.latent_dim).tolist()))(dr()),
        match="eps",
    ),
    W(
        "draw: DRAW.infer of eps of (n, latent_dim)",
        "SHAPE",
        lambda: (lambda m: m.infer(images(2), eps=torch.zeros(2, m.latent_dim)))(dr()),
        match="eps",
    ),
    W(
        "draw: DRAW.generate of z (n, latent_dim)",
        "SHAPE",
        lambda: (lambda m: m.generate(torch.zeros(4, m.latent_dim)))(dr()),
        match="z",
    ),
    W(
        "draw: DRAW.generate of z of T + 1 steps",
        "SHAPE",
        lambda: (lambda m: m.generate(torch.zeros(m.T + 1, 4, m.latent_dim)))(dr()),
        match="T",
    ),
    W(
        "draw: DRAW.generate of z of another latent size",
        "SHAPE",
        lambda: (lambda m: m.generate(torch.zeros(m.T, 4, 5)))(dr()),
        match="latent_dim",
    ),
    W(
        "draw: DRAW.generate of a list",
        "TYPE",
        lambda: (lambda m: m.generate(torch.zeros(m.T, 4, m.latent_dim).tolist()))(dr()),
        match="z",
    ),
    W(
        "draw: DRAW.generate of NaN",
        "RANGE",
        lambda: (lambda m: m.generate(torch.full((m.T, 4, m.latent_dim), float("nan"))))(dr()),
        match="z",
    ),
    W(
        "draw: DRAW.generate (works)",
        "WORKS",
        lambda: ok((lambda m: m.generate(torch.zeros(m.T, 4, m.latent_dim))[0].shape == (4, 1, 28, 28))(dr())),
        None,
    ),
    # ------------------------------------------------------------------ gan
    W("gan: discriminator_step of 0..255 images", "RANGE", lambda: dstep(image_gan(), x=images(4) * 255), match="255"),
    W("gan: discriminator_step of 3-D points", "SHAPE", lambda: dstep(x=torch.randn(8, 3)), match="x"),
    W("gan: discriminator_step with an int for rng", "TYPE", lambda: dstep(rng=0), match="rng"),
    W("gan: discriminator_step without an optimizer", "TYPE", lambda: dstep(optimizer=[]), match="optimizer"),
    W("gan: discriminator_step of an empty batch", "EMPTY", lambda: dstep(x=torch.zeros(0, 2)), match="x"),
    W("gan: discriminator_step of a list", "TYPE", lambda: dstep(x=points(8).tolist()), match="x"),
    W("gan: discriminator_step with r1 as a string", "TYPE", lambda: dstep(r1="1"), match="r1"),
    W(
        "gan: discriminator_step of a conditional GAN without labels",
        "LABELS",
        lambda: dstep(toy_gan(n_classes=3)),
        match="labels",
    ),
    W("gan: discriminator_step (works)", "WORKS", lambda: ok(set(dstep()) == {"loss", "d_real", "d_fake"}), None),
    W("gan: generator_step n=0", "COUNT", lambda: gstep(n=0), match="n must"),
    W("gan: generator_step n='8'", "TYPE", lambda: gstep(n="8"), match="n must"),
    W("gan: generator_step loss_fn='minimax'", "OPTION", lambda: gstep(loss_fn="minimax"), match="loss_fn"),
    W("gan: generator_step with an int for rng", "TYPE", lambda: gstep(rng=1), match="rng"),
    W(
        "gan: generator_step of labels out of range",
        "LABELS",
        lambda: gstep(toy_gan(n_classes=3), n=2, y=torch.tensor([0, 7])),
        match="labels",
    ),
    W("gan: generator_step (works)", "WORKS", lambda: ok(gstep().dim() == 0), None),
    W(
        "gan: projection_logit of labels out of range",
        "LABELS",
        lambda: G.projection_logit(
            torch.randn(2, 4), torch.randn(4), torch.zeros(1), torch.randn(3, 4), torch.tensor([0, 5])
        ),
        match="labels",
    ),
    W(
        "gan: projection_logit of float labels",
        "DTYPE",
        lambda: G.projection_logit(
            torch.randn(2, 4), torch.randn(4), torch.zeros(1), torch.randn(3, 4), torch.tensor([0.5, 1.0])
        ),
        match="labels",
    ),
    W(
        "gan: auxiliary_classifier_loss of float labels",
        "DTYPE",
        lambda: G.auxiliary_classifier_loss(torch.randn(2, 3), torch.tensor([0.5, 1.0])),
        match="labels",
    ),
    W(
        "gan: auxiliary_classifier_loss of 1-D logits",
        "SHAPE",
        lambda: G.auxiliary_classifier_loss(torch.randn(3), torch.tensor([0, 1, 2])),
        match="class_logits",
    ),
    W(
        "gan: generator_loss_minimax of a list",
        "TYPE",
        lambda: G.generator_loss_minimax([0.1, 0.2]),
        match="fake_logits",
    ),
    W(
        "gan: value_function of int logits",
        "DTYPE",
        lambda: G.value_function(torch.tensor([1, 0]), torch.randn(2)),
        match="real_logits",
    ),
    W(
        "gan: train_gan loss='minmax'",
        "OPTION",
        lambda: T.train_gan(toy_gan(), points(32), steps=1, batch_size=16, progress=False, loss="minmax"),
        match="minmax",
    ),
    W(
        "gan: train_gan d_steps=0",
        "COUNT",
        lambda: T.train_gan(toy_gan(), points(32), steps=1, batch_size=16, progress=False, d_steps=0),
        match="d_steps",
    ),
    W(
        "gan: train_gan r1=-1",
        "RANGE",
        lambda: T.train_gan(toy_gan(), points(32), steps=1, batch_size=16, progress=False, r1=-1),
        match="r1",
    ),
    # ------------------------------------------------------------------ cache
    W(
        "cache: make_checkpoint of a list",
        "TYPE",
        lambda: CA.make_checkpoint([1, 2], {"name": "x"}),
        match="model_or_state",
    ),
    W("cache: make_checkpoint of a string config", "TYPE", lambda: CA.make_checkpoint(vae(), "vae"), match="config"),
    W(
        "cache: make_checkpoint of a dict for history",
        "TYPE",
        lambda: CA.make_checkpoint(vae(), {"name": "x"}, {"loss": [1.0]}),
        match="history",
    ),
    W(
        "cache: make_checkpoint (works)",
        "WORKS",
        lambda: ok(CA.make_checkpoint(vae(), {"name": "x"})["config"] == {"name": "x"}),
        None,
    ),
    W("cache: check_writable(None)", "TYPE", lambda: CA.check_writable(None), match="folder"),
    W(
        "cache: check_writable of a file",
        "PATH",
        lambda tmp: (tmp / "f").write_text("x") and CA.check_writable(tmp / "f"),
        CA.CacheNotWritable,
        "writable",
    ),
    W(
        "cache: load_or_train config a list",
        "TYPE",
        lambda: CA.load_or_train(vae(), lambda m: None, ["x"]),
        match="config",
    ),
    W(
        "cache: load_or_train model a function",
        "TYPE",
        lambda: CA.load_or_train(lambda: vae(), lambda m: T.fit(m, images(8), epochs=1, progress=False), {"name": "x"}),
        match="model",
    ),
    W(
        "cache: load_or_train cache_dir a file",
        "PATH",
        lambda tmp: (
            (tmp / "f").write_text("x") and CA.load_or_train(vae(), lambda m: None, {"name": "x"}, cache_dir=tmp / "f")
        ),
        (ValueError, TypeError, OSError),
        "cache",
    ),
    W(
        "cache: load_or_train retrain='no'",
        "TYPE",
        lambda: CA.load_or_train(vae(), lambda m: None, {"name": "x"}, retrain="no"),
        match="retrain",
    ),
    W(
        "cache: train_gan_cached build a GAN",
        "TYPE",
        lambda: CA.train_gan_cached(toy_gan(), points(32), name="g", hyper={}, steps=2, progress=False, verbose=False),
        match="build",
    ),
    W(
        "cache: train_gan_cached steps=-1",
        "COUNT",
        lambda: CA.train_gan_cached(toy_gan, points(32), name="g", hyper={}, steps=-1, progress=False, verbose=False),
        match="steps",
    ),
    W(
        "cache: train_gan_cached hyper a list",
        "TYPE",
        lambda: CA.train_gan_cached(toy_gan, points(32), name="g", hyper=[1], steps=2, progress=False, verbose=False),
        match="hyper",
    ),
    W(
        "cache: train_gan_cached name=None",
        "TYPE",
        lambda: CA.train_gan_cached(toy_gan, points(32), name=None, hyper={}, steps=2, progress=False, verbose=False),
        match="name",
    ),
    W(
        "cache: train_gan_cached n_snapshot=0",
        "COUNT",
        lambda: CA.train_gan_cached(
            toy_gan,
            points(32),
            name="g",
            hyper={},
            steps=2,
            snapshots=(1,),
            n_snapshot=0,
            progress=False,
            verbose=False,
        ),
        match="n_snapshot",
    ),
    W(
        "cache: train_gan_cached of 0..255 images",
        "RANGE",
        lambda: CA.train_gan_cached(
            image_gan, images(8) * 255, name="g", hyper={}, steps=1, batch_size=4, progress=False, verbose=False
        ),
        match="255",
    ),
    # ------------------------------------------------------------------ checkpoint
    W(
        "checkpoint: load_progress of a folder",
        "PATH",
        lambda tmp: CK.load_progress(tmp, {"seed": 0}, what="x"),
        match="folder",
    ),
    W(
        "checkpoint: load_progress of a damaged file",
        "PATH",
        lambda tmp: (
            (tmp / "p.pt").write_bytes(b"junk") and ok(CK.load_progress(tmp / "p.pt", {"seed": 0}, what="x") is None)
        ),
        None,
    ),
    W(
        "checkpoint: load_progress of a state_dict",
        "PATH",
        lambda tmp: (
            torch.save(vae().state_dict(), tmp / "p.pt") or CK.load_progress(tmp / "p.pt", {"seed": 0}, what="x")
        ),
        match="not a progress file",
    ),
    W(
        "checkpoint: load_progress run a list",
        "TYPE",
        lambda tmp: CK.load_progress(tmp / "p.pt", ["x"], what="x"),
        match="run",
    ),
    W(
        "checkpoint: save_progress done='3'",
        "TYPE",
        lambda tmp: CK.save_progress(tmp / "p.pt", {"seed": 0}, "3", {}),
        match="done",
    ),
    W(
        "checkpoint: save_progress done=0",
        "COUNT",
        lambda tmp: CK.save_progress(tmp / "p.pt", {"seed": 0}, 0, {}),
        match="done",
    ),
    W(
        "checkpoint: save_progress into a file's folder",
        "PATH",
        lambda tmp: (tmp / "f").write_text("x") and CK.save_progress(tmp / "f" / "p.pt", {"seed": 0}, 1, {}),
        (ValueError, OSError),
        "f",
    ),
    W("checkpoint: restore_states of a list", "TYPE", lambda tmp: CK.restore_states([1], tmp / "p.pt"), match="states"),
    # ------------------------------------------------------------------ distributed
    W("distributed: shard rank >= world", "RANGE", lambda: DI.shard(points(8), None, 2, 2), match="rank"),
    W("distributed: shard world=0", "COUNT", lambda: DI.shard(points(8), None, 0, 0), match="world"),
    W("distributed: shard of a list", "TYPE", lambda: DI.shard(points(8).tolist(), None, 0, 1), match="x"),
    W(
        "distributed: shard of labels of another length",
        "SHAPE",
        lambda: DI.shard(points(8), torch.arange(5), 0, 2),
        match="y",
    ),
    W("distributed: shard (works)", "WORKS", lambda: ok(len(DI.shard(points(9), torch.arange(9), 1, 2)[0]) == 4), None),
    W("distributed: standard_normal of a string shape", "TYPE", lambda: DI.standard_normal("32"), match="shape"),
    W("distributed: standard_normal of an int", "TYPE", lambda: DI.standard_normal(5), match="shape"),
    W("distributed: standard_normal of a negative size", "RANGE", lambda: DI.standard_normal((2, -1)), match="shape"),
    W(
        "distributed: batch_noise with an int generator",
        "TYPE",
        lambda: DI.batch_noise(0, 8, None).__enter__(),
        match="generator",
    ),
    W(
        "distributed: batch_noise batch_size=0",
        "COUNT",
        lambda: DI.batch_noise(torch.Generator(), 0, None).__enter__(),
        match="batch_size",
    ),
    W(
        "distributed: is_main_process (works)",
        "WORKS",
        lambda: ok(DI.is_main_process() and DI.distributed() is None),
        None,
    ),
    # ------------------------------------------------------------------ data (torchvision_data)
    W("data: load_dataset('mnsit')", "OPTION", lambda: load_dataset("mnsit"), match="mnsit"),
    W("data: load_dataset split='valid'", "OPTION", lambda: load_dataset("mnist", "valid"), match="split"),
    W(
        "data: load_dataset mnist of a missing data folder",
        "PATH",
        lambda tmp: load_dataset("mnist", root=tmp / "none"),
        Exception,
        "mnist",
    ),
    W(
        "data: load_dataset mnist subset=0",
        "COUNT",
        lambda tmp: load_dataset("mnist", subset=0, root=tmp / "none"),
        match="subset",
    ),
    W(
        "data: load_dataset fashion-mnist subset='100'",
        "TYPE",
        lambda tmp: load_dataset("fashion-mnist", subset="100", root=tmp / "none"),
        match="subset",
    ),
    W(
        "data: load_dataset mnist binarize='yes'",
        "OPTION",
        lambda tmp: load_dataset("mnist", binarize="yes", root=tmp / "none"),
        match="binarize",
    ),
    W(
        "data: load_dataset mnist split='Train'",
        "OPTION",
        lambda tmp: load_dataset("mnist", "Train", root=tmp / "none"),
        match="split",
    ),
    W(
        "data: load_dataset mnist root a file",
        "PATH",
        lambda tmp: (tmp / "f").write_text("x") and load_dataset("mnist", root=tmp / "f"),
        Exception,
        "root|folder",
    ),
    W(
        "data: load_dataset mnist seed='0'",
        "TYPE",
        lambda tmp: load_dataset("mnist", seed="0", root=tmp / "none"),
        match="seed",
    ),
    # ------------------------------------------------------------------ sprites
    W("sprites: render of a shape index 5", "RANGE", lambda: SP.render(5, 1.0, 0.0, 0.5, 0.5), match="shape"),
    W("sprites: render of a fractional shape", "DTYPE", lambda: SP.render(1.5, 1.0, 0.0, 0.5, 0.5), match="shape"),
    W("sprites: render of a string", "TYPE", lambda: SP.render("1", 1.0, 0.0, 0.5, 0.5), match="shape"),
    W(
        "sprites: render of factors of other lengths",
        "SHAPE",
        lambda: SP.render([0, 1], [1.0, 1.0, 1.0], 0.0, 0.5, 0.5),
        match="broadcast|length",
    ),
    W("sprites: render of a negative scale", "RANGE", lambda: SP.render(1, -1.0, 0.0, 0.5, 0.5), match="scale"),
    W("sprites: render of x outside the canvas", "RANGE", lambda: SP.render(1, 1.0, 0.0, 5.0, 0.5), match="x"),
    W("sprites: render of NaN", "RANGE", lambda: SP.render(1, float("nan"), 0.0, 0.5, 0.5), match="scale"),
    W("sprites: render (works)", "WORKS", lambda: ok(SP.render(1, 1.0, 0.0, 0.5, 0.5).shape == (1, 1, 28, 28)), None),
    # ------------------------------------------------------------------ history
    W("history: LastGood of a model (not a list)", "TYPE", lambda: H.LastGood(vae()), match="objects"),
    W(
        "history: LastGood of a tensor in the list",
        "TYPE",
        lambda: H.LastGood([vae(), torch.zeros(2)]),
        match="objects",
    ),
    W("history: LastGood (works)", "WORKS", lambda: ok(H.LastGood([vae()], at=3).restore() == 3), None),
    W("history: History.plot of a missing key", "OPTION", lambda: H.History().plot(keys=["loss"]), match="loss"),
    W(
        "history: History.plot keys='loss'",
        "TYPE",
        lambda: (lambda h: h.log("train", {"loss": 1.0}) or h.plot(keys="train/los"))(H.History()),
        match="keys|train/los",
    ),
    W(
        "history: History.log of NaN (works: logged)",
        "WORKS",
        lambda: ok((lambda h: h.log("train", {"loss": float("nan")}) or h.keys())(H.History()) is not None),
        None,
    ),
    # ------------------------------------------------------------------ blocks
    W(
        "blocks: MLPDecoder of z of the wrong width",
        "SHAPE",
        lambda: B.MLPDecoder(2, (1, 28, 28), hidden=[8])(torch.zeros(4, 3)),
        match="z",
    ),
    W(
        "blocks: MLPDecoder of one z without a batch axis",
        "SHAPE",
        lambda: B.MLPDecoder(2, (1, 28, 28), hidden=[8])(torch.zeros(2)),
        match="z",
    ),
    W(
        "blocks: ConvDecoder of z of the wrong width",
        "SHAPE",
        lambda: B.ConvDecoder(2, (1, 28, 28))(torch.zeros(4, 3)),
        match="z",
    ),
    W("blocks: ConvDecoder of a 30x30 out_shape", "SHAPE", lambda: B.ConvDecoder(2, (1, 30, 30)), match="out_shape"),
    W("blocks: make_decoder('mpl')", "OPTION", lambda: B.make_decoder("mpl", 2), match="mpl"),
    W("blocks: make_decoder latent_dim=0", "COUNT", lambda: B.make_decoder("mlp", 0), match="latent_dim"),
    W(
        "blocks: MLPDecoder of a list",
        "TYPE",
        lambda: B.MLPDecoder(2, (1, 28, 28), hidden=[8])([[0.0, 0.0]]),
        match="z",
    ),
    W(
        "blocks: MLPDecoder (works)",
        "WORKS",
        lambda: ok(B.MLPDecoder(2, (1, 28, 28), hidden=[8])(torch.zeros(4, 2)).shape == (4, 1, 28, 28)),
        None,
    ),
    # ------------------------------------------------------------------ variational
    W("variational: LinearGaussian.sample n=0", "COUNT", lambda: lg().sample(0), match="n"),
    W(
        "variational: LinearGaussian.sample with an int generator",
        "TYPE",
        lambda: lg().sample(3, generator=0),
        match="generator",
    ),
    W("variational: LinearGaussian.sample n='3'", "TYPE", lambda: lg().sample("3"), match="n"),
    W(
        "variational: LinearGaussian.elbo of mu_q of the wrong width",
        "SHAPE",
        lambda: lg().elbo(torch.zeros(4, 5), torch.zeros(4, 3), torch.zeros(4, 3)),
        match="mu_q",
    ),
    W(
        "variational: LinearGaussian.elbo of x of the wrong width",
        "SHAPE",
        lambda: lg().elbo(torch.zeros(4, 4), torch.zeros(4, 2), torch.zeros(4, 2)),
        match="x",
    ),
    W(
        "variational: LinearGaussian.elbo of a list (works: the same bound)",
        "WORKS",
        lambda: ok(
            torch.equal(
                lg().elbo(
                    torch.ones(4, 5).tolist(),
                    torch.zeros(4, 2),
                    torch.zeros(4, 2),
                    generator=torch.Generator().manual_seed(0),
                ),
                lg().elbo(
                    torch.ones(4, 5), torch.zeros(4, 2), torch.zeros(4, 2), generator=torch.Generator().manual_seed(0)
                ),
            )
        ),
        None,
    ),
    W(
        "variational: LinearGaussian.elbo n_samples=0",
        "COUNT",
        lambda: lg().elbo(torch.zeros(4, 5), torch.zeros(4, 2), torch.zeros(4, 2), n_samples=0),
        match="n_samples",
    ),
    W(
        "variational: LinearGaussian.elbo_exact of cov_q of the wrong size",
        "SHAPE",
        lambda: lg().elbo_exact(torch.zeros(4, 5), torch.zeros(4, 2), cov_q=torch.eye(3)),
        match="cov_q",
    ),
    W(
        "variational: LinearGaussian.elbo_exact of logvar_q of the wrong width",
        "SHAPE",
        lambda: lg().elbo_exact(torch.zeros(4, 5), torch.zeros(4, 2), logvar_q=torch.zeros(4, 3)),
        match="logvar_q",
    ),
    W(
        "variational: LinearGaussian.elbo_exact of a list mu_q (works)",
        "WORKS",
        lambda: ok(
            torch.equal(
                lg().elbo_exact(torch.ones(4, 5), [[0.0, 0.0]] * 4, logvar_q=torch.zeros(4, 2)),
                lg().elbo_exact(torch.ones(4, 5), torch.zeros(4, 2), logvar_q=torch.zeros(4, 2)),
            )
        ),
        None,
    ),
    W(
        "variational: LinearGaussian.elbo_exact of both",
        "OPTION",
        lambda: lg().elbo_exact(torch.zeros(4, 5), torch.zeros(4, 2), torch.zeros(4, 2), torch.eye(2)),
        match="logvar_q",
    ),
    W(
        "variational: LinearGaussian.elbo_exact of a non-PD cov_q",
        "RANGE",
        lambda: lg().elbo_exact(torch.zeros(4, 5), torch.zeros(4, 2), cov_q=-torch.eye(2)),
        match="cov_q",
    ),
    # ------------------------------------------------------------------ quiz
    W("quiz: score before any answer (works)", "WORKS", lambda: ok(quiz().score()["accuracy"] is None), None),
    W("quiz: mark 'Real'", "OPTION", lambda: quiz().mark(0, "Real"), match="answer"),
    W("quiz: mark True", "TYPE", lambda: quiz().mark(0, True), match="answer"),
    W("quiz: mark i=9", "RANGE", lambda: quiz().mark(9, "real"), match="i"),
    W(
        "quiz: show title=3 (works: the title '3')",
        "WORKS",
        lambda: ok(quiz().show(title=3).axes[0].get_title() == "3"),
        None,
    ),
    W("quiz: reveal (works)", "WORKS", lambda: ok(quiz().reveal() is not None), None),
    # ------------------------------------------------------------------ viz
    W("viz: save of a tensor", "TYPE", lambda tmp: viz.save(images(2), tmp / "a.png"), match="fig"),
    W(
        "viz: save into a missing folder",
        "PATH",
        lambda tmp: viz.save(viz.show_images(images(2)), tmp / "no" / "a.png"),
        (ValueError, OSError),
        "path|folder",
    ),
    W(
        "viz: save as .jpgg",
        "OPTION",
        lambda tmp: viz.save(viz.show_images(images(2)), tmp / "a.jpgg"),
        match="path|png",
    ),
    W("viz: scatter2d of 3-D points", "SHAPE", lambda: viz.scatter2d(torch.randn(10, 3)), match="points"),
    W("viz: density2d bins=0", "COUNT", lambda: viz.density2d(points(10), bins=0), match="bins"),
    W("viz: density2d of 3-D points", "SHAPE", lambda: viz.density2d(torch.randn(10, 3)), match="points"),
    W("viz: show_images size=-1", "RANGE", lambda: viz.show_images(images(2), size=-1), match="size"),
    W(
        "viz: show_images of (N, 784) (works: flat images)",
        "WORKS",
        lambda: ok(viz.show_images(torch.rand(4, 784)) is not None),
        None,
    ),
    W("viz: animation_html of a figure", "TYPE", lambda: viz.animation_html(viz.show_images(images(2))), match="anim"),
    # ------------------------------------------------------------------ aggregate_prior
    W(
        "aggregate_prior: per_class=0",
        "COUNT",
        lambda: AggregatePrior(vae(), images(8), per_class=0),
        match="per_class",
    ),
    W("aggregate_prior: of a GAN", "KIND", lambda: AggregatePrior(toy_gan(), points(8)), match="VAE"),
    W("aggregate_prior: of 0..255 images", "RANGE", lambda: AggregatePrior(vae(), images(8) * 255), match="255"),
    W("aggregate_prior: of an empty dataset", "EMPTY", lambda: AggregatePrior(vae(), images(0)), match="data"),
    W("aggregate_prior: log_prob of the wrong width", "SHAPE", lambda: prior().log_prob(torch.zeros(4, 3)), match="z"),
    W(
        "aggregate_prior: log_prob chunk=0",
        "COUNT",
        lambda: prior().log_prob(torch.zeros(4, 2), chunk=0),
        match="chunk",
    ),
    W(
        "aggregate_prior: log_prob with labels for a VAE's prior",
        "KIND",
        lambda: prior().log_prob(torch.zeros(4, 2), y=torch.zeros(4, dtype=torch.long)),
        match="y|label",
    ),
    W(
        "aggregate_prior: sample with an int generator",
        "TYPE",
        lambda: prior().sample(n=3, generator=0),
        match="generator",
    ),
    W("aggregate_prior: sample n=-1", "COUNT", lambda: prior().sample(n=-1), match="n"),
    W(
        "aggregate_prior: check_model of another model",
        "KIND",
        lambda: prior().check_model(vae()),
        match="another model",
    ),
    # ------------------------------------------------------------------ classifier
    W(
        "classifier: classify of 3 channels",
        "SHAPE",
        lambda: CL.classify(clf(), torch.rand(2, 3, 28, 28)),
        match="channel",
    ),
    W("classifier: classify of a VAE", "KIND", lambda: CL.classify(vae(), images(2)), match="model|Classifier"),
    W(
        "classifier: class_probabilities batch_size=0",
        "COUNT",
        lambda: CL.class_probabilities(clf(), images(2), batch_size=0),
        match="batch_size",
    ),
    W(
        "classifier: extract_features of 0..255",
        "RANGE",
        lambda: CL.extract_features(clf(), images(2) * 255),
        match="255",
    ),
    W("classifier: classify of a list", "TYPE", lambda: CL.classify(clf(), images(2).tolist()), match="images"),
    W("classifier: classify of an empty batch", "EMPTY", lambda: ok(CL.classify(clf(), images(0)).shape == (0,)), None),
    W("classifier: classify of (N, 784)", "SHAPE", lambda: CL.classify(clf(), torch.rand(2, 784)), match="view"),
    W("classifier: train_classifier('mnsit')", "OPTION", lambda: CL.train_classifier("mnsit"), match="mnsit"),
    W(
        "classifier: train_classifier epochs=-1",
        "COUNT",
        lambda: CL.train_classifier("sprites", epochs=-1),
        match="epochs",
    ),
    W("classifier: load_classifier(3)", "TYPE", lambda: CL.load_classifier(3), match="dataset"),
    W("classifier: cosine_adam(0)", "COUNT", lambda: CL.cosine_adam(0), match="total_steps"),
    # ------------------------------------------------------------------ grade (command line)
    W("grade: a missing folder", "PATH", lambda tmp: grade(str(tmp / "none")), Refused, "none"),
    W(
        "grade: --out a file",
        "PATH",
        lambda tmp: (tmp / "f").write_text("x") and grade(str(tmp), "--out", str(tmp / "f")),
        Refused,
        "--out",
    ),
    W("grade: --timeout -1", "RANGE", lambda tmp: grade(str(tmp), "--timeout", "-1"), Refused, "--timeout"),
    W("grade: --jobs 0", "COUNT", lambda tmp: grade(str(tmp), "--jobs", "0"), Refused, "--jobs"),
    W(
        "grade: --notebook-timeout 0",
        "RANGE",
        lambda tmp: grade(str(tmp), "--notebook-timeout", "0"),
        Refused,
        "--notebook-timeout",
    ),
    W(
        "grade: --cache a missing folder",
        "PATH",
        lambda tmp: grade(str(tmp), "--cache", str(tmp / "none")),
        Refused,
        "--cache",
    ),
    W(
        "grade: --cache a file",
        "PATH",
        lambda tmp: (tmp / "f").write_text("x") and grade(str(tmp), "--cache", str(tmp / "f")),
        Refused,
        "--cache",
    ),
    W("grade: --dataset mnsit", "OPTION", lambda tmp: grade(str(tmp), "--dataset", "mnsit"), Refused, "mnsit"),
    W("grade: --jobs two", "TYPE", lambda tmp: grade(str(tmp), "--jobs", "two"), Refused, "--jobs"),
    W(
        "grade: a file that is no notebook (works: graded 'not a notebook')",
        "WORKS",
        lambda tmp: (
            (tmp / "a.txt").write_text("x")
            and grade(str(tmp / "a.txt"), "--out", str(tmp / "o")) == 0
            and ok("not a notebook" in (tmp / "o" / "grades.csv").read_text())
        ),
        None,
    ),
]


BEFORE = {
    "draw: grid_window of a string number": "unclear",
    "draw: grid_window N=0": "silent",
    "draw: filters of size 0": "unclear",
    "draw: filters of a negative variance": "silent",
    "draw: filterbank N=-1": "unclear",
    "draw: glimpse of (N, 28, 28) images": "unclear",
    "draw: glimpse of filters of another batch": "unclear",
    "draw: glimpse of a list": "unclear",
    "draw: write_attention of a patch of another size": "unclear",
    "draw: read_attention of x and x_hat of other sizes": "unclear",
    "draw: window_box of a tuple": "unclear",
    "draw: DRAW.read of flat images": "unclear",
    "draw: DRAW.read of h_dec of the wrong width": "unclear",
    "draw: DRAW.write of h_dec of the wrong width": "unclear",
    "draw: DRAW.write of a list": "unclear",
    "draw: DRAW.write of one row without a batch axis": "unclear",
    "draw: DRAW.infer of eps as a list": "unclear",
    "draw: DRAW.generate of z (n, latent_dim)": "unclear",
    "draw: DRAW.generate of z of T + 1 steps": "silent",
    "draw: DRAW.generate of z of another latent size": "unclear",
    "draw: DRAW.generate of a list": "unclear",
    "draw: DRAW.generate of NaN": "silent",
    "gan: discriminator_step with an int for rng": "unclear",
    "gan: discriminator_step without an optimizer": "unclear",
    "gan: discriminator_step of an empty batch": "unclear",
    "gan: discriminator_step with r1 as a string": "unclear",
    "gan: generator_step n=0": "unclear",
    "gan: generator_step n='8'": "unclear",
    "gan: generator_step loss_fn='minimax'": "unclear",
    "gan: generator_step with an int for rng": "unclear",
    "cache: make_checkpoint of a list": "unclear",
    "cache: make_checkpoint of a string config": "silent",
    "cache: make_checkpoint of a dict for history": "unclear",
    "cache: check_writable(None)": "unclear",
    "cache: load_or_train model a function": "unclear",
    "cache: load_or_train retrain='no'": "unclear",
    "cache: train_gan_cached hyper a list": "unclear",
    "cache: train_gan_cached name=None": "silent",
    "checkpoint: load_progress run a list": "silent",
    "checkpoint: save_progress done='3'": "silent",
    "checkpoint: save_progress done=0": "silent",
    "checkpoint: restore_states of a list": "unclear",
    "distributed: shard rank >= world": "unclear",
    "distributed: shard world=0": "unclear",
    "distributed: shard of a list": "unclear",
    "distributed: shard of labels of another length": "silent",
    "distributed: standard_normal of a string shape": "silent",
    "distributed: standard_normal of an int": "unclear",
    "distributed: standard_normal of a negative size": "unclear",
    "distributed: batch_noise with an int generator": "silent",
    "distributed: batch_noise batch_size=0": "silent",
    "data: load_dataset mnist subset=0": "unclear",
    "data: load_dataset mnist binarize='yes'": "unclear",
    "sprites: render of a fractional shape": "silent",
    "sprites: render of a string": "unclear",
    "sprites: render of factors of other lengths": "unclear",
    "sprites: render of a negative scale": "silent",
    "sprites: render of x outside the canvas": "silent",
    "sprites: render of NaN": "silent",
    "history: LastGood of a model (not a list)": "unclear",
    "history: LastGood of a tensor in the list": "unclear",
    "blocks: ConvDecoder of a 30x30 out_shape": "unclear",
    "variational: LinearGaussian.elbo of mu_q of the wrong width": "unclear",
    "variational: LinearGaussian.elbo of a list (works: the same bound)": "unclear",
    "variational: LinearGaussian.elbo_exact of cov_q of the wrong size": "unclear",
    "variational: LinearGaussian.elbo_exact of logvar_q of the wrong width": "unclear",
    "variational: LinearGaussian.elbo_exact of a list mu_q (works)": "unclear",
    "variational: LinearGaussian.elbo_exact of a non-PD cov_q": "silent",
    "viz: save of a tensor": "unclear",
    "viz: save into a missing folder": "unclear",
    "viz: show_images size=-1": "silent",
    "viz: animation_html of a figure": "unclear",
    "classifier: classify of a VAE": "silent",
}


_CLEAR = collections.defaultdict(list)
for _m in WALK:
    if _m.name not in BEFORE:
        _CLEAR[_m.name.split(":")[0]].append(_m)
SAMPLE = [m for m in WALK if m.name in BEFORE] + [m for ms in _CLEAR.values() for m in ms[:2]]


@pytest.mark.parametrize("mistake", SAMPLE, ids=[m.name for m in SAMPLE])
def test_the_second_walks_mistake_gets_a_clear_answer(mistake, home, tmp_path):
    verdict, what = outcome(mistake, tmp_path)
    assert verdict == "clear", f"{mistake.name}: {verdict}: {what}"


def test_the_second_walk_is_whole():
    assert len(WALK) == 177 and len({m.name for m in WALK}) == len(WALK)
    assert set(BEFORE) <= {m.name for m in WALK}
    assert collections.Counter(BEFORE.values()) == {"unclear": 53, "silent": 20}
    modules = collections.Counter(m.name.split(":")[0] for m in SAMPLE if m.name not in BEFORE)
    assert len(modules) == 15 and all(n >= 2 for n in modules.values()), modules


def tally() -> None:
    import warnings

    warnings.simplefilter("ignore")
    per = collections.defaultdict(collections.Counter)
    others = []
    for m in WALK:
        with tempfile.TemporaryDirectory() as tmp:
            gencore.setup(seed=0, quick=True, device="cpu", threads=1, home=Path(tmp) / "home", verbose=False)
            verdict, what = outcome(m, Path(tmp))
        per[m.name.split(":")[0]][verdict] += 1
        if verdict != "clear" or "-v" in sys.argv:
            others.append(f"  {verdict:8s} {m.name}: {what[:220]}")
    total = collections.Counter()
    for module, c in per.items():
        total.update(c)
        print(
            f"{module:16s} {sum(c.values()):3d}  clear {c['clear']:3d}  unclear {c['unclear']:3d}  silent "
            f"{c['silent']:3d}"
        )
    print(f"walk: {total['clear']}/{len(WALK)} clear, {total['unclear']} unclear, {total['silent']} silent")
    print("\n".join(others))


if __name__ == "__main__":
    tally()
