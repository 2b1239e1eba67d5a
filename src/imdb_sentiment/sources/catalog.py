"""Where the reviews come from (data.source), each source defined once: stage download looks it
up by name and gets the reviews table written and a summary for metrics/data.json."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from imdb_sentiment.distributed.cluster import Runner
from imdb_sentiment.pipeline.params import DataParams

log = logging.getLogger(__name__)

# (params, reviews table to write, download cache folder, where row-parallel work runs)
# -> metrics/data.json's summary
Source = Callable[[DataParams, Path, Path, Runner], dict[str, object]]


def imdb_source(params: DataParams, out: Path, cache_dir: Path, work: Runner) -> dict[str, object]:
    """The aclImdb archive: $IMDB_ARCHIVE when set, else data.url downloaded once, md5-checked.
    Read here whatever ``work`` is: one gzip stream cannot be cut unread."""
    from imdb_sentiment.sources.archive import (
        ARCHIVE_ENV,
        download_archive,
        file_md5,
        local_archive_from_env,
        read_reviews,
    )
    from imdb_sentiment.sources.reviews import write_reviews

    local = local_archive_from_env()
    archive = local if local is not None else download_archive(params.url, params.md5, cache_dir)
    md5 = file_md5(archive)
    if md5 == params.md5:
        log.info("archive %s, md5 %s (matches data.md5)", archive, md5)
    else:  # only reachable for a local copy: a download with another md5 fails in pooch
        log.warning("archive %s has md5 %s, not data.md5 %s: as given by %s", archive, md5, params.md5, ARCHIVE_ENV)
    table, report = read_reviews(archive)
    write_reviews(table, out)
    return {"source": "imdb", **report.as_dict(), "archive_md5": md5, "archive_md5_matches_params": md5 == params.md5}


def table_source(params: DataParams, out: Path, cache_dir: Path, work: Runner) -> dict[str, object]:
    """Your own CSV, TSV, Parquet or JSONL files, as data.table describes them: each file (a
    Parquet file's each row group) is a part, read where ``work`` runs it."""
    from imdb_sentiment.sources.tables import TableSpec, write_table_source

    table = params.table
    spec = TableSpec(
        path=table.path if isinstance(table.path, str) else {str(split): path for split, path in table.path.items()},
        format=table.format,
        columns=table.columns.model_dump(),
        labels=table.labels,
        test_size=table.test_size,
        seed=table.seed,
        storage_options=table.storage_options,
        exclude=table.exclude,
        quoting=table.quoting,
    )
    return write_table_source(spec, str(out), work).as_dict()


SOURCES: dict[str, Source] = {"imdb": imdb_source, "table": table_source}
