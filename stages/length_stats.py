"""Stage length_stats: review lengths over train + test, and maxlen = mean + k * std."""

import argparse
import logging

from imdb_sentiment.pipeline.io import load_npz, write_json
from imdb_sentiment.pipeline.params import LengthParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.text.sequences import length_histogram, length_stats

import numpy as np

log = logging.getLogger("length_stats")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("encoded", nargs="+", help="encoded reviews (.npz)")
    parser.add_argument("--stats", required=True, help="statistics and maxlen (.json)")
    parser.add_argument("--histogram", required=True, help="length histogram for dvc plots (.json)")
    args = parser.parse_args()
    p = load_params(LengthParams)

    lengths = np.concatenate([np.diff(load_npz(path)["offsets"]) for path in args.encoded])
    stats = length_stats(lengths, p.maxlen, p.std_factor)
    write_json(args.stats, stats.as_dict())
    write_json(args.histogram, length_histogram(lengths))
    log.info("%s", stats)


if __name__ == "__main__":
    run_stage(main)
