"""Deep generative models are distribution transformers: push simple noise through a function.

If z ~ p(z) and x = g(z), then x follows the push-forward distribution g#p. Three ways to get a
distribution we want this way:

* inverse-CDF sampling in 1-D: u ~ U(0, 1), x = F^{-1}(u) has CDF F;
* an affine map of Gaussian noise, x = A z + b: a Gaussian N(b, A A^T);
* a neural network g_theta trained so that its samples match data (here with the MMD, a sample-based loss).
"""
from __future__ import annotations

import numbers
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from .history import History, LastGood, step_is_finite
from .mmd import mmd2
from .validate import as_function, as_generator, as_int, as_positive, as_tensor, flags, step_list

__all__ = ["exponential_icdf", "exponential_log_prob", "affine", "Generator", "random_generator",
           "fit_generator_mmd"]


def exponential_icdf(u: torch.Tensor, rate: float = 1.0) -> torch.Tensor:
    """F^{-1}(u) = -log(1 - u) / rate, the inverse of F(x) = 1 - exp(-rate x)."""
    u, rate = as_tensor(u, "u"), as_positive(rate, "rate")
    if u.numel() and not bool(((u >= 0) & (u <= 1)).all()):
        raise ValueError(f"u must hold probabilities in [0, 1], got values from {u.min().item():.4g} to "
                         f"{u.max().item():.4g}; draw them with torch.rand(n).")
    return -torch.log1p(-u) / rate


def exponential_log_prob(x: torch.Tensor, rate: float = 1.0) -> torch.Tensor:
    """log p(x) = log(rate) - rate x for x >= 0."""
    rate = as_positive(rate, "rate")
    return torch.where(x >= 0, torch.log(torch.as_tensor(rate)) - rate * x, torch.full_like(x, -float("inf")))


def affine(z: torch.Tensor, A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """x_i = A z_i + b for each row z_i of z (N, d): the push-forward of N(0, I) is N(b, A A^T)."""
    z, A, b = as_tensor(z, "z"), as_tensor(A, "A"), as_tensor(b, "b")
    if A.dim() != 2 or A.shape[1] != z.shape[-1] or tuple(b.shape) not in ((A.shape[0],), ()):
        raise ValueError(f"A must be a matrix (D, d) with d = {z.shape[-1]} columns, one per coordinate of z, and b "
                         f"a vector (D,); got z {tuple(z.shape)}, A {tuple(A.shape)}, b {tuple(b.shape)}.")
    return z @ A.T + b


class Generator(nn.Module):
    """g_theta: an MLP from noise z (N, noise_dim) to samples x (N, out_dim)."""

    def __init__(self, noise_dim: int = 2, out_dim: int = 2, hidden: int = 128, layers: int = 3,
                 activation: Callable[[], nn.Module] = nn.ReLU):
        super().__init__()
        if isinstance(hidden, (tuple, list)):
            raise TypeError(f"hidden must be one width, that of each of the `layers` hidden layers, got {hidden!r}; "
                            f"for {len(hidden)} layers of {hidden[0] if hidden else 64} pass hidden="
                            f"{hidden[0] if hidden else 64}, layers={len(hidden)}.")
        noise_dim, out_dim = as_int(noise_dim, "noise_dim", minimum=1), as_int(out_dim, "out_dim", minimum=1)
        hidden, layers = as_int(hidden, "hidden", minimum=1), as_int(layers, "layers", minimum=0)
        dims = [noise_dim] + [hidden] * layers
        blocks = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), activation()]
        self.net = nn.Sequential(*blocks, nn.Linear(dims[-1], out_dim))
        self.noise_dim = noise_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != self.noise_dim:
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"z must be noise of shape (N, {self.noise_dim}), one row per point (noise_dim="
                             f"{self.noise_dim}), got {got}; for n points use g.sample(n) or "
                             f"g(torch.randn(n, {self.noise_dim})).")
        return self.net(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        device, n = next(self.parameters()).device, as_int(n, "n", minimum=0)
        z = torch.randn(n, self.noise_dim, generator=as_generator(generator)).to(device)
        return self(z)


def random_generator(seed: int, noise_dim: int = 2, out_dim: int = 2, hidden: int = 64, layers: int = 2,
                     scale: float = 2.0) -> Generator:
    """An untrained network with random weights (std ``scale``/sqrt(fan-in)): a random distribution transformer."""
    torch.manual_seed(as_int(seed, "seed"))
    g = Generator(noise_dim, out_dim, hidden, layers, activation=nn.Tanh)
    with torch.no_grad():
        for m in g.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0, scale / m.in_features ** 0.5)
                m.bias.normal_(0, 0.5)
    return g


@flags("progress")
def fit_generator_mmd(generator: Generator, sample_data: Callable[[int], torch.Tensor], steps: int,
                      batch_size: int = 512, lr: float = 1e-3, bandwidths=(0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
                      snapshots=(), progress: bool = True, loss_fn: Callable = mmd2):
    """Minimise MMD^2(g(z), data) by Adam; returns (losses per step, {step: samples} at ``snapshots``).

    ``sample_data(n)`` returns n data points (e.g. ``lambda n: toy.ring(n)``). A NaN/inf loss or gradient stops
    training with `TrainingDiverged`, the generator back at the last weights whose loss was finite."""
    sample_data = as_function(sample_data, "sample_data", "of n that returns n data points, e.g. lambda n: "
                              "toy.ring(n) (for a fixed tensor x: lambda n: x[torch.randint(len(x), (n,))])")
    steps, batch_size = as_int(steps, "steps", minimum=1), as_int(batch_size, "batch_size", minimum=1)
    lr, snapshots = as_positive(lr, "lr"), step_list(snapshots, "snapshots", maximum=steps)
    opt = torch.optim.Adam(generator.parameters(), lr=lr)
    params = list(generator.parameters())
    device = params[0].device
    fixed_z = torch.randn(2000, generator.noise_dim, generator=torch.Generator().manual_seed(0)).to(device)
    losses, shots, last_good = [], {}, LastGood([generator, opt])

    def snapshot(step: int) -> None:
        if step in snapshots:
            with torch.no_grad():
                shots[step] = generator(fixed_z).cpu()

    for step in tqdm(range(steps), desc="MMD generator", disable=not progress):   # the bar counts training steps
        snapshot(step)
        x_data = sample_data(batch_size).to(device)
        x_model = generator.sample(batch_size)
        if step == 0:
            _first_batch(x_data, x_model, batch_size)
            loss = _first_loss(loss_fn, x_model, x_data, bandwidths)
        else:
            loss = loss_fn(x_model, x_data, bandwidths)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        loss_ok, grads_ok, _ = step_is_finite(loss, params)
        far, scale = (float(x.detach().abs().max()) if x.numel() else 0.0 for x in (x_model, x_data))
        flown = loss_ok and far > 100 * (scale + 1)     # a kernel loss stays finite while the samples fly off
        if loss_ok and not flown:
            last_good.keep(step)                    # these weights give a finite loss; the step is applied below
        if not loss_ok:
            _finite_data(x_data, batch_size, step)  # NaN data, not the training, made the loss NaN
        if not (loss_ok and grads_ok) or flown:
            was = f"the loss was {loss.item():.4g}" if loss_ok else ""
            what = "the loss became NaN or infinite" if not loss_ok else (
                f"the samples flew off to {far:.3g}, far beyond the data's scale ({scale:.3g}; {was})" if flown
                else f"a gradient became NaN or infinite ({was})")
            raise last_good.diverged(f"Training the MMD generator diverged: {what} at step {step + 1}.",
                                     History({"train/loss": losses}), "step",
                                     f"Lower the learning rate (lr={lr:g}), or check loss_fn and the bandwidths.",
                                     cause="loss" if not loss_ok else "samples" if flown else "gradient",
                                     step=step + 1)
        opt.step()
        losses.append(loss.item())
    snapshot(steps)
    return losses, shots


def _finite_data(x_data: torch.Tensor, batch_size: int, step: int) -> None:
    """One sentence if the data points of a step hold NaN or inf (the loss's NaN is then the data's, not the lr's)."""
    if not bool(torch.isfinite(x_data).all()):
        raise ValueError(f"sample_data({batch_size}) returned NaN or infinite points (at step {step + 1}); make it "
                         f"return finite points, e.g. drop the bad rows with x[torch.isfinite(x).all(1)].")


def _first_batch(x_data, x_model, batch_size: int) -> None:
    """The first batch of data, checked before any step: finite, and points of the generator's width."""
    _finite_data(x_data, batch_size, 0)
    if x_data.shape[1:] != x_model.shape[1:]:
        raise ValueError(f"sample_data gives points of shape {tuple(x_data.shape[1:])} but the generator draws "
                         f"{tuple(x_model.shape[1:])}; build the Generator with out_dim={x_data.shape[-1]}, or "
                         f"make sample_data return points of the generator's width.")


def _first_loss(loss_fn, x_model, x_data, bandwidths) -> torch.Tensor:
    """The first call of loss_fn: a TypeError there is the calling convention's (all the bandwidths at once)."""
    try:
        return loss_fn(x_model, x_data, bandwidths)
    except TypeError as e:
        if loss_fn is mmd2:
            raise
        if isinstance(bandwidths, numbers.Real) and not isinstance(bandwidths, bool):
            raise TypeError(f"bandwidths={bandwidths!r} is one number, but loss_fn gets all the bandwidths at once "
                            f"(loss_fn(x_model, x_data, bandwidths)): pass bandwidths=({bandwidths!r},).") from e
        if not isinstance(bandwidths, (tuple, list)):
            raise
        raise TypeError(f"loss_fn failed ({type(e).__name__}): it is called as loss_fn(x_model, x_data, bandwidths) "
                        f"with all the bandwidths at once, bandwidths={bandwidths!r}; for a function f(x, y, h) of one "
                        f"bandwidth pass loss_fn=lambda x, y, hs: sum(f(x, y, h) for h in hs).") from e
