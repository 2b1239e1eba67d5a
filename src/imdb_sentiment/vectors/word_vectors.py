"""Stage train_word2vec's word vectors, by ``word2vec.algorithm``: PPMI + SVD or gensim's word2vec."""

from __future__ import annotations

from gensim.models import KeyedVectors

from imdb_sentiment.pipeline.params import Word2VecParams
from imdb_sentiment.text.tokens import TokenizedReviews
from imdb_sentiment.vectors.embeddings import keyed_vectors, train_word2vec
from imdb_sentiment.vectors.ppmi import ppmi_svd_vectors


def train_word_vectors(
    reviews: TokenizedReviews, settings: Word2VecParams, *, corpus_file: bool = False
) -> KeyedVectors:
    """``corpus_file``: word2vec only, gensim reads the corpus from a temporary file (see train_word2vec)."""
    if settings.algorithm == "ppmi_svd":
        return keyed_vectors(*ppmi_svd_vectors(reviews.token_lists(), **settings.ppmi_svd_settings()))
    return train_word2vec(reviews, **settings.word2vec_settings(), corpus_file=corpus_file)
