"""Stage reindex_vocab: tokenize, rank words on the train split, encode train and test."""

import argparse
import logging

import numpy as np
import pandas as pd

from imdb_sentiment.io import save_npz, write_json
from imdb_sentiment.params import VocabParams, load_params
from imdb_sentiment.sequences import pack
from imdb_sentiment.stage import run_stage
from imdb_sentiment.text import tokenize
from imdb_sentiment.vocab import build_vocab, encode_many

log = logging.getLogger("reindex_vocab")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", required=True)
    parser.add_argument("--vocab", required=True, help="word -> index (.json)")
    parser.add_argument("--train", required=True, help="encoded train reviews (.npz)")
    parser.add_argument("--test", required=True, help="encoded test reviews (.npz)")
    args = parser.parse_args()
    p = load_params(VocabParams)

    reviews = pd.read_parquet(args.reviews, columns=["split", "label", "text"])
    tokens = {split: [tokenize(t) for t in reviews.loc[reviews.split == split, "text"]] for split in ("train", "test")}
    vocab = build_vocab(tokens["train"], p.num_words)
    write_json(args.vocab, vocab)
    for split, out in (("train", args.train), ("test", args.test)):
        ids, offsets = pack(encode_many(tokens[split], vocab))
        labels = reviews.loc[reviews.split == split, "label"].to_numpy(dtype=np.int8)
        save_npz(out, {"ids": ids, "offsets": offsets, "labels": labels})
        log.info("%s: %d reviews, %d tokens, %.2f%% <UNK>", split, labels.size, ids.size, 100 * np.mean(ids == 2))
    log.info("vocabulary of %d entries -> %s", len(vocab), args.vocab)


if __name__ == "__main__":
    run_stage(main)
