"""Load-test `python -m imdb_sentiment serve` on loopback: 8 clients, 30 s per request size.

    uv run python bench/serve.py            # after `dvc repro` (or `dvc pull`): needs data/ensemble.zip

First it starts the server ``--starts`` times and times, from the start of the process, its first
answer to a one-review POST /predict (asked every 20 ms from the start: imports, model load and
the first request's own work all count). Then it starts the server once more, waits for
/health, and runs ``--clients`` threads, each on its own keep-alive connection, posting requests back to back for
``--seconds``: first one review per request, then 32. Reviews come from the unlabeled split
(never test). Throughput, p50/p99 latency and the error count of each phase go to the ``serve``
section of metrics/bench.json; the rest of that file (bench/run.py's) is kept.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from measure import update_bench

REPO = Path(__file__).resolve().parents[1]
PHASES = {"single": 1, "batch32": 32}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(model: str, port: int) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "imdb_sentiment", "serve", "--model", model, "--port", str(port)]
    server = subprocess.Popen([*args, "--log-level", "warning"], cwd=REPO)
    for _ in range(240):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}") from None
        time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not answer /health within 120 s")


def first_answer_s(model: str) -> float:
    """Seconds from starting `serve` to its first 200 answer to a one-review /predict."""
    port = free_port()
    body = json.dumps({"texts": ["A wonderful film, I loved it."]}).encode()
    started = time.perf_counter()
    args = [sys.executable, "-m", "imdb_sentiment", "serve", "--model", model, "--port", str(port)]
    server = subprocess.Popen([*args, "--log-level", "warning"], cwd=REPO)
    try:
        while time.perf_counter() - started < 120:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
                if connection.getresponse().status == 200:
                    return round(time.perf_counter() - started, 3)
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"the server exited with {server.returncode}") from None
            time.sleep(0.02)
        raise SystemExit("the server did not answer within 120 s")
    finally:
        server.terminate()
        server.wait(30)


def client(port: int, bodies: list[bytes], deadline: float, out: list[tuple[float, int]]) -> None:
    """Post ``bodies`` in turn until ``deadline``; append (seconds, status) per request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    i = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            connection.request("POST", "/predict", body=bodies[i % len(bodies)], headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0  # no answer at all: counted as an error
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out.append((time.perf_counter() - started, status))
        i += 1


def run_phase(port: int, texts: list[str], per_request: int, clients: int, seconds: float) -> dict[str, float]:
    bodies = [
        json.dumps({"texts": texts[i : i + per_request]}).encode()
        for i in range(0, len(texts) - per_request + 1, per_request)
    ]
    results: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=client, args=(port, bodies[c::clients], deadline, results[c])) for c in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = np.array([seconds for rows in results for seconds, _ in rows])
    statuses = np.array([status for rows in results for _, status in rows])
    ok = int(np.sum(statuses == 200))
    return {
        "reviews_per_request": per_request,
        "requests": int(statuses.size),
        "errors": int(statuses.size - ok),
        "reviews_per_s": round(ok * per_request / elapsed, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="data/ensemble.zip")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--starts", type=int, default=5, help="cold starts timed to their first answer")
    parser.add_argument("--out", default=str(REPO / "metrics" / "bench.json"))
    args = parser.parse_args()

    import pandas as pd

    reviews = pd.read_parquet(REPO / "data/raw/reviews.parquet", columns=["split", "text"])
    texts = reviews.loc[reviews.split == "unsup", "text"].head(20_000).tolist()
    starts = [first_answer_s(args.model) for _ in range(args.starts)]
    port = free_port()
    server = start_server(args.model, port)
    try:
        run_phase(port, texts[:2000], 32, args.clients, 3.0)  # warm-up: graph tracing, lazy indexes
        phases = {name: run_phase(port, texts, n, args.clients, args.seconds) for name, n in PHASES.items()}
    finally:
        server.terminate()
        server.wait(30)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    first = {"runs_s": starts, "median_s": statistics.median(starts), "max_s": max(starts)}
    serve = {"commit": commit, "model": args.model, "first_answer": first, "clients": args.clients,
             "seconds": args.seconds, **phases}  # fmt: skip
    update_bench(Path(args.out), "serve", serve)


if __name__ == "__main__":
    main()
