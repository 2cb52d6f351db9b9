"""a version on citations, now that users write them

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 09:30:00

Citations were read-only (nothing wrote them); they are now created, changed and deleted by analysts through
the audited services. Like every record users change (migrations 0005 and 0010), a citation gets a ``version``
so that an update naming an older one is refused (409) instead of silently overwriting another analyst's
correction of a locator or note. Existing rows start at version 1, as a newly created citation does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a NOT NULL column in place to a table with rows unless it has a default,
    # and batch mode keeps the one migration good for both backends
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_column("version")
