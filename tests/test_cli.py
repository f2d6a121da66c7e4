"""The command line: gencore train/sample/evaluate/doctor, sharing the notebooks' model cache."""
import json
import os
import re
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
    said = capsys.readouterr().out
    assert "one row per class" in said
    # it said that it must train the model first, with pretrain's estimate, before training it
    first = said.index("gencore sample: cvae is not in the model cache, so it is trained first: 720 steps x ")
    assert first < said.index("Saved ") and "= about" in said[first:said.index("Saved ")]
    assert cli.main(["sample", "cvae", *QUICK, "--out", str(out), "-n", "1"]) == 0
    assert "trained first" not in capsys.readouterr().out and Image.open(out).size == (1 + 29, 1 + 3 * 29)


def test_evaluate_prints_the_measures_and_the_likelihood(home, capsys):
    assert cli.main(["evaluate", "vae", *QUICK, "-n", "300"]) == 0
    out = capsys.readouterr().out
    for word in ("| model | IWAE | FD | KID", "| vae | -", "| real (train) |  |", "IWAE L_20 on 100"):
        assert word in out
    for name in ("classifier", "vae"):        # neither was cached: said before training, with the estimate
        assert out.index(f"gencore evaluate: {name} is not in the model cache, so it is trained first") \
            < out.index(f"Saved {home / 'models'}/{name}")


def test_bad_input_lists_the_choices(home, capsys):
    with pytest.raises(SystemExit, match="the course's models are: vae, cvae"):
        cli.main(["train", "vqvae", *QUICK])
    with pytest.raises(SystemExit, match="--dataset 'cifar' is not a dataset gencore knows; choose one of mnist, "
                                         "fashion-mnist, sprites"):
        cli.main(["train", "vae", "--dataset", "cifar", "--quick"])
    with pytest.raises(SystemExit, match=r"\.png"):
        cli.main(["sample", "vae", *QUICK, "--out", str(home / "x.jpg")])


@pytest.mark.parametrize("argv, said", [
    (["train", "gan", "--epochs", "0"], "--epochs 0 is out of range; give 1 or more (leave it out for the notebook's)"),
    (["train", "gan", "--epochs", "-1"], "--epochs -1 is out of range; give 1 or more"),
    (["train", "vae", "--latent", "0"], "--latent 0 is out of range; give 1 or more"),
    (["train", "vae", "--seed", "-1"], "--seed -1 is out of range; give 0 or more"),
    (["train", "vae", "--threads", "0"], "--threads 0 is out of range; give 1 or more"),
    (["train", "classifier", "--latent", "3"], "the classifier has no latent code; leave out --latent"),
    (["train", "vae", "--device", "tpu"], "--device 'tpu' is not a device gencore knows"),
    (["sample", "vae", "--out", "x.png", "-n", "0"], "-n 0 is out of range; give from 1 to 10,000 samples"),
    (["sample", "cvae", "--out", "x.png", "-n", "17"], "-n 17 is out of range; give from 1 to 16 samples per class"),
    (["sample", "classifier", "--out", "x.png"], "the classifier is not a generative model"),
    (["evaluate", "vae", "-n", "0"], "-n 0 is out of range; give from 100 to 10,000 samples"),
    (["evaluate", "vae", "-n", "1"], "-n 1 is out of range"),
    (["evaluate", "vae", "-n", "3"], "-n 3 is out of range"),
    (["evaluate", "all", "-n", "20000"], "-n 20000 is out of range"),
    (["pretrain", "--notebooks", "09"], "--notebooks '09' names no notebook 09; give comma-separated numbers among 00"),
    (["pretrain", "--notebooks", "1,x"], "names no notebook x"),
    (["pretrain", "--notebooks", ","], "names no notebook (none given)"),
])
def test_every_option_is_checked_before_anything_starts(home, argv, said):
    """One sentence naming the option, what it takes, what to do; nothing is set up, loaded or trained."""
    with pytest.raises(SystemExit) as e:
        cli.main([*argv, "--dataset", "sprites", *(["--quick"] if argv[0] != "doctor" else [])])
    message = str(e.value.code)
    assert message.startswith(f"gencore {argv[0]}: ") and said in message and message.count(". ") == 0
    assert not (home / "models").exists()


def test_a_malformed_option_is_one_line(home, capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "vae", "--epochs", "2.5"])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--epochs takes a whole number, e.g. --epochs 16; got '2.5'" in err
    assert "gencore train --help" in err


def test_train_says_whether_it_trained_or_loaded_the_model(home, capsys):
    umask = os.umask(0o022)
    try:
        assert cli.main(["train", "vae", *QUICK, "--epochs", "1"]) == 0
    finally:
        os.umask(umask)
    saved = list((home / "models").glob("vae-*.pt"))        # readable by the others: a shared GENCORE_HOME works
    assert len(saved) == 1 and saved[0].stat().st_mode & 0o777 == 0o644
    out = capsys.readouterr().out
    assert "vae: notebook 04's VAE" in out and "trained and cached (another cache entry" in out
    assert cli.main(["train", "vae", *QUICK, "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "loaded from the model cache" in out and "trained" not in out.replace("(trained 1 epochs)", "")


def test_ctrl_c_ends_with_one_line_saying_what_was_saved_and_how_to_resume(home, capsys):
    from gencore import train

    def interrupt_at(n):
        ticks = []

        def hook(total_steps):
            ticks.append(1)
            if len(ticks) == n:
                raise KeyboardInterrupt
        return train.on_every_step(hook)

    with interrupt_at(3):                              # before the first epoch ends: nothing saved
        assert cli.main(["train", "vae", *QUICK, "--epochs", "2"]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("gencore train: interrupted before any progress was saved (models cached earlier stay cached); "
                       "run the same command again to start over.")
    with interrupt_at(30):                             # quick VAE: 24 steps an epoch
        assert cli.main(["train", "vae", *QUICK, "--epochs", "2"]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    assert err[-1].startswith("gencore train: interrupted; the progress of vae-") and ".partial saved in " in err[-1]
    assert err[-1].endswith("run the same command again to resume after the last saved epoch or step.")
    assert cli.main(["train", "vae", *QUICK, "--epochs", "2"]) == 0
    assert "Resuming vae (d=16, beta=1) after epoch 1 of 2" in capsys.readouterr().out


def test_doctor_reports_each_part_and_how_to_fix_what_is_missing(home, capsys):
    assert cli.main(["doctor", "--dataset", "mnist"]) == 0                 # a missing dataset is not an error
    out = capsys.readouterr().out
    for part in ("installation", "device", "data", "model cache", "torch"):
        assert part in out
    # the fresh home has no MNIST files (and this machine no internet): named, with where to put them
    assert "[!!] mnist train: not in" in out and "fix: put train-images-idx3-ubyte.gz" in out
    assert cli.main(["doctor", "--dataset", "sprites"]) == 0


def test_doctor_names_the_shared_models(home, tmp_path, monkeypatch, capsys):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "vae-0123456789abcdef.pt").write_bytes(b"0" * 1024)
    monkeypatch.setenv("GENCORE_SHARED_MODELS", str(shared))
    assert cli.main(["doctor", "--dataset", "sprites"]) == 0
    assert (f"[ok] shared (GENCORE_SHARED_MODELS, read only, looked up before training): {shared}: 1 models"
            in capsys.readouterr().out)


def test_python_dash_m_gencore_runs():
    done = subprocess.run([sys.executable, "-m", "gencore", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "gencore train vae" in done.stdout


def test_pretrain_estimates_trains_and_then_has_nothing_to_do(home, capsys):
    assert cli.main(["pretrain", "--notebooks", "5", *QUICK, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"  {'draw':25s} to train: 48 steps" in out and "estimated training time" in out
    assert f"  {'vae (notebook 03)':25s} to train: 72 steps" in out            # notebook 05 loads notebook 03's VAE
    assert not list((home / "models").glob("*.pt"))                     # a dry run trains nothing
    assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 0
    assert len(list((home / "models").glob("draw*.pt"))) == 2 and len(list((home / "models").glob("vae-*.pt"))) == 1
    capsys.readouterr()
    assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 0
    assert "every model is cached: nothing to do" in capsys.readouterr().out


def test_pretrain_covers_notebooks_01_to_08(home, capsys):
    """Every notebook is accepted; those that train nothing through the cache say so; the dry run lists the models
    notebooks 01 and 03 train (they were refused before), notebook 04's beta = 1 cVAE included."""
    assert cli.main(["pretrain", "--notebooks", "00,1,02,3,04", *QUICK, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "notebook 00 trains nothing through the model cache" in out and "notebook 02 trains" in out
    for label in ("ae d=2", "ae d=32", "ae-swiss-roll", "vae (notebook 03)", "vae-2d", "vae-au d=32", "vae-beta 4",
                  "vae-beta 1", "vae", "cvae beta=1", "cvae", "classifier"):
        assert f"  {label:25s} to train: " in out, label
    assert not list((home / "models").glob("*.pt"))


def test_torchrun_trains_with_two_processes_into_the_notebooks_cache_entry(home, tmp_path, monkeypatch):
    """`torchrun --nproc_per_node=2 -m gencore train vae`: gloo on CPUs; rank 0 writes the cache entry that the
    single-process call (and so, with the notebook's epochs, the notebook) uses, with the weights one process
    trains, and says so once; run again, it says "loaded" once. The GANs are refused with one sentence, said once.
    (Two epochs: over the 720 steps of the quick VAE, the last bits of the gradients, averaged in another order,
    grow to 0.07 in a weight; the ELBO agrees within 0.03 nats.)"""
    import torch

    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed beside this Python")

    def torchrun_gencore(*argv):
        return subprocess.run([str(torchrun), "--nproc_per_node=2", "-m", "gencore", *argv, *QUICK],
                              capture_output=True, text=True, cwd=ROOT, timeout=300,
                              env={**os.environ, "GENCORE_HOME": str(home), "OMP_NUM_THREADS": "1"})

    done = torchrun_gencore("train", "vae", "--epochs", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    for once in ("trained and cached", "gencore: device=cpu", "Saved "):
        assert done.stdout.count(once) == 1, (once, done.stdout)        # rank 0 alone reports
    saved = list((home / "models").glob("vae-*.pt"))
    assert len(saved) == 1
    single = tmp_path / "single"
    monkeypatch.setenv("GENCORE_HOME", str(single))
    assert cli.main(["train", "vae", *QUICK, "--epochs", "2"]) == 0      # one process: the same entry, same weights
    alone = torch.load(single / "models" / saved[0].name, weights_only=True)["state_dict"]
    parallel = torch.load(saved[0], weights_only=True)["state_dict"]
    for k in alone:
        assert torch.allclose(alone[k], parallel[k], atol=1e-5, rtol=1e-4), k
    again = torchrun_gencore("train", "vae", "--epochs", "2")
    assert again.returncode == 0 and again.stdout.count("loaded from the model cache") == 1
    assert "trained and cached" not in again.stdout and again.stdout.count("Loaded cached model") == 1
    refused = torchrun_gencore("train", "gan")
    assert refused.returncode != 0 and refused.stderr.count("gencore train: gan cannot train under torchrun") == 1
    assert "gencore/course" not in refused.stderr and not list((home / "models").glob("gan*"))    # torchrun's own
    # report of the failed run follows the sentence: rank 0 ended with 1 (the others quietly with 0)


@pytest.mark.parametrize("argv, said", [
    (["train", "classifier"], "classifier cannot train under torchrun (its dropout and augmentation are drawn per "
                              "process"),
    (["train", "cgan"], "cgan cannot train under torchrun (the GAN's training loop runs as one process"),
    (["sample", "vae", "--out", "x.png"], "run it as one process, without torchrun"),
    (["pretrain"], "run it as one process, without torchrun")])
def test_torchrun_refuses_what_would_not_train_one_processs_model_before_the_group_starts(home, monkeypatch, argv,
                                                                                          said):
    import torch.distributed as dist

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(SystemExit, match=re.escape(said)):
        cli.main([*argv, *QUICK])
    assert not dist.is_initialized() and not (home / "models").exists()
    monkeypatch.setenv("RANK", "1")                      # the other ranks end quietly: rank 0 says it
    with pytest.raises(SystemExit) as e:
        cli.main([*argv, *QUICK])
    assert e.value.code == 0


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
        if ticks["n"] == 3 * 6 + 30:    # after the 6-step probe of each model; DRAW (quick) has 24 steps an epoch
            raise KeyboardInterrupt

    with train.on_every_step(interrupted):
        assert cli.main(["pretrain", "--notebooks", "05", *QUICK]) == 130          # Ctrl-C: one line, no traceback
    assert list((other / "models").glob("*.partial")) and not list((other / "models").glob("draw*.pt"))
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("gencore pretrain: interrupted; the progress "
                                                                        "of draw-")
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


def test_after_pretrain_the_notebooks_train_nothing(tmp_path, monkeypatch, notebooks=ROOT / "solutions"):
    """`gencore pretrain` (quick mode, sprites) trains every model notebooks 01-08 train through the model cache:
    executing every notebook afterwards trains nothing, as the cache log says (every load and training is a line)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    home = tmp_path / "home"
    for name, value in {"GENCORE_HOME": str(home), "GENCORE_QUICK": "1", "GENCORE_DATASET": "sprites",
                        "GENCORE_THREADS": "1"}.items():
        monkeypatch.setenv(name, value)            # the kernels inherit them
    assert cli.main(["pretrain", "--quick", "--dataset", "sprites", "--threads", "1"]) == 0
    log = home / "models" / "cache.log"
    before = len(log.read_text().splitlines())
    for path in sorted(notebooks.glob("0*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
    events = [line.split("\t") for line in log.read_text().splitlines()[before:]]
    assert [e for e in events if e[1] != "loaded"] == []
    assert len({e[2] for e in events}) >= 25                 # the notebooks did load what pretrain trained


def _documented_commands() -> list[list[str]]:
    """Every gencore command the instructors' guide and the README show in a code block (torchrun's included)."""
    found = []
    for doc in (ROOT / "docs" / "instructors.md", ROOT / "README.md"):
        blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", doc.read_text(), re.S)
        for line in (line.split("#")[0].split() for block in blocks for line in block.splitlines()):
            starts = [i + 1 for i, word in enumerate(line) if word.endswith("bin/gencore") or word == "gencore"
                      and i and line[i - 1] == "-m"]
            found += [line[starts[0]:]] if starts else []
    return found


def test_every_documented_command_passes_the_option_checks(home, tmp_path, monkeypatch):
    """The calls the guide shows work as written (`gencore sample cgan --out cgan.png` has no -n: 8 per class)."""
    monkeypatch.chdir(tmp_path)
    commands = _documented_commands()
    assert ["sample", "cgan", "--out", "cgan.png"] in commands and len(commands) >= 7
    for argv in commands:
        args = cli.parser().parse_args(argv)
        cli._check_options(args)
        if argv[0] == "sample":
            assert args.n == (cli.DEFAULT_PER_CLASS if args.model in ("cvae", "cgan") else cli.DEFAULT_SAMPLES)


@pytest.mark.parametrize("argv, said", [
    (["train", "vae", "draw"], "unrecognized arguments: draw; one model per command (gencore train vae): "
                               "`gencore pretrain` trains several"),
    (["evaluate", "vae", "gan"], "`gencore evaluate all` evaluates all"),
    (["train", "--model", "vae"], "--model: the model is positional, without --model: gencore train vae"),
    (["sample", "--model=cgan", "--out", "x.png"], "without --model: gencore sample cgan"),
    (["train", "vae", "--bogus"], "unrecognized arguments: --bogus; see `gencore --help`."),
    # an option the command lacks but nearly has: its close match among the command's own options
    (["doctor", "--datset", "mnist"], "gencore doctor: --datset: did you mean --dataset? See `gencore doctor --help`."),
    (["evaluate", "vae", "--n", "500"], "gencore evaluate: --n: did you mean -n? See `gencore evaluate --help`."),
    (["train", "vae", "--epohcs=3"], "gencore train: --epohcs: did you mean --epochs? See `gencore train --help`."),
    (["pretrain", "--dryrun"], "gencore pretrain: --dryrun: did you mean --dry-run?"),
    # a word where a number goes: what the option takes, not argparse's "invalid int value"
    (["train", "gan", "--latent", "two"], "gencore train: --latent takes a whole number, e.g. --latent 16; got 'two'"),
    (["sample", "vae", "-n", "1e3", "--out", "x.png"], "gencore sample: -n takes a whole number, e.g. -n 16; got "),
    (["pretrain", "--threads", "all"], "gencore pretrain: --threads takes a whole number"),
])
def test_the_usual_wrong_forms_of_a_command_say_what_was_meant(home, capsys, argv, said):
    with pytest.raises(SystemExit):
        cli.main(argv)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err
