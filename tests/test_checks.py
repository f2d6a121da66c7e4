"""Every exercise check, as an autograder: it accepts gencore's reference, rejects each catalogued mistake with
its hint, and treats the student's code as untrusted (exceptions, wrong signatures, mutated inputs, wrong
dtypes are reported as the student's, never as a traceback inside gencore/checks)."""
import re
import traceback

import pytest
import torch
from torch import nn

from gencore import checks
from gencore.checks.core import describe_difference

NAMES = sorted(checks.REGISTRY)
CASES = [(name, hint) for name, check in checks.REGISTRY.items() for hint in check.mistakes]


def test_registry_holds_the_courses_23_checks_each_called_by_one_notebook_with_six_or_more_mistakes():
    import json
    from pathlib import Path

    assert len(checks.REGISTRY) == 23 and set(checks.__all__) >= set(checks.REGISTRY)
    for name, check in checks.REGISTRY.items():
        assert len(check.mistakes) >= 6, name
    solutions = Path(__file__).resolve().parents[1] / "solutions"
    calls = {name: [p.name for p in sorted(solutions.glob("*.ipynb"))
                    if f"checks.{name}(" in "".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"]
                                                     if c["cell_type"] == "code")]
             for name in checks.REGISTRY}
    assert {name: len(found) for name, found in calls.items() if len(found) != 1} == {}


@pytest.mark.parametrize("name", NAMES)
def test_check_accepts_reference_and_returns_it(name, capsys):
    check = checks.REGISTRY[name]
    assert check(check.reference) is check.reference
    assert "[ok]" in capsys.readouterr().out


@pytest.mark.parametrize("name,hint", CASES)
def test_check_rejects_mistake_with_its_hint(name, hint):
    check = checks.REGISTRY[name]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        check(check.mistakes[hint])


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_is_reported_and_gencores_function_returned(name, capsys):
    def student(*args, **kwargs):
        raise NotImplementedError()

    check = checks.REGISTRY[name]
    assert check(student) is check.reference
    assert "not implemented yet" in capsys.readouterr().out


def _no_gencore_frames(err: pytest.ExceptionInfo) -> None:
    """The error reaches the student as one AssertionError without a chained traceback from gencore/checks."""
    assert err.value.__cause__ is None and err.value.__suppress_context__
    text = "".join(traceback.format_exception_only(err.type, err.value))
    assert "Traceback" not in text
    shown = err.value._render_traceback_()                   # what IPython/Jupyter display: the hint alone
    assert len(shown) == 1 and "gencore/checks" not in shown[0] and str(err.value) in shown[0]


@pytest.mark.parametrize("name", NAMES)
def test_exception_in_student_code_names_input_and_line(name):
    check = checks.REGISTRY[name]
    calls = []

    def student(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("boom on the second input")    # the line the message must quote
        return check.reference(*args, **kwargs)

    with pytest.raises(AssertionError) as err:
        check(student)
    message = str(err.value)
    assert "your function raised ValueError: boom on the second input" in message
    assert "called with" in message and "shape" in message
    assert 'raise ValueError("boom on the second input")' in message
    _no_gencore_frames(err)


@pytest.mark.parametrize("name", NAMES)
def test_student_assert_is_reported_as_theirs(name):
    def student(*args, **kwargs):
        assert False, "my own sanity check"

    with pytest.raises(AssertionError, match="your own assert failed: my own sanity check"):
        checks.REGISTRY[name](student)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_signature_shows_expected_one(name):
    check = checks.REGISTRY[name]
    n_params = len([p for p in check.signature.split("(", 1)[1].rstrip(")").split(",") if p.strip()])
    wrong = (lambda only_one: only_one) if n_params != 1 else (lambda a, b: a)
    with pytest.raises(AssertionError, match=re.escape(check.signature)):
        check(wrong)


@pytest.mark.parametrize("name", [n for n in NAMES if len(set(checks.REGISTRY[n].signature.split("(", 1)[1]
                                                          .rstrip(")").replace(" ", "").split(","))) > 1])
def test_the_templates_parameters_in_another_order_are_named(name):
    """A student who kept the template's names but swapped them is told the order, not the crash it causes."""
    check = checks.REGISTRY[name]
    params = [p.strip().split("=")[0].strip() for p in check.signature.split("(", 1)[1].rstrip(")").split(",")]
    swapped = params[::-1]
    student = eval(f"lambda {', '.join(swapped)}: None")                                # noqa: S307
    with pytest.raises(AssertionError, match=rf"your parameters are \({', '.join(swapped)}\).*put them in that order"):
        check(student)


@pytest.mark.parametrize("name", NAMES)
def test_model_instead_of_function(name):
    with pytest.raises(AssertionError, match="you passed a model"):
        checks.REGISTRY[name](nn.Linear(2, 2))


@pytest.mark.parametrize("name", NAMES)
def test_mutating_an_input_is_refused(name):
    check = checks.REGISTRY[name]

    def student(*args, **kwargs):
        out = check.reference(*args, **kwargs)
        first = next(a for a in args if isinstance(a, torch.Tensor))
        with torch.no_grad():
            first.add_(1.0)                                   # overwrite the caller's tensor
        return out

    with pytest.raises(AssertionError, match="in place"):
        check(student)


@pytest.mark.parametrize("name", NAMES)
def test_float64_result_for_float32_inputs_is_a_dtype_mistake(name):
    check = checks.REGISTRY[name]

    def student(*args, **kwargs):
        out = check.reference(*args, **kwargs)
        return out.double() if out.dtype == torch.float32 else out

    with pytest.raises(AssertionError, match="dtype"):
        check(student)


@pytest.mark.parametrize("name", NAMES)
def test_hard_coded_batch_size_is_rejected(name):
    """A function that only works for the first input shape the check tries fails with the student's error."""
    check = checks.REGISTRY[name]
    calls = []

    def first_shape_only(*args, **kwargs):
        shape = args[0].shape
        calls.append(shape)
        if shape != calls[0]:
            raise RuntimeError(f"shape mismatch: expected {tuple(calls[0])}")
        return check.reference(*args, **kwargs)

    with pytest.raises(AssertionError, match="RuntimeError: shape mismatch"):
        check(first_shape_only)


@pytest.mark.parametrize("got,expected,words", [
    (-torch.arange(1.0, 5.0), torch.arange(1.0, 5.0), "negative"),
    (2 * torch.arange(1.0, 5.0), torch.arange(1.0, 5.0), "factor 2"),
    (97 * torch.arange(1.0, 5.0), torch.arange(1.0, 5.0), "batch size 97"),
    (torch.arange(1.0, 5.0) + 3, torch.arange(1.0, 5.0), "same constant 3"),
    (torch.tensor([1.0, 2.0, 30.0, 4.0]), torch.arange(1.0, 5.0), "1 of 4 values differ"),
])
def test_difference_is_described_in_words(got, expected, words):
    assert words in describe_difference(got, expected, batch=97)
