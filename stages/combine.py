"""Stage combine: fit the stacker on the members' validation scores; save the ensemble as one file.

Each member of ``ensemble.members`` is found where its stage wrote it (imdb_sentiment.members.kinds):
its model in the models folder as <name><suffix>, unless ``--model NAME=PATH`` names it (stage
train's data/model.keras), and its validation scores in the scores folder as <name>.npz.
"""

import argparse
import logging
from pathlib import Path

from imdb_sentiment.ensemble.stacker import fit_stacker, stacker_summary
from imdb_sentiment.members.kinds import check_members, member_files
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import read_json, write_json
from imdb_sentiment.pipeline.params import DataParams, EnsembleParams, PadParams, TextParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.scoring.classifier import save_ensemble
from imdb_sentiment.text.preprocessing import Preprocessing

log = logging.getLogger("combine")


def named_path(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {value!r}")
    return name, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", required=True, type=Path, help="folder of the members' models")
    parser.add_argument("--scores", required=True, type=Path, help="folder of the members' validation scores")
    parser.add_argument(
        "--model", action="append", default=[], type=named_path, metavar="NAME=PATH", help="a member's model elsewhere"
    )
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--stats", required=True, help="length statistics holding maxlen (.json)")
    parser.add_argument("--out", required=True, help="the ensemble (.zip)")
    parser.add_argument("--metrics", required=True)
    args = parser.parse_args()
    p, pad = load_params(EnsembleParams), load_params(PadParams)
    check_members(p.members)

    files = member_files(p.members, args.models, args.scores, dict(args.model))
    scores = {name: MemberScores.load(files[name][1]) for name in p.members}
    stacker = fit_stacker(scores, p.C)
    summary = stacker_summary(stacker, scores, p.C, p.cv_folds)
    maxlen = int(read_json(args.stats)["maxlen"])
    tokenizer = load_params(TextParams).tokenizer
    trained_on = load_params(DataParams).described()
    preprocessing = Preprocessing(read_json(args.vocab), maxlen, pad.padding, pad.truncating, tokenizer, trained_on)
    save_ensemble(args.out, stacker, {name: files[name][0] for name in p.members}, preprocessing)
    write_json(args.metrics, summary)
    log.info(
        "ensemble of %s: validation accuracy %s; weights %s",
        ", ".join(p.members),
        summary["val_accuracy"],
        stacker.weights,
    )


if __name__ == "__main__":
    run_stage(main)
