"""metrics/model_selection.json: every choice #28 made for speed, what it cost, and on what it was judged.

    uv run python studies/selection_record.py --before e566186     # after `dvc repro` of the choice

Each entry is assembled from measured records, never typed in: the pipeline's validation figures
(metrics/train.json, metrics/ensemble.json) and word-vector quality (metrics/word2vec.json) of the
committed run ``--before`` (read from git) and of this workspace's run; its stage seconds
(metrics/run.json); the word2vec candidates (metrics/studies/word2vec_candidates.json) and the
training-step profile (metrics/studies/train_step_cost.json); the benchmark (metrics/bench.json).
Test figures are listed for the record only: every choice is made on validation and speed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

from imdb_sentiment.pipeline.io import read_json, write_json

REPO = Path(__file__).resolve().parents[1]


def at(rev: str, path: str) -> Any:
    shown = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, capture_output=True, text=True)
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def here(path: str) -> Any:
    return read_json(REPO / path) if (REPO / path).exists() else None


def params_at(rev: str) -> str:
    return subprocess.run(
        ["git", "show", f"{rev}:params.yaml"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout


def run_figures(read: Any) -> dict[str, Any]:
    train, ensemble, run = read("metrics/train.json"), read("metrics/ensemble.json"), read("metrics/run.json")
    vectors = read("metrics/word2vec.json") or {}
    word2vec = vectors.get("word2vec", {})
    return {
        "keras_val_accuracy": train["val_accuracy"],
        "keras_best_epoch": train["best_epoch"],
        "ensemble_val_accuracy": ensemble["val_accuracy"],
        # seconds compare only on one host: the kernel (platform) names it
        "host": run.get("machine", {}).get("platform"),
        "train_s": run["stages"]["train"]["seconds"],
        "train_word2vec_s": run["stages"]["train_word2vec"]["seconds"],
        "wordsim353": word2vec.get("wordsim353_spearman"),
        "simlex999": word2vec.get("simlex999_spearman"),
        "analogies": word2vec.get("analogy_accuracy"),
        "test_accuracy_for_the_record": read("metrics/evaluate.json")["accuracy"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the committed run before the choices")
    parser.add_argument("--candidates", nargs="*", default=[], help="commits of candidate runs on the real data")
    args = parser.parse_args()
    params_before = params_at(args.before)
    import yaml

    before_w2v, now_w2v = yaml.safe_load(params_before)["word2vec"], yaml.safe_load((REPO / "params.yaml").read_text())
    record = {
        "before": {"commit": args.before, "word2vec": before_w2v, **run_figures(lambda p: at(args.before, p))},
        "after": {
            "word2vec": now_w2v["word2vec"],
            "embedding_dim": now_w2v["embedding"]["dim"],
            **run_figures(here),
        },
        "candidate_runs": {
            rev: {
                "params": {"word2vec": yaml.safe_load(params_at(rev))["word2vec"]},
                **run_figures(lambda p, r=rev: at(r, p)),
            }
            for rev in args.candidates
        },
        "word2vec_candidates": (here("metrics/studies/word2vec_candidates.json") or {}).get("candidates"),
        "train_step_cost": here("metrics/studies/train_step_cost.json"),
        "choices": read_json(REPO / "studies" / "choices.json"),
    }
    bench = here("metrics/bench.json") or {}
    if "baseline" in bench:
        base = bench["baseline"]
        record["cold_run"] = {
            "commit": bench["commit"],
            "cold_repro_s": bench["cold_repro_s"],
            "baseline": base["commit"],
            "baseline_cold_repro_s": base["cold_repro_s"],
            "ratio": bench["cold_repro_over_baseline"],
        }
    write_json(REPO / "metrics" / "model_selection.json", record)
    print(json.dumps({k: v for k, v in record.items() if k in ("before", "after", "cold_run")}, indent=2))


if __name__ == "__main__":
    main()
