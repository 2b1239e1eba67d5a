"""Ensemble candidates on the validation split only, from the pipeline's own outputs.

    uv run python studies/ensemble_candidates.py   # after `dvc repro`

Each candidate member is fitted on the train split (data/split/index.npz) and scores the
validation reviews; every subset of members (stage train's Keras model always in, one variant
per family) is then stacked as stage combine does, its accuracy cross-validated within
validation (studies/judge.py: the stacker's settings are params.yaml's `ensemble.C` and
`ensemble.cv_folds`). Test reviews are never read. Results, with each candidate's fitting
seconds, go to metrics/studies/ensemble_candidates.json.

Keras models as members (--only keras-members) need a stricter protocol: early stopping picks
their epoch on validation, so their validation scores flatter them as the stacker's inputs.
There, every Keras model (stage train's too) early-stops on half A of validation and the
stackers are cross-validated on half B alone; each candidate's gain over the default members
(`ensemble.members` in params.yaml, the other members' scores from data/val_scores/) is given
with its paired standard error. A member joins the default only with a gain of more than two
standard errors: each costs cold-run seconds and scoring speed.

    uv run python studies/ensemble_candidates.py [--only stacking|keras-members|language-models]

(--only language-models: the lm candidates alone, each one's gain over keras + ngrams-3; seconds.)
Each part is rerun separately: --only keeps the other parts' record in that file.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from doc2vec import fit_doc_vector_classifier, train_doc2vec
from imdb_sentiment.members.language_model import fit_class_language_models
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import load_npz, read_json
from imdb_sentiment.pipeline.params import SplitParams, TrainParams, load_params
from imdb_sentiment.text.sequences import select_rows
from imdb_sentiment.text.tokenize import tokenize
from judge import Judge, accuracy, read_record, write_record

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
STUDY = "ensemble_candidates"  # its record: metrics/studies/ensemble_candidates.json
NGRAM_VARIANTS = {  # name: (max_n, min_df, C); the default is ngrams-3
    "ngrams-3": (3, 2, 1.0),
    "ngrams-2": (2, 2, 1.0),
    "ngrams-3-mindf1": (3, 1, 1.0),
    "ngrams-3-C0.1": (3, 2, 0.1),
    "ngrams-3-C10": (3, 2, 10.0),
}
# PV-DBOW as gensim's IMDB tutorial trains it (100-d, 20 epochs, negative 5, min_count 2, no
# downsampling), and a cheaper variant that fits the 10-minute pipeline budget better.
DOC2VEC = {
    "doc2vec-dbow-20ep": {"vector_size": 100, "epochs": 20, "negative": 5, "sample": 0.0, "min_count": 2, "seed": 1},
    "doc2vec-dbow-10ep": {"vector_size": 100, "epochs": 10, "negative": 5, "sample": 1e-4, "min_count": 2, "seed": 1},
}
# Class-conditional language models (stage train_lm): order n, absolute discount (0.75, Kneser-Ney's
# usual value, not tuned).
LM_VARIANTS = {"lm-3": (3, 0.75), "lm-2": (2, 0.75)}
# Keras models of stage train as further members, each with its own settings from params.yaml
# (chosen on validation: metrics/studies/training_candidates.json), no refit. cnn_wide is
# left out: 736 s for one fit, more than the cold-run budget leaves.
KERAS_MODELS = ("lstm", "gmp", "cnn", "fasttext")
HALF_SEED = 0  # which validation reviews form half A


def ngram_candidates(split: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, float]]:
    encoded = load_npz(REPO / "data/encoded/train.npz")
    ids, offsets, labels = encoded["ids"], encoded["offsets"], encoded["labels"]
    base = len(read_json(REPO / "data/vocab.json"))
    out = {}
    for name, (max_n, min_df, c) in NGRAM_VARIANTS.items():
        started = time.perf_counter()
        model = fit_ngram_model(
            *select_rows(ids, offsets, split["train"]),
            labels[split["train"]],
            base=base,
            max_n=max_n,
            min_df=min_df,
            c=c,
        )
        out[name] = (model.predict(*select_rows(ids, offsets, split["val"])), time.perf_counter() - started)
    return out


def lm_candidates(split: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, float]]:
    encoded = load_npz(REPO / "data/encoded/train.npz")
    ids, offsets, labels = encoded["ids"], encoded["offsets"], encoded["labels"]
    base = len(read_json(REPO / "data/vocab.json"))
    out = {}
    for name, (order, discount) in LM_VARIANTS.items():
        started = time.perf_counter()
        train_rows = split["train"]
        fit = {"base": base, "order": order, "discount": discount}
        model = fit_class_language_models(*select_rows(ids, offsets, train_rows), labels[train_rows], **fit)
        out[name] = (model.predict(*select_rows(ids, offsets, split["val"])), time.perf_counter() - started)
    return out


def doc2vec_candidates(split: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, float]]:
    """PV-DBOW on train-split + unlabeled text; validation gets inferred vectors, as test would."""
    reviews = pd.read_parquet(REPO / "data/raw/reviews.parquet", columns=["split", "label", "text"])
    train = reviews[reviews.split == "train"].reset_index(drop=True)
    tokens = [tokenize(text) for text in train.text]
    unlabeled = [tokenize(text) for text in reviews.loc[reviews.split == "unsup", "text"]]
    labels = train.label.to_numpy()[split["train"]]
    out = {}
    for name, settings in DOC2VEC.items():
        started = time.perf_counter()
        model = train_doc2vec([tokens[i] for i in split["train"]] + unlabeled, **settings)
        train_vectors = model.dv.vectors[: split["train"].size]
        head = fit_doc_vector_classifier(model, train_vectors, labels, c=0.1, infer_epochs=settings["epochs"])
        fitted = time.perf_counter()
        probabilities = head.predict([tokens[i] for i in split["val"]])
        rate = split["val"].size / (time.perf_counter() - fitted)
        print(f"{name}: {fitted - started:.0f} s to train, inference {rate:.0f} reviews/s", flush=True)
        out[name] = (probabilities, time.perf_counter() - started)
    return out


def keras_member_candidates(judge: Judge, pipeline: dict[str, MemberScores]) -> dict:
    """Each Keras model early-stopped on validation half A; stackers cross-validated on half B.

    The base is the default ensemble (`judge.members`): its Keras model is refitted here like the
    candidates, the other members keep the pipeline's own validation scores."""
    from imdb_sentiment.members.keras.training import train  # imports TensorFlow

    params = load_params(TrainParams, REPO / "params.yaml").model_dump()
    matrix = np.load(REPO / "data/embedding.npy")
    train_set, val_set = load_npz(REPO / "data/split/train.npz"), load_npz(REPO / "data/split/val.npz")
    # the Keras models score data/split/val.npz in its row order, as stage train does
    index, labels = pipeline["keras"].index, pipeline["keras"].labels
    if not np.array_equal(val_set["y"], labels):
        raise SystemExit("data/split/val.npz: labels differ from the pipeline's validation scores; run `dvc repro`")
    order = np.random.default_rng(HALF_SEED).permutation(labels.size)
    half_a, half_b = np.sort(order[: labels.size // 2]), np.sort(order[labels.size // 2 :])
    b_scores = {
        name: MemberScores(scores.index[half_b], labels[half_b], scores.probabilities[half_b])
        for name, scores in pipeline.items()
        if name != "keras"
    }
    seconds = {}
    for model in (params["model"], *KERAS_MODELS):
        p = TrainParams.model_validate({**params, "model": model, model: {**params[model], "refit_full": False}})
        started = time.perf_counter()
        result = train(p, matrix, train_set["x"], train_set["y"], val_set["x"][half_a], val_set["y"][half_a])
        probabilities = result.model.predict(val_set["x"][half_b], batch_size=1024, verbose=0).ravel()
        name = "keras" if model == params["model"] else model
        b_scores[name] = MemberScores(index[half_b], labels[half_b], probabilities)
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"{name}: best epoch {result.best_epoch} on half A, {seconds[name]:.0f} s", flush=True)

    def correct(names: tuple[str, ...]) -> np.ndarray:
        return judge.correct({name: b_scores[name] for name in names})

    base = judge.members
    baseline = correct(base)
    candidates = {}
    for name in KERAS_MODELS:
        gain = judge.gain(correct((*base, name)), baseline)
        candidates[name] = {
            "val_accuracy_half_b": accuracy(b_scores[name].probabilities, labels[half_b]),
            "stacked_val_accuracy_half_b": round(float(baseline.mean()) + gain.gain, 4),
            **gain.points(),
            "seconds": seconds[name],
        }
    return {
        "protocol": f"early stopping on validation half A; {judge.folds}-fold CV of the stacker on half B",
        "half_b_reviews": int(half_b.size),
        "baseline": {" + ".join(base): round(float(baseline.mean()), 4), "keras_seconds": seconds["keras"]},
        "candidates": candidates,
    }


def language_model_gains(judge: Judge, split: dict[str, np.ndarray], pipeline: dict[str, MemberScores]) -> dict:
    """Each lm candidate alone and its paired gain over the pipeline's keras + ngrams, on validation."""
    labels = pipeline["keras"].labels
    without = judge.correct(pipeline)
    out = {}
    for name, (probabilities, seconds) in lm_candidates(split).items():
        member = MemberScores(split["val"], labels, probabilities)
        out[name] = {
            "val_accuracy": accuracy(probabilities, labels),
            "seconds": round(seconds, 1),
            **judge.gain(pipeline | {name: member}, without).points(),
        }
    return out


def stacking_candidates(judge: Judge, split: dict[str, np.ndarray], pipeline: dict[str, MemberScores]) -> dict:
    labels = pipeline["keras"].labels
    run = read_json(REPO / "metrics/run.json")
    scores = {"keras": (pipeline["keras"].probabilities, run["stages"]["train"]["seconds"])}
    scores |= ngram_candidates(split)
    scores |= lm_candidates(split)
    scores |= doc2vec_candidates(split)
    members = {name: MemberScores(split["val"], labels, p) for name, (p, _) in scores.items()}
    candidates = {
        name: {"val_accuracy": accuracy(p, labels), "seconds": round(seconds, 1)}
        for name, (p, seconds) in scores.items()
    }
    combos = {}
    for size in (2, 3, 4):
        for combo in itertools.combinations(members, size):
            families = [name.split("-")[0] for name in combo]
            if "keras" in combo and len(set(families)) == len(families):  # one variant per family
                subset = {name: members[name] for name in combo}
                combos[" + ".join(combo)] = round(judge.stacked_accuracy(subset), 4)
    base = ("keras", "ngrams-3")
    without = judge.correct({name: members[name] for name in base})
    gains = {}
    for name in members:
        if name.split("-")[0] not in ("keras", "ngrams"):
            gains[name] = judge.gain({n: members[n] for n in (*base, name)}, without).points()
    return {
        "candidates": candidates,
        "stacked_val_accuracy": combos,
        "gain_over_keras_ngrams_3": gains,
        "doc2vec_settings": DOC2VEC,
        "lm_settings": {name: {"order": n, "discount": d} for name, (n, d) in LM_VARIANTS.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", choices=["stacking", "keras-members", "language-models"], help="run one part; keep the others' record"
    )
    args = parser.parse_args()
    split = load_npz(REPO / "data/split/index.npz")
    params_file = REPO / "params.yaml"
    judge = Judge.from_params(params_file)
    pipeline = judge.pipeline_scores(dict.fromkeys(["keras", "ngrams", *judge.members]))  # ordered, once each
    keras_ngrams = {name: pipeline[name] for name in ("keras", "ngrams")}  # the base of the older judgements
    section = read_record(STUDY)
    # what the numbers were measured on, kept with each part since the parts are rerun separately
    measured_on = {
        "group_by": load_params(SplitParams, params_file).group_by,
        "reviews": int(split["val"].size),
    }
    if args.only == "language-models":
        gains = language_model_gains(judge, split, keras_ngrams)
        section["language_models"] = gains | {"validation_split": measured_on}
    if args.only is None or args.only == "stacking":
        section |= stacking_candidates(judge, split, keras_ngrams)
        section["validation_split"] = measured_on
    if args.only is None or args.only == "keras-members":
        section["keras_members"] = keras_member_candidates(judge, pipeline) | {"validation_split": measured_on}
    print(write_record(STUDY, section).read_text())


if __name__ == "__main__":
    main()
