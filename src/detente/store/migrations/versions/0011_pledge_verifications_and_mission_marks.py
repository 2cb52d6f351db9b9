"""pledge verification visits, and markings on the missions users record

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:30:00

A pledge kept only the date of its last verification. ``pledge_verifications`` holds every visit (assessment
and advisory visits, pre-deployment visits ...) with its outcome, the readiness level found and the findings;
a visit takes its pledge's marking, as the other child records do.

Missions users record get a marking (``missions.marking_id``) like every other user record. Missions loaded
from sources stay unmarked (public); so do missions users recorded before this revision, which were visible to
every reader already: mark them again by hand (an update with a marking) if they should not be.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pledge_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("readiness_level_found", sa.String(length=4), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["pledge_id"], ["pledges.id"], name=op.f("fk_pledge_verifications_pledge_id_pledges")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_verifications")),
    )
    with op.batch_alter_table("pledge_verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_verifications_pledge_id"), ["pledge_id"], unique=False)

    # batch mode: SQLite adds a foreign key only by copying the table
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marking_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_missions_marking_id"), ["marking_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_missions_marking_id_markings"), "markings", ["marking_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_missions_marking_id_markings"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_missions_marking_id"))
        batch_op.drop_column("marking_id")

    with op.batch_alter_table("pledge_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_verifications_pledge_id"))
    op.drop_table("pledge_verifications")
