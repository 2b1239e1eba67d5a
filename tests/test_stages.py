"""Stage scripts run on their own, in a scratch directory with their own params.yaml."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from gensim.models import KeyedVectors

REPO = Path(__file__).parents[1]


def run_stage(cwd: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    command = [sys.executable, str(REPO / "stages" / script), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def write_params(cwd: Path, group: str, changes: dict[str, object]) -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params[group].update(changes)
    (cwd / "params.yaml").write_text(yaml.safe_dump(params))


def test_low_coverage_pretrained_vectors_are_flagged(tmp_path: Path) -> None:
    vectors = KeyedVectors(vector_size=4)
    vectors.add_vectors(["great", "zebra", "quantum"], [[0.1, 0.2, 0.3, 0.4]] * 3)
    vectors.save_word2vec_format(str(tmp_path / "pretrained.txt"), binary=False)
    vocab = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3, "great": 4, "film": 5, "plot": 6}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    write_params(tmp_path, "embedding", {"source": "pretrained", "path": "pretrained.txt", "dim": 4})

    done = run_stage(
        tmp_path, "build_embedding.py", "--vocab", "vocab.json", "--word2vec", "unused.bin",
        "--out", "embedding.npy", "--metrics", "embedding.json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "embedding.json").read_text())
    assert summary["found"] == 1 and summary["coverage"] < 0.5
    assert "only 16.7% of the vocabulary has a vector" in summary["warning"]


def test_a_stage_with_bad_params_fails_fast_with_the_key(tmp_path: Path) -> None:
    write_params(tmp_path, "pad", {"padding": "middle"})
    done = run_stage(tmp_path, "pad.py", "--stats", "missing.json", "--inputs", "a.npz", "--outputs", "b.npz")
    assert done.returncode == 1
    assert "pad.padding: Input should be 'pre' or 'post' (found 'middle')" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "b.npz").exists()


def test_split_larger_than_the_train_set(tmp_path: Path) -> None:
    import numpy as np

    from imdb_sentiment.pipeline.io import save_npz

    save_npz(tmp_path / "padded.npz", {"x": np.zeros((20, 5), dtype=np.int32), "y": np.zeros(20, dtype=np.int8)})
    write_params(tmp_path, "split", {"val_size": 20, "group_by": "review"})
    done = run_split(tmp_path)
    assert done.returncode == 1
    assert "split.val_size must be between 1 and 19" in done.stderr
    assert not list(tmp_path.glob("train*")) and not list(tmp_path.glob("val*")) and not list(tmp_path.glob("index*"))


def run_split(cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_stage(
        cwd, "split.py", "padded.npz", "--reviews", "reviews.parquet",
        "--train", "train.npz", "--val", "val.npz", "--index", "index.npz",
    )  # fmt: skip


def write_split_inputs(tmp_path: Path, groups: list[str | None], labels: list[int]) -> None:
    import numpy as np
    import pandas as pd

    from imdb_sentiment.pipeline.io import save_npz

    save_npz(tmp_path / "padded.npz", {"x": np.zeros((4, 5), dtype=np.int32), "y": np.array([1, 1, 0, 0], np.int8)})
    train = pd.DataFrame({"split": "train", "label": labels, "group": groups})
    unlabeled = pd.DataFrame({"split": ["unsup"], "label": [None], "group": ["tt9"]})  # ignored by split
    pd.concat([train, unlabeled]).to_parquet(tmp_path / "reviews.parquet")
    write_params(tmp_path, "split", {"val_size": 2, "group_by": "group"})


def test_split_by_group_refuses_other_reviews_than_the_padded_ones(tmp_path: Path) -> None:
    write_split_inputs(tmp_path, ["tt1", "tt1", "tt2", "tt2"], [1, 0, 1, 0])
    done = run_split(tmp_path)
    assert done.returncode == 1
    assert "its train reviews are not the padded train reviews" in done.stderr and "reviews.parquet" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("train*")) and not list(tmp_path.glob("index*"))


def test_split_by_group_holds_out_a_review_without_a_group_on_its_own(tmp_path: Path) -> None:
    """Your own data may lack a group for some rows: each such review is its own group."""
    import numpy as np

    from imdb_sentiment.pipeline.io import load_npz

    write_split_inputs(tmp_path, ["tt1", "tt1", None, None], [1, 1, 0, 0])
    done = run_split(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 train reviews have no group" in done.stderr
    index = load_npz(tmp_path / "index.npz")
    val = set(index["val"].tolist())
    assert {0, 1} <= val or not {0, 1} & val  # the movie tt1 whole on one side
    assert 0 < len(val) < 4
    assert np.array_equal(np.sort(np.concatenate([index["train"], index["val"]])), np.arange(4))


def test_combine_refuses_members_scored_on_other_reviews(tmp_path: Path) -> None:
    """Validation scores of two members must be for the same reviews in the same order."""
    import numpy as np

    from imdb_sentiment.members.scores import MemberScores

    labels = np.array([0, 1, 0, 1, 1, 0], dtype=np.int8)
    probabilities = np.linspace(0.1, 0.9, 6)
    (tmp_path / "members").mkdir()
    MemberScores(np.arange(6), labels, probabilities).save(tmp_path / "scores/keras.npz")
    MemberScores(np.arange(6)[::-1], labels[::-1], probabilities).save(tmp_path / "scores/ngrams.npz")
    for name in ("model.keras", "members/ngrams.npz"):
        (tmp_path / name).write_bytes(b"member")
    (tmp_path / "vocab.json").write_text(json.dumps({"<PAD>": 0}))
    (tmp_path / "stats.json").write_text(json.dumps({"maxlen": 10}))
    write_params(tmp_path, "ensemble", {"members": ["keras", "ngrams"]})
    done = run_combine(tmp_path)
    assert done.returncode == 1
    assert "validation rows of member 'ngrams' differ from those of 'keras'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ensemble.zip").exists() and not (tmp_path / "ensemble.json").exists()

    # a member named in ensemble.members whose stage is not in the pipeline: no model where its kind says
    write_params(tmp_path, "ensemble", {"members": ["keras", "lstm"]})
    done = run_combine(tmp_path)
    assert done.returncode == 1
    assert "ensemble.members names 'lstm', but members/lstm.keras does not exist" in done.stderr
    assert not (tmp_path / "ensemble.zip").exists()

    # a name that is no member at all
    write_params(tmp_path, "ensemble", {"members": ["keras", "doc2vec"]})
    done = run_combine(tmp_path)
    assert done.returncode == 1
    assert "ensemble.members: 'doc2vec' is not a member; expected one of keras, ngrams, ending, lm," in done.stderr
    assert "Traceback" not in done.stderr


def run_combine(cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_stage(
        cwd, "combine.py", "--models", "members", "--model", "keras=model.keras", "--scores", "scores",
        "--vocab", "vocab.json", "--stats", "stats.json", "--out", "ensemble.zip", "--metrics", "ensemble.json",
    )  # fmt: skip


def test_a_full_disk_names_the_output_and_leaves_nothing(tmp_path: Path, fixture_archive: Path) -> None:
    """The download stage writing onto a real full filesystem: a 4 KiB tmpfs, mounted in a
    private mount namespace (`unshare --mount`) so nothing outside the child sees it."""
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux unshare")
    full = tmp_path / "full"
    full.mkdir()
    write_params(tmp_path, "data", {})
    stage = [
        sys.executable, str(REPO / "stages" / "download.py"),
        "--out", str(full / "reviews.parquet"), "--metrics", str(tmp_path / "data.json"),
    ]  # fmt: skip
    # Mount, run the stage, then list what it left: the tmpfs vanishes with the namespace.
    script = 'mount -t tmpfs -o size=4k tmpfs "$0" || exit 99; "$@"; rc=$?; ls -A "$0"; exit $rc'
    env = dict(os.environ, IMDB_ARCHIVE=str(fixture_archive))
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, str(full), *stage],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode == 99 or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 1, done.stderr
    expected = rf"error: cannot write {re.escape(str(full))}/reviews\.parquet: .*No space left on device"
    assert re.search(expected, done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.split() == [], "the full disk must hold no partial output"
