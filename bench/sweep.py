"""Time a real sweep on this machine, with 1 and with 2 workers: `python -m imdb_sentiment sweep`.

    uv run dvc repro                 # first: this checkout's outputs and run cache are the baseline
    uv run python bench/sweep.py     # about 20 minutes on 2 cores

For each worker count, in a folder of its own, as a team would have it:

- a bare git origin with this checkout's HEAD;
- a DVC remote (a local folder) holding HEAD's outputs;
- a clone of the origin whose committed default remote is that folder.

There it runs the sweep as a user does (`--workers N`: a loopback cluster of one-thread workers)
and records the sweep's wall time, and each trial's seconds, worker and validation accuracy from
the sweep's own log, in metrics/bench.json's `sweep` section (the rest of that file is kept).
Each worker count has its own remote and cache, so no run gets another's trial results from the
run cache: every trial computes what it changes.

The default grid sweeps the n-gram member's C: each trial reruns train_ngrams, combine and
evaluate on the real data and takes the other stages' outputs from the remote.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import update_bench

REPO = Path(__file__).resolve().parents[1]
GRID = ["ngrams.C=0.1,0.2,0.5,2,5,10"]  # six trials; the default C (1.0) is not among them
_TRIAL_LINE = re.compile(r"^\[\d+/\d+\] (\S+) \((.*)\): (\S+) (\S+) in (\d+) s on (\S+)$", re.M)


def run(cwd: Path, *args: str) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def team_clone(folder: Path) -> Path:
    """An origin, a DVC remote with HEAD's outputs and run cache, and a clone that uses both."""
    origin, remote, clone = folder / "origin.git", folder / "remote", folder / "clone"
    run(folder, "git", "init", "-q", "--bare", "--initial-branch=main", str(origin))
    run(REPO, "git", "push", "-q", str(origin), "HEAD:refs/heads/main")
    run(folder, "git", "clone", "-q", str(origin), str(clone))
    run(clone, "dvc", "cache", "dir", "--local", str(REPO / ".dvc" / "cache"))  # HEAD's outputs are there
    run(clone, "dvc", "remote", "add", "-d", "bench", str(remote))
    run(clone, "git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam", "bench remote")
    run(clone, "git", "push", "-q", "origin", "HEAD:refs/heads/main")
    # HEAD's outputs only, not this checkout's run cache: that may hold the results of another
    # worker count's trials (same settings), which would then be fetched instead of computed.
    run(clone, "dvc", "push", "-q")
    run(clone, "dvc", "cache", "dir", "--local", str(folder / "cache"))  # the sweep's pulls stay in the folder
    return clone


def trials_of(log: str) -> list[dict[str, Any]]:
    return [
        {"name": m[0], "settings": m[1], m[2]: float(m[3]), "seconds": float(m[4]), "worker": m[5]}
        for m in _TRIAL_LINE.findall(log)
    ]


def measure(workers: int, grid: list[str], root: Path) -> dict[str, Any]:
    folder = root / f"{workers}-workers"
    folder.mkdir()
    clone = team_clone(folder)
    command = [sys.executable, "-m", "imdb_sentiment", "sweep", "--workers", str(workers), "--name", "bench"]
    for axis in grid:
        command += ["-S", axis]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=clone, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the sweep with {workers} workers failed ({done.returncode}):\n{done.stderr[-4000:]}")
    trials = trials_of(done.stderr)
    best = re.search(r"^best: (\S+) \((\S+) = (\S+),", done.stdout, re.M)
    figures: dict[str, Any] = {
        "wall_s": round(wall, 1),
        "trials": trials,
        "trial_seconds_total": round(sum(t["seconds"] for t in trials), 1),
        "longest_trial_s": max((t["seconds"] for t in trials), default=0.0),
        "best": {"name": best[1], "metric": best[2], "value": float(best[3])} if best else None,
    }
    print(f"{workers} worker(s): {wall:.0f} s for {len(trials)} trials", flush=True)
    return figures


def ten_worker_estimate(one_worker: dict[str, Any], workers: int = 10) -> float:
    """From the one-worker run: what is not a trial (start-up, the pull, the table) stays, and the
    trials spread over ``workers``, never below the longest one."""
    overhead = one_worker["wall_s"] - one_worker["trial_seconds_total"]
    spread = max(one_worker["trial_seconds_total"] / workers, one_worker["longest_trial_s"])
    return round(overhead + spread, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-S", dest="grid", action="append", help=f"a grid axis (default: {' '.join(GRID)})")
    parser.add_argument("--workers", default="1,2", help="worker counts, each in turn (default 1,2)")
    parser.add_argument("--out", type=Path, default=REPO / "metrics" / "bench.json")
    args = parser.parse_args()
    grid = args.grid or GRID
    if not (REPO / "data" / "ensemble.zip").exists():
        raise SystemExit("run `uv run dvc repro` first: the sweep's baseline is this checkout's outputs")
    commit = run(REPO, "git", "rev-parse", "HEAD").strip()
    runs: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="imdb-bench-sweep-"))
    try:
        for workers in (int(count) for count in args.workers.split(",")):
            runs[f"{workers}_workers"] = measure(workers, grid, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    section: dict[str, Any] = {"commit": commit, "grid": grid, **runs}
    if "1_workers" in runs:
        section["estimate_10_workers_s"] = ten_worker_estimate(runs["1_workers"])
    update_bench(args.out, "sweep", section)


if __name__ == "__main__":
    main()
