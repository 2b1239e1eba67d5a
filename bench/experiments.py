"""Run the tutorial's experiments (bench/tutorial_experiments.yaml) with `dvc exp run`.

    IMDB_ARCHIVE=$(realpath ../shared/data/aclImdb_v1.tar.gz) python bench/experiments.py [--queue]

Each experiment becomes a named DVC experiment (see `dvc exp show`); its test accuracy,
epochs and seconds are collected into metrics/experiments.json, with the tutorial's findings
checked against them. With --queue it only queues them: run `dvc queue start -j N` after.
The workspace is restored to the committed run at the end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFINITIONS = REPO / "bench" / "tutorial_experiments.yaml"


def exp_command(name: str, params: dict[str, object], queue: bool) -> list[str]:
    command = ["dvc", "exp", "run", "-n", name, *(["--queue"] if queue else [])]
    for key, value in params.items():
        command += ["-S", f"{key}={value}"]
    return command


def findings(rows: dict[str, dict[str, object]]) -> dict[str, object]:
    """The tutorial's claims, checked on the measured accuracies."""
    acc = {name: float(row["test_accuracy"]) for name, row in rows.items()}  # type: ignore[arg-type]
    found: dict[str, object] = {}
    if "lstm-post" in acc:
        found["lstm_post_near_chance"] = acc["lstm-post"] < 0.6
    if {"lstm-pre", "lstm-post"} <= acc.keys():
        found["lstm_pre_minus_post"] = round(acc["lstm-pre"] - acc["lstm-post"], 4)
        found["lstm_pre_at_least_10_points_better"] = acc["lstm-pre"] - acc["lstm-post"] >= 0.10
    if "cnn-word2vec" in acc:
        found["cnn_word2vec_at_least_86"] = acc["cnn-word2vec"] >= 0.86
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queue", action="store_true", help="only queue the experiments")
    parser.add_argument("--only", nargs="*", help="names to run (default: all)")
    parser.add_argument("--out", default=str(REPO / "metrics" / "experiments.json"))
    args = parser.parse_args()
    spec = yaml.safe_load(DEFINITIONS.read_text())
    names = args.only or list(spec["experiments"])

    rows: dict[str, dict[str, object]] = {}
    try:
        for name in names:
            params = {**spec["common"], **spec["experiments"][name]}
            started = time.perf_counter()
            subprocess.run(exp_command(name, params, args.queue), cwd=REPO, check=True)
            if args.queue:
                continue
            evaluate = json.loads((REPO / "metrics" / "evaluate.json").read_text())
            train = json.loads((REPO / "metrics" / "train.json").read_text())
            rows[name] = {
                "model": params["train.model"],
                "padding": params.get("pad.padding", "pre"),
                "embedding": params["embedding.source"],
                "test_accuracy": evaluate["accuracy"],
                "val_accuracy": train["val_accuracy"],
                "epochs_run": train["epochs_run"],
                "best_epoch": train["best_epoch"],
                "train_seconds": train["seconds"],
                "wall_seconds": round(time.perf_counter() - started, 1),
                "params": params,
            }
            print(name, rows[name], flush=True)
    finally:
        if not args.queue:  # back to the committed run
            subprocess.run(["git", "checkout", "--", "params.yaml", "dvc.lock", "metrics"], cwd=REPO, check=True)
            subprocess.run(["dvc", "checkout", "-q"], cwd=REPO, check=True)
    if rows:
        out = Path(args.out)
        if args.only and out.exists():  # a partial rerun updates its rows, keeps the others
            rows = {**json.loads(out.read_text())["experiments"], **rows}
        out.write_text(json.dumps({"experiments": rows, "findings": findings(rows)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
