"""The notebooks' text holds no measured number (issue 25).

A number that comes from training or sampling (an accuracy, a likelihood, a distance, a share of modes, a time)
changes from run to run, so the markdown of a solution notebook must not state it: a code cell prints it from a
variable, and the text refers to it ("the printed accuracy"). This test scans every solution notebook's markdown
for numbers that look measured (percentages, decimals, numbers with a unit such as nats, bits or seconds, and
"n of m" counts) and fails unless each is

* a constant of the notebook's own code (the same literal appears in one of its code cells: a hyper-parameter,
  a toy distribution's parameters, a threshold), or
* a section, equation, figure or chapter reference, or
* in ALLOWED below, with the reason it is not a measurement of this run.

It cannot see a measured number written out in words ("four times the cVAE's"), nor decide whether a sentence
about the run is true: reading the executed notebook against its outputs does that.
"""
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))

# Numbers that are not measurements of the run, per notebook ("*": every notebook), each with its reason.
ALLOWED = {
    "*": {
        "50%": "chance for a two-way choice",
    },
    "01": {
        "0.69 nats": "log 2, the binary entropy of a pixel at 0.5",
    },
    "04": {
        "2.30": "log 10 (log K for ten classes), arithmetic",
        "1.10": "log 3 (log K for three classes), arithmetic",
    },
    "05": {
        "80.97": "Gregor et al. (2015), Table 2: DRAW with attention on MNIST, the paper's published figure",
        "87.40 nats": "Gregor et al. (2015), Table 2: DRAW without attention on MNIST, the paper's published figure",
    },
    "06": {
        "-88.7": "float32 arithmetic: sigmoid(l) rounds to 0 below -log(largest float32), the same on every run",
        "0.84": "the dropped share m at which KL(p_g || p_data) - 2 JS = 2 JS against D*, arithmetic (tested below)",
    },
    "08": {
        "99%": "the noise mixture's weight, 0.99 in the code",
        "4.6": "log 100, arithmetic",
        "0.0085 bits per dimension": "log 100 / (784 log 2), arithmetic",
    },
}

# percentages; decimals (with a unit when one follows); whole numbers with a unit; "n of m" counts
MEASURED = re.compile(
    r"(?<![\w.^])-?\d[\d,]*(?:\.\d+)?\s?%"
    r"|(?<![\w.^])-?\d+\.\d+(?:\s(?:nats?|bits?(?: per \w+|/dim)?|seconds|minutes|hours|s|ms)\b)?"
    r"|(?<![\w.^])\d[\d,]*\s(?:nats?|bits?|seconds|minutes|hours|ms)\b"
    r"|(?<![\w.^])\d[\d,]* of \d[\d,]*(?![\d,]*\s(?:to|and)\b)")
# references to sections, equations, figures and chapters ("§20.9–20.10", "section 4.1", "eq. 20.76–20.77")
REFERENCE = re.compile(r"(?:§|\b(?:[Ss]ections?|eqs?\.|[Ff]igure|[Tt]able|[Cc]hapter|as in)\s)"
                       r"\d+(?:\.\d+)*(?:\s?[–-]\s?\d+(?:\.\d+)*)?")
HEADING = re.compile(r"^#+\s+\d+(?:\.\d+)*\s", re.M)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def measured_numbers(markdown: str) -> list[str]:
    """The measured-looking numbers of a markdown text, once references and heading numbers are taken out."""
    text = HEADING.sub("# ", REFERENCE.sub(" ", markdown))
    return [m.group().replace("\u2212", "-") for m in MEASURED.finditer(text)]


def _code_constant(number: str, code: str) -> bool:
    """The number is a literal of the notebook's code (a hyper-parameter, a constant), not a measurement."""
    if " of " in number:                    # a count ("5 of 25 modes") is never a constant of the code
        return False
    bare = re.sub(r"\s.*$", "", number).rstrip("%")
    return re.search(rf"(?<![\w.]){re.escape(bare)}(?![\d])", code) is not None


def violations(path) -> list[str]:
    cells = _cells(path)
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    allowed = {**ALLOWED["*"], **ALLOWED.get(path.name[:2], {})}
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        for number in measured_numbers("".join(cell["source"])):
            if number not in allowed and not _code_constant(number, code):
                found.append(f"{path.name} cell {i}: {number!r}")
    return found


def test_the_scanner_finds_measured_numbers_and_skips_references():
    text = ("### 4.1 A title\nIn section 5.2 (eq. 20.76–20.77, §20.10.3) the run gave 93.5%, -237.15 nats, "
            "0.183, 12 s and 5 of 25 modes; $10^{-4}$ and 0.5^2 are not flagged as decimals.")
    assert measured_numbers(text) == ["93.5%", "-237.15 nats", "0.183", "5 of 25", "0.5"]
    assert measured_numbers("It took 44 minutes and 3 nats.") == ["44 minutes", "3 nats"]


def test_every_allowance_is_still_used():
    """An allowance nobody needs any more is removed, so that the list stays short."""
    unused = []
    for key, entries in ALLOWED.items():
        paths = NOTEBOOKS if key == "*" else [p for p in NOTEBOOKS if p.name.startswith(key)]
        used = {n for p in paths for c in _cells(p) if c["cell_type"] == "markdown"
                for n in measured_numbers("".join(c["source"]))}
        unused += [f"{key}: {number!r}" for number in entries if number not in used]
    assert not unused, f"allowances no notebook needs any more: {unused}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_holds_no_measured_number(path):
    found = violations(path)
    assert not found, ("measured numbers in markdown: print them from a variable and refer to the printed value "
                       "(or allow-list a true constant in tests/test_notebook_text.py with its reason):\n  "
                       + "\n  ".join(found))


def test_the_drop_share_at_which_the_two_generator_losses_cost_the_same_is_0_84():
    """06 says that, against D*, the non-saturating generator (KL(p_g || p_data) - 2 JS) pays less than the
    minimax one (2 JS) for dropping a share m of the data, its mass spread over the rest, while m < 0.84."""
    import torch
    from torch.distributions import Categorical, kl_divergence

    def costs(m):      # p_data: a dropped part (share m) and a kept part; p_g = p_data / (1 - m) on the kept part
        p = torch.tensor([m, 1 - m], dtype=torch.float64)
        q = torch.tensor([0.0, 1.0], dtype=torch.float64)
        kl = lambda a, b: kl_divergence(Categorical(probs=a), Categorical(probs=b))   # noqa: E731
        js = (kl(p, (p + q) / 2) + kl(q, (p + q) / 2)) / 2
        return (kl(q, p) - 2 * js).item(), (2 * js).item()

    assert costs(0.83)[0] < costs(0.83)[1] and costs(0.85)[0] > costs(0.85)[1]
    nonsat, minimax = costs(0.5)      # the half-drop of notebook 06: 3/2 log 3 - 2 log 2 against 3 log 2 - 3/2 log 3
    assert nonsat == pytest.approx(1.5 * math.log(3) - 2 * math.log(2)) and minimax == pytest.approx(
        3 * math.log(2) - 1.5 * math.log(3))
