"""Stage reindex_vocab: rank words on the train split, encode train and test.

Parts of the tokens table (stage tokenize_reviews) are numbered where cluster settings say
(imdb_sentiment.distributed.cluster: here, or on Dask workers) and merged in order
(imdb_sentiment.text.vocab.StreamingEncoder): memory holds the packed ids, not the tokens, and the
outputs are the same bytes however the rows were cut."""

import argparse
import logging

from imdb_sentiment.distributed import cluster
from imdb_sentiment.pipeline.io import PipelineError, save_npz, write_json
from imdb_sentiment.pipeline.params import ClusterParams, VocabParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.sources.reviews import TEST, TRAIN
from imdb_sentiment.text.encoding import ENCODED_SPLITS, encode_part
from imdb_sentiment.text.tokens import iter_tokens
from imdb_sentiment.text.vocab import StreamingEncoder, finish_encoding

import numpy as np

log = logging.getLogger("reindex_vocab")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", required=True, help="the tokens table (.parquet)")
    parser.add_argument("--vocab", required=True, help="word -> index (.json)")
    parser.add_argument("--train", required=True, help="encoded train reviews (.npz)")
    parser.add_argument("--test", required=True, help="encoded test reviews (.npz)")
    args = parser.parse_args()
    p, where = load_params(VocabParams), load_params(ClusterParams)

    encoder = StreamingEncoder()
    parts: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {split: [] for split in ENCODED_SPLITS}
    with cluster.runner(where) as work:
        batches = iter_tokens(args.tokens, batch_rows=work.partition_rows)
        for encoded in cluster.run_parts(work, encode_part, cluster.batch_parts(batches)):
            provisional = encoder.merge(encoded.words, encoded.train_counts)
            for split, (flat, lengths, labels) in encoded.splits.items():
                parts[split].append((provisional[flat], lengths, labels))
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
