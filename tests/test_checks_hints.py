"""Issue 28's hints: a wrong answer that no check catalogues is diagnosed from its result (the usual
transformations of the expected result, of its shape, of one input or one term of the formula) and from how it
ran (the operation that made a NaN, functions the formula does not use), and the two misleading hints are gone:
a failure at a batch of one is blamed on .squeeze() only when there is one, a NaN from a square root is not told
to use logsumexp."""
import math

import pytest
import torch
import torch.nn.functional as F

from gencore import checks
from gencore.checks.diagnose import describe_difference, shape_difference


# ---------------------------------------------------------------- the two misleading hints
def test_a_batch_of_one_failure_without_squeeze_says_what_the_input_was_and_what_failed():
    def student(x, encoder, decoder):
        z = encoder(x)
        z = z + 0 * F.batch_norm(z, None, None, training=True)   # a batch statistic: needs more than one example
        return torch.sigmoid(decoder(z))
    with pytest.raises(AssertionError) as err:
        checks.autoencoder_forward(student)
    message = str(err.value)
    assert "Expected more than 1 value per channel" in message and "(1, 1, 28, 28)" in message
    assert "this input is a batch of one" in message and "squeeze" not in message


def test_a_batch_of_one_failure_with_squeeze_names_it():
    def student(x, y, n_classes):
        return torch.cat([x.squeeze().flatten(1), F.one_hot(y, n_classes).to(x.dtype)], 1)
    with pytest.raises(AssertionError, match=r"batch of one.*squeeze"):
        checks.cvae_input(student)


def test_a_nan_from_an_elementwise_square_root_is_not_told_to_use_logsumexp():
    def student(mu1, cov1, mu2, cov2):
        cross = torch.trace(torch.sqrt(cov1) @ torch.sqrt(cov2))             # NaN at negative covariances
        return ((mu1 - mu2) ** 2).sum() + torch.trace(cov1) + torch.trace(cov2) - 2 * cross
    with pytest.raises(AssertionError) as err:
        checks.frechet_gaussians(student)
    message = str(err.value)
    assert "torch.sqrt: the square root of a negative number" in message and "logsumexp" not in message


# ---------------------------------------------------------------- diagnosing the result
E = torch.tensor([[0.2, 0.8, 1.5], [2.0, 0.4, 0.7], [0.9, 1.1, 0.3]])


@pytest.mark.parametrize("got,words", [
    (E.T, "transpose"),
    (1 - E, "1 minus the expected result"),
    (1 / E, "reciprocal"),
    (E ** 2, "square of the expected"),
    (E.exp(), "exp of the expected"),
    (E.flip(0), "reverse order along dimension 0"),
    (E ** (1 / math.log(2)), "log2"),
    (E * 97, "the batch size 97"),
    (E - math.log(7), "log k"),
])
def test_the_usual_transformations_of_the_result_are_named(got, words):
    assert words in describe_difference(got, E, batch=97, sizes={"k": 7})


def test_rows_normalised_over_another_axis_or_not_at_all_are_named():
    rows = torch.softmax(torch.randn(4, 3, 6, generator=torch.Generator().manual_seed(0)), -1)
    assert "sum to 1 over dimension 0" in describe_difference(rows / rows.sum(0, keepdim=True), rows)
    assert "each row must sum to 1" in describe_difference(rows * 2.5 * torch.arange(1.0, 4.0)[None, :, None], rows)


def test_a_small_factor_near_one_is_not_named_a_size():
    assert "pixels" not in describe_difference(E * 0.9989, E, sizes={"pixels": 784})


@pytest.mark.parametrize("got,expected,words", [
    (torch.zeros(5, 3), torch.zeros(3, 5), "transposed"),
    (torch.arange(18.0).view(2, 9), torch.arange(18.0).view(2, 9).reshape(2, 3, 3), "flattened"),
    (torch.zeros(4, 1, 6), torch.zeros(4, 6), "extra dimension of size 1"),
    (torch.zeros(6, 6), torch.zeros(6), "(6, 6) matrix"),
    (torch.zeros(6, 2), torch.zeros(7, 2), "one element too few along dimension 0"),
    (torch.zeros(3), torch.zeros(3, 1), "squeeze"),
])
def test_the_usual_shape_mistakes_are_named(got, expected, words):
    assert words in shape_difference(got, expected)


def test_concatenating_along_the_wrong_dimension_is_named():
    expected = torch.arange(24.0).view(6, 4)
    assert "dimension 1 where dimension 0 belongs" in shape_difference(torch.cat(expected.split(3), 1), expected)


# ---------------------------------------------------------------- recomputing the reference
def test_an_input_transformation_is_named():
    def student(g, delta, sigma2, N, size):                          # sigma2 taken as a log-variance
        return checks.draw_filters.reference(g, delta, sigma2.exp(), N, size)
    with pytest.raises(AssertionError, match=r"exp\(sigma2\) in place of sigma2"):
        checks.draw_filters(student)


def test_a_term_of_the_formula_is_named():
    def student(x, y, h):                                             # K_yy forgotten
        k = lambda a, b: torch.exp(-torch.cdist(a, b) ** 2 / (2 * h ** 2)).mean()  # noqa: E731
        return k(x, x) - 2 * k(x, y)
    with pytest.raises(AssertionError, match="the term mean K_yy is missing"):
        checks.mmd(student)


def test_a_function_the_formula_does_not_use_is_pointed_out():
    def student(mu1, cov1, mu2, cov2):
        cross = torch.linalg.svdvals(cov1 @ cov2).sqrt().sum()
        return ((mu1 - mu2) ** 2).sum() + torch.trace(cov1) + torch.trace(cov2) - 2 * cross
    with pytest.raises(AssertionError, match="singular values"):
        checks.frechet_gaussians(student)


def test_a_coincidence_on_one_number_is_not_named():
    """A result of one number equal to a recomputed variant by chance must match again on other examples."""
    def student(real_logits, fake_logits):                            # a hinge loss: no variant of -V
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    with pytest.raises(AssertionError) as err:
        checks.gan_discriminator_loss(student)
    assert "equals the expected result computed with" not in str(err.value)
    assert "hinge" in str(err.value)
