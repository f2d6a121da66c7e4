"""gencore.evaluation: every measure against an independent implementation or a closed form."""
import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from gencore import evaluation as E
from gencore.variational import LinearGaussian

F64 = torch.float64


def _gaussian(n, d, seed, shift=0.0, scale=1.0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64) * scale + shift


def _random_cov(d, seed):
    a = torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return a @ a.T / d + 0.1 * torch.eye(d, dtype=F64)


# ------------------------------------------------------------------------------------------ Fréchet
def test_frechet_gaussian_equals_the_scipy_sqrtm_reference():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    for d, seed in ((1, 0), (5, 1), (64, 2)):
        mu1, mu2 = _gaussian(1, d, seed)[0], _gaussian(1, d, seed + 10)[0]
        c1, c2 = _random_cov(d, seed + 20), _random_cov(d, seed + 30)
        covmean = scipy_linalg.sqrtm(c1.numpy() @ c2.numpy()).real
        expected = float(((mu1 - mu2) ** 2).sum()) + np.trace(c1.numpy() + c2.numpy() - 2 * covmean)
        assert E.frechet_gaussian(mu1, c1, mu2, c2) == pytest.approx(expected, rel=1e-6)


def test_frechet_gaussian_closed_form_in_one_dimension_and_for_identical_gaussians():
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    assert E.frechet_gaussian([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1)
    c = _random_cov(32, 0)
    assert 0 <= E.frechet_gaussian(torch.zeros(32), c, torch.zeros(32), c) < 1e-8
    singular = torch.zeros(8, 8, dtype=F64)
    singular[0, 0] = 1.0
    value = E.frechet_gaussian(torch.zeros(8), singular, torch.zeros(8), singular)
    assert math.isfinite(value) and 0 <= value < 1e-10


def test_frechet_distance_of_a_set_with_itself_is_zero_and_never_nan():
    f = _gaussian(500, 16, 0)
    assert 0 <= E.frechet_distance(f, f) < 1e-8
    f = torch.cat([f, torch.zeros(500, 4, dtype=F64)], 1)       # constant features: singular covariance
    assert 0 <= E.frechet_distance(f, f.clone()) < 1e-8


def test_frechet_distance_warns_with_fewer_samples_than_dimensions():
    with pytest.warns(UserWarning, match="fewer|samples for"):
        E.frechet_distance(_gaussian(10, 32, 0), _gaussian(10, 32, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        E.frechet_distance(_gaussian(100, 8, 0), _gaussian(100, 8, 1))


class _Identity(nn.Module):
    """A 'feature extractor' for torchmetrics: the input rows are the features."""

    num_features = 16

    def forward(self, x):
        return x.double()


def test_frechet_distance_equals_torchmetrics_fid_with_the_same_features():
    fid_mod = pytest.importorskip("torchmetrics.image.fid")
    real, fake = _gaussian(2000, 16, 0), _gaussian(1500, 16, 1, shift=0.3, scale=1.2)
    fid = fid_mod.FrechetInceptionDistance(feature=_Identity(), normalize=False)
    fid.update(real, real=True)
    fid.update(fake, real=False)
    assert E.frechet_distance(real, fake) == pytest.approx(float(fid.compute()), rel=1e-5)


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance` will save")
def test_kernel_distance_equals_torchmetrics_kid_within_sampling_tolerance():
    kid_mod = pytest.importorskip("torchmetrics.image.kid")
    real, fake = _gaussian(1000, 16, 0), _gaussian(1000, 16, 1, shift=0.2)
    kid = kid_mod.KernelInceptionDistance(feature=_Identity(), subsets=50, subset_size=500, normalize=False)
    kid.update(real, real=True)
    kid.update(fake, real=False)
    torch.manual_seed(0)
    theirs_mean, theirs_std = (float(v) for v in kid.compute())
    ours_mean, ours_std = E.kernel_distance(real, fake, subsets=50, subset_size=500)
    assert abs(ours_mean - theirs_mean) < 3 * theirs_std / math.sqrt(50) + 1e-6
    # with the whole sets as one subset, both are the same deterministic unbiased MMD^2
    kid_all = kid_mod.KernelInceptionDistance(feature=_Identity(), subsets=1, subset_size=1000, normalize=False)
    kid_all.update(real, real=True)
    kid_all.update(fake, real=False)
    assert E.kernel_distance(real, fake, subsets=1, subset_size=1000)[0] == pytest.approx(
        float(kid_all.compute()[0]), rel=1e-6)


def test_kernel_distance_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    a, b = _gaussian(1000, 8, 0), _gaussian(1000, 8, 1)
    same, _ = E.kernel_distance(a, b, subsets=20, subset_size=500)
    shifted = [E.kernel_distance(a, b + s, subsets=20, subset_size=500)[0] for s in (0.25, 0.5, 1.0)]
    assert abs(same) < 0.01 and shifted[0] < shifted[1] < shifted[2] and shifted[0] > 5 * abs(same)


# ------------------------------------------------------------------------------------------ Inception Score
def test_inception_score_closed_forms():
    K = 10
    confident_balanced = torch.eye(K, dtype=F64).repeat(5, 1)
    assert E.inception_score(confident_balanced)[0] == pytest.approx(K)
    assert E.inception_score(torch.full((50, K), 1 / K, dtype=F64))[0] == pytest.approx(1.0)
    collapsed = torch.eye(K, dtype=F64)[[3] * 50]
    assert E.inception_score(collapsed)[0] == pytest.approx(1.0)
    # two classes, half the images sure of each, the other half uniform: exp(0.5 * log 2)
    p = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.5, 0.5]], dtype=F64)
    assert E.inception_score(p)[0] == pytest.approx(math.exp(0.5 * math.log(2)))


def test_inception_score_refuses_logits():
    with pytest.raises(ValueError, match="softmax"):
        E.inception_score(torch.randn(10, 3))


# ------------------------------------------------------------------------------------------ k-NN measures
def test_density_and_coverage_are_about_one_for_one_distribution():
    a, b = _gaussian(2000, 8, 0), _gaussian(2000, 8, 1)
    dc = E.density_coverage(a, b, k=5)
    assert 0.85 < dc["density"] < 1.15 and dc["coverage"] > 0.9
    pr = E.precision_recall(a, b, k=3)
    assert pr["precision"] > 0.6 and pr["recall"] > 0.6


def test_knn_measures_move_the_right_way():
    a, b = _gaussian(2000, 8, 0), _gaussian(2000, 8, 1)
    base_dc, base_pr = E.density_coverage(a, b), E.precision_recall(a, b)
    shifted = b + 2.0
    assert E.precision_recall(a, shifted)["precision"] < base_pr["precision"] - 0.3
    assert E.density_coverage(a, shifted)["density"] < base_dc["density"] - 0.5
    # a generator that covers only half of the real modes: high precision, low recall and coverage
    centers = torch.eye(8, dtype=F64) * 10
    real = centers[torch.arange(2000) % 8] + _gaussian(2000, 8, 2)
    half = centers[torch.arange(2000) % 4] + _gaussian(2000, 8, 3)
    pr, dc = E.precision_recall(real, half), E.density_coverage(real, half)
    assert pr["precision"] > 0.6 and pr["recall"] < 0.55 and dc["coverage"] < 0.55


def test_nearest_neighbours_find_copies():
    train = _gaussian(300, 20, 0)
    d, i = E.nearest_neighbours(train[[5, 17, 250]], train, k=2)
    assert i[:, 0].tolist() == [5, 17, 250] and torch.allclose(d[:, 0], torch.zeros(3, dtype=F64), atol=1e-6)
    assert (d[:, 1] > 1).all()
    images = torch.rand(10, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    assert E.nearest_neighbours(images[:3], images)[1][:, 0].tolist() == [0, 1, 2]


def test_two_sample_accuracy_is_chance_for_one_distribution_and_high_for_different_ones():
    a, b = _gaussian(2000, 16, 0), _gaussian(2000, 16, 1)
    assert 0.45 < E.two_sample_accuracy(a, b) < 0.55
    # two unit Gaussians whose means are Delta apart: the best classifier's accuracy is Phi(||Delta|| / 2)
    normal = torch.distributions.Normal(0.0, 1.0)
    for shift in (0.25, 0.5):
        best = normal.cdf(torch.tensor(shift * 4 / 2)).item()            # ||Delta|| = shift * sqrt(16)
        assert E.two_sample_accuracy(a, b + shift) == pytest.approx(best, abs=0.03)
    assert E.two_sample_accuracy(a, b * 0.5) < 0.6          # a variance difference is invisible to a linear test


# ------------------------------------------------------------------------------------------ Parzen
def test_parzen_estimate_approaches_the_true_density_as_samples_grow_and_bandwidth_shrinks():
    true = torch.distributions.Normal(torch.zeros(2, dtype=F64), torch.ones(2, dtype=F64))
    x = _gaussian(200, 2, 99)
    exact = true.log_prob(x).sum(1).mean().item()
    errors = []
    for n, sigma in ((100, 0.6), (2000, 0.3), (50_000, 0.12)):
        samples = _gaussian(n, 2, n)
        errors.append(abs(E.parzen_log_likelihood(samples, x, sigma).mean().item() - exact))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.03


def test_parzen_single_sample_is_a_gaussian_density():
    s = torch.tensor([[1.0, -2.0, 0.5]], dtype=F64)
    x = _gaussian(5, 3, 0)
    expected = torch.distributions.Normal(s[0], 0.7).log_prob(x).sum(1)
    assert torch.allclose(E.parzen_log_likelihood(s, x, 0.7), expected)


def test_parzen_bandwidth_picks_a_sensible_value():
    samples, valid = _gaussian(2000, 2, 0), _gaussian(500, 2, 1)
    sigma, scores = E.parzen_bandwidth(samples, valid)
    assert 0.1 < sigma < 0.7 and len(scores) == 20


# ------------------------------------------------------------------------------------------ IWAE
class _LinearGaussianModel(nn.Module):
    """A linear-Gaussian latent-variable model with a deliberately imperfect q (the posterior mean, a diagonal
    covariance, twice the posterior's marginal std), following log_likelihood's log_weights protocol."""

    def __init__(self, lg):
        super().__init__()
        self.lg = lg
        self.dummy = nn.Parameter(torch.zeros(()))

    def log_weights(self, x, y, k, *, generator=None, chunk_rows=2048):
        x = x.double()
        mu, cov = self.lg.posterior(x)
        std = 2 * cov.diagonal().sqrt().expand_as(mu)
        z = mu + std * torch.randn(k, *mu.shape, generator=generator, dtype=mu.dtype)
        log_q = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)
        log_joint = torch.stack([self.lg.log_joint(x, zi) for zi in z])
        return log_joint - log_q


def test_iwae_converges_to_the_exact_log_likelihood_of_a_linear_gaussian_model():
    g = torch.Generator().manual_seed(0)
    lg = LinearGaussian(torch.randn(5, 2, generator=g, dtype=F64), torch.zeros(5, dtype=F64), 0.5)
    x, _ = lg.sample(50, generator=g)
    exact = lg.log_marginal(x).mean().item()
    model = _LinearGaussianModel(lg)
    gaps = [exact - E.log_likelihood(model, x, k=k, generator=torch.Generator().manual_seed(1),
                                     progress=False).mean().item() for k in (1, 10, 1000)]
    assert gaps[0] > gaps[1] > gaps[2] > -0.01 and gaps[2] < 0.02


def test_bits_per_dim():
    assert E.bits_per_dim(-784 * math.log(2), 784) == pytest.approx(1.0)
    assert E.bits_per_dim(torch.tensor([100.0, 200.0]), 100).tolist() == pytest.approx(
        [1 / math.log(2), 2 / math.log(2)])


# ------------------------------------------------------------------------------------------ pictures
def test_feature_diversity_is_the_mean_distance_over_distinct_pairs():
    f = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])
    assert E.feature_diversity(f) == pytest.approx(4.0)          # pairs 5, 4, 3


def test_feature_diversity_averages_the_classes_and_is_zero_for_copies():
    f = torch.tensor([[0.0], [2.0], [5.0], [5.0]])
    assert E.feature_diversity(f, torch.tensor([0, 0, 1, 1])) == pytest.approx(1.0)   # (2 + 0) / 2
    assert E.feature_diversity(torch.ones(10, 3)) == 0.0


def test_feature_diversity_of_gaussians_matches_the_closed_form():
    # ||x - y|| for x, y ~ N(0, I_d) independent: sqrt(2) E chi_d = 2 Gamma((d+1)/2) / Gamma(d/2)
    d = 4
    expected = 2 * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))
    assert E.feature_diversity(_gaussian(3000, d, 0)) == pytest.approx(expected, rel=0.02)


def test_feature_based_measures_refuse_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        E.feature_diversity(torch.randn(3, 2), torch.tensor([0, 0, 1]))
    with pytest.raises(ValueError, match="NaN"):
        E.frechet_distance(torch.tensor([[0.0], [float("nan")]]), torch.randn(2, 1))
    with pytest.raises(ValueError, match=r"\(N, F\)"):
        E.precision_recall(torch.randn(5), torch.randn(5, 1))
    with pytest.raises(ValueError, match="same width"):
        E.density_coverage(torch.randn(10, 2), torch.randn(10, 3))
    with pytest.raises(ValueError, match="subset_size"):
        E.kernel_distance(torch.randn(10, 2), torch.randn(10, 2), subset_size=20)
    with pytest.raises(ValueError, match="k=5 needs more"):
        E.density_coverage(torch.randn(5, 2), torch.randn(5, 2), k=5)


def test_sharpness_of_a_dataset_is_told_to_take_its_images():
    from gencore.data import load_dataset
    data = load_dataset("sprites", "test", subset=8)
    with pytest.raises(TypeError, match=r"^images must be a tensor of examples, got a dataset \(ImageData\); pass "
                                        r"its images, e\.g\. data\.images\[:64\]"):
        E.sharpness(data)
    assert torch.equal(E.sharpness(data.images), E.sharpness(data.images.float() / 255))


def test_sharpness_is_lower_for_blurred_images():
    from gencore.data.augment import gaussian_blur
    x = (torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    assert (E.sharpness(gaussian_blur(x, 1.0)) < E.sharpness(x)).all()


def test_feature_diversity_names_one_hot_labels_by_their_shape():
    f, y = torch.randn(40, 3), torch.arange(40) % 10
    with pytest.raises(ValueError, match=r"^labels must be .*got \(40, 10\) .*one-hot labels.*labels\.argmax\(1\)"):
        E.feature_diversity(f, torch.nn.functional.one_hot(y, 10))
    assert E.feature_diversity(f, y.unsqueeze(1)) == E.feature_diversity(f, y)     # a column of labels: as before


def test_mode_metrics_of_the_snapshots_dict_or_of_the_gan_says_what_to_pass():
    from gencore.data import toy
    from gencore.gan import toy_gan

    centers, snaps = toy.ring_centers(8, 2.0), {0: torch.randn(50, 2), 100: torch.randn(50, 2)}
    with pytest.raises(TypeError, match=r"^samples must be points \(N, D\), got a dict; .*snaps\[step\]"):
        E.mode_metrics(snaps, centers, 0.02)
    with pytest.raises(TypeError, match=r"^samples must be points \(N, D\), got a GAN; .*gan\.sample\(1000\)"):
        E.mode_metrics(toy_gan(hidden=(8,)), centers, 0.02)


def test_log_likelihood_refuses_a_prior_for_a_model_that_takes_none():
    from gencore.draw import DRAW

    torch.manual_seed(0)
    draw = DRAW(T=2, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2)
    with pytest.raises(TypeError, match=r"^prior is for a VAE's aggregate prior .*DRAW takes none"):
        E.log_likelihood(draw, torch.rand(4, 1, 28, 28).round(), k=2, prior=object(), progress=False)
