from pathlib import Path

import pytest
import torch

from gencore.data import DataUnavailableError, TensorData, load_dataset
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
