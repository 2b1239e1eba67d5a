"""Stage train_ngrams: NB-weighted logistic regression on binary word n-grams (an ensemble member)."""

import argparse
import functools
import logging
import time

import numpy as np

from imdb_sentiment.ensemble import MemberScores
from imdb_sentiment.io import write_json
from imdb_sentiment.ngrams import fit_ngram_model
from imdb_sentiment.packed_members import fit_and_score, load_packed_train
from imdb_sentiment.params import NgramParams, load_params
from imdb_sentiment.stage import run_stage

log = logging.getLogger("train_ngrams")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="encoded train reviews (.npz)")
    parser.add_argument("--index", required=True, help="row positions of the train and validation splits (.npz)")
    parser.add_argument("--vocab", required=True, help="word -> index (.json): its size bounds the ids")
    parser.add_argument("--model", required=True, help="the fitted n-gram model (.npz)")
    parser.add_argument("--val-scores", required=True, help="validation probabilities before any refit (.npz)")
    parser.add_argument("--metrics", required=True)
    args = parser.parse_args()
    p = load_params(NgramParams)

    data = load_packed_train(args.train, args.index, args.vocab)
    fit = {"base": data.base, "max_n": p.max_n, "min_df": p.min_df, "c": p.C}

    started = time.perf_counter()
    model, val_probabilities = fit_and_score(functools.partial(fit_ngram_model, **fit), data, p.refit_full)
    val_labels = data.labels[data.val_rows]
    val_accuracy = float(np.mean((val_probabilities >= 0.5) == val_labels))
    log.info("validation accuracy %.4f; %d n-grams (1..%d) in the model", val_accuracy, model.weights.size, p.max_n)
    MemberScores(data.val_rows, val_labels, val_probabilities.astype(np.float32)).save(args.val_scores)
    model.save(args.model)
    write_json(
        args.metrics,
        {
            "val_accuracy": round(val_accuracy, 6),
            "ngrams": int(model.weights.size),
            "refit_full": p.refit_full,
            "train_reviews": int(data.train_rows.size + (data.val_rows.size if p.refit_full else 0)),
        },
    )
    log.info("%s in %.0f s", args.model, time.perf_counter() - started)


if __name__ == "__main__":
    run_stage(main)
