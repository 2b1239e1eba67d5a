"""The reviews table every source writes (stage download) and every later stage reads: its
columns, a writer whose bytes depend on the rows alone, a tally of empty and repeated texts, and
reading it back in batches of rows.

The table is the one interface between where reviews come from (the aclImdb archive,
imdb_sentiment.sources.archive; your own CSV, TSV, Parquet or JSONL files, imdb_sentiment.sources.tables) and
the rest of the pipeline, which never learns which source it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from imdb_sentiment.pipeline.io import PipelineError, atomic_output

log = logging.getLogger(__name__)

# The splits of the table: labelled train reviews (validation is drawn from these by stage
# split), labelled test reviews (read by evaluate alone) and unlabeled reviews (word2vec's).
SPLITS = ("train", "test", "unsup")
TRAIN, TEST, UNLABELED = SPLITS

SCHEMA = pa.schema(
    [
        ("split", pa.string()),
        ("label", pa.int8()),  # class index (0 negative, 1 positive); null for unlabeled reviews
        ("rating", pa.int8()),  # IMDB's 1-10 stars where the source has them, else null
        ("id", pa.int32()),  # the review's id within its source
        ("text", pa.string()),
        # What validation holds out whole (IMDB: the movie; your data: data.table.columns.group); null: none
        ("group", pa.string()),
    ]
)
# Rows a Parquet row group holds: fixed, so the file's bytes do not depend on how a source was read.
ROW_GROUP_ROWS = 50_000
# Rows a batch holds when a stage streams the table: about 60 MiB of IMDB-length text.
BATCH_ROWS = 50_000


class RowGroupWriter:
    """Write a Parquet table batch by batch, in row groups of exactly ``row_group_rows`` rows and
    with fixed writer settings, so the same rows give the same bytes whatever batches they came
    in. The file appears at ``path`` only when the writer is closed without an error."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        schema: pa.Schema,
        row_group_rows: int,
        dictionary: bool | list[str] = True,
    ) -> None:
        self._output = atomic_output(path)
        self._schema = schema
        self._row_group_rows = row_group_rows
        self._dictionary = dictionary
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> RowGroupWriter:
        tmp = self._output.__enter__()
        self._writer = pq.ParquetWriter(
            tmp, self._schema, compression="zstd", compression_level=3, use_dictionary=self._dictionary
        )
        return self

    def write(self, batch: pa.Table) -> None:
        self._pending.append(batch.select(self._schema.names).cast(self._schema))
        self._pending_rows += batch.num_rows
        self.rows += batch.num_rows
        while self._pending_rows >= self._row_group_rows:
            self._flush(self._row_group_rows)

    def _flush(self, rows: int) -> None:
        assert self._writer is not None
        table = pa.concat_tables(self._pending)
        self._writer.write_table(table.slice(0, rows), row_group_size=rows)
        rest = table.slice(rows)
        self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        assert self._writer is not None
        try:
            if error is None and self._pending_rows:
                self._flush(self._pending_rows)
            self._writer.close()
        except BaseException as failure:  # the temporary file goes, as for an error in the body
            self._output.__exit__(type(failure), failure, failure.__traceback__)
            raise
        self._output.__exit__(kind, error, trace)


class ReviewsWriter(RowGroupWriter):
    """The reviews table's writer (row groups of ``ROW_GROUP_ROWS``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path, SCHEMA, ROW_GROUP_ROWS, dictionary=["split"])

    def __enter__(self) -> ReviewsWriter:
        super().__enter__()
        return self


def write_reviews(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """Write a whole reviews table (as ReviewsWriter would, batch by batch)."""
    with ReviewsWriter(path) as writer:
        writer.write(table)


@dataclass
class TextTally:
    """Empty and repeated review texts, counted as rows stream by (8-byte digests, not texts)."""

    empty: int = 0
    duplicates: int = 0
    _seen: set[bytes] = field(default_factory=set, repr=False)

    def add(self, texts: Sequence[str | None]) -> None:
        for text in texts:
            if not text or not text.strip():
                self.empty += 1
            digest = hashlib.blake2b((text or "").encode("utf-8", "surrogatepass"), digest_size=8).digest()
            if digest in self._seen:
                self.duplicates += 1
            else:
                self._seen.add(digest)


def iter_reviews(
    path: str | os.PathLike[str], columns: Sequence[str], batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """The reviews table's ``columns``, in batches of at most ``batch_rows`` rows, in table order."""
    yield from pq.ParquetFile(Path(path)).iter_batches(batch_size=batch_rows, columns=list(columns))


def split_mask(batch: pa.RecordBatch, splits: Sequence[str]) -> pa.Array:
    """Which rows of ``batch`` (it has the split column) belong to one of ``splits``."""
    import pyarrow.compute as pc

    return pc.is_in(batch.column("split"), value_set=pa.array(list(splits)))


def train_review_groups(reviews_path: str | os.PathLike[str], labels: np.ndarray) -> np.ndarray:
    """The group (IMDB: movie) of each padded train review, checked to be the same reviews in the
    same order; a review without a group is a group of its own."""
    import pandas as pd

    reviews = pd.read_parquet(reviews_path, columns=["split", "label", "group"]).query("split == 'train'")
    if len(reviews) != labels.size or not np.array_equal(reviews["label"].to_numpy(), labels):
        raise PipelineError(
            f"{reviews_path}: its train reviews are not the padded train reviews (count or labels differ)"
        )
    missing = reviews["group"].isna().to_numpy()
    if missing.any():
        log.info("%d train reviews have no group: each is held out or kept on its own", int(missing.sum()))
    # "\0" cannot start a group read from text, so the row's own group never meets a real one
    return np.where(missing, [f"\0{row}" for row in range(missing.size)], reviews["group"].to_numpy(dtype=object))
