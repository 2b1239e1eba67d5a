"""Judge ensemble members on all 25,000 train reviews by cross-fitting, grouped by movie.

    uv run python studies/member_cv.py   # after `dvc repro`; about 15 minutes on 2 cores

The validation split (10,000 reviews) gives each member's gain a standard error of 0.1-0.2
points, as large as the gains in question. Here every member is fitted five times, each time
on four fifths of the train reviews, and scores the fifth it did not see; the folds hold out
whole movies (GroupKFold on the archive's movie ids), as the validation split and IMDB's test
set do. That gives out-of-fold scores for all 25,000 train reviews, on which each candidate's
gain over the default members is measured as stage combine would stack them (studies/judge.py:
`ensemble.cv_folds`-fold CV of the stacker at `ensemble.C`), paired per review, with its standard
error. Test reviews are never read.

The Keras member trains for the epoch count stage train chose (metrics/train.json), without
early stopping, so no fold's scores come from an epoch picked on those same reviews.
Results go to metrics/studies/member_cv.json.
"""

from __future__ import annotations

import time
from pathlib import Path

from imdb_sentiment.members.language_model import fit_class_language_models
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import load_npz, read_json
from imdb_sentiment.pipeline.params import LanguageModelParams, NgramParams, TrainParams, load_params
from imdb_sentiment.text.sequences import select_rows
from judge import Judge, accuracy, write_record

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

REPO = Path(__file__).resolve().parents[1]
FOLDS = 5
STUDY = "member_cv"  # its record: metrics/studies/member_cv.json
# Candidates beside the default members: the n-gram model on each review's last k words only
# (reviews tend to end on their verdict), name: (k, C).
ENDING_VARIANTS = {"ending-20": (20, 0.1), "ending-40": (40, 0.1), "ending-60": (60, 0.1)}


def out_of_fold(fit_and_score, folds: list[tuple[np.ndarray, np.ndarray]], n: int) -> tuple[np.ndarray, float]:
    """Probabilities for every review from the fold model that did not see it; seconds taken."""
    started = time.perf_counter()
    probabilities = np.full(n, np.nan)
    for fit_rows, held_rows in folds:
        probabilities[held_rows] = fit_and_score(fit_rows, held_rows)
    return probabilities, time.perf_counter() - started


def main() -> None:
    params_file = REPO / "params.yaml"
    judge = Judge.from_params(params_file)
    ng, lm = load_params(NgramParams, params_file), load_params(LanguageModelParams, params_file)
    encoded = load_npz(REPO / "data/encoded/train.npz")
    ids, offsets, labels = encoded["ids"], encoded["offsets"], encoded["labels"]
    base = len(read_json(REPO / "data/vocab.json"))
    reviews = pd.read_parquet(REPO / "data/raw/reviews.parquet", columns=["split", "label", "movie"])
    movies = reviews.loc[reviews.split == "train", "movie"].to_numpy(dtype=str)
    folds = list(GroupKFold(n_splits=FOLDS).split(labels, labels, groups=movies))
    n = labels.size

    def packed(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return select_rows(ids, offsets, rows)

    scores: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    scores["ngrams"], seconds["ngrams"] = out_of_fold(
        lambda fit, held: fit_ngram_model(
            *packed(fit), labels[fit], base=base, max_n=ng.max_n, min_df=ng.min_df, c=ng.C
        ).predict(*packed(held)),
        folds,
        n,
    )
    scores["lm"], seconds["lm"] = out_of_fold(
        lambda fit, held: fit_class_language_models(
            *packed(fit), labels[fit], base=base, order=lm.order, discount=lm.discount
        ).predict(*packed(held)),
        folds,
        n,
    )
    for name, (k, c) in ENDING_VARIANTS.items():
        scores[name], seconds[name] = out_of_fold(
            lambda fit, held, k=k, c=c: fit_ngram_model(
                *packed(fit), labels[fit], base=base, max_n=ng.max_n, min_df=ng.min_df, c=c, last_words=k
            ).predict(*packed(held)),
            folds,
            n,
        )

    for name in scores:
        print(f"{name}: {accuracy(scores[name], labels)} out of fold, {seconds[name]:.0f} s", flush=True)

    from imdb_sentiment.members.keras.training import train  # imports TensorFlow

    padded = load_npz(REPO / "data/padded/train.npz")
    if not np.array_equal(padded["y"], labels):
        raise SystemExit("data/padded/train.npz and data/encoded/train.npz differ in labels; run `dvc repro`")
    epochs = read_json(REPO / "metrics/train.json")["best_epoch"]
    raw = load_params(TrainParams, params_file).model_dump() | {"epochs": epochs, "early_stopping": 0}
    raw[raw["model"]] |= {"refit_full": False}
    p = TrainParams.model_validate(raw)
    matrix = np.load(REPO / "data/embedding.npy")
    x = padded["x"]

    def keras_fold(fit: np.ndarray, held: np.ndarray) -> np.ndarray:
        return train(p, matrix, x[fit], labels[fit], x[held], labels[held]).val_probabilities

    scores["keras"], seconds["keras"] = out_of_fold(keras_fold, folds, n)
    print(f"keras: {accuracy(scores['keras'], labels)} out of fold, {seconds['keras']:.0f} s")

    members = {name: MemberScores(np.arange(n), labels, p) for name, p in scores.items()}

    def correct(names: tuple[str, ...]) -> np.ndarray:
        return judge.correct({name: members[name] for name in names})

    def gain(with_names: tuple[str, ...], without_names: tuple[str, ...]) -> dict[str, float]:
        with_member = correct(with_names)
        return {
            "stacked_accuracy": round(float(with_member.mean()), 4),
            **judge.gain(with_member, correct(without_names)).points(),
        }

    two = ("keras", "ngrams")
    section = {
        "protocol": f"{FOLDS}-fold cross-fitting on the 25,000 train reviews, folds grouped by movie; "
        f"stacker cross-validated in {judge.folds} folds on the out-of-fold scores; keras: {epochs} epochs, "
        "no early stopping",
        "members": {
            name: {"accuracy_out_of_fold": accuracy(p, labels), "seconds": round(seconds[name], 1)}
            for name, p in scores.items()
        },
        "baseline": {" + ".join(two): round(float(correct(two).mean()), 4)},
        "gains": {"lm over keras + ngrams": gain((*two, "lm"), two)},
        "ending_settings": {name: {"last_words": k, "C": c} for name, (k, c) in ENDING_VARIANTS.items()},
    }
    for name in ENDING_VARIANTS:
        section["gains"][f"{name} over keras + ngrams"] = gain((*two, name), two)
        section["gains"][f"{name} over keras + ngrams + lm"] = gain((*two, "lm", name), (*two, "lm"))
        section["gains"][f"lm over keras + ngrams + {name}"] = gain((*two, "lm", name), (*two, name))
    print(write_record(STUDY, section).read_text())


if __name__ == "__main__":
    main()
