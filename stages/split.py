"""Stage split: shuffle the padded train reviews and hold out a validation set (whole groups by default)."""

import argparse
import logging

from imdb_sentiment.pipeline.io import PipelineError, load_npz, save_npz
from imdb_sentiment.pipeline.params import SplitParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.sources.reviews import train_review_groups
from imdb_sentiment.text.sequences import grouped_split_indices, split_indices

import numpy as np

log = logging.getLogger("split")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("padded", help="padded train reviews (.npz)")
    parser.add_argument("--reviews", required=True, help="reviews table (.parquet): each train review's group")
    parser.add_argument("--train", required=True)
    parser.add_argument("--val", required=True)
    parser.add_argument("--index", required=True, help="row positions of both splits in the train reviews (.npz)")
    args = parser.parse_args()
    p = load_params(SplitParams)

    data = load_npz(args.padded)
    try:
        if p.group_by == "group":
            groups = train_review_groups(args.reviews, data["y"])
            train_idx, val_idx = grouped_split_indices(groups, p.val_size, p.seed)
            log.info("validation holds %d of %d groups", np.unique(groups[val_idx]).size, np.unique(groups).size)
        else:
            train_idx, val_idx = split_indices(len(data["y"]), p.val_size, p.seed)
    except ValueError as exc:
        raise PipelineError(f"params.yaml: {exc}") from exc
    save_npz(args.train, {"x": data["x"][train_idx], "y": data["y"][train_idx]})
    save_npz(args.val, {"x": data["x"][val_idx], "y": data["y"][val_idx]})
    # The members that read unpadded reviews take their split from here, so every member's
    # validation scores are for the same reviews in the same order.
    save_npz(args.index, {"train": train_idx, "val": val_idx})
    log.info("train %d, validation %d (%.1f%% positive)", train_idx.size, val_idx.size, 100 * data["y"][val_idx].mean())


if __name__ == "__main__":
    run_stage(main)
