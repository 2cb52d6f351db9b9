"""a version on every record users change: child records (case lines, deliveries, objectives ...) and missions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 06:40:00

Migration 0005 gave a ``version`` to every marked record, so that an update naming an older version is refused
(409) instead of silently overwriting someone else's change. The records that take their parent's marking
(an agreement's parties, a case's lines, an engagement's objectives, a negotiation's rounds ...) and the
unmarked missions were left out: two editors of one case line still overwrote each other. They get the same
column here. Existing rows start at version 1, as a newly created record does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = (
    "agreement_parties",
    "assistance_deliveries",
    "assistance_lines",
    "end_use_checks",
    "engagement_objectives",
    "engagement_participants",
    "implementation_scores",
    "missions",
    "negotiation_issues",
    "negotiation_parties",
    "negotiation_rounds",
    "provisions",
    "report_links",
)


def upgrade() -> None:
    for table in VERSIONED:
        # batch mode: SQLite cannot add a NOT NULL column in place to a table with rows unless it has a default,
        # and batch mode keeps the one migration good for both backends
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
