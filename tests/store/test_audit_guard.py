"""The database itself refuses to change or remove audit entries, whatever code tries."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from detente.services.records import Records
from detente.store.database import Store


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1",
        "UPDATE audit_entries SET seq = seq + 100",
        "DELETE FROM audit_entries WHERE seq = 1",
        "DELETE FROM audit_entries",
    ],
)
def test_audit_rows_cannot_be_changed_or_deleted(store: Store, statement: str) -> None:
    Records(store).create("state", {"name": "Norway", "ccode": 385}, actor="alice")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(statement))
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_entries")).scalars().all() == ["alice"]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgres_refuses_truncate(store: Store) -> None:
    Records(store).create("state", {"name": "Norway", "ccode": 385}, actor="alice")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_entries"))
