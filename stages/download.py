"""Stage download: the IMDB archive (or $IMDB_ARCHIVE) -> one reviews table + counts."""

import argparse
import logging

from imdb_sentiment.archive import (
    ARCHIVE_ENV,
    download_archive,
    file_md5,
    local_archive_from_env,
    read_reviews,
    write_reviews,
)
from imdb_sentiment.io import write_json
from imdb_sentiment.params import DataParams, load_params
from imdb_sentiment.stage import run_stage

log = logging.getLogger("download")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache-dir", default="data/downloads", help="where a downloaded archive is kept")
    parser.add_argument("--out", required=True, help="reviews table (.parquet)")
    parser.add_argument("--metrics", required=True, help="review counts (.json)")
    args = parser.parse_args()
    p = load_params(DataParams)

    local = local_archive_from_env()
    archive = local if local is not None else download_archive(p.url, p.md5, args.cache_dir)
    md5 = file_md5(archive)
    if md5 == p.md5:
        log.info("archive %s, md5 %s (matches data.md5)", archive, md5)
    else:  # only reachable for a local copy: a download with another md5 fails in pooch
        log.warning("archive %s has md5 %s, not data.md5 %s: using it as given by %s", archive, md5, p.md5, ARCHIVE_ENV)

    table, report = read_reviews(archive)
    write_reviews(table, args.out)
    summary = {**report.as_dict(), "archive_md5": md5, "archive_md5_matches_params": md5 == p.md5}
    write_json(args.metrics, summary)
    log.info("%d reviews -> %s: %s", table.num_rows, args.out, summary["counts"])


if __name__ == "__main__":
    run_stage(main)
