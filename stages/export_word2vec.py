"""Stage export_word2vec: the trained Embedding as word2vec.txt, and nearest neighbours."""

import argparse
import logging

from imdb_sentiment.embeddings import load_word_vectors, nearest_neighbors, save_word_vectors
from imdb_sentiment.export import embedding_to_keyed_vectors
from imdb_sentiment.io import load_npy, read_json, write_json
from imdb_sentiment.params import ExportParams, load_params
from imdb_sentiment.stage import run_stage
from imdb_sentiment.vocab import words_by_index

log = logging.getLogger("export_word2vec")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trained-embedding", required=True)
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--word2vec", required=True, help="vectors of the train_word2vec stage")
    parser.add_argument("--out", required=True, help="word2vec text file")
    parser.add_argument("--neighbors", required=True)
    args = parser.parse_args()
    p = load_params(ExportParams)

    trained = embedding_to_keyed_vectors(words_by_index(read_json(args.vocab)), load_npy(args.trained_embedding))
    save_word_vectors(trained, args.out)
    # Read back what was written: the file itself must load in gensim.
    exported = load_word_vectors(args.out)
    neighbors = {
        "trained_embedding": nearest_neighbors(exported, p.probe_words, p.topn),
        "word2vec": nearest_neighbors(load_word_vectors(args.word2vec), p.probe_words, p.topn),
    }
    write_json(args.neighbors, neighbors)
    log.info("%d words x %d -> %s", len(exported), exported.vector_size, args.out)


if __name__ == "__main__":
    run_stage(main)
