"""Where another CPU moves the default Keras member's bytes: each layer's output and each gradient
of one training step of the NBSVM, on synthetic reviews, as md5 digests (JSON on stdout).

    uv run python studies/cpu_probe.py > here.json
    qemu-x86_64 -cpu EPYC-Rome .venv/bin/python studies/cpu_probe.py > epyc.json   # apt-get install qemu-user

Run it on two machines (or under qemu-user's emulation of another CPU, whose CPUID reports that
CPU's caches and instruction sets) and compare: the first digest that differs names the operation
whose result depends on the CPU. Nothing here reads the pipeline's data or chooses anything.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import imdb_sentiment  # noqa: F401  (pins the CPU kernels before numpy and TensorFlow load)

import numpy as np

REPO = Path(__file__).resolve().parents[1]
REVIEWS, MAXLEN, VOCABULARY, DIMENSIONS, BUCKETS = 512, 200, 3000, 16, 20011


def digest(array: Any) -> str:
    return hashlib.md5(np.ascontiguousarray(np.asarray(array)).tobytes()).hexdigest()


def probe(params_file: Path) -> dict[str, Any]:
    from imdb_sentiment.members.keras.architectures import build_model, fit_feature_priors
    from imdb_sentiment.pipeline.environment import cpu_record
    from imdb_sentiment.pipeline.params import TrainParams, parse_group, read_params_file

    import keras
    import tensorflow as tf

    raw = read_params_file(params_file)["train"]
    raw["model"], raw["nbsvm"]["buckets"] = "nbsvm", BUCKETS
    settings = parse_group({"train": raw}, "train", TrainParams)
    rng = np.random.default_rng(0)
    labels = (rng.random(REVIEWS) < 0.5).astype(np.int8)
    ids = rng.integers(4, VOCABULARY, (REVIEWS, MAXLEN)).astype(np.int32)
    matrix = rng.normal(scale=0.3, size=(VOCABULARY, DIMENSIONS)).astype(np.float32)
    keras.utils.set_random_seed(1)
    tf.config.experimental.enable_op_determinism()
    model = build_model(settings, matrix, MAXLEN)
    fit_feature_priors(model, ids, labels)
    layers = {
        layer.name: digest(keras.Model(model.input, layer.output)(ids, training=False)) for layer in model.layers[1:]
    }
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(labels[:, None].astype("float32"), model(ids)))
    gradients = tape.gradient(loss, model.trainable_variables)
    return {
        "cpu": cpu_record(),
        "initial_weights": digest(np.concatenate([np.ravel(w) for w in model.get_weights()])),
        "layers": layers,
        "loss": digest(loss),
        "gradients": {
            v.path: digest(tf.convert_to_tensor(g)) for v, g in zip(model.trainable_variables, gradients, strict=True)
        },
    }


if __name__ == "__main__":
    json.dump(probe(REPO / "params.yaml"), sys.stdout, indent=2)
    print()
