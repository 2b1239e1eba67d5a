"""Benchmark the pipeline on the real data: a cold run from an empty cache, then a no-op run.

    IMDB_ARCHIVE=$(realpath ../shared/data/aclImdb_v1.tar.gz) uv run python bench/run.py

It clones the current commit into a temporary directory with its own empty DVC cache (so
nothing is reused), runs each stage in pipeline order with `dvc repro --single-item --force`
(forced: a stage whose only outputs are git-tracked metrics would otherwise count as done), timing
it and reading its peak resident memory (the stage process and its children, from wait4),
then times a whole `dvc repro` that has nothing to do (median of eleven, beside the same for a
one-stage repository: DVC's own floor), what `uv run` adds, and the Python API scoring the 25,000
test reviews from raw text. Results go to metrics/bench.json (its `serve` section, from
bench/serve.py, is kept).

`--rev REV --out F` measures another commit the same way, its stages importing its own code.
`--baseline REV` times REV's cold run too, stage by stage, right after this commit's, in the same
sitting (the machine's speed moves by tens of percent between hours): bench.json's ``baseline``
and ``cold_repro_over_baseline``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import cold_run_stages, run_measured

REPO = Path(__file__).resolve().parents[1]
NOOP_RUNS = 11  # the no-op's median: one run moves by 0.2-0.4 s with the machine's load
# sections of bench.json written by bench/serve.py, bench/sweep.py, bench/inference.py: kept
OTHER_BENCHMARKS = ("serve", "sweep", "inference")


def one_stage_repo(path: Path, env: dict[str, str]) -> Path:
    """A git + DVC repository with one stage (one param, one output), already run."""
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=path, env=env, check=True)
    subprocess.run(["dvc", "config", "core.analytics", "false"], cwd=path, env=env, check=True)  # as this project
    (path / "params.yaml").write_text("a: 1\n")
    (path / "dvc.yaml").write_text("stages:\n  one:\n    cmd: echo 1 > out.txt\n    params: [a]\n    outs: [out.txt]\n")
    subprocess.run(["dvc", "repro", "-q"], cwd=path, env=env, check=True)
    return path


def uv_run_overhead(env: dict[str, str]) -> list[float]:
    """Seconds of `uv run true` in this checkout (its own .venv; the clone has none), or none without uv."""
    uv = shutil.which("uv", path=env["PATH"])
    return [run_measured([uv, "run", "true"], REPO, env)[0] for _ in range(NOOP_RUNS)] if uv else []


def predict_reviews_per_s(repo: Path) -> float:
    """Score the 25,000 test reviews' raw text with the Python API through the default model
    (the ensemble): tokenize and encode once, then every member and the stacker."""
    import pandas as pd

    from imdb_sentiment.scoring.predict import load_classifier

    reviews = pd.read_parquet(repo / "data/raw/reviews.parquet", columns=["split", "text"])
    texts = reviews.loc[reviews.split == "test", "text"].tolist()
    classifier = load_classifier(repo / "data/ensemble.zip")
    classifier.predict(texts[:1000])  # warm up: graph tracing is not part of the rate
    started = time.perf_counter()
    classifier.predict(texts)
    return len(texts) / (time.perf_counter() - started)


def fresh_clone(rev: str, clone: Path, cache: Path) -> tuple[Path, dict[str, str]]:
    """This repository at ``rev`` in ``clone``, with its own empty DVC cache; the environment its
    stages run in (they import the clone's own package, not the editable install's work tree)."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", rev], cwd=clone, check=True)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env["PYTHONPATH"] = os.pathsep.join([str(clone / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    subprocess.run(["dvc", "config", "--local", "cache.dir", str(cache)], cwd=clone, check=True)
    return clone, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(REPO / "metrics" / "bench.json"))
    parser.add_argument("--rev", default="HEAD", help="the commit to measure (another one: to compare in one sitting)")
    parser.add_argument("--baseline", help="also time this commit's cold run, right after, to compare")
    args = parser.parse_args()
    if not os.environ.get("IMDB_ARCHIVE"):
        raise SystemExit("set IMDB_ARCHIVE to the real archive (the benchmark never downloads)")

    with tempfile.TemporaryDirectory(prefix="imdb-bench-") as tmp:
        clone, env = fresh_clone(args.rev, Path(tmp) / "repo", Path(tmp) / "cache")
        stages = cold_run_stages(clone, env)
        # One no-op run varies by 0.2-0.4 s here with the machine's load: take the median of eleven, each
        # paired with a no-op of a one-stage repository, DVC's own floor on this machine at that moment.
        floor = one_stage_repo(Path(tmp) / "one-stage", env)
        noop_runs, floor_runs = [], []
        for _ in range(NOOP_RUNS):
            noop_runs.append(run_measured(["dvc", "repro"], clone, env)[0])
            floor_runs.append(run_measured(["dvc", "repro"], floor, env)[0])
        uv_runs = uv_run_overhead(env)
        predict_rate = predict_reviews_per_s(clone)
        evaluate = json.loads((clone / "metrics" / "evaluate.json").read_text())
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout
        baseline = None
        if args.baseline:
            print(f"baseline {args.baseline}:", flush=True)
            base_clone, base_env = fresh_clone(args.baseline, Path(tmp) / "baseline", Path(tmp) / "baseline-cache")
            base_stages = cold_run_stages(base_clone, base_env)
            base_commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=base_clone, capture_output=True, text=True)
            baseline = {"commit": base_commit.stdout.strip(), "stages": base_stages,
                        "cold_repro_s": round(sum(s["seconds"] for s in base_stages.values()), 1)}  # fmt: skip

    result = {
        "commit": commit.strip(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "cold_repro_s": round(sum(s["seconds"] for s in stages.values()), 1),
        "noop_repro_s": round(statistics.median(noop_runs), 2),
        "noop_repro_runs_s": [round(seconds, 2) for seconds in noop_runs],
        "noop_repro_one_stage_repo_s": round(statistics.median(floor_runs), 2),
        # what `uv run` adds to any command (README's form, `uv run dvc repro`): its lock and sync check
        "uv_run_overhead_s": round(statistics.median(uv_runs), 2) if uv_runs else None,
        "max_stage_peak_rss_mib": max(s["peak_rss_mib"] for s in stages.values()),
        "test_accuracy": evaluate["accuracy"],
        "predict_reviews_per_s": round(predict_rate),
        "stages": stages,
    }
    if baseline is not None:
        result["baseline"] = baseline
        result["cold_repro_over_baseline"] = round(result["cold_repro_s"] / baseline["cold_repro_s"], 3)
    out = Path(args.out)
    kept = {k: v for k, v in json.loads(out.read_text()).items() if k in OTHER_BENCHMARKS} if out.exists() else {}
    out.write_text(json.dumps(result | kept, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "stages"}, indent=2))


if __name__ == "__main__":
    main()
