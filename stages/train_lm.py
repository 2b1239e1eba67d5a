"""Stage train_lm (docs: Adding a member): one n-gram language model per class, scored by their likelihood
ratio (an ensemble member of kind lm)."""

import argparse
import functools
import logging
import time

from imdb_sentiment.members.language_model import fit_class_language_models
from imdb_sentiment.members.packed import fit_and_score, load_packed_train
from imdb_sentiment.members.scores import MemberScores, accuracy
from imdb_sentiment.pipeline.io import write_json
from imdb_sentiment.pipeline.params import LanguageModelParams, load_params
from imdb_sentiment.pipeline.stage import run_stage

log = logging.getLogger("train_lm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="encoded train reviews (.npz)")
    parser.add_argument("--index", required=True, help="row positions of the train and validation splits (.npz)")
    parser.add_argument("--vocab", required=True, help="word -> index (.json): its size bounds the ids")
    parser.add_argument("--model", required=True, help="the two fitted language models (.npz)")
    parser.add_argument("--val-scores", required=True, help="validation probabilities before any refit (.npz)")
    parser.add_argument("--metrics", required=True)
    args = parser.parse_args()
    p = load_params(LanguageModelParams)

    data = load_packed_train(args.train, args.index, args.vocab)

    started = time.perf_counter()
    model, val_probabilities = fit_and_score(
        functools.partial(fit_class_language_models, base=data.base, order=p.order, discount=p.discount),
        data,
        p.refit_full,
    )
    val_labels = data.labels[data.val_rows]
    val_accuracy = accuracy(val_probabilities, val_labels)
    log.info("validation accuracy %.4f (%d-gram language models)", val_accuracy, p.order)
    MemberScores(data.val_rows, val_labels, val_probabilities).save(args.val_scores)
    model.save(args.model)
    write_json(
        args.metrics,
        {
            "val_accuracy": round(val_accuracy, 6),
            "ngrams": int(sum(keys.size for lm in (model.positive, model.negative) for keys in lm.keys)),
            "refit_full": p.refit_full,
            "train_reviews": int(data.train_rows.size + (data.val_rows.size if p.refit_full else 0)),
        },
    )
    log.info("%s in %.0f s", args.model, time.perf_counter() - started)


if __name__ == "__main__":
    run_stage(main)
