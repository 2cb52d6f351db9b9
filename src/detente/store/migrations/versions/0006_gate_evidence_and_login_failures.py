"""gate evidence as the compliance engine reads it, and failed logins in the store

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 08:10:00

- ``login_failures``: failed logins per user name and client address, so that the login rate limit holds
  across processes and uvicorn workers (it was kept in each process's memory).
- Security-assistance gates are judged by the compliance engine's ``aeca-36b`` pack, which reads 36(b)
  notices as notifications of kind ``congressional_notification_36b`` whose ``reference`` is the case
  reference, vetting results as ``approvals`` of kind ``vetting`` (subject: the unit) and closures as
  ``approvals`` of kind ``case_closure``. Evidence the services recorded the earlier way is moved over:
  ``aeca_36b`` notices about a case get the new kind and the case reference; ``vetting_cleared`` and
  ``vetting_denied`` notices become vetting approvals (decided on their effective day, else the day sent)
  and are removed; every closed case gets its closure approval, dated the day of this migration because the
  day it closed was not recorded. The rows get no agreement here: the services link gate evidence without
  one to the pack's agreement (audited) the first time they check a gate.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_failed_at"), ["failed_at"], unique=False)
    _move_gate_evidence()


def _move_gate_evidence() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    notifications = sa.Table("notifications", meta, autoload_with=bind)
    approvals = sa.Table("approvals", meta, autoload_with=bind)
    cases = sa.Table("assistance_cases", meta, autoload_with=bind)
    reference = sa.select(cases.c.reference).where(cases.c.id == notifications.c.trigger_id).scalar_subquery()
    bind.execute(
        sa.update(notifications)
        .where(notifications.c.kind == "aeca_36b", notifications.c.trigger_type == "assistance_case")
        .values(kind="congressional_notification_36b", reference=sa.func.coalesce(reference, notifications.c.reference))
    )
    vetting = bind.execute(
        sa.select(notifications).where(
            notifications.c.kind.in_(("vetting_cleared", "vetting_denied")), notifications.c.reference.is_not(None)
        )
    ).all()
    for row in vetting:
        bind.execute(
            sa.insert(approvals).values(
                kind="vetting",
                party_state_id=row.sender_state_id,
                counterpart_state_id=row.receiver_state_id,
                subject=row.reference,
                decided_on=row.effective_on or row.sent_at.date(),
                result="cleared" if row.kind == "vetting_cleared" else "denied",
                reference=f"moved from notification {row.id}",
                marking_id=row.marking_id,
                version=1,
            )
        )
        bind.execute(sa.delete(notifications).where(notifications.c.id == row.id))
    today = datetime.now(UTC).date()
    for case in bind.execute(sa.select(cases).where(cases.c.status == "closed")).all():
        bind.execute(
            sa.insert(approvals).values(
                kind="case_closure",
                party_state_id=case.provider_state_id,
                counterpart_state_id=case.recipient_state_id,
                subject=case.reference,
                decided_on=today,
                result="closed",
                reference=f"case {case.reference} closed before migration 0006 (day of closure not recorded)",
                marking_id=case.marking_id,
                version=1,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_failed_at"))
        batch_op.drop_index(batch_op.f("ix_login_failures_key"))
    op.drop_table("login_failures")
