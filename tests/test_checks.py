"""Every exercise check accepts gencore's reference and rejects each catalogued mistake with its hint."""
import re

import pytest

from gencore import checks

CASES = [(name, hint) for name, check in checks.REGISTRY.items() for hint in check.mistakes]


def test_registry_has_checks_with_three_or_more_mistakes():
    assert len(checks.REGISTRY) >= 3
    for name, check in checks.REGISTRY.items():
        assert len(check.mistakes) >= 3, name


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_check_accepts_reference(name, capsys):
    check = checks.REGISTRY[name]
    check(check.reference)
    assert "[ok]" in capsys.readouterr().out


@pytest.mark.parametrize("name,hint", CASES)
def test_check_rejects_mistake_with_its_hint(name, hint):
    check = checks.REGISTRY[name]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        check(check.mistakes[hint])


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_not_implemented_is_reported_not_raised(name, capsys):
    def student(*args, **kwargs):
        raise NotImplementedError()

    checks.REGISTRY[name](student)
    assert "not implemented yet" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_hard_coded_batch_size_is_rejected(name):
    """A function that only works for one batch size (the first one the check tries) fails."""
    check = checks.REGISTRY[name]
    calls = []

    def first_shape_only(*args, **kwargs):
        shape = args[0].shape
        calls.append(shape)
        if shape != calls[0]:
            raise RuntimeError(f"shape mismatch: expected {tuple(calls[0])}")
        return check.reference(*args, **kwargs)

    with pytest.raises((AssertionError, RuntimeError)):
        check(first_shape_only)
