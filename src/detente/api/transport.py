"""The HTTP/1.1 protocol ``detente serve`` runs: uvicorn's h11 protocol with ``TCP_NODELAY`` on every connection.

asyncio turns Nagle's algorithm off on the connections it accepts only when the listening socket says it is
TCP; the socket uvicorn hands to its worker processes (``--workers N``) does not, so in those workers each
response (headers, then body: two writes) waited for the client's delayed ACK, some 40 ms on Linux, on every
request of a kept-alive connection. Setting the option on each connection makes both modes answer in the
time the work takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol"]


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that sends each write at once (``TCP_NODELAY``)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # not a TCP socket after all: nothing to tune
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
