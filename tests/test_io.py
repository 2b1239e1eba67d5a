import errno
import os
from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.io import PipelineError, atomic_output, load_npz, read_json, save_npz, write_json


def test_atomic_output_renames_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    write_json(target, {"a": 1})
    assert read_json(target) == {"a": 1}
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half written")
        raise RuntimeError("killed")
    assert read_json(target) == {"a": 1}, "the previous output must survive a failed write"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"], "no temporary file may remain"


def test_atomic_output_keeps_the_suffix(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "model.keras") as tmp:
        assert tmp.suffix == ".keras" and tmp.parent == tmp_path and tmp.name.startswith(".")
        tmp.write_bytes(b"x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_names_the_path(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PipelineError, match=f"cannot write {tmp_path}/out.json"):
            write_json(tmp_path / "out.json", {})
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_target_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(PipelineError, match=f"cannot write {blocker}/out.json"):
        write_json(blocker / "out.json", {})


def test_full_disk_names_the_path(tmp_path: Path) -> None:
    target = tmp_path / "reviews.parquet"
    with pytest.raises(PipelineError, match=f"cannot write {target}: No space left on device"), atomic_output(target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert list(tmp_path.iterdir()) == []


def test_save_npz_is_byte_deterministic(tmp_path: Path) -> None:
    arrays = {"x": np.arange(12, dtype=np.int32).reshape(3, 4), "y": np.array([1, 0, 1], dtype=np.int8)}
    save_npz(tmp_path / "a.npz", arrays)
    save_npz(tmp_path / "b.npz", dict(reversed(arrays.items())))
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = load_npz(tmp_path / "a.npz")
    np.testing.assert_array_equal(loaded["x"], arrays["x"])
    assert loaded["y"].dtype == np.int8


def test_missing_inputs_say_to_run_dvc_repro(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="dvc repro"):
        load_npz(tmp_path / "missing.npz")
    with pytest.raises(PipelineError, match="dvc repro"):
        read_json(tmp_path / "missing.json")
