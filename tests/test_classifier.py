"""The domain classifier: shapes, inputs it accepts and refuses, accuracy on held-out data, the cache."""
import time

import pytest
import torch

import gencore
import gencore.cache
from gencore.classifier import (
    Classifier,
    accuracy,
    class_probabilities,
    classify,
    extract_features,
    load_classifier,
    train_classifier,
)
from gencore.data import ImageData, TensorData, load_dataset
from gencore.data.augment import gaussian_blur, random_affine, soften
from gencore.validate import as_images

IMG = (1, 28, 28)
MNIST_EPOCHS, MNIST_BAR = 20, 0.99      # measured: 99.35% (seed 0)


def grey(n, seed=0):
    return torch.rand(n, *IMG, generator=torch.Generator().manual_seed(seed))


def small_model(classes=10, **kw):
    torch.manual_seed(0)
    return Classifier(classes, **kw)


# ------------------------------------------------------------------------------------------ shapes
def test_features_logits_and_predictions_have_the_right_shapes():
    model = small_model()
    x = grey(97)
    assert model.features(x).shape == (97, 128)
    assert model(x).shape == (97, 10)
    assert model.predict(x).shape == (97,) and model.predict(x).dtype == torch.int64
    terms = model.loss(x, torch.randint(10, (97,)))
    assert set(terms) == {"loss", "accuracy"}
    assert all(v.dim() == 0 and torch.isfinite(v) for v in terms.values())
    assert 0 <= terms["accuracy"].item() <= 1
    # the cross-entropy of an untrained 10-class model is close to log 10
    assert abs(terms["loss"].item() - torch.log(torch.tensor(10.0)).item()) < 0.5
    assert Classifier(3).n_classes == 3 and small_model(["a", "b"])(x).shape == (97, 2)


def test_classify_helpers_run_in_batches_without_gradients_and_restore_the_mode():
    model = small_model().train()
    x = grey(97, 1)
    seen = []
    model.register_forward_hook(lambda m, i, o: seen.append((torch.is_grad_enabled(), m.training, len(i[0]))))
    labels = classify(model, x, batch_size=40)
    assert labels.shape == (97,) and labels.dtype == torch.int64
    assert [s[2] for s in seen] == [40, 40, 17]                      # in batches
    assert all(not grad and not training for grad, training, _ in seen)   # no gradients, eval mode (no dropout)
    assert model.training                                            # the mode it had is restored
    model.eval()
    with torch.no_grad():
        expected = model(x)
    assert torch.equal(labels, expected.argmax(1))
    probs = class_probabilities(model, x, batch_size=50)
    assert probs.shape == (97, 10) and torch.allclose(probs.sum(1), torch.ones(97))
    assert torch.allclose(probs, expected.softmax(1), atol=1e-6)
    feats = extract_features(model, x, batch_size=33)
    assert feats.shape == (97, 128) and not feats.requires_grad and feats.min() >= 0     # after a ReLU
    assert model.predict(x).requires_grad is False
    assert all(p.grad is None for p in model.parameters())
    assert accuracy(model, x, expected.argmax(1)) == 1.0
    assert accuracy(model, x, (expected.argmax(1) + 1) % 10) == 0.0


def test_augmentation_is_light_reproducible_and_only_in_training():
    x = torch.zeros(64, *IMG)
    x[:, :, 10:18, 12:20] = 1.0
    assert random_affine(x) is x and soften(x, 0.0) is x
    torch.manual_seed(0)
    moved = random_affine(x, shift=2)
    assert moved.shape == x.shape and moved.min() >= 0 and moved.max() <= 1
    assert torch.allclose(moved.sum((1, 2, 3)), x.sum((1, 2, 3)), rtol=1e-4)   # moved inside the frame, not lost
    centre = lambda im: (im[:, 0].sum(1) * torch.arange(28)).sum(1) / im[:, 0].sum((1, 2))   # mean column
    dx = centre(moved) - centre(x)
    assert dx.abs().max() <= 2 + 1e-4 and dx.abs().max() > 1 and dx.std() > 0.5     # up to 2 px, per image
    turned = random_affine(x, rotate=30)
    assert (turned - x).abs().flatten(1).amax(1).min() > 0                           # every image changed
    assert torch.allclose(random_affine(x, zoom=1e-6), x, atol=1e-4)
    torch.manual_seed(0)
    assert torch.equal(random_affine(x, shift=2), moved)                         # torch's global RNG
    torch.manual_seed(1)
    soft = soften(x, 0.5)
    changed = (soft != x).flatten(1).any(1)
    assert 0.25 < changed.float().mean() < 0.75                                      # about half the batch
    assert soft.min() >= 0 and soft.max() <= 1 and (soft[changed].amax((1, 2, 3)) < 1).all()   # blurred, dimmed
    assert torch.equal(soft[~changed], x[~changed])
    model = small_model(shift=2, rotate=10, zoom=0.1, soften=0.5)
    y = torch.zeros(64, dtype=torch.long)
    model.eval()
    assert torch.equal(model.loss(x, y)["loss"], model.loss(x, y)["loss"])         # eval: no augmentation
    model.train()
    model.out[0].p = 0.0                                                             # no dropout: only augmentation
    assert not torch.equal(model.loss(x, y)["loss"], model.loss(x, y)["loss"])


# ------------------------------------------------------------------------------------------ inputs
def test_grey_level_uint8_bool_and_channelless_inputs_are_accepted():
    model = small_model().eval()
    u8 = (grey(97, 2) * 255).round().to(torch.uint8)
    as_float = u8.float() / 255
    with torch.no_grad():
        ref = model(as_float)
        assert torch.allclose(model(u8), ref)                        # uint8 0..255 is scaled to [0, 1]
        assert torch.allclose(model(u8[:, 0]), ref)                  # (N, 28, 28): one channel
        assert torch.allclose(model(as_float.numpy()), ref)          # numpy arrays
        binary = as_float > 0.5
        assert torch.allclose(model(binary), model(binary.float()))
        assert model(as_float[:1]).shape == (1, 10)
    assert torch.equal(classify(model, u8), classify(model, as_float))
    assert torch.equal(as_images(u8), as_float)


@pytest.mark.parametrize("shape", [(97, 784), (97, 3, 28, 28), (97, 1, 32, 32), (28, 28), (97, 1, 1, 28, 28)])
def test_images_of_the_wrong_shape_are_refused_with_one_sentence(shape):
    model = small_model()
    with pytest.raises(ValueError, match=r"must have shape \(N, 1, 28, 28\).*got \(" + str(shape[0])):
        model(torch.rand(shape))
    with pytest.raises(ValueError, match=r"shape \(N, 1, 28, 28\)"):
        classify(model, torch.rand(shape))


def test_values_outside_0_1_and_ambiguous_types_are_refused():
    model = small_model()
    x = grey(5)
    with pytest.raises(ValueError, match=r"\[0, 1\].*\(x \+ 1\) / 2"):
        model(x * 2 - 1)                                             # a tanh generator's output
    with pytest.raises(ValueError, match=r"\[0, 1\].*divide by 255"):
        model(x * 255)                                               # 0..255 as floats
    with pytest.raises(ValueError, match="NaN or infinite"):
        model(torch.where(x > 0.5, torch.nan, x))
    with pytest.raises(TypeError, match="ambiguous"):
        model((x * 255).long())
    with pytest.raises(TypeError, match="tensor of images"):
        model([[0.0] * 28] * 28)
    with pytest.raises(ValueError, match="2 labels"):
        accuracy(model, x, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="needs labels"):
        accuracy(model, x)
    with pytest.raises(ValueError, match="at least 2 classes"):
        Classifier(["only"])


def test_unknown_dataset_and_bad_training_data_are_refused(home):
    with pytest.raises(ValueError, match="Unknown dataset 'cifar10'.*mnist, fashion-mnist, sprites"):
        train_classifier("cifar10")
    with pytest.raises(TypeError, match="dataset must be a name"):
        train_classifier(3)
    sprites = load_dataset("sprites", "test", subset=50)
    with pytest.raises(ValueError, match="no labels"):
        train_classifier("sprites", train=sprites.x, epochs=1)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
        train_classifier("sprites", train=TensorData(sprites.x, sprites.labels + 3), epochs=1)
    with pytest.raises(ValueError, match="1x28x28 images"):
        train_classifier("sprites", train=TensorData(sprites.x[:, :, :14], sprites.labels), epochs=1)
    with pytest.raises(ValueError, match="is sprites data"):
        train_classifier("mnist", train=sprites, epochs=1)


# ------------------------------------------------------------------------------------------ accuracy
@pytest.mark.slow
def test_sprites_classifier_reaches_995_percent_on_held_out_sprites_and_handles_grey_levels(home):
    """Trained on 20,000 binary sprites (4 epochs), tested on 5,000 from the test split."""
    train = load_dataset("sprites", "train", subset=20_000, seed=1)
    test = load_dataset("sprites", "test", subset=5000, seed=2)
    model, history = train_classifier("sprites", train=train, test=test, epochs=4, progress=False, verbose=False)
    assert model.classes == ["square", "ellipse", "triangle"]
    measured = accuracy(model, test)
    assert history.last("test/accuracy") == pytest.approx(measured, abs=1e-6)
    assert measured >= 0.995, f"sprites shape accuracy {measured:.4f}"
    # generators draw grey levels: the same test sprites blurred (sigma 0.7 px) and dimmed are still recognised
    soft = gaussian_blur(test.x.float() / 255, 0.7) * 0.8
    assert accuracy(model, soft, test.labels) >= 0.98


@pytest.mark.slow
def test_mnist_classifier_on_the_shared_test_split(home, mnist_test_root):
    """The MNIST train split is not available offline: train on 8,000 images of the test split, test on the
    other 2,000 (a fixed random split)."""
    full = load_dataset("mnist", "test", root=mnist_test_root)
    order = torch.randperm(len(full), generator=torch.Generator().manual_seed(0))
    parts = {}
    for split, idx in (("train", order[:8000]), ("test", order[8000:])):
        parts[split] = ImageData(full.x[idx], full.labels[idx], name="mnist", split=split, classes=full.classes)
    model, history = train_classifier("mnist", train=parts["train"], test=parts["test"], epochs=MNIST_EPOCHS,
                                      progress=False, verbose=False)
    measured = accuracy(model, parts["test"])
    assert measured >= MNIST_BAR, f"MNIST accuracy {measured:.4f} on the 2,000 held-out images"


# ------------------------------------------------------------------------------------------ the cache
def test_trained_once_then_loaded_reproducibly(home, monkeypatch, capsys):
    train = load_dataset("sprites", "train", subset=600, seed=3)
    first, history = train_classifier("sprites", train=train, epochs=1, progress=False)
    assert "Saved" in capsys.readouterr().out and len(history) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier was trained again")

    monkeypatch.setattr(gencore.cache, "fit", no_training)
    second, history2 = train_classifier("sprites", train=train, epochs=1, progress=False)
    assert "Loaded cached model" in capsys.readouterr().out
    assert history2.to_dict() == history.to_dict()
    assert not second.training
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        assert torch.equal(a, b), name
    with pytest.raises(AssertionError, match="trained again"):        # other data: another model
        train_classifier("sprites", train=load_dataset("sprites", "train", subset=600, seed=4), epochs=1,
                         progress=False)
    monkeypatch.undo()
    # retraining the same call gives the same weights: the shifts are drawn from the seeded global RNG
    third, _ = train_classifier("sprites", train=train, epochs=1, progress=False, retrain=True)
    for (name, a), (_, b) in zip(first.state_dict().items(), third.state_dict().items()):
        assert torch.equal(a, b), name


@pytest.mark.slow
def test_load_classifier_in_quick_mode_trains_a_small_model_once(home, tmp_path, monkeypatch):
    monkeypatch.setenv("GENCORE_HOME", str(tmp_path / "quick"))
    gencore.setup(seed=0, quick=True, dataset="sprites", device="cpu", threads=home.threads, verbose=False)
    start = time.perf_counter()
    model = load_classifier(progress=False, verbose=False)
    trained = time.perf_counter() - start
    assert isinstance(model, Classifier) and model.classes == ["square", "ellipse", "triangle"]
    assert not model.training
    test = load_dataset("sprites", "test", subset=2000)
    measured = accuracy(model, test)
    assert measured >= 0.98, f"quick-mode sprites accuracy {measured:.4f}"
    start = time.perf_counter()
    again = load_classifier(progress=False, verbose=False)
    assert time.perf_counter() - start < trained / 2
    assert torch.equal(again.out[1].weight, model.out[1].weight)
