"""accounts and releases: user clearance and affiliations, sessions and API tokens, four-eyes release
requests, a version on every marked record, pledge verification dates, and full-text search of reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:44:21.032707

Report search is SQLite FTS5 (an external-content table kept in step by triggers) or, on PostgreSQL, a GIN
index over the reports' ``tsvector``; :mod:`detente.services.search` queries whichever the database has.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = (
    "activities",
    "agreements",
    "approvals",
    "assistance_cases",
    "declarations",
    "engagements",
    "findings",
    "inspections",
    "journal_notes",
    "negotiations",
    "notifications",
    "pledges",
    "postings",
    "reports",
    "requirements",
)

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE reports_fts USING fts5(title, body, region, content='reports', content_rowid='id')",
    "INSERT INTO reports_fts(rowid, title, body, region) SELECT id, title, body, region FROM reports",
    "CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN "
    "INSERT INTO reports_fts(rowid, title, body, region) VALUES (new.id, new.title, new.body, new.region); END",
    "CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN "
    "INSERT INTO reports_fts(reports_fts, rowid, title, body, region) "
    "VALUES ('delete', old.id, old.title, old.body, old.region); END",
    "CREATE TRIGGER reports_fts_update AFTER UPDATE ON reports BEGIN "
    "INSERT INTO reports_fts(reports_fts, rowid, title, body, region) "
    "VALUES ('delete', old.id, old.title, old.body, old.region); "
    "INSERT INTO reports_fts(rowid, title, body, region) VALUES (new.id, new.title, new.body, new.region); END",
)
POSTGRES_SEARCH = (
    "CREATE INDEX ix_reports_search ON reports USING gin "
    "(to_tsvector('english', title || ' ' || body || ' ' || coalesce(region, '')))",
)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "release_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("marking_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_release_requests_decided_by_id_users")),
        sa.ForeignKeyConstraint(["marking_id"], ["markings.id"], name=op.f("fk_release_requests_marking_id_markings")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_release_requests_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_requests")),
    )
    with op.batch_alter_table("release_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_requests_object_id"), ["object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_release_requests_object_type"), ["object_type"], unique=False)

    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_verified_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("renewal_due_on", sa.Date(), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clearance", sa.String(length=30), server_default="UNCLASSIFIED", nullable=False))
        batch_op.add_column(sa.Column("affiliations", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_SEARCH, "postgresql": POSTGRES_SEARCH}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS reports_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS reports_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_reports_search")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("affiliations")
        batch_op.drop_column("clearance")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_column("renewal_due_on")
        batch_op.drop_column("last_verified_on")
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
    op.drop_table("release_requests")
    op.drop_table("api_tokens")
