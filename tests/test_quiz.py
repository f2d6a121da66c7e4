"""The real-vs-fake quiz: its key, its score, the widget's wiring, and a headless run that does not break."""
import matplotlib
import pytest
import torch

from gencore.quiz import RealFakeQuiz, real_vs_fake_quiz

matplotlib.use("Agg")


def _sets():
    real = torch.zeros(20, 1, 28, 28)                     # black: real
    fake = torch.ones(30, 1, 28, 28)                      # white: generated
    return real, fake


def test_quiz_key_matches_the_images_and_order_is_seeded():
    real, fake = _sets()
    quiz = RealFakeQuiz(real, fake, n=16, seed=3)
    assert len(quiz) == 16 and int(quiz.is_real.sum()) == 8
    assert torch.equal(quiz.images.flatten(1).mean(1) == 0, quiz.is_real)
    assert torch.equal(RealFakeQuiz(real, fake, n=16, seed=3).is_real, quiz.is_real)
    assert not torch.equal(RealFakeQuiz(real, fake, n=16, seed=4).is_real, quiz.is_real)


def test_score_counts_right_answers():
    quiz = RealFakeQuiz(*_sets(), n=10, seed=0)
    assert quiz.score()["accuracy"] is None
    for i in range(10):
        quiz.mark(i, "real" if quiz.is_real[i] else "fake")
    quiz.mark(0, "fake" if quiz.is_real[0] else "real")   # one wrong
    s = quiz.score()
    assert (s["correct"], s["answered"], s["n"]) == (9, 10, 10) and s["accuracy"] == pytest.approx(0.9)


def test_widget_toggles_record_answers_and_the_button_scores():
    pytest.importorskip("ipywidgets")
    quiz = RealFakeQuiz(*_sets(), n=6, seed=1)
    box = quiz.widget()
    for i, toggle in enumerate(box.toggles):
        toggle.value = "real" if quiz.is_real[i] else "fake"
    box.button.click()
    assert "6 of 6 right" in box.result.value
    box.toggles[0].value = "?"
    assert quiz.answers[0] is None


def test_widget_shows_the_answers_only_when_asked():
    pytest.importorskip("ipywidgets")
    quiz = RealFakeQuiz(*_sets(), n=6, seed=1)
    box = quiz.widget()
    assert box.answers.outputs == ()                     # nothing below the quiz until the button is pressed
    box.reveal_button.click()
    assert len(box.answers.outputs) == 1
    box.reveal_button.click()                            # pressed again: still one figure, redrawn
    assert len(box.answers.outputs) == 1


def test_headless_quiz_shows_the_static_grid_and_reveal_draws():
    quiz = real_vs_fake_quiz(*_sets(), n=8, seed=0, display=True)
    quiz.mark(1, "real")
    fig = quiz.reveal()
    assert len(fig.axes) == 8


def test_quiz_refuses_too_few_images_and_bad_marks():
    real, fake = _sets()
    with pytest.raises(ValueError, match="needs at least"):
        RealFakeQuiz(real[:2], fake, n=16)
    quiz = RealFakeQuiz(real, fake, n=4)
    with pytest.raises(ValueError, match="'real' or 'fake'"):
        quiz.mark(0, "yes")
    with pytest.raises(ValueError, match="at most 3"):
        quiz.mark(4, "real")
