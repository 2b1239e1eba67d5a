"""Run named parameter sets with `dvc exp run` and collect their metrics.

    IMDB_ARCHIVE=$(realpath ../shared/data/aclImdb_v1.tar.gz) uv run python studies/experiments.py [--queue]

By default it runs the tutorial's experiments (studies/tutorial_experiments.yaml): each becomes a
named DVC experiment (see `dvc exp show`); its test accuracy, epochs and seconds are collected
into metrics/experiments.json, with the tutorial's findings checked against them. With --queue
it only queues them: run `dvc queue start -j N` after.

Model selection uses the same runner on the validation split alone:

    python studies/experiments.py --definitions studies/model_selection.yaml \
        --target train --out metrics/studies/model_selection.json

`--target train` stops each run after the train stage, so the test split is never read. Without
--out, other definitions than the tutorial's write metrics/studies/<definitions' name>.json.
The workspace is restored to the committed run at the end.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from imdb_sentiment.pipeline.io import read_json, write_json

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFINITIONS = REPO / "studies" / "tutorial_experiments.yaml"
TUTORIAL_OUT = REPO / "metrics" / "experiments.json"


def exp_command(name: str, params: dict[str, object], queue: bool, target: str | None = None) -> list[str]:
    command = ["dvc", "exp", "run", "-n", name, *(["--queue"] if queue else [])]
    for key, value in params.items():
        command += ["-S", f"{key}={value}"]
    return [*command, *([target] if target else [])]


def trained_row() -> dict[str, object]:
    """What the last run's train stage recorded: validation accuracy, epochs and seconds."""
    train = read_json(REPO / "metrics" / "train.json")
    return {
        "val_accuracy": train["val_accuracy"],
        "epochs_run": train["epochs_run"],
        "best_epoch": train["best_epoch"],
        "train_seconds": read_json(REPO / "metrics" / "run.json")["stages"]["train"]["seconds"],
    }


def restore_workspace() -> None:
    """Back to the committed run: params, lock and metrics from git, data from the DVC cache."""
    subprocess.run(["git", "checkout", "--", "params.yaml", "dvc.lock", "metrics"], cwd=REPO, check=True)
    subprocess.run(["dvc", "checkout", "-q"], cwd=REPO, check=True)


def findings(rows: dict[str, dict[str, object]]) -> dict[str, object]:
    """The tutorial's claims, checked on the measured accuracies."""
    acc = {name: float(row["test_accuracy"]) for name, row in rows.items() if "test_accuracy" in row}  # type: ignore[arg-type]
    found: dict[str, object] = {}
    if "lstm-post" in acc:
        found["lstm_post_near_chance"] = acc["lstm-post"] < 0.6
    if {"lstm-pre", "lstm-post"} <= acc.keys():
        found["lstm_pre_minus_post"] = round(acc["lstm-pre"] - acc["lstm-post"], 4)
        found["lstm_pre_at_least_10_points_better"] = acc["lstm-pre"] - acc["lstm-post"] >= 0.10
    if "cnn-word2vec" in acc:
        found["cnn_word2vec_at_least_86"] = acc["cnn-word2vec"] >= 0.86
    return found


def default_out(definitions: str | Path) -> Path:
    """The tutorial's table is metrics/experiments.json; a study's is its own record file."""
    if Path(definitions).resolve() == DEFINITIONS:
        return TUTORIAL_OUT
    return REPO / "metrics" / "studies" / f"{Path(definitions).stem}.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queue", action="store_true", help="only queue the experiments")
    parser.add_argument("--only", nargs="*", help="names to run (default: all)")
    parser.add_argument("--definitions", default=str(DEFINITIONS), help="YAML with `common` and `experiments`")
    parser.add_argument("--target", help="stop each run after this stage (e.g. train: validation only)")
    parser.add_argument("--out", help="default: metrics/experiments.json, or metrics/studies/<definitions>.json")
    args = parser.parse_args()
    spec = yaml.safe_load(Path(args.definitions).read_text())
    names = args.only or list(spec["experiments"])

    rows: dict[str, dict[str, object]] = {}
    try:
        for name in names:
            params = {**spec["common"], **spec["experiments"][name]}
            started = time.perf_counter()
            subprocess.run(exp_command(name, params, args.queue, args.target), cwd=REPO, check=True)
            if args.queue:
                continue
            ran_with = yaml.safe_load((REPO / "params.yaml").read_text())  # the -S values applied
            test = {}
            if args.target is None:  # evaluate ran: the test split was read
                test["test_accuracy"] = read_json(REPO / "metrics" / "evaluate.json")["accuracy"]
            rows[name] = {
                "model": ran_with["train"]["model"],
                "padding": ran_with["pad"]["padding"],
                "embedding": ran_with["embedding"]["source"],
                **test,
                **trained_row(),
                "wall_seconds": round(time.perf_counter() - started, 1),
                "params": params,
            }
            print(name, rows[name], flush=True)
    finally:
        if not args.queue:
            restore_workspace()
    if rows:
        out = Path(args.out) if args.out else default_out(args.definitions)
        if args.only and out.exists():  # a partial rerun updates its rows, keeps the others
            rows = {**read_json(out).get("experiments", {}), **rows}
        write_json(out, {"experiments": rows, "findings": findings(rows)})


if __name__ == "__main__":
    main()
