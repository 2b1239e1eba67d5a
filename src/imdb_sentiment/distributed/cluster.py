"""Where row-parallel work runs: in the stage's own process, or on a Dask cluster.

A stage cuts its rows into parts and maps a module-level function over them through a
``Runner``; results come back in part order, so what the stage writes does not depend on where
the parts ran or how many workers there were. ``runner(params)`` is the one place that decides:

- no scheduler named (``$DASK_SCHEDULER_ADDRESS`` unset, ``cluster.scheduler`` null): a
  ``LocalRunner``, the parts one after another in this process; Dask is never imported;
- otherwise a ``DaskRunner``, a client of that scheduler. A scheduler that cannot be reached is
  an error naming the address and the setting that named it, never a quiet local run.

Security is the user's Dask configuration (``distributed.comm.tls.*``, from a YAML file or
``DASK_DISTRIBUTED__COMM__TLS__*`` variables): a ``tls://`` scheduler refuses a client without a
certificate its CA signed. Credentials for data (S3, SSH) stay in each worker's environment:
tasks carry paths and settings, never secrets.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from imdb_sentiment.pipeline.io import PipelineError

if TYPE_CHECKING:  # pydantic's import costs a one-review predict a tenth of a second
    from imdb_sentiment.pipeline.params import ClusterParams

log = logging.getLogger(__name__)
SCHEDULER_VARIABLE = "DASK_SCHEDULER_ADDRESS"
IN_FLIGHT_PER_THREAD = 2  # parts sent ahead per worker thread: the client holds at most this many results
Result = TypeVar("Result")


@dataclass(frozen=True)
class Part:
    """One task's share of a stage's rows: a label for messages and the function's argument."""

    label: str  # e.g. "rows 25000 to 50000", named in errors
    payload: Any


def row_ranges(n_rows: int, rows: int) -> list[tuple[int, int]]:
    """(first, end) of consecutive cuts of ``rows`` rows (the last may be shorter)."""
    if rows <= 0:
        raise ValueError(f"rows per part must be positive, got {rows}")
    return [(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


def rows_label(first: int, end: int) -> str:
    return f"rows {first} to {end}"


def batch_parts(batches: Iterable[Any]) -> Iterator[Part]:
    """Each batch (anything with a length: an Arrow batch, a list of texts) as a part, labelled by its rows."""
    first = 0
    for batch in batches:
        end = first + len(batch)
        yield Part(rows_label(first, end), batch)
        first = end


@dataclass
class TaskTimes:
    """How long each part took where it ran: the run record of a stage's parallel work."""

    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0

    def summary(self) -> str:
        if not self.seconds:
            return "no parts"
        total, longest = sum(self.seconds), max(self.seconds)
        return f"{len(self.seconds)} parts in {self.wall:.1f} s (tasks {total:.1f} s in all, longest {longest:.1f} s)"


class Runner(Protocol):
    """Maps a function over parts; the results come back in the parts' order."""

    where: str
    partition_rows: int
    times: TaskTimes

    def map(
        self, function: Callable[..., Result], parts: Iterable[Part], shared: Mapping[str, Any] | None = None
    ) -> Iterator[Result]:
        """``function(part.payload, **shared)`` for every part, in order."""
        ...


def _timed(function: Callable[..., Any], payload: Any, gather: bool, **shared: Any) -> tuple[Any, float]:
    """A part's result and its seconds; ``gather``: a generator's items as a list (on a worker: a
    generator cannot travel back; here it streams)."""
    started = time.perf_counter()
    result = function(payload, **shared)
    if gather and isinstance(result, types.GeneratorType):
        result = list(result)
    return result, time.perf_counter() - started


@dataclass
class LocalRunner:
    """The parts one after another in this process, nothing sent anywhere."""

    partition_rows: int
    where: str = "this process"
    times: TaskTimes = field(default_factory=TaskTimes)

    def map(
        self, function: Callable[..., Result], parts: Iterable[Part], shared: Mapping[str, Any] | None = None
    ) -> Iterator[Result]:
        started, self.times = time.perf_counter(), TaskTimes()
        for part in parts:
            result, seconds = _timed(function, part.payload, False, **(shared or {}))
            self.times.seconds.append(seconds)
            self.times.wall = time.perf_counter() - started
            yield result


def code_digest() -> str:
    """A digest of this installation's imdb_sentiment sources: a worker must run the client's code."""
    package = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class DaskRunner:
    """A client of a Dask scheduler; parts are tasks, at most ``IN_FLIGHT_PER_THREAD`` per worker
    thread at a time, so the client's memory stays that of a few parts whatever the corpus."""

    def __init__(self, address: str, named_by: str, params: ClusterParams) -> None:
        from distributed import Client
        from distributed.security import Security

        security = Security()  # the user's Dask config: distributed.comm.tls.*, require-encryption
        refused = f"cannot reach the Dask scheduler at {address} (named by {named_by})"
        if address.startswith("tls://") and not getattr(security, "tls_client_cert", None):
            raise PipelineError(
                f"{refused}: it takes TLS clients only, and no client certificate is configured "
                "(distributed.comm.tls.client.cert and .key, tls.ca-file)"
            )
        if not address.startswith("tls://") and security.require_encryption:
            raise PipelineError(f"{refused}: your Dask config requires encryption, so the address must be tls://")
        self.partition_rows = params.partition_rows
        self.retries = params.retries
        self.times = TaskTimes()
        try:
            self.client = Client(address, timeout=params.connect_timeout_s, set_as_default=False)
        except (OSError, ValueError, TypeError, RuntimeError) as exc:  # TimeoutError is an OSError
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PipelineError(f"{refused}: {reason}") from None
        self.address = address
        self._check_workers()
        self.where = f"the Dask cluster at {address} ({self.threads} worker threads)"

    def _check_workers(self) -> None:
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        if not workers:
            self.client.close()
            raise PipelineError(f"the Dask scheduler at {self.address} has no workers")
        self.threads = sum(info["nthreads"] for info in workers.values())
        ours = code_digest()
        theirs = self.client.run(code_digest, on_error="return")
        for worker, digest in sorted(theirs.items()):
            if digest != ours:
                self.client.close()
                found = f"fails to import it ({digest!r})" if isinstance(digest, BaseException) else "runs other code"
                raise PipelineError(
                    f"Dask worker {worker} {found}: every worker needs this imdb_sentiment "
                    "(`uv sync` on each machine, from the same commit)"
                )

    def map(
        self, function: Callable[..., Result], parts: Iterable[Part], shared: Mapping[str, Any] | None = None
    ) -> Iterator[Result]:
        from distributed import KilledWorker

        started, self.times = time.perf_counter(), TaskTimes()
        # Shared values (a model, key tables) go to every worker once, not with each task.
        scattered = {
            name: self.client.scatter(value, broadcast=True, hash=False) for name, value in (shared or {}).items()
        }
        pending: deque[tuple[Part, Any]] = deque()
        limit = max(1, IN_FLIGHT_PER_THREAD * self.threads)
        parts = iter(parts)
        try:
            while True:
                while len(pending) < limit and (part := next(parts, None)) is not None:
                    future = self.client.submit(
                        _timed, function, part.payload, True, **scattered, pure=False, retries=self.retries
                    )
                    pending.append((part, future))
                if not pending:
                    break
                part, future = pending.popleft()
                try:
                    result, seconds = future.result()
                except KilledWorker as exc:
                    raise PipelineError(
                        f"{part.label} was lost with every worker it ran on (last: {exc.last_worker.address}). "
                        "A worker dies when it runs out of memory: give workers more (--memory-limit) "
                        "or set a smaller cluster.partition_rows"
                    ) from None
                self.times.seconds.append(seconds)
                self.times.wall = time.perf_counter() - started
                yield result
        finally:
            for _, future in pending:  # interrupted or failed: the scheduler forgets what is left
                future.cancel()

    def close(self) -> None:
        self.client.close()


def scheduler_address(params: ClusterParams) -> tuple[str, str] | None:
    """The scheduler to use and the setting that named it; None: run here."""
    if os.environ.get(SCHEDULER_VARIABLE):
        return os.environ[SCHEDULER_VARIABLE], f"${SCHEDULER_VARIABLE}"
    if params.scheduler:
        return params.scheduler, "params.yaml cluster.scheduler"
    return None


@contextmanager
def runner(params: ClusterParams) -> Iterator[Runner]:
    """The runner the settings ask for; a cluster's client is closed on the way out."""
    named = scheduler_address(params)
    if named is None:
        yield LocalRunner(params.partition_rows)
        return
    dask_runner = DaskRunner(*named, params)
    log.info("row-parallel work goes to %s", dask_runner.where)
    try:
        yield dask_runner
    finally:
        dask_runner.close()


def run_parts(
    work: Runner, function: Callable[..., Result], parts: Iterable[Part], shared: Mapping[str, Any] | None = None
) -> list[Result]:
    """Every part's result, in order, and a log line of what the parts took."""
    results = list(work.map(function, parts, shared))
    log_times(work, function)
    return results


def log_times(work: Runner, function: Callable[..., Any]) -> None:
    """One line of what the last map's parts took: a cluster's is worth a line in the stage's log,
    a local run's is not news (debug)."""
    level = logging.DEBUG if isinstance(work, LocalRunner) else logging.INFO
    log.log(level, "%s: %s on %s", getattr(function, "__name__", "work"), work.times.summary(), work.where)
