"""Ensemble candidates on the validation split only, from the pipeline's own outputs.

    uv run python bench/ensemble_candidates.py   # after `dvc repro`

Each candidate member is fitted on the train split (data/split/index.npz) and scores the
validation reviews; every subset of members (stage train's Keras model always in, one variant
per family) is then stacked as stage combine does, its accuracy cross-validated within
validation. Test reviews are never read. Results, with each candidate's fitting seconds, go to
the "ensemble" section of metrics/model_selection.json. About 20 minutes on 2 cores.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from imdb_sentiment.doc2vec import fit_doc_vector_classifier, train_doc2vec
from imdb_sentiment.ensemble import MemberScores, cross_validated_accuracy
from imdb_sentiment.io import load_npz, read_json
from imdb_sentiment.ngrams import fit_ngram_model, select_rows
from imdb_sentiment.params import TrainParams, load_params
from imdb_sentiment.text import tokenize

REPO = Path(__file__).resolve().parents[1]
CV = {"c": 1.0, "folds": 10, "seed": 0}
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
# The Keras models of stage train as further members, each with its own settings from
# params.yaml (chosen on validation, metrics/model_selection.json "model_defaults"), no refit.
# cnn_wide is left out: 736 s for one fit, more than the cold-run budget leaves.
KERAS_MODELS = ("lstm", "gmp", "cnn", "fasttext")


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


def keras_candidates(labels: np.ndarray) -> dict[str, tuple[np.ndarray, float]]:
    from imdb_sentiment.training import train  # imports TensorFlow

    params = load_params(TrainParams, REPO / "params.yaml").model_dump()
    matrix = np.load(REPO / "data/embedding.npy")
    train_set, val_set = load_npz(REPO / "data/split/train.npz"), load_npz(REPO / "data/split/val.npz")
    if not np.array_equal(val_set["y"], labels):
        raise SystemExit("data/split/val.npz: labels differ from the pipeline's validation scores; run `dvc repro`")
    out = {}
    for model in KERAS_MODELS:
        p = TrainParams.model_validate({**params, "model": model, model: {**params[model], "refit_full": False}})
        started = time.perf_counter()
        result = train(p, matrix, train_set["x"], train_set["y"], val_set["x"], val_set["y"])
        out[model] = (result.val_probabilities, time.perf_counter() - started)
        print(f"{model}: best epoch {result.best_epoch}, {out[model][1]:.0f} s", flush=True)
    return out


def main() -> None:
    split = load_npz(REPO / "data/split/index.npz")
    pipeline = {name: MemberScores.load(REPO / f"data/val_scores/{name}.npz") for name in ("keras", "ngrams")}
    labels = pipeline["keras"].labels
    run = read_json(REPO / "metrics/run.json")
    scores = {"keras": (pipeline["keras"].probabilities, run["stages"]["train"]["seconds"])}
    scores |= ngram_candidates(split)
    scores |= doc2vec_candidates(split)
    scores |= keras_candidates(labels)
    members = {name: MemberScores(split["val"], labels, p) for name, (p, _) in scores.items()}
    candidates = {
        name: {"val_accuracy": round(float(np.mean((p >= 0.5) == labels)), 4), "seconds": round(seconds, 1)}
        for name, (p, seconds) in scores.items()
    }
    combos = {}
    for size in (2, 3, 4):
        for combo in itertools.combinations(members, size):
            families = [name.split("-")[0] for name in combo]
            if "keras" in combo and len(set(families)) == len(families):  # one variant per family
                subset = {name: members[name] for name in combo}
                combos[" + ".join(combo)] = round(cross_validated_accuracy(subset, **CV), 4)
    out = REPO / "metrics/model_selection.json"
    selection = json.loads(out.read_text())
    selection["ensemble"] = {"candidates": candidates, "stacked_val_accuracy": combos, "doc2vec_settings": DOC2VEC}
    out.write_text(json.dumps(selection, indent=2) + "\n")
    print(json.dumps(selection["ensemble"], indent=2))


if __name__ == "__main__":
    main()
