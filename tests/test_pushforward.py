import math

import pytest
import torch

from gencore.data import toy
from gencore.mmd import gaussian_kernel, mmd2
from gencore.pushforward import (
    Generator,
    affine,
    exponential_icdf,
    exponential_log_prob,
    fit_generator_mmd,
    random_generator,
)


def test_exponential_icdf_matches_torch_distributions():
    u = torch.rand(97, dtype=torch.float64)
    expo = torch.distributions.Exponential(torch.tensor(1.7, dtype=torch.float64))
    assert torch.allclose(exponential_icdf(u, 1.7), expo.icdf(u))
    x = torch.rand(50, dtype=torch.float64) * 3
    assert torch.allclose(exponential_log_prob(x, 1.7), expo.log_prob(x))


def test_inverse_cdf_samples_have_the_right_distribution():
    x = exponential_icdf(torch.rand(200_000, generator=torch.Generator().manual_seed(0)), 2.0)
    assert abs(x.mean() - 0.5) < 0.005 and abs(x.var() - 0.25) < 0.01       # mean 1/rate, var 1/rate^2
    assert abs((x <= math.log(2) / 2.0).float().mean() - 0.5) < 0.005        # the median


def test_affine_pushforward_of_gaussian_noise_has_covariance_AAT():
    g = torch.Generator().manual_seed(0)
    A, b = torch.tensor([[1.0, 0.0], [0.9, 0.4], [0.2, -1.0]]), torch.tensor([1.0, -0.5, 2.0])
    x = affine(torch.randn(200_000, 2, generator=g), A, b)
    assert x.shape == (200_000, 3)
    assert torch.allclose(x.mean(0), b, atol=0.01)
    assert torch.allclose(torch.cov(x.T), A @ A.T, atol=0.02)


def test_mmd_is_zero_for_equal_samples_and_grows_with_a_shift():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 2, generator=g)
    assert mmd2(x, x).abs() < 1e-6
    same = mmd2(x, torch.randn(400, 2, generator=g))
    shifts = [mmd2(x, torch.randn(400, 2, generator=g) + s).item() for s in (0.5, 1.0, 2.0)]
    assert same < shifts[0] < shifts[1] < shifts[2]
    manual = sum(torch.exp(-torch.cdist(x, x).pow(2) / (2 * h ** 2)) for h in (0.5, 2.0))
    assert torch.allclose(gaussian_kernel(x, x, (0.5, 2.0)), manual, atol=1e-5)


def test_mmd_gradient_is_finite_on_identical_points():
    x = torch.randn(64, 2, requires_grad=True)
    mmd2(x, x.detach() + 1.0).backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_training_a_generator_with_mmd_reaches_the_ring():
    torch.manual_seed(0)
    gen = Generator(noise_dim=2, out_dim=2, hidden=64)
    target = lambda n: toy.ring(n, modes=8, radius=2.0, std=0.1)
    before = mmd2(gen.sample(1000).detach(), target(1000), (0.2, 0.5, 1.0)).item()
    losses, shots = fit_generator_mmd(gen, target, steps=300, batch_size=256, lr=3e-3, snapshots=(0, 300),
                                      progress=False)
    after = mmd2(gen.sample(1000).detach(), target(1000), (0.2, 0.5, 1.0)).item()
    assert len(losses) == 300 and set(shots) == {0, 300} and shots[0].shape == (2000, 2)
    assert after < before / 5
    radius = gen.sample(2000).detach().norm(dim=1)
    assert abs(radius.median() - 2.0) < 0.3


def test_random_generators_differ_by_seed_and_are_reproducible():
    z = torch.randn(10, 2)
    with torch.no_grad():
        assert torch.equal(random_generator(1)(z), random_generator(1)(z))
        assert not torch.equal(random_generator(1)(z), random_generator(2)(z))


def test_fit_generator_mmd_tells_how_loss_fn_is_called_and_names_nan_data():
    def one_bandwidth(x, y, h):                          # the exercise's MMD^2 of ONE bandwidth
        return torch.exp(-torch.cdist(x, y) ** 2 / (2 * h ** 2)).mean()

    torch.manual_seed(0)
    with pytest.raises(TypeError, match=r"^loss_fn .*loss_fn\(x_model, x_data, bandwidths\).*sum\(f\(x, y, h\) for h"):
        fit_generator_mmd(Generator(hidden=8), toy.ring, steps=2, batch_size=16, bandwidths=(0.1, 0.5),
                          loss_fn=one_bandwidth, progress=False)
    g = Generator(hidden=8)
    before = [p.clone() for p in g.parameters()]
    with pytest.raises(ValueError, match=r"^sample_data\(16\) returned NaN or infinite points"):
        fit_generator_mmd(g, lambda n: torch.full((n, 2), float("nan")), steps=2, batch_size=16, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, g.parameters()))     # refused before any step
    calls = []

    def nan_later(n):                                     # finite at first, NaN at the third step
        calls.append(n)
        return torch.full((n, 2), float("nan")) if len(calls) == 3 else toy.ring(n)

    with pytest.raises(ValueError, match=r"^sample_data\(16\) returned NaN or infinite points \(at step 3\)"):
        fit_generator_mmd(Generator(hidden=8), nan_later, steps=5, batch_size=16, progress=False)
    # the multi-bandwidth adapter the message suggests trains
    losses, _ = fit_generator_mmd(Generator(hidden=8), toy.ring, steps=2, batch_size=16, bandwidths=(0.1, 0.5),
                                  loss_fn=lambda x, y, hs: sum(mmd2(x, y, h) for h in hs), progress=False)
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)


def test_one_bandwidth_number_for_a_loss_of_all_the_bandwidths_is_told_to_be_a_tuple():
    def several(x, y, bandwidths):                       # the exercise's loss of ALL the bandwidths at once
        return sum(mmd2(x, y, h) for h in bandwidths)

    g = Generator(hidden=8)
    before = [p.clone() for p in g.parameters()]
    with pytest.raises(TypeError, match=r"^bandwidths=0\.5 is one number, but loss_fn gets all the bandwidths "
                                        r"at once \(loss_fn\(x_model, x_data, bandwidths\)\): pass "
                                        r"bandwidths=\(0\.5,\)\.$"):
        fit_generator_mmd(g, toy.ring, steps=2, batch_size=16, bandwidths=0.5, loss_fn=several, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, g.parameters()))     # refused before any step
    # one number is valid for a loss of one bandwidth, and for gencore's mmd2
    for loss_fn in (lambda x, y, h: mmd2(x, y, h), mmd2):
        losses, _ = fit_generator_mmd(Generator(hidden=8), toy.ring, steps=2, batch_size=16, bandwidths=0.5,
                                      loss_fn=loss_fn, progress=False)
        assert len(losses) == 2


def test_samples_flying_off_while_the_loss_stays_finite_stop_training():
    """A kernel loss saturates instead of blowing up: samples far beyond the data's scale count as diverged."""
    from gencore.history import TrainingDiverged
    torch.manual_seed(0)
    g = Generator(noise_dim=2, out_dim=2, hidden=8)
    before = {k: v.clone() for k, v in g.state_dict().items()}      # step 2 flies off: step 1's start is kept

    def outward(x_model, x_data, bandwidths):           # bounded and finite, and it pushes the samples away
        r = x_model.norm(dim=1).mean()
        return -r / (1 + r)
    with pytest.raises(TrainingDiverged, match=r"samples flew off to .* far beyond the data's scale .*lr=1000"):
        fit_generator_mmd(g, lambda n: toy.ring(n), steps=200, lr=1e3, loss_fn=outward, progress=False)
    assert all(torch.equal(v, before[k]) for k, v in g.state_dict().items())
