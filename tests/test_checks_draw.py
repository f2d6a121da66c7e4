"""Notebook 05's checks on answers a student may plausibly write (beyond the catalogued mistakes): correct
alternatives are accepted (float64 inside, einsum, exp over the row's maximum, torch.distributions), and the
known bugs of public DRAW ports, 0-based indices, an unstable normalisation, a hard-coded channel count, a
mutated input and a float64 result are rejected with a message that says what is wrong."""
import math

import pytest
import torch
from check_helpers import fails, passes
from torch.distributions import Normal

from gencore import checks
from gencore.checks.draw import EPSILON_Z, EXPONENT_SQUARED, UNSTABLE, VARIANCE_SQUARED


# ---------------------------------------------------------------- the filterbank
def filter_notebook(g, delta, sigma2, N, size):
    i = torch.arange(1, N + 1, dtype=g.dtype)
    a = torch.arange(1, size + 1, dtype=g.dtype)
    mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]                      # (batch, N)
    exponent = -(a - mu[:, :, None]) ** 2 / (2 * sigma2[:, None, None])       # (batch, N, size)
    return torch.softmax(exponent, dim=-1)


def filter_row_max(g, delta, sigma2, N, size):
    """exp(e - max e) / sum: the same ratio, computed by hand."""
    i = torch.arange(N, dtype=g.dtype) + 1
    a = torch.arange(size, dtype=g.dtype) + 1
    mu = g.unsqueeze(-1) + (i - N / 2 - 0.5) * delta.unsqueeze(-1)
    e = -(a.view(1, 1, -1) - mu.unsqueeze(-1)).pow(2) / (2 * sigma2.view(-1, 1, 1))
    w = torch.exp(e - e.max(dim=-1, keepdim=True).values)
    return w / w.sum(dim=-1, keepdim=True)


def filter_distributions(g, delta, sigma2, N, size):
    """log N(a; mu_i, sigma2), normalised over a: the Gaussian's own constant cancels in the softmax."""
    i = torch.arange(1, N + 1, dtype=g.dtype)
    a = torch.arange(1, size + 1, dtype=g.dtype)
    mu = g[:, None] + (i - (N + 1) / 2) * delta[:, None]
    log_density = Normal(mu[..., None], sigma2.sqrt()[:, None, None]).log_prob(a)
    return log_density.log_softmax(-1).exp()


def filter_float64_inside(g, delta, sigma2, N, size):
    return filter_notebook(g.double(), delta.double(), sigma2.double(), N, size).to(g.dtype)


def filter_loop(g, delta, sigma2, N, size):
    rows = []
    for i in range(1, N + 1):
        mu = g + (i - N / 2 - 0.5) * delta
        a = torch.arange(1, size + 1, dtype=g.dtype)
        rows.append(torch.softmax(-(a[None] - mu[:, None]) ** 2 / (2 * sigma2[:, None]), dim=1))
    return torch.stack(rows, dim=1)


@pytest.mark.parametrize("student", [filter_notebook, filter_row_max, filter_distributions, filter_float64_inside,
                                     filter_loop],
                         ids=["notebook", "row-max", "Normal.log_prob", "float64-inside", "loop-over-i"])
def test_filters_accept_correct_alternatives(student, capsys):
    passes(checks.draw_filters, student, capsys)


def _port(exponent):
    """A filter with the given exponent(a - mu, sigma2), normalised stably."""
    def student(g, delta, sigma2, N, size):
        i = torch.arange(1, N + 1, dtype=g.dtype)
        a = torch.arange(1, size + 1, dtype=g.dtype)
        mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]
        return torch.softmax(exponent(a - mu[:, :, None], sigma2[:, None, None]), dim=-1)
    return student


@pytest.mark.parametrize("student,hint", [
    (_port(lambda d, s2: -d ** 2 / (2 * s2 ** 2)), VARIANCE_SQUARED),
    (_port(lambda d, s2: -d ** 2 / (2 * torch.square(s2))), VARIANCE_SQUARED),
    (_port(lambda d, s2: -torch.square(d / (2 * s2))), EXPONENT_SQUARED),
    (_port(lambda d, s2: -d ** 2 / (2 * s2.sqrt())), "its square root"),
    (_port(lambda d, s2: -d ** 2 / s2), "factor 2 is missing"),
    (_port(lambda d, s2: -(d - 1) ** 2 / (2 * s2)), "a = 0..size-1"),
], ids=["variance-squared", "torch.square-variance", "exponent-squared", "sigma", "no-2", "0-based-pixels"])
def test_filters_name_the_exponent_mistakes(student, hint):
    fails(checks.draw_filters, student, hint)


def test_filters_zero_based_grid_is_rejected():
    def student(g, delta, sigma2, N, size):
        i = torch.arange(N, dtype=g.dtype)                                    # 0..N-1
        a = torch.arange(1, size + 1, dtype=g.dtype)
        mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]
        return torch.softmax(-(a - mu[:, :, None]) ** 2 / (2 * sigma2[:, None, None]), dim=-1)
    fails(checks.draw_filters, student, "i = 0..N-1")


def test_filters_exp_over_sum_fails_at_tiny_variance_and_names_the_softmax():
    def student(g, delta, sigma2, N, size):
        i = torch.arange(1, N + 1, dtype=g.dtype)
        a = torch.arange(1, size + 1, dtype=g.dtype)
        mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]
        F = torch.exp(-(a - mu[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
        return F / F.sum(-1, keepdim=True)
    message = fails(checks.draw_filters, student, UNSTABLE)
    assert "softmax" in message


def test_filters_epsilon_in_the_normaliser_is_rejected():
    def student(g, delta, sigma2, N, size):
        i = torch.arange(1, N + 1, dtype=g.dtype)
        a = torch.arange(1, size + 1, dtype=g.dtype)
        mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]
        F = torch.exp(-(a - mu[:, :, None]) ** 2 / (2 * sigma2[:, None, None]))
        return F / torch.clamp(F.sum(-1, keepdim=True), min=1e-8)             # a public port's "fix"
    fails(checks.draw_filters, student, EPSILON_Z)


def test_filters_normalised_over_the_grid_points_is_rejected():
    def student(g, delta, sigma2, N, size):
        i = torch.arange(1, N + 1, dtype=g.dtype)
        a = torch.arange(1, size + 1, dtype=g.dtype)
        mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]
        return torch.softmax(-(a - mu[:, :, None]) ** 2 / (2 * sigma2[:, None, None]), dim=1)
    fails(checks.draw_filters, student, "wrong axis")


def test_filters_hard_coded_28_pixels_is_rejected():
    def student(g, delta, sigma2, N, size):
        return filter_notebook(g, delta, sigma2, N, 28)
    fails(checks.draw_filters, student, "has shape (1, 3, 28), expected (1, 3, 20)")


def test_filters_stray_squeeze_is_rejected_on_a_batch_of_one():
    fails(checks.draw_filters, lambda g, d, s, N, size: filter_notebook(g, d, s, N, size).squeeze(),
          "has shape (3, 20), expected (1, 3, 20)", ".squeeze()")


def test_filters_in_place_on_the_centre_is_refused():
    def student(g, delta, sigma2, N, size):
        g -= 1                                                                # 1-based -> 0-based, in place
        return filter_notebook(g + 1, delta, sigma2, N, size)
    fails(checks.draw_filters, student, "changed its input `g` in place")


def test_filters_float64_result_is_a_dtype_mistake():
    fails(checks.draw_filters, lambda g, d, s, N, size: filter_notebook(g.double(), d, s, N, size),
          "dtype torch.float64, expected torch.float32")


# ---------------------------------------------------------------- the read
def read_notebook(x, x_hat, F_X, F_Y, gamma):
    F_Y, F_Xt = F_Y[:, None], F_X.transpose(1, 2)[:, None]                   # one filter pair for every channel
    glimpses = torch.cat([F_Y @ x @ F_Xt, F_Y @ x_hat @ F_Xt], dim=1)         # (n, 2C, N, N)
    return gamma[:, None, None, None] * glimpses


def read_einsum(x, x_hat, F_X, F_Y, gamma):
    both = torch.cat([x, x_hat], dim=1)
    return torch.einsum("n,njb,ncba,nia->ncji", gamma, F_Y, both, F_X)


def read_float64_inside(x, x_hat, F_X, F_Y, gamma):
    return read_notebook(x.double(), x_hat.double(), F_X.double(), F_Y.double(), gamma.double()).to(x.dtype)


def read_per_channel(x, x_hat, F_X, F_Y, gamma):
    out = []
    for img in (x, x_hat):
        for c in range(x.shape[1]):
            out.append(torch.bmm(torch.bmm(F_Y, img[:, c]), F_X.transpose(1, 2)))
    return gamma.view(-1, 1, 1, 1) * torch.stack(out, dim=1)


@pytest.mark.parametrize("student", [read_notebook, read_einsum, read_float64_inside, read_per_channel],
                         ids=["notebook", "einsum", "float64-inside", "per-channel-bmm"])
def test_read_accepts_correct_alternatives(student, capsys):
    passes(checks.draw_read, student, capsys)


@pytest.mark.parametrize("student,hint", [
    (lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x, x_hat, F_X, F_Y, torch.ones_like(gamma)), "gamma is missing"),
    (lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x, x_hat, F_X, F_Y, 1 / gamma), "You divided by gamma"),
    (lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x, x, F_X, F_Y, gamma), "read x twice"),
    (lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x_hat, x, F_X, F_Y, gamma), "wrong order"),
    (lambda x, x_hat, F_X, F_Y, gamma: gamma[:, None, None, None] * (F_Y[:, None] @ x @ F_X.transpose(1, 2)[:, None]),
     "error image is missing"),
    (lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x, x_hat, F_Y, F_X, gamma), "Arguments swapped"),
    (lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x, x_hat, F_X, F_Y, gamma).transpose(2, 3), "transposed"),
], ids=["no-gamma", "1/gamma", "x-twice", "order", "no-x_hat", "F-swapped", "transposed"])
def test_read_names_the_mistake(student, hint):
    fails(checks.draw_read, student, hint)


def test_read_hard_coded_one_channel_is_rejected():
    def student(x, x_hat, F_X, F_Y, gamma):
        g_x = torch.bmm(torch.bmm(F_Y, x[:, 0]), F_X.transpose(1, 2))          # channel 0 only
        g_h = torch.bmm(torch.bmm(F_Y, x_hat[:, 0]), F_X.transpose(1, 2))
        return gamma.view(-1, 1, 1, 1) * torch.stack([g_x, g_h], dim=1)
    fails(checks.draw_read, student, "has shape (3, 2, 2, 2), expected (3, 6, 2, 2)")


def test_read_square_only_code_fails_on_a_non_square_image():
    def student(x, x_hat, F_X, F_Y, gamma):                                  # F_X on both sides
        glimpses = torch.cat([F_X[:, None] @ x @ F_X.transpose(1, 2)[:, None],
                              F_X[:, None] @ x_hat @ F_X.transpose(1, 2)[:, None]], 1)
        return gamma[:, None, None, None] * glimpses
    fails(checks.draw_read, student)


def test_read_in_place_on_the_error_image_is_refused():
    def student(x, x_hat, F_X, F_Y, gamma):
        x_hat.clamp_(min=0)                                                   # "only what is missing"
        return read_notebook(x, x_hat, F_X, F_Y, gamma)
    fails(checks.draw_read, student, "changed its input `x_hat` in place")


def test_read_float64_result_is_a_dtype_mistake():
    fails(checks.draw_read, lambda x, x_hat, F_X, F_Y, gamma: read_notebook(x, x_hat, F_X, F_Y, gamma.double()),
          "dtype torch.float64, expected torch.float32")


def test_every_check_here_has_six_or_more_mistakes_and_the_two_port_bugs():
    for check in (checks.draw_filters, checks.draw_read):
        assert len(check.mistakes) >= 6
    assert VARIANCE_SQUARED in checks.draw_filters.mistakes and EXPONENT_SQUARED in checks.draw_filters.mistakes


def test_the_references_are_the_models_filterbank_and_read():
    """What the checks return when the exercise is skipped is exactly what DRAW computes."""
    from gencore.draw import filterbank, read_attention
    gx, gy, log_s2, log_d = torch.tensor([0.2]), torch.tensor([-0.3]), torch.tensor([0.5]), torch.tensor([-0.4])
    F_X, F_Y = filterbank(gx, gy, log_s2, log_d, 5, 28, 28)
    delta = 27 / 4 * math.exp(-0.4)
    torch.testing.assert_close(checks.draw_filters.reference(torch.tensor([14.5 * 1.2]), torch.tensor([delta]),
                                                             torch.tensor([math.exp(0.5)]), 5, 28), F_X)
    x, x_hat = torch.rand(1, 1, 28, 28), torch.rand(1, 1, 28, 28)
    torch.testing.assert_close(checks.draw_read.reference(x, x_hat, F_X, F_Y, torch.tensor([2.0])).flatten(1),
                               read_attention(x, x_hat, F_X, F_Y, torch.tensor([2.0])))
