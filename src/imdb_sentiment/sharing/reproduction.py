"""Does a reproduction match the committed run? ``python -m imdb_sentiment check-reproduction``.

After ``dvc repro`` on another machine, the result files (the JSON metrics ``dvc.yaml``'s stages
declare) are compared with the committed ones number by number, and ``dvc.lock`` with the committed lock
output by output. Bytes are the same on this project's reference host class; on another CPU the
Keras member's training sums in another order, so its weights, and the files made from them,
differ in the last bits (docs: Install & reproducibility). Hence two tolerances, stated once:

- a result figure may differ by ``FIGURE_TOLERANCE`` (absolute): the figures are rounded to six
  decimals, and the stacker's weights to eight; a larger difference is a failed reproduction;
- an output whose bytes differ is listed with its stage, not failed: the figures judge it.
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from imdb_sentiment.pipeline.io import PipelineError

FIGURE_TOLERANCE = 1e-5
RUN_RECORD = "metrics/run.json"  # timings and the machine: they differ between runs by design


@dataclass(frozen=True)
class FigureDifference:
    file: str
    key: str
    committed: Any
    reproduced: Any

    def describe(self) -> str:
        return f"{self.file}: {self.key} is {self.reproduced!r}, committed {self.committed!r}"


def flat_figures(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON document under its dotted key (list items by position)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from flat_figures(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flat_figures(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def within_tolerance(committed: Any, reproduced: Any, tolerance: float = FIGURE_TOLERANCE) -> bool:
    """Numbers within ``tolerance`` of each other; anything else (text, flags, counts' types) equal."""
    if is_number(committed) and is_number(reproduced):
        return math.isclose(float(committed), float(reproduced), rel_tol=0.0, abs_tol=tolerance)
    return type(committed) is type(reproduced) and bool(committed == reproduced)


def figure_differences(
    file: str, committed: Any, reproduced: Any, tolerance: float = FIGURE_TOLERANCE
) -> list[FigureDifference]:
    """The figures of one result file that differ beyond ``tolerance`` (or are missing on a side)."""
    before, after = dict(flat_figures(committed)), dict(flat_figures(reproduced))
    return [
        FigureDifference(file, key, before.get(key), after.get(key))
        for key in sorted(before.keys() | after.keys())
        if key not in before or key not in after or not within_tolerance(before[key], after[key], tolerance)
    ]


def output_hashes(lock: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Each cached output of a dvc.lock: path -> (stage, md5)."""
    hashes = {}
    for stage, entry in (lock.get("stages") or {}).items():
        for out in entry.get("outs", []):
            hashes[out["path"]] = (stage, str(out.get("md5")))
    return hashes


def changed_outputs(committed: Mapping[str, Any], reproduced: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(stage, path) of every output whose bytes differ between the two locks."""
    before, after = output_hashes(committed), output_hashes(reproduced)
    return sorted(
        (after.get(path, before.get(path))[0], path)  # type: ignore[index]
        for path in before.keys() | after.keys()
        if before.get(path, ("", ""))[1] != after.get(path, ("", ""))[1]
    )


def committed_text(repo: Path, rev: str, path: str) -> str | None:
    done = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def result_files(dvc_yaml: Path) -> list[str]:
    """The JSON metrics the pipeline's stages declare: its results (benchmark records and the run
    record are not the stages' and are left out)."""
    stages = (yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")) or {}).get("stages") or {}
    paths = {
        entry if isinstance(entry, str) else next(iter(entry))
        for stage in stages.values()
        for entry in stage.get("metrics", [])
    }
    return sorted(path for path in paths if path.endswith(".json") and path != RUN_RECORD)


@dataclass(frozen=True)
class ReproductionCheck:
    figures: list[FigureDifference]
    outputs: list[tuple[str, str]]  # (stage, path) whose bytes differ

    @property
    def reproduced(self) -> bool:
        return not self.figures


def check_reproduction(repo: Path, rev: str = "HEAD", tolerance: float = FIGURE_TOLERANCE) -> ReproductionCheck:
    figures: list[FigureDifference] = []
    verify = ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"]
    if subprocess.run(verify, cwd=repo, capture_output=True, check=False).returncode != 0:
        raise PipelineError(f"no git revision {rev!r} in {repo}")
    for path in result_files(repo / "dvc.yaml"):
        local = repo / path
        if not local.is_file():
            raise PipelineError(f"{local} does not exist: run `dvc repro` first")
        committed = json.loads(committed_text(repo, rev, path) or "null")
        figures += figure_differences(path, committed, json.loads(local.read_text(encoding="utf-8")), tolerance)
    committed_lock = yaml.safe_load(committed_text(repo, rev, "dvc.lock") or "{}") or {}
    local_lock = (
        yaml.safe_load((repo / "dvc.lock").read_text(encoding="utf-8")) if (repo / "dvc.lock").is_file() else {}
    )
    return ReproductionCheck(figures, changed_outputs(committed_lock, local_lock or {}))


def describe(check: ReproductionCheck, rev: str, tolerance: float = FIGURE_TOLERANCE) -> str:
    lines = [f"{difference.describe()} (beyond {tolerance:g})" for difference in check.figures]
    if check.outputs:
        lines.append(f"outputs whose bytes differ from {rev}'s (their figures decide):")
        lines += [f"  {stage}: {path}" for stage, path in check.outputs]
    if not check.reproduced:
        lines.append(f"NOT reproduced: {len(check.figures)} result figures differ from {rev}'s beyond {tolerance:g}")
    else:
        same = f"{len(check.outputs)} outputs with other bytes" if check.outputs else "every output the same bytes"
        lines.append(f"reproduced: every result figure within {tolerance:g} of {rev}'s; {same}")
    return "\n".join(lines)
