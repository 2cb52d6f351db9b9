"""Compliance gates on security-assistance cases, behind one small interface.

Two gates apply: an offer may not be made before the AECA section 36(b) congressional notification period has
run, and no training or equipment may go to a unit whose (Leahy) vetting has not cleared. The case services
ask a :class:`GateChecker`; the default, :class:`EvidenceGates`, reads the evidence tables directly:

* 36(b): a case whose provider is the United States (ISO3 ``USA``), of programme ``fms`` or ``dcs`` and with a
  value at or above the threshold ($50 million; $100 million for NATO members, Australia, Israel, Japan, New
  Zealand and South Korea) needs a ``notifications`` row of kind ``aeca_36b`` about it (``trigger_type`` =
  ``assistance_case``, ``trigger_id`` = the case) sent at least 30 days (15 for those partners) before the
  offer. A case of unknown value is treated as above the threshold: unknown is not zero.
* vetting: a line with a ``recipient_unit`` needs a ``notifications`` row of kind ``vetting_cleared`` whose
  ``reference`` names that unit (case-insensitive), effective on or before the day, and no later
  ``vetting_denied`` for it.

The compliance engine (:mod:`detente.compliance`) can take over by providing another :class:`GateChecker`
and passing it to :class:`~detente.services.writing.Writer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, func, select

from detente.store.models import Notification, State

__all__ = ["EvidenceGates", "GateChecker", "GateDecision"]


@dataclass(frozen=True)
class GateDecision:
    """Whether a gate lets a step through, why, and the evidence it looked at."""

    gate: str
    allowed: bool
    reason: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


class GateChecker(Protocol):
    """What the case services ask before an offer and before a unit gets training or equipment."""

    def before_offer(self, connection: Connection, case: Mapping[str, Any], on: date) -> GateDecision:
        """May ``case`` be offered on day ``on``?"""
        ...

    def unit_cleared(self, connection: Connection, case: Mapping[str, Any], unit: str, on: date) -> GateDecision:
        """Has ``unit`` (of the case's recipient) cleared vetting by day ``on``?"""
        ...


NATO_PLUS = frozenset(
    [
        "ALB",
        "BEL",
        "BGR",
        "CAN",
        "HRV",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "ISL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MNE",
        "NLD",
        "MKD",
        "NOR",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
        "TUR",
        "GBR",
        "USA",
        "AUS",
        "ISR",
        "JPN",
        "NZL",
        "KOR",
    ]
)
"""NATO members and the five partners AECA 36(b) treats like them (shorter period, higher thresholds)."""


def _iso3(connection: Connection, state_id: int) -> str | None:
    return connection.execute(select(State.iso3).where(State.id == state_id)).scalar()


class EvidenceGates:
    """The default gates: read ``notifications`` for 36(b) notices and vetting results."""

    def before_offer(self, connection: Connection, case: Mapping[str, Any], on: date) -> GateDecision:
        gate = "aeca_36b"
        if _iso3(connection, case["provider_state_id"]) != "USA" or case["programme"] not in ("fms", "dcs"):
            return GateDecision(gate, True, "36(b) applies only to US foreign military and direct commercial sales")
        partner = _iso3(connection, case["recipient_state_id"]) in NATO_PLUS
        threshold = Decimal(100_000_000 if partner else 50_000_000)
        days = 15 if partner else 30
        value = case.get("value")
        if value is not None and Decimal(str(value)) < threshold:
            return GateDecision(gate, True, f"the case value {value} is below the 36(b) threshold {threshold}")
        notices = connection.execute(
            select(Notification.id, Notification.sent_at, Notification.reference)
            .where(
                Notification.kind == "aeca_36b",
                Notification.trigger_type == "assistance_case",
                Notification.trigger_id == case["id"],
            )
            .order_by(Notification.sent_at)
        ).all()
        evidence = [
            {"notification_id": n.id, "sent_at": n.sent_at.isoformat(), "reference": n.reference} for n in notices
        ]
        if not notices:
            worth = "of unknown value" if value is None else f"worth {value}"
            return GateDecision(
                gate,
                False,
                f"a case {worth} needs a 36(b) notification (kind aeca_36b, trigger assistance_case:{case['id']}) "
                f"sent at least {days} days before the offer; none is recorded",
            )
        earliest = notices[0].sent_at.date() + timedelta(days=days)
        if on < earliest:
            return GateDecision(
                gate,
                False,
                f"the 36(b) notification period of {days} days runs until {earliest.isoformat()}; no offer before then",
                evidence,
            )
        return GateDecision(gate, True, f"the {days}-day 36(b) period ended on {earliest.isoformat()}", evidence)

    def unit_cleared(self, connection: Connection, case: Mapping[str, Any], unit: str, on: date) -> GateDecision:
        gate = "vetting"
        notices = connection.execute(
            select(Notification.id, Notification.kind, Notification.effective_on, Notification.sent_at)
            .where(
                Notification.kind.in_(("vetting_cleared", "vetting_denied")),
                func.lower(Notification.reference) == unit.strip().lower(),
            )
            .order_by(func.coalesce(Notification.effective_on, func.date(Notification.sent_at)), Notification.id)
        ).all()
        evidence = [{"notification_id": n.id, "kind": n.kind} for n in notices]
        latest = None
        for notice in notices:
            effective = notice.effective_on or notice.sent_at.date()
            if effective <= on:
                latest = notice
        if latest is None:
            return GateDecision(
                gate,
                False,
                f"unit {unit!r} has no vetting cleared by {on.isoformat()} "
                "(record a notification of kind vetting_cleared with the unit as reference)",
                evidence,
            )
        if latest.kind != "vetting_cleared":
            return GateDecision(gate, False, f"unit {unit!r} failed vetting (notification {latest.id})", evidence)
        return GateDecision(gate, True, f"unit {unit!r} cleared vetting (notification {latest.id})", evidence)
