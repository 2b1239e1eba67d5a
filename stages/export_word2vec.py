"""Stage export_word2vec: the trained Embedding as word2vec.txt; how good both sets of vectors are.

metrics/word2vec.json holds, for stage train_word2vec's vectors and for the exported fine-tuned
embedding: their size, WordSim-353 and SimLex-999 Spearman correlations, Google analogy accuracy
(gensim's bundled files) and the nearest neighbours of the probe words (export.probe_words)."""

import argparse
import logging

from imdb_sentiment.pipeline.io import load_npy, read_json, write_json
from imdb_sentiment.pipeline.params import ExportParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.text.vocab import words_by_index
from imdb_sentiment.vectors.embeddings import (
    check_readback,
    load_word_vectors,
    nearest_neighbors,
    save_word_vectors,
    vector_quality,
)
from imdb_sentiment.vectors.export import embedding_to_keyed_vectors

log = logging.getLogger("export_word2vec")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trained-embedding", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--word2vec", required=True, help="vectors of the train_word2vec stage")
    parser.add_argument("--out", required=True, help="word2vec text file")
    parser.add_argument("--metrics", required=True, help="both vectors' quality and neighbours (.json)")
    args = parser.parse_args()
    p = load_params(ExportParams)

    trained = embedding_to_keyed_vectors(words_by_index(read_json(args.vocab)), load_npy(args.trained_embedding))
    save_word_vectors(trained, args.out)
    check_readback(trained, args.out)
    report = {}
    for name, vectors in (("word2vec", load_word_vectors(args.word2vec)), ("trained_embedding", trained)):
        report[name] = {
            "words": len(vectors),
            "vector_size": vectors.vector_size,
            **vector_quality(vectors),
            "neighbors": nearest_neighbors(vectors, p.probe_words, p.topn),
        }
        figures = {key: "n/a" if report[name][key] is None else f"{report[name][key]:.3f}"
                   for key in ("wordsim353_spearman", "simlex999_spearman", "analogy_accuracy")}  # fmt: skip
        log.info("%s: WordSim-353 %s, SimLex-999 %s, analogy accuracy %s (n/a: too few of the sets' words)", name,
                 *figures.values())  # fmt: skip
    write_json(args.metrics, report)
    log.info("%d words x %d -> %s", len(trained), trained.vector_size, args.out)


if __name__ == "__main__":
    run_stage(main)
