"""Verification visits to pledges, and the pledge's ``last_verified_on`` they keep in step.

The rule: a pledge's ``last_verified_on`` is the day of its latest visit whose outcome was ``verified`` or
``partly_verified`` (a visit that found the capability ``not_verified`` does not verify it), and ``NULL`` when
no visit verified it. It is worked out again, in the same transaction, whenever one of the pledge's visits is
created, changed or deleted. A pledge recorded without visits keeps the date its writer gave; once it has
visits, the date is theirs alone and a direct change of it is refused (record the visit instead).

A visit falls on or after the day of the pledge and not after today: a visit is recorded once it took place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from detente.services.entities import RecordError
from detente.services.records import Batch, table_of
from detente.store.models import Pledge, PledgeVerification

__all__ = ["KINDS", "OUTCOMES", "VERIFYING", "check_direct_change", "check_visit", "sync_last_verified"]

KINDS = ("assessment_advisory_visit", "pre_deployment_visit", "operational_readiness_inspection", "other")
"""Kinds of visit: the UN capability readiness system's assessment and advisory visit (AAV) and pre-deployment
visit (PDV), an operational readiness inspection in the mission area, or another visit."""

OUTCOMES = ("verified", "partly_verified", "not_verified")
"""What a visit found of the pledged capability."""

VERIFYING = ("verified", "partly_verified")
"""Outcomes that count as a verification of the pledge (``last_verified_on``)."""

NAME = "pledge-verifications"


def check_visit(work: Batch, visit: Mapping[str, Any]) -> None:
    """Refuse (naming ``visited_on``) a visit before its pledge was made or after today."""
    pledged_on = work.connection.scalar(select(Pledge.pledged_on).where(Pledge.id == visit["pledge_id"]))
    visited_on = _day(visit["visited_on"])
    if pledged_on is not None and visited_on < pledged_on:
        raise RecordError(
            NAME, "visited_on", f"{visited_on.isoformat()} is before the pledge was made ({pledged_on.isoformat()})"
        )
    today = datetime.now(UTC).date()
    if visited_on > today:
        raise RecordError(
            NAME, "visited_on", f"{visited_on.isoformat()} is in the future: record a visit once it has taken place"
        )


def _day(value: date | str) -> date:
    """A date as a record snapshot holds it (a ``date``, or its ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def sync_last_verified(work: Batch, pledge_id: int) -> None:
    """Set the pledge's ``last_verified_on`` from its visits (see the module's rule), if it differs.

    The pledge row is locked first, so that two writers of visits of one pledge work it out one after the
    other, each from the visits as they are once the other has committed.
    """
    pledges = table_of(Pledge)
    current = work.connection.execute(
        select(pledges.c.last_verified_on).where(pledges.c.id == pledge_id).with_for_update()
    ).scalar_one()
    visits = table_of(PledgeVerification)
    latest = work.connection.scalar(
        select(func.max(visits.c.visited_on)).where(visits.c.pledge_id == pledge_id, visits.c.outcome.in_(VERIFYING))
    )
    if latest != current:
        work.update(Pledge, pledge_id, {"last_verified_on": latest})


def check_direct_change(work: Batch, pledge_id: int, changes: Mapping[str, Any]) -> None:
    """Refuse a direct change of ``last_verified_on`` on a pledge that has verification visits."""
    if "last_verified_on" not in changes:
        return
    visits = table_of(PledgeVerification)
    count = work.connection.scalar(select(func.count()).where(visits.c.pledge_id == pledge_id)) or 0
    if count:
        raise RecordError(
            "pledges",
            "last_verified_on",
            f"is kept from the pledge's {count} verification visits: record the visit (POST /{NAME}) instead",
        )
