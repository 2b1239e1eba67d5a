"""What every stage script shares: logging, and user errors without a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from imdb_sentiment.io import PipelineError


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's ``main`` with logging; a PipelineError exits 1 with its message only."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        main()
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
