"""The tokens table: every review of the reviews table as its tokens, made once by stage
tokenize_reviews (row-parallel: here or on Dask workers, the same bytes) and read by every stage that counts or
encodes words, so a slow tokenizer (Korean morphemes) runs once per review, not once per stage.

Its rows are the reviews table's, in the same order: ``split``, ``label`` and ``tokens`` (a list of
strings; an empty review has none). Reading it needs no tokenizer: a tokenizer's code is a
dependency of stage tokenize_reviews alone (imdb_sentiment.text.tokenizing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from imdb_sentiment.sources.reviews import split_mask

TOKENS_SCHEMA = pa.schema([("split", pa.string()), ("label", pa.int8()), ("tokens", pa.list_(pa.string()))])
# A row group of a whole IMDB review count (50,000) holds ~13 M tokens: a fifth is plenty, and the
# file's bytes do not depend on how the rows were cut either way.
TOKEN_ROW_GROUP_ROWS = 10_000
READ_ROWS = 10_000  # rows a batch when a stage reads the tokens back


def iter_tokens(path: str | os.PathLike[str], batch_rows: int = READ_ROWS) -> Iterator[pa.RecordBatch]:
    """The tokens table in batches of at most ``batch_rows`` rows, in table order."""
    yield from pq.ParquetFile(path).iter_batches(batch_size=batch_rows)


class TokenizedReviews:
    """The reviews of some splits as Arrow lists of tokens (about the text's own size, not Python
    strings per token), iterable as token lists as often as needed: gensim reads its corpus once
    for the vocabulary and once per epoch."""

    def __init__(self, chunks: Sequence[pa.ListArray]) -> None:
        self._chunks = list(chunks)

    @classmethod
    def read(cls, path: str | os.PathLike[str], splits: Sequence[str]) -> TokenizedReviews:
        """The tokens table's reviews of ``splits``."""
        # large_string, as counting joins the batches' words into one array (over 2 GiB of text on
        # ten times IMDB's size)
        return cls(
            [
                batch.filter(split_mask(batch, splits)).column("tokens").cast(pa.list_(pa.large_string()))
                for batch in iter_tokens(path)
            ]
        )

    def __len__(self) -> int:
        return sum(len(chunk) for chunk in self._chunks)

    def __iter__(self) -> Iterator[list[str]]:
        for chunk in self._chunks:
            for tokens in chunk.to_pylist():
                yield tokens or []

    def token_lists(self) -> list[pa.ListArray]:
        """The reviews as Arrow lists of tokens, a batch per chunk, for counting in C."""
        return self._chunks
