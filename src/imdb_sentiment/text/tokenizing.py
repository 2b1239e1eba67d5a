"""Stage tokenize_reviews's row-parallel part: a part of the reviews table as rows of the tokens
table (imdb_sentiment.text.tokens), by the tokenizer ``text.tokenizer`` names."""

from __future__ import annotations

import os

import pyarrow as pa

from imdb_sentiment.sources.reviews import RowGroupWriter
from imdb_sentiment.text.tokenize import tokenizer_named
from imdb_sentiment.text.tokens import TOKEN_ROW_GROUP_ROWS, TOKENS_SCHEMA


def tokenize_part(batch: pa.RecordBatch, tokenizer: str = "english") -> pa.Table:
    """A part of the reviews table (columns split, label, text) as rows of the tokens table."""
    token_lists = tokenizer_named(tokenizer).tokens_many(batch.column("text").to_pylist())
    return pa.table(
        {
            "split": batch.column("split"),
            "label": batch.column("label"),
            "tokens": pa.array(token_lists, type=pa.list_(pa.string())),
        },
        schema=TOKENS_SCHEMA,
    )


def tokens_writer(path: str | os.PathLike[str]) -> RowGroupWriter:
    """The tokens table's writer: fixed row groups, dictionary-encoded tokens (each word's text once a group)."""
    return RowGroupWriter(path, TOKENS_SCHEMA, TOKEN_ROW_GROUP_ROWS, dictionary=["split", "tokens.list.element"])
