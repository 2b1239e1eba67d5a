"""Helpers the benchmarks share: run a command measuring its time and peak memory, and the
pipeline's stages in dependency order (bench/run.py, bench/scale.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# Runs a command and reports its seconds and the peak RSS of it and its descendants. A separate
# small process, because Linux counts in a child's peak the memory of the process it was forked
# from, up to its exec: measured straight from a benchmark that holds a corpus, every stage would
# show at least the benchmark's own size.
_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_kib": usage.ru_maxrss,
                  "returncode": os.waitstatus_to_exitcode(status)}))
"""


def update_bench(out: Path, section: str, figures: dict[str, Any]) -> None:
    """One section of metrics/bench.json, the others kept; written to a temporary file and renamed."""
    bench = json.loads(out.read_text()) if out.exists() else {}
    bench[section] = figures
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(bench, indent=2) + "\n")
    os.replace(tmp, out)
    print(json.dumps(figures, indent=2))


def run_measured(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of it and its descendants)."""
    seconds, peak, _ = run_measured_log(args, cwd, env)
    return seconds, peak


def run_measured_log(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """run_measured, and what the command wrote to stderr (the stages' logs)."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"the launcher of {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["returncode"] != 0:
        raise SystemExit(f"{' '.join(args)} failed ({report['returncode']}):\n{done.stderr[-3000:]}")
    return report["seconds"], report["peak_kib"] / 1024, done.stderr  # Linux reports KiB


def stage_edges(repo: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    """The pipeline's (upstream, downstream) stage pairs, from `dvc dag --dot`'s edges."""
    dot = subprocess.run(["dvc", "dag", "--dot"], cwd=repo, env=env, capture_output=True, text=True, check=True)
    edges = []
    for line in dot.stdout.splitlines():
        if "->" in line:
            left, right = (part.strip().strip(";").strip('"') for part in line.split("->"))
            edges.append((left, right))
    return edges


def stage_order(repo: Path, env: dict[str, str]) -> list[str]:
    """Stages in an order that respects dependencies (from `dvc dag --dot`'s edges)."""
    import yaml

    stages = list(yaml.safe_load((repo / "dvc.yaml").read_text())["stages"])
    edges = stage_edges(repo, env)
    ordered: list[str] = []
    while len(ordered) < len(stages):
        for stage in stages:
            if stage not in ordered and all(src in ordered for src, dst in edges if dst == stage):
                ordered.append(stage)
    return ordered


def cold_run_stages(clone: Path, env: dict[str, str]) -> dict[str, dict[str, float]]:
    """Each stage's seconds and peak memory, run in pipeline order from an empty cache."""
    stages = {}
    for stage in stage_order(clone, env):
        seconds, peak = run_measured(["dvc", "repro", "--single-item", "--force", stage], clone, env)
        stages[stage] = {"seconds": round(seconds, 1), "peak_rss_mib": round(peak)}
        print(f"{stage:16s} {seconds:7.1f} s {peak:7.0f} MiB", flush=True)
    return stages
