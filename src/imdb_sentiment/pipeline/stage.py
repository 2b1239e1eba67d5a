"""What every stage script shares: logging, quiet TensorFlow, user errors without a traceback, and
its seconds and machine in the run record."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from imdb_sentiment.pipeline.environment import machine_record, visible_gpus
from imdb_sentiment.pipeline.io import PipelineError
from imdb_sentiment.pipeline.logs import hide_tensorflow_noise
from imdb_sentiment.pipeline.run_record import record_stage_run

# dvc repro runs stages in the repository root; IMDB_RUN_RECORD puts the record elsewhere.
RUN_RECORD = "metrics/run.json"
RUN_RECORD_VARIABLE = "IMDB_RUN_RECORD"


def run_stage(main: Callable[[], str | None]) -> None:
    """Run a stage's ``main`` with logging and TensorFlow's C++ start-up noise filtered; a
    PipelineError exits 1 with its message only. Stage scripts that use Keras import it inside
    ``main``, after the filter is in place. A stage that succeeds writes its seconds and the
    machine (CPU included) into the run record, under the name ``main`` returns (a script that
    serves several stages) or its script's."""
    hide_tensorflow_noise()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    started = time.perf_counter()
    try:
        name = main() or Path(sys.argv[0]).stem
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    seconds = time.perf_counter() - started
    # The device and TensorFlow wheel only where TensorFlow is loaded anyway.
    machine = machine_record(gpus=visible_gpus() if "tensorflow" in sys.modules else None)
    record_stage_run(os.environ.get(RUN_RECORD_VARIABLE, RUN_RECORD), name, seconds, machine)
