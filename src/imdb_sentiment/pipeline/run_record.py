"""metrics/run.json: how long each stage took and on what machine, apart from the results.

Result files (train.json, word2vec.json, evaluate.json, ...) hold only what a faithful
reproduction repeats exactly; wall-clock seconds and machine details vary between runs and
machines, so they all go to this one record. Several stages update it, so it is declared as a
top-level metric in dvc.yaml rather than as one stage's output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from imdb_sentiment.pipeline.io import PipelineError, read_json, write_json


def updated_record(record: Mapping[str, Any], stage: str, seconds: float, machine: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with ``stage``'s seconds set and the machine details merged in."""
    stages = dict(record.get("stages", {}))
    stages[stage] = {"seconds": round(seconds, 1)}
    return {"machine": {**record.get("machine", {}), **machine}, "stages": dict(sorted(stages.items()))}


def record_stage_run(path: str | os.PathLike[str], stage: str, seconds: float, machine: Mapping[str, Any]) -> None:
    """Write ``stage``'s timing and the machine it ran on into the run record at ``path``."""
    try:
        record = read_json(path)
    except PipelineError:  # missing or unreadable: start afresh, it holds no results
        record = {}
    write_json(path, updated_record(record if isinstance(record, dict) else {}, stage, seconds, machine))
