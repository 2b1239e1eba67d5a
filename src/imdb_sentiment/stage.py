"""What every stage script shares: logging, quiet TensorFlow, and user errors without a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from imdb_sentiment.io import PipelineError
from imdb_sentiment.native_logs import hide_tensorflow_noise


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's ``main`` with logging and TensorFlow's C++ start-up noise filtered; a
    PipelineError exits 1 with its message only. Stage scripts that use Keras import it inside
    ``main``, after the filter is in place."""
    hide_tensorflow_noise()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        main()
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
