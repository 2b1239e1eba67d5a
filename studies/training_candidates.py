"""Choose each model's own training settings (train.<model>.*) on the validation split.

    uv run python studies/training_candidates.py [--only NAME ...]

Each candidate in studies/model_defaults_selection.yaml is params.yaml with the listed `train.*`
changes. It trains like stage train, on the pipeline's own data/split/train.npz and
data/embedding.npy (`dvc repro split build_embedding` first), without refit, and is scored on
data/split/val.npz: the test split is never read. The best validation accuracy, its epoch,
the per-epoch curve and the seconds go to metrics/studies/training_candidates.json, one entry
per candidate (with --only, the other candidates' entries are kept).
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path
from typing import Any

from imdb_sentiment.members.keras.training import train
from imdb_sentiment.pipeline.params import TrainParams, parse_group, read_params_file
from judge import read_record, write_record

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
DEFINITIONS = REPO / "studies" / "model_defaults_selection.yaml"
STUDY = "training_candidates"  # its record: metrics/studies/training_candidates.json


def candidate_params(base: dict[str, Any], changes: dict[str, Any]) -> TrainParams:
    """params.yaml's train group with dotted `train.*` changes applied, refit off."""
    raw = copy.deepcopy(base)
    for dotted, value in changes.items():
        group, *parents, last = dotted.split(".")
        if group != "train":
            raise SystemExit(f"{DEFINITIONS.name}: {dotted}: only train.* keys can change here")
        target = raw["train"]
        for key in parents:
            target = target[key]
        target[last] = value
    raw["train"][raw["train"]["model"]]["refit_full"] = False  # the validation score comes first
    return parse_group(raw, "train", TrainParams)


def markdown(rows: dict[str, Any]) -> str:
    """The README's table of candidates."""
    lines = ["| candidate | validation accuracy | best epoch (of) | seconds |", "| --- | --- | --- | --- |"]
    for name, r in rows.items():
        lines.append(
            f"| `{name}` | {r['val_accuracy']:.2%} | {r['best_epoch']} ({r['epochs_run']}) | {r['seconds']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="candidates to run (default: all)")
    args = parser.parse_args()
    spec = yaml.safe_load(DEFINITIONS.read_text())
    base = read_params_file(REPO / "params.yaml")
    train_set, val_set = np.load(REPO / "data/split/train.npz"), np.load(REPO / "data/split/val.npz")
    matrix = np.load(REPO / "data/embedding.npy")
    rows: dict[str, Any] = read_record(STUDY) if args.only else {}
    for name in args.only or list(spec["experiments"]):
        changes = {**spec.get("common", {}), **spec["experiments"][name]}
        p = candidate_params(base, changes)
        started = time.perf_counter()
        result = train(p, matrix, train_set["x"], train_set["y"], val_set["x"], val_set["y"])
        curve = [round(v, 4) for v in result.history["val_accuracy"]]
        rows[name] = {
            "model": p.model,
            "val_accuracy": curve[result.best_epoch - 1],  # at the lowest val_loss, as stage train keeps
            "best_epoch": result.best_epoch,
            "epochs_run": len(curve),
            "val_accuracy_per_epoch": curve,
            "seconds": round(time.perf_counter() - started, 1),
            "changes": changes,
        }
        print(name, rows[name], flush=True)
        write_record(STUDY, rows)  # after each candidate: an interrupted run keeps those done
    print(markdown(rows))


if __name__ == "__main__":
    main()
