"""the unit an engagement trains: engagement_participants.unit (the vetting gate of training engagements)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 09:45:00

A training engagement must not go ahead for a foreign unit whose vetting has not cleared (AECA-VETTING), as a
case's delivery to a unit must not. A case line names its unit (``recipient_unit``); an engagement had no
place to: its participants are states or organizations. A participant row may now name the unit of its state
that takes part -- the unit trained. Existing rows name none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagement_participants") as table:
        table.add_column(sa.Column("unit", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engagement_participants") as table:
        table.drop_column("unit")
