"""What a run ran with and on.

Two records, so that a faithful reproduction changes only one of them:

- ``software_record`` (metrics/environment.json): the versions that decide the numbers. The same
  lock gives the same record on every platform (TensorFlow is recorded under one name, whichever
  wheel provides it), so `dvc metrics diff` shows a version mismatch and nothing else.
- ``machine_record`` (the ``machine`` part of metrics/run.json, see run_record.py): Python,
  operating system, cores, the CPU (model, vector instruction sets, cache sizes), the TensorFlow
  wheel and the device. They vary between teammates' machines; of them, the CPU's caches and
  cores move the Keras member's last bits (docs: Install & reproducibility).
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from imdb_sentiment.pipeline.cpu_kernels import linux_cpu_flags

PACKAGES = ("keras", "gensim", "numpy", "pandas", "pyarrow", "scikit-learn", "dvc", "dvclive")
# The vector instruction sets that decide which kernels numpy, OpenBLAS and TensorFlow can run.
VECTOR_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
    "amx_tile", "amx_bf16", "asimd", "sve",
)  # fmt: skip
CPU_CACHES = Path("/sys/devices/system/cpu/cpu0/cache")
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


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's name as the kernel reports it (Linux), else what Python knows."""
    try:
        for line in cpuinfo.read_text(encoding="ascii", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_caches(folder: Path = CPU_CACHES) -> dict[str, str]:
    """The first core's caches by level and type (``L1d``, ``L1i``, ``L2``, ``L3``) and size (Linux)."""
    caches = {}
    for index in sorted(folder.glob("index*")):
        try:
            level, kind, size = ((index / name).read_text().strip() for name in ("level", "type", "size"))
        except OSError:
            continue
        suffix = {"Data": "d", "Instruction": "i"}.get(kind, "")
        caches[f"L{level}{suffix}"] = size
    return caches


def cpu_record() -> dict[str, object]:
    """The CPU a run's numbers came from: its model, vector instruction sets and cache sizes."""
    flags = linux_cpu_flags()
    return {
        "model": cpu_model(),
        "instruction_sets": [flag for flag in VECTOR_FLAGS if flag in flags],
        "caches": cpu_caches(),
    }


def machine_record(gpus: list[str] | None = None) -> dict[str, object]:
    """Python, OS, cores, the CPU; with ``gpus`` (the GPUs TensorFlow sees), the device and TF wheel too."""
    record: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu": cpu_record(),
    }
    if gpus is not None:
        record.update({"tensorflow_wheel": tensorflow_wheel(), "device": "GPU" if gpus else "CPU", "gpus": gpus})
    return record


def visible_gpus() -> list[str]:
    """The GPUs TensorFlow sees (imports TensorFlow: call it only where it is loaded anyway)."""
    import tensorflow as tf

    return [device.name for device in tf.config.list_physical_devices("GPU")]
