"""What a run ran with and on.

Two records, so that a faithful reproduction changes only one of them:

- ``software_record`` (metrics/environment.json): the versions that decide the numbers. The same
  lock gives the same record on every platform (TensorFlow is recorded under one name, whichever
  wheel provides it), so `dvc metrics diff` shows a version mismatch and nothing else.
- ``machine_record`` (the ``machine`` part of metrics/run.json, see run_record.py): Python,
  operating system, cores, the TensorFlow wheel and the device. They vary between teammates'
  machines without changing results.
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("keras", "gensim", "numpy", "pandas", "pyarrow", "scikit-learn", "dvc", "dvclive")
# The wheels that provide the `tensorflow` module, in the order they are looked for.
TENSORFLOW_WHEELS = ("tensorflow-cpu", "tensorflow")


def installed_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def tensorflow_wheel() -> str | None:
    """Which distribution provides TensorFlow here (tensorflow-cpu on Linux x86-64 and Windows)."""
    return next((name for name in TENSORFLOW_WHEELS if installed_version(name)), None)


def software_record(names: tuple[str, ...] = PACKAGES) -> dict[str, object]:
    """Versions of TensorFlow and the packages that shape results, under platform-neutral names."""
    wheel = tensorflow_wheel()
    versions = {"tensorflow": installed_version(wheel)} if wheel else {}
    versions.update({name: found for name in names if (found := installed_version(name))})
    return {"packages": versions}


def machine_record(gpus: list[str] | None = None) -> dict[str, object]:
    """Python, OS, cores; with ``gpus`` (the GPUs TensorFlow sees), the device and TF wheel too."""
    record: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    if gpus is not None:
        record.update({"tensorflow_wheel": tensorflow_wheel(), "device": "GPU" if gpus else "CPU", "gpus": gpus})
    return record


def visible_gpus() -> list[str]:
    """The GPUs TensorFlow sees (imports TensorFlow: call it only where it is loaded anyway)."""
    import tensorflow as tf

    return [device.name for device in tf.config.list_physical_devices("GPU")]
