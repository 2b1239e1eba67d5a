"""A loopback HTTP server for one file, for the download path's tests."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any


class ArchiveServer:
    """Serves ``path`` at ``url``. While ``stall`` is set it sends the first half of the bytes
    and then hangs, like a connection that dies midway through a download."""

    def __init__(self, path: Path) -> None:
        self.payload = path.read_bytes()
        self.stall = threading.Event()
        self.half_sent = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(outer.payload)))
                self.end_headers()
                if not outer.stall.is_set():
                    self.wfile.write(outer.payload)
                    return
                self.wfile.write(outer.payload[: len(outer.payload) // 2])
                self.wfile.flush()
                outer.half_sent.set()
                outer.release.wait(timeout=300)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{path.name}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
