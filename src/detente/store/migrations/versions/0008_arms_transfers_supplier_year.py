"""an index on arms transfers by supplier and delivery year

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 19:00:00

A country dossier sums the weapon systems a state delivered or received over the last ten years
(:func:`detente.analysis.ties.arms_systems`). For a great supplier the index on the supplier alone finds
thousands of register rows, most of them outside those years; ``ix_arms_transfers_supplier_delivery_year``
finds only the years asked for (about 8 ms less per USA dossier on SQLite).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arms_transfers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_arms_transfers_supplier_delivery_year", ["supplier_state_id", "delivery_year"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("arms_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_arms_transfers_supplier_delivery_year")
