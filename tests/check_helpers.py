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


# ------------------------------------------------------------------------ uncatalogued answers, measured
# Wrong answers as students write them that no check catalogues, and correct alternatives (issue 28). Each wrong
# answer carries the words a hint that names its actual mistake contains (regular expressions, all of them must
# match, case-insensitive), matched against the check's message without the student's own code that it quotes.
import contextlib  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Callable  # noqa: E402


@dataclass(frozen=True)
class Wrong:
    check: str
    tag: str
    words: tuple
    fn: Callable

    @property
    def id(self) -> str:
        return f"{self.check}: {self.tag}"


@dataclass(frozen=True)
class Right:
    check: str
    tag: str
    fn: Callable

    @property
    def id(self) -> str:
        return f"{self.check}: {self.tag}"


class Catalogue:
    """``cat.wrong(check, tag, words, fn)`` and ``cat.right(check, tag, fn)``; either also works as a decorator."""

    def __init__(self):
        self.wrongs: list[Wrong] = []
        self.rights: list[Right] = []

    def wrong(self, check: str, tag: str, words, fn: Callable | None = None):
        words = (words,) if isinstance(words, str) else tuple(words)
        if fn is None:
            return lambda f: self.wrong(check, tag, words, f) or f
        self.wrongs.append(Wrong(check, tag, words, fn))

    def right(self, check: str, tag: str, fn: Callable | None = None):
        if fn is None:
            return lambda f: self.right(check, tag, f) or f
        self.rights.append(Right(check, tag, fn))


@dataclass(frozen=True)
class Outcome:
    accepted: bool       # the check returned the student's function
    rejected: bool       # it raised AssertionError (a hint)
    crashed: bool        # anything else: an internal error escaped, or the check could not read a tensor result
    message: str

    def names(self, words) -> bool:
        text = _without_student_code(self.message)
        return self.rejected and all(re.search(w, text, re.IGNORECASE) for w in words)


_QUOTED_CODE = re.compile(r"It happened at [^:`]*(: `[^`]*`)?\.?")


def _without_student_code(message: str) -> str:
    """The hint without the line of the student's code it quotes (that line is theirs, not a diagnosis)."""
    return _QUOTED_CODE.sub("", message)


@functools.lru_cache(maxsize=None)
def outcome(case) -> Outcome:
    from gencore import checks
    check = checks.REGISTRY[case.check]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            returned = check(case.fn)
    except AssertionError as e:
        message = str(e)
        internal = "your function's result could not be used" in message
        return Outcome(False, not internal, internal, message)
    except Exception as e:                                          # noqa: BLE001 - that is the crash we count
        return Outcome(False, False, True, f"{type(e).__name__}: {e}")
    return Outcome(returned is case.fn, False, False, out.getvalue().strip())


def assert_rejected_without_crash(case: Wrong) -> None:
    result = outcome(case)
    assert not result.crashed, f"the check crashed: {result.message}"
    assert result.rejected, f"accepted: {result.message}"


def assert_accepted(case: Right) -> None:
    result = outcome(case)
    assert result.accepted, result.message


def measure(wrongs, rights, out=print) -> dict:
    """Print, per exercise and in total: wrong answers rejected, hints that name the mistake, crashes, correct
    alternatives accepted. Returns the totals."""
    names = sorted({c.check for c in (*wrongs, *rights)})
    rows, total = [], dict(wrong=0, rejected=0, named=0, crashed=0, right=0, accepted=0)
    for name in names:
        w = [c for c in wrongs if c.check == name]
        r = [c for c in rights if c.check == name]
        res = [outcome(c) for c in w]
        row = dict(wrong=len(w), rejected=sum(o.rejected for o in res),
                   named=sum(o.names(c.words) for o, c in zip(res, w)), crashed=sum(o.crashed for o in res),
                   right=len(r), accepted=sum(outcome(c).accepted for c in r))
        rows.append((name, row))
        for k in total:
            total[k] += row[k]

    def pct(a, b):
        return f"{100 * a / b:5.1f}%" if b else "   - "

    out(f"{'exercise':26s} {'wrong':>5s} {'rejected':>9s} {'named':>7s} {'crashes':>7s} {'correct accepted':>16s}")
    for name, row in (*rows, ("TOTAL", total)):
        out(f"{name:26s} {row['wrong']:5d} {pct(row['rejected'], row['wrong']):>9s} "
            f"{pct(row['named'], row['wrong']):>7s} {row['crashed']:7d} {row['accepted']:>9d} / {row['right']}")
    return total


def report_unnamed(wrongs, out=print) -> None:
    """Each wrong answer whose hint does not name its mistake (or that is accepted), with the message it got."""
    for c in wrongs:
        o = outcome(c)
        if not o.names(c.words):
            state = "ACCEPTED" if not o.rejected else ("CRASH" if o.crashed else "unnamed")
            out(f"[{state}] {c.id}\n    wanted {c.words}\n    got: {o.message[:400]}")
