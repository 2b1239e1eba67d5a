"""Other views of the text as a fourth member, judged on the validation split over the default members.

    uv run python studies/view_candidates.py   # after `dvc repro`; about 8 minutes on 2 cores
    uv run python studies/view_candidates.py --only rating-ridge-1-3   # some candidates; keep the others' record

The default members (`ensemble.members`: keras, ngrams, ending) all read bags of word n-grams.
Each candidate here reads the reviews differently: paragraph vectors and LSA learnt from the
train split plus the 50,000 unlabeled reviews, the pipeline's word2vec vectors averaged,
character n-grams, the first words of a review, and a regression on the reviews' 1-10
ratings (finer supervision than the labels, which only split them at 5/6). Each is fitted on the train split and scores
the validation reviews (vectors of validation reviews are inferred, as test reviews' would be);
its gain is that of stage combine's stacker with it against without it, cross-validated in
`ensemble.cv_folds` (10) folds within validation and paired per review, with its standard error
(studies/judge.py). Test reviews are never read. Results go to metrics/studies/view_candidates.json.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from doc2vec import fit_doc_vector_classifier, train_doc2vec
from imdb_sentiment.members.ngrams import fit_ngram_model
from imdb_sentiment.members.scores import MemberScores
from imdb_sentiment.pipeline.io import load_npz, read_json
from imdb_sentiment.pipeline.params import SplitParams, load_params
from imdb_sentiment.text.sequences import select_rows
from imdb_sentiment.text.tokenize import tokenize
from imdb_sentiment.vectors.embeddings import load_word_vectors
from judge import Judge, accuracy, read_record, write_record

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge

REPO = Path(__file__).resolve().parents[1]
STUDY = "view_candidates"  # its record: metrics/studies/view_candidates.json
# PV-DBOW as studies/ensemble_candidates.py's doc2vec-dbow-10ep, with fewer epochs of inference
# (faster scoring) or of training, or without the unlabeled reviews.
DOC2VEC = {"vector_size": 100, "negative": 5, "sample": 1e-4, "min_count": 2, "seed": 1}
DOC2VEC_VARIANTS = {  # name: (training epochs, inference epochs, with the unlabeled reviews)
    "doc2vec-dbow-10ep": (10, 10, True),
    "doc2vec-dbow-10ep-infer3": (10, 3, True),
    "doc2vec-dbow-5ep-infer3": (5, 3, True),
    "doc2vec-dbow-10ep-train-only": (10, 10, False),
}
SETTINGS = {
    "doc2vec": DOC2VEC | {"logistic_regression_C": 0.1, "variants": DOC2VEC_VARIANTS},
    "lsa-300": "tf-idf (sublinear tf, words in >= 5 reviews) of train split + unlabeled, 300 SVD components, "
    "unit length, logistic regression C 1",
    "word2vec-mean": "mean of the review's vectors from stage train_word2vec, unit length, logistic regression C 10",
    "char-2-5": "tf-idf of character 2-5-grams within words (in >= 3 reviews), logistic regression C 10",
    "first-40": "stage train_ngrams' model on each review's first 40 words, C 0.1",
    "rating-ridge-1-3": "ridge regression (alpha 1) of the 1-10 rating on tf-idf of word 1-3-grams (sublinear tf, "
    "in >= 2 reviews); score sigmoid(rating - 5.5)",
}


def timed(fit_and_score: Callable[[], tuple[np.ndarray, float]]) -> tuple[np.ndarray, float, float]:
    """Validation probabilities, seconds in all, and validation reviews scored per second."""
    started = time.perf_counter()
    probabilities, scoring_seconds = fit_and_score()
    return probabilities, time.perf_counter() - started, probabilities.size / scoring_seconds


def logistic(x_fit: np.ndarray, y_fit: np.ndarray, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000).fit(x_fit, y_fit)


def unit_rows(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)


def word_ngrams(tokens: list[str], max_n: int = 3) -> list[str]:
    return [" ".join(tokens[i : i + n]) for n in range(1, max_n + 1) for i in range(len(tokens) - n + 1)]


def candidates(split: dict[str, np.ndarray], only: list[str] | None) -> dict[str, tuple[np.ndarray, float, float]]:
    reviews = pd.read_parquet(REPO / "data/raw/reviews.parquet", columns=["split", "label", "rating", "text"])
    texts = reviews.loc[reviews.split == "train", "text"].tolist()
    labels = reviews.loc[reviews.split == "train", "label"].to_numpy()
    ratings = reviews.loc[reviews.split == "train", "rating"].to_numpy().astype(np.float32)
    fit_rows, val_rows = split["train"], split["val"]
    y_fit = labels[fit_rows]
    fit_texts, val_texts = [texts[i] for i in fit_rows], [texts[i] for i in val_rows]
    fit_tokens, val_tokens = [tokenize(t) for t in fit_texts], [tokenize(t) for t in val_texts]
    unlabeled_tokens = [tokenize(t) for t in reviews.loc[reviews.split == "unsup", "text"]]

    def doc2vec(epochs: int, infer_epochs: int, with_unlabeled: bool):
        model = train_doc2vec(fit_tokens + (unlabeled_tokens if with_unlabeled else []), epochs=epochs, **DOC2VEC)
        vectors = model.dv.vectors[: fit_rows.size]
        head = fit_doc_vector_classifier(model, vectors, y_fit, c=0.1, infer_epochs=infer_epochs)
        scoring = time.perf_counter()
        return head.predict(val_tokens), time.perf_counter() - scoring

    def lsa():
        # the reviews are tokenized already: the analyzer passes each token list through
        tfidf = TfidfVectorizer(analyzer=list, sublinear_tf=True, min_df=5, dtype=np.float32)
        counts = tfidf.fit_transform(fit_tokens + unlabeled_tokens)
        svd = TruncatedSVD(300, algorithm="randomized", n_iter=5, random_state=0).fit(counts)
        head = logistic(unit_rows(svd.transform(counts[: fit_rows.size])), y_fit, 1.0)
        scoring = time.perf_counter()
        probabilities = head.predict_proba(unit_rows(svd.transform(tfidf.transform(val_tokens))))[:, 1]
        return probabilities, time.perf_counter() - scoring

    def word2vec_mean():
        vectors = load_word_vectors(REPO / "data/word2vec/vectors.bin")

        def mean_vectors(documents: list[list[str]]) -> np.ndarray:
            known = [[w for w in words if w in vectors.key_to_index] for words in documents]
            zero = np.zeros(vectors.vector_size, np.float32)
            return unit_rows(np.stack([vectors[words].mean(axis=0) if words else zero for words in known]))

        head = logistic(mean_vectors(fit_tokens), y_fit, 10.0)
        scoring = time.perf_counter()
        return head.predict_proba(mean_vectors(val_tokens))[:, 1], time.perf_counter() - scoring

    def char_ngrams():
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=3, dtype=np.float32)
        head = logistic(tfidf.fit_transform(fit_texts), y_fit, 10.0)
        scoring = time.perf_counter()
        return head.predict_proba(tfidf.transform(val_texts))[:, 1], time.perf_counter() - scoring

    def first_words():
        encoded = load_npz(REPO / "data/encoded/train.npz")
        if not np.array_equal(encoded["labels"], labels):
            raise SystemExit("data/encoded/train.npz and data/raw/reviews.parquet differ in labels; run `dvc repro`")
        ids, offsets = encoded["ids"], encoded["offsets"]
        # each review backwards, so that the model's last-words option reads its first words
        backwards = np.concatenate([ids[start:end][::-1] for start, end in itertools.pairwise(offsets)])
        base = len(read_json(REPO / "data/vocab.json"))
        model = fit_ngram_model(
            *select_rows(backwards, offsets, fit_rows), y_fit, base=base, max_n=3, min_df=2, c=0.1, last_words=40
        )
        scoring = time.perf_counter()
        return model.predict(*select_rows(backwards, offsets, val_rows)), time.perf_counter() - scoring

    def rating_regression():
        tfidf = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, min_df=2, dtype=np.float32)
        ridge = Ridge(alpha=1.0, solver="sparse_cg").fit(tfidf.fit_transform(fit_tokens), ratings[fit_rows])
        scoring = time.perf_counter()
        predicted = ridge.predict(tfidf.transform(val_tokens))
        return 1 / (1 + np.exp(-(predicted - 5.5))), time.perf_counter() - scoring

    fits = {name: functools.partial(doc2vec, *variant) for name, variant in DOC2VEC_VARIANTS.items()} | {
        "lsa-300": lsa,
        "word2vec-mean": word2vec_mean,
        "char-2-5": char_ngrams,
        "first-40": first_words,
        "rating-ridge-1-3": rating_regression,
    }
    out = {}
    for name in only or fits:
        out[name] = timed(fits[name])
        print(f"{name}: {out[name][1]:.0f} s, {out[name][2]:.0f} reviews/s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = [*DOC2VEC_VARIANTS, *(name for name in SETTINGS if name != "doc2vec")]
    parser.add_argument("--only", nargs="+", choices=names, help="run these candidates; keep the others' record")
    only = parser.parse_args().only
    split = load_npz(REPO / "data/split/index.npz")
    params_file = REPO / "params.yaml"
    judge = Judge.from_params(params_file)
    pipeline = judge.pipeline_scores()
    labels = pipeline[judge.members[0]].labels
    bases = {" + ".join(judge.members): pipeline, "keras + ngrams": {n: pipeline[n] for n in ("keras", "ngrams")}}
    without = {base: judge.correct(scores) for base, scores in bases.items()}
    results = {}
    for name, (probabilities, seconds, rate) in candidates(split, only).items():
        # MemberScores carry the validation rows, so the stacker fails if they are not the pipeline's
        member = MemberScores(split["val"], labels, probabilities)
        results[name] = {
            "val_accuracy": accuracy(probabilities, labels),
            "seconds": round(seconds, 1),
            "scoring_reviews_per_s": round(rate),
            "gain_over": {},
        }
        for base, scores in bases.items():
            results[name]["gain_over"][base] = judge.gain(scores | {name: member}, without[base]).points()
    earlier = read_record(STUDY).get("candidates", {}) if only else {}
    record = {
        "protocol": "fitted on the train split (+ unlabeled where stated), scored on validation; "
        f"gains of the stacker cross-validated in {judge.folds} folds within validation, paired per review",
        "baselines": {base: round(float(correct.mean()), 4) for base, correct in without.items()},
        "candidates": earlier | results,
        "settings": SETTINGS,
        "validation_split": {
            "group_by": load_params(SplitParams, params_file).group_by,
            "reviews": int(split["val"].size),
        },
    }
    print(write_record(STUDY, record).read_text())


if __name__ == "__main__":
    main()
