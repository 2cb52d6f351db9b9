"""The protocol `detente serve` gives uvicorn: httptools (C parser) with TCP_NODELAY, passable to worker processes."""

from __future__ import annotations

import pickle
import socket

import pytest

from detente.api.transport import NoDelayH11Protocol, _no_delay, http_protocol


def test_httptools_protocol_when_installed_and_picklable_for_workers() -> None:
    httptools_impl = pytest.importorskip("uvicorn.protocols.http.httptools_impl")
    protocol = http_protocol()
    assert issubclass(protocol, httptools_impl.HttpToolsProtocol)
    # `--workers N` sends the class to each worker process by reference: it must live at module level.
    assert pickle.loads(pickle.dumps(protocol)) is protocol
    assert pickle.loads(pickle.dumps(NoDelayH11Protocol)) is NoDelayH11Protocol


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> socket.socket | None:
        return self.sock if name == "socket" else None


def test_no_delay_is_set_on_a_real_tcp_connection() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            accepted, _ = server.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                _no_delay(_Transport(accepted))  # type: ignore[arg-type]
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
                assert client.fileno() >= 0
