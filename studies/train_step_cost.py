"""What one training step of the Keras NBSVM costs, and which of its parts the cost is in.

    uv run python studies/train_step_cost.py      # after `dvc repro` (reads data/padded/train.npz)

Stage train's model (params.yaml's train group) is built on random vectors of each candidate size,
and each variant takes ``--steps`` steps of ``train.nbsvm.batch_size`` real (padded) train reviews
after one warm-up step: the word-vector size, the n-gram bucket count, a frozen word embedding (the
word vectors' share of the cost), and TensorFlow's intra-op threads. Seconds per step go to
metrics/studies/train_step_cost.json. No labels are used for any choice here: it is a cost profile.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from judge import write_record

import numpy as np

REPO = Path(__file__).resolve().parents[1]
STUDY = "train_step_cost"
VARIANTS: dict[str, dict[str, object]] = {
    "300-d, 4,000,037 buckets": {"dim": 300},
    "100-d, 4,000,037 buckets": {"dim": 100},
    "300-d, 1,000,003 buckets": {"dim": 300, "buckets": 1_000_003},
    "300-d, word embedding frozen": {"dim": 300, "trainable_embedding": False},
    "100-d, 1 intra-op thread": {"dim": 100, "threads": 1},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS))
    args = parser.parse_args()
    names = args.only or list(VARIANTS)
    if any("threads" in VARIANTS[name] for name in names) and len(names) > 1:
        raise SystemExit("thread settings are fixed at TensorFlow's start: time a thread variant alone (--only)")
    threads = next((int(VARIANTS[n]["threads"]) for n in names if "threads" in VARIANTS[n]), None)  # type: ignore[call-overload]
    if threads:
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    from imdb_sentiment.members.keras.architectures import build_model
    from imdb_sentiment.pipeline.io import load_npz
    from imdb_sentiment.pipeline.params import TrainParams, load_params

    import keras
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    keras.utils.set_random_seed(0)
    base = load_params(TrainParams, REPO / "params.yaml").model_copy(update={"model": "nbsvm"})
    data = load_npz(REPO / "data/padded/train.npz")
    batch = base.nbsvm.batch_size
    x, y = data["x"][: batch * (args.steps + 1)], data["y"][: batch * (args.steps + 1)]
    record_path = REPO / "metrics" / "studies" / f"{STUDY}.json"
    from judge import read_record

    record = read_record(STUDY) if record_path.exists() else {}
    results = record.setdefault("seconds_per_step", {})
    for name in names:
        variant = VARIANTS[name]
        nbsvm = base.nbsvm.model_copy(update={"buckets": variant.get("buckets", base.nbsvm.buckets)})
        p = base.model_copy(update={"nbsvm": nbsvm, "trainable_embedding": variant.get("trainable_embedding", True)})
        matrix = np.random.default_rng(0).normal(size=(30_000, int(variant["dim"]))).astype(np.float32)  # type: ignore[call-overload]
        model = build_model(p, matrix, x.shape[1])
        model.train_on_batch(x[:batch], y[:batch])  # tracing
        started = time.perf_counter()
        for step in range(1, args.steps + 1):
            model.train_on_batch(x[step * batch : (step + 1) * batch], y[step * batch : (step + 1) * batch])
        results[name] = round((time.perf_counter() - started) / args.steps, 3)
        print(f"{name}: {results[name]} s/step", flush=True)
    record |= {"batch_size": batch, "maxlen": int(x.shape[1]), "steps": args.steps, "cpu_count": os.cpu_count()}
    write_record(STUDY, record)


if __name__ == "__main__":
    main()
