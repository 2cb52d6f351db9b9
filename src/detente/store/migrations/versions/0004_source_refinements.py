"""source refinements: SIPRI flags, police split, unique mission keys, fatality level, actor parties, phases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:00:00

- ``arms_transfers.order_year_estimated`` becomes nullable (SIPRI leaves the flag blank for some rows:
  unknown, not false), and the register's other flags get columns: ``number_delivered_estimated``,
  ``delivery_year_estimated``, ``local_production``;
- ``contributions.police_individual`` / ``police_formed_units``: IPI's split of police into individual
  police officers (IPO) and formed police units (FPU);
- ``missions.source_key`` is unique (reloads find a mission by it);
- ``disputes.fatality_level``: the COW MID fatality level (a level, not a count);
- ``agreement_parties.actor_name``: non-state parties of peace agreements;
- ``provisions.phase``: the agreement phase a provision belongs to (ATOP).

Mission kinds need no schema change (``missions.kind`` is free text): ``un_support`` is a new value.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arms_transfers", schema=None) as batch_op:
        batch_op.alter_column("order_year_estimated", existing_type=sa.Boolean(), nullable=True)
        batch_op.add_column(sa.Column("number_delivered_estimated", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("delivery_year_estimated", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("local_production", sa.Boolean(), nullable=True))
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("police_individual", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("police_formed_units", sa.Integer(), nullable=True))
    # a unique index, not a constraint: SQLite would have to rebuild the table, which other tables refer to
    op.create_index("uq_missions_source_key", "missions", ["source_key"], unique=True)
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fatality_level", sa.Integer(), nullable=True))
    with op.batch_alter_table("agreement_parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_name", sa.String(length=300), nullable=True))
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.drop_column("phase")
    with op.batch_alter_table("agreement_parties", schema=None) as batch_op:
        batch_op.drop_column("actor_name")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_column("fatality_level")
    op.drop_index("uq_missions_source_key", table_name="missions")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_column("police_formed_units")
        batch_op.drop_column("police_individual")
    op.execute("UPDATE arms_transfers SET order_year_estimated = false WHERE order_year_estimated IS NULL")
    with op.batch_alter_table("arms_transfers", schema=None) as batch_op:
        batch_op.drop_column("local_production")
        batch_op.drop_column("delivery_year_estimated")
        batch_op.drop_column("number_delivered_estimated")
        batch_op.alter_column("order_year_estimated", existing_type=sa.Boolean(), nullable=False)
