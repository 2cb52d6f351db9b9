"""Reads on PostgreSQL run outside a transaction block (``detente.store.read_connection``) and the filtered
lists are planned for each execution's values (``DriverStatement.plan_each_time``), without leaving a pooled
connection in autocommit for the writer that takes it next."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from detente.domain.markings import Role
from detente.services import accounts
from detente.services.errors import NotFoundError
from detente.services.reading import Reader
from detente.store.database import Store
from detente.store.engine import make_engine
from detente.store.read_connection import read_connection


def _postgres_only(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite keeps its read transaction (one snapshot, no round trip): nothing changes there")


def test_a_read_connection_opens_no_transaction_and_hands_back_a_transactional_one(
    backend: str, database_url: str
) -> None:
    _postgres_only(backend)
    import psycopg

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with read_connection(engine) as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
            driver = connection.connection.dbapi_connection
            assert driver is not None
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE, "no BEGIN was sent"
        with engine.connect() as connection:  # the same pooled connection, for a write now
            connection.execute(text("CREATE TEMPORARY TABLE scratch (n integer)"))
            connection.commit()
            connection.execute(text("INSERT INTO scratch VALUES (1)"))
            connection.rollback()
            assert connection.execute(text("SELECT count(*) FROM scratch")).scalar_one() == 0, (
                "the write after a read must be transactional: its rollback undoes it"
            )
    finally:
        engine.dispose()


def test_filtered_lists_are_never_kept_prepared_and_single_records_are(
    backend: str, store: Store, database_url: str
) -> None:
    _postgres_only(backend)
    accounts.create_user(store, actor="test", username="reader1", password="a long password 1", role=Role.VIEWER)
    issued = accounts.login(store, "reader1", "a long password 1", client="tests")
    principal = accounts.authenticate(store, issued.secret)
    own = Store(database_url)  # used from one thread, one request at a time: always the same pooled connection
    try:
        reader = Reader(own)
        for _ in range(8):  # psycopg prepares a statement on its sixth execution on a connection
            assert reader.list(principal, "states", filters={"iso3": "NOR"}).total == 0
            with pytest.raises(NotFoundError):
                reader.get(principal, "states", 10**9)
        with own.engine.connect() as connection:
            prepared = [str(row) for (row,) in connection.execute(text("SELECT statement FROM pg_prepared_statements"))]
    finally:
        own.close()
    assert any("WHERE states.id = " in statement for statement in prepared), prepared
    assert not any("WHERE states.iso3" in statement for statement in prepared), "a filtered list is planned each time"
