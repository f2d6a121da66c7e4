"""Tests for gencore.variational.

Monte Carlo checks use fixed seeds and tolerances derived from the standard error (SE) of the
estimate: |estimate - truth| < Z * SE with Z = 5 (a false alarm has probability < 1e-6 per
comparison, and the seeds are fixed anyway, so the tests are deterministic).
"""
import math

import pytest
import torch
from torch.distributions import Bernoulli, Independent, MultivariateNormal, Normal, kl_divergence

from gencore.variational import (
    LinearGaussian,
    active_units,
    bernoulli_log_likelihood,
    elbo,
    estimator_variance,
    gaussian_kl,
    gaussian_log_likelihood,
    iwae_bound,
    log_importance_weights,
    mc_kl,
    reparam_grad,
    reparameterize,
    score_function_grad,
)

Z = 5.0
DT = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def diag_normal(mu, logvar):
    return Independent(Normal(mu, (0.5 * logvar).exp()), 1)


def random_gaussian(batch, d, g):
    mu = torch.randn(batch, d, generator=g, dtype=DT)
    logvar = 1.5 * torch.randn(batch, d, generator=g, dtype=DT)
    return mu, logvar


# ------------------------------------------------------------------------------ gaussian_kl
@pytest.mark.parametrize("batch", [1, 97])
@pytest.mark.parametrize("d", [1, 2, 16, 64])
def test_gaussian_kl_matches_torch(batch, d):
    g = gen(batch * 100 + d)
    mu_q, lv_q = random_gaussian(batch, d, g)
    mu_p, lv_p = random_gaussian(batch, d, g)

    general = gaussian_kl(mu_q, lv_q, mu_p, lv_p)
    expected = kl_divergence(diag_normal(mu_q, lv_q), diag_normal(mu_p, lv_p))
    assert general.shape == (batch,)
    torch.testing.assert_close(general, expected, rtol=1e-12, atol=1e-10)

    standard = gaussian_kl(mu_q, lv_q)
    zeros = torch.zeros_like(mu_q)
    expected = kl_divergence(diag_normal(mu_q, lv_q), diag_normal(zeros, zeros))
    assert standard.shape == (batch,)
    torch.testing.assert_close(standard, expected, rtol=1e-12, atol=1e-10)
    # the explicit standard normal and partially given p agree with the default
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, zeros, zeros), standard, rtol=1e-12, atol=1e-10)
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, mu_p=mu_p),
                               gaussian_kl(mu_q, lv_q, mu_p, zeros), rtol=1e-12, atol=1e-10)
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, logvar_p=lv_p),
                               gaussian_kl(mu_q, lv_q, zeros, lv_p), rtol=1e-12, atol=1e-10)


def test_gaussian_kl_nonnegative_zero_iff_equal_and_asymmetric():
    g = gen(1)
    mu_q, lv_q = random_gaussian(500, 8, g)
    mu_p, lv_p = random_gaussian(500, 8, g)
    assert (gaussian_kl(mu_q, lv_q, mu_p, lv_p) > 0).all()
    assert (gaussian_kl(mu_q, lv_q) > 0).all()
    # q == p gives exactly 0 (standard normal and general p)
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, mu_q, lv_q), torch.zeros(500, dtype=DT),
                               rtol=0, atol=1e-12)
    zero = torch.zeros(3, 4, dtype=DT)
    torch.testing.assert_close(gaussian_kl(zero, zero), torch.zeros(3, dtype=DT), rtol=0, atol=0)
    # changing any single coordinate of the mean or the variance makes it strictly positive
    for j in range(8):
        for which in ("mu", "logvar"):
            mu_p2, lv_p2 = mu_q.clone(), lv_q.clone()
            (mu_p2 if which == "mu" else lv_p2)[:, j] += 0.1
            assert (gaussian_kl(mu_q, lv_q, mu_p2, lv_p2) > 1e-8).all()
    # asymmetry: KL(q||p) != KL(p||q)
    forward = gaussian_kl(mu_q, lv_q, mu_p, lv_p)
    backward = gaussian_kl(mu_p, lv_p, mu_q, lv_q)
    assert ((forward - backward).abs() > 1e-3).float().mean() > 0.9
    one = torch.tensor([[0.0]], dtype=DT)
    two = torch.tensor([[math.log(4.0)]], dtype=DT)
    # KL(N(0,1)||N(0,4)) = (log 4 + 1/4 - 1)/2,  KL(N(0,4)||N(0,1)) = (4 - 1 - log 4)/2
    torch.testing.assert_close(gaussian_kl(one, one, one, two),
                               torch.tensor([0.5 * (math.log(4) + 0.25 - 1)], dtype=DT))
    torch.testing.assert_close(gaussian_kl(one, two, one, one),
                               torch.tensor([0.5 * (4 - 1 - math.log(4))], dtype=DT))


# ------------------------------------------------------------------------------ mc_kl
def test_mc_kl_matches_closed_form_within_standard_error():
    g = gen(2)
    mu_q, lv_q = random_gaussian(4, 3, g)
    mu_p, lv_p = random_gaussian(4, 3, g)
    q, p = diag_normal(mu_q, lv_q), diag_normal(mu_p, lv_p)
    exact = gaussian_kl(mu_q, lv_q, mu_p, lv_p)
    n = 20000
    torch.manual_seed(0)
    z = q.sample((n,))
    se = (q.log_prob(z) - p.log_prob(z)).std(0) / math.sqrt(n)
    estimate = mc_kl(q, p, n_samples=n)
    assert estimate.shape == (4,)
    assert ((estimate - exact).abs() < Z * se).all(), (estimate, exact, se)
    # the estimate is not trivially exact: it has MC error
    assert (estimate - exact).abs().max() > 0


def test_mc_kl_is_differentiable_through_rsample():
    mu = torch.zeros(2, 3, dtype=DT, requires_grad=True)
    q = diag_normal(mu, torch.zeros(2, 3, dtype=DT))
    p = diag_normal(torch.ones(2, 3, dtype=DT), torch.zeros(2, 3, dtype=DT))
    torch.manual_seed(0)
    mc_kl(q, p, n_samples=5000).sum().backward()
    # d/dmu KL = mu - mu_p = -1, estimated without noise here because the score of q cancels
    torch.testing.assert_close(mu.grad, -torch.ones(2, 3, dtype=DT), rtol=0, atol=0.05)


# ------------------------------------------------------------------------------ reparameterize
def test_reparameterize_gradients():
    g = gen(3)
    mu = torch.randn(5, 4, generator=g, dtype=DT).requires_grad_(True)
    logvar = torch.randn(5, 4, generator=g, dtype=DT).requires_grad_(True)
    z = reparameterize(mu, logvar, generator=g)
    assert z.shape == (5, 4)
    z.sum().backward()
    # dz/dmu = 1 and dz/dlogvar = sigma * eps / 2 = (z - mu) / 2 (elementwise)
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))
    torch.testing.assert_close(logvar.grad, 0.5 * (z - mu).detach())
    assert logvar.grad.abs().min() > 0


def test_reparameterize_moments_and_reproducibility():
    mu = torch.tensor([1.0, -2.0, 0.5], dtype=DT)
    logvar = torch.tensor([0.0, 1.0, -2.0], dtype=DT)
    n = 200_000
    z = reparameterize(mu, logvar, generator=gen(4), n_samples=n)
    assert z.shape == (n, 3)
    var = logvar.exp()
    assert ((z.mean(0) - mu).abs() < Z * (var / n).sqrt()).all()
    assert ((z.var(0) - var).abs() < Z * var * math.sqrt(2.0 / (n - 1))).all()
    # same as expanding mu to a batch
    z_batch = reparameterize(mu.expand(n, 3), logvar.expand(n, 3), generator=gen(4))
    torch.testing.assert_close(z_batch, z, rtol=0, atol=0)
    # generator makes it reproducible; another seed gives other samples
    a = reparameterize(mu, logvar, generator=gen(5))
    b = reparameterize(mu, logvar, generator=gen(5))
    c = reparameterize(mu, logvar, generator=gen(6))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, c)


# ------------------------------------------------------------------------------ likelihoods
def test_bernoulli_log_likelihood_matches_torch():
    g = gen(7)
    logits = 3 * torch.randn(6, 1, 4, 5, generator=g, dtype=DT)
    x = (torch.rand(6, 1, 4, 5, generator=g, dtype=DT) < 0.5).to(DT)
    expected = Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)
    got = bernoulli_log_likelihood(logits, x)
    assert got.shape == (6,)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-10)
    # stable for extreme logits: confident and right -> ~0, confident and wrong -> ~ -100 per pixel
    big = torch.full((2, 3), 100.0, dtype=DT)
    ones = torch.ones(2, 3, dtype=DT)
    assert torch.isfinite(bernoulli_log_likelihood(big, ones)).all()
    torch.testing.assert_close(bernoulli_log_likelihood(big, ones), torch.zeros(2, dtype=DT),
                               rtol=0, atol=1e-30)
    torch.testing.assert_close(bernoulli_log_likelihood(-big, ones),
                               torch.full((2,), -300.0, dtype=DT))


@pytest.mark.parametrize("logvar_kind", ["default", "scalar", "per_dim", "full"])
def test_gaussian_log_likelihood_matches_torch(logvar_kind):
    g = gen(8)
    mean = torch.randn(7, 3, 4, generator=g, dtype=DT)
    x = torch.randn(7, 3, 4, generator=g, dtype=DT)
    logvar = {"default": torch.tensor(0.0, dtype=DT), "scalar": torch.tensor(-0.7, dtype=DT),
              "per_dim": torch.randn(4, generator=g, dtype=DT),
              "full": torch.randn(7, 3, 4, generator=g, dtype=DT)}[logvar_kind]
    expected = Normal(mean, (0.5 * logvar).exp()).log_prob(x).flatten(1).sum(1)
    if logvar_kind == "default":
        got = gaussian_log_likelihood(mean, x)
    elif logvar_kind == "scalar":
        got = gaussian_log_likelihood(mean, x, -0.7)  # a python float
    else:
        got = gaussian_log_likelihood(mean, x, logvar)
    assert got.shape == (7,)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-10)


def test_elbo_is_reconstruction_minus_kl():
    log_px = torch.tensor([-3.0, -10.0], dtype=DT)
    kl = torch.tensor([0.5, 2.0], dtype=DT)
    torch.testing.assert_close(elbo(log_px, kl), torch.tensor([-3.5, -12.0], dtype=DT))


# ------------------------------------------------------------------------------ iwae_bound
def test_iwae_bound_logsumexp():
    g = gen(9)
    log_p = torch.randn(50, 3, generator=g, dtype=DT)
    log_q = torch.randn(50, 3, generator=g, dtype=DT)
    naive = (log_p - log_q).exp().mean(0).log()
    got = iwae_bound(log_p, log_q)
    assert got.shape == (3,)
    torch.testing.assert_close(got, naive, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(log_importance_weights(log_p, log_q), log_p - log_q)
    # k = 1 is the single-sample ELBO; equal weights give that weight
    torch.testing.assert_close(iwae_bound(log_p[:1], log_q[:1]), (log_p - log_q)[0])
    torch.testing.assert_close(iwae_bound(torch.full((10, 2), -4.0, dtype=DT),
                                          torch.zeros(10, 2, dtype=DT)),
                               torch.full((2,), -4.0, dtype=DT))
    # stable where exp underflows: log weights around -5000 (naive log-mean-exp gives -inf)
    shifted = iwae_bound(log_p - 5000.0, log_q)
    assert torch.isfinite(shifted).all()
    torch.testing.assert_close(shifted, naive - 5000.0, rtol=1e-12, atol=1e-9)


# ------------------------------------------------------------------------------ LinearGaussian
@pytest.fixture
def model():
    g = gen(10)
    W = torch.randn(5, 2, generator=g, dtype=DT)
    b = torch.randn(5, generator=g, dtype=DT)
    return LinearGaussian(W, b, 0.7)


def test_linear_gaussian_log_joint_and_marginal(model):
    x, z = model.sample(64, generator=gen(11))
    assert x.shape == (64, 5) and z.shape == (64, 2)
    prior = Independent(Normal(torch.zeros(2, dtype=DT), torch.ones(2, dtype=DT)), 1)
    lik = Independent(Normal(z @ model.W.T + model.b, 0.7), 1)
    torch.testing.assert_close(model.log_joint(x, z), prior.log_prob(z) + lik.log_prob(x))
    cov = model.W @ model.W.T + 0.49 * torch.eye(5, dtype=DT)
    expected = MultivariateNormal(model.b, covariance_matrix=cov).log_prob(x)
    assert model.log_marginal(x).shape == (64,)
    torch.testing.assert_close(model.log_marginal(x), expected, rtol=1e-12, atol=1e-10)


def test_linear_gaussian_sample_moments(model):
    n = 50_000
    x, z = model.sample(n, generator=gen(12))
    C = model.marginal_covariance()
    se_mean = (C.diagonal() / n).sqrt()
    assert ((x.mean(0) - model.b).abs() < Z * se_mean).all()
    # SE of a sample covariance entry: sqrt((C_ii C_jj + C_ij^2) / n)
    se_cov = ((torch.outer(C.diagonal(), C.diagonal()) + C.pow(2)) / n).sqrt()
    assert ((torch.cov(x.T) - C).abs() < Z * se_cov).all()
    assert ((z.mean(0)).abs() < Z / math.sqrt(n)).all()


def test_linear_gaussian_posterior_by_gaussian_conditioning(model):
    x, _ = model.sample(10, generator=gen(13))
    mean, cov = model.posterior(x)
    assert mean.shape == (10, 2) and cov.shape == (2, 2)
    # condition the joint Gaussian of (z, x): E[z|x] = W^T C^-1 (x - b), Cov = I - W^T C^-1 W
    C = model.marginal_covariance()
    W = model.W
    torch.testing.assert_close(mean, torch.linalg.solve(C, (x - model.b).T).T @ W)
    torch.testing.assert_close(cov, torch.eye(2, dtype=DT) - W.T @ torch.linalg.solve(C, W))


def test_elbo_exact_equals_log_marginal_at_posterior(model):
    x, _ = model.sample(20, generator=gen(14))
    mean, cov = model.posterior(x)
    log_px = model.log_marginal(x)
    torch.testing.assert_close(model.elbo_exact(x, mean, cov_q=cov), log_px, rtol=0, atol=1e-8)
    # batched covariances work too
    torch.testing.assert_close(model.elbo_exact(x, mean, cov_q=cov.expand(20, 2, 2)), log_px,
                               rtol=0, atol=1e-8)
    # a diagonal q can be exact when the posterior is diagonal: W with orthogonal columns
    Q, _ = torch.linalg.qr(torch.randn(5, 2, generator=gen(15), dtype=DT))
    diag_model = LinearGaussian(Q * torch.tensor([2.0, 0.5], dtype=DT), model.b, 0.3)
    x2, _ = diag_model.sample(20, generator=gen(16))
    mean2, cov2 = diag_model.posterior(x2)
    torch.testing.assert_close(cov2, torch.diag(cov2.diagonal()), rtol=0, atol=1e-12)
    logvar2 = cov2.diagonal().log().expand(20, 2)
    torch.testing.assert_close(diag_model.elbo_exact(x2, mean2, logvar2),
                               diag_model.log_marginal(x2), rtol=0, atol=1e-8)
    # diagonal and full-covariance paths agree
    torch.testing.assert_close(diag_model.elbo_exact(x2, mean2, cov_q=torch.diag_embed(logvar2.exp())),
                               diag_model.elbo_exact(x2, mean2, logvar2))


def test_elbo_gap_is_kl_to_posterior(model):
    g = gen(17)
    x, _ = model.sample(30, generator=g)
    mean, cov = model.posterior(x)
    log_px = model.log_marginal(x)
    posterior = MultivariateNormal(mean, covariance_matrix=cov)
    for scale in (0.01, 0.3, 1.0):
        mu_q = mean + scale * torch.randn(30, 2, generator=g, dtype=DT)
        lv_q = cov.diagonal().log() + scale * torch.randn(30, 2, generator=g, dtype=DT)
        bound = model.elbo_exact(x, mu_q, lv_q)
        q = MultivariateNormal(mu_q, covariance_matrix=torch.diag_embed(lv_q.exp()))
        # log p(x) = ELBO(q) + KL(q || p(z|x))
        torch.testing.assert_close(bound + kl_divergence(q, posterior), log_px, rtol=0, atol=1e-8)
        assert (bound < log_px).all()


def test_monte_carlo_elbo_matches_exact(model):
    g = gen(18)
    x, _ = model.sample(8, generator=g)
    mean, cov = model.posterior(x)
    mu_q, lv_q = mean + 0.5, cov.diagonal().log().expand(8, 2) + 0.3
    n = 20_000
    z = reparameterize(mu_q, lv_q, generator=gen(19), n_samples=n)
    se = model.log_likelihood(x, z).std(0) / math.sqrt(n)
    mc = model.elbo(x, mu_q, lv_q, n_samples=n, generator=gen(20))
    exact = model.elbo_exact(x, mu_q, lv_q)
    assert mc.shape == (8,)
    assert ((mc - exact).abs() < Z * se).all()
    assert model.elbo(x, mu_q, lv_q).shape == (8,)


def _poor_q_setup(model, n, g):
    """x ~ p(x) and a deliberately poor diagonal q (shifted, too wide), so the gaps are visible."""
    m = LinearGaussian(model.W, model.b, 0.4)  # a sharper posterior than the fixture's
    x, _ = m.sample(n, generator=g)
    mean, cov = m.posterior(x)
    return m, x, mean + 0.3, cov.diagonal().log().expand(n, 2) + 0.5


def test_iwae_is_between_elbo_and_log_marginal_and_increases_with_k(model):
    g = gen(21)
    n = 400
    m, x, mu_q, lv_q = _poor_q_setup(model, n, g)
    log_px = m.log_marginal(x)
    elbo_gap = m.elbo_exact(x, mu_q, lv_q) - log_px
    # independent IWAE estimates per k; compare paired over the same x (the x-dependence cancels)
    gaps = {k: m.iwae(x, mu_q, lv_q, k, generator=g) - log_px for k in (1, 10, 100, 1000)}

    def mean_se(v):
        return v.mean(), v.std() / math.sqrt(n)

    assert all(v.shape == (n,) for v in gaps.values())
    # IWAE_1 is an unbiased estimate of the ELBO
    d, se = mean_se(gaps[1] - elbo_gap)
    assert d.abs() < Z * se
    # ELBO < IWAE_10 < IWAE_100, each step well beyond the MC noise
    d, se = mean_se(gaps[10] - elbo_gap)
    assert d > Z * se
    d, se = mean_se(gaps[100] - gaps[10])
    assert d > Z * se
    # IWAE_100 -> IWAE_1000 is below the noise of independent estimates here (about 0.03 nats),
    # so only check it does not decrease; the strict step is checked with shared samples below
    d, se = mean_se(gaps[1000] - gaps[100])
    assert d > -Z * se
    # IWAE_1000 <= log p(x), and it is already close to it
    d, se = mean_se(gaps[1000])
    assert d < Z * se
    assert d > -0.05


def test_iwae_increases_with_k_on_shared_samples(model):
    # one set of k=1000 samples; L_k for k = 1, 10, 100 averaged over the 1000/k disjoint blocks
    # (an unbiased estimate of E[L_k] for each k). By Jensen every step is an increase (the proof
    # of Burda et al.'s Theorem 1), and the caller can batch k=1000 through the pure iwae_bound.
    g = gen(34)
    n, k_max = 300, 1000
    m, x, mu_q, lv_q = _poor_q_setup(model, n, g)
    z = reparameterize(mu_q, lv_q, generator=g, n_samples=k_max)  # (1000, n, 2)
    log_p = m.log_joint(x, z)
    log_q = Independent(Normal(mu_q, (0.5 * lv_q).exp()), 1).log_prob(z)
    assert log_p.shape == log_q.shape == (k_max, n)
    bounds = {}
    for k in (1, 10, 100, 1000):
        # (k_max, n) -> (k, k_max/k * n): column j*n + b is block j of data point b
        def as_k(t, k=k):
            return t.reshape(k_max // k, k, n).transpose(0, 1).reshape(k, -1)

        bounds[k] = iwae_bound(as_k(log_p), as_k(log_q)).reshape(k_max // k, n).mean(0)
    torch.testing.assert_close(bounds[100][:3], torch.stack(
        [iwae_bound(log_p[i:i + 100, :3], log_q[i:i + 100, :3]) for i in range(0, k_max, 100)]).mean(0))
    # the model's iwae is the same computation
    g2 = gen(35)
    z2 = reparameterize(mu_q, lv_q, generator=g2, n_samples=17)
    expected = iwae_bound(m.log_joint(x, z2), Independent(Normal(mu_q, (0.5 * lv_q).exp()), 1).log_prob(z2))
    torch.testing.assert_close(m.iwae(x, mu_q, lv_q, 17, generator=gen(35)), expected)
    for small, large in ((1, 10), (10, 100), (100, 1000)):
        assert (bounds[large] >= bounds[small] - 1e-12).all()
        assert (bounds[large] - bounds[small]).mean() > 1e-3
    gap = bounds[1000] - m.log_marginal(x)
    assert gap.mean() < Z * gap.std() / math.sqrt(n)


def test_iwae_at_exact_posterior_is_log_marginal():
    # with q = p(z|x) every importance weight equals p(x): IWAE_k = log p(x) for every sample
    Q, _ = torch.linalg.qr(torch.randn(5, 2, generator=gen(22), dtype=DT))
    m = LinearGaussian(Q * torch.tensor([1.5, 0.8], dtype=DT), torch.zeros(5, dtype=DT), 0.5)
    x, _ = m.sample(6, generator=gen(23))
    mean, cov = m.posterior(x)
    lv = cov.diagonal().log().expand(6, 2)
    torch.testing.assert_close(m.iwae(x, mean, lv, 7, generator=gen(24)), m.log_marginal(x),
                               rtol=0, atol=1e-10)


# ------------------------------------------------------------------------------ gradient estimators
def f_square(z):
    return z.pow(2).sum(-1)


MU = torch.tensor([1.0, -0.5, 2.0], dtype=DT)
LOGVAR = torch.tensor([0.0, -1.0, 0.5], dtype=DT)
# d/dmu E[sum z^2] = 2 mu,  d/dlogvar E[sum z^2] = d/dlogvar sum exp(logvar) = exp(logvar)
TRUE_GRAD = torch.cat([2 * MU, LOGVAR.exp()])


@pytest.mark.parametrize("name", ["score", "score_mean_baseline", "reparam"])
def test_estimators_are_unbiased(name):
    est, kwargs = {"score": (score_function_grad, {}),
                   "score_mean_baseline": (score_function_grad, {"baseline": "mean"}),
                   "reparam": (reparam_grad, {})}[name]
    g = gen(25)
    repeats, n = 4000, 5  # few samples per estimate: a biased baseline (one using f(z_s) itself
    # in b_s) would be off by a factor (1 - 1/n) = 0.8 and fail this test
    grads = torch.stack([est(f_square, MU, LOGVAR, n, generator=g, **kwargs)
                         for _ in range(repeats)])
    assert grads.shape == (repeats, 6)
    se = grads.std(0) / math.sqrt(repeats)
    assert ((grads.mean(0) - TRUE_GRAD).abs() < Z * se).all(), ((grads.mean(0) - TRUE_GRAD) / se)


def test_score_function_matches_autograd_surrogate():
    # the analytic Gaussian score equals autograd of the surrogate mean((f(z) - b) * log q(z)), z detached
    mu = torch.randn(2, 3, generator=gen(26), dtype=DT)
    logvar = torch.randn(2, 3, generator=gen(27), dtype=DT)
    n = 16
    def f(z):  # z: (n, 2, 3) -> (n,)
        return z.pow(2).sum((-2, -1))

    got = score_function_grad(f, mu, logvar, n, baseline=1.5, generator=gen(28))
    assert got.shape == (12,)
    mu_, lv_ = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    z = reparameterize(mu, logvar, generator=gen(28), n_samples=n).detach()
    log_q = Normal(mu_, (0.5 * lv_).exp()).log_prob(z).sum((-2, -1))
    surrogate = ((f(z) - 1.5) * log_q).mean()
    g_mu, g_lv = torch.autograd.grad(surrogate, (mu_, lv_))
    torch.testing.assert_close(got, torch.cat([g_mu.flatten(), g_lv.flatten()]))
    # reparam_grad has the same layout and shapes for any parameter shape
    assert reparam_grad(f, mu, logvar, n, generator=gen(28)).shape == (12,)
    with pytest.raises(ValueError):
        score_function_grad(f_square, MU, LOGVAR, 1, baseline="mean")


def test_reparam_grad_is_exact_for_linear_f():
    # f(z) = a . z: the pathwise gradient w.r.t. mu is exactly a for every sample
    a = torch.tensor([1.0, -2.0, 3.0], dtype=DT)
    grad = reparam_grad(lambda z: z @ a, MU, LOGVAR, 3, generator=gen(29))
    torch.testing.assert_close(grad[:3], a)


def test_variance_ordering_and_one_over_n():
    g = gen(30)
    n, repeats = 100, 300
    var_sf = estimator_variance(score_function_grad, f_square, MU, LOGVAR, n, repeats, generator=g)
    var_sfb = estimator_variance(score_function_grad, f_square, MU, LOGVAR, n, repeats,
                                 generator=g, baseline="mean")
    var_rp = estimator_variance(reparam_grad, f_square, MU, LOGVAR, n, repeats, generator=g)
    assert var_sf.dim() == 0
    # score function > score function with the NVIL mean baseline > reparameterization
    assert var_sf > 1.5 * var_sfb
    assert var_sfb > 5 * var_rp
    # variance ~ 1/n: 10x the samples, ~1/10 the variance
    for est, kwargs in ((reparam_grad, {}), (score_function_grad, {})):
        v10 = estimator_variance(est, f_square, MU, LOGVAR, 20, repeats, generator=g, **kwargs)
        v100 = estimator_variance(est, f_square, MU, LOGVAR, 200, repeats, generator=g, **kwargs)
        assert 6 < v10 / v100 < 16, (est.__name__, (v10 / v100).item())


def test_estimator_variance_reduction():
    per_param = estimator_variance(reparam_grad, f_square, MU, LOGVAR, 10, 50, generator=gen(31),
                                   reduction="none")
    total = estimator_variance(reparam_grad, f_square, MU, LOGVAR, 10, 50, generator=gen(31))
    assert per_param.shape == (6,)
    torch.testing.assert_close(per_param.sum(), total)
    # the reparameterized d/dmu of sum z^2 is mean(2 z): variance 4 sigma^2 / n
    expected_mu_var = 4 * LOGVAR.exp() / 10
    per_param = estimator_variance(reparam_grad, f_square, MU, LOGVAR, 10, 2000, generator=gen(32),
                                   reduction="none")
    # relative SE of a sample variance of Gaussians: sqrt(2 / (R - 1))
    assert ((per_param[:3] / expected_mu_var - 1).abs() < Z * math.sqrt(2 / 1999)).all()
    with pytest.raises(ValueError):
        estimator_variance(reparam_grad, f_square, MU, LOGVAR, 10, 5, reduction="mean")


# ------------------------------------------------------------------------------ active units
def test_active_units():
    g = gen(33)
    n = 2000
    mu = torch.empty(n, 6, dtype=DT)
    mu[:, 0] = torch.randn(n, generator=g, dtype=DT)  # Var 1: active
    mu[:, 1] = 0.3 * torch.randn(n, generator=g, dtype=DT)  # Var 0.09: active
    mu[:, 2] = 0.5  # constant: the posterior ignores x -> collapsed
    mu[:, 3] = 0.01 * torch.randn(n, generator=g, dtype=DT)  # Var 1e-4: inactive
    mu[:, 4] = 3.0 + 0.2 * torch.randn(n, generator=g, dtype=DT)  # offset does not matter: active
    mu[:, 5] = -1.0  # collapsed
    count, variance = active_units(mu)
    assert isinstance(count, int) and count == 3
    assert variance.shape == (6,)
    torch.testing.assert_close(variance, mu.var(0))
    assert variance[2] == 0 and variance[5] == 0
    # the threshold is what decides
    assert active_units(mu, threshold=0.03)[0] == 3
    assert active_units(mu, threshold=0.05)[0] == 2
    assert active_units(mu, threshold=0.5)[0] == 1
    assert active_units(mu, threshold=1e-5)[0] == 4
    # one data point has no variance across data points: refused instead of NaN activities
    for rows in (1, 0):
        with pytest.raises(ValueError, match="need at least 2 examples.*shape \\(" + str(rows)):
            active_units(mu[:rows])
    assert active_units(mu[:2])[1].isfinite().all()


# ------------------------------------------------------------------------------ count arguments
def _lg():
    g = gen(40)
    return LinearGaussian(torch.randn(5, 2, generator=g, dtype=DT), torch.randn(5, generator=g, dtype=DT), 0.7)


X3 = torch.randn(3, 5, generator=gen(41), dtype=DT)
MU_Q = torch.randn(3, 2, generator=gen(42), dtype=DT)
LV_Q = 0.3 * torch.randn(3, 2, generator=gen(43), dtype=DT)
Q = diag_normal(MU_Q, LV_Q)
P = diag_normal(torch.zeros(3, 2, dtype=DT), torch.zeros(3, 2, dtype=DT))

# every public entry that takes a sample count: call(count, generator) -> tensor
COUNT_CALLS = {
    "mc_kl": ("n_samples", lambda n, g: (torch.manual_seed(0), mc_kl(Q, P, n_samples=n))[1]),
    "reparameterize": ("n_samples", lambda n, g: reparameterize(MU_Q, LV_Q, generator=g, n_samples=n)),
    "score_function_grad": ("n_samples", lambda n, g: score_function_grad(f_square, MU, LOGVAR, n, generator=g)),
    "reparam_grad": ("n_samples", lambda n, g: reparam_grad(f_square, MU, LOGVAR, n, generator=g)),
    "estimator_variance": ("n_samples", lambda n, g: estimator_variance(reparam_grad, f_square, MU, LOGVAR, n, 3,
                                                                        generator=g)),
    "estimator_variance(n_repeats)": ("n_repeats", lambda n, g: estimator_variance(
        reparam_grad, f_square, MU, LOGVAR, 4, n + 1 if n else n, generator=g)),
    "LinearGaussian.elbo": ("n_samples", lambda n, g: _lg().elbo(X3, MU_Q, LV_Q, n_samples=n, generator=g)),
    "LinearGaussian.iwae": ("k", lambda n, g: _lg().iwae(X3, MU_Q, LV_Q, k=n, generator=g)),
    "LinearGaussian.sample": ("n", lambda n, g: _lg().sample(n, generator=g)[0]),
}


@pytest.mark.parametrize("which", list(COUNT_CALLS))
def test_zero_counts_are_refused_naming_the_argument(which):
    arg, call = COUNT_CALLS[which]
    with pytest.raises(ValueError, match=f"^{arg} must be at least"):
        call(0, gen(44))
    with pytest.raises(TypeError, match=f"^{arg} must be a whole number"):
        call(2.5, gen(44))


@pytest.mark.parametrize("which", list(COUNT_CALLS))
def test_numpy_integer_counts_are_accepted(which):
    import numpy as np
    _, call = COUNT_CALLS[which]
    torch.testing.assert_close(call(np.int64(5), gen(45)), call(5, gen(45)), rtol=0, atol=0)


def test_estimator_variance_needs_two_repeats():
    with pytest.raises(ValueError, match="n_repeats must be at least 2"):
        estimator_variance(reparam_grad, f_square, MU, LOGVAR, 10, 1)


def test_iwae_bound_with_no_samples_is_refused():
    empty = torch.empty(0, 3, dtype=DT)
    with pytest.raises(ValueError, match="at least one importance sample.*shape \\(0, 3\\)"):
        iwae_bound(empty, empty)
    with pytest.raises(ValueError, match="k must be at least 1"):
        _lg().iwae(X3, MU_Q, LV_Q, k=0)


# ------------------------------------------------------------------------------ the VAE's evaluation counts
def _vae_and_data():
    from gencore.vae import VAE
    torch.manual_seed(0)
    model = VAE(2, hidden=(8,), in_shape=(1, 4, 4))
    x = torch.bernoulli(torch.full((5, 1, 4, 4), 0.3), generator=gen(46))
    return model, x


@pytest.mark.parametrize("arg", ["k", "batch_size", "chunk_rows"])
def test_vae_log_likelihood_counts(arg):
    import numpy as np

    from gencore.evaluation import log_likelihood
    model, x = _vae_and_data()
    with pytest.raises(ValueError, match=f"^{arg} must be at least 1"):
        log_likelihood(model, x, **{"k": 3, arg: 0}, progress=False)
    a = log_likelihood(model, x, **{"k": 3, arg: np.int64(2)}, generator=gen(47), progress=False)
    b = log_likelihood(model, x, **{"k": 3, arg: 2}, generator=gen(47), progress=False)
    assert a.shape == (5,) and torch.equal(a, b)


@pytest.mark.parametrize("arg", ["batch_size", "n_samples"])
def test_vae_dataset_elbo_counts(arg):
    import numpy as np

    from gencore.evaluation import dataset_elbo
    model, x = _vae_and_data()
    with pytest.raises(ValueError, match=f"^{arg} must be at least 1"):
        dataset_elbo(model, x, **{arg: 0})
    a = dataset_elbo(model, x, **{arg: np.int64(2)}, generator=gen(48))
    b = dataset_elbo(model, x, **{arg: 2}, generator=gen(48))
    assert a["elbo"].shape == (5,) and torch.equal(a["elbo"], b["elbo"])


def test_shape_mistakes_of_mc_kl_linear_gaussian_and_reparameterize():
    q = Normal(torch.tensor([1.0, -0.5]).expand(50, 2), torch.tensor([0.5, 1.5]))
    p = Independent(Normal(torch.tensor([0.0, 0.5]), torch.tensor([1.0, 0.8])), 1)
    with pytest.raises(ValueError, match=r"^q and p must be .*event_shape \(\).*wrap q in Independent\(q, 1\)"):
        mc_kl(q, p, n_samples=10)
    assert mc_kl(Independent(q, 1), p, n_samples=10).shape == (50,)
    with pytest.raises(TypeError, match=r"^q and p must be torch\.distributions"):
        mc_kl(q, torch.zeros(2))
    with pytest.raises(ValueError, match=r"^W must be \(D, d\) = \(5, 2\).*got \(2, 5\); pass W\.T"):
        LinearGaussian(torch.randn(2, 5, generator=gen(1)), torch.zeros(5), 0.3)
    with pytest.raises(ValueError, match=r"^b must have shape \(D,\) = \(5,\)"):     # W right, b of the latent size
        LinearGaussian(torch.randn(5, 2, generator=gen(1)), torch.zeros(2), 0.3)
    mu, logvar = torch.tensor([0.5, -0.5]), torch.tensor([0.0, -1.0])
    with pytest.raises(TypeError, match=r"^generator must be a torch\.Generator.*for 5 samples pass n_samples=5"):
        reparameterize(mu, logvar, 5)
