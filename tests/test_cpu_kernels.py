"""The package pins OpenBLAS's and TensorFlow's CPU kernels on import, before they load (cpu_kernels)."""

from __future__ import annotations

import ast
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from imdb_sentiment.pipeline.cpu_kernels import (
    ALLOCATOR,
    AVX2_PINS,
    NUMPY,
    ONEDNN,
    OPENBLAS,
    READ_BY,
    linux_cpu_flags,
    pin_cpu_kernels,
    pins_for,
)

HERE_AVX2 = OPENBLAS in pins_for(platform.machine(), linux_cpu_flags())
EVERYWHERE = {ONEDNN: "0", ALLOCATOR: "true"}
AVX2 = {OPENBLAS: "Haswell", NUMPY: "X86_V4 AVX512_ICL AVX512_SPR"} | EVERYWHERE


@pytest.mark.parametrize(
    ("machine", "flags", "expected"),
    [
        ("x86_64", {"sse2", "avx2", "fma", "avx512f"}, AVX2),  # an AVX-512 CPU runs the AVX2 kernels too
        ("x86_64", {"sse2", "avx2", "fma"}, AVX2),
        ("AMD64", {"avx2", "fma"}, AVX2),
        ("x86_64", {"sse2", "avx"}, EVERYWHERE),  # no AVX2: those kernels would not run
        ("x86_64", {"avx2"}, EVERYWHERE),
        ("aarch64", {"asimd", "fp"}, EVERYWHERE),  # OpenBLAS and numpy keep their own choice
    ],
)
def test_the_avx2_kernels_are_pinned_only_where_they_run(machine: str, flags: set[str], expected: dict) -> None:
    assert pins_for(machine, flags) == expected


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2 fma\n\nflags\t: other\n")
    assert linux_cpu_flags(cpuinfo) == {"fpu", "sse2", "avx2", "fma"}
    assert linux_cpu_flags(tmp_path / "missing") == set()


def test_what_the_user_chose_is_kept() -> None:
    chosen = {OPENBLAS: "Prescott", NUMPY: "AVX2", ONEDNN: "1", ALLOCATOR: "false"}
    environ = dict(chosen)
    assert pin_cpu_kernels(environ) == chosen
    assert environ == chosen


def test_without_a_user_choice_this_machine_gets_its_pins() -> None:
    environ: dict[str, str] = {}
    expected = pins_for(platform.machine(), linux_cpu_flags())
    assert pin_cpu_kernels(environ) == expected
    assert environ == expected


def unpinned_environ() -> dict[str, str]:
    """This process's environment without the pins' variables (a child must set them itself)."""
    return {key: value for key, value in os.environ.items() if key not in READ_BY}


def fresh_interpreter(code: str) -> str:
    """The last line ``code`` prints in a new Python, without the pins' variables in its
    environment (the package must set them itself)."""
    out = subprocess.run(
        [sys.executable, "-c", code], env=unpinned_environ(), check=True, capture_output=True, text=True
    )
    return out.stdout.splitlines()[-1]


@pytest.mark.skipif(not HERE_AVX2, reason="OpenBLAS and numpy keep their own choice on this CPU")
def test_numpy_and_scipy_load_with_the_avx2_kernels_in_a_stage() -> None:
    # A stage's order: the package's modules first, and numpy, scipy and gensim through them.
    listing = "[i['architecture'] for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas']"
    cores = json.loads(
        fresh_interpreter(
            f"import imdb_sentiment.vectors.embeddings, scipy.linalg, json, threadpoolctl\nprint(json.dumps({listing}))"
        )
    )
    assert cores == [AVX2_PINS[OPENBLAS]] * 2  # numpy's OpenBLAS and scipy's
    dispatch = "from numpy._core._multiarray_umath import __cpu_features__ as f\nprint(f['X86_V4'], f['AVX512_ICL'])"
    assert fresh_interpreter(f"import imdb_sentiment.vectors.embeddings\n{dispatch}") == "False False"


def test_tensorflow_loads_without_onednn_after_the_package() -> None:
    probe = (
        "import imdb_sentiment.members.keras.architectures, tensorflow\n"
        "from tensorflow.python.util import _pywrap_util_port as port\n"
        "print(port.IsMklEnabled())"
    )
    assert fresh_interpreter(probe) == "False"


def test_a_pin_that_comes_too_late_is_logged() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import tensorflow, imdb_sentiment"],
        env=unpinned_environ(),
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    late = "tensorflow was imported before imdb_sentiment, so TF_ENABLE_ONEDNN_OPTS=0, TF_CPU_ALLOCATOR_USE_BFC=true"
    assert f"{late} do not apply" in out.stderr


ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "stages").glob("*.py")) + sorted((ROOT / "studies").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_each_script_imports_the_package_before_any_other_library(script: Path) -> None:
    # The package pins the kernels on import; numpy loaded first would keep its own (ruff's isort
    # puts first-party first in stages/ and studies/: their ruff.toml).
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        names += [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top != "__future__":
                # a sibling script (studies' shared helpers) is checked on its own
                assert top == "imdb_sentiment" or (script.parent / f"{top}.py").is_file(), (
                    f"{script} imports {name} before imdb_sentiment"
                )
                return
