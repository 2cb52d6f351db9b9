"""What is due next: upcoming deadlines and the quotas left, as a list and as an iCalendar file.

:func:`due_items` evaluates every pack at the as-of date with a horizon of ``within_days`` and keeps the
duties not yet discharged whose due date falls within it (notifications owed before an exercise, a data
update owed after a period, a minimum of inspections still needed), plus the quotas left in the current
period. :func:`to_ical` writes them as all-day events (RFC 5545) for any calendar program.

What is due is computed for a reader: on the evidence their :class:`~detente.services.access.Scope` lets them
see (without one, public evidence only; see :mod:`detente.compliance.visibility`). A quota left is counted
from the inspections the reader may see, and no item names a record hidden from them. A signed-in reader's
list resting on marked evidence is audited as a read of those records.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict, Unpack

import polars as pl
from icalendar import Calendar, Event

from detente.compliance.packs import find_obligation
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate_frames, today, treaty_packs
from detente.compliance.visibility import Viewer, audit_evidence_read, marked_evidence
from detente.services.access import Scope
from detente.store.database import Store

__all__ = ["DueItem", "DueList", "DueQuery", "due_items", "due_list", "to_ical"]


@dataclass(frozen=True)
class DueItem:
    """One thing due: a duty by a date, or a quota with what is left of it until the period ends."""

    due: date
    treaty: str
    code: str
    title: str
    party: str | None
    kind: str
    what: str
    left: float | None
    subject: str | None
    verified: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "due": self.due.isoformat(),
            "treaty": self.treaty,
            "code": self.code,
            "title": self.title,
            "party": self.party,
            "kind": self.kind,
            "what": self.what,
            "left": self.left,
            "subject": self.subject,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class DueList:
    """What is due for one reader, and the *marked* evidence records it rests on (whose read is audited)."""

    items: list[DueItem]
    marked: list[str]

    def audit(self, store: Store, scope: Viewer) -> None:
        """Record the read of the marked evidence behind these items (nothing if there is none)."""
        audit_evidence_read(store, scope, self.marked, dict.fromkeys(self.marked, 0), "compliance due list")


class DueQuery(TypedDict, total=False):
    """The keywords of :func:`due_list`, as a type, so that :func:`due_items` can pass them on unchanged.

    ``due_items(store, **query)`` forwards ``query`` to :func:`due_list`, whose signature alone holds the
    defaults (and rejects an unknown keyword at run time); this type lets mypy check the keywords given to
    :func:`due_items` without writing that signature a second time.
    """

    within_days: int
    party: str | None
    treaty: str | None
    as_of: date | None
    scope: Viewer


def due_items(store: Store, **query: Unpack[DueQuery]) -> list[DueItem]:
    """Upcoming deadlines (due within ``within_days`` of ``as_of``) and quotas left, soonest first, as the
    reader with ``scope`` sees them (``None``: public evidence only); a signed-in reader's read of marked
    evidence behind them is audited."""
    found = due_list(store, **query)
    found.audit(store, query.get("scope"))
    return found.items


def due_list(
    store: Store,
    *,
    within_days: int = 30,
    party: str | None = None,
    treaty: str | None = None,
    as_of: date | None = None,
    scope: Viewer = None,
) -> DueList:
    """:func:`due_items` without the audit entry, and the marked evidence the items rest on: for callers that
    keep the list and audit each time they show it (the web pages)."""
    day = as_of or today()
    found = evaluate_frames(
        store, treaty=treaty, party=party, dates=[day], horizon_days=within_days, include_upcoming=True, viewer=scope
    )
    if found.is_empty():
        return DueList([], [])
    end = datetime.combine(day + timedelta(days=within_days + 1), datetime.min.time(), tzinfo=UTC)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    pending = found.filter(
        pl.col("kind").is_in(["DEADLINE", "THRESHOLD"])
        & pl.col("status").is_in(["at_risk"])
        & pl.col("due").is_not_null()
        & (pl.col("due") >= start)
        & (pl.col("due") < end)
    )
    quotas = found.filter(
        (pl.col("kind") == "QUOTA") & (pl.col("status") != "not_in_force") & pl.col("due").is_not_null()
    )
    quotas = quotas.filter(pl.col("due") > start)
    marked: list[str] = []
    if isinstance(scope, Scope):
        used = {ref for frame in (pending, quotas) for refs in frame["evidence"].to_list() for ref in refs or []}
        if used:
            agreements = [a for pack in treaty_packs(treaty) for a in agreement_ids(store, pack)]
            marked = sorted(used & set(marked_evidence(store, agreements)))
    items = []
    for row in pending.iter_rows(named=True):
        items.append(_item(row, row["due"].date(), row["explanation"], None))
    for row in quotas.iter_rows(named=True):
        if row["limit_name"] == "maximum":
            what = f"{row['measure_name']}: {int(row['margin'])} of {int(row['limit'])} left until {row['period_to']}"
            items.append(_item(row, row["period_to"], what, row["margin"]))
        elif row["status"] == "at_risk":
            items.append(_item(row, row["period_to"], row["explanation"], row["margin"]))
    items.sort(key=lambda i: (i.due, i.treaty, i.code, i.party or "", i.subject or ""))
    return DueList(items, marked)


def _item(row: dict[str, object], due: date, what: object, left: object) -> DueItem:
    code = str(row["code"])
    return DueItem(
        due=due,
        treaty=str(row["treaty"]),
        code=code,
        title=find_obligation(code)[1].title if _shipped(code) else code,
        party=row["party_code"] if isinstance(row["party_code"], str) else None,
        kind=str(row["kind"]),
        what=str(what),
        left=float(left) if isinstance(left, int | float) else None,
        subject=row["subject"] if isinstance(row["subject"], str) else None,
        verified=bool(row["verified"]),
    )


def _shipped(code: str) -> bool:
    try:
        find_obligation(code)
    except ValueError:
        return False
    return True


def to_ical(items: list[DueItem]) -> bytes:
    """The items as an iCalendar file: one all-day event each, with a stable UID."""
    calendar = Calendar()
    calendar.add("prodid", "-//detente//compliance calendar//EN")
    calendar.add("version", "2.0")
    stamp = datetime(2000, 1, 1, tzinfo=UTC)
    for item in items:
        event = Event()
        key = "|".join([item.code, item.party or "", item.subject or "", item.due.isoformat()])
        event.add("uid", hashlib.sha256(key.encode()).hexdigest()[:32] + "@detente")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
        who = f"{item.party}: " if item.party else ""
        event.add("summary", f"{who}{item.title} [{item.code}]")
        note = "" if item.verified else " (values not verified against the authentic text)"
        event.add("description", f"{item.what}{note}")
        event.add("categories", [item.treaty, item.kind])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
