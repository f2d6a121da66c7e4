"""The course's syllabus, one source for the README and the website.

One entry per notebook of ``solutions/`` (and ``notebooks/``), in the lecture's order: its number, file stem,
title (the notebook's first heading, after "NN · "), the lecture's concepts it covers and what the student
builds in its checked exercises. The README's "Syllabus" section is generated from it, between the markers
``<!-- syllabus:start -->`` and ``<!-- syllabus:end -->``; the website's index (`gencore.course.book`) renders
the same table.

    python -m gencore.course.syllabus            # rewrite the README's section from this file
    python -m gencore.course.syllabus --check    # write nothing; exit 1 when the README's section differs

Edit the entries here, never the README's table.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from ..validate import flags

__all__ = ["Notebook", "NOTEBOOKS", "READING", "markdown", "update_readme", "main"]

ROOT = Path(__file__).resolve().parents[2]
START = "<!-- syllabus:start -->"
END = "<!-- syllabus:end -->"


@dataclass(frozen=True)
class Notebook:
    number: str          # "00"
    stem: str            # the file name without .ipynb, in solutions/ and notebooks/
    title: str           # the notebook's first heading, after "NN · "
    concepts: str        # the lecture's concepts
    exercises: str       # what the student builds (the checked exercises)


NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook("00", "00_generative_models", "Deep generative models are distribution transformers",
             "generative modelling as learning to sample; why images are hard; latent variables; deep generative "
             "models are distribution transformers",
             "inverse-CDF sampling, an affine push-forward of Gaussian noise, the MMD between samples, and a "
             "generator trained with it"),
    Notebook("01", "01_autoencoders", "Autoencoders: the bottleneck and the manifold hypothesis",
             "auto-association, the encoder-decoder framework, the bottleneck, the manifold hypothesis, why an "
             "autoencoder is not yet a generative model",
             "an autoencoder's forward pass, its reconstruction loss, PCA reconstruction, latent interpolation"),
    Notebook("02", "02_variational_inference",
             "Variational inference: the ELBO, recognition networks and the reparameterization trick",
             "KL divergence and its asymmetry, the Gaussian KL, the ELBO and log p(x) = ELBO + KL, recognition "
             "models (NVIL) and the amortisation gap, backprop through sampling and the reparameterization trick",
             "the Gaussian KL, a reparameterized sample, the score-function estimator"),
    Notebook("03", "03_vae", "The variational autoencoder",
             "the VAE put together, the reparameterization trick, fantasies/dreams (the 2-D manifold, an "
             "interactive explorer, latent traversals), ELBO vs IWAE bounds, limitations: blur, unused latents, "
             "the beta trade-off",
             "the reparameterize function, the negative-ELBO loss, the IWAE bound"),
    Notebook("04", "04_conditional_vae", "The class-conditional VAE",
             "the class-conditional VAE: labels one-hot to both encoder and decoder, ELBO(x|y) <= log p(x|y), the "
             "code freed from the category models style; class-controlled generation, analogies; measuring what "
             "the code holds (a logistic-regression probe, VAE vs cVAE; sprite factors by R^2); the domain "
             "classifier judging conditional samples; the prior's holes, and the aggregate posterior as a prior",
             "the conditioned input [vec(x); onehot(y)], the conditional negative ELBO, the class grid (every code "
             "decoded with every label)"),
    Notebook("05", "05_draw", "DRAW: the Deep Recurrent Attentive Writer",
             "DRAW: the VAE unrolled in time (read, encode, sample, decode, write, T times), a sequence of latents "
             "and a canvas, Gaussian filterbank attention (where to look and where to write, learned by gradient), "
             "the canvas over time, attention vs no attention vs the VAE on the IWAE bound",
             "one axis of the attention filterbank (eqs. 19-26 of Gregor et al.), the attention read "
             "gamma [F_Y x F_X^T, F_Y x_hat F_X^T]"),
    Notebook("06", "06_gan", "The GAN and its problems",
             "the GAN: noise in, image out; the two-player game and V(D, G); the optimal discriminator "
             "D* = p_data / (p_data + p_g) and 2 JS - log 4; saturating vs non-saturating generator loss; the "
             "distribution transformer watched on a ring and a grid of Gaussians (mode coverage, quality, classic "
             "vs stabilised); a DCGAN on images (samples over training, losses and D's outputs, interpolation, the "
             "classifier's class histogram); problems of GANs",
             "the discriminator's loss -V from logits, the non-saturating generator loss"),
    Notebook("07", "07_conditional_gan", "The conditional GAN",
             "the conditional GAN: the label to G (one-hot) and to D (a projection discriminator, plus an "
             "auxiliary classifier as in AC-GAN); class-controlled grids; does G draw what it is asked (the "
             "domain classifier); sharper but less diverse than the cVAE? measured (sharpness, feature diversity)",
             "the projection discriminator's logit"),
    Notebook("08", "08_evaluation", "Evaluation is really hard",
             "evaluation is really hard: likelihood vs sample quality (99% noise costs 4.6 nats), Parzen windows "
             "mislead, FD, KID, IS, precision/recall, density/coverage and a classifier two-sample test on every "
             "course model, sanity tests of the measures (noise, blur, dropped classes, copying), precision vs "
             "recall for VAEs and GANs, the real-vs-fake quiz",
             "the Fréchet distance between two Gaussians, the Inception Score"),
)

READING = ("Companion reading: chapters 14 (autoencoders), 16 (structured probabilistic models), 19 (approximate\n"
           "inference) and 20 (deep generative models) of *Deep Learning* (Goodfellow, Bengio, Courville).")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The syllabus as markdown: one table row per notebook, then the companion reading."""
    rows = ["| notebook | concept (lecture) | what you build |", "|---|---|---|"]
    rows += [f"| `{nb.stem}` | {_cell(nb.concepts)} | {_cell(nb.exercises)} |" for nb in NOTEBOOKS]
    return "\n".join(rows) + "\n\n" + READING + "\n"


def _replace(text: str, where: str) -> str:
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"{where} must hold the markers {START} and {END} once each, in that order.")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{markdown()}{END}{tail}"


@flags("check")
def update_readme(readme: str | Path = ROOT / "README.md", *, check: bool = False) -> bool:
    """Write the syllabus between the README's markers. Returns True when the README already held it;
    ``check=True`` writes nothing."""
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    new = _replace(text, str(readme))
    if new != text and not check:
        readme.write_text(new, encoding="utf-8")
    return new == text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gencore.course.syllabus", description=__doc__.split("\n\n")[0])
    p.add_argument("--readme", default=str(ROOT / "README.md"), help="the README to write (default: the course's)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the README's section differs")
    args = p.parse_args(argv)
    try:
        same = update_readme(args.readme, check=args.check)
    except (OSError, ValueError) as e:
        print(f"syllabus: {e}", file=sys.stderr)
        return 2
    if args.check and not same:
        print(f"syllabus: {args.readme}'s syllabus differs from gencore/course/syllabus.py; run "
              f"python -m gencore.course.syllabus", file=sys.stderr)
        return 1
    print(f"syllabus: {args.readme} {'is up to date' if same else 'rewritten'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
