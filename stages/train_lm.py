"""Stage train_lm: one n-gram language model per class, scored by their likelihood ratio (an ensemble member)."""

import argparse
import logging
import time

import numpy as np

from imdb_sentiment.ensemble import MemberScores
from imdb_sentiment.io import PipelineError, load_npz, read_json, write_json
from imdb_sentiment.ngram_lm import fit_class_language_models
from imdb_sentiment.ngrams import select_rows
from imdb_sentiment.params import LanguageModelParams, load_params
from imdb_sentiment.stage import run_stage

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

    encoded, split = load_npz(args.train), load_npz(args.index)
    ids, offsets, labels = encoded["ids"], encoded["offsets"], encoded["labels"]
    base = len(read_json(args.vocab))
    if ids.size and int(ids.max()) >= base:
        raise PipelineError(
            f"{args.train}: word id {int(ids.max())} is outside the vocabulary of {base} ({args.vocab})"
        )
    fit = {"base": base, "order": p.order, "discount": p.discount}

    started = time.perf_counter()
    train_rows, val_rows = split["train"], split["val"]
    model = fit_class_language_models(*select_rows(ids, offsets, train_rows), labels[train_rows], **fit)
    val_probabilities = model.predict(*select_rows(ids, offsets, val_rows))
    val_accuracy = float(np.mean((val_probabilities >= 0.5) == labels[val_rows]))
    log.info("validation accuracy %.4f (%d-gram language models)", val_accuracy, p.order)
    MemberScores(val_rows, labels[val_rows], val_probabilities).save(args.val_scores)
    if p.refit_full:
        rows = np.concatenate([train_rows, val_rows])
        model = fit_class_language_models(*select_rows(ids, offsets, rows), labels[rows], **fit)
        log.info("refitted on train + validation")
    model.save(args.model)
    ngrams = sum(keys.size for lm in (model.positive, model.negative) for keys in lm.keys)
    write_json(
        args.metrics,
        {
            "val_accuracy": round(val_accuracy, 6),
            "ngrams": int(ngrams),
            "refit_full": p.refit_full,
            "train_reviews": int(train_rows.size + (val_rows.size if p.refit_full else 0)),
        },
    )
    log.info("%s in %.0f s", args.model, time.perf_counter() - started)


if __name__ == "__main__":
    run_stage(main)
