"""Stage combine: fit the stacker on the members' validation scores; save the ensemble as one file."""

import argparse
import logging

import numpy as np

from imdb_sentiment.classifier import Preprocessing, save_ensemble
from imdb_sentiment.ensemble import CV_SEED, MemberScores, accuracy, check_aligned, cross_validated_accuracy, fit_stacker
from imdb_sentiment.io import PipelineError, read_json, write_json
from imdb_sentiment.params import EnsembleParams, PadParams, load_params
from imdb_sentiment.stage import run_stage

log = logging.getLogger("combine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--member",
        required=True,
        action="append",
        nargs=3,
        metavar=("NAME", "MODEL", "SCORES"),
        help="a candidate member: its name in ensemble.members, its model file and its validation scores (.npz)",
    )
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--stats", required=True, help="length statistics holding maxlen (.json)")
    parser.add_argument("--out", required=True, help="the ensemble (.zip)")
    parser.add_argument("--metrics", required=True)
    args = parser.parse_args()
    p, pad = load_params(EnsembleParams), load_params(PadParams)

    files = {name: (model, val_scores) for name, model, val_scores in args.member}
    missing = [name for name in p.members if name not in files]
    if missing:
        raise PipelineError(
            f"ensemble.members names {missing}, but combine was given only {sorted(files)} (--member): add the"
            ' member\'s stage and its --member to dvc.yaml as README "Adding a member" shows'
        )
    scores = {name: MemberScores.load(files[name][1]) for name in p.members}
    _, labels = check_aligned(scores)
    stacker = fit_stacker(scores, p.C)
    accuracy = cross_validated_accuracy(scores, p.C, p.cv_folds, seed=CV_SEED) if len(scores) > 1 else None
    preprocessing = Preprocessing(
        read_json(args.vocab), int(read_json(args.stats)["maxlen"]), pad.padding, pad.truncating
    )
    save_ensemble(args.out, stacker, {name: files[name][0] for name in p.members}, preprocessing)

    members = {
        name: {
            "weight": weight,
            "val_accuracy": round(accuracy(scores[name].probabilities, labels), 6),
        }
        for name, weight in zip(stacker.members, stacker.weights, strict=True)
    }
    if accuracy is None:  # one member, passed through: its own validation accuracy
        accuracy, method = members[p.members[0]]["val_accuracy"], "the member's own"
    else:
        method = f"{p.cv_folds}-fold cross-validation within validation"
    write_json(
        args.metrics,
        {
            "val_accuracy": round(accuracy, 6),
            "val_accuracy_method": method,
            "bias": stacker.bias,
            "members": members,
        },
    )
    log.info("ensemble of %s: validation accuracy %s; weights %s", ", ".join(p.members), accuracy, stacker.weights)


if __name__ == "__main__":
    run_stage(main)
