"""Stage train_word2vec: word vectors from the train + unlabeled reviews (never test).

word2vec.algorithm ppmi_svd: positive PMI of co-occurrences reduced by a truncated SVD (the
default: better word similarity in half word2vec's time); word2vec: gensim's word2vec. Their
quality is measured by stage export_word2vec (metrics/word2vec.json)."""

import argparse
import logging
import time

from imdb_sentiment.pipeline.params import Word2VecParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.sources.reviews import TRAIN, UNLABELED
from imdb_sentiment.text.tokens import TokenizedReviews
from imdb_sentiment.vectors.embeddings import save_word_vectors
from imdb_sentiment.vectors.word_vectors import train_word_vectors

log = logging.getLogger("train_word2vec")
CORPUS_SPLITS = (TRAIN, UNLABELED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", required=True, help="the tokens table (.parquet)")
    parser.add_argument("--out", required=True, help="word vectors, word2vec format (.bin: binary)")
    args = parser.parse_args()
    p = load_params(Word2VecParams)

    reviews = TokenizedReviews.read(args.tokens, CORPUS_SPLITS)
    log.info("%s on %d reviews (%s)", p.algorithm, len(reviews), ", ".join(CORPUS_SPLITS))
    started = time.perf_counter()
    vectors = train_word_vectors(reviews, p)
    seconds = time.perf_counter() - started
    save_word_vectors(vectors, args.out)
    log.info("%d words x %d -> %s in %.0f s", len(vectors), vectors.vector_size, args.out, seconds)


if __name__ == "__main__":
    run_stage(main)
