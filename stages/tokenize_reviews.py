"""Stage tokenize_reviews: every review of the reviews table as its tokens (text.tokenizer), once.

Parts of the table are tokenized where cluster settings say (imdb_sentiment.distributed.cluster:
here, or on Dask workers) and written in order in fixed row groups: the same bytes however the
rows were cut. Every stage that counts or encodes words reads this table, not the text."""

import argparse
import logging

from imdb_sentiment.distributed import cluster
from imdb_sentiment.pipeline.params import ClusterParams, TextParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.sources.reviews import iter_reviews
from imdb_sentiment.text.tokenizing import tokenize_part, tokens_writer

import pyarrow.parquet as pq

log = logging.getLogger("tokenize_reviews")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", required=True)
    parser.add_argument("--out", required=True, help="the tokens table (.parquet)")
    args = parser.parse_args()
    text, where = load_params(TextParams), load_params(ClusterParams)

    tokens, total = 0, pq.ParquetFile(args.reviews).metadata.num_rows
    with cluster.runner(where) as work, tokens_writer(args.out) as writer:
        batches = iter_reviews(args.reviews, ["split", "label", "text"], batch_rows=work.partition_rows)
        tokenizer = {"tokenizer": text.tokenizer}  # sent to each worker once, beside the parts
        for part in work.map(tokenize_part, cluster.batch_parts(batches), tokenizer):
            writer.write(part)
            tokens += sum(len(chunk.values) for chunk in part.column("tokens").chunks)
            log.info("%d of %d reviews tokenized", writer.rows, total)  # Korean: minutes
        cluster.log_times(work, tokenize_part)
    log.info("%d reviews, %d tokens (%s) -> %s", writer.rows, tokens, text.tokenizer, args.out)


if __name__ == "__main__":
    run_stage(main)
