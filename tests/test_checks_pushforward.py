"""Notebook 00's checks on answers a student may plausibly write (beyond the catalogued mistakes): correct
alternatives are accepted, and the blind spots of 2-D-only tests are closed (hard-coded dimensions, a stray
.squeeze() on a batch of one, NaN at extreme values, inputs changed in place, float64 results)."""
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import fails as rejected
from check_helpers import passes

from gencore import checks
from gencore.checks.pushforward import NAN_GRADIENT, NO_GRADIENT, RANDOM_NUMBERS


# ---------------------------------------------------------------- inverse CDF
@pytest.mark.parametrize("student", [
    lambda u, rate: -torch.log(1 - u) / rate,                                  # the solution notebook's
    lambda u, rate: -torch.log1p(-u) / rate,
    lambda u, rate: torch.distributions.Exponential(rate).icdf(u),
    lambda u, rate: torch.log(1 / (1 - u)) / rate,
    lambda u, rate: (-torch.log1p(-u.double()) / rate).to(u.dtype),            # float64 inside, cast back
    lambda u, rate: torch.stack([-torch.log(1 - v) / rate for v in u.flatten()]).view(u.shape),   # a loop
], ids=["solution", "log1p", "distributions-icdf", "log-of-reciprocal", "float64-inside", "loop"])
def test_icdf_accepts_correct_forms(student, capsys):
    passes(checks.inverse_cdf, student, capsys)


def test_icdf_rejects_a_stray_squeeze_on_one_element():
    rejected(checks.inverse_cdf, lambda u, rate: (-torch.log1p(-u) / rate).squeeze(),
             r"shape \(1,\)", r"has shape \(\)", "squeeze")


def test_icdf_rejects_code_for_1d_u_only():
    rejected(checks.inverse_cdf, lambda u, rate: (-torch.log1p(-u) / rate).flatten(),
             r"shape \(5, 3\)", r"has shape \(15,\)")
    rejected(checks.inverse_cdf, lambda u, rate: torch.tensor([-math.log(1 - v) / rate for v in u.tolist()]),
             "your function raised TypeError", r"shape \(5, 3\)")


def test_icdf_rejects_float32_inside_for_float64_u_close_to_1():
    # in float32, u = 1 - 1e-12 is 1 and -log(1 - u) is inf
    rejected(checks.inverse_cdf, lambda u, rate: (-torch.log(1 - u.float()) / rate).to(u.dtype),
             "float64 u up to 1 - 1e-12", "NaN or inf")


@pytest.mark.parametrize("eps", [1e-6, 1e-8])
def test_icdf_rejects_an_epsilon_next_to_1(eps):
    rejected(checks.inverse_cdf, lambda u, rate: -torch.log(1 - u + eps) / rate, "1 - 6e-8", "no epsilon")
    rejected(checks.inverse_cdf, lambda u, rate: -torch.log((1 - u).clamp_min(eps)) / rate, "1 - (6e-8|1e-12)")


def test_icdf_rejects_float64_result():
    rejected(checks.inverse_cdf, lambda u, rate: -torch.log1p(-u.double()) / rate, "dtype torch.float64")


def test_icdf_rejects_changing_u_in_place():
    def student(u, rate):
        u.neg_()
        return -torch.log1p(u) / rate
    rejected(checks.inverse_cdf, student, "changed its input `u` in place")


def test_icdf_rejects_own_random_numbers_even_seeded():
    def seeded_own(u, rate):
        torch.manual_seed(0)
        return -torch.log(1 - torch.rand_like(u)) / rate
    rejected(checks.inverse_cdf, seeded_own, re.escape(RANDOM_NUMBERS))
    rejected(checks.inverse_cdf, lambda u, rate: -torch.log(1 - torch.rand_like(u)) / rate,
             re.escape(RANDOM_NUMBERS))
    rejected(checks.inverse_cdf, lambda u, rate: -torch.log(1 - torch.from_numpy(
        np.random.rand(*u.shape).astype(np.float32))).to(u.dtype) / rate, re.escape(RANDOM_NUMBERS))


def test_icdf_nan_everywhere_is_not_called_random():
    message = rejected(checks.inverse_cdf, lambda u, rate: torch.log(u - 1) / rate, "NaN or inf")
    assert RANDOM_NUMBERS not in message


def test_icdf_non_tensor_results_are_hints():
    rejected(checks.inverse_cdf, lambda u, rate: -np.log(1 - u.numpy()) / rate, "should be a torch.Tensor")
    rejected(checks.inverse_cdf, lambda u, rate: None, "should be a torch.Tensor")


# ---------------------------------------------------------------- affine push-forward
@pytest.mark.parametrize("student", [
    lambda z, A, b: z @ A.T + b,                                               # the solution notebook's
    lambda z, A, b: torch.addmm(b, z, A.T),
    lambda z, A, b: torch.einsum("ij,nj->ni", A, z) + b,
    lambda z, A, b: F.linear(z, A, b),
    lambda z, A, b: (A @ z.T).T + b,
    lambda z, A, b: torch.matmul(A, z.unsqueeze(-1)).squeeze(-1) + b,
    lambda z, A, b: torch.stack([A @ z_i + b for z_i in z]),                   # a loop over rows
    lambda z, A, b: (z.double() @ A.double().T + b.double()).to(z.dtype),      # float64 inside, cast back
], ids=["solution", "addmm", "einsum", "F.linear", "transpose-twice", "batched-matvec", "loop", "float64-inside"])
def test_affine_accepts_correct_forms(student, capsys):
    passes(checks.affine_pushforward, student, capsys)


def test_affine_add_in_place_on_a_new_tensor_is_fine(capsys):
    def student(z, A, b):
        x = z @ A.T
        x += b                                  # x is the student's own tensor: allowed
        return x
    passes(checks.affine_pushforward, student, capsys)


def test_affine_rejects_hard_coded_two_dimensions():
    def two_d(z, A, b):
        return torch.stack([A[0, 0] * z[:, 0] + A[0, 1] * z[:, 1] + b[0],
                            A[1, 0] * z[:, 0] + A[1, 1] * z[:, 1] + b[1]], dim=1)
    rejected(checks.affine_pushforward, two_d, r"has shape \(3, 2\), expected \(3, 3\)", "hard-code")


def test_affine_rejects_a_stray_squeeze_on_a_batch_of_one():
    rejected(checks.affine_pushforward, lambda z, A, b: (z @ A.T + b).squeeze(),
             r"z of shape \(1, 5\)", r"has shape \(3,\), expected \(1, 3\)", "squeeze")


def test_affine_shape_errors_get_the_shapes_explained():
    # z @ A fails for non-square A: the student's error, plus what the shapes are
    message = rejected(checks.affine_pushforward, lambda z, A, b: z @ A.T[:, :2] + b,
                       "your function raised RuntimeError", r"z @ A\.T \+ b")
    assert "one sample per row" in message


def test_affine_rejects_transposing_A_in_place():
    rejected(checks.affine_pushforward, lambda z, A, b: z @ A.t_() + b, "changed its input `A` in place")


def test_affine_rejects_float64_result():
    rejected(checks.affine_pushforward, lambda z, A, b: z.double() @ A.double().T + b.double(),
             "dtype torch.float64")


def test_affine_float64_inputs_keep_float64():
    # a student who casts to float32 fails on the float64 case
    rejected(checks.affine_pushforward, lambda z, A, b: z.float() @ A.float().T + b.float(),
             r"\(float64\)", "dtype torch.float32, expected torch.float64")


# ---------------------------------------------------------------- MMD
def _solution(x, y, h):                                                       # the solution notebook's
    def k(a, b):
        return torch.exp(-torch.cdist(a, b) ** 2 / (2 * h ** 2)).mean()
    return k(x, x) + k(y, y) - 2 * k(x, y)


def _differences(x, y, h):
    def k(a, b):
        return torch.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * h * h)).mean()
    return k(x, x) + k(y, y) - 2 * k(x, y)


def _expanded(x, y, h):
    def k(a, b):
        d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
        return torch.exp(-d2.clamp_min(0) / (2 * h ** 2)).mean()
    return k(x, x) + k(y, y) - 2 * k(x, y)


def _quadratic_form(x, y, h):
    xy = torch.cat([x, y])
    K = torch.exp(-torch.cdist(xy, xy).pow(2) / (2 * h ** 2))
    w = torch.cat([torch.full((len(x),), 1 / len(x), dtype=x.dtype), torch.full((len(y),), -1 / len(y), dtype=x.dtype)])
    return w @ K @ w


def _loops(x, y, h):
    def k(a, b):
        total = 0
        for a_i in a:
            for b_j in b:
                total = total + torch.exp(-((a_i - b_j) ** 2).sum() / (2 * h ** 2))
        return total / (len(a) * len(b))
    return k(x, x) + k(y, y) - 2 * k(x, y)


@pytest.mark.parametrize("student", [
    _solution, _differences, _expanded, _quadratic_form, _loops,
    lambda x, y, h: _solution(x.double(), y.double(), h).to(x.dtype),          # float64 inside, cast back
    lambda x, y, h: _differences(x, y, h).reshape(1),                          # one number, shape (1,)
    lambda x, y, h: _solution(x, y.detach(), h),                               # the data needs no gradient
], ids=["solution", "differences", "expanded-square", "quadratic-form", "loops", "float64-inside", "shape-1",
        "detached-data"])
def test_mmd_accepts_correct_forms(student, capsys):
    passes(checks.mmd, student, capsys)


def test_mmd_rejects_hard_coded_two_dimensions():
    def two_d(x, y, h):
        def k(a, b):
            d2 = (a[:, None, 0] - b[None, :, 0]) ** 2 + (a[:, None, 1] - b[None, :, 1]) ** 2
            return torch.exp(-d2 / (2 * h ** 2)).mean()
        return k(x, x) + k(y, y) - 2 * k(x, y)
    rejected(checks.mmd, two_d, "first two coordinates")


def test_mmd_rejects_a_stray_squeeze_on_a_sample_of_one():
    rejected(checks.mmd, lambda x, y, h: _differences(x.squeeze(), y.squeeze(), h), "your function raised",
             r"x = float32 tensor of shape \(1, 3\)")


def test_mmd_rejects_unbiased_estimate():
    def unbiased(x, y, h):
        def k(a, b, same):
            K = torch.exp(-torch.cdist(a, b) ** 2 / (2 * h ** 2))
            n = len(a)
            return (K.sum() - K.diagonal().sum()) / (n * (n - 1)) if same else K.mean()
        return k(x, x, True) + k(y, y, True) - 2 * k(x, y, False)
    rejected(checks.mmd, unbiased, "unbiased estimate")


def _sqrt_then_square(x, y, h):
    def k(a, b):
        dist = ((a[:, None] - b[None]) ** 2).sum(-1).sqrt()             # sqrt'(0) = inf on the diagonal
        return torch.exp(-dist ** 2 / (2 * h ** 2)).mean()
    return k(x, x) + k(y, y) - 2 * k(x, y)


def _overflowing(x, y, h):
    def k(a, b):
        return (1 / torch.exp(torch.cdist(a, b) ** 2 / (2 * h ** 2))).mean()   # inf for far-apart points
    return k(x, x) + k(y, y) - 2 * k(x, y)


@pytest.mark.parametrize("student", [_sqrt_then_square, _overflowing], ids=["sqrt-at-zero", "one-over-exp"])
def test_mmd_rejects_nan_gradients(student):
    rejected(checks.mmd, student, re.escape(NAN_GRADIENT))


def test_mmd_one_over_exp_fails_on_the_far_apart_data():
    rejected(checks.mmd, _overflowing, "y far from x")


@pytest.mark.parametrize("student", [
    lambda x, y, h: _solution(x.detach(), y, h),
    lambda x, y, h: torch.tensor(_solution(x, y, h).item()),
    lambda x, y, h: _solution(x, y, h).detach(),
], ids=["detach-input", "item-in-tensor", "detach-result"])
def test_mmd_rejects_cut_gradients(student):
    # the value is right: only the missing gradient tells these apart
    rejected(checks.mmd, student, re.escape(NO_GRADIENT))


def test_mmd_rejects_a_python_float():
    rejected(checks.mmd, lambda x, y, h: _solution(x, y, h).item(), "should be a torch.Tensor")


def test_mmd_rejects_half_the_gradient():
    def half(x, y, h):
        def k(a, b):
            return torch.exp(-torch.cdist(a, b) ** 2 / (2 * h ** 2)).mean()
        return k(x, x.detach()) + k(y, y) - 2 * k(x, y)
    rejected(checks.mmd, half, "the gradient of your MMD")


def test_mmd_rejects_changing_the_data_in_place():
    def centred(x, y, h):
        y -= y.mean(0)
        return _solution(x - x.mean(0), y, h)
    rejected(checks.mmd, centred, "changed its input `y` in place")


def test_mmd_rejects_changing_x_in_place():
    def centred(x, y, h):
        x.data -= x.data.mean(0)
        return _solution(x, y, h)
    rejected(checks.mmd, centred, "changed its input `x` in place")


def test_mmd_rejects_float64_result():
    rejected(checks.mmd, lambda x, y, h: _solution(x.double(), y.double(), h), "dtype torch.float64")


def test_mmd_rejects_float32_result_for_float64_samples():
    rejected(checks.mmd, lambda x, y, h: _solution(x.float(), y.float(), h), r"\(float64\)",
             "dtype torch.float32, expected torch.float64")
