"""Stage reindex_vocab: tokenize, rank words on the train split, encode train and test.

One pass over the reviews table in batches (imdb_sentiment.vocab.StreamingEncoder): memory holds
the packed ids, not the tokens."""

import argparse
import logging

import numpy as np

from imdb_sentiment.io import PipelineError, save_npz, write_json
from imdb_sentiment.params import VocabParams, load_params
from imdb_sentiment.reviews import TEST, TRAIN, iter_reviews, split_mask
from imdb_sentiment.stage import run_stage
from imdb_sentiment.text import tokenize
from imdb_sentiment.vocab import StreamingEncoder, finish_encoding

log = logging.getLogger("reindex_vocab")
TOKENIZED_BATCH_ROWS = 10_000  # a batch's tokens as Python strings take about 130 MiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", required=True)
    parser.add_argument("--vocab", required=True, help="word -> index (.json)")
    parser.add_argument("--train", required=True, help="encoded train reviews (.npz)")
    parser.add_argument("--test", required=True, help="encoded test reviews (.npz)")
    args = parser.parse_args()
    p = load_params(VocabParams)

    encoder = StreamingEncoder()
    parts: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {TRAIN: [], TEST: []}
    for batch in iter_reviews(args.reviews, ["split", "label", "text"], batch_rows=TOKENIZED_BATCH_ROWS):
        for split, part in parts.items():
            rows = batch.filter(split_mask(batch, [split]))
            tokens = [tokenize(text) for text in rows.column("text").to_pylist()]
            flat, lengths = encoder.provisional(tokens, count=split == TRAIN)
            part.append((flat, lengths, rows.column("label").to_numpy(zero_copy_only=False).astype(np.int8)))
    try:
        vocab, final = encoder.vocab(p.num_words)
    except ValueError as exc:
        raise PipelineError(f"params.yaml: {exc}") from exc
    write_json(args.vocab, vocab)
    for split, out in ((TRAIN, args.train), (TEST, args.test)):
        flat, lengths, labels = (np.concatenate(arrays) for arrays in zip(*parts[split], strict=True))
        ids, offsets = finish_encoding(flat, lengths, final)
        save_npz(out, {"ids": ids, "offsets": offsets, "labels": labels})
        log.info("%s: %d reviews, %d tokens, %.2f%% <UNK>", split, labels.size, ids.size, 100 * np.mean(ids == 2))
    log.info("vocabulary of %d entries -> %s", len(vocab), args.vocab)


if __name__ == "__main__":
    run_stage(main)
