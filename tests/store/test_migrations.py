"""The Alembic migrations and the SQLAlchemy models describe the same schema, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from detente.store.base import Base
from detente.store.database import Store
from detente.store.engine import make_engine
from detente.store.schema import current_revision, head_revision, managed_name, upgrade


def test_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": managed_name})
        differences: list[Any] = compare_metadata(context, Base.metadata)
    assert differences == [], f"write a migration for: {differences}"


def test_upgrade_is_idempotent_and_reports_head(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_schema_head_constant_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from detente.store.schema import SCHEMA_HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


def test_0006_moves_gate_evidence_to_what_the_engine_reads(database_url: str) -> None:
    """Evidence recorded the 0005 way (vetting notices, 36(b) notices by trigger, closed cases) is moved over."""
    from datetime import UTC, date, datetime

    from sqlalchemy import text

    engine = make_engine(database_url)
    upgrade(engine, "0005")
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO states (id, name) VALUES (1, 'United States'), (2, 'Egypt')"))
        connection.execute(
            text(
                "INSERT INTO assistance_cases (id, reference, title, programme, provider_state_id, "
                "recipient_state_id, status, requested_on, version) VALUES "
                "(7, 'EG-D-ABC', 'boats', 'fms', 1, 2, 'offer', '2025-01-01', 1), "
                "(8, 'EG-D-XYZ', 'radios', 'fms', 1, 2, 'closed', '2024-01-01', 3)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO notifications (id, kind, sender_state_id, sent_at, effective_on, trigger_type, "
                "trigger_id, reference, version) VALUES "
                "(1, 'aeca_36b', 1, :now, NULL, 'assistance_case', 7, NULL, 1), "
                "(2, 'vetting_cleared', 1, :now, '2025-12-30', NULL, NULL, '5th battalion', 1), "
                "(3, 'vetting_denied', 1, :now, NULL, NULL, NULL, '6th battalion', 1)"
            ),
            {"now": now},
        )
    upgrade(engine)
    with engine.connect() as connection:
        notices = connection.execute(text("SELECT id, kind, reference FROM notifications ORDER BY id")).all()
        approvals = connection.execute(
            text("SELECT kind, subject, result, decided_on, party_state_id FROM approvals ORDER BY subject")
        ).all()
    engine.dispose()
    assert [tuple(n) for n in notices] == [(1, "congressional_notification_36b", "EG-D-ABC")]
    by_subject = {a.subject: a for a in approvals}
    assert (by_subject["5th battalion"].kind, by_subject["5th battalion"].result) == ("vetting", "cleared")
    assert str(by_subject["5th battalion"].decided_on) == str(date(2025, 12, 30))
    assert (by_subject["6th battalion"].result, str(by_subject["6th battalion"].decided_on)) == ("denied", "2026-01-02")
    assert (by_subject["EG-D-XYZ"].kind, by_subject["EG-D-XYZ"].result) == ("case_closure", "closed")
    assert "EG-D-ABC" not in by_subject, "only closed cases get a closure"
