"""The pipeline beside Vowpal Wabbit, fastText and scikit-learn's NBSVM, in one run, on its own splits.

    uv sync --group peers                                   # the peers are not in the default install
    IMDB_ARCHIVE=$(realpath ../shared/data/aclImdb_v1.tar.gz) uv run python bench/peers.py   # after `dvc repro`

Every system reads the same parsed reviews (data/raw/reviews.parquet through the pipeline's
tokenizer) and the pipeline's own split of the train reviews (data/split/index.npz: train and
validation, movie-grouped). Each peer's settings are chosen on validation: each candidate is fitted
on the train split and scored on validation, the best is refitted on train + validation (as the
pipeline's members are) and only then scores the 25,000 test reviews, once. A peer's seconds are
those of its chosen setting's refit and test scoring, features included: what a user who knew the
setting would wait. The choosing is timed too (``selection_s``).

The pipeline's row is a cold `dvc repro` of this commit in a fresh clone with an empty cache,
timed in this same run (``--pipeline-from-bench`` takes instead the one bench/run.py measured of
this commit just before; ``--no-pipeline`` leaves it and the ratio out), and its members' test
accuracies from metrics/evaluate.json. Results: metrics/peers.json and docs/peers.png.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from measure import run_measured

from imdb_sentiment.pipeline.io import load_npz, read_json, write_json
from imdb_sentiment.text.tokenize import tokenize

REPO = Path(__file__).resolve().parents[1]
Texts = Sequence[str]  # space-joined tokens
Fit = Callable[[Texts, np.ndarray, dict[str, Any]], Callable[[Texts], np.ndarray]]  # -> a scorer of P(positive)


def nbsvm_fit(texts: Texts, labels: np.ndarray, setting: dict[str, Any]) -> Callable[[Texts], np.ndarray]:
    """Wang & Manning's NBSVM as scikit-learn users write it: binary 1..n-gram counts, NB log-count
    ratios, a liblinear logistic regression on the scaled features."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(binary=True, ngram_range=(1, setting["max_n"]), min_df=2, token_pattern=r"\S+",
                                 lowercase=False, dtype=np.float32)  # fmt: skip
    x = vectorizer.fit_transform(texts)
    p = np.asarray(x[labels == 1].sum(axis=0)).ravel() + 1
    q = np.asarray(x[labels == 0].sum(axis=0)).ravel() + 1
    ratios = (np.log(p / p.sum()) - np.log(q / q.sum())).astype(np.float32)
    model = LogisticRegression(C=setting["C"], solver="liblinear", max_iter=1000).fit(
        x.multiply(ratios).tocsr(), labels
    )
    return lambda new: model.predict_proba(vectorizer.transform(new).multiply(ratios).tocsr())[:, 1]


def vw_fit(texts: Texts, labels: np.ndarray, setting: dict[str, Any]) -> Callable[[Texts], np.ndarray]:
    """Vowpal Wabbit's logistic regression on hashed word n-grams, several passes over a cache file."""
    from vowpalwabbit import Workspace

    folder = Path(tempfile.mkdtemp(prefix="imdb-vw-"))
    data = folder / "train.vw"
    data.write_text("".join(f"{1 if y else -1} | {text}\n" for text, y in zip(texts, labels, strict=True)))
    options = f"--loss_function logistic --ngram {setting['ngram']} -b 24 --random_seed 0 --quiet"
    passes = f"--passes {setting['passes']} -c -k --cache_file {folder / 'cache'} --holdout_off"
    model = folder / "model.vw"
    Workspace(f"{options} {passes} -d {data} -f {model}").finish()
    scorer = Workspace(f"-i {model} -t --quiet")

    def score(new: Texts) -> np.ndarray:
        margins = np.array([scorer.predict(f"| {text}") for text in new], dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-margins))

    return score


def fasttext_fit(texts: Texts, labels: np.ndarray, setting: dict[str, Any]) -> Callable[[Texts], np.ndarray]:
    """fastText's supervised classifier: averaged word and hashed n-gram vectors, a linear softmax."""
    import fasttext

    path = Path(tempfile.mkdtemp(prefix="imdb-fasttext-")) / "train.txt"
    path.write_text("".join(f"__label__{y} {text}\n" for text, y in zip(texts, labels, strict=True)))
    model = fasttext.train_supervised(str(path), epoch=setting["epoch"], wordNgrams=setting["wordNgrams"], lr=0.1,
                                      dim=50, seed=0, thread=os.cpu_count() or 1, verbose=0)  # fmt: skip

    def score(new: Texts) -> np.ndarray:
        found, probabilities = model.predict(list(new), k=2)
        return np.array([dict(zip(f, p, strict=True)).get("__label__1", 0.0) for f, p in zip(found, probabilities,
                                                                                             strict=True)])  # fmt: skip

    return score


PEERS: dict[str, tuple[str, Fit, list[dict[str, Any]]]] = {
    "scikit-learn NBSVM": ("scikit-learn", nbsvm_fit, [{"max_n": n, "C": c} for n in (2, 3) for c in (0.1, 1.0)]),
    "Vowpal Wabbit": ("vowpalwabbit", vw_fit, [{"ngram": n, "passes": p} for n in (2, 3) for p in (1, 3)]),
    "fastText": ("fasttext-numpy2", fasttext_fit, [{"wordNgrams": n, "epoch": e} for n in (1, 2) for e in (5, 20)]),
}


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return round(float(np.mean((probabilities >= 0.5) == labels)), 4)


def run_peer(name: str, fit: Fit, settings: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    val = {}
    failed = {}
    for setting in settings:
        try:
            scorer = fit(data["fit_texts"], data["fit_labels"], setting)
        except RuntimeError as exc:  # fastText: "Encountered NaN" where its learning rate diverges
            failed[json.dumps(setting)] = str(exc)
            print(f"{name}: {setting} failed: {exc}", flush=True)
            continue
        val[json.dumps(setting)] = accuracy(scorer(data["val_texts"]), data["val_labels"])
        print(f"{name}: {setting} validation {val[json.dumps(setting)]}", flush=True)
    selection = time.perf_counter() - started
    best = max(val, key=lambda key: val[key])  # the first of equals: the list's order
    started = time.perf_counter()
    scorer = fit(data["all_texts"], data["all_labels"], json.loads(best))
    test_p = scorer(data["test_texts"])
    seconds = time.perf_counter() - started
    return {"setting": json.loads(best), "val_accuracy": val[best], "candidates": val, "failed": failed,
            "test_accuracy": accuracy(test_p, data["test_labels"]), "seconds": round(seconds, 1),
            "selection_s": round(selection, 1)}  # fmt: skip


def read_data() -> dict[str, Any]:
    import pandas as pd

    reviews = pd.read_parquet(REPO / "data/raw/reviews.parquet", columns=["split", "label", "text"])
    joined = [" ".join(tokenize(text)) for text in reviews["text"]]
    reviews["tokens"] = joined
    train = reviews[reviews.split == "train"].reset_index(drop=True)
    test = reviews[reviews.split == "test"].reset_index(drop=True)
    split = load_npz(REPO / "data/split/index.npz")
    fit_rows, val_rows = split["train"], split["val"]
    all_rows = np.concatenate([fit_rows, val_rows])
    tokens, labels = train["tokens"].to_numpy(), train["label"].to_numpy().astype(int)
    return {
        "fit_texts": list(tokens[fit_rows]), "fit_labels": labels[fit_rows],
        "val_texts": list(tokens[val_rows]), "val_labels": labels[val_rows],
        "all_texts": list(tokens[all_rows]), "all_labels": labels[all_rows],
        "test_texts": test["tokens"].tolist(), "test_labels": test["label"].to_numpy().astype(int),
    }  # fmt: skip


def pipeline_cold_run() -> float:
    """Seconds of `dvc repro` of HEAD in a fresh clone with an empty cache (IMDB_ARCHIVE: no download)."""
    if not os.environ.get("IMDB_ARCHIVE"):
        raise SystemExit("set IMDB_ARCHIVE to the real archive for the pipeline's cold run (or --no-pipeline)")
    with tempfile.TemporaryDirectory(prefix="imdb-peers-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        env["PYTHONPATH"] = os.pathsep.join([str(clone / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
        subprocess.run(["dvc", "config", "--local", "cache.dir", str(Path(tmp) / "cache")], cwd=clone, check=True)
        seconds, _ = run_measured(["dvc", "repro"], clone, env)
        return round(seconds, 1)


def plot(
    rows: list[dict[str, Any]],
    path: Path,
    title: str = "IMDB test accuracy against time, one run",
    xlabel: str = "seconds on 2 cores (log scale): refit + test for a peer, a cold dvc repro for the pipeline",
    reference: tuple[float, str] | None = None,
) -> None:
    """Test accuracy against seconds, a point per system; ``reference``: a published figure, as a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2))
    for row in rows:
        if row.get("seconds") is None:
            continue
        axes.scatter(row["seconds"], 100 * row["test_accuracy"], s=40)
        axes.annotate(row["system"], (row["seconds"], 100 * row["test_accuracy"]), textcoords="offset points",
                      xytext=(6, 4), fontsize=8)  # fmt: skip
    if reference is not None:
        accuracy, label = reference
        axes.axhline(accuracy, color="grey", linestyle=":", linewidth=1)
        axes.text(0.01, accuracy, f" {label}", fontsize=7, color="grey", va="bottom",
                  transform=axes.get_yaxis_transform())  # fmt: skip
    axes.set_xscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("test accuracy (%)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-pipeline", action="store_true", help="skip the pipeline's cold run")
    parser.add_argument("--pipeline-from-bench", action="store_true",
                        help="the cold run bench/run.py measured of this commit (metrics/bench.json)")  # fmt: skip
    parser.add_argument("--out", default=str(REPO / "metrics" / "peers.json"))
    parser.add_argument("--plot", default=str(REPO / "docs" / "peers.png"))
    args = parser.parse_args()
    from importlib import metadata

    if args.pipeline_from_bench and not (REPO / "metrics/bench.json").exists():
        raise SystemExit("no metrics/bench.json: run bench/run.py first")
    versions = {
        name: metadata.version(package) for name, (package, _, _) in PEERS.items()
    }  # installed? (--group peers)
    data = read_data()
    peers = {}
    for name, (_, fit, settings) in PEERS.items():
        peers[name] = {"version": versions[name], **run_peer(name, fit, settings, data)}
    evaluate = read_json(REPO / "metrics/evaluate.json")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    cold_source = "a cold `dvc repro` in this run"
    if args.no_pipeline:
        cold = None
    elif args.pipeline_from_bench:
        bench = read_json(REPO / "metrics/bench.json")
        measured = bench.get("commit", "")
        # dvc.lock holds the hash of every stage's code and data: the same lock, the same pipeline
        same = subprocess.run(["git", "diff", "--quiet", measured, "HEAD", "--", "dvc.yaml", "dvc.lock", "params.yaml"],
                              cwd=REPO).returncode == 0  # fmt: skip
        if not same:
            raise SystemExit(f"metrics/bench.json measured {measured[:7]}, whose pipeline differs from HEAD's")
        cold = bench["cold_repro_s"]
        cold_source = f"bench/run.py's cold run of {measured[:7]} (the same pipeline), in the same sitting"
    else:
        cold = pipeline_cold_run()
    record = {
        "commit": commit,
        "cpu_count": os.cpu_count(),
        "pipeline": {
            "test_accuracy": evaluate["accuracy"],
            "cold_repro_s": cold,
            "cold_repro_from": cold_source,
            "members_test_accuracy": {m: v["accuracy"] for m, v in evaluate["members"].items()},
        },
        "peers": peers,
    }
    if cold is not None:
        record["cold_repro_over_sklearn_nbsvm"] = round(cold / peers["scikit-learn NBSVM"]["seconds"], 2)
    write_json(args.out, record)
    rows = [{"system": "this pipeline (cold dvc repro)", "seconds": cold, "test_accuracy": evaluate["accuracy"]}]
    rows += [{"system": name, **peer} for name, peer in peers.items()]
    plot(rows, Path(args.plot))
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
