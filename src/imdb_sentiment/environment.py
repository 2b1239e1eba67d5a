"""What the run ran on: package versions and device, so a mismatch shows in `dvc metrics diff`."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("tensorflow-cpu", "tensorflow", "keras", "gensim", "numpy", "pandas", "pyarrow", "dvc", "dvclive")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def environment_record() -> dict[str, object]:
    """Python, package versions, CPU/GPU devices TensorFlow sees, and core count."""
    import tensorflow as tf  # imported here: only the train stage, which has it loaded, calls this

    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "device": "GPU" if gpus else "CPU",
        "gpus": gpus,
        "packages": package_versions(),
    }
