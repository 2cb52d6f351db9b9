"""Attaché reports: write, search (full text), filter by region, dates and reliability; journal notes.

Search and filters are the reader's (``reports`` resource: FTS5 on SQLite, ``tsvector`` on PostgreSQL), so a
report the user may not see is absent from the results and from the count alike. Journal notes on a report are
the ``journal`` resource, kept apart from the change log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from detente.domain.markings import Role
from detente.services.entities import RecordError
from detente.services.writing import CHOICES, MarkingRequest, Writer
from detente.web.viewmodels.common import Choice, Context, classification_choices, parse_day, tokens
from detente.web.viewmodels.fields import may_write
from detente.web.viewmodels.report_links import Link, LinkChoices, link_choices, links_from, report_links

__all__ = ["Note", "ReportDetail", "ReportList", "ReportRow", "add_note", "report_detail", "search", "write"]

PAGE = 50
RELIABILITY = tuple(str(r) for r in CHOICES[("reports", "reliability")])
CREDIBILITY = tuple(int(c) for c in CHOICES[("reports", "credibility")])
NOTE_KINDS = tuple(str(k) for k in CHOICES[("journal", "kind")])


@dataclass(frozen=True)
class ReportRow:
    id: int
    title: str
    reported_on: date
    region: str | None
    grade: str
    marking: str | None


@dataclass
class ReportList:
    rows: list[ReportRow]
    total: int
    offset: int
    limit: int
    query: str | None
    region: str | None
    reliability: str | None
    since: date | None
    until: date | None
    reliabilities: list[Choice] = field(default_factory=list)
    credibilities: list[Choice] = field(default_factory=list)
    classifications: list[Choice] = field(default_factory=list)
    can_write: bool = False
    error: str | None = None
    links: LinkChoices | None = None
    """What a new report can be linked to (for those who may write)."""


@dataclass(frozen=True)
class Note:
    written_at: datetime
    kind: str
    body: str
    author: str


@dataclass
class ReportDetail:
    row: ReportRow
    paragraphs: list[str]
    author: str
    notes: list[Note]
    can_note: bool
    note_kinds: tuple[str, ...] = NOTE_KINDS
    links: list[Link] = field(default_factory=list)
    """What the report is about (those records the reader may see)."""
    link_choices: LinkChoices | None = None
    """What the report can still be linked to (for those who may write)."""


def _marking(marking: Mapping[str, Any] | None) -> str | None:
    if not marking:
        return None
    return f"{marking['classification']} // REL TO {', '.join(marking.get('releasable_to') or [])}"


def _row(record: Mapping[str, Any]) -> ReportRow:
    return ReportRow(
        record["id"],
        record["title"],
        date.fromisoformat(str(record["reported_on"])[:10]),
        record.get("region"),
        f"{record['reliability']}{record['credibility']}",
        _marking(record.get("marking")),
    )


def search(
    ctx: Context,
    *,
    query: str | None = None,
    region: str | None = None,
    reliability: str | None = None,
    since: str | None = None,
    until: str | None = None,
    offset: int = 0,
) -> ReportList:
    """The reports the user may see that match every word of ``query`` and the filters, newest first."""
    error = None
    try:
        start = parse_day(since, "since")
        end = parse_day(until, "until")
    except ValueError as problem:
        start = end = None
        error = str(problem)
    filters = {
        "region": (region or "").strip() or None,
        "reliability": reliability or None,
        "since": start.isoformat() if start else None,
        "until": end.isoformat() if end else None,
    }
    words = (query or "").strip() or None
    rows: list[ReportRow] = []
    total = 0
    if error is None:
        try:
            page = ctx.reader.list(ctx.principal, "reports", filters=filters, search=words, limit=PAGE, offset=offset)
            rows, total = [_row(r) for r in page.items], page.total
        except RecordError as problem:
            error = str(problem)
    return ReportList(
        rows,
        total,
        offset,
        PAGE,
        words,
        filters["region"],
        filters["reliability"],
        start,
        end,
        [Choice(r, r) for r in RELIABILITY],
        [Choice(str(c), str(c)) for c in CREDIBILITY],
        classification_choices(ctx.principal),
        ctx.principal.at_least(Role.ANALYST),
        error,
        link_choices(ctx) if ctx.principal.at_least(Role.ANALYST) else None,
    )


def write(ctx: Context, form: Mapping[str, str], lists: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """Write a report from the form (graded, marked as asked; a wider release waits for a second editor).

    The states, organizations and engagements it is about (``link_state_id``, ``link_organization_id``,
    ``link_engagement_id``: see :func:`~detente.web.viewmodels.report_links.links_from`) are linked in the
    same transaction.
    """
    may_write(ctx, "reports")
    try:
        day = parse_day(form.get("reported_on"), "reported_on")
    except ValueError as error:
        raise RecordError("reports", "reported_on", str(error)) from None
    credibility = (form.get("credibility") or "").strip()
    if not credibility.isdigit():
        raise RecordError("reports", "credibility", "choose an information credibility from 1 to 6")
    values = {
        "title": (form.get("title") or "").strip(),
        "body": (form.get("body") or "").strip(),
        "region": (form.get("region") or "").strip() or None,
        "reported_on": (day or date.today()).isoformat(),
        "reliability": (form.get("reliability") or "").strip(),
        "credibility": int(credibility),
    }
    for key in ("title", "body"):
        if not values[key]:
            raise RecordError("reports", key, f"write a {key}")
    marking = MarkingRequest(form.get("classification") or "UNCLASSIFIED", tokens(form.get("releasable_to")))
    links = links_from(ctx, form, lists or {})
    return Writer(ctx.store).create(ctx.principal, "reports", values, marking=marking, children={"report-links": links})


def report_detail(ctx: Context, report_id: int) -> ReportDetail:
    """One report the user may see, with its journal notes (those the user may see), newest first."""
    record = ctx.reader.get(ctx.principal, "reports", report_id)
    notes = ctx.reader.list(
        ctx.principal, "journal", filters={"object_type": "report", "object_id": report_id}, limit=200
    )
    return ReportDetail(
        _row(record),
        [part.strip() for part in str(record["body"]).split("\n") if part.strip()],
        "you" if record["author_id"] == ctx.principal.user_id else f"user {record['author_id']}",
        [
            Note(
                datetime.fromisoformat(str(n["written_at"])),
                n["kind"],
                n["body"],
                "you" if n["author_id"] == ctx.principal.user_id else f"user {n['author_id']}",
            )
            for n in notes.items
        ],
        ctx.principal.at_least(Role.ANALYST),
        links=report_links(ctx, record),
        link_choices=link_choices(ctx) if ctx.principal.at_least(Role.ANALYST) else None,
    )


def add_note(ctx: Context, report_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """A journal note on the report: as classified as the report and releasable to the writer's state only."""
    body = (form.get("body") or "").strip()
    if not body:
        raise RecordError("journal", "body", "write the note")
    report = ctx.reader.visible_record(ctx.principal, "reports", report_id)
    values = {"object_type": "report", "object_id": report_id, "kind": form.get("kind") or "info", "body": body}
    level = (report.get("marking") or {}).get("classification") or "UNCLASSIFIED"
    marking = MarkingRequest(str(level))  # as classified as the report, releasable to the writer's state only
    return Writer(ctx.store).create(ctx.principal, "journal", values, marking=marking)
