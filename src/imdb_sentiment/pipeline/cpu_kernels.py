"""One set of CPU kernels on every x86-64 machine, so that a teammate's run gives our bytes.

Three libraries pick their kernels by CPU when they load, and the kernels compute in other orders
or approximations, so the last bits of a result differ, and training carries them into every later
output:

- numpy's and scipy's OpenBLAS run the SkylakeX kernels on an AVX-512 CPU and the Haswell ones
  (AVX2 + FMA) on others. word2vec adds millions of its dot products.
- numpy's own loops (``exp``, ``log``, reductions) have AVX-512 variants beside the AVX2 ones.
- TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX512-VNNI, BF16 or AMX,
  and oneDNN then picks its instructions by CPU; elsewhere TensorFlow uses its own (Eigen) kernels.

So on an x86-64 with AVX2 and FMA every machine gets the AVX2 kernels of OpenBLAS and numpy, and
everywhere TensorFlow's Eigen kernels. Measured on the real data: an AVX2-only host and an AVX-512
(Zen 4) host, same lock and seeds, gave other ``vectors.bin`` and other Keras weights; with the
pins the second host reproduced the first host's ``dvc.lock`` byte for byte. Without oneDNN the
Eigen kernels train as fast, once TensorFlow's caching allocator is on too (stage train on the Zen 4
host: 84.5 s, against 84.4 s with oneDNN). A value the user set is kept: ``TF_ENABLE_ONEDNN_OPTS=1``
gives weights that match other machines' in their metrics only.

The libraries read these variables once, when first imported, so the package sets them on import
(``imdb_sentiment/__init__.py``), before any of its modules imports numpy, scipy or TensorFlow.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from collections.abc import Iterable, MutableMapping
from pathlib import Path

OPENBLAS = "OPENBLAS_CORETYPE"
NUMPY = "NPY_DISABLE_CPU_FEATURES"
ONEDNN = "TF_ENABLE_ONEDNN_OPTS"
# Without oneDNN, TensorFlow's plain CPU allocator maps and unmaps large tensors every step (the
# 4M-bucket NBSVM: 79 s of page faults in stage train); its caching allocator does not (same bytes).
ALLOCATOR = "TF_CPU_ALLOCATOR_USE_BFC"
# The kernels every x86-64 with AVX2 and FMA runs (without them: an illegal instruction).
AVX2_PINS = {OPENBLAS: "Haswell", NUMPY: "X86_V4 AVX512_ICL AVX512_SPR"}  # numpy 2.4's AVX-512 targets
EVERYWHERE_PINS = {ONEDNN: "0", ALLOCATOR: "true"}
# The module whose first import reads each variable: set later, the pin does nothing.
READ_BY = {OPENBLAS: "numpy", NUMPY: "numpy", ONEDNN: "tensorflow", ALLOCATOR: "tensorflow"}
REQUIRED_FLAGS = frozenset({"avx2", "fma"})
X86_64 = frozenset({"x86_64", "amd64"})

log = logging.getLogger(__name__)


def pins_for(machine: str, cpu_flags: Iterable[str]) -> dict[str, str]:
    """The variables to set on this CPU; OpenBLAS and numpy keep their own choice on another
    architecture, or on an x86-64 without AVX2 and FMA."""
    avx2 = machine.lower() in X86_64 and set(cpu_flags) >= REQUIRED_FLAGS
    return (AVX2_PINS if avx2 else {}) | EVERYWHERE_PINS


def linux_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The first CPU's feature flags; empty where /proc/cpuinfo is not readable (not Linux)."""
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return set(value.split())
    except OSError:
        pass
    return set()


def pin_cpu_kernels(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """Set each pin the user has not set; returns the values in effect. A pin whose library is
    already loaded cannot take effect: that is logged (import the package first)."""
    late: dict[str, list[str]] = {}
    for name, value in pins_for(platform.machine(), linux_cpu_flags()).items():
        if name not in environ:
            environ[name] = value
            if READ_BY[name] in sys.modules:
                late.setdefault(READ_BY[name], []).append(f"{name}={value}")
    for module, pins in late.items():
        log.warning(
            "%s was imported before imdb_sentiment, so %s do not apply in this process: its results may "
            "differ from other machines' in the last bits (import imdb_sentiment first)",
            module, ", ".join(pins),
        )  # fmt: skip
    return {name: environ[name] for name in READ_BY if name in environ}
