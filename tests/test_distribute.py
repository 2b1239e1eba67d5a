"""Training under tf.distribute.MirroredStrategy on two logical CPU devices matches one device."""

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    # Two logical CPUs stand in for two GPUs; must happen before TensorFlow starts.
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    from imdb_sentiment.pipeline.params import TrainParams, parse_group, read_params_file
    from imdb_sentiment.members.keras.training import distribution_strategy, train

    raw = read_params_file("params.yaml")["train"]
    raw.update(model="fasttext", epochs=4, early_stopping=0)
    raw["fasttext"].update(buckets=1009, batch_size=32, refit_full=False)
    p = parse_group({"train": raw}, "train", TrainParams)

    rng = np.random.default_rng(0)
    def make(n):
        y = rng.integers(0, 2, size=n).astype(np.int8)
        x = rng.integers(4, 40, size=(n, 30)).astype(np.int32)
        x[:, ::3] = np.where(y[:, None] == 1, 41, 42)  # a word that carries the label
        return x, y
    (x_train, y_train), (x_val, y_val) = make(256), make(128)
    matrix = rng.uniform(-0.05, 0.05, size=(50, 8)).astype(np.float32)

    results = {"default_strategy": type(distribution_strategy()).__name__}
    for name, strategy in [("single", None), ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))]:
        result = train(p, matrix, x_train, y_train, x_val, y_val, strategy=strategy)
        results[name] = {
            "replicas": (strategy or tf.distribute.get_strategy()).num_replicas_in_sync,
            "val_loss": result.history["val_loss"][-1],
            "val_accuracy": result.history["val_accuracy"][-1],
            "probabilities": result.model.predict(x_val, verbose=0).ravel().tolist(),
        }
    print("RESULT " + json.dumps(results))
    """
)


def test_mirrored_strategy_on_two_cpus_matches_one_device() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    results = json.loads(line.removeprefix("RESULT "))
    # Without GPUs, the pipeline uses the default (single-device) strategy.
    assert results["default_strategy"] == "_DefaultDistributionStrategy"
    single, mirrored = results["single"], results["mirrored"]
    assert single["replicas"] == 1 and mirrored["replicas"] == 2
    assert mirrored["val_accuracy"] > 0.9
    assert abs(single["val_loss"] - mirrored["val_loss"]) < 0.02
    gap = max(abs(a - b) for a, b in zip(single["probabilities"], mirrored["probabilities"], strict=True))
    assert gap < 0.05
