from pathlib import Path

import numpy as np
import pytest
import torch

from gencore.data import DataUnavailableError, ImageData, TensorData, as_data, load_dataset
from gencore.data.torchvision_data import FILES, import_local_copy


def test_mnist_test_split_in_memory(home, mnist_test_root):
    data = load_dataset("mnist", "test", root=mnist_test_root)
    assert data.images.shape == (10_000, 1, 28, 28) and data.images.dtype == torch.uint8
    assert data.labels.tolist()[:5] == [7, 2, 1, 0, 4]          # the first MNIST test digits
    assert data.labels.bincount().tolist()[1] == 1135           # ones in the MNIST test split
    x, y = next(iter(data.batches(97, shuffle=False)))
    assert x.shape == (97, 1, 28, 28) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and 0.05 < x.mean() < 0.25
    assert torch.equal(y, data.labels[:97])


def test_batches_cover_every_example_once_per_epoch(home):
    data = TensorData(torch.arange(1000).float().unsqueeze(1), torch.arange(1000))
    batches = data.batches(97, generator=torch.Generator().manual_seed(0))
    assert len(batches) == 11
    seen = torch.cat([y for _, y in batches])
    assert sorted(seen.tolist()) == list(range(1000))
    assert seen.tolist() != list(range(1000))                   # shuffled
    assert len(data.batches(97, drop_last=True)) == 10


def test_binarisation(home, mnist_test_root):
    grey = load_dataset("mnist", "test", root=mnist_test_root, subset=500)
    dyn = load_dataset("mnist", "test", root=mnist_test_root, subset=500, binarize="dynamic")
    static = load_dataset("mnist", "test", root=mnist_test_root, subset=500, binarize="static")
    x_grey, _ = next(iter(grey.batches(500, shuffle=False)))
    d1, _ = next(iter(dyn.batches(500, shuffle=False)))
    d2, _ = next(iter(dyn.batches(500, shuffle=False)))
    s1, _ = next(iter(static.batches(500, shuffle=False)))
    s2, _ = next(iter(static.batches(500, shuffle=False)))
    for b in (d1, d2, s1):
        assert set(b.unique().tolist()) == {0.0, 1.0}
    assert not torch.equal(d1, d2)                              # a fresh draw every epoch
    assert torch.equal(s1, s2)                                  # one fixed draw
    # both are unbiased draws of the grey levels: means agree to a few standard errors
    assert abs(d1.mean() - x_grey.mean()) < 0.005 and abs(s1.mean() - x_grey.mean()) < 0.005
    assert ((d1 == 1) <= (x_grey > 0)).all()                    # never a pixel that was black


def test_subset_is_fixed_for_a_seed(home, mnist_test_root):
    a = load_dataset("mnist", "test", root=mnist_test_root, subset=123, seed=1)
    b = load_dataset("mnist", "test", root=mnist_test_root, subset=123, seed=1)
    c = load_dataset("mnist", "test", root=mnist_test_root, subset=123, seed=2)
    assert len(a) == 123 and torch.equal(a.images, b.images) and not torch.equal(a.images, c.images)
    with pytest.raises(ValueError, match="subset=0"):
        load_dataset("mnist", "test", root=mnist_test_root, subset=0)


def test_offline_download_failure_names_folder_and_files(home, tmp_path):
    root = tmp_path / "empty"
    with pytest.raises(DataUnavailableError) as err:
        load_dataset("mnist", "train", root=root)
    msg = str(err.value)
    assert str(root / "MNIST" / "raw") in msg
    for split in FILES.values():
        for f in split:
            assert f + ".gz" in msg
    assert "GENCORE_DATASET=sprites" in msg and "GENCORE_HOME" in msg


def test_bad_arguments(home):
    with pytest.raises(ValueError, match="Unknown dataset 'cifar10'"):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match="split='val'"):
        load_dataset("sprites", "val")
    with pytest.raises(ValueError, match="binarize='yes'"):
        load_dataset("sprites", "test", subset=10, binarize="yes")


def test_sprites_through_load_dataset(home):
    data = load_dataset("sprites", "test", subset=301)
    assert data.images.shape == (301, 1, 28, 28) and set(data.images.unique().tolist()) == {0, 255}
    assert data.factors.shape == (301, 5) and data.factor_names[:1] == ["shape"]
    assert torch.equal(data.labels, data.factors[:, 0].long())
    assert data.classes == ["square", "ellipse", "triangle"]
    again = load_dataset("sprites", "test", subset=301)
    assert torch.equal(data.images, again.images)


FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_a_local_copy(home, tmp_path):
    root = tmp_path / "data"
    assert import_local_copy("fashion-mnist", "test", root)
    data = load_dataset("fashion-mnist", "test", root=root)
    assert len(data) == 10_000 and data.classes[0] == "T-shirt/top"
    assert data.labels.bincount().tolist() == [1000] * 10


# ------------------------------------------------------------------------------------------ uint8 = images
def test_a_uint8_tensor_is_images_scaled_to_0_1():
    images = torch.randint(0, 256, (50, 1, 6, 6), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    for data in (as_data(images), TensorData(images), as_data(images.numpy())):
        x, _ = next(iter(data.batches(50, shuffle=False)))
        assert x.dtype == torch.float32 and torch.equal(x, images.float() / 255)
    floats = torch.randn(10, 3)
    assert torch.equal(next(iter(as_data(floats).batches(10, shuffle=False)))[0], floats)   # others as they are


# ------------------------------------------------------------------------------------------ value checks
def test_check_values_names_the_first_bad_example():
    x = torch.rand(100, 2, 3)
    x[7, 1, 2] = float("nan")
    x[3, 0, 0] = -float("inf")
    with pytest.raises(ValueError, match=r"The training data is not finite: example 3 holds -inf \(2 of 100"):
        TensorData(x).check_values("training data")
    y = torch.rand(100, 2, 3)
    y[42, 0, 1] = -0.25
    TensorData(y).check_values("test data")                               # finite: fine without a range
    with pytest.raises(ValueError, match=r"test data has values outside \[0, 1\], the range M expects: "
                                         r"example 42 holds -0.25 \(1 of 100"):
        TensorData(y).check_values("test data", (0.0, 1.0), expected_by="M")
    TensorData(torch.randint(0, 5, (20, 3))).check_values("data", (0, 4))  # integer data are finite


def test_uint8_data_are_checked_without_a_scan(monkeypatch):
    images = torch.randint(0, 256, (1000, 1, 28, 28), dtype=torch.uint8)
    data = ImageData(images, torch.zeros(1000, dtype=torch.long), name="t", split="train", classes=["a"])

    def no_scan(*args, **kwargs):
        raise AssertionError("the data were scanned")

    monkeypatch.setattr(torch, "aminmax", no_scan)
    data.check_values("training data", (0.0, 1.0))
    TensorData(images).check_values("training data", (0.0, 1.0))
    TensorData(images).check_values("training data")
    monkeypatch.undo()
    with pytest.raises(ValueError, match="outside"):                       # a narrower range does need a look
        TensorData(images).check_values("training data", (0.0, 0.5))


# ------------------------------------------------------------------------------------------ labels
def test_image_labels_must_be_class_indices():
    images = torch.zeros(4, 1, 2, 2, dtype=torch.uint8)
    kw = dict(name="t", split="train", classes=["a", "b", "c"])
    ImageData(images, torch.tensor([0, 1, 2, 2]), **kw)
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\).*label 3 at index 2 is not \(1 such"):
        ImageData(images, torch.tensor([0, 1, 3, 2]), **kw)
    with pytest.raises(ValueError, match=r"label -1 at index 0"):
        ImageData(images, torch.tensor([-1, 1, 2, 2]), **kw)
    with pytest.raises(ValueError, match="labels must be a 1-D integer tensor"):
        ImageData(images, torch.tensor([0.0, 1.0, 2.0, 2.0]), **kw)


# ------------------------------------------------------------------------------------------ integers
def test_integer_arguments_accept_numpy_integers_and_refuse_fractions(home):
    data = load_dataset("sprites", "test", subset=np.int64(50), seed=np.int64(1))
    assert len(data) == 50 and torch.equal(data.images, load_dataset("sprites", "test", subset=50, seed=1).images)
    assert len(data.batches(np.int64(7))) == 8 and len(list(data.batches(np.int32(7)))) == 8
    x, y = data.sample(np.int64(5), seed=np.int64(2))
    assert x.shape == (5, 1, 28, 28)
    with pytest.raises(TypeError, match="subset must be a whole number, got 10.5"):
        load_dataset("sprites", "test", subset=10.5)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        load_dataset("sprites", "test", subset=10, seed="0")
    with pytest.raises(TypeError, match="batch_size must be a whole number"):
        data.batches(7.5)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        data.batches(0)
    with pytest.raises(TypeError, match="n must be a whole number"):
        data.sample(2.5)
    with pytest.raises(ValueError, match="n must be at most 50"):
        data.sample(51)


# ------------------------------------------------------------------------------------------ generators
def grey_sprites(n: int, binarize=None, split="test") -> ImageData:
    """Sprites are black and white; blurred, they have grey levels for dynamic binarisation to draw from."""
    from gencore.data.augment import gaussian_blur

    sprites = load_dataset("sprites", split, subset=n)
    grey = (gaussian_blur(sprites.images.float() / 255, 1.0) * 255).round().to(torch.uint8)
    return ImageData(grey, sprites.labels, name="grey-sprites", split=split, classes=sprites.classes,
                     binarize=binarize)


def test_dynamic_binarisation_follows_the_generator_it_is_given(home):
    data = grey_sprites(200, "dynamic")

    def epoch(seed):
        return torch.cat([x for x, _ in data.batches(64, generator=torch.Generator().manual_seed(seed))])

    first = epoch(3)
    data.sample(10)                                                  # the dataset's own generator moves on
    next(iter(data.batches(64)))
    assert torch.equal(first, epoch(3)) and not torch.equal(first, epoch(4))
    a, _ = data.sample(10)                                           # direct calls: the dataset's generator
    b, _ = data.sample(10)
    assert not torch.equal(a, b) and set(a.unique().tolist()) <= {0.0, 1.0}


def test_tensor_data_takes_numpy_arrays_and_names_one_hot_labels():
    x = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    data = TensorData(x, np.arange(10) % 2)
    batch, y = data.get(torch.arange(4))
    assert len(data) == 10 and torch.equal(batch, torch.from_numpy(x[:4]))
    assert torch.equal(y, torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"^labels must be .*\(one per example\), got torch.int64 of shape \(10, 2\);"
                                         r" .*labels\.argmax\(1\)"):
        TensorData(x, torch.eye(2, dtype=torch.long)[torch.arange(10) % 2])
    with pytest.raises(TypeError, match=r"^x must be a tensor of examples \(N, \.\.\.\), got list; .*torch\.as_tensor"):
        TensorData(x.tolist())
