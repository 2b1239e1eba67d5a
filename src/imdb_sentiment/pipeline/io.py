"""File helpers shared by every stage.

Every output is written to a temporary name in its own directory and renamed into place only
when complete, so a killed stage never leaves a file that DVC would take for a good one.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

# A fixed timestamp inside every zip the project writes (.npz, .zip, .keras): numpy's savez and
# Keras stamp the current time, which would make identical contents differ byte for byte.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# The random part of a name made by Python's tempfile module (mkstemp, NamedTemporaryFile).
TEMPFILE_RANDOM_PART = "[a-z0-9_]{8}"

log = logging.getLogger(__name__)


class PipelineError(Exception):
    """An error a user can act on: the message names the file or parameter at fault."""


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary name keeps the suffix (Keras insists on ``.keras``) and starts with a dot.
    On any exception the temporary file is removed and ``path`` is left untouched. A process
    killed outright (SIGKILL, power loss) cannot clean up, so the temporary files such a kill
    left for ``path`` are removed here, before the next write of it starts.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        prefix, suffix = f".{target.stem}.", f".tmp{target.suffix}"
        remove_stale_temporaries(target.parent, re.escape(prefix) + TEMPFILE_RANDOM_PART + re.escape(suffix))
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=target.parent)
    except OSError as exc:
        raise PipelineError(f"cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PipelineError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temporaries(directory: str | os.PathLike[str], name_pattern: str) -> None:
    """Delete the files in ``directory`` (if it exists) whose whole name matches ``name_pattern``.

    Only for temporary files that an interrupted writer left behind: one stage writes each
    output, so no live writer can own a matching file while its stage runs.
    """
    folder = Path(directory)
    if not folder.is_dir():
        return
    pattern = re.compile(name_pattern)
    for candidate in folder.iterdir():
        if pattern.fullmatch(candidate.name) and candidate.is_file():
            candidate.unlink(missing_ok=True)
            log.warning("removed %s, left by an interrupted write", candidate)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PipelineError(f"{path} not found: run the stage that writes it (dvc repro)") from exc
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{path} is not valid JSON: {exc}") from exc


def zip_bytes(entries: Mapping[str, bytes]) -> bytes:
    """An uncompressed zip, entries in name order with a fixed timestamp: bytes depend on content only."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(entries):
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_EPOCH), entries[name])
    return buffer.getvalue()


def write_zip(path: str | os.PathLike[str], entries: Mapping[str, bytes]) -> None:
    """``zip_bytes(entries)`` written to ``path``."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(zip_bytes(entries))


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """Arrays as an uncompressed .npz whose bytes depend only on the arrays."""
    entries = {}
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.ascontiguousarray(array))
        entries[f"{name}.npy"] = buffer.getvalue()
    return zip_bytes(entries)


def save_npz(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> None:
    """``npz_bytes(arrays)`` written to ``path``."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(npz_bytes(arrays))


def load_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except FileNotFoundError as exc:
        raise PipelineError(f"{path} not found: run the stage that writes it (dvc repro)") from exc
    except (ValueError, zipfile.BadZipFile) as exc:
        raise PipelineError(f"{path} is not a readable .npz file: {exc}") from exc


def save_npy(path: str | os.PathLike[str], array: np.ndarray) -> None:
    with atomic_output(path) as tmp, open(tmp, "wb") as handle:
        np.lib.format.write_array(handle, np.ascontiguousarray(array))


def load_npy(path: str | os.PathLike[str]) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError as exc:
        raise PipelineError(f"{path} not found: run the stage that writes it (dvc repro)") from exc
