"""How the pipeline turns raw text into model input: tokenized, reindexed, packed, padded.

A trained model carries its ``Preprocessing`` (the vocabulary, maxlen and padding of the run that
trained it), so scoring new text repeats exactly what the stages did, and what reviews that run
read, so predict, the API and the page can say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from imdb_sentiment.text.sequences import Side, pack, pad_sequences, unpack
from imdb_sentiment.text.tokenize import Tokenizer, tokenizer_named
from imdb_sentiment.text.vocab import encode

TRAINED_ON = "trained_on"  # its key in a model file's metadata


@dataclass(frozen=True)
class Preprocessing:
    """The tokenizer and vocabulary, and the length and padding the Keras members were trained with,
    and what the reviews they were trained on were (``trained_on``)."""

    vocab: dict[str, int]
    maxlen: int
    padding: Side
    truncating: Side
    tokenizer_name: str = "english"  # text.tokenizer; a model file from before it names none: English
    # data.described(), e.g. "IMDB movie reviews". None: a model file from before it named its data;
    # those were IMDB's only by default (data.source: table and the Korean tokenizer predate it), so
    # scoring says it does not know rather than guess.
    trained_on: str | None = None

    def tokenizer(self) -> Tokenizer:
        return tokenizer_named(self.tokenizer_name)

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Tokenized and reindexed, packed as flat ids + offsets."""
        tokens = self.tokenizer().tokens
        return pack([encode(tokens(text), self.vocab) for text in texts])

    def pad_sequences(self, sequences: Sequence[np.ndarray]) -> np.ndarray:
        """Id sequences padded and truncated as the Keras members' inputs were."""
        return pad_sequences(sequences, self.maxlen, self.padding, self.truncating)

    def pad(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Packed reviews as the padded matrix a Keras member reads."""
        return self.pad_sequences(unpack(ids, offsets))

    def as_dict(self) -> dict[str, Any]:
        return {
            "vocab": self.vocab,
            "maxlen": self.maxlen,
            "padding": self.padding,
            "truncating": self.truncating,
            "tokenizer": self.tokenizer_name,
            TRAINED_ON: self.trained_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preprocessing:
        tokenizer = str(data.get("tokenizer", "english"))
        vocab, maxlen = dict(data["vocab"]), int(data["maxlen"])
        return cls(vocab, maxlen, data["padding"], data["truncating"], tokenizer, carried_trained_on(data))


def carried_trained_on(data: Mapping[str, Any]) -> str | None:
    """``trained_on`` from a model file's metadata (``as_dict``'s), without the rest of it: None
    where the file does not say."""
    value = data.get(TRAINED_ON)
    return None if value is None else str(value)
