"""an index on agreements.source_key

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 13:30:00

Every write that a compliance gate may judge (a case, its lines and deliveries, a training engagement and its
participants, gate evidence) looks up its treaty pack's agreement by ``source_key``, and loaders find their
agreements again by it. Without an index each lookup read the whole table: about 3,000 agreements once every
source is loaded, 1 ms of CPU per write on a slow machine.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_agreements_source_key", "agreements", ["source_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agreements_source_key", table_name="agreements")
