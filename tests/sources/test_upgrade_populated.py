"""A database that already holds real data survives the migrations: down to 0002 and up to the head again.

Users upgrade detente with their data in place (``detente init`` on an existing file or schema). This
test loads real sources (the crosswalk's three, then ATOP 5.1: agreements, parties, provisions, the
dyad-year table and their audit entries) into a store at the head, walks the migrations down to ``0002``
(the loader catalog, the oldest schema a released database can have) and back up, and checks that every
row of every table the old schema already had is still there, that the audit chain still verifies, and
that loading the same version again still finds nothing new.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, inspect, select, table

from detente.services import audit_trail
from detente.sources.load import LOAD_ORDER, load_source
from detente.store.database import Store
from detente.store.schema import current_revision, downgrade, head_revision, upgrade

OLDEST_SUPPORTED = "0002"


def _row_counts(store: Store) -> dict[str, int]:
    """Rows in every table of the database (Alembic's own bookkeeping table aside)."""
    with store.engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
        return {n: int(connection.scalar(select(func.count()).select_from(table(n))) or 0) for n in names}


def test_populated_database_upgrades_from_0002_without_losing_a_row(store: Store, mirror: Path) -> None:
    for name in (*LOAD_ORDER, "atop"):  # the crosswalk first: ATOP's parties map through it
        assert load_source(store, name, mirror=mirror, actor="upgrade-test").status == "loaded"
    at_head = _row_counts(store)
    assert at_head["agreements"] == 789  # ATOP 5.1's alliances, so the walk below carries real rows
    audit_before = audit_trail.verify(store)
    assert audit_before.ok and audit_before.head_seq > 0

    downgrade(store.engine, OLDEST_SUPPORTED)
    assert current_revision(store.engine) == OLDEST_SUPPORTED
    at_oldest = _row_counts(store)
    kept = {name: at_head[name] for name in at_oldest}
    assert at_oldest == kept, "a downgrade lost rows of a table the old schema already had"

    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision()
    assert {name: count for name, count in _row_counts(store).items() if name in at_oldest} == kept
    if store.engine.dialect.name == "sqlite":  # the migration switched enforcement off; it must be back on
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    audit_after = audit_trail.verify(store)
    assert audit_after.ok
    assert audit_after.head_seq == audit_before.head_seq

    again = load_source(store, "atop", mirror=mirror, actor="upgrade-test")
    assert again.status != "loaded", "the same version loaded twice after the upgrade"
    assert audit_trail.verify(store).head_seq == audit_before.head_seq
