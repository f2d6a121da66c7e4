"""TwoNN intrinsic dimension: ~2 on a swiss roll, ~d on d-dimensional Gaussians, duplicates handled.

Tolerances: with N points the MLE's standard error is about d / sqrt(N), and TwoNN is known to
underestimate slightly as d grows (the neighbourhoods are less uniform). We allow 12% relative error
for N = 4000 (d = 10: 8.8..11.2), several standard errors wide, yet a wrong estimator (using r1/r2,
dropping the log, squared distances: d/2) lands far outside.
"""
import math

import pytest
import torch

from gencore.data.toy import swiss_roll
from gencore.intrinsic_dim import nearest_neighbour_distances, two_nn, two_nn_curve, two_nn_estimate, two_nn_ratios


def g(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("method", ["mle", "fit"])
def test_swiss_roll_is_two_dimensional(method):
    x = swiss_roll(4000, dim=3, generator=g(1))
    assert two_nn(x, method=method) == pytest.approx(2.0, rel=0.12)


@pytest.mark.parametrize("d", [2, 5, 10])
@pytest.mark.parametrize("method", ["mle", "fit"])
def test_gaussian_of_dimension_d(d, method):
    x = torch.randn(4000, d, generator=g(d))
    assert two_nn(x, method=method) == pytest.approx(d, rel=0.12)


def test_linear_embedding_in_high_dimension_keeps_the_intrinsic_dimension():
    """5 latent dimensions embedded linearly in 300 ambient ones (like codes -> pixels): ~5, not 300."""
    z = torch.randn(3000, 5, generator=g(2))
    x = z @ torch.randn(5, 300, generator=g(3)) + 0.5
    assert two_nn(x) == pytest.approx(5, rel=0.12)


def test_image_shaped_input_and_chunking_agree():
    x = torch.rand(600, 1, 4, 4, generator=g(4))
    a = two_nn(x, chunk_size=1000)
    b = two_nn(x, chunk_size=37)
    assert a == pytest.approx(b, rel=1e-9)


def test_nearest_neighbours_match_brute_force():
    x = torch.randn(257, 7, generator=g(5))
    d = torch.cdist(x.double(), x.double())
    d.fill_diagonal_(float("inf"))
    expected = d.topk(2, dim=1, largest=False).values
    got = nearest_neighbour_distances(x, k=2, chunk_size=50)
    assert got.shape == (257, 2)
    assert torch.allclose(got, expected, atol=1e-9)


def test_duplicates_are_merged_not_infinite():
    x = torch.randn(2000, 3, generator=g(6))
    with_copies = torch.cat([x, x[:700], x[:50]])
    mu = two_nn_ratios(with_copies)
    assert len(mu) == 2000 and torch.isfinite(mu).all() and (mu >= 1).all()
    assert two_nn(with_copies) == pytest.approx(two_nn(x), rel=1e-9)


def test_too_few_distinct_points_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 3 distinct points"):
        two_nn(torch.ones(50, 4))


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="mle"):
        two_nn(torch.randn(10, 2), method="mean")


def test_mle_formula_on_known_ratios(monkeypatch):
    """d = (N - 1) / sum log mu, exactly."""
    mu = torch.tensor([1.5, 2.0, 1.1, 3.0], dtype=torch.float64)
    monkeypatch.setattr("gencore.intrinsic_dim.two_nn_ratios", lambda *a, **k: mu)
    assert two_nn(torch.zeros(4, 2)) == pytest.approx(3 / sum(math.log(m) for m in mu.tolist()))


def test_curve_is_a_line_of_slope_d_for_pareto_ratios():
    d = 4.0
    u = torch.rand(20000, generator=g(7), dtype=torch.float64)
    mu = (1 - u) ** (-1 / d)          # Pareto: F(mu) = 1 - mu^-d
    a, b = two_nn_curve(mu, discard=0.1)
    assert len(a) == 18000
    slope = float((a * b).sum() / (a * a).sum())
    assert slope == pytest.approx(d, rel=0.03)


def test_nan_points_and_points_for_ratios_are_named():
    codes = torch.randn(200, 8, generator=g(0))
    codes[17] = float("nan")
    with pytest.raises(ValueError, match=r"^x holds NaN or infinite values \(row 17, 1 of 200 rows\)"):
        two_nn(codes)
    roll = swiss_roll(300, dim=3, generator=g(0))
    with pytest.raises(ValueError, match=r"^mu must be the ratios r2/r1 .*got shape \(300, 3\); .*two_nn\(x\)"):
        two_nn_estimate(roll)
    with pytest.raises(ValueError, match=r"^mu must be the ratios .*got values down to"):
        two_nn_estimate(roll[:, 0], method="fit")
    mu = two_nn_ratios(roll)
    assert two_nn_estimate(mu) == two_nn(roll)                  # the ratios themselves pass
