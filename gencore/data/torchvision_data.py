"""MNIST and Fashion-MNIST through torchvision's own dataset classes, read once into uint8 tensors.

torchvision keeps the four IDX files of a dataset in ``<data folder>/<MNIST|FashionMNIST>/raw/``.
Files found in a known local copy (Debian's ``dataset-fashion-mnist`` package installs Fashion-MNIST
in /usr/share/datasets/fashion-mnist) are decompressed into that folder first, so no download is needed.
"""
from __future__ import annotations

import errno
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
    """The dataset is not on disk and could not be downloaded (or its folder cannot be written)."""


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
        try:
            raw.mkdir(parents=True, exist_ok=True)
            for f, src in found.items():
                opener = gzip.open if src.suffix == ".gz" else open
                with opener(src, "rb") as fin, tempfile.NamedTemporaryFile(dir=raw, delete=False) as tmp:
                    shutil.copyfileobj(fin, tmp)
                os.replace(tmp.name, raw / f)
        except OSError as e:
            if _is_storage_error(e) and not _under(e, folder):
                raise _not_writable(name, split, root, e) from None
            raise
        return True
    return False


def _is_storage_error(e: BaseException) -> bool:
    """The data folder cannot be created or written: no permission, a file in the way, a read-only disk."""
    return (isinstance(e, (PermissionError, NotADirectoryError, FileExistsError))
            or (isinstance(e, OSError) and e.errno == errno.EROFS))


def _under(e: OSError, folder: Path) -> bool:
    """Whether the error is about a file of ``folder`` (the local copy being read), not the data folder."""
    return bool(e.filename) and Path(folder) in Path(e.filename).parents


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (one we may not look into counts as existing)."""
    try:
        while not path.exists() and path.parent != path:
            path = path.parent
    except OSError:
        pass
    return path


def _not_writable(name: str, split: str, root: Path, cause: OSError) -> DataUnavailableError:
    """The real cause when the data folder cannot be created or written (not a network problem)."""
    raw = raw_folder(name, root)
    files = ", ".join(f + ".gz" for split_files in FILES.values() for f in split_files)
    target = Path(cause.filename) if getattr(cause, "filename", None) else raw
    existing = _first_existing(target)
    reason = f"{type(cause).__name__}: {cause.strerror or cause}"
    try:
        blocked = existing.exists() and not existing.is_dir()  # a file where a folder should be
    except OSError:
        blocked = False
    if blocked:
        if isinstance(cause, PermissionError) and existing == target and not os.access(existing, os.R_OK):
            return DataUnavailableError(
                f"Could not load {name} ({split} split): the file {existing} cannot be read ({reason}); "
                f"make it readable, or set GENCORE_HOME to a folder of your own whose data/ holds the files.")
        return DataUnavailableError(
            f"Could not load {name} ({split} split): {existing} is a file, not a folder, so the data folder "
            f"{raw} cannot be created ({reason}); set GENCORE_HOME to a writable folder, or move that file away.")
    return DataUnavailableError(
        f"Could not load {name} ({split} split): the folder {existing} is not writable ({reason}), so the "
        f"data cannot be stored in {raw}; set GENCORE_HOME to a writable folder, or put the four files "
        f"{files} into {raw} yourself.")


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
    except OSError as e:
        if _is_storage_error(e):  # the folder cannot be created or written: not a network problem
            raise _not_writable(name, split, root, e) from None
        raise _unavailable(name, split, root, e) from None
    except Exception as e:  # torchvision raises RuntimeError/URLError/OSError for a failed download
        raise _unavailable(name, split, root, e) from None
    return ds.data.unsqueeze(1).contiguous(), ds.targets.long(), tuple(ds.classes)


def load_idx_dataset(name: str, split: str, root: Path):
    """(images uint8 (N,1,28,28), labels int64 (N,), class names) for mnist / fashion-mnist."""
    images, labels, classes = _load(name, split, str(Path(root).expanduser().resolve()))
    return images.clone(), labels.clone(), classes
