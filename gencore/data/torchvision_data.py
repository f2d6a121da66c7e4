"""MNIST and Fashion-MNIST through torchvision's own dataset classes, read once into uint8 tensors.

torchvision keeps the four IDX files of a dataset in ``<data folder>/<MNIST|FashionMNIST>/raw/``.
Files found in a known local copy (Debian's ``dataset-fashion-mnist`` package installs Fashion-MNIST
in /usr/share/datasets/fashion-mnist) are decompressed into that folder first, so no download is needed.
"""
from __future__ import annotations

import functools
import gzip
import os
import shutil
import tempfile
from pathlib import Path

from torchvision import datasets

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
TORCHVISION_CLASS = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}
# Local copies looked at before downloading (GENCORE_LOCAL_DATA adds a folder, os.pathsep-separated).
LOCAL_COPIES = {"fashion-mnist": ["/usr/share/datasets/fashion-mnist"], "mnist": []}


class DataUnavailableError(RuntimeError):
    """The dataset is not on disk and could not be downloaded."""


def _split_only(cls):
    """torchvision's class, but satisfied by the requested split's two files (e.g. only the test split)."""

    class SplitOnly(cls):
        def _check_exists(self) -> bool:
            raw = Path(self.raw_folder)
            return all((raw / f).is_file() for f in FILES["train" if self.train else "test"])

    SplitOnly.__name__ = cls.__name__  # torchvision names the folder after the class: MNIST/, FashionMNIST/
    return SplitOnly


def raw_folder(name: str, root: Path) -> Path:
    return Path(root) / TORCHVISION_CLASS[name].__name__ / "raw"


def import_local_copy(name: str, split: str, root: Path, sources=None) -> bool:
    """Copy (decompressing .gz) the split's IDX files from a local folder into torchvision's raw folder."""
    raw = raw_folder(name, root)
    wanted = FILES[split]
    if all((raw / f).is_file() for f in wanted):
        return True
    extra = [p for p in os.environ.get("GENCORE_LOCAL_DATA", "").split(os.pathsep) if p]
    for folder in list(sources if sources is not None else LOCAL_COPIES[name]) + extra:
        folder = Path(folder)
        found = {}
        for f in wanted:
            for candidate in (folder / f, folder / (f + ".gz")):
                if candidate.is_file():
                    found[f] = candidate
                    break
        if len(found) < len(wanted):
            continue
        raw.mkdir(parents=True, exist_ok=True)
        for f, src in found.items():
            opener = gzip.open if src.suffix == ".gz" else open
            with opener(src, "rb") as fin, tempfile.NamedTemporaryFile(dir=raw, delete=False) as tmp:
                shutil.copyfileobj(fin, tmp)
            os.replace(tmp.name, raw / f)
        return True
    return False


def _unavailable(name: str, split: str, root: Path, cause: Exception) -> DataUnavailableError:
    raw = raw_folder(name, root)
    files = ", ".join(f + ".gz" for split_files in FILES.values() for f in split_files)
    hint = (" (offline: `apt-get install dataset-fashion-mnist` provides it)" if name == "fashion-mnist" else "")
    return DataUnavailableError(
        f"Could not load {name} ({split} split): it is not in {raw} and the download failed "
        f"({type(cause).__name__}; no internet?). Put the four files {files} into {raw}{hint}, "
        f"or set GENCORE_HOME to a folder whose data/ already holds them, "
        f"or use the built-in dataset with GENCORE_DATASET=sprites.")


@functools.lru_cache(maxsize=8)
def _load(name: str, split: str, root: str):
    root = Path(root)
    import_local_copy(name, split, root)
    cls = _split_only(TORCHVISION_CLASS[name])
    try:
        ds = cls(str(root), train=(split == "train"), download=True)
    except Exception as e:  # torchvision raises RuntimeError/URLError/OSError for a failed download
        raise _unavailable(name, split, root, e) from None
    return ds.data.unsqueeze(1).contiguous(), ds.targets.long(), tuple(ds.classes)


def load_idx_dataset(name: str, split: str, root: Path):
    """(images uint8 (N,1,28,28), labels int64 (N,), class names) for mnist / fashion-mnist."""
    images, labels, classes = _load(name, split, str(Path(root).expanduser().resolve()))
    return images.clone(), labels.clone(), classes
