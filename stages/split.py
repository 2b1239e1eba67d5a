"""Stage split: shuffle the padded train reviews and hold out a validation set (whole movies by default)."""

import argparse
import logging

import numpy as np
import pandas as pd

from imdb_sentiment.io import PipelineError, load_npz, save_npz
from imdb_sentiment.params import SplitParams, load_params
from imdb_sentiment.sequences import grouped_split_indices, split_indices
from imdb_sentiment.stage import run_stage

log = logging.getLogger("split")


def train_movies(reviews_path: str, labels: np.ndarray) -> np.ndarray:
    """The movie of each padded train review, checked to be the same reviews in the same order."""
    reviews = pd.read_parquet(reviews_path, columns=["split", "label", "movie"]).query("split == 'train'")
    if len(reviews) != labels.size or not np.array_equal(reviews["label"].to_numpy(), labels):
        raise PipelineError(
            f"{reviews_path}: its train reviews are not the padded train reviews (count or labels differ)"
        )
    missing = int(reviews["movie"].isna().sum())
    if missing:
        raise PipelineError(
            f"{reviews_path}: {missing} train reviews have no movie (the archive lacks aclImdb/train/urls_pos.txt "
            "or urls_neg.txt, or they have fewer lines than reviews); split.group_by=movie needs them, "
            "split.group_by: review does not"
        )
    return reviews["movie"].to_numpy(dtype=str)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("padded", help="padded train reviews (.npz)")
    parser.add_argument("--reviews", required=True, help="reviews table (.parquet): each train review's movie")
    parser.add_argument("--train", required=True)
    parser.add_argument("--val", required=True)
    parser.add_argument("--index", required=True, help="row positions of both splits in the train reviews (.npz)")
    args = parser.parse_args()
    p = load_params(SplitParams)

    data = load_npz(args.padded)
    try:
        if p.group_by == "movie":
            movies = train_movies(args.reviews, data["y"])
            train_idx, val_idx = grouped_split_indices(movies, p.val_size, p.seed)
            log.info("validation holds %d of %d movies", np.unique(movies[val_idx]).size, np.unique(movies).size)
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
