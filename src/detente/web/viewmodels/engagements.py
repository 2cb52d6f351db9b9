"""Engagements: a month calendar and a filtered list, one engagement with its participants and objectives,
and the forms that create, edit, move it through its lifecycle and assess it.

Every write goes through :class:`~detente.services.writing.Writer`, which applies the lifecycle
(proposed -> approved -> planned -> executed -> assessed), refuses approval by the proposer and checks the
version read (409 on a concurrent change). This module only turns form fields into the writer's values and
the reader's records into what the pages show.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from detente.domain.lifecycles import ENGAGEMENT
from detente.domain.markings import MarkingError, Role, normalise_tokens
from detente.services.entities import RecordError
from detente.services.writing import CHOICES, MarkingRequest, Writer
from detente.web.viewmodels.common import Choice, Context, classification_choices, parse_day, tokens
from detente.web.viewmodels.fields import may_write

__all__ = [
    "CalendarDay",
    "CalendarMonth",
    "EngagementDetail",
    "EngagementList",
    "EngagementRow",
    "Objective",
    "Participant",
    "assess",
    "create",
    "detail",
    "listing",
    "month",
    "transition",
    "update",
]

KINDS = tuple(str(k) for k in CHOICES[("engagements", "kind")])
PAGE = 50


@dataclass(frozen=True)
class EngagementRow:
    id: int
    title: str
    kind: str
    status: str
    host: str
    start: date | None
    end: date | None
    place: str | None
    marking: str | None


@dataclass(frozen=True)
class CalendarDay:
    day: date | None
    items: list[EngagementRow]


@dataclass(frozen=True)
class CalendarMonth:
    year: int
    month: int
    title: str
    weeks: list[list[CalendarDay]]
    previous: str
    following: str


@dataclass
class EngagementList:
    rows: list[EngagementRow]
    total: int
    offset: int
    limit: int
    status: str | None
    kind: str | None
    state_id: int | None
    statuses: list[Choice] = field(default_factory=list)
    kinds: list[Choice] = field(default_factory=list)
    states: list[Choice] = field(default_factory=list)
    can_create: bool = False
    classifications: list[Choice] = field(default_factory=list)


@dataclass(frozen=True)
class Participant:
    name: str
    role: str
    personnel: int | None
    unit: str | None
    """The unit trained or taking part, when the record names one (the vetting gate judges it)."""


@dataclass(frozen=True)
class Objective:
    id: int
    text: str
    indicator: str | None
    target: str | None
    score: int | None
    assessment: str | None


@dataclass
class EngagementDetail:
    row: EngagementRow
    version: int
    description: str | None
    proposed_by: str
    approved_by: str | None
    participants: list[Participant]
    objectives: list[Objective]
    next_status: str | None
    can_move: bool
    blocked: str | None
    can_assess: bool
    can_edit: bool
    steps: tuple[str, ...] = ENGAGEMENT.steps


def _marking_text(marking: Mapping[str, Any] | None) -> str | None:
    if not marking:
        return None
    partners = ", ".join(marking.get("releasable_to") or [])
    return f"{marking['classification']} // REL TO {partners}" if partners else str(marking["classification"])


def _row(ctx: Context, record: Mapping[str, Any]) -> EngagementRow:
    return EngagementRow(
        record["id"],
        record["title"],
        record["kind"],
        record["status"],
        ctx.state_name(record.get("host_state_id")),
        _date(record.get("valid_from")),
        _date(record.get("valid_to")),
        record.get("place"),
        _marking_text(record.get("marking")),
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def listing(
    ctx: Context,
    *,
    status: str | None = None,
    kind: str | None = None,
    state_id: int | None = None,
    offset: int = 0,
) -> EngagementList:
    """A page of the engagements the user may see, newest first, filtered by status, kind and state."""
    filters = {"status": status or None, "kind": kind or None, "state_id": state_id}
    page = ctx.reader.list(ctx.principal, "engagements", filters=filters, sort="-valid_from", limit=PAGE, offset=offset)
    return EngagementList(
        [_row(ctx, r) for r in page.items],
        page.total,
        offset,
        PAGE,
        status or None,
        kind or None,
        state_id,
        [Choice(s, s) for s in ENGAGEMENT.steps],
        [Choice(k, k.replace("_", " ")) for k in KINDS],
        ctx.state_choices(),
        ctx.principal.at_least(Role.EDITOR),
        classification_choices(ctx.principal),
    )


def month(ctx: Context, year: int, month_number: int, *, state_id: int | None = None) -> CalendarMonth:
    """The engagements starting in one month, laid out as weeks (Monday first)."""
    if not 1 <= month_number <= 12 or not 1 <= year <= 9999:
        raise RecordError("calendar", "month", "give a year and a month from 1 to 12")
    first = date(year, month_number, 1)
    last = date(year, month_number, calendar.monthrange(year, month_number)[1])
    filters = {"starts_after": first.isoformat(), "starts_before": last.isoformat(), "state_id": state_id}
    page = ctx.reader.list(ctx.principal, "engagements", filters=filters, sort="valid_from", limit=500)
    by_day: dict[date, list[EngagementRow]] = {}
    for record in page.items:
        row = _row(ctx, record)
        if row.start is not None:
            by_day.setdefault(row.start, []).append(row)
    weeks = [
        [
            CalendarDay(d if d.month == month_number else None, by_day.get(d, []) if d.month == month_number else [])
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month_number)
    ]
    before = first - timedelta(days=1)
    after = last + timedelta(days=1)
    return CalendarMonth(year, month_number, first.strftime("%B %Y"), weeks, f"{before:%Y-%m}", f"{after:%Y-%m}")


def _who(ctx: Context, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return "you" if user_id == ctx.principal.user_id else f"user {user_id}"


def detail(ctx: Context, engagement_id: int) -> EngagementDetail:
    """One engagement the user may see (:class:`NotFoundError` otherwise), with what they may do next."""
    record = ctx.reader.get(ctx.principal, "engagements", engagement_id)
    status = record["status"]
    following = ENGAGEMENT.next_of(status) if status in ENGAGEMENT.steps else None
    editor = ctx.principal.at_least(Role.EDITOR)
    sourced = record.get("source_version_id") is not None
    blocked = None
    if following == "approved" and record.get("proposed_by_id") == ctx.principal.user_id:
        blocked = "You proposed this engagement: another editor must approve it."
    elif sourced:
        blocked = "Loaded from a public source: read-only."
    participants = [
        Participant(
            ctx.state_name(p["state_id"]) if p.get("state_id") else (p.get("name_as_given") or "—"),
            p["role"],
            p.get("personnel"),
            p.get("unit"),
        )
        for p in record.get("engagement_participants", [])
    ]
    objectives = [
        Objective(o["id"], o["text"], o.get("indicator"), o.get("target"), o.get("score"), o.get("assessment"))
        for o in record.get("engagement_objectives", [])
    ]
    return EngagementDetail(
        _row(ctx, record),
        record["version"],
        record.get("description"),
        _who(ctx, record.get("proposed_by_id")) or "—",
        _who(ctx, record.get("approved_by_id")),
        participants,
        objectives,
        following if following != "assessed" else None,
        editor and blocked is None and following not in (None, "assessed"),
        blocked,
        editor and status == "executed" and bool(objectives),
        editor and not sourced,
    )


def _values(form: Mapping[str, str], *, creating: bool) -> dict[str, Any]:
    """The writer's values from a form: text trimmed, dates checked, the host as a state id."""
    values: dict[str, Any] = {}
    for key in ("title", "kind", "place", "description"):
        if key in form:
            values[key] = form[key].strip() or None
    if creating and not values.get("title"):
        raise RecordError("engagements", "title", "give the engagement a title")
    for key, name in (("valid_from", "start"), ("valid_to", "end")):
        if key in form:
            try:
                day = parse_day(form[key], name)
            except ValueError as error:
                raise RecordError("engagements", key, str(error).removeprefix(f"{name}: ")) from None
            values[key] = day.isoformat() if day else None
    if form.get("host_state_id", "").strip():
        try:
            values["host_state_id"] = int(form["host_state_id"])
        except ValueError:
            raise RecordError("engagements", "host_state_id", "choose a host state from the list") from None
    return values


def create(ctx: Context, form: Mapping[str, str], objectives: list[str]) -> dict[str, Any]:
    """Propose a new engagement from the form (marked as asked), with one objective per non-empty line.

    The engagement and its objectives are written in one transaction: an objective the writer refuses leaves
    no engagement behind.
    """
    may_write(ctx, "engagements")
    values = _values(form, creating=True)
    partners = tokens(form.get("releasable_to"))
    try:
        normalise_tokens(partners)  # checked here so that the message lands beside the field
    except MarkingError as error:
        raise RecordError("engagements", "releasable_to", str(error).removeprefix("releasable_to: ")) from None
    marking = MarkingRequest(form.get("classification") or "UNCLASSIFIED", partners)
    rows = [{"text": text} for text in (line.strip() for line in objectives) if text]
    return Writer(ctx.store).create(
        ctx.principal, "engagements", values, marking=marking, children={"engagement-objectives": rows}
    )


def update(ctx: Context, engagement_id: int, form: Mapping[str, str], version: int) -> dict[str, Any]:
    """Change the engagement's fields against the version the user read."""
    return Writer(ctx.store).update(
        ctx.principal, "engagements", engagement_id, _values(form, creating=False), version=version
    )


def transition(ctx: Context, engagement_id: int, to: str, version: int) -> dict[str, Any]:
    """Move the engagement to its next status (approval by someone other than the proposer)."""
    return Writer(ctx.store).transition(ctx.principal, "engagements", engagement_id, to, version=version)


def assess(ctx: Context, engagement_id: int, form: Mapping[str, str], version: int) -> dict[str, Any]:
    """Score every objective (``score-<id>`` 0-3, ``note-<id>``) and mark the engagement assessed.

    A score that is not 0-3 is refused naming its own field (``score-<id>``), so the page shows the message
    beside that objective's score."""
    scores: dict[int, tuple[int, str | None]] = {}
    for key, raw in form.items():
        if key.startswith("score-"):
            objective = int(key.removeprefix("score-"))
            try:
                score = int(raw)
            except ValueError:
                raise RecordError("assessment", key, "choose a score from 0 to 3") from None
            if score not in (0, 1, 2, 3):
                raise RecordError("assessment", key, f"{score} is not a score: choose one from 0 to 3")
            scores[objective] = (score, (form.get(f"note-{objective}") or "").strip() or None)
    return Writer(ctx.store).assess(ctx.principal, engagement_id, scores, version=version)
