"""Stage download: the reviews from data.source (IMDB's archive, or your own files) -> one reviews table + counts."""

import argparse
import logging
from pathlib import Path

from imdb_sentiment.distributed import cluster
from imdb_sentiment.pipeline.io import write_json
from imdb_sentiment.pipeline.params import ClusterParams, DataParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.sources.catalog import SOURCES

log = logging.getLogger("download")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache-dir", default="data/downloads", help="where a downloaded archive is kept")
    parser.add_argument("--out", required=True, help="reviews table (.parquet)")
    parser.add_argument("--metrics", required=True, help="review counts (.json)")
    args = parser.parse_args()
    p = load_params(DataParams)

    with cluster.runner(load_params(ClusterParams)) as work:  # your files' parts: read here or on workers
        summary = SOURCES[p.source](p, Path(args.out), Path(args.cache_dir), work)
    write_json(args.metrics, summary)
    log.info("%d reviews (source %s) -> %s: %s", summary["reviews"], p.source, args.out, summary["counts"])


if __name__ == "__main__":
    run_stage(main)
