"""The class-conditional VAE (Sohn et al., 2015; Kingma et al., 2014): the label goes to both networks.

    model = ConditionalVAE(latent_dim=16, n_classes=10)
    history = fit(model, train, test=test, epochs=10)      # model.loss(x, y): the labels y are used
    mu, logvar = model.encode(x, y)                        # q(z|x, y)
    x_hat = model.decode(z, y)                             # the mean of p(x|z, y)
    x_new = model.sample([3, 3, 7])                        # z ~ N(0, I), decoded as classes 3, 3, 7
    grid = model.sample_classes(n=8)                       # one row per class, the 8 columns share z
    rows = model.analogies(x, y)                           # x's code decoded with every label
    log_px = log_likelihood(model, test, k=1000)           # IWAE estimate of log p(x|y) (gencore.vae)

The lecture's slide: labels one-hot into the encoder and the decoder,

    mu, logvar = encoder([x; onehot(y)])         q(z | x, y)
    logits     = decoder([z; onehot(y)])         p(x | z, y),  prior p(z) = N(0, I) for every class
    ELBO(x|y)  = E_q log p(x|z, y) - KL(q(z|x, y) || N(0, I))   <= log p(x | y)

Since the code no longer has to say which class the image is, it can spend its capacity on the style
(stroke width, slant, size, position): decoding one z with every label gives the same style in every class.

Everything is the VAE's: the blocks (`gencore.blocks`, built with cond_dim = n_classes), the loss, the
IWAE log-weights, the ELBO terms (`gencore.vae.dataset_elbo`, `rate_distortion`, `encode_means` pass each
example's label), the training loop and the model cache (`train_cvae`, like `gencore.vae.train_vae`).
The only new piece is the condition: `ConditionalVAE.labels` checks the labels (integers in
[0, n_classes), one per example) and `_condition` one-hot encodes them.

Nothing in the ELBO forces the code to forget the class: a label is worth only log K nats of KL, so a trained
encoder often keeps it in z, and a prior sample then carries a class of its own that fights the label. The
option ``adversary=w`` makes forgetting part of training, as in Fader networks (Lample et al., 2017): a small
classifier a(mu), the adversary, learns to read the class off the code, while the encoder is trained to leave
it clueless, its prediction uniform over the K classes (the "confusion" loss of Tzeng et al., 2015):

    loss = rec + beta * kl + w * [ CE(a(sg[mu]), y)  +  CE(sg[a](mu), uniform) ],

sg[.] stopping the gradient: the first term trains only the adversary, the second only the encoder. (Maximising
the adversary's cross-entropy instead, by a gradient reversal, does not remove the class: the encoder can
satisfy it by relabelling the classes in the code, which a fresh probe still reads.) One optimiser and the
shared `fit` loop train both players; the history reports the adversary's accuracy ("adv_acc", near 1 / K once
the code no longer says the class). The ELBO and every bound are unchanged.
"""
from __future__ import annotations

import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .blocks import _widths
from .cache import fit_cached
from .data import as_data
from .train import History, adam
from .vae import VAE
from .validate import as_float, as_int
from .variational import reparameterize

__all__ = ["ConditionalVAE", "train_cvae", "check_labels", "requested_labels", "with_label", "class_grid",
           "confusion_loss"]


def _range(n_classes: int) -> str:
    return f"integers in [0, {n_classes}) (0..{n_classes - 1})"


def check_labels(y, n_classes: int, n: int | None = None, what: str = "class labels") -> torch.Tensor:
    """``y`` as an int64 tensor (n,) of class indices in [0, n_classes), or one sentence saying what is wrong.

    Accepted: a tensor, numpy array or list of integers (any integer dtype; floats only when they hold whole
    numbers, 3.0), or one integer, repeated for all ``n`` examples. Refused: None, booleans, fractions,
    strings, a shape other than (n,), values outside [0, n_classes).
    """
    rng = _range(n_classes)
    if y is None:
        raise ValueError(f"The conditional model needs {what} ({rng}, one per example) but got none (y=None); "
                         f"pass the labels, for example the batches of a labelled dataset.")
    if isinstance(y, torch.Tensor):
        t = y.detach()
    else:
        try:
            t = torch.as_tensor(np.asarray(y))
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"The {what} must be {rng}, got {type(y).__name__} {y!r:.60}.") from None
    if t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"The {what} must be {rng}, got a tensor of {t.dtype}.")
    if t.is_floating_point():
        whole = torch.isfinite(t) & (t == t.round())
        if not bool(whole.all()):
            bad = t[~whole].reshape(-1)[0].item()
            raise TypeError(f"The {what} must be {rng}, got the non-integer value {bad}.")
    t = t.long()
    if t.dim() == 0 and n is not None:
        t = t.expand(n)
    if t.dim() != 1 or (n is not None and len(t) != n):
        expected = f"({n},), one per example" if n is not None else "(n,)"
        raise ValueError(f"The {what} must be {rng} of shape {expected}, got shape {tuple(t.shape)}.")
    if len(t):
        outside = (t < 0) | (t >= n_classes)
        if bool(outside.any()):
            i = int(outside.nonzero()[0, 0])
            raise ValueError(f"The {what} must be {rng} for a model of {n_classes} classes, but label {t[i].item()} "
                             f"at position {i} is outside that range.")
    return t


def with_label(x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[vec(x); onehot(y)]: each example flattened and followed by its one-hot label, (N, ...) and (N,) ->
    (N, D + n_classes) in x's dtype. What the MLP encoder reads ([vec(x); onehot(y)]) and the MLP decoder
    ([z; onehot(y)]) of a `ConditionalVAE` (the blocks concatenate the condition after the input)."""
    return torch.cat([x.flatten(1), F.one_hot(y.long(), n_classes).to(x.dtype)], dim=1)


def class_grid(z: torch.Tensor, labels: torch.Tensor, decode) -> torch.Tensor:
    """Class-controlled generation: every code z_j (z: (m, d)) decoded with every label l_i (labels: (r,)),
    row by row: image i * m + j is ``decode(z_j, l_i)``, so a row shares its class and a column its code.
    ``decode(z, y)`` maps codes (M, d) and labels (M,) to images; returns (r * m, *image shape)."""
    return decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z)))


def requested_labels(labels, n_classes: int) -> torch.Tensor:
    """What a conditional sampler was asked for: a count n (an int, a numpy or a 0-d torch integer) -> the
    classes in turn (0, 1, ..., n_classes - 1, 0, ...); otherwise the labels themselves, checked."""
    count = (isinstance(labels, numbers.Integral) and not isinstance(labels, bool)) or (
        isinstance(labels, (torch.Tensor, np.ndarray)) and labels.ndim == 0
        and (labels.dtype not in (torch.bool, torch.float16, torch.bfloat16, torch.float32, torch.float64)
             if isinstance(labels, torch.Tensor) else np.issubdtype(labels.dtype, np.integer)))
    if count:
        return torch.arange(as_int(int(labels), "n", minimum=0)) % n_classes
    return check_labels(labels, n_classes)


def confusion_loss(logits: torch.Tensor) -> torch.Tensor:
    """CE(softmax(logits), uniform) = -(1/K) sum_k log softmax(logits)_k, averaged over the batch: log K at its
    minimum, when every prediction is uniform over the K classes. ``logits``: float (N, K), N >= 1."""
    if not isinstance(logits, torch.Tensor) or not logits.is_floating_point():
        got = logits.dtype if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise TypeError(f"confusion_loss needs a floating-point tensor of class logits (N, K), got {got}.")
    if logits.dim() != 2 or logits.numel() == 0:
        raise ValueError(f"confusion_loss needs class logits of shape (N, K) with N, K >= 1 (one row per "
                         f"example), got shape {tuple(logits.shape)}.")
    return _confusion(logits)


def _confusion(logits: torch.Tensor) -> torch.Tensor:
    return -F.log_softmax(logits, dim=1).mean()


class ConditionalVAE(VAE):
    """A VAE whose encoder q(z|x, y) and decoder p(x|z, y) both see the class y (one-hot, n_classes wide).

    The same arguments as `gencore.vae.VAE` plus ``n_classes``; every method that touches the networks takes
    the labels: ``encode(x, y)``, ``decode(z, y)``, ``reconstruct(x, y)``, ``loss(x, y)``, ``sample(labels)``,
    ``log_weights(x, y, k)``. Labels are integer class indices in [0, n_classes) (tensor, numpy array, list,
    or one integer for the whole batch); missing or bad ones raise one sentence naming the valid range.

    ``adversary`` (default 0: off): the weight w of the class adversary (see the module's docstring), a
    two-layer classifier ``class_adversary`` on the code means that the encoder learns to defeat.
    """

    def __init__(self, latent_dim: int = 2, n_classes: int = 10, kind: str = "mlp", in_shape=(1, 28, 28),
                 likelihood: str = "bernoulli", beta: float = 1.0, hidden=None, obs_std: float | str = 0.1,
                 adversary: float = 0.0, **kw):
        n_classes = as_int(n_classes, "n_classes", minimum=1)
        adversary = as_float(adversary, "adversary", minimum=0)
        if "cond_dim" in kw:
            raise TypeError("ConditionalVAE sets the blocks' cond_dim itself (= n_classes); pass n_classes only.")
        super().__init__(latent_dim, kind=kind, in_shape=in_shape, likelihood=likelihood, beta=beta,
                         hidden=hidden, obs_std=obs_std, cond_dim=n_classes, **kw)
        self.n_classes, self.adversary = n_classes, adversary
        self.class_adversary = nn.Sequential(nn.Linear(self.latent_dim, 256), nn.ReLU(),
                                             nn.Linear(256, n_classes)) if adversary > 0 else None

    # -------------------------------------------------------------------------------------- the condition
    def labels(self, y, n: int | None = None) -> torch.Tensor:
        """The labels as int64 (n,) on the model's device, checked (`check_labels`)."""
        return check_labels(y, self.n_classes, n).to(self.device)

    def _condition(self, y, n: int) -> torch.Tensor:
        """onehot(y): (n, n_classes), what both blocks concatenate to their input."""
        return F.one_hot(self.labels(y, n), self.n_classes).to(next(self.parameters()).dtype)

    def _penalise(self, out: dict, mu: torch.Tensor, c) -> dict:
        """loss + w * [CE(a(sg[mu]), y) + CE(sg[a](mu), uniform)]: the adversary learns to read y off the code,
        the encoder to leave it uniform."""
        if self.class_adversary is None:
            return out
        y = c.argmax(1)
        logits = self.class_adversary(mu.detach())                                 # trains the adversary only
        frozen = {k: v.detach() for k, v in self.class_adversary.named_parameters()}
        confused = torch.func.functional_call(self.class_adversary, frozen, (mu,))  # trains the encoder only
        out["loss"] = out["loss"] + self.adversary * (F.cross_entropy(logits, y) + _confusion(confused))
        out["adv_acc"] = (logits.detach().argmax(1) == y).float().mean()
        return out

    # -------------------------------------------------------------------------------------- pieces
    def encode(self, x: torch.Tensor, y=None) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x, y): (N, *in_shape) and labels (N,) -> (mu, logvar), each (N, latent_dim)."""
        return self._encode(x, self._condition(y, len(x)))

    def decode(self, z: torch.Tensor, y=None) -> torch.Tensor:
        """The mean of p(x|z, y): codes (N, latent_dim) and labels (N,) (or one label) -> (N, *in_shape)."""
        return self._mean(self._raw(z, self._condition(y, len(z))))

    def forward(self, x: torch.Tensor, y=None) -> torch.Tensor:
        """The reconstruction decode(mu(x, y), y)."""
        return self.reconstruct(x, y)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y=None, sample: bool = False) -> torch.Tensor:
        """decode(mu(x, y), y), or decode(z, y) for one z ~ q(z|x, y) with ``sample=True``."""
        c = self._condition(y, len(x))
        mu, logvar = self._encode(x, c)
        return self._mean(self._raw(reparameterize(mu, logvar) if sample else mu, c))

    def _sample_labels(self, labels) -> torch.Tensor:
        return requested_labels(labels, self.n_classes).to(self.device)

    @torch.no_grad()
    def sample(self, labels, generator: torch.Generator | None = None, mean: bool = True, prior=None
               ) -> torch.Tensor:
        """Conditional samples: z ~ N(0, I) decoded with the given labels -> (len(labels), *in_shape).

        ``labels``: class indices (tensor, array, list), or a number n for n samples of the classes in turn
        (0, 1, ..., n_classes - 1, 0, 1, ...). ``mean=True`` (default) gives the decoder's mean (pixel
        probabilities); ``mean=False`` a draw of p(x|z, y). On the model's device. ``prior``: draw z from this
        model's `gencore.aggregate_prior.AggregatePrior` p(z|y) instead of N(0, I).
        """
        y = self._sample_labels(labels)
        z = self._prior_draw(prior, y.cpu(), len(y), generator)
        return self._sample_from(z, F.one_hot(y, self.n_classes).to(z.dtype), generator, mean)

    # -------------------------------------------------------------------------------------- pictures
    @torch.no_grad()
    def sample_classes(self, labels=None, z: torch.Tensor | None = None, n: int = 8,
                       generator: torch.Generator | None = None) -> torch.Tensor:
        """Class-controlled generation: one row per label (default: every class in order), one column per code
        z_j (given as ``z`` (m, latent_dim), or ``n`` draws from the prior); every image of a column decodes the
        same z_j, so a column shares its style. Returns the decoder's means (rows * columns, *in_shape) on the
        CPU, row by row: ``viz.show_images(grid, nrow=columns)``.
        """
        y = torch.arange(self.n_classes, device=self.device) if labels is None else self.labels(labels)
        if z is None:
            z = torch.randn(as_int(n, "n", minimum=1), self.latent_dim, generator=generator)
        z = torch.as_tensor(z, dtype=torch.float32)
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be codes of shape (columns, {self.latent_dim}), got {tuple(z.shape)}.")
        z = z.to(self.device)
        with _eval(self):
            images = class_grid(z, y, self.decode)
        return images.cpu()

    @torch.no_grad()
    def analogies(self, x: torch.Tensor, y, labels=None, include_input: bool = True) -> torch.Tensor:
        """Analogies: encode each image with its own label, z = mu(x, y), then decode that code with every
        label in ``labels`` (default: all classes). Returns (N * columns, *in_shape) on the CPU, one row per
        image: the input itself first (``include_input=True``), then decode(z, l) for each l, so
        ``viz.show_images(rows, nrow=columns)`` shows the style of each input carried to every class.
        """
        x = torch.as_tensor(x).to(self.device)
        if x.dtype == torch.uint8:
            x = x.float() / 255
        n = len(x)
        targets = torch.arange(self.n_classes, device=self.device) if labels is None else self.labels(labels)
        with _eval(self):
            mu, _ = self.encode(x, y)
            m = len(targets)
            decoded = self.decode(mu.repeat_interleave(m, dim=0), targets.repeat(n)).view(n, m, *self.in_shape)
        if include_input:
            decoded = torch.cat([x.float().view(n, 1, *self.in_shape), decoded], dim=1)
        return decoded.flatten(0, 1).cpu()


class _eval:
    """Evaluation mode for the duration of a block, then the previous mode back."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.was_training = self.model.training
        self.model.eval()

    def __exit__(self, *exc):
        self.model.train(self.was_training)


def train_cvae(train, *, latent_dim: int, epochs: int, test=None, n_classes: int | None = None, kind: str = "mlp",
               beta: float = 1.0, likelihood: str = "bernoulli", hidden=None, activation: str = "relu",
               adversary: float = 0.0, lr: float = 1e-3, batch_size: int = 128, seed: int | None = None,
               dataset: str | None = None, subset: int | None = None, name: str = "cvae", retrain: bool = False,
               verbose: bool = True, progress: bool = True) -> tuple[ConditionalVAE, History]:
    """Build a `ConditionalVAE`, then load it from the model cache or train it with `fit` and cache it
    (exactly like `gencore.vae.train_vae`, with ``n_classes`` in the key); ``adversary``: the class adversary's
    weight (`ConditionalVAE`; in the key when it is on).

    ``train`` (and ``test``) must have labels; ``n_classes`` defaults to the number of the dataset's classes
    (``len(train.classes)``), and every label must lie in [0, n_classes).
    """
    latent_dim, epochs, batch_size = (as_int(latent_dim, "latent_dim", minimum=1), as_int(epochs, "epochs", minimum=0),
                                      as_int(batch_size, "batch_size", minimum=1))
    lr, beta = as_float(lr, "lr", minimum=0), as_float(beta, "beta", minimum=0)
    adversary = as_float(adversary, "adversary", minimum=0)
    seed = as_int(seed, "seed") if seed is not None else None
    subset = as_int(subset, "subset", minimum=1) if subset is not None else None
    train = as_data(train)
    if n_classes is None:
        classes = getattr(train, "classes", None)
        if not classes:
            raise ValueError("train_cvae could not tell the number of classes (the training data has no class "
                             "names); pass n_classes=<number of classes>.")
        n_classes = len(classes)
    n_classes = as_int(n_classes, "n_classes", minimum=1)
    for what, data in (("training", train), ("test", test)):
        if data is None:
            continue
        data = as_data(data)
        if data.labels is None:
            raise ValueError(f"The {what} data has no labels, but a class-conditional VAE needs a label "
                             f"({_range(n_classes)}) for every example.")
        check_labels(data.labels, n_classes, what=f"{what} data's labels")
    hidden = list(_widths(hidden)) if hidden is not None else None
    hyper = dict(kind=kind, latent_dim=latent_dim, n_classes=n_classes, beta=beta, likelihood=likelihood,
                 hidden=hidden, activation=activation)
    if adversary:                                   # only then: the keys of models trained without it stay
        hyper["adversary"] = adversary
    return fit_cached(lambda in_shape: ConditionalVAE(latent_dim, n_classes, kind=kind, in_shape=in_shape,
                                                      likelihood=likelihood, beta=beta, hidden=hidden,
                                                      activation=activation, adversary=adversary),
                      train, name=name, hyper=hyper, epochs=epochs, test=test, lr=lr, batch_size=batch_size,
                      seed=seed, dataset=dataset, subset=subset, retrain=retrain, verbose=verbose,
                      progress=progress, desc=f"{name} (d={latent_dim}, {n_classes} classes)", optimizer=adam)
