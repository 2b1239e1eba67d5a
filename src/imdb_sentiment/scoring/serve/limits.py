"""What one request may hold (README "Serve"), and the ASGI guard for the body size."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

MAX_BODY_BYTES = 2 * 1024 * 1024  # 2 MiB: ~1,000 typical reviews (1.3 kB each) with room
MAX_TEXTS = 1000  # reviews per request
MAX_EXPLAINED_TEXTS = 100  # reviews per request with "explain": true (an explanation costs ~50 reviews' scoring)
MAX_TEXT_CHARS = 100_000  # characters per review; the longest IMDB review has 13,704

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodySizeLimit:
    """Refuse a request body over ``max_bytes`` with 413, whether announced by Content-Length
    or streamed in chunks, before the application sees any of it.

    The body is read here (at most ``max_bytes``) and handed on whole: raised from inside the
    application's read, the refusal would reach FastAPI as an unparseable body instead.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.refuse(send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self.refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, handed_on = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal handed_on
            if handed_on:
                return await receive()
            handed_on = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def refuse(self, send: Send) -> None:
        error = f"request body over {self.max_bytes} bytes: expected at most {self.max_bytes} (and {MAX_TEXTS} reviews)"
        body = json.dumps({"error": error}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
