"""Pooled PostgreSQL connections are pinged only after sitting idle, and a connection that died is replaced
(see :mod:`detente.store.connection_health`); the API repeats a GET that met a dead connection and answers
anything else with 503. Real PostgreSQL backends are ended with ``pg_terminate_backend``."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from detente.api.app import create_app
from detente.domain.markings import Role
from detente.store.connection_health import PING_AFTER_ENV, connection_lost
from detente.store.database import Store
from detente.store.engine import make_engine, normalise_url
from tests.api.conftest import new_person
from tests.conftest import POSTGRES_URL


def _postgres_only(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("a SQLite file has no server connection to lose (the check is installed for servers only)")


def _named(database_url: str) -> tuple[str, str]:
    """``database_url`` with an application name of its own, so that only this test's backends are ended."""
    name = f"detente-health-{uuid.uuid4().hex[:8]}"
    return make_url(database_url).update_query_dict({"application_name": name}).render_as_string(False), name


def _end_backends(application_name: str) -> int:
    """End every PostgreSQL backend of ``application_name``; how many there were."""
    assert POSTGRES_URL is not None
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name) AS ended"
                ),
                {"name": application_name},
            ).scalar_one()
    finally:
        admin.dispose()
    deadline = time.monotonic() + 5
    while _backends(application_name) and time.monotonic() < deadline:
        time.sleep(0.02)
    return int(ended)


def _backends(application_name: str) -> int:
    assert POSTGRES_URL is not None
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
            return int(connection.execute(query, {"name": application_name}).scalar_one())
    finally:
        admin.dispose()


def _pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture
def counted_pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time any psycopg engine pings a connection."""
    from sqlalchemy.dialects.postgresql._psycopg_common import _PGDialect_common_psycopg

    pings: list[int] = []
    real_ping = _PGDialect_common_psycopg.do_ping

    def ping(self: Any, dbapi_connection: Any) -> bool:
        pings.append(1)
        return bool(real_ping(self, dbapi_connection))

    monkeypatch.setattr(_PGDialect_common_psycopg, "do_ping", ping)
    return pings


def test_a_connection_reused_at_once_is_not_pinged_and_one_left_idle_is(
    backend: str, database_url: str, monkeypatch: pytest.MonkeyPatch, counted_pings: list[int]
) -> None:
    _postgres_only(backend)
    monkeypatch.setenv(PING_AFTER_ENV, "200")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        for _ in range(5):
            assert _pid(engine) == first
        assert counted_pings == [], "a connection handed back a moment ago needs no ping"
        time.sleep(0.3)
        assert _pid(engine) == first
        assert counted_pings == [1], "after 300 ms idle (window 200 ms) the pool pings once"
    finally:
        engine.dispose()


def test_a_backend_ended_while_idle_is_replaced_before_use(
    backend: str, database_url: str, monkeypatch: pytest.MonkeyPatch, counted_pings: list[int]
) -> None:
    _postgres_only(backend)
    monkeypatch.setenv(PING_AFTER_ENV, "50")
    url, name = _named(database_url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        assert _end_backends(name) == 1
        time.sleep(0.1)
        second = _pid(engine)  # the ping fails, the pool opens a new connection: no error reaches the caller
        assert second != first
        assert counted_pings == [1]
    finally:
        engine.dispose()


def test_a_backend_ended_within_the_window_fails_once_and_is_then_replaced(
    backend: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgres_only(backend)
    monkeypatch.setenv(PING_AFTER_ENV, "60000")  # never pinged: the lost connection is met by a statement
    url, name = _named(database_url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        first = _pid(engine)
        assert _end_backends(name) == 1
        with pytest.raises(DBAPIError) as failed:
            _pid(engine)
        assert connection_lost(engine, failed.value)
        assert _pid(engine) != first, "the broken connection is not handed out again"
        # A database error that is not a lost connection is not mistaken for one.
        with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(text("SELECT 1/0"))
        assert not connection_lost(engine, refused.value)
    finally:
        engine.dispose()


def test_the_api_repeats_a_read_that_met_a_lost_connection_and_refuses_a_write_with_503(
    backend: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgres_only(backend)
    monkeypatch.setenv(PING_AFTER_ENV, "60000")
    Store.open(database_url, create=True).close()
    url, name = _named(database_url)
    store = Store.open(url)
    try:
        editor = new_person(store, Role.EDITOR, "NOR")
        with TestClient(create_app(store)) as client:
            created = client.post("/engagements", json={"kind": "visit", "title": "ship visit"}, headers=editor.headers)
            assert created.status_code == 201, created.text
            path = f"/engagements/{created.json()['id']}"
            assert client.get(path, headers=editor.headers).status_code == 200

            assert _end_backends(name) >= 1
            again = client.get(path, headers=editor.headers)
            assert again.status_code == 200, again.text
            assert again.json()["title"] == "ship visit"

            assert _end_backends(name) >= 1
            refused = client.patch(
                path, json={"title": "changed", "version": created.json()["version"]}, headers=editor.headers
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["error"] == "unavailable"
            after = client.get(path, headers=editor.headers).json()
            assert (after["title"], after["version"]) == ("ship visit", created.json()["version"]), "nothing written"
    finally:
        store.close()
