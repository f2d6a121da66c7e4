"""Real or fake? The lecture's *Real vs. Fake* and *Human Annotation*, as a quiz a student takes.

    quiz = real_vs_fake_quiz(real_images, generated_images, n=16)   # shows the widget (and a static grid)
    quiz.score()                                                     # after marking: {"correct", "answered", ...}
    quiz.reveal()                                                    # the answers, as a figure (the widget's
                                                                     # "Show the answers" button draws it)

A shuffled mix of real and generated images; under each, a "real / fake" toggle; "Score me" counts the
answers. Without a live kernel (nbconvert, nbval, a rendered page) the widget cannot run: the static grid
(numbered images, no answers) shows instead and nothing breaks. Marks can also be set in code
(``quiz.mark(i, "real")``), which is how the tests take the quiz.
"""
from __future__ import annotations

import torch

from . import viz
from .data import TensorData
from .validate import as_images, as_int, flags
from .viz import png_bytes

__all__ = ["RealFakeQuiz", "real_vs_fake_quiz"]


class RealFakeQuiz:
    """n images, about half real and half generated, in a seeded random order. ``is_real`` (n,) bool is the
    key; ``answers`` holds the student's marks (None until marked). ``real`` and ``fake``: images (N, 1, 28, 28)
    in [0, 1] (uint8 0..255 accepted) or datasets."""

    def __init__(self, real, fake, n: int = 16, seed: int = 0):
        real, fake = (x.x if isinstance(x, TensorData) else x for x in (real, fake))      # a dataset: its images
        real, fake = as_images(real, "real images"), as_images(fake, "generated images")
        n = as_int(n, "n", minimum=2)
        n_real = n // 2
        if len(real) < n_real or len(fake) < n - n_real:
            most = min(2 * len(real) + 1, 2 * len(fake))
            raise ValueError(f"A quiz of n={n} images needs at least {n_real} real and {n - n_real} generated "
                             f"images; got {len(real)} and {len(fake)}: pass n={most} or less, or more images.")
        g = torch.Generator().manual_seed(as_int(seed, "seed"))
        pick_real = real[torch.randperm(len(real), generator=g)[:n_real]].cpu()
        pick_fake = fake[torch.randperm(len(fake), generator=g)[:n - n_real]].cpu()
        order = torch.randperm(n, generator=g)
        self.images = torch.cat([pick_real, pick_fake])[order].float()
        self.is_real = (torch.arange(n) < n_real)[order]
        self.answers: list[bool | None] = [None] * n

    def __len__(self) -> int:
        return len(self.images)

    def mark(self, i: int, answer: str) -> None:
        """Mark image ``i`` as "real" or "fake"."""
        i = as_int(i, "i", minimum=0, maximum=len(self) - 1)
        if answer not in ("real", "fake"):
            raise ValueError(f"answer must be 'real' or 'fake', got {answer!r}.")
        self.answers[i] = answer == "real"

    def score(self) -> dict:
        """{"correct": right answers, "answered": marked images, "n": images, "accuracy": correct / answered
        (None before any answer)}. Chance is 50%."""
        marked = [(a, bool(t)) for a, t in zip(self.answers, self.is_real) if a is not None]
        correct = sum(a == t for a, t in marked)
        return {"correct": correct, "answered": len(marked), "n": len(self),
                "accuracy": correct / len(marked) if marked else None}

    def show(self, title: str = "Real or fake? (numbered; the answers are in quiz.reveal())"):
        """The static version: the numbered images, no answers."""
        fig = viz.show_images(self.images, nrow=min(len(self), 8), title=title, size=1.0)
        _number(fig.axes[0], len(self), min(len(self), 8))
        return fig

    def reveal(self):
        """The answers: each image framed green (real) or red (generated), and the student's marks."""
        import matplotlib.pyplot as plt

        ncol = min(len(self), 8)
        nrow = -(-len(self) // ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(1.3 * ncol, 1.75 * nrow), squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.set_xticks([])
            ax.set_yticks([])
            if i >= len(self):
                ax.axis("off")
                continue
            ax.imshow(self.images[i, 0].clamp(0, 1).numpy(), cmap="gray", vmin=0, vmax=1)
            real = bool(self.is_real[i])
            for spine in ax.spines.values():
                spine.set(color="tab:green" if real else "tab:red", linewidth=3)
            said = self.answers[i]
            mark = "" if said is None else (" ✓" if said == real else " ✗")
            ax.set_title(f"{i}: {'real' if real else 'fake'}{mark}", fontsize=8)
        s = self.score()
        fig.suptitle("the answers (green: real, red: generated)" + (
            f"; you: {s['correct']}/{s['answered']}" if s["answered"] else ""), fontsize=10)
        fig.tight_layout()
        return fig

    def widget(self, scale: int = 3):
        """The interactive quiz (ipywidgets): one image and one real/fake toggle per cell, "Score me", and
        "Show the answers", which draws `reveal` below the quiz only when pressed (a saved or run-all notebook
        does not show the answers next to the questions)."""
        import ipywidgets as widgets


        cells, toggles = [], []
        for i in range(len(self)):
            image = widgets.Image(value=png_bytes(self.images[i], scale), format="png", width=28 * scale,
                                  height=28 * scale)
            toggle = widgets.ToggleButtons(options=["?", "real", "fake"], value="?",
                                           style={"button_width": "38px"})

            def on_change(change, i=i):
                self.answers[i] = None if change["new"] == "?" else change["new"] == "real"

            toggle.observe(on_change, names="value")
            toggles.append(toggle)
            cells.append(widgets.VBox([widgets.Label(f"{i}"), image, toggle]))
        button, result = widgets.Button(description="Score me", button_style="primary"), widgets.Label()

        def on_click(_):
            s = self.score()
            result.value = ("mark some images first" if not s["answered"] else
                            f"{s['correct']} of {s['answered']} right ({s['accuracy']:.0%}); chance is 50%")

        button.on_click(on_click)
        reveal, answers = widgets.Button(description="Show the answers"), widgets.Output()

        def on_reveal(_):
            import matplotlib.pyplot as plt

            fig = self.reveal()
            answers.outputs = ()
            answers.append_display_data(fig)
            plt.close(fig)

        reveal.on_click(on_reveal)
        ncol = min(len(self), 8)
        rows = [widgets.HBox(cells[r:r + ncol]) for r in range(0, len(cells), ncol)]
        box = widgets.VBox([*rows, widgets.HBox([button, result, reveal]), answers])
        box.toggles, box.button, box.result, box.reveal_button, box.answers = toggles, button, result, reveal, answers
        return box


def _number(ax, n: int, ncol: int) -> None:
    """Write each image's index on a grid drawn by viz.show_images (28 px cells, 1 px padding)."""
    for i in range(n):
        r, c = divmod(i, ncol)
        ax.text(2 + c * 29, 7 + r * 29, str(i), color="yellow", fontsize=7)


@flags("display")
def real_vs_fake_quiz(real, fake, n: int = 16, seed: int = 0, display: bool = True) -> RealFakeQuiz:
    """Build a `RealFakeQuiz`; with ``display=True`` show its widget and the static grid (which is what a
    saved or headless notebook shows)."""
    quiz = RealFakeQuiz(real, fake, n, seed)
    if display:
        from IPython.display import display as show
        quiz.box = quiz.widget()
        show(quiz.box)
        quiz.show()
    return quiz
