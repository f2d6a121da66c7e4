"""Notebook 07's check (the projection discriminator's logit): correct alternatives pass (indexing,
F.embedding, a one-hot matrix product, einsum, float64 inside, nn.functional.linear), and each catalogued
mistake fails with its own hint."""
import pytest
import torch
import torch.nn.functional as F
from check_helpers import fails, passes

from gencore import checks
from gencore.checks.cgan import ALL_CLASSES, COLUMNS, MISTAKES, SIGMOID


def notebook(h, w, b, embeddings, y):
    return h @ w.reshape(-1) + b.reshape(()) + (embeddings[y] * h).sum(1)


def with_embedding(h, w, b, embeddings, y):
    return F.linear(h, w.reshape(1, -1), b.reshape(1)).squeeze(1) + (F.embedding(y, embeddings) * h).sum(-1)


def with_one_hot(h, w, b, embeddings, y):
    e_y = F.one_hot(y, len(embeddings)).to(h.dtype) @ embeddings
    return (h * w.flatten()).sum(1) + b.sum() + (e_y * h).sum(1)


def with_einsum(h, w, b, embeddings, y):
    return torch.einsum("nf,f->n", h, w.view(-1)) + b.view(-1)[0] + torch.einsum("nf,nf->n", h, embeddings[y])


def float64_inside(h, w, b, embeddings, y):
    return notebook(h.double(), w.double(), b.double(), embeddings.double(), y).to(h.dtype)


def gather_all(h, w, b, embeddings, y):           # all classes, then pick each example's column
    return (h @ w.reshape(-1, 1)).squeeze(1) + b.reshape(()) + (h @ embeddings.T).gather(1, y[:, None]).squeeze(1)


@pytest.mark.parametrize("student", [notebook, with_embedding, with_one_hot, with_einsum, float64_inside, gather_all])
def test_accepts_correct_alternatives(student, capsys):
    passes(checks.cgan_projection, student, capsys)


def _uncond(h, w, b):
    return h @ w.reshape(-1) + b.reshape(())


@pytest.mark.parametrize("student,hint", [
    (lambda h, w, b, e, y: (e[y] * h).sum(1), "unconditional term w^T h + b is missing"),
    (lambda h, w, b, e, y: (h @ w.T).squeeze(1) + b, "class term e_y^T h is missing"),
    (lambda h, w, b, e, y: h @ w.reshape(-1) + (e[y] * h).sum(1), "bias b is missing"),
    (lambda h, w, b, e, y: _uncond(h, w, b)[:, None] + h @ e.T, ALL_CLASSES),
    (lambda h, w, b, e, y: _uncond(h, w, b) + (e[y[0]] * h).sum(1), "FIRST example's label"),
    (lambda h, w, b, e, y: _uncond(h, w, b) + (e[0] * h).sum(1), "class 0's embedding"),
    (lambda h, w, b, e, y: _uncond(h, w, b) + (e[:, y].T * h).sum(1), COLUMNS),
    (lambda h, w, b, e, y: _uncond(h, w, b) + (e[y] * h).sum(), "summed over the batch"),
    (lambda h, w, b, e, y: torch.sigmoid(_uncond(h, w, b) + (e[y] * h).sum(1)), SIGMOID),
    (lambda h, w, b, e, y: h @ w.T + b + (e[y] * h).sum(1, keepdim=True), "trailing dimension of 1"),
    (lambda h, w, b, e, y: _uncond(h, w, b) * (e[y] * h).sum(1), "the two terms ADD"),
], ids=["no-unconditional", "no-class-term", "no-bias", "all-classes", "first-label", "class-0", "columns",
        "batch-sum", "sigmoid", "keepdim", "product"])
def test_names_the_mistake(student, hint):
    fails(checks.cgan_projection, student, hint)


def test_catalogue_hints_are_distinct_and_each_reachable():
    assert len(MISTAKES) >= 6 and len(set(MISTAKES)) == len(MISTAKES)
    for hint, wrong in MISTAKES.items():
        fails(checks.cgan_projection, wrong, hint[:40])


def test_unimplemented_returns_gencores(capsys):
    def todo(h, w, b, embeddings, y):
        raise NotImplementedError()
    from gencore.gan import projection_logit
    assert checks.cgan_projection(todo) is projection_logit
    assert "not implemented yet" in capsys.readouterr().out


def test_in_place_and_exceptions_are_the_students():
    def in_place(h, w, b, embeddings, y):
        h.add_(1)
        return notebook(h, w, b, embeddings, y)

    def raises(h, w, b, embeddings, y):
        return h @ w + b + (embeddings[y] * h).sum(1)      # w (1, F): shapes cannot be multiplied
    fails(checks.cgan_projection, in_place, "changed its input `h` in place")
    fails(checks.cgan_projection, raises, "your function raised RuntimeError", "h = float32")


def test_float64_result_for_float32_inputs_is_named():
    fails(checks.cgan_projection, lambda h, w, b, e, y: notebook(h, w, b, e, y).double(), "dtype torch.float64")


def test_matches_the_trained_discriminator():
    from gencore.gan import image_gan
    torch.manual_seed(0)
    D = image_gan(n_classes=3, g_channels=(8, 4), d_channels=(4, 8)).discriminator.eval()
    x, y = torch.rand(5, 1, 28, 28), torch.tensor([2, 0, 1, 2, 1])
    with torch.no_grad():
        expected = D(x, y)
        got = notebook(D.net(x), D.out.weight, D.out.bias, D.embed.weight, y)
    torch.testing.assert_close(got, expected)
