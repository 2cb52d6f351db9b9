"""The HTTP/1.1 protocol ``detente serve`` runs: uvicorn's httptools protocol (a C parser; uvicorn's pure-Python
h11 protocol where httptools is not installed), with ``TCP_NODELAY`` on every connection.

asyncio turns Nagle's algorithm off on the connections it accepts only when the listening socket says it is
TCP; the socket uvicorn hands to its worker processes (``--workers N``) does not, so in those workers each
response (headers, then body: two writes) waited for the client's delayed ACK, some 40 ms on Linux, on every
request of a kept-alive connection. Setting the option on each connection makes both modes answer in the
time the work takes.

Parsing requests and writing answers with h11 took about an eighth of the server's CPU per API request;
httptools does the same work in C. The event loop is uvloop's (a dependency on Linux and macOS; uvicorn picks it
when installed): on 2026-11-26 it cut the server's CPU for ``GET /health`` from 0.77 to 0.57 ms and for an
alliance from about 4.2 to 3.4 ms (alternating runs with and without it).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol", "http_protocol"]


def _no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # not a TCP socket after all: nothing to tune
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that sends each write at once (``TCP_NODELAY``)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed (uvicorn's module imports it first thing)
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

if HttpToolsProtocol is not None:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol that sends each write at once (``TCP_NODELAY``).

        Defined at module level: ``--workers N`` hands the protocol class to each worker process by name.
        """

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)


def http_protocol() -> type[asyncio.Protocol]:
    """The protocol class to give uvicorn: httptools when it is installed, else h11; both with ``TCP_NODELAY``."""
    if HttpToolsProtocol is None:
        return NoDelayH11Protocol
    return NoDelayHttpToolsProtocol
