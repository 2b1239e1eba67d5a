"""Tiny model files for the fast tests: an n-gram-only ensemble, which scores and explains raw text
in a second, without TensorFlow or a pipeline run."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imdb_sentiment.ensemble.stacker import Stacker
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.scoring.classifier import save_ensemble
from imdb_sentiment.text.preprocessing import Preprocessing
from imdb_sentiment.text.sequences import pack
from imdb_sentiment.text.tokenize import tokenize
from imdb_sentiment.text.vocab import encode

VOCAB = {"<PAD>": 0, "<BOS>": 1, "<UNK>": 2, "<UNUSED>": 3, "great": 4, "awful": 5, "film": 6, "the": 7}
# "boring" is outside VOCAB: as <UNK> it is a negative feature, and "great" or "awful" first is a
# feature of its own ("<BOS> great"): the reserved ids' terms get weights an explanation must not list.
TEXTS = ["great film", "the great film", "great great", "awful film", "the awful film", "boring film", "boring"]
LABELS = [1, 1, 1, 0, 0, 0, 0]


def ngram_ensemble(path: Path, trained_on: str | None, tokenizer: str = "english") -> Path:
    """An ensemble of one n-gram member (unigrams and bigrams) at ``path``, saying ``trained_on``
    (``tokenizer``: what the file names; the fixture's words are read in English either way)."""
    ids, offsets = pack([encode(tokenize(text), VOCAB) for text in TEXTS * 5])
    model = fit_ngram_model(ids, offsets, np.array(LABELS * 5), base=len(VOCAB), max_n=2, min_df=1, c=1.0)
    member = path.with_name(f"{path.stem}-ngrams.npz")
    model.save(member)
    preprocessing = Preprocessing(VOCAB, 10, "pre", "pre", tokenizer_name=tokenizer, trained_on=trained_on)
    save_ensemble(path, Stacker(("ngrams",), (1.0,), 0.0), {"ngrams": member}, preprocessing)
    member.unlink()  # the zip alone is enough
    return path
