"""Helpers the benchmarks share: run a command measuring its time and peak memory, and the
pipeline's stages in dependency order (bench/run.py, bench/scale.py)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


def run_measured(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of it and its descendants)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


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
