"""A real Dask cluster on this machine's loopback: one ``dask scheduler`` and ``dask worker``
processes, each worker in a folder of its own, stopped by their process ids.

For trying the cluster settings on one machine (``python -m imdb_sentiment cluster``), for the
tests and for ``bench/scale.py``'s cluster column. A real cluster is the same two commands on
other machines (docs: cluster).

Each ``dask worker`` is a nanny and its worker process: the nanny starts a killed worker process
again, and ``python -m imdb_sentiment cluster`` starts a nanny that exited again, so one lost
worker never ends the cluster. Only the scheduler's end does.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from imdb_sentiment.pipeline.io import PipelineError

log = logging.getLogger(__name__)
# Safety nets, so that nothing outlives the run that started it: the scheduler ends after this
# long without a client, a worker soon after its scheduler is gone.
IDLE_TIMEOUT_S = 3600
DEATH_TIMEOUT_S = 60
RESTART_DELAY_S = 5.0  # a worker that keeps exiting is started again at most this often


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dask_command() -> str:
    """The ``dask`` command of this environment (the one whose packages the workers must run)."""
    return str(Path(sys.executable).with_name("dask"))


@dataclass(frozen=True)
class TlsFiles:
    """A CA and one certificate with its key, used by the scheduler, the workers and the client."""

    ca: Path
    cert: Path
    key: Path

    def flags(self) -> list[str]:
        return ["--tls-ca-file", str(self.ca), "--tls-cert", str(self.cert), "--tls-key", str(self.key)]

    def client_env(self) -> dict[str, str]:
        """Dask config for a client holding the certificate, as environment variables."""
        return {
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(self.ca),
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(self.cert),
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(self.key),
            "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
        }


@dataclass
class LoopbackCluster:
    folder: Path
    workers: int = 2
    threads: int = 1
    tls: TlsFiles | None = None
    memory_limit: str = "0"  # "0": no limit; e.g. "400MB": the nanny restarts a worker past it
    env: Mapping[str, str] = field(default_factory=dict)  # extra environment of every process
    address: str = ""
    _processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)  # when each process was started (monotonic)

    def _env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env.pop("DASK_SCHEDULER_ADDRESS", None)
        if self.tls is not None:
            env["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] = "True"
        return env

    def _start(self, name: str, arguments: list[str]) -> None:
        log_file = (self.folder / f"{name}.log").open("ab")
        self._processes[name] = subprocess.Popen(
            [dask_command(), *arguments], stdout=log_file, stderr=subprocess.STDOUT, env=self._env(), cwd=self.folder
        )
        self._started[name] = time.monotonic()
        log_file.close()

    def start(self, timeout_s: float = 120) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        protocol = "tls" if self.tls else "tcp"
        self.address = f"{protocol}://127.0.0.1:{port}"
        security = self.tls.flags() if self.tls else []
        self._start(
            "scheduler",
            [
                *("scheduler", "--host", "127.0.0.1", "--port", str(port), "--protocol", protocol),
                *("--no-dashboard", "--idle-timeout", str(IDLE_TIMEOUT_S), *security),
            ],
        )
        for index in range(self.workers):
            self.add_worker(index)
        self.wait_for_workers(self.workers, timeout_s)
        return self.address

    def add_worker(self, index: int) -> None:
        name = f"worker-{index}"
        local = self.folder / name
        local.mkdir(exist_ok=True)
        security = self.tls.flags() if self.tls else []
        self._start(
            name,
            [
                *("worker", self.address, "--name", name, "--nthreads", str(self.threads), "--nworkers", "1"),
                *("--nanny", "--local-directory", str(local), "--memory-limit", self.memory_limit, "--no-dashboard"),
                *("--host", "127.0.0.1", "--death-timeout", str(DEATH_TIMEOUT_S), *security),
            ],
        )

    def process_id(self, name: str) -> int:
        """The process id of ``scheduler`` or ``worker-N`` (a worker's: its nanny's)."""
        return self._processes[name].pid

    def exit_status(self, name: str) -> int | None:
        """None while the process runs."""
        return self._processes[name].poll()

    def restart_exited_workers(self) -> list[tuple[str, int]]:
        """Start again each worker whose nanny process exited (killed, or given up on a scheduler it
        lost); a worker process its nanny restarts is not seen here. Each restarted worker and the
        status it exited with."""
        restarted = []
        for name in [name for name in self._processes if name.startswith("worker-")]:
            status = self.exit_status(name)
            if status is not None and time.monotonic() - self._started[name] >= RESTART_DELAY_S:
                self.add_worker(int(name.removeprefix("worker-")))
                restarted.append((name, status))
        return restarted

    def client_env(self) -> dict[str, str]:
        """What a stage's environment needs to send its work here."""
        return {"DASK_SCHEDULER_ADDRESS": self.address, **(self.tls.client_env() if self.tls else {})}

    def wait_for_workers(self, count: int, timeout_s: float = 120) -> None:
        """Until ``count`` workers are connected; a process that exits first is an error with its log."""
        from distributed import Client
        from distributed.security import Security

        security = (
            Security(tls_ca_file=str(self.tls.ca), tls_client_cert=str(self.tls.cert), tls_client_key=str(self.tls.key))
            if self.tls
            else None
        )
        deadline = time.monotonic() + timeout_s
        while True:
            for name, process in self._processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}): {self.log(name)[-2000:]}")
            try:
                with Client(self.address, security=security, timeout=10, set_as_default=False) as client:
                    client.wait_for_workers(count, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "".join(self.log(name) for name in self._processes)

    def stop(self) -> None:
        """Workers first, then the scheduler, each by its own process id."""
        for name in sorted(self._processes, key=lambda n: n == "scheduler"):
            process = self._processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@contextmanager
def loopback_cluster(folder: Path, workers: int = 2, **settings: object) -> Iterator[LoopbackCluster]:
    cluster = LoopbackCluster(folder, workers, **settings)  # type: ignore[arg-type]
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def serve_until_interrupted(folder: Path, workers: int) -> None:
    """``python -m imdb_sentiment cluster``: start, print the address to export, start again a
    worker that exits, stop on Ctrl-C. The scheduler's end (killed, or idle for IDLE_TIMEOUT_S) is
    the cluster's: an error naming it, the workers stopped."""
    with loopback_cluster(folder, workers) as cluster:
        print(f"export DASK_SCHEDULER_ADDRESS={cluster.address}  # workers: {workers}, logs: {folder}", flush=True)
        try:
            while (status := cluster.exit_status("scheduler")) is None:
                for name, exited in cluster.restart_exited_workers():
                    print(f"{name} exited ({exited}): started it again (log: {folder / name}.log)", flush=True)
                time.sleep(1)
        except KeyboardInterrupt:
            return
    raise PipelineError(
        f"the Dask scheduler at {cluster.address} exited ({status}); the workers are stopped "
        f"(log: {folder / 'scheduler.log'})"
    )
