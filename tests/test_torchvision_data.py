"""The data folder's real problem is reported: a folder that cannot be written is not a failed download."""
import errno

import pytest
from torchvision import datasets

from gencore.data import DataUnavailableError, load_dataset
from gencore.data.torchvision_data import FILES, import_local_copy, load_idx_dataset, raw_folder


def _a_file(tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("not a folder")
    return afile


def test_data_folder_under_a_regular_file_is_named(home, tmp_path):
    afile = _a_file(tmp_path)
    root = afile / "data"                                   # can never be created: NotADirectoryError
    with pytest.raises(DataUnavailableError) as err:
        load_dataset("mnist", "test", root=root)
    msg = str(err.value)
    assert f"{afile} is a file, not a folder" in msg and str(raw_folder("mnist", root)) in msg
    assert "NotADirectoryError" in msg and "GENCORE_HOME" in msg
    assert "no internet" not in msg and "download failed" not in msg


def test_data_folder_that_is_a_file_is_named(home, tmp_path):
    root = tmp_path / "data"
    raw = raw_folder("mnist", root)
    raw.parent.mkdir(parents=True)
    raw.write_text("in the way")                            # torchvision's makedirs: FileExistsError
    with pytest.raises(DataUnavailableError, match=f"{raw} is a file, not a folder") as err:
        load_idx_dataset("mnist", "test", root)
    assert "no internet" not in str(err.value)


@pytest.mark.parametrize("cause", [
    PermissionError(errno.EACCES, "Permission denied"),
    "with filename",
    OSError(errno.EROFS, "Read-only file system"),
])
def test_unwritable_data_folder_is_not_reported_as_a_failed_download(home, tmp_path, monkeypatch, cause):
    root = tmp_path / "data"
    raw = raw_folder("mnist", root)
    if cause == "with filename":
        cause = PermissionError(errno.EACCES, "Permission denied", str(raw / "t10k-images-idx3-ubyte.gz"))

    def download(self):
        raw.mkdir(parents=True, exist_ok=True)
        raise cause

    monkeypatch.setattr(datasets.MNIST, "download", download)
    with pytest.raises(DataUnavailableError) as err:
        load_dataset("mnist", "test", root=root)
    msg = str(err.value)
    assert f"the folder {raw} is not writable ({type(cause).__name__}: {cause.strerror})" in msg
    assert "set GENCORE_HOME to a writable folder" in msg
    for split in FILES.values():
        for f in split:
            assert f + ".gz" in msg                         # or put the files there
    assert "no internet" not in msg and "download failed" not in msg


def test_network_failure_is_still_a_failed_download(home, tmp_path, monkeypatch):
    def download(self):
        raise RuntimeError("Error downloading t10k-images-idx3-ubyte.gz")

    monkeypatch.setattr(datasets.MNIST, "download", download)
    with pytest.raises(DataUnavailableError, match="download failed.*no internet"):
        load_dataset("mnist", "test", root=tmp_path / "data")


def test_import_local_copy_into_an_unwritable_place_is_named(tmp_path):
    source = tmp_path / "copy"
    source.mkdir()
    for f in FILES["test"]:
        (source / f).write_bytes(b"idx")
    root = _a_file(tmp_path) / "data"
    with pytest.raises(DataUnavailableError, match="a-file is a file, not a folder"):
        import_local_copy("mnist", "test", root, sources=[source])
    assert import_local_copy("mnist", "test", tmp_path / "ok", sources=[source])
