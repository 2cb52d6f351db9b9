"""``detente sources pull`` and ``load --download`` over real HTTP, from a local server laid out like a mirror.

A :class:`http.server.ThreadingHTTPServer` in a thread serves a copy of part of the mirror;
``DETENTE_DOWNLOAD_BASE`` points detente at it instead of the canonical URLs. No outside network is used.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.main import app
from detente.services import audit_trail
from detente.sources import get_source
from detente.sources.fetch import cache_path
from detente.store.database import Store
from tests.sources.conftest import MIRROR
from tests.sources.test_load import snapshot

runner = CliRunner()
SOURCE = "dcad"
FILE = "DCAD-v1.0-main.csv"


class _Server:
    """A local HTTP server over ``root`` that remembers the paths it was asked for."""

    def __init__(self, root: Path) -> None:
        requested = self.requested = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                requested.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_Server, Path]]:
    """A server over a mirror-laid copy of DCAD; a fresh, empty raw-file cache; no mirror configured."""
    if not MIRROR.is_dir():
        pytest.skip(f"no dataset mirror at {MIRROR}")
    root = tmp_path / "served"
    shutil.copytree(MIRROR / SOURCE, root / SOURCE)
    server = _Server(root)
    monkeypatch.setenv("DETENTE_DOWNLOAD_BASE", server.url)
    monkeypatch.setenv("DETENTE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DETENTE_MIRROR", raising=False)
    try:
        yield server, root
    finally:
        server.close()


def _cached() -> Path:
    spec = get_source(SOURCE).spec
    return cache_path(spec, spec.file(FILE))


def test_pull_downloads_verifies_and_caches(served: tuple[_Server, Path]) -> None:
    server, root = served
    result = runner.invoke(app, ["sources", "pull", SOURCE])
    assert result.exit_code == 0, result.stderr
    assert "verified (sha256)" in result.stdout
    assert server.requested == [f"/{SOURCE}/{FILE}"]
    assert _cached().read_bytes() == (root / SOURCE / FILE).read_bytes()


def test_load_without_download_names_the_pull_command(served: tuple[_Server, Path], database_url: str) -> None:
    server, _ = served
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    result = runner.invoke(app, ["sources", "load", SOURCE, "--database", database_url])
    assert result.exit_code == 1
    flat = " ".join(result.stderr.split())
    assert f"detente sources pull {SOURCE}" in flat and server.url in flat
    assert server.requested == []


def test_load_download_stores_the_source(served: tuple[_Server, Path], database_url: str) -> None:
    server, _ = served
    assert runner.invoke(app, ["init", "--database", database_url]).exit_code == 0
    result = runner.invoke(app, ["sources", "load", SOURCE, "--download", "--database", database_url, "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"agreements": 1871' in result.stdout
    assert server.requested == [f"/{SOURCE}/{FILE}"]
    again = runner.invoke(app, ["sources", "load", SOURCE, "--download", "--database", database_url, "--json"])
    assert '"status": "unchanged"' in again.stdout
    assert server.requested == [f"/{SOURCE}/{FILE}"]  # nothing fetched the second time


def test_checksum_mismatch_on_download_keeps_nothing(served: tuple[_Server, Path], database_url: str) -> None:
    server, root = served
    target = root / SOURCE / FILE
    data = bytearray(target.read_bytes())
    data[200] ^= 0x01  # one flipped bit on the server
    target.write_bytes(bytes(data))
    store = Store.open(database_url, create=True)
    try:
        before = snapshot(store)
        result = runner.invoke(app, ["sources", "load", SOURCE, "--download", "--database", database_url])
        assert result.exit_code == 1
        flat = " ".join(result.stderr.split())
        assert f"{server.url}/{SOURCE}/{FILE}" in flat
        assert "checksum mismatch" in flat and get_source(SOURCE).spec.file(FILE).sha256 in flat
        assert "nothing was kept" in flat
        assert not _cached().exists()
        assert not any(p.name.startswith(".download-") for p in _cached().parent.glob("*"))
        assert snapshot(store) == before
        assert audit_trail.verify(store).ok
    finally:
        store.close()


def test_server_error_is_a_clear_fetch_error(served: tuple[_Server, Path]) -> None:
    _, root = served
    (root / SOURCE / FILE).unlink()
    result = runner.invoke(app, ["sources", "pull", SOURCE])
    assert result.exit_code == 1
    flat = " ".join(result.stderr.split())
    assert "download from" in flat and "404" in flat and "--mirror" in flat
