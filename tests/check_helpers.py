"""What the per-notebook check tests share: a correct answer passes, a wrong one fails with words in its hint."""
import re

import pytest


def passes(check, student, capsys):
    """The check prints [ok] and hands the student's function back for later cells."""
    assert check(student) is student
    assert "[ok]" in capsys.readouterr().out


def _found(pattern: str, message: str) -> bool:
    if pattern in message:
        return True
    try:
        return re.search(pattern, message) is not None
    except re.error:
        return False


def fails(check, student, *patterns):
    """The check raises AssertionError whose message contains each pattern (a plain string or a regex)."""
    with pytest.raises(AssertionError) as err:
        check(student)
    message = str(err.value)
    for p in patterns:
        assert _found(p, message), f"{p!r} not in {message!r}"
    return message
