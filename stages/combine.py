"""Stage combine: fit the stacker on the members' validation scores; save the ensemble as one file.

Each member of ``ensemble.members`` is found where its stage wrote it (imdb_sentiment.members.kinds):
its model in the models folder as <name><suffix>, unless ``--model NAME=PATH`` names it (stage
train's data/model.keras), and its validation scores in the scores folder as <name>.npz.
"""

import argparse
import logging
from pathlib import Path

from imdb_sentiment.ensemble.stacker import CV_SEED, check_aligned, cross_validated_accuracy, fit_stacker
from imdb_sentiment.members.kinds import check_members, model_filename
from imdb_sentiment.members.scores import MemberScores, accuracy
from imdb_sentiment.pipeline.io import PipelineError, read_json, write_json
from imdb_sentiment.pipeline.params import EnsembleParams, PadParams, load_params
from imdb_sentiment.pipeline.stage import run_stage
from imdb_sentiment.scoring.classifier import save_ensemble
from imdb_sentiment.text.preprocessing import Preprocessing

log = logging.getLogger("combine")


def named_path(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {value!r}")
    return name, path


def member_files(
    members: list[str], models_dir: Path, scores_dir: Path, named: dict[str, str]
) -> dict[str, tuple[Path, Path]]:
    """Each member's model and validation scores; a missing one is an error naming the file."""
    files = {}
    for name in members:
        model = Path(named[name]) if name in named else models_dir / model_filename(name)
        scores = scores_dir / f"{name}.npz"
        for path in (model, scores):
            if not path.is_file():
                raise PipelineError(
                    f"ensemble.members names {name!r}, but {path} does not exist: add the stage that writes it to "
                    "dvc.yaml (docs: Adding a member), or take the name out of ensemble.members"
                )
        files[name] = (model, scores)
    return files


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
    _, labels = check_aligned(scores)
    stacker = fit_stacker(scores, p.C)
    cv_accuracy = cross_validated_accuracy(scores, p.C, p.cv_folds, seed=CV_SEED) if len(scores) > 1 else None
    preprocessing = Preprocessing(
        read_json(args.vocab), int(read_json(args.stats)["maxlen"]), pad.padding, pad.truncating
    )
    save_ensemble(args.out, stacker, {name: files[name][0] for name in p.members}, preprocessing)

    members = {
        name: {"weight": weight, "val_accuracy": round(accuracy(scores[name].probabilities, labels), 6)}
        for name, weight in zip(stacker.members, stacker.weights, strict=True)
    }
    if cv_accuracy is None:  # one member, passed through: its own validation accuracy
        cv_accuracy, method = members[p.members[0]]["val_accuracy"], "the member's own"
    else:
        method = f"{p.cv_folds}-fold cross-validation within validation"
    write_json(
        args.metrics,
        {
            "val_accuracy": round(cv_accuracy, 6),
            "val_accuracy_method": method,
            "bias": stacker.bias,
            "members": members,
        },
    )
    log.info("ensemble of %s: validation accuracy %s; weights %s", ", ".join(p.members), cv_accuracy, stacker.weights)


if __name__ == "__main__":
    run_stage(main)
