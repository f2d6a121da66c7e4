"""The class-conditional VAE (Sohn et al., 2015; Kingma et al., 2014): the label goes to both networks.

    model = ConditionalVAE(latent_dim=16, n_classes=10)
    history = fit(model, train, test=test, epochs=10)      # model.loss(x, y): the labels y are used
    mu, logvar = model.encode(x, y)                        # q(z|x, y)
    x_hat = model.decode(z, y)                             # the mean of p(x|z, y)
    x_new = model.sample([3, 3, 7])                        # z ~ N(0, I), decoded as classes 3, 3, 7
    grid = model.sample_classes(n=8)                       # one row per class, the 8 columns share z
    rows = model.analogies(x, y)                           # x's code decoded with every label
    log_px = log_likelihood(model, test, k=1000)           # IWAE estimate of log p(x|y) (gencore.evaluation)

The lecture's slide: labels one-hot into the encoder and the decoder,

    mu, logvar = encoder([x; onehot(y)])         q(z | x, y)
    logits     = decoder([z; onehot(y)])         p(x | z, y),  prior p(z) = N(0, I) for every class
    ELBO(x|y)  = E_q log p(x|z, y) - KL(q(z|x, y) || N(0, I))   <= log p(x | y)

Since the code no longer has to say which class the image is, it can spend its capacity on the style
(stroke width, slant, size, position): decoding one z with every label gives the same style in every class.

Everything is the VAE's: the blocks (`gencore.blocks`, built with cond_dim = n_classes), the loss, the
IWAE log-weights, the ELBO terms (`gencore.evaluation.dataset_elbo`, `rate_distortion`, `encode_means` pass each
example's label), the training loop and the model cache (`train_cvae`, like `gencore.vae.train_vae`).
The only new piece is the condition: `ConditionalVAE.labels` checks the labels (integers in
[0, n_classes), one per example) and `_condition` one-hot encodes them.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .blocks import eval_mode, widths
from .cache import fit_cached
from .data import as_data
from .labels import check_labels, requested_labels
from .train import History, adam
from .vae import VAE
from .validate import as_float, as_generator, as_int, as_positive, exact_shape, flags, model_input
from .variational import reparameterize

__all__ = ["ConditionalVAE", "train_cvae", "with_label", "class_grid"]


def with_label(x: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """[vec(x); onehot(y)]: each example flattened and followed by its one-hot label, (N, ...) and (N,) ->
    (N, D + n_classes) in x's dtype. What the MLP encoder reads ([vec(x); onehot(y)]) and the MLP decoder
    ([z; onehot(y)]) of a `ConditionalVAE` (the blocks concatenate the condition after the input)."""
    exact_shape(y, (len(x),), "y", "(N,), one label per example of x")
    return torch.cat([x.flatten(1), F.one_hot(y.long(), n_classes).to(x.dtype)], dim=1)


def class_grid(z: torch.Tensor, labels: torch.Tensor, decode) -> torch.Tensor:
    """Class-controlled generation: every code z_j (z: (m, d)) decoded with every label l_i (labels: (r,)),
    row by row: image i * m + j is ``decode(z_j, l_i)``, so a row shares its class and a column its code.
    ``decode(z, y)`` maps codes (M, d) and labels (M,) to images; returns (r * m, *image shape)."""
    return decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z)))


class ConditionalVAE(VAE):
    """A VAE whose encoder q(z|x, y) and decoder p(x|z, y) both see the class y (one-hot, n_classes wide).

    The same arguments as `gencore.vae.VAE` plus ``n_classes``; every method that touches the networks takes
    the labels: ``encode(x, y)``, ``decode(z, y)``, ``reconstruct(x, y)``, ``loss(x, y)``, ``sample(labels)``,
    ``log_weights(x, y, k)``. Labels are integer class indices in [0, n_classes) (tensor, numpy array, list,
    or one integer for the whole batch); missing or bad ones raise one sentence naming the valid range.
    """

    def __init__(self, latent_dim: int = 2, n_classes: int = 10, kind: str = "mlp", in_shape=(1, 28, 28),
                 likelihood: str = "bernoulli", beta: float = 1.0, hidden=None, obs_std: float | str = 0.1, **kw):
        n_classes = as_int(n_classes, "n_classes", minimum=1)
        if "cond_dim" in kw:
            raise TypeError("ConditionalVAE sets the blocks' cond_dim itself (= n_classes); pass n_classes only.")
        super().__init__(latent_dim, kind=kind, in_shape=in_shape, likelihood=likelihood, beta=beta,
                         hidden=hidden, obs_std=obs_std, cond_dim=n_classes, **kw)
        self.n_classes = n_classes

    # -------------------------------------------------------------------------------------- the condition
    def labels(self, y, n: int | None = None) -> torch.Tensor:
        """The labels as int64 (n,) on the model's device, checked (`check_labels`)."""
        return check_labels(y, self.n_classes, n).to(self.device)

    def _condition(self, y, n: int) -> torch.Tensor:
        """onehot(y): (n, n_classes), what both blocks concatenate to their input."""
        return F.one_hot(self.labels(y, n), self.n_classes).to(next(self.parameters()).dtype)

    # -------------------------------------------------------------------------------------- pieces
    def encode(self, x: torch.Tensor, y=None) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x, y): (N, *in_shape) and labels (N,) -> (mu, logvar), each (N, latent_dim)."""
        x = model_input(self, x)
        return self._encode(x, self._condition(y, len(x)))

    def decode(self, z: torch.Tensor, y=None) -> torch.Tensor:
        """The mean of p(x|z, y): codes (N, latent_dim) and labels (N,) (or one label) -> (N, *in_shape)."""
        z = self._codes(z)
        return self._mean(self._raw(z, self._condition(y, len(z))))

    def forward(self, x: torch.Tensor, y=None) -> torch.Tensor:
        """The reconstruction decode(mu(x, y), y)."""
        return self.reconstruct(x, y)

    @torch.no_grad()
    @flags("sample")
    def reconstruct(self, x: torch.Tensor, y=None, sample: bool = False) -> torch.Tensor:
        """decode(mu(x, y), y), or decode(z, y) for one z ~ q(z|x, y) with ``sample=True``."""
        x = model_input(self, x)
        c = self._condition(y, len(x))
        mu, logvar = self._encode(x, c)
        return self._mean(self._raw(reparameterize(mu, logvar) if sample else mu, c))

    def _sample_labels(self, labels) -> torch.Tensor:
        return requested_labels(labels, self.n_classes).to(self.device)

    @torch.no_grad()
    @flags("mean")
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
        generator = as_generator(generator)
        y = torch.arange(self.n_classes, device=self.device) if labels is None else self.labels(labels)
        if z is None:
            z = torch.randn(as_int(n, "n", minimum=1), self.latent_dim, generator=generator)
        z = torch.as_tensor(z, dtype=torch.float32)
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be codes of shape (columns, {self.latent_dim}), got {tuple(z.shape)}.")
        z = z.to(self.device)
        with eval_mode(self):
            images = class_grid(z, y, self.decode)
        return images.cpu()

    @torch.no_grad()
    @flags("include_input")
    def analogies(self, x: torch.Tensor, y, labels=None, include_input: bool = True) -> torch.Tensor:
        """Analogies: encode each image with its own label, z = mu(x, y), then decode that code with every
        label in ``labels`` (default: all classes). Returns (N * columns, *in_shape) on the CPU, one row per
        image: the input itself first (``include_input=True``), then decode(z, l) for each l, so
        ``viz.show_images(rows, nrow=columns)`` shows the style of each input carried to every class.
        """
        x = model_input(self, x)
        n = len(x)
        targets = torch.arange(self.n_classes, device=self.device) if labels is None else self.labels(labels)
        with eval_mode(self):
            mu, _ = self.encode(x, y)
            m = len(targets)
            decoded = self.decode(mu.repeat_interleave(m, dim=0), targets.repeat(n)).view(n, m, *self.in_shape)
        if include_input:
            decoded = torch.cat([x.float().view(n, 1, *self.in_shape), decoded], dim=1)
        return decoded.flatten(0, 1).cpu()


@flags("retrain", "verbose", "progress")
def train_cvae(train, *, latent_dim: int, epochs: int, test=None, n_classes: int | None = None, kind: str = "mlp",
               beta: float = 1.0, likelihood: str = "bernoulli", hidden=None, activation: str = "relu",
               lr: float = 1e-3, batch_size: int = 128, seed: int | None = None,
               dataset: str | None = None, subset: int | None = None, name: str = "cvae", retrain: bool = False,
               verbose: bool = True, progress: bool = True) -> tuple[ConditionalVAE, History]:
    """Build a `ConditionalVAE`, then load it from the model cache or train it with `fit` and cache it
    (exactly like `gencore.vae.train_vae`, with ``n_classes`` in the key).

    ``train`` (and ``test``) must have labels; ``n_classes`` defaults to the number of the dataset's classes
    (``len(train.classes)``), and every label must lie in [0, n_classes).
    """
    latent_dim, epochs, batch_size = (as_int(latent_dim, "latent_dim", minimum=1), as_int(epochs, "epochs", minimum=0),
                                      as_int(batch_size, "batch_size", minimum=1))
    lr, beta = as_positive(lr, "lr"), as_float(beta, "beta", minimum=0)
    seed = as_int(seed, "seed") if seed is not None else None
    subset = as_int(subset, "subset", minimum=1) if subset is not None else None
    train = as_data(train, "train")
    given, classes = n_classes is not None, getattr(train, "classes", None)
    if n_classes is None:
        if not classes and train.labels is None:
            raise ValueError("train has no labels, but train_cvae trains a class-conditional VAE: pass a labelled "
                             "dataset (load_dataset(...), or TensorData(images, labels)), not bare images.")
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
                             f"(integers in [0, {n_classes})) for every example; pass a labelled dataset "
                             f"(TensorData(images, labels)).")
        y = data.labels
        top = int(y.max()) if given and torch.is_tensor(y) and y.dim() == 1 and len(y) and not y.is_floating_point() \
            else -1
        if top >= n_classes:                        # labels 0..top, the dataset's: n_classes is the mistake
            i = int((y >= n_classes).nonzero()[0, 0])
            raise ValueError(f"n_classes={n_classes}, but the {what} data's labels go up to {top}: its {top + 1} "
                             f"classes do not fit integers in [0, {n_classes}) for a model of {n_classes} classes "
                             f"(label {y[i].item()} at position {i} is outside); pass n_classes={top + 1}"
                             f"{' or leave it out' if classes and len(classes) > top else ''}.")
        check_labels(data.labels, n_classes, what=f"{what} data's labels")
    hidden = list(widths(hidden)) if hidden is not None else None
    hyper = dict(kind=kind, latent_dim=latent_dim, n_classes=n_classes, beta=beta, likelihood=likelihood,
                 hidden=hidden, activation=activation)
    return fit_cached(lambda in_shape: ConditionalVAE(latent_dim, n_classes, kind=kind, in_shape=in_shape,
                                                      likelihood=likelihood, beta=beta, hidden=hidden,
                                                      activation=activation),
                      train, name=name, hyper=hyper, epochs=epochs, test=test, lr=lr, batch_size=batch_size,
                      seed=seed, dataset=dataset, subset=subset, retrain=retrain, verbose=verbose,
                      progress=progress, desc=f"{name} (d={latent_dim}, {n_classes} classes)", optimizer=adam)
