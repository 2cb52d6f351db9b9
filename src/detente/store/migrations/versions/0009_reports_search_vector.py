"""reports keep their search vector (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:00:00

Migration 0005 indexed the reports' text on PostgreSQL with a GIN index over the expression
``to_tsvector('english', title || ' ' || body || ' ' || coalesce(region, ''))``. The index finds the matching
reports, but whenever the planner prefers another path (for a page of a search sorted by date it walks the
date index and tests each report in turn) every report it passes is parsed and stemmed again: about 1 ms for a
page of 20 from 300 reports, most of a search's database time. The usual PostgreSQL answer is to keep the
vector itself: ``reports.search_vector``, a column PostgreSQL computes on every insert and update
(``GENERATED ALWAYS ... STORED``), indexed by ``ix_reports_search``; a test of one report is then a lookup in
a stored value. The words found are the same as before (same configuration, same text).

SQLite is untouched: its FTS5 table ``reports_fts`` (migration 0005) already keeps its own index. The column is
not in the models (SQLAlchemy never writes it); :data:`detente.store.schema.SEARCH_OBJECTS` keeps it out of the
schema comparison.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = "title || ' ' || body || ' ' || coalesce(region, '')"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_reports_search")
    op.execute(
        f"ALTER TABLE reports ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', {TEXT})) "
        "STORED"
    )
    op.execute("CREATE INDEX ix_reports_search ON reports USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_reports_search")
    op.execute("ALTER TABLE reports DROP COLUMN IF EXISTS search_vector")
    op.execute(f"CREATE INDEX ix_reports_search ON reports USING gin (to_tsvector('english', {TEXT}))")
