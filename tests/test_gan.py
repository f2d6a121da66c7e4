"""The GAN: losses against hand-computed values, the optimal discriminator, which network each step changes,
conditioning, the NaN guard, the toy metrics, the cache."""
import math

import pytest
import torch

from gencore import gan as G
from gencore.cache import train_gan_cached
from gencore.data import TensorData, toy
from gencore.evaluation import entropy_of_counts, mode_metrics
from gencore.history import TrainingDiverged
from gencore.train import train_gan


def sig(l):
    return 1 / (1 + math.exp(-l))


# ------------------------------------------------------------------------------------------ losses
def test_losses_equal_the_formulas_on_hand_computed_values():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    d = -(sum(math.log(sig(r)) for r in real.tolist()) / 2 + sum(math.log(1 - sig(f)) for f in fake.tolist()) / 2)
    assert G.discriminator_loss(real, fake).item() == pytest.approx(d, rel=1e-6)
    assert G.value_function(real, fake).item() == pytest.approx(-d, rel=1e-6)
    mm = sum(math.log(1 - sig(f)) for f in fake.tolist()) / 2
    ns = -sum(math.log(sig(f)) for f in fake.tolist()) / 2
    assert G.generator_loss_minimax(fake).item() == pytest.approx(mm, rel=1e-6)
    assert G.generator_loss_nonsaturating(fake).item() == pytest.approx(ns, rel=1e-6)
    # D = 1/2 everywhere (logit 0): V = -log 4
    zero = torch.zeros(5)
    assert G.value_function(zero, zero).item() == pytest.approx(-math.log(4), rel=1e-6)


def test_losses_are_finite_with_correct_gradients_at_extreme_logits():
    for l in (-100.0, 100.0):
        for fn, args in ((G.discriminator_loss, 2), (G.generator_loss_minimax, 1), (G.generator_loss_nonsaturating, 1)):
            xs = [torch.tensor([l], requires_grad=True) for _ in range(args)]
            out = fn(*xs)
            out.backward()
            assert torch.isfinite(out) and all(torch.isfinite(x.grad).all() for x in xs)
    # the minimax loss saturates where D rejects the fakes (l -> -inf); the non-saturating one does not
    l = torch.tensor([-100.0], requires_grad=True)
    G.generator_loss_minimax(l).backward()
    assert abs(l.grad.item()) < 1e-30
    l.grad = None
    G.generator_loss_nonsaturating(l).backward()
    assert l.grad.item() == pytest.approx(-1.0)
    assert G.generator_loss_nonsaturating(torch.tensor([-100.0])).item() == pytest.approx(100.0)


def test_optimal_discriminator_formula():
    p, q = torch.tensor([1.0, 0.0, 3.0, 0.0]), torch.tensor([1.0, 2.0, 1.0, 0.0])
    assert torch.allclose(G.optimal_discriminator(p, q), torch.tensor([0.5, 0.0, 0.75, 0.5]))


@pytest.mark.slow
def test_trained_discriminator_matches_the_analytic_optimum_in_1d():
    torch.manual_seed(0)
    D = G.MLPDiscriminator(in_dim=1, hidden=(64, 64))
    opt = torch.optim.Adam(D.parameters(), lr=1e-3)
    normal = torch.distributions.Normal
    for _ in range(1500):
        real, fake = torch.randn(512, 1), 1.0 + 0.7 * torch.randn(512, 1)
        loss = G.discriminator_loss(D(real), D(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
    x = torch.linspace(-1.5, 2.5, 41)[:, None]
    d_star = G.optimal_discriminator(normal(0, 1).log_prob(x).exp(), normal(1, 0.7).log_prob(x).exp()).squeeze(1)
    with torch.no_grad():
        learned = torch.sigmoid(D(x))
    assert (learned - d_star).abs().max() < 0.08


def test_r1_penalty_is_the_squared_input_gradient():
    D = G.MLPDiscriminator(in_dim=2, hidden=(8,))
    x = torch.randn(7, 2)
    xr = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(D(xr).sum(), xr)
    assert G.r1_penalty(D, x).item() == pytest.approx(g.pow(2).sum(1).mean().item(), rel=1e-5)
    G.r1_penalty(D, x).backward()                         # differentiable in D's weights
    assert all(p.grad is not None for p in D.parameters() if p.dim() == 2)   # every weight matrix


# ------------------------------------------------------------------------------------------ steps
def _snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("make", [lambda: G.toy_gan(), lambda: G.image_gan(n_classes=3)])
def test_a_d_step_changes_only_d_and_a_g_step_only_g(make):
    torch.manual_seed(0)
    gan = make()
    cond = gan.n_classes > 0
    x = torch.rand(5, 1, 28, 28) if cond else torch.randn(5, 2)
    y = torch.tensor([0, 1, 2, 0, 1]) if cond else None
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=1e-2)
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=1e-2)
    rng = torch.Generator().manual_seed(0)
    g0, d0 = _snapshot(gan.generator), _snapshot(gan.discriminator)
    gan.generator.eval()                                   # batch norm statistics must not move either
    G.discriminator_step(gan, opt_d, x, y, rng)
    assert _same(_snapshot(gan.generator), g0) and not _same(_snapshot(gan.discriminator), d0)
    assert all(p.grad is None for p in gan.generator.parameters())     # fakes were detached
    d1 = _snapshot(gan.discriminator)
    G.generator_step(gan, opt_g, 5, y, rng)
    assert _same(_snapshot(gan.discriminator), d1) and not _same(_snapshot(gan.generator), g0)
    assert all(p.requires_grad for p in gan.discriminator.parameters())   # unfrozen afterwards


def test_auxiliary_classifier_loss_is_the_categorical_cross_entropy():
    torch.manual_seed(0)
    for n, k in ((1, 3), (97, 10)):
        logits, y = torch.randn(n, k) * 30, torch.randint(0, k, (n,))
        expected = -torch.distributions.Categorical(logits=logits.double()).log_prob(y).mean()
        assert G.auxiliary_classifier_loss(logits, y).item() == pytest.approx(expected.item(), rel=1e-5, abs=1e-5)
    assert torch.isfinite(G.auxiliary_classifier_loss(torch.tensor([[100.0, -100.0]]), torch.tensor([1])))
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        G.auxiliary_classifier_loss(torch.randn(4), torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="outside that range"):
        G.auxiliary_classifier_loss(torch.randn(2, 3), torch.tensor([0, 3]))


def test_the_auxiliary_classifier_head_learns_in_the_d_step_and_teaches_g_in_the_g_step():
    torch.manual_seed(0)
    gan = G.image_gan(n_classes=3, g_channels=(16, 8), d_channels=(8, 16), auxiliary=True)
    x, y = torch.rand(6, 1, 28, 28), torch.tensor([0, 1, 2, 0, 1, 2])
    logit, classes = gan.discriminator(x, y, classes=True)
    assert logit.shape == (6,) and classes.shape == (6, 3)
    assert torch.allclose(logit, gan.discriminator(x, y))
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=1e-2)
    rng = torch.Generator().manual_seed(0)
    head = gan.discriminator.classifier.weight.detach().clone()
    G.discriminator_step(gan, opt_d, x, y, rng)                   # aux = 0: the head gets no gradient
    assert torch.equal(gan.discriminator.classifier.weight, head)
    G.discriminator_step(gan, opt_d, x, y, rng, auxiliary=1.0)
    assert not torch.equal(gan.discriminator.classifier.weight, head)
    assert all(p.grad is None for p in gan.generator.parameters())
    # the G-step's class term: G's gradient differs with and without it, D stays as it was
    d0 = _snapshot(gan.discriminator)
    grads = []
    for aux in (0.0, 1.0):
        G.generator_step(gan, torch.optim.SGD(gan.generator.parameters(), lr=0.0), 6, y,
                         torch.Generator().manual_seed(1), auxiliary=aux)
        grads.append(gan.generator.project[0].weight.grad.clone())
    assert not torch.allclose(grads[0], grads[1])
    assert _same(_snapshot(gan.discriminator), d0)
    data = TensorData(torch.rand(32, 1, 28, 28), torch.randint(0, 3, (32,)))
    history, _ = train_gan(gan, data, steps=3, batch_size=8,
                             auxiliary=1.0, seed=0, progress=False)
    assert len(history["train/d_loss"]) == 3


def test_the_class_terms_are_reported_apart_so_that_minus_v_can_be_read_off():
    """With an auxiliary classifier D's loss is -V + aux * CE(real) and G's is its adversarial loss + aux * CE(fakes):
    the steps report the unweighted CEs, and the loss minus aux * CE is the loss without the head (same weights,
    same fakes)."""
    torch.manual_seed(0)
    gan = G.image_gan(n_classes=3, g_channels=(16, 8), d_channels=(8, 16), auxiliary=True)
    x, y = torch.rand(6, 1, 28, 28), torch.tensor([0, 1, 2, 0, 1, 2])
    state = {k: v.clone() for k, v in gan.state_dict().items()}
    out = {}
    for aux in (0.0, 2.5):
        gan.load_state_dict(state)
        opt = torch.optim.SGD(gan.discriminator.parameters(), lr=0.0)
        out[aux] = G.discriminator_step(gan, opt, x, y, torch.Generator().manual_seed(3), auxiliary=aux)
    assert "class_loss" not in out[0.0] and out[2.5]["class_loss"] > 0
    assert out[2.5]["loss"] - 2.5 * out[2.5]["class_loss"] == pytest.approx(out[0.0]["loss"].item(), abs=1e-5)
    with torch.no_grad():
        _, classes = gan.discriminator(x, y, classes=True)
    assert out[2.5]["class_loss"].item() == pytest.approx(G.auxiliary_classifier_loss(classes, y).item(), abs=1e-5)
    g = {}
    for aux in (0.0, 2.5):
        g[aux] = G.generator_step(gan, torch.optim.SGD(gan.generator.parameters(), lr=0.0), 6, y,
                                  torch.Generator().manual_seed(1), auxiliary=aux, terms=True)
    assert g[0.0][1] is None and g[2.5][1] > 0
    assert g[2.5][0] - 2.5 * g[2.5][1] == pytest.approx(g[0.0][0].item(), abs=1e-5)
    assert isinstance(G.generator_step(gan, torch.optim.SGD(gan.generator.parameters(), lr=0.0), 6, y,
                                       torch.Generator().manual_seed(1)), torch.Tensor)     # the default: the loss
    data = TensorData(torch.rand(32, 1, 28, 28), torch.randint(0, 3, (32,)))
    history, _ = train_gan(gan, data, steps=4, batch_size=8, log_every=2, auxiliary=2.5, seed=0, progress=False)
    assert len(history["train/d_class"]) == len(history["train/g_class"]) == 2
    assert all(math.isfinite(v) and v > 0 for v in history["train/d_class"] + history["train/g_class"])
    plain, _ = train_gan(G.image_gan(n_classes=3, g_channels=(16, 8), d_channels=(8, 16)), data, steps=2,
                         batch_size=8, seed=0, progress=False)
    assert "train/d_class" not in plain and "train/d_loss" in plain


def test_the_auxiliary_classifier_is_refused_where_it_cannot_work():
    with pytest.raises(ValueError, match="needs classes"):
        G.image_gan(auxiliary=True)
    gan = G.image_gan(n_classes=3, g_channels=(16, 8), d_channels=(8, 16))
    with pytest.raises(ValueError, match="has no auxiliary classifier"):
        gan.discriminator(torch.rand(2, 1, 28, 28), torch.tensor([0, 1]), classes=True)
    with pytest.raises(ValueError, match="discriminator has none"):
        train_gan(gan, TensorData(torch.rand(8, 1, 28, 28), torch.randint(0, 3, (8,))), steps=1, auxiliary=1.0,
                  progress=False)


def test_conditional_generator_depends_on_the_label_and_refuses_bad_labels():
    torch.manual_seed(0)
    for gan in (G.toy_gan(n_classes=4), G.image_gan(n_classes=10)):
        z = torch.randn(3, gan.noise_dim)
        a, b = gan.sample([0, 0, 0], z=z), gan.sample([1, 1, 1], z=z)
        assert not torch.allclose(a, b)
        with pytest.raises(ValueError, match="outside that range"):
            gan.sample([0, 1, gan.n_classes])
        with pytest.raises(ValueError, match="needs class labels"):
            gan.generator(z, None)
    with pytest.raises(ValueError, match="unconditional"):
        G.toy_gan().generator(torch.randn(2, 2), torch.tensor([0, 1]))


def test_image_gan_shapes_and_range_for_an_odd_batch():
    gan = G.image_gan()
    x = gan.sample(97)
    assert x.shape == (97, 1, 28, 28) and x.min() >= 0 and x.max() <= 1
    assert gan.discriminator(x).shape == (97,)
    assert G.image_gan(n_classes=10).sample(1).shape == (1, 1, 28, 28)


# ------------------------------------------------------------------------------------------ training
def test_train_gan_logs_both_players_and_takes_comparable_snapshots():
    torch.manual_seed(0)
    data = toy.ring(2000, std=0.02, generator=torch.Generator().manual_seed(0))
    gan = G.toy_gan()
    history, shots = train_gan(gan, data, steps=40, batch_size=64, snapshots=(0, 20, 40), n_snapshot=16,
                                 log_every=10, seed=1, progress=False)
    assert history["train/step"] == [10, 20, 30, 40]
    for k in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert len(history[f"train/{k}"]) == 4 and all(math.isfinite(v) for v in history[f"train/{k}"])
    assert all(0 <= v <= 1 for v in history["train/d_real"] + history["train/d_fake"])
    assert sorted(shots) == [0, 20, 40] and shots[0].shape == (16, 2)
    assert not torch.equal(shots[0], shots[40])
    # the same seed gives the same numbers; the snapshots use the same noise from run to run
    torch.manual_seed(0)
    again = G.toy_gan()
    h2, s2 = train_gan(again, data, steps=40, batch_size=64, snapshots=(0, 20, 40), n_snapshot=16, log_every=10,
                         seed=1, progress=False)
    assert h2["train/d_loss"] == history["train/d_loss"] and torch.equal(s2[40], shots[40])


def test_a_diverging_gan_stops_and_keeps_its_last_good_weights():
    torch.manual_seed(0)
    gan = G.toy_gan()
    calls, kept = {"n": 0}, {}

    def poison(module, inputs, output):
        calls["n"] += 1
        if calls["n"] == 7:                 # in the 4th D-step (2 calls per D-step, 1 per G-step)
            kept["d"], kept["g"] = _snapshot(gan.discriminator), _snapshot(gan.generator)
            return output * float("nan")
        return output

    gan.discriminator.register_forward_hook(poison)
    with pytest.raises(TrainingDiverged, match="discriminator diverged at step 3.*not applied"):
        train_gan(gan, torch.randn(500, 2), steps=10, batch_size=32, seed=0, progress=False)
    assert _same(_snapshot(gan.discriminator), kept["d"]) and _same(_snapshot(gan.generator), kept["g"])


def test_train_gan_validates_its_inputs():
    gan = G.toy_gan()
    with pytest.raises(ValueError, match="loss must be one of"):
        train_gan(gan, torch.randn(10, 2), steps=1, loss="wasserstein", progress=False)
    with pytest.raises(ValueError, match="no labels"):
        train_gan(G.toy_gan(n_classes=3), torch.randn(10, 2), steps=1, progress=False)
    with pytest.raises(ValueError, match="NaN|finite"):
        train_gan(gan, torch.tensor([[0.0, float("nan")]] * 4), steps=1, progress=False)


def test_train_gan_cached_trains_once_then_loads_with_its_snapshots(home, capsys):
    models = home.cache_dir
    data = toy.grid(1000, generator=torch.Generator().manual_seed(0))
    kw = dict(name="toy-gan", hyper=dict(net="mlp"), steps=20, snapshots=(0, 20), n_snapshot=8, batch_size=64,
              progress=False, verbose=False)
    gan, history, shots = train_gan_cached(lambda: G.toy_gan(), data, **kw)
    trained = list(models.glob("toy-gan-*.pt"))
    assert len(trained) == 1
    gan2, history2, shots2 = train_gan_cached(lambda: G.toy_gan(), data, **kw)
    assert history2["train/d_loss"] == history["train/d_loss"] and torch.equal(shots2[20], shots[20])
    assert all(torch.equal(a, b) for a, b in zip(gan.state_dict().values(), gan2.state_dict().values()))
    train_gan_cached(lambda: G.toy_gan(), data, **{**kw, "steps": 21, "snapshots": (0, 21)})
    assert len(list(models.glob("toy-gan-*.pt"))) == 2       # other steps: another model
    capsys.readouterr()
    train_gan_cached(lambda: G.toy_gan(), data, **{**kw, "verbose": True})
    assert "(trained 20 steps)" in capsys.readouterr().out    # a GAN counts steps, not logged entries


# ------------------------------------------------------------------------------------------ metrics
def test_mode_metrics_on_hand_made_sample_sets():
    centers = toy.ring_centers(8, 2.0)
    g = torch.Generator().manual_seed(0)
    everywhere = centers.repeat_interleave(100, 0) + 0.02 * torch.randn(800, 2, generator=g)
    m = mode_metrics(everywhere, centers, std=0.02)
    assert m["modes"] == 8 and m["high_quality"] > 0.98 and m["per_mode"].sum() > 780
    one = centers[3] + 0.02 * torch.randn(800, 2, generator=g)
    m = mode_metrics(one, centers, std=0.02)
    assert m["modes"] == 1 and m["per_mode"][3] > 780
    noise = 4 * torch.rand(800, 2, generator=g) - 2
    m = mode_metrics(noise, centers, std=0.02)
    assert m["modes"] == 0 and m["high_quality"] < 0.01
    few = everywhere[:605]                              # modes 0-5: 100 samples each, mode 6: 5 < 20, mode 7: none
    assert mode_metrics(few, centers, std=0.02, min_count=20)["modes"] == 6
    assert mode_metrics(few, centers, std=0.02, min_count=5)["modes"] == 7
    with pytest.raises(ValueError, match="dimensions"):
        mode_metrics(torch.zeros(3, 3), centers, std=0.02)


def test_entropy_of_counts():
    assert entropy_of_counts(torch.ones(10)) == pytest.approx(math.log(10))
    assert entropy_of_counts(torch.tensor([5, 0, 0])) == 0


def test_decay_lowers_both_learning_rates_linearly_to_zero():
    gan = G.toy_gan()
    history, _ = train_gan(gan, torch.randn(256, 2), steps=20, batch_size=32, lr=1e-3, log_every=5, decay=True,
                             seed=0, progress=False)
    assert history["train/lr"] == pytest.approx([7.5e-4, 5e-4, 2.5e-4, 0.0])
    history, _ = train_gan(gan, torch.randn(256, 2), steps=20, batch_size=32, lr=1e-3, log_every=5, seed=0,
                             progress=False)
    assert history["train/lr"] == pytest.approx([1e-3] * 4)


def test_projection_logit_is_the_unconditional_logit_plus_the_class_embedding_dotted_with_the_features():
    torch.manual_seed(0)
    h, w, b, E = torch.randn(97, 5), torch.randn(5), torch.randn(()), torch.randn(3, 5)
    y = torch.randint(0, 3, (97,))
    by_hand = torch.stack([h[i] @ w + b + E[y[i]] @ h[i] for i in range(97)])
    assert torch.allclose(G.projection_logit(h, w, b, E, y), by_hand, atol=1e-5)
    assert torch.allclose(G.projection_logit(h, w[None], b[None], E, y), by_hand, atol=1e-5)


def test_projection_logit_refuses_wrong_shapes_and_labels_with_one_sentence():
    h, w, b, E = torch.randn(4, 5), torch.randn(5), torch.randn(()), torch.randn(3, 5)
    y = torch.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"features, a floating-point tensor \(N, F\)"):
        G.projection_logit(h.flatten(), w, b, E, y)
    with pytest.raises(ValueError, match=r"one row of 5 numbers per class"):
        G.projection_logit(h, w, b, E.T, y)
    with pytest.raises(ValueError, match=r"w must hold 5 numbers"):
        G.projection_logit(h, w[:4], b, E, y)
    with pytest.raises(ValueError, match=r"label 3 at position 1 is outside"):
        G.projection_logit(h, w, b, E, torch.tensor([0, 3, 1, 1]))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        G.projection_logit(h, w, b, E, y[:3])


def test_losses_refuse_what_is_not_logits():
    with pytest.raises(TypeError, match="floating-point tensor of D's logits"):
        G.discriminator_loss(torch.tensor([1, 0]), torch.zeros(2))
    with pytest.raises(TypeError, match="fake_logits must be a tensor"):
        G.generator_loss_nonsaturating([0.1, 0.2])
    with pytest.raises(ValueError, match="fake_logits is empty"):
        G.generator_loss_minimax(torch.zeros(0))


def test_conditional_dc_discriminator_uses_the_projection():
    torch.manual_seed(0)
    D = G.DCDiscriminator(n_classes=4)
    x, y = torch.rand(7, 1, 28, 28), torch.tensor([0, 1, 2, 3, 0, 1, 2])
    h = D.net(x)
    expected = G.projection_logit(h, D.out.weight, D.out.bias, D.embed.weight, y)
    assert torch.allclose(D(x, y), expected, atol=1e-6)
    assert not torch.allclose(D(x, y), D(x, (y + 1) % 4))


def test_dc_discriminator_widths_are_checked_and_the_flat_layout_keeps_its_parameter_names():
    assert set(G.DCDiscriminator(channels=(8, 16)).state_dict()) == {
        "net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "out.weight", "out.bias"}   # cached models load
    third = G.DCDiscriminator(channels=(8, 16, 24)).net[4]
    assert isinstance(third, torch.nn.Conv2d) and third.kernel_size == (3, 3) and third.stride == (1, 1)
    for bad in ((8,), 16, "8,16"):
        with pytest.raises(ValueError, match="at least two widths"):
            G.DCDiscriminator(channels=bad)
    with pytest.raises(ValueError, match="channels"):
        G.DCDiscriminator(channels=(8, 0, 4))


def test_an_interrupted_cached_gan_resumes_from_its_progress_file_and_matches_an_uninterrupted_run(tmp_path, capsys):
    import gencore

    data = toy.ring(2000, 8, 2.0, 0.02, generator=torch.Generator().manual_seed(0))
    kw = dict(name="toy", hyper=dict(widths=[16, 16]), steps=40, batch_size=64, snapshots=[0, 20, 40], n_snapshot=16,
              progress=False, lr=1e-3)

    gencore.setup(seed=0, home=tmp_path / "a", threads=1, verbose=False)
    reference, ref_history, ref_shots = train_gan_cached(lambda: G.toy_gan(hidden=(16, 16)), data, **kw)

    gencore.setup(seed=0, home=tmp_path / "b", threads=1, verbose=False)
    calls = {"n": 0}

    def dying():
        gan = G.toy_gan(hidden=(16, 16))
        forward = gan.discriminator.forward

        def counted(x, y=None):
            calls["n"] += 1
            if calls["n"] > 2 * 22 + 1 * 22:      # per step: 2 D calls (real, fake) in the D-step, 1 in the G-step
                raise KeyboardInterrupt
            return forward(x, y)
        gan.discriminator.forward = counted
        return gan

    with pytest.raises(KeyboardInterrupt):
        train_gan_cached(dying, data, **kw)
    assert len(list((tmp_path / "b" / "models").glob("*.partial"))) == 1
    capsys.readouterr()
    resumed, history, shots = train_gan_cached(lambda: G.toy_gan(hidden=(16, 16)), data, **kw)
    assert "after step 20 of 40" in capsys.readouterr().out
    for a, b in zip(reference.state_dict().values(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6)
    assert history["train/step"] == ref_history["train/step"]
    assert torch.allclose(shots[40], ref_shots[40], atol=1e-6)
    assert not list((tmp_path / "b" / "models").glob("*.partial"))


def test_train_gan_refuses_a_progress_file_of_the_same_run_with_another_length_and_leaves_it_intact(tmp_path, capsys):
    from gencore import train as T

    data = toy.ring(512, 8, 2.0, 0.02, generator=torch.Generator().manual_seed(0))
    path = tmp_path / "gan.progress.pt"
    kw = dict(batch_size=64, seed=0, progress=False, resume=path, checkpoint_every=10, log_every=10)

    def interrupted(steps):
        gan = G.toy_gan(hidden=(8,))
        step = T.generator_step

        def dying(*a, **k):
            if k["step"] > 10:
                raise KeyboardInterrupt
            return step(*a, **k)
        T.generator_step = dying
        try:
            with pytest.raises(KeyboardInterrupt):
                train_gan(gan, data, steps=steps, **kw)
        finally:
            T.generator_step = step

    interrupted(30)
    saved = torch.load(path, weights_only=False)
    assert (saved["done"], saved["run"]["steps"]) == (10, 30)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"another configuration \(steps: 30 in the file, 20 now\)"):
        train_gan(G.toy_gan(hidden=(8,)), data, steps=20, **kw)
    assert path.read_bytes() == before                        # refused, not overwritten
    _, shots = train_gan(G.toy_gan(hidden=(8,)), data, steps=30, **kw)
    assert "after step 10 of 30" in capsys.readouterr().out     # the right length continues it
    interrupted(30)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"seed 0, not seed 1; pass seed=0"):            # another seed: refused
        train_gan(G.toy_gan(hidden=(8,)), data, steps=30, **{**kw, "seed": 1})
    assert path.read_bytes() == before
    capsys.readouterr()
    train_gan(G.toy_gan(hidden=(8,)), data, steps=30, **{**kw, "seed": None})            # no seed: the file's
    assert "Resuming GAN after step" in capsys.readouterr().out


@pytest.mark.parametrize("change, expected", [
    (dict(hidden=(16,)), "weights"),       # another architecture (G's and D's widths)
    (dict(lr=5e-3), "lr"),                 # another learning rate: the file's optimisers would carry the old one
    (dict(r1=1.0), "r1"),
])
def test_a_gan_progress_file_of_another_configuration_is_refused_before_anything_is_copied(tmp_path, change,
                                                                                            expected):
    from gencore import train as T

    data = toy.ring(512, 8, 2.0, 0.02, generator=torch.Generator().manual_seed(0))
    path = tmp_path / "gan.progress.pt"
    kw = dict(steps=30, batch_size=64, seed=0, progress=False, resume=path, checkpoint_every=10, log_every=10,
              lr=1e-3)
    step = T.generator_step

    def dying(*a, **k):
        if k["step"] > 10:
            raise KeyboardInterrupt
        return step(*a, **k)
    T.generator_step = dying
    try:
        with pytest.raises(KeyboardInterrupt):
            train_gan(G.toy_gan(hidden=(8,)), data, **kw)
    finally:
        T.generator_step = step
    before = path.read_bytes()
    torch.manual_seed(3)
    gan = G.toy_gan(hidden=change.get("hidden", (8,)))
    weights = {k: v.clone() for k, v in gan.state_dict().items()}
    with pytest.raises(ValueError, match=rf"another configuration \((model\.layers: .*; )?{expected}: "):
        train_gan(gan, data, **{**kw, **{k: v for k, v in change.items() if k != "hidden"}})
    assert all(torch.equal(weights[k], v) for k, v in gan.state_dict().items())       # nothing copied: no mix
    assert path.read_bytes() == before


def test_train_gan_cached_keeps_the_models_and_the_trainings_options_apart(home, capsys):
    """The same name in the model's hyper-parameters and in train_gan's options (auxiliary=True builds D's class
    head, auxiliary=1.0 weighs its loss) are two entries of the key, not a clash."""
    data = TensorData(torch.rand(64, 1, 28, 28), torch.arange(64) % 2)
    kw = dict(name="clash", hyper=dict(auxiliary=True, n_classes=2), steps=2, batch_size=16, progress=False)
    build = lambda: G.image_gan(n_classes=2, g_channels=(8, 4), d_channels=(4, 8), auxiliary=True)   # noqa: E731
    train_gan_cached(build, data, auxiliary=1.0, **kw)
    _, history, _ = train_gan_cached(build, data, auxiliary=1.0, **kw)
    assert "Loaded cached model clash-" in capsys.readouterr().out
    assert "train/d_class" in history and "train/g_class" in history     # the cached history keeps the class terms
    train_gan_cached(build, data, auxiliary=0.5, **kw)
    assert "Saved" in capsys.readouterr().out                    # another weight: another model


def test_optimal_discriminator_wants_both_densities_at_the_same_points():
    xs = torch.linspace(-4, 4, 201)
    p = torch.exp(-0.5 * xs ** 2)
    with pytest.raises(ValueError, match=r"^p_data \(201,\) and p_model \(201, 1\) must have the same shape"):
        G.optimal_discriminator(p, p.unsqueeze(1))                 # broadcasting would give a (201, 201) D*
    assert G.optimal_discriminator(p, torch.tensor(0.5)).shape == (201,)     # a constant density: one number


def test_a_step_with_the_other_players_optimiser_is_refused():
    """A hand-written loop that swaps the optimisers would step the wrong network and train nothing."""
    torch.manual_seed(0)
    gan = G.toy_gan(hidden=(8,))
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=1e-2)
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=1e-2)
    before = _snapshot(gan.discriminator)
    with pytest.raises(ValueError, match=r"^optimizer holds none of the discriminator's parameters \(it holds the "
                                         r"generator's\).*gan\.discriminator\.parameters\(\)"):
        G.discriminator_step(gan, opt_g, torch.randn(5, 2), None, None)
    assert _same(_snapshot(gan.discriminator), before)
    with pytest.raises(ValueError, match=r"^optimizer holds none of the generator's parameters \(it holds the "
                                         r"discriminator's\)"):
        G.generator_step(gan, opt_d, 5, None, None)
