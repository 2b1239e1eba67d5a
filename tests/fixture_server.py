"""Start `python -m imdb_sentiment serve` for real on a free loopback port, and talk to it."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from imdb_sentiment.distributed.loopback import free_port

__all__ = ["free_port", "post_json", "request", "start_server"]


def start_server(model: Path, port: int, cwd: Path, *extra: str) -> subprocess.Popen[str]:
    """The server process, once /health answers (it fails the test if the process exits)."""
    args = [sys.executable, "-m", "imdb_sentiment", "serve", "--model", str(model), "--port", str(port), *extra]
    server = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(240):
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}:\n{server.stdout.read()}")  # type: ignore[union-attr]
        try:
            if request(port, "GET", "/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise AssertionError("the server did not answer /health within 120 s")


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """(status, parsed JSON body or text) of one request on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        chunked = body is not None and not isinstance(body, bytes)
        connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    is_json = response.getheader("content-type", "").startswith("application/json")
    return response.status, json.loads(data) if is_json else data.decode()


def post_json(port: int, payload: Any) -> tuple[int, Any]:
    return request(port, "POST", "/predict", json.dumps(payload).encode(), {"Content-Type": "application/json"})
