"""The aggregate prior p(z|y) = 1/K sum_k q(z|x_k, y): its density against torch.distributions, its sampler,
its use by model.sample and the IWAE evaluation, and its refusals."""
import math

import pytest
import torch
import torch.distributions as D

from gencore.aggregate_prior import AggregatePrior
from gencore.cvae import ConditionalVAE
from gencore.data import TensorData
from gencore.evaluation import log_likelihood
from gencore.vae import VAE

IMG = (1, 28, 28)


def g(seed=0):
    return torch.Generator().manual_seed(seed)


def labelled(n=60, n_classes=3, seed=0):
    x = torch.bernoulli(torch.full((n, *IMG), 0.3), generator=g(seed))
    return TensorData(x, torch.arange(n) % n_classes)


def cvae(d=3, n_classes=3):
    torch.manual_seed(0)
    return ConditionalVAE(d, n_classes, hidden=(32,))


def mixture(prior, c, dtype=torch.float32):
    comps = D.Independent(D.Normal(prior.mu[c].to(dtype), (0.5 * prior.logvar[c]).exp().to(dtype)), 1)
    return D.MixtureSameFamily(D.Categorical(logits=torch.zeros(prior.sizes[c], dtype=dtype)), comps)


def test_components_are_the_encoders_posteriors_at_exemplars_of_each_class():
    model, data = cvae(), labelled(61)
    prior = AggregatePrior(model, data, per_class=7, seed=3)
    assert prior.sizes == [7, 7, 7] and model.training          # the model's mode is given back
    for c in range(3):
        x = data.x[data.labels == c]
        mu, logvar = model.eval().encode(x, c)
        # every component is the posterior of one of the class's images, and no two share one
        match = torch.cdist(prior.mu[c], mu).argmin(1)
        assert torch.allclose(prior.mu[c], mu[match], atol=1e-5) and len(match.unique()) == 7
        assert torch.allclose(prior.logvar[c], logvar[match], atol=1e-5)
    assert AggregatePrior(model, data, per_class=1000).sizes == [21, 20, 20]    # fewer images than asked: all
    everything = AggregatePrior(model, data)                                     # the default: every image
    assert everything.sizes == [21, 20, 20]
    assert torch.allclose(everything.mu[1], model.encode(data.x[data.labels == 1], 1)[0], atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(1,), (97,), (5, 97)])
def test_log_prob_is_the_mixtures_density(dtype, shape):
    model = cvae(d=4)
    prior = AggregatePrior(model, labelled(90), per_class=30)
    z = 2 * torch.randn(*shape, 4, generator=g(1), dtype=dtype)
    y = torch.randint(3, shape[-1:], generator=g(2))
    z_before = z.clone()
    got = prior.log_prob(z, y, chunk=7)
    assert got.shape == shape and got.dtype == dtype
    want = torch.empty(shape, dtype=dtype)
    for c in y.unique().tolist():
        want[..., y == c] = mixture(prior, c, dtype).log_prob(z[..., y == c, :])
    assert torch.allclose(got, want, atol=1e-4 if dtype == torch.float32 else 1e-8)
    assert torch.equal(z, z_before)
    far = prior.log_prob(torch.full((2, 4), 1e3, dtype=dtype), [0, 1])      # far from every component: finite
    assert torch.isfinite(far).all() and (far < -1e4).all()


def test_samples_come_from_the_labels_own_class_and_follow_the_mixture():
    model = cvae(d=2)
    prior = AggregatePrior(model, labelled(90), per_class=30)
    for c in range(3):                      # move each class's components apart, to see where samples come from
        prior.mu[c] = prior.mu[c] + 100.0 * c
    y = torch.tensor([2, 0, 1] * 4000)
    z = prior.sample(y, generator=g(0))
    assert z.shape == (len(y), 2) and z.dtype == torch.float32
    assert ((z - 100.0 * y[:, None]).abs() < 50).all()
    for c in range(3):              # the mixture moments: E z = mean mu_k, Var z = mean (s_k^2 + mu_k^2) - (E z)^2
        zc = z[y == c].double()
        mean = prior.mu[c].double().mean(0)
        var = (prior.logvar[c].double().exp() + prior.mu[c].double() ** 2).mean(0) - mean ** 2
        assert torch.allclose(zc.mean(0), mean, atol=4 * (var / len(zc)).sqrt().max().item())
        assert torch.allclose(zc.var(0), var, rtol=0.1)
    assert torch.equal(prior.sample(y, generator=g(5)), prior.sample(y, generator=g(5)))


def test_model_sample_with_the_prior_decodes_the_priors_codes():
    model = cvae()
    prior = AggregatePrior(model, labelled(), per_class=10)
    labels = [0, 2, 2, 1, 0]
    z = prior.sample(labels, generator=g(4))
    model.eval()
    assert torch.allclose(model.sample(labels, generator=g(4), prior=prior), model.decode(z, labels), atol=1e-6)
    assert model.sample(97, prior=prior).shape == (97, *IMG)
    assert model.sample(7, generator=g(1), mean=False, prior=prior).unique().tolist() in ([0.0, 1.0], [0.0], [1.0])


def test_an_unconditional_vae_has_one_aggregate_prior_for_all_data():
    torch.manual_seed(0)
    model = VAE(2, hidden=(16,))
    data = labelled(40)
    prior = AggregatePrior(model, data, per_class=25)
    assert prior.sizes == [25] and prior.n_classes is None
    z = prior.sample(n=9, generator=g())
    assert z.shape == (9, 2)
    want = mixture(prior, 0).log_prob(z)
    assert torch.allclose(prior.log_prob(z), want, atol=1e-5)
    assert model.sample(9, prior=prior).shape == (9, *IMG)
    with pytest.raises(ValueError, match="unconditional"):
        prior.log_prob(z, [0] * 9)


def test_the_iwae_bound_with_the_prior_replaces_only_log_p_z():
    model = cvae(d=3).eval()
    data = labelled(30)
    prior = AggregatePrior(model, data, per_class=8)
    x, y = data.x[:13], data.labels[:13]
    k = 6
    plain = model.log_weights(x, y, k, generator=g(7), chunk_rows=20)
    mixed = model.log_weights(x, y, k, generator=g(7), chunk_rows=20, prior=prior)
    mu, logvar = model.encode(x, y)
    z = mu + (0.5 * logvar).exp() * torch.randn((k, 13, 3), generator=g(7))       # the same draws
    standard = D.Independent(D.Normal(torch.zeros(3), torch.ones(3)), 1).log_prob(z)
    assert torch.allclose(mixed - plain, prior.log_prob(z, y) - standard, atol=1e-4)
    ll = log_likelihood(model, TensorData(x, y), k=k, generator=g(7), progress=False, prior=prior)
    assert torch.allclose(ll, torch.logsumexp(mixed, 0) - math.log(k), atol=1e-5)


def test_refusals_say_what_is_wrong():
    model, data = cvae(), labelled()
    prior = AggregatePrior(model, data, per_class=5)
    other = cvae()
    with pytest.raises(ValueError, match="another model"):
        other.sample([0, 1], prior=prior)
    with pytest.raises(ValueError, match="another model"):
        log_likelihood(other, data, k=2, progress=False, prior=prior)
    with pytest.raises(TypeError, match="AggregatePrior"):
        model.sample([0, 1], prior="aggregate")
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        prior.sample([0, 3])
    with pytest.raises(ValueError, match=r"\(\.\.\., N, 3\)"):
        prior.log_prob(torch.zeros(4, 2), [0, 1, 2, 0])
    with pytest.raises(ValueError, match="no labels"):
        AggregatePrior(model, TensorData(data.x))
    with pytest.raises(ValueError, match="no example of class 2"):
        AggregatePrior(model, TensorData(data.x[:10], data.labels[:10] % 2))
    with pytest.raises(ValueError, match="per_class"):
        AggregatePrior(model, data, per_class=0)
    with pytest.raises(TypeError, match="VAE"):
        AggregatePrior(torch.nn.Linear(2, 2), data)
