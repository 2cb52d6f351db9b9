"""No secrets in logs: a database error that reaches the API's 500 is logged without the row's values.

PostgreSQL's error text carries ``DETAIL: Failing row contains (...)`` (a NOT NULL or CHECK violation) or
``Key (name)=(...) already exists`` (a unique one) -- even with the engine's ``hide_parameters`` -- so a
marked record's text would land in the server log. Each case below provokes a real violation on the real
database (SQLite and PostgreSQL), lets it reach the API's error handler through a route, and reads every log
record written: the secret value is in none, the constraint (or column) that failed still is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import Body, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from detente.api.errors import install_error_handlers
from detente.store.database import Store
from detente.store.error_text import describe
from tests.api.conftest import fresh_tag


@pytest.fixture
def failing(store: Store) -> Iterator[tuple[TestClient, list[DBAPIError]]]:
    """A client of an app with the API's error handlers and a route that runs the posted violation."""
    app = FastAPI()
    app.state.store = store
    install_error_handlers(app)
    raised: list[DBAPIError] = []

    @app.post("/violate/{kind}")
    def violate(kind: str, secret: str = Body(embed=True)) -> None:  # in the body: a URL is logged as sent
        statement = {
            "unique": "INSERT INTO roles (name, description) VALUES (:secret, 'twice')",
            "not-null": "INSERT INTO roles (name, description) VALUES (NULL, :secret)",
        }[kind]
        try:
            with store.engine.begin() as connection:
                connection.execute(text(statement), {"secret": secret})
        except DBAPIError as error:
            raised.append(error)
            raise

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, raised


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)


def test_a_unique_violation_logs_the_constraint_not_the_key(
    failing: tuple[TestClient, list[DBAPIError]], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    client, raised = failing
    secret = f"SECRET-{fresh_tag()}"
    with store.engine.begin() as connection:
        connection.execute(text("INSERT INTO roles (name, description) VALUES (:n, 'first')"), {"n": secret})
    with caplog.at_level(logging.DEBUG):
        answer = client.post("/violate/unique", json={"secret": secret})
    assert answer.status_code == 500 and secret not in answer.text
    assert answer.json()["error"] == "server_error"
    (error,) = raised
    if store.engine.dialect.name == "postgresql":
        assert secret in str(error), "the driver's own text carries the value: the test provokes the real leak"
    logged = _logged(caplog)
    assert "database error during POST /violate/unique" in logged
    assert secret not in logged
    assert "IntegrityError" in logged and "INSERT INTO roles" in logged
    if store.engine.dialect.name == "postgresql":
        assert "DETAIL" in str(error) and "DETAIL" not in logged
        constraint = error.orig.diag.constraint_name  # type: ignore[union-attr]
        assert constraint and f"constraint {constraint}" in logged and "SQLSTATE 23505" in logged
    else:
        assert "roles.name" in logged


def test_a_failing_row_is_not_logged(
    failing: tuple[TestClient, list[DBAPIError]], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    client, raised = failing
    secret = f"SECRET-{fresh_tag()}"
    with caplog.at_level(logging.DEBUG):
        answer = client.post("/violate/not-null", json={"secret": secret})
    assert answer.status_code == 500 and secret not in answer.text
    (error,) = raised
    logged = _logged(caplog)
    assert secret not in logged
    assert "Failing row" not in logged and "[parameters" not in logged
    if store.engine.dialect.name == "postgresql":
        assert "Failing row contains" in str(error) and secret in str(error)
        assert "column name" in logged and "table roles" in logged and "SQLSTATE 23502" in logged
    else:
        assert "roles.name" in logged


def test_describe_keeps_a_data_error_s_value_out(store: Store) -> None:
    """A data error (SQLSTATE class 22) quotes the bad input in its primary message: only the words before
    its colon are kept."""
    secret = f"SECRET-{fresh_tag()}"
    statement = (
        "SELECT CAST(:v AS integer)"
        if store.engine.dialect.name == "postgresql"
        else "INSERT INTO roles (name, description) VALUES (NULL, :v)"
    )
    with store.engine.begin() as connection, pytest.raises(DBAPIError) as caught:
        connection.execute(text(statement), {"v": secret})
    said = describe(caught.value)
    assert secret not in said
    if store.engine.dialect.name == "postgresql":
        assert secret in str(caught.value)
        assert "SQLSTATE 22P02" in said and "invalid input syntax for type integer" in said
