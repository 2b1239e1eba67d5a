"""Stages train_ngrams and train_ending: NB-weighted logistic regression on binary word n-grams
(an ensemble member), of whole reviews (params group ngrams) or of their last words (ending).

The params group is also the member's name (imdb_sentiment.members.kinds: kinds ngrams and ending)."""

import argparse
import functools
import logging
import time

from imdb_sentiment.distributed import cluster
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.members.packed import fit_and_score, load_packed_train
from imdb_sentiment.members.scores import MemberScores, accuracy
from imdb_sentiment.pipeline.io import PipelineError, write_json
from imdb_sentiment.pipeline.params import ClusterParams, EndingParams, NgramParams, group_model, load_params
from imdb_sentiment.pipeline.stage import run_stage

import numpy as np


def main() -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="encoded train reviews (.npz)")
    parser.add_argument("--index", required=True, help="row positions of the train and validation splits (.npz)")
    parser.add_argument("--vocab", required=True, help="word -> index (.json): its size bounds the ids")
    parser.add_argument("--model", required=True, help="the fitted n-gram model (.npz)")
    parser.add_argument("--val-scores", required=True, help="validation probabilities before any refit (.npz)")
    parser.add_argument("--metrics", required=True)
    parser.add_argument("--member", default="ngrams", help="the member, and its params group: ngrams or ending")
    args = parser.parse_args()
    group = group_model(args.member)
    if not issubclass(group, NgramParams):
        raise PipelineError(f"--member {args.member}: not a group of n-gram model settings")
    p = load_params(group)
    log = logging.getLogger(f"train_{args.member}")  # the stage's name: train_ngrams or train_ending

    data = load_packed_train(args.train, args.index, args.vocab)
    last_words = p.last_words if isinstance(p, EndingParams) else None

    started = time.perf_counter()
    # Counting n-grams and building features go where the cluster settings say; the fit is here.
    with cluster.runner(load_params(ClusterParams)) as work:
        fit_model = functools.partial(
            fit_ngram_model, base=data.base, max_n=p.max_n, min_df=p.min_df, max_features=p.max_features, c=p.C,
            last_words=last_words, work=work,
        )  # fmt: skip
        model, val_probabilities = fit_and_score(fit_model, data, p.refit_full)
    val_labels = data.labels[data.val_rows]
    val_accuracy = accuracy(val_probabilities, val_labels)
    log.info("validation accuracy %.4f; %d n-grams (1..%d) in the model", val_accuracy, model.weights.size, p.max_n)
    MemberScores(data.val_rows, val_labels, val_probabilities.astype(np.float32)).save(args.val_scores)
    model.save(args.model)
    write_json(
        args.metrics,
        {
            "val_accuracy": round(val_accuracy, 6),
            "ngrams": int(model.weights.size),
            **({"last_words": last_words} if last_words else {}),
            "refit_full": p.refit_full,
            "train_reviews": int(data.train_rows.size + (data.val_rows.size if p.refit_full else 0)),
        },
    )
    log.info("%s in %.0f s", args.model, time.perf_counter() - started)
    return f"train_{args.member}"


if __name__ == "__main__":
    run_stage(main)
