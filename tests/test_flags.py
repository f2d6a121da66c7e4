"""Issue 27: every public True/False parameter refuses anything but a boolean (a string 'False' is true in
Python, so it used to switch the option on without a word), before any work starts.

The parameters are found by reading the source: a public function or method whose parameter defaults to
True/False or is annotated `bool`. A new flag is covered by this test the day it is written."""
import ast
import importlib
import pathlib

import numpy as np
import pytest
import torch

from gencore import validate

ROOT = pathlib.Path(__file__).resolve().parents[1] / "gencore"
# Not entry points: a private checker's network, fit's own sentence builder, Batches (checked in __init__
# by as_bool, tested below), and setup(quick=...), which reads "0"/"1" like the GENCORE_QUICK variable.
EXEMPT = {("gencore.checks.cvae", "_Network.__init__", "split"), ("gencore.history", "divergence_summary", "loss_ok"),
          ("gencore.data", "Batches.__init__", "shuffle"), ("gencore.data", "Batches.__init__", "drop_last"),
          ("gencore.config", "setup", "quick"), ("gencore.draw", "DRAW.__init__", "attention"),
          ("gencore.cache", "load_or_train", "retrain")}


def _flags():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        for owner in [tree] + [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            for fn in owner.body:
                if not isinstance(fn, ast.FunctionDef) or (fn.name.startswith("_") and fn.name != "__init__"):
                    continue
                qual = fn.name if owner is tree else f"{owner.name}.{fn.name}"
                a = fn.args
                params = a.args + a.kwonlyargs
                defaults = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults) + list(a.kw_defaults)
                for p, d in zip(params, defaults):
                    is_flag = (isinstance(d, ast.Constant) and isinstance(d.value, bool)) or (
                        p.annotation is not None and "bool" in ast.unparse(p.annotation))
                    if is_flag and (module, qual, p.arg) not in EXEMPT:
                        found.append((module, qual, p.arg))
    return found


FLAGS = _flags()


def test_the_scan_finds_the_flags_it_should():
    names = {(m, q, p) for m, q, p in FLAGS}
    assert len(FLAGS) > 60
    for expected in [("gencore.vae", "train_vae", "retrain"), ("gencore.gan", "DCDiscriminator.forward", "classes"),
                     ("gencore.draw", "DRAW.reconstruct", "sample"), ("gencore.course.grade", "grade", "isolate")]:
        assert expected in names


@pytest.mark.parametrize("module,qual,param", FLAGS, ids=[f"{m.split('.')[-1]}.{q}({p})" for m, q, p in FLAGS])
def test_a_flag_that_is_not_true_or_false_is_refused_by_name(module, qual, param):
    obj = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    args = (None,) if "." in qual else ()           # a method: self is never reached
    with pytest.raises(TypeError, match=rf"^{param} must be True or False, got str 'False'"):
        obj(*args, **{param: "False"})


def test_booleans_of_every_kind_are_accepted_and_nothing_else():
    for value in (True, False, np.bool_(True), 0, 1):
        assert validate.as_bool(value, "x") is bool(value)
    for value in ("False", "no", None, 2, 0.5, torch.tensor([True, False]), [False]):
        with pytest.raises(TypeError, match="^x must be True or False"):
            validate.as_bool(value, "x")


def test_batches_refuse_a_string_flag():
    from gencore.data import Batches, TensorData
    data = TensorData(torch.rand(10, 1, 28, 28))
    with pytest.raises(TypeError, match="^shuffle must be True or False"):
        data.batches(4, shuffle="no")
    with pytest.raises(TypeError, match="^drop_last must be True or False"):
        Batches(data, 4, True, "False", None)
    assert len(list(data.batches(4, shuffle=False, drop_last=True))) == 2


def test_the_check_runs_before_any_work(home):
    from gencore.vae import train_vae
    before = sorted(p.name for p in home.home.rglob("*"))
    with pytest.raises(TypeError, match="^retrain must be True or False"):
        train_vae(torch.rand(8, 1, 28, 28), latent_dim=2, epochs=1, retrain="False")
    assert sorted(p.name for p in home.home.rglob("*")) == before


def test_a_flagged_function_keeps_its_signature_and_its_own_errors():
    import inspect

    from gencore.vae import train_vae
    assert "retrain" in inspect.signature(train_vae).parameters
    with pytest.raises(TypeError, match="unexpected keyword argument 'retrian'"):
        train_vae(torch.rand(8, 1, 28, 28), latent_dim=2, epochs=1, retrian=True)
