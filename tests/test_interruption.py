"""A process killed while writing an output leaves the previous file, never a partial one."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


@pytest.mark.parametrize("name", ["reviews.parquet", "model.keras", "aclImdb_v1.tar.gz"])
def test_sigkill_mid_write_leaves_no_partial_output(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    script = textwrap.dedent(
        f"""
        import os, signal
        from imdb_sentiment.pipeline.io import atomic_output
        with atomic_output({str(target)!r}) as tmp:
            with open(tmp, "wb") as handle:
                handle.write(b"half of the bytes")
                handle.flush()
                os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False)
    assert done.returncode == -9
    assert not target.exists(), "a killed write must not leave the output in place"
