"""The sprites cVAE study's class adversary (adversary.py): the confusion loss, which gradient reaches which
player, and the refusals."""
import math

import pytest
import torch
import torch.nn.functional as F
from adversary import AdversarialCVAE, confusion_loss

from gencore.cvae import ConditionalVAE

IMG = (1, 28, 28)


def binary(n, seed=0):
    return torch.bernoulli(torch.full((n, *IMG), 0.3), generator=torch.Generator().manual_seed(seed))


def small(d=3, n_classes=4, kind="mlp", **kw):
    torch.manual_seed(0)
    return ConditionalVAE(d, n_classes, kind=kind, hidden=(32,) if kind == "mlp" else (16,), **kw)


def adversarial(d=3, n_classes=4, kind="mlp", **kw):
    torch.manual_seed(0)
    return AdversarialCVAE(d, n_classes, kind=kind, hidden=(32,) if kind == "mlp" else (16,), **kw)


# ------------------------------------------------------------------------------------------ the class adversary
def test_confusion_loss_is_the_cross_entropy_to_the_uniform_distribution():
    logits = torch.tensor([[0.0, 0.0, 0.0], [100.0, -100.0, 0.0], [2.0, 1.0, -3.0]], dtype=torch.float64)
    K = logits.shape[1]
    expected = torch.stack([F.cross_entropy(logits, torch.full((3,), k), reduction="none") for k in range(K)]).mean()
    assert torch.allclose(confusion_loss(logits), expected) and torch.isfinite(confusion_loss(logits))
    assert confusion_loss(torch.zeros(4, K)).item() == pytest.approx(math.log(K))     # uniform: the minimum, log K
    assert confusion_loss(logits[1:]).item() > math.log(K)
    for bad, error in ((torch.tensor([[1, 2]]), TypeError), ([[0.0, 1.0]], TypeError), (torch.zeros(3), ValueError),
                       (torch.zeros(0, 3), ValueError)):
        with pytest.raises(error, match="confusion_loss needs"):
            confusion_loss(bad)


@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_the_adversary_learns_the_class_and_the_encoder_learns_to_confuse_it(kind):
    """With the same noise, loss(w) = loss(0) + w * [CE(a(mu), y) + CE(a(mu), uniform)]: the adversary's gradient is
    w * dCE(y) only, the encoder's d(loss(0)) + w * dCE(uniform) only, the decoder's unchanged."""
    w, x, y = 0.7, binary(9), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2])
    model = adversarial(4, 3, kind, adversary=w)
    torch.manual_seed(1)
    out = model.loss(x, y)
    assert out["loss"].item() > -out["elbo"].item() and 0 <= out["adv_acc"].item() <= 1
    names = [n for n, _ in model.named_parameters()]
    params, head = list(model.parameters()), model.class_adversary
    got = dict(zip(names, torch.autograd.grad(out["loss"], params)))

    model.class_adversary = None                                 # the same model without the term
    torch.manual_seed(1)
    plain = model.loss(x, y)
    model.class_adversary = head
    mu, _ = model.encode(x, y)
    learn, confuse = F.cross_entropy(head(mu), y), confusion_loss(head(mu))
    assert plain["loss"].item() + w * (learn + confuse).item() == pytest.approx(out["loss"].item(), rel=1e-6)

    def grads(loss):
        return {n: (g if g is not None else torch.zeros_like(p))
                for n, p, g in zip(names, params, torch.autograd.grad(loss, params, allow_unused=True,
                                                                      retain_graph=True))}
    base, d_learn, d_confuse = grads(plain["loss"]), grads(w * learn), grads(w * confuse)
    for n in names:
        if n.startswith("class_adversary"):
            assert torch.allclose(got[n], d_learn[n], atol=1e-6) and d_learn[n].abs().sum() > 0, n
        elif n.startswith("encoder"):
            assert torch.allclose(got[n], base[n] + d_confuse[n], atol=1e-5), n
        else:
            assert n.startswith("decoder") and torch.allclose(got[n], base[n], atol=1e-6), n
    assert any(d_confuse[n].abs().sum() > 0 for n in names if n.startswith("encoder"))
    assert any(d_learn[n].abs().sum() > 0 for n in names if n.startswith("encoder"))   # what must not reach it


def test_the_adversary_is_an_extra_head_and_a_positive_weight():
    plain, adv = small(3, 3), adversarial(3, 3, adversary=1)
    extra = {k for k in adv.state_dict() if k.startswith("class_adversary")}
    assert set(adv.state_dict()) - set(plain.state_dict()) == extra
    assert "adv_acc" in adv.loss(binary(4), [0, 1, 2, 0]) and "adv_acc" not in plain.loss(binary(4), [0, 1, 2, 0])
    for bad in (0, -1):
        with pytest.raises(ValueError, match="adversary must be"):
            adversarial(3, 3, adversary=bad)
