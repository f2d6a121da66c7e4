"""The command line: gencore train/sample/evaluate/doctor, sharing the notebooks' model cache."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gencore.course import cli

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--dataset", "sprites", "--quick", "--threads", "1"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENCORE_HOME", str(tmp_path))
    return tmp_path


def _notebook_lines(notebook: str, starts: tuple[str, ...]) -> str:
    cells = json.loads((ROOT / "solutions" / notebook).read_text())["cells"]
    lines = [line for c in cells if c["cell_type"] == "code" for line in "".join(c["source"]).splitlines()]
    return "\n".join(next(line for line in lines if line.startswith(s)) for s in starts)


def test_a_model_trained_on_the_command_line_is_loaded_by_its_notebook(home, capsys):
    assert cli.main(["train", "vae", *QUICK]) == 0
    assert "Saved" in capsys.readouterr().out
    # notebook 04's own lines, run in quick mode on sprites
    code = _notebook_lines("04_conditional_vae.ipynb", (
        "train = load_dataset(", "test = load_dataset(", "arch = dict(", "budget = dict(",
        "vae, vae_history = train_vae("))
    import gencore
    from gencore.data import load_dataset
    from gencore.vae import train_vae
    cfg = gencore.setup(seed=0, quick=True, dataset="sprites", threads=1, verbose=False)
    exec(code, dict(cfg=cfg, load_dataset=load_dataset, train_vae=train_vae))
    out = capsys.readouterr().out
    assert "Loaded cached model vae-" in out and "Saved" not in out


def test_sample_writes_one_row_per_class_for_a_conditional_model(home, capsys):
    out = home / "grid.png"
    assert cli.main(["sample", "cvae", *QUICK, "--out", str(out), "-n", "5"]) == 0
    width, height = Image.open(out).size
    assert (width, height) == (1 + 5 * 29, 1 + 3 * 29)          # 5 per class, 3 sprite classes, 1 px padding
    assert "one row per class" in capsys.readouterr().out


def test_evaluate_prints_the_measures_and_the_likelihood(home, capsys):
    assert cli.main(["evaluate", "vae", *QUICK, "-n", "300"]) == 0
    out = capsys.readouterr().out
    for word in ("| model | IWAE | FD | KID", "| vae | -", "| real (train) |  |", "IWAE L_20 on 100"):
        assert word in out


def test_bad_input_lists_the_choices(home, capsys):
    with pytest.raises(SystemExit, match="the course's models are: vae, cvae"):
        cli.main(["train", "vqvae", *QUICK])
    assert cli.main(["train", "vae", "--dataset", "cifar", "--quick"]) == 1
    assert "expected one of mnist, fashion-mnist, sprites" in capsys.readouterr().err
    with pytest.raises(SystemExit, match=r"\.png"):
        cli.main(["sample", "vae", *QUICK, "--out", str(home / "x.jpg")])


def test_doctor_reports_each_part_and_how_to_fix_what_is_missing(home, capsys):
    assert cli.main(["doctor", "--dataset", "mnist"]) == 0                 # a missing dataset is not an error
    out = capsys.readouterr().out
    for part in ("installation", "device", "data", "model cache", "torch"):
        assert part in out
    # the fresh home has no MNIST files (and this machine no internet): named, with where to put them
    assert "[!!] mnist train: not in" in out and "fix: put train-images-idx3-ubyte.gz" in out
    assert cli.main(["doctor", "--dataset", "sprites"]) == 0


def test_python_dash_m_gencore_runs():
    done = subprocess.run([sys.executable, "-m", "gencore", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "gencore train vae" in done.stdout


def test_pretrain_estimates_trains_and_then_has_nothing_to_do(home, capsys):
    assert cli.main(["pretrain", "--notebooks", "5", *QUICK, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "draw        to train: 48 steps" in out and "estimated training time" in out
    assert not list((home / "models").glob("*.pt"))                     # a dry run trains nothing
    assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 0
    assert len(list((home / "models").glob("draw*.pt"))) == 2
    capsys.readouterr()
    assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 0
    assert "every model is cached: nothing to do" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="choose among 04, 05"):
        cli.main(["pretrain", "--notebooks", "02", *QUICK])


def test_torchrun_trains_with_two_processes_into_the_notebooks_cache_entry(home):
    """`torchrun --nproc_per_node=2 -m gencore train vae`: gloo on CPUs, rank 0 writes the cache entry that the
    single-process call (and so the notebook) uses."""
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed beside this Python")
    done = subprocess.run([str(torchrun), "--nproc_per_node=2", "-m", "gencore", "train", "vae", *QUICK],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "GENCORE_HOME": str(home), "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("trained and cached") == 1                  # rank 0 alone reports
    saved = list((home / "models").glob("vae-*.pt"))
    assert len(saved) == 1
    assert cli.main(["train", "vae", *QUICK]) == 0                       # one process finds the same entry
    assert len(list((home / "models").glob("vae-*.pt"))) == 1


def test_an_interrupted_pretrain_resumes_and_ends_with_the_uninterrupted_weights(home, tmp_path, monkeypatch, capsys):
    import torch

    from gencore import train

    assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 0          # uninterrupted, in home
    reference = {p.name: torch.load(p, weights_only=False)["state_dict"] for p in (home / "models").glob("draw*.pt")}

    other = tmp_path / "other"
    monkeypatch.setenv("GENCORE_HOME", str(other))
    ticks = {"n": 0}

    def interrupted(total_steps):
        ticks["n"] += 1
        if ticks["n"] == 2 * 6 + 30:    # after the 6-step probe of each model; DRAW (quick) has 24 steps an epoch
            raise KeyboardInterrupt

    with train.on_every_step(interrupted), pytest.raises(KeyboardInterrupt):
        cli.main(["pretrain", "--notebooks", "05", *QUICK])
    assert list((other / "models").glob("*.partial")) and not list((other / "models").glob("draw*.pt"))
    capsys.readouterr()
    assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 0
    assert "Resuming draw (T=4, read 6x6, write 12x12) after epoch 1 of 2" in capsys.readouterr().out
    resumed = {p.name: torch.load(p, weights_only=False)["state_dict"] for p in (other / "models").glob("draw*.pt")}
    assert resumed.keys() == reference.keys()
    for name in reference:
        for k in reference[name]:
            assert torch.allclose(reference[name][k], resumed[name][k], atol=1e-6), (name, k)


def test_quick_mode_samples_show_the_datas_shapes(tmp_path):
    """Quick mode still teaches: the domain classifier reads the quick VAE's, DCGAN's and cGAN's samples as several
    of the data's shapes (an inception score of at least 1.3, where 600 identical grey blobs, or noise read as one
    class, score 1.0-1.2)."""
    import torch

    import gencore
    from gencore.classifier import class_probabilities
    from gencore.course import zoo
    from gencore.evaluation import inception_score

    gencore.setup(seed=0, quick=True, dataset="sprites", home=tmp_path, threads=1, verbose=False)
    classifier, _ = zoo.load("classifier", verbose=False, progress=False)
    scores = {}
    for name in ("vae", "gan", "cgan"):
        model, _ = zoo.load(name, verbose=False, progress=False)
        images, _ = zoo.sample(name, model, 600, generator=torch.Generator().manual_seed(1))
        scores[name] = inception_score(class_probabilities(classifier, images))[0]
    assert all(score >= 1.3 for score in scores.values()), scores
