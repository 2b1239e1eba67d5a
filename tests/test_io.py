import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imdb_sentiment.pipeline.io import PipelineError, atomic_output, load_npz, read_json, save_npz, write_json


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


def test_read_only_directory_names_the_path(tmp_path: Path) -> None:
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o555)
    if os.geteuid() != 0:
        with pytest.raises(PipelineError, match=f"cannot write {read_only}/out.json: Permission denied"):
            write_json(read_only / "out.json", {})
        return
    # Root writes through directory permissions by its CAP_DAC_OVERRIDE capability, so the
    # write runs in a child that has dropped it (util-linux setpriv), as any other user would.
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
    script = (
        "from imdb_sentiment.pipeline.io import PipelineError, write_json\n"
        "try:\n"
        f"    write_json({str(read_only / 'out.json')!r}, {{}})\n"
        "except PipelineError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cannot write {read_only}/out.json: Permission denied"
    assert list(read_only.iterdir()) == []


def test_stale_temporaries_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".out.k2j_9x0a.tmp.json"  # what a SIGKILL mid-write of out.json leaves
    stale.write_text("half")
    others = [tmp_path / ".other.k2j_9x0a.tmp.json", tmp_path / ".out.k2j_9x0a.tmp.npz", tmp_path / "out.json.bak"]
    for other in others:
        other.write_text("not ours")
    write_json(tmp_path / "out.json", {"a": 1})
    assert not stale.exists()
    assert all(other.exists() for other in others), "only temporaries of out.json itself may go"
    assert read_json(tmp_path / "out.json") == {"a": 1}


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
