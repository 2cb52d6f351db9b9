"""No secrets in logs: the values bound to a statement never appear in a database error or in the SQL log.

The values detente binds are password hashes, token hashes and report bodies. SQLAlchemy prints them in the
text of every database error (``[parameters: ...]``) and in its SQL log unless the engine hides them, so each
test here binds a secret-looking value to a real statement on a real database and looks for it.
"""

from __future__ import annotations

import logging
import traceback

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from detente.domain.markings import Role
from detente.services import accounts
from detente.store.database import Store
from detente.store.driver_statements import insert_row
from detente.store.engine import make_engine
from detente.store.models import User

SECRET = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$not-for-any-log"


def test_a_database_error_does_not_print_the_values(store: Store) -> None:
    with pytest.raises(DBAPIError) as caught, store.engine.connect() as connection:
        connection.execute(text("SELECT password_hash FROM no_such_table WHERE password_hash = :h"), {"h": SECRET})
    shown = "".join(traceback.format_exception(caught.value))
    assert "no_such_table" in shown, "the error still names the statement that failed"
    assert SECRET not in shown
    assert SECRET not in str(caught.value)


def test_the_sql_log_does_not_print_the_values(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statements and their values (as echo=True)
    engine = make_engine(store.engine.url)  # the SQL log is read when the engine is made
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1 WHERE :h <> ''"), {"h": SECRET}).scalar() == 1
    finally:
        engine.dispose()
    assert "SELECT 1" in caplog.text, "the SQL log was on"
    assert SECRET not in caplog.text


def test_a_refused_driver_write_keeps_its_kind_and_hides_the_values(store: Store) -> None:
    """The audited write path runs its statements straight on the driver (:mod:`detente.store.driver_statements`)
    and wraps the driver's errors itself: a duplicate user name is still an ``IntegrityError`` (the services turn
    it into a 422), and the password hash bound with it is not in its text."""
    accounts.create_user(store, actor="test", username="twice", password="a long enough password", role=Role.VIEWER)
    with store.engine.connect() as connection:
        role_id = connection.scalar(select(User.role_id).where(User.username == "twice"))
    row = {"username": "twice", "display_name": "Twice", "password_hash": SECRET, "role_id": role_id}
    with pytest.raises(IntegrityError) as caught, store.engine.begin() as connection:
        insert_row(connection, User.__table__, row)
    shown = "".join(traceback.format_exception(caught.value))
    assert "INSERT INTO users" in shown
    assert SECRET not in shown
