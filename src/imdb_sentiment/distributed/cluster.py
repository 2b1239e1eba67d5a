"""Where row-parallel work runs: in the stage's own process, or on a Dask cluster.

A stage cuts its rows into parts and maps a module-level function over them through a
``Runner``; results come back in part order, so what the stage writes does not depend on where
the parts ran or how many workers there were. ``runner(params)`` is the one place that decides:

- no scheduler named (``$DASK_SCHEDULER_ADDRESS`` unset, ``cluster.scheduler`` null): a
  ``LocalRunner``, the parts one after another in this process; Dask is never imported;
- otherwise a ``DaskRunner``, a client of that scheduler. A scheduler that cannot be reached is
  an error naming the address and the setting that named it, never a quiet local run.

A part's rows and the shared values travel as scattered data, never inside the task graph: a
task names them, so what the scheduler holds per task is a few keys, whatever the part's size.
Scattered data is not recomputable, so a part whose data went down with a worker is sent again
from the client's copy; one that keeps losing its workers is an error naming its rows, as
Dask's own ``KilledWorker`` is. A lost scheduler ends the work with one line naming it.

Security is the user's Dask configuration (``distributed.comm.tls.*``, from a YAML file or
``DASK_DISTRIBUTED__COMM__TLS__*`` variables): a ``tls://`` scheduler refuses a client without a
certificate its CA signed. Credentials for data (S3, SSH) stay in each worker's environment:
tasks carry paths and settings, never secrets.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import CancelledError
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
WORKERS_WAIT_S = 120.0  # how long a part waits for a running worker (a nanny restarts one in seconds)
SCHEDULER_LOST = "scheduler-connection-lost"  # the client's reason for the futures it cancels then
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


@dataclass
class _Sent:
    """A part on the cluster: its scattered rows, the task that reads them, and how many times a
    lost worker took its rows with it."""

    part: Part
    data: Any  # the Future of the part's payload
    future: Any  # the Future of _timed(function, payload, ...)
    losses: int = 0


def lost_part(label: str, how: str) -> PipelineError:
    return PipelineError(
        f"{label} was lost with every worker it ran on ({how}). "
        "A worker dies when it runs out of memory: give workers more (--memory-limit) "
        "or set a smaller cluster.partition_rows"
    )


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connection_error(exc: BaseException) -> str:
    """What cut the client off, without the comm's repr: ``in <TCP (closed) ...>: OSError: ...``
    is ``OSError: ...``; a future cancelled for it is the connection that closed."""
    from distributed.client import FutureCancelledError

    if isinstance(exc, FutureCancelledError):
        return f"the connection closed ({exc.reason})"
    return re.sub(r"^in <[^>]*>: ", "", first_line(exc)).rstrip(".")


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
            raise PipelineError(f"{refused}: {first_line(exc)}") from None
        self.address = address
        self._check_workers()
        self.allowed_failures = self._allowed_failures()
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

    def _allowed_failures(self) -> int:
        """The scheduler's ``allowed-failures``: a part may lose that many workers, as a task may
        (its own config; this client's where the scheduler runs no code sent to it)."""
        import dask

        key = "distributed.scheduler.allowed-failures"
        try:
            return int(self.client.run_on_scheduler(dask.config.get, key))
        except Exception:  # a scheduler with distributed.scheduler.pickle off
            return int(dask.config.get(key))

    def _scheduler_lost(self, part: Part, exc: BaseException) -> PipelineError:
        return PipelineError(
            f"lost the Dask scheduler at {self.address} (at {part.label}): {connection_error(exc)}. "
            "Nothing was written; run it again when the scheduler is back"
        )

    def _connected(self) -> bool:
        return bool(self.client.status == "running")

    def _scatter(self, value: Any, broadcast: bool = False) -> Any:
        """``value`` on the cluster as one piece of data (a list or tuple too, not one per item).
        A worker that dies while it is sent to fails the send: sent again, to the workers left."""
        deadline = time.monotonic() + WORKERS_WAIT_S
        while True:
            try:
                return self.client.scatter([value], broadcast=broadcast, hash=False, timeout=WORKERS_WAIT_S)[0]
            except OSError:  # CommClosedError, TimeoutError
                time.sleep(0.5)  # long enough for the client to notice a lost scheduler
                if not self._connected() or time.monotonic() > deadline:
                    raise

    def _broadcast(self, shared: Mapping[str, Any], part: Part) -> dict[str, Any]:
        """Shared values (a model, key tables) on every worker once, not with each task."""
        try:
            return {name: self._scatter(value, broadcast=True) for name, value in shared.items()}
        except OSError as exc:  # TimeoutError, CommClosedError
            raise self._failed_to_send(part, exc) from None

    def _failed_to_send(self, part: Part, exc: BaseException) -> PipelineError:
        if not self._connected():
            return self._scheduler_lost(part, exc)
        return PipelineError(
            f"the Dask scheduler at {self.address} had no running worker for {part.label} "
            f"in {WORKERS_WAIT_S:.0f} s: {first_line(exc)}"
        )

    def _send(self, function: Callable[..., Any], part: Part, shared: Mapping[str, Any], losses: int) -> _Sent:
        """The part's payload scattered, and a task that takes it: the graph holds keys only."""
        try:
            data = self._scatter(part.payload)
            future = self.client.submit(_timed, function, data, True, **shared, pure=False, retries=self.retries)
        except OSError as exc:
            raise self._failed_to_send(part, exc) from None
        return _Sent(part, data, future, losses)

    def _outcome(self, sent: _Sent) -> tuple[Any, float] | None:
        """The part's result and seconds; None: its data went down with a worker, send it again."""
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError

        try:
            return sent.future.result()
        except KilledWorker as exc:
            raise lost_part(sent.part.label, f"last: {exc.last_worker.address}") from None
        except FutureCancelledError as exc:
            if exc.reason == SCHEDULER_LOST or not self._connected():
                raise self._scheduler_lost(sent.part, exc) from None
        except (OSError, CancelledError) as exc:  # OSError: also what a task itself raised
            if self._connected():
                raise
            raise self._scheduler_lost(sent.part, exc) from None
        if sent.losses >= self.allowed_failures:
            raise lost_part(sent.part.label, f"{sent.losses + 1} workers died holding it")
        return None

    def map(
        self, function: Callable[..., Result], parts: Iterable[Part], shared: Mapping[str, Any] | None = None
    ) -> Iterator[Result]:
        started, self.times = time.perf_counter(), TaskTimes()
        pending: deque[_Sent] = deque()
        limit = max(1, IN_FLIGHT_PER_THREAD * self.threads)
        parts = iter(parts)
        scattered: dict[str, Any] | None = None
        try:
            while True:
                while len(pending) < limit and (part := next(parts, None)) is not None:
                    if scattered is None:
                        scattered = self._broadcast(shared or {}, part)
                    pending.append(self._send(function, part, scattered, 0))
                if not pending:
                    break
                sent = pending.popleft()
                outcome = self._outcome(sent)
                if outcome is None:  # its data was on a worker that died: send it again, first in line
                    assert scattered is not None
                    if any(future.status != "finished" for future in scattered.values()):
                        scattered = self._broadcast(shared or {}, sent.part)  # every copy was lost too
                    pending.appendleft(self._send(function, sent.part, scattered, sent.losses + 1))
                    continue
                result, seconds = outcome
                self.times.seconds.append(seconds)
                self.times.wall = time.perf_counter() - started
                yield result
        finally:
            if self._connected():  # interrupted or failed: the scheduler forgets what is left
                for sent in pending:
                    sent.future.cancel()

    def close(self) -> None:
        if self._connected():
            self.client.close()
            return
        # The scheduler is gone, and the error says so in one line; closing stops the client's
        # attempts to reconnect, which distributed would log with a traceback.
        client_log = logging.getLogger("distributed.client")
        level = client_log.level
        client_log.setLevel(logging.CRITICAL)
        try:
            self.client.close()
        finally:
            client_log.setLevel(level)


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
