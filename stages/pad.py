"""Stage pad: encoded reviews -> fixed-length int32 matrices of maxlen ids."""

import argparse
import logging

from imdb_sentiment.pipeline.io import load_npz, read_json, save_npz
from imdb_sentiment.pipeline.params import PadParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.text.sequences import pad_sequences, unpack

log = logging.getLogger("pad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stats", required=True, help="length statistics holding maxlen (.json)")
    parser.add_argument("--inputs", nargs="+", required=True, help="encoded reviews (.npz)")
    parser.add_argument("--outputs", nargs="+", required=True, help="padded reviews (.npz), one per input")
    args = parser.parse_args()
    p = load_params(PadParams)
    maxlen = int(read_json(args.stats)["maxlen"])

    for source, target in zip(args.inputs, args.outputs, strict=True):
        encoded = load_npz(source)
        x = pad_sequences(unpack(encoded["ids"], encoded["offsets"]), maxlen, p.padding, p.truncating)
        save_npz(target, {"x": x, "y": encoded["labels"]})
        log.info("%s -> %s %s (padding=%s, truncating=%s)", source, target, x.shape, p.padding, p.truncating)


if __name__ == "__main__":
    run_stage(main)
