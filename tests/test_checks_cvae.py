"""Notebook 04's checks on answers a student may plausibly write (beyond the catalogued mistakes): correct
alternatives are accepted (other one-hot constructions, loops, index grids, float64 inside), and plausible
wrong answers are rejected with a message that says what is wrong (a one-hot as wide as the batch's largest
label, a label index, a transposed or stacked grid, new codes, a hard-coded size, a stray .squeeze(), an
input changed in place, a float64 result)."""
import pytest
import torch
import torch.nn.functional as F
from check_helpers import fails, passes

from gencore import checks
from gencore.checks.cvae import CHANNELS, NUM_CLASSES, OWN_CODES, STACKED


# ---------------------------------------------------------------- [vec(x); onehot(y)]
def input_notebook(x, y, n_classes):
    return torch.cat([x.flatten(1), F.one_hot(y, n_classes).to(x.dtype)], dim=1)


def input_eye(x, y, n_classes):
    return torch.cat([x.reshape(len(x), -1), torch.eye(n_classes, dtype=x.dtype)[y]], dim=1)


def input_scatter(x, y, n_classes):
    onehot = torch.zeros(len(x), n_classes, dtype=x.dtype)
    onehot[torch.arange(len(x)), y] = 1
    return torch.cat((x.view(x.shape[0], -1), onehot), 1)


def input_compare(x, y, n_classes):
    return torch.hstack([x.flatten(start_dim=1), (y[:, None] == torch.arange(n_classes)).to(x.dtype)])


def input_promoted(x, y, n_classes):           # an int64 one-hot: torch.cat promotes it to x's dtype
    return torch.cat([x.flatten(1), F.one_hot(y, num_classes=n_classes)], dim=-1)


def input_float64_inside(x, y, n_classes):
    return input_notebook(x.double(), y, n_classes).to(x.dtype)


@pytest.mark.parametrize("student", [input_notebook, input_eye, input_scatter, input_compare, input_promoted,
                                     input_float64_inside],
                         ids=["notebook", "eye", "scatter", "comparison", "int-one-hot", "float64-inside"])
def test_input_accepts_correct_alternatives(student, capsys):
    passes(checks.cvae_input, student, capsys)


@pytest.mark.parametrize("student,hint", [
    (lambda x, y, k: torch.cat([x.flatten(1), F.one_hot(y).to(x.dtype)], 1), NUM_CLASSES),
    (lambda x, y, k: torch.cat([x.flatten(1), torch.eye(int(y.max()) + 1)[y]], 1), NUM_CLASSES),
    (lambda x, y, k: torch.cat([x.flatten(1), y.float().unsqueeze(1)], 1), "as one number (the class index)"),
    (lambda x, y, k: torch.cat([F.one_hot(y, k), x.flatten(1)], 1), "Order: the image comes first"),
    (lambda x, y, k: torch.cat([x, F.one_hot(y, k)[:, :, None, None].expand(-1, -1, *x.shape[2:])], 1).flatten(1),
     CHANNELS),
    (lambda x, y, k: x.flatten(1), "The label is missing"),
    (lambda x, y, k: F.one_hot(y, k).float(), "The input is missing"),
    (lambda x, y, k: torch.cat([x.flatten(1), F.one_hot(y[0], k).float().repeat(len(x), 1)], 1), "first label only"),
], ids=["one_hot-without-n", "eye-of-max", "index", "label-first", "planes", "no-label", "no-image", "first-label"])
def test_input_names_the_mistake(student, hint):
    fails(checks.cvae_input, student, hint)


def test_input_hard_coded_784_pixels_is_rejected():
    fails(checks.cvae_input, lambda x, y, k: torch.cat([x.view(-1, 784), F.one_hot(y, k)], 1),
          "your function raised RuntimeError", "(33, 16)")


def test_input_hard_coded_ten_classes_is_rejected():
    fails(checks.cvae_input, lambda x, y, k: input_notebook(x, y, 10), "has shape (33, 26), expected (33, 19)")


def test_input_stray_squeeze_is_rejected_on_a_batch_of_one():
    fails(checks.cvae_input, lambda x, y, k: torch.cat([x.squeeze().flatten(1), F.one_hot(y, k)], 1),
          "(1, 1, 28, 28)", ".squeeze()")


def test_input_clamping_in_place_is_refused():
    def student(x, y, n_classes):
        x.clamp_(0.1, 0.9)                               # "keep the pixels away from 0 and 1", on the caller's x
        return input_notebook(x, y, n_classes)
    fails(checks.cvae_input, student, "changed its input `x` in place")


def test_input_float64_result_is_a_dtype_mistake():
    fails(checks.cvae_input, lambda x, y, k: torch.cat([x.flatten(1).double(), F.one_hot(y, k)], 1),
          "dtype torch.float64, expected torch.float32")


# ---------------------------------------------------------------- the class grid
def grid_notebook(z, labels, decode):
    return decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z)))


def grid_loop(z, labels, decode):
    return torch.cat([decode(z, torch.full((len(z),), int(label))) for label in labels])


def grid_loop_one_label(z, labels, decode):        # decode(z, label) with one label for the whole batch
    return torch.stack([decode(z, label) for label in labels]).flatten(0, 1)


def grid_meshgrid(z, labels, decode):
    i, j = torch.meshgrid(torch.arange(len(labels)), torch.arange(len(z)), indexing="ij")
    return decode(z[j.reshape(-1)], labels[i.reshape(-1)])


def grid_expand(z, labels, decode):
    r, m = len(labels), len(z)
    return decode(z.unsqueeze(0).expand(r, m, -1).reshape(r * m, -1), labels.unsqueeze(1).expand(r, m).reshape(-1))


def grid_float64_inside(z, labels, decode):
    return grid_notebook(z.double(), labels, decode).to(z.dtype)


@pytest.mark.parametrize("student", [grid_notebook, grid_loop, grid_loop_one_label, grid_meshgrid, grid_expand,
                                     grid_float64_inside],
                         ids=["notebook", "loop", "loop-one-label", "meshgrid", "expand", "float64-inside"])
def test_grid_accepts_correct_alternatives(student, capsys):
    passes(checks.cvae_class_grid, student, capsys)


def grid_meshgrid_xy(z, labels, decode):
    i, j = torch.meshgrid(torch.arange(len(labels)), torch.arange(len(z)), indexing="xy")
    return decode(z[j.reshape(-1)], labels[i.reshape(-1)])


@pytest.mark.parametrize("student,hint", [
    (grid_meshgrid_xy, "Your grid is transposed"),
    (lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels.repeat(len(z))), "cycles the classes"),
    (lambda z, labels, decode: decode(torch.randn(len(labels) * len(z), z.shape[1]),
                                      labels.repeat_interleave(len(z))), OWN_CODES),
    (lambda z, labels, decode: torch.stack([decode(z, label) for label in labels]), STACKED),
    (lambda z, labels, decode: decode(z, labels), "as zip would"),
    (lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels[0]), "the first label's class"),
], ids=["meshgrid-xy", "repeat", "randn", "stacked", "zip", "first-label"])
def test_grid_names_the_mistake(student, hint):
    fails(checks.cvae_class_grid, student, hint)


def test_grid_hard_coded_ten_classes_is_rejected():
    fails(checks.cvae_class_grid, lambda z, labels, decode: grid_notebook(z, torch.arange(10), decode),
          "your function raised", "decode")


def test_grid_one_hot_labels_are_refused_by_the_decoder():
    def student(z, labels, decode):
        return decode(z.repeat(len(labels), 1), F.one_hot(labels.repeat_interleave(len(z))))
    fails(checks.cvae_class_grid, student, "your function raised ValueError", "one integer label per code")


def test_grid_truncating_the_codes_in_place_is_refused():
    def student(z, labels, decode):
        z.clamp_(-1.0, 1.0)                               # the "truncation trick", on the caller's codes
        return grid_notebook(z, labels, decode)
    fails(checks.cvae_class_grid, student, "changed its input `z` in place")


def test_grid_float64_result_is_a_dtype_mistake():
    fails(checks.cvae_class_grid, lambda z, labels, decode: grid_notebook(z.double(), labels, decode),
          "dtype torch.float64, expected torch.float32")


def test_every_check_here_has_six_or_more_mistakes():
    for check in (checks.cvae_input, checks.cvae_class_grid):
        assert len(check.mistakes) >= 6


# ---------------------------------------------------------------- the conditional negative ELBO
from gencore.checks.cvae import (  # noqa: E402
    COND_ELBO_MISTAKES,
    NO_LABEL_DECODER,
    NO_LABEL_ENCODER,
    conditional_vae_loss,
)


def _kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def elbo_notebook(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    z = mu + torch.exp(0.5 * logvar) * eps
    logits = decode(z, y)
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
    return rec + _kl(mu, logvar).sum() / len(x)


def elbo_per_example(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    logits = decode(mu + (0.5 * logvar).exp() * eps, y)
    rec = -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).flatten(1).sum(1)
    return (rec + _kl(mu, logvar)).mean()


def elbo_distributions(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    std = torch.exp(0.5 * logvar)
    q = torch.distributions.Normal(mu, std)
    z = mu + std * eps
    p_x = torch.distributions.Bernoulli(logits=decode(z, y))
    kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std)))
    return (-p_x.log_prob(x).flatten(1).sum(1) + kl.sum(1)).mean()


def elbo_float64_inside(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    logits = decode(mu + torch.exp(logvar / 2) * eps, y)
    rec = F.binary_cross_entropy_with_logits(logits.double(), x.double(), reduction="none").reshape(len(x), -1)
    return (rec.sum(1) + _kl(mu.double(), logvar.double())).mean().to(x.dtype)


@pytest.mark.parametrize("student", [elbo_notebook, elbo_per_example, elbo_distributions, elbo_float64_inside,
                                     conditional_vae_loss])
def test_conditional_elbo_accepts_correct_forms(student, capsys):
    passes(checks.cvae_negative_elbo, student, capsys)


@pytest.mark.parametrize("hint", list(COND_ELBO_MISTAKES))
def test_conditional_elbo_names_every_catalogued_mistake(hint):
    fails(checks.cvae_negative_elbo, COND_ELBO_MISTAKES[hint], hint[:60])


def elbo_decoder_without_label(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    logits = decode(mu + torch.exp(0.5 * logvar) * eps)
    return (F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1) + _kl(mu, logvar)).mean()


def elbo_encoder_without_label(x, y, encode, decode, eps):
    mu, logvar = encode(x)
    logits = decode(mu + torch.exp(0.5 * logvar) * eps, y)
    return (F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1) + _kl(mu, logvar)).mean()


def elbo_hard_coded_dims(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    logits = decode(mu + torch.exp(0.5 * logvar) * eps, y)
    return (F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3)) + _kl(mu, logvar)).mean()


def elbo_detached_sample(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    z = (mu + torch.exp(0.5 * logvar) * eps).detach()
    return (F.binary_cross_entropy_with_logits(decode(z, y), x, reduction="none").flatten(1).sum(1)
            + _kl(mu, logvar)).mean()


def elbo_sum_over_batch(x, y, encode, decode, eps):
    return elbo_notebook(x, y, encode, decode, eps) * len(x)


@pytest.mark.parametrize("student, words", [
    (elbo_decoder_without_label, [NO_LABEL_DECODER[:40]]),
    (elbo_encoder_without_label, [NO_LABEL_ENCODER[:40]]),
    (elbo_hard_coded_dims, ["shape (7, 12)"]),                 # the flat-data batch shows the hard-coded dims
    (elbo_detached_sample, ["does not reach the encoder", "detach"]),
    (elbo_sum_over_batch, ["batch"]),
])
def test_conditional_elbo_rejects_plausible_wrong_answers(student, words):
    fails(checks.cvae_negative_elbo, student, *words)


def test_conditional_elbo_skipped_exercise_falls_back_to_the_library(capsys):
    def stub(x, y, encode, decode, eps):
        raise NotImplementedError()
    assert checks.cvae_negative_elbo(stub) is conditional_vae_loss
    assert "not implemented yet" in capsys.readouterr().out
