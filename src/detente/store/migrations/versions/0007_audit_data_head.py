"""the audit log's data head: the newest entry that changed data

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:30:00

``audit_head`` gains ``data_seq`` and ``data_hash``: the sequence number and hash of the newest entry whose
action changed data (every action but ``read`` and ``export``). Caches of the domain tables key on them, so
that a reader's audited look at a marked record no longer throws those caches away. Existing stores start
with the data head at the head (the safe side: at worst one rebuild).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_seq", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("data_hash", sa.String(length=64), server_default="", nullable=False))
    op.execute("UPDATE audit_head SET data_seq = seq, data_hash = hash")


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("data_hash")
        batch_op.drop_column("data_seq")
