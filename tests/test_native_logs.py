"""TensorFlow's C++ start-up noise is kept off stderr; everything else gets through."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imdb_sentiment.pipeline.io import read_json
from imdb_sentiment.pipeline.logs import USER_LEVEL, copy_without_noise, is_noise

# Lines TensorFlow 2.21 printed on this project's stages before the filter (timestamps kept).
NOISE = [
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    b"I0000 00:00:1795757358.924718    4176 port.cc:153] oneDNN custom operations are on. You may see"
    b" slightly different numerical results due to floating-point round-off errors.\n",
    b"I0000 00:00:1795757359.029243    4176 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to"
    b" use available CPU instructions in performance-critical operations.\n",
    b"To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with"
    b" the appropriate compiler flags.\n",
    b"E0000 00:00:1795757373.104337    4176 node_def_util.cc:682] NodeDef mentions attribute"
    b" use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset; ...>\n",
]
KEPT = [
    b"2026-11-27 06:01:02,345 train INFO nbsvm: best epoch 3, val_accuracy 0.9163\n",
    b"W0000 00:00:1795757373.1 4176 gpu_device.cc:2344] Cannot dlopen some GPU libraries.\n",
    b"E0000 00:00:1795757373.1 4176 cuda_executor.cc:1] failed call to cuInit: UNKNOWN ERROR (303)\n",
    b"error: data/model.keras: no such file\n",
    b"Traceback (most recent call last):\n",
    b"UserWarning: oneDNN is mentioned, but not as TensorFlow's notice\n",
]


@pytest.mark.parametrize("line", NOISE)
def test_start_up_noise_is_recognised(line: bytes) -> None:
    assert is_noise(line)


@pytest.mark.parametrize("line", KEPT)
def test_warnings_errors_and_our_own_logs_are_kept(line: bytes) -> None:
    assert not is_noise(line)


def test_copy_keeps_order_and_drops_only_noise() -> None:
    source = io.BytesIO(
        b"".join(line for pair in zip(NOISE, KEPT, strict=False) for line in pair) + b"no newline at end"
    )
    sink = io.BytesIO()
    copy_without_noise(source, sink)
    assert sink.getvalue() == b"".join(KEPT[: len(NOISE)]) + b"no newline at end"


WRITE_NATIVE = f"""
import os, sys
from imdb_sentiment.pipeline.logs import hide_tensorflow_noise
hide_tensorflow_noise()  # as every stage (run_stage), `predict` and `serve` (cli.main) do
os.write(2, {b"".join(NOISE + KEPT[1:3])!r})  # as C++ code writes: straight to fd 2
print("python stderr line", file=sys.stderr)
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != USER_LEVEL} | env
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False)


def test_native_writes_to_fd_2_are_filtered() -> None:
    done = run_python(WRITE_NATIVE)
    assert done.returncode == 0
    assert done.stderr == (KEPT[1] + KEPT[2]).decode() + "python stderr line\n"


def test_a_users_own_log_level_leaves_tensorflow_output_untouched() -> None:
    done = run_python(WRITE_NATIVE, **{USER_LEVEL: "0"})
    assert done.stderr == b"".join(NOISE + KEPT[1:3]).decode() + "python stderr line\n"


def test_the_last_lines_before_a_crash_still_arrive() -> None:
    done = run_python(
        "import os; from imdb_sentiment.pipeline.logs import hide_tensorflow_noise; hide_tensorflow_noise(); "
        "os.write(2, b'F0000 fatal: check failed\\n'); os.abort()"
    )
    assert done.returncode != 0
    assert "F0000 fatal: check failed" in done.stderr


def test_importing_the_package_changes_nothing_in_the_process() -> None:
    """No filter process, fd 2 untouched: the entry points install the filter, not the import."""
    done = run_python(
        "import os; before = os.fstat(2).st_ino; "
        "import imdb_sentiment, imdb_sentiment.scoring.classifier, imdb_sentiment.scoring.predict; "
        "import imdb_sentiment.scoring.explain; "
        "import imdb_sentiment.pipeline.logs as logs; "
        "print(os.fstat(2).st_ino == before, logs._installed)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_a_stage_is_quiet_with_tensorflow_imported_inside_it(tmp_path: Path) -> None:
    record = tmp_path / "run.json"
    done = run_python(
        "from imdb_sentiment.pipeline.stage import run_stage\n"
        "def main():\n"
        "    import imdb_sentiment.members.keras.architectures, tensorflow as tf\n"
        "    tf.constant(1) + 1\n"
        "    print('ok')\n"
        "run_stage(main)\n",
        IMDB_RUN_RECORD=str(record),
    )
    assert done.returncode == 0 and done.stdout == "ok\n"
    assert read_json(record)["machine"]["device"] == "CPU"  # TensorFlow was loaded: its device is recorded
    assert "oneDNN" not in done.stderr and "absl" not in done.stderr and "CPU instructions" not in done.stderr
