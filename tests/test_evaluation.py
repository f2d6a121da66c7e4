"""gencore.evaluation: the measures against closed forms and hand computations."""
import math

import pytest
import torch

from gencore import evaluation as E


def test_feature_diversity_is_the_mean_distance_over_distinct_pairs():
    f = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])
    # pairs: 5, 4, 3 -> mean 4
    assert E.feature_diversity(f) == pytest.approx(4.0)


def test_feature_diversity_averages_the_classes_and_is_zero_for_copies():
    f = torch.tensor([[0.0], [2.0], [5.0], [5.0]])
    assert E.feature_diversity(f, torch.tensor([0, 0, 1, 1])) == pytest.approx(1.0)   # (2 + 0) / 2
    assert E.feature_diversity(torch.ones(10, 3)) == 0.0


def test_feature_diversity_of_gaussians_matches_the_closed_form():
    # ||x - y|| for x, y ~ N(0, I_d) independent: sqrt(2) * chi_d mean = 2 Gamma((d+1)/2) / Gamma(d/2)
    d = 4
    f = torch.randn(3000, d, generator=torch.Generator().manual_seed(0))
    expected = 2 * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))
    assert E.feature_diversity(f) == pytest.approx(expected, rel=0.02)


def test_feature_diversity_refuses_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        E.feature_diversity(torch.randn(3, 2), torch.tensor([0, 0, 1]))
    with pytest.raises(ValueError, match="NaN"):
        E.feature_diversity(torch.tensor([[0.0], [float("nan")]]))
    with pytest.raises(ValueError, match=r"\(N, F\)"):
        E.feature_diversity(torch.randn(5))
    with pytest.raises(ValueError, match="one per feature row"):
        E.feature_diversity(torch.randn(5, 2), torch.tensor([0, 1]))


def test_sharpness_is_lower_for_blurred_images():
    from gencore.vae import gaussian_blur
    x = (torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    assert (E.sharpness(gaussian_blur(x, 1.0)) < E.sharpness(x)).all()
