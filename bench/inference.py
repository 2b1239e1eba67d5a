"""Where a person waits: one review from the command line, and the ensemble's arrays against Keras.

    uv run python bench/inference.py          # after `dvc repro`: needs data/ensemble.zip and data/model.keras

1. `python -m imdb_sentiment predict "I loved every minute of it"` run ``--runs`` times as a user runs it
   (a new process each time, bytecode compiled), its wall seconds and peak memory (the process and
   its children) each time; and the same with `--model data/model.keras`, the Keras model alone.
2. The default ensemble's NBSVM member is numpy arrays (stage combine's inference form). Here the
   arrays and the Keras model they came from (stage train's data/model.keras) score the 25,000 test
   reviews: the largest difference between their probabilities, which must stay within 1e-6. Not a
   model choice: no test figure picks anything. And every review's exact explanation must add up to
   the arrays' log-odds.

Results go to the ``inference`` section of metrics/bench.json; the other sections are kept.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from measure import run_measured, update_bench

REPO = Path(__file__).resolve().parents[1]
REVIEW = "I loved every minute of it"
EXPLAINED = 200  # test reviews whose explanation is checked against the log-odds (each takes a few ms)


def cli_runs(model: str, runs: int) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users have it: bytecode compiled (uv sync --compile-bytecode)
    args = [sys.executable, "-m", "imdb_sentiment", "predict", "--model", model, REVIEW]
    subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True)  # compiles what is not yet
    measured = [run_measured(args, REPO, env) for _ in range(runs)]
    seconds = [round(s, 3) for s, _ in measured]
    peaks = [round(p) for _, p in measured]
    return {"model": model, "runs_s": seconds, "median_s": statistics.median(seconds), "max_s": max(seconds),
            "peak_rss_mib": max(peaks)}  # fmt: skip


def arrays_against_keras() -> dict[str, object]:
    from imdb_sentiment.members.keras.saving import load_model
    from imdb_sentiment.members.kinds import INFERENCE_TOLERANCE, keras_probabilities
    from imdb_sentiment.pipeline.io import load_npz
    from imdb_sentiment.scoring.classifier import load_classifier
    from imdb_sentiment.scoring.explain import Explainer

    ensemble = load_classifier(REPO / "data/ensemble.zip")
    arrays = ensemble.members["keras"].model
    padded = load_npz(REPO / "data/padded/test.npz")["x"]
    keras_p = keras_probabilities(load_model(REPO / "data/model.keras"), padded)
    arrays_p = arrays.predict_padded(padded)
    difference = np.abs(arrays_p - keras_p)
    ids, offsets = (load_npz(REPO / "data/encoded/test.npz")[key] for key in ("ids", "offsets"))
    explainer = Explainer(ensemble).members["keras"]
    words = Explainer(ensemble).words
    worst = 0.0
    for row in range(EXPLAINED):
        review = ids[offsets[row] : offsets[row + 1]]
        attribution = explainer.attribute(review, ensemble.preprocessing, words)
        log_odds = arrays.log_odds_padded(ensemble.preprocessing.pad_sequences([review]))[0]
        worst = max(worst, abs(attribution.base + float(attribution.positions.sum()) - log_odds))
    return {
        "reviews": int(padded.shape[0]),
        "max_abs_difference": float(difference.max()),
        "mean_abs_difference": float(difference.mean()),
        "tolerance": INFERENCE_TOLERANCE,
        "within_tolerance": bool(difference.max() <= INFERENCE_TOLERANCE),
        "same_labels": bool(np.array_equal(arrays_p >= 0.5, keras_p >= 0.5)),
        "explained_reviews": EXPLAINED,
        "explanation_max_gap_to_log_odds": worst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default=str(REPO / "metrics" / "bench.json"))
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    figures = {
        "commit": commit,
        "review": REVIEW,
        "predict_cli": cli_runs("data/ensemble.zip", args.runs),
        "predict_cli_keras_model": cli_runs("data/model.keras", max(3, args.runs // 2)),
        "arrays_vs_keras": arrays_against_keras(),
    }
    update_bench(Path(args.out), "inference", figures)


if __name__ == "__main__":
    main()
