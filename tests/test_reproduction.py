"""`python -m imdb_sentiment check-reproduction`: result figures within the stated tolerance of the
committed run's pass, others fail naming the file and key; outputs with other bytes are listed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from imdb_sentiment.cli import main
from imdb_sentiment.sharing.reproduction import (
    FIGURE_TOLERANCE,
    changed_outputs,
    check_reproduction,
    figure_differences,
    within_tolerance,
)


def test_figures_within_the_tolerance_match_and_others_are_named() -> None:
    committed = {"accuracy": 0.922960, "members": {"keras": {"weight": 1.23456789}}, "model": "nbsvm", "epochs": 3}
    close = {"accuracy": 0.922960, "members": {"keras": {"weight": 1.23456781}}, "model": "nbsvm", "epochs": 3}
    assert figure_differences("metrics/e.json", committed, close) == []
    far = {"accuracy": 0.92292, "members": {"keras": {"weight": 1.2}}, "model": "lstm"}
    found = {(d.key, d.committed, d.reproduced) for d in figure_differences("metrics/e.json", committed, far)}
    assert found == {
        ("accuracy", 0.92296, 0.92292),
        ("members.keras.weight", 1.23456789, 1.2),
        ("model", "nbsvm", "lstm"),
        ("epochs", 3, None),  # missing on one side
    }
    assert within_tolerance(1.0, 1.0 + FIGURE_TOLERANCE / 2) and not within_tolerance(True, 1.0)


def test_outputs_with_other_bytes_are_listed_with_their_stage() -> None:
    def lock(keras_md5: str) -> dict:
        return {
            "stages": {
                "train": {"outs": [{"path": "data/model.keras", "md5": keras_md5}]},
                "combine": {"outs": [{"path": "data/ensemble.zip", "md5": "e"}]},
            }
        }

    assert changed_outputs(lock("a"), lock("a")) == []
    assert changed_outputs(lock("a"), lock("b")) == [("train", "data/model.keras")]


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True
    )


def test_a_reproduction_is_checked_against_the_committed_run(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "metrics").mkdir()
    results = {"accuracy": 0.9, "loss": 0.25}
    (tmp_path / "metrics/evaluate.json").write_text(json.dumps(results))
    (tmp_path / "metrics/run.json").write_text(json.dumps({"stages": {"train": {"seconds": 80.0}}}))
    lock = {"stages": {"train": {"outs": [{"path": "data/model.keras", "md5": "a"}]}}}
    stages = {
        "evaluate": {"cmd": "python stages/evaluate.py", "metrics": [{"metrics/evaluate.json": {"cache": False}}]}
    }
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": stages, "metrics": ["metrics/run.json"]}))
    (tmp_path / "metrics/bench.json").write_text(json.dumps({"cold_repro_s": 165.9}))  # a benchmark's, not a result
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump(lock))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "the committed run")

    # Another machine: other seconds, other bytes of the model, the same figures within 1e-5
    (tmp_path / "metrics/run.json").write_text(json.dumps({"stages": {"train": {"seconds": 95.0}}}))
    (tmp_path / "metrics/evaluate.json").write_text(json.dumps({"accuracy": 0.900001, "loss": 0.25}))
    (tmp_path / "metrics/bench.json").write_text(json.dumps({"cold_repro_s": 170.2}))
    lock["stages"]["train"]["outs"][0]["md5"] = "b"
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump(lock))
    check = check_reproduction(tmp_path)
    assert check.reproduced and check.outputs == [("train", "data/model.keras")]

    monkeypatch.chdir(tmp_path)
    main(["check-reproduction"])
    assert (
        "reproduced: every result figure within 1e-05 of HEAD's; 1 outputs with other bytes" in capsys.readouterr().out
    )

    (tmp_path / "metrics/evaluate.json").write_text(json.dumps({"accuracy": 0.8996, "loss": 0.25}))
    try:
        main(["check-reproduction"])
    except SystemExit as exc:
        assert exc.code == 1
    else:
        raise AssertionError("a figure beyond the tolerance must fail")
    out = capsys.readouterr().out
    assert "metrics/evaluate.json: accuracy is 0.8996, committed 0.9" in out and "NOT reproduced" in out
