"""A lean HTTP/1.1 keep-alive client for load tests over loopback.

Why not httpx: driving ``detente serve`` with httpx's ``AsyncClient`` cost the benchmark process about 2 ms of CPU
per request (measured with ``time.process_time`` on 2026-11-26: 1.8-2.6 ms/req), as much as the server spent
answering. On a 2-core machine the load generator then takes most of a core away from the server it measures, and
the latency it reports is partly its own. This client writes each request as one pre-formatted byte string on a
persistent connection and reads the answer by its ``Content-Length`` (or chunks), a few tens of microseconds per
request, so what the benchmark reports is the server.

It speaks only what the benchmarks need: one request at a time per connection, ``GET``/``POST``/``PATCH`` with an
optional JSON body, answers with ``Content-Length`` or ``Transfer-Encoding: chunked``. Anything else is an error
that names what the server sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlencode

__all__ = ["Answer", "Connection", "HTTPFailureError"]


class HTTPFailureError(Exception):
    """The connection broke or the server sent something this client does not read."""


class Answer:
    """A status code and the body bytes; ``json()`` decodes the body."""

    __slots__ = ("body", "status_code")

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One keep-alive connection to ``host:port`` carrying the same headers (for instance a bearer token)."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        fixed = {"Host": f"{host}:{port}", **(headers or {})}
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        return await self.request("GET", path + ("?" + urlencode(params) if params else ""))

    async def post(self, path: str, json_body: Any) -> Answer:
        return await self.request("POST", path, json.dumps(json_body).encode())

    async def patch(self, path: str, json_body: Any) -> Answer:
        return await self.request("PATCH", path, json.dumps(json_body).encode())

    async def request(self, method: str, target: str, body: bytes | None = None) -> Answer:
        if self._reader is None or self._writer is None:
            raise HTTPFailureError("the connection is not open: use `async with Connection(...)`")
        head = f"{method} {target} HTTP/1.1\r\n{self._fixed}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._writer.write(head.encode("latin-1") + b"\r\n" + (body or b""))
        try:
            raw = await self._reader.readuntil(b"\r\n\r\n")
            status, length, chunked = _parse_head(raw)
            if chunked:
                payload = await self._read_chunks()
            else:
                payload = await self._reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as error:
            raise HTTPFailureError(f"{method} {target}: {error!r}") from error
        return Answer(status, payload)

    async def _read_chunks(self) -> bytes:
        assert self._reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readline()).split(b";", 1)[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # the empty trailer
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)


def _parse_head(raw: bytes) -> tuple[int, int, bool]:
    """Status code, content length and whether the body is chunked, from a response's header block."""
    lines = raw.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError) as error:
        raise HTTPFailureError(f"not an HTTP status line: {lines[0][:80]!r}") from error
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return status, length, chunked
