"""Stage build_embedding: the num_words x dim matrix that initialises every model's Embedding."""

import argparse
import logging

from imdb_sentiment.pipeline.io import read_json, save_npy, write_json
from imdb_sentiment.pipeline.params import EmbeddingParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.text.vocab import words_by_index
from imdb_sentiment.vectors.embeddings import build_embedding_matrix, load_word_vectors

log = logging.getLogger("build_embedding")
# Below this share of the vocabulary found, pretrained vectors barely help: say so.
LOW_COVERAGE = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--word2vec", required=True, help="vectors of the train_word2vec stage")
    parser.add_argument("--out", required=True, help="embedding matrix (.npy)")
    parser.add_argument("--metrics", required=True)
    args = parser.parse_args()
    p = load_params(EmbeddingParams)

    words = words_by_index(read_json(args.vocab))
    vectors_path = {"random": None, "word2vec": args.word2vec, "pretrained": p.path}[p.source]
    vectors = None if vectors_path is None else load_word_vectors(vectors_path, limit=p.limit)
    matrix, found = build_embedding_matrix(words, vectors, p.dim, p.seed)
    save_npy(args.out, matrix)

    words_total = len(words) - 1  # <PAD> is never looked up
    coverage = found / words_total
    summary: dict[str, object] = {
        "source": p.source,
        "vectors": vectors_path,
        "shape": list(matrix.shape),
        "found": found,
        "coverage": round(coverage, 6),
    }
    if vectors is not None and coverage < LOW_COVERAGE:
        summary["warning"] = f"only {coverage:.1%} of the vocabulary has a vector in {vectors_path}"
        log.warning("%s", summary["warning"])
    write_json(args.metrics, summary)
    log.info("embedding %s from %s: %d of %d words found", matrix.shape, p.source, found, words_total)


if __name__ == "__main__":
    run_stage(main)
