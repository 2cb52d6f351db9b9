"""The home page (``/ui/``): what changed since my last visit, findings at risk or in breach, deadlines in the
next 30 days, my drafts awaiting approval, and how fresh each source is.

Everything about records goes through the services with the user's principal: a change to a record the user
may not see is not listed, and is not counted. Findings are read through the marking-filtered reader (a stored
finding carries the marking of its evidence); the treaty deadlines are the compliance engine's due list on
the evidence the user may see (:func:`detente.web.viewmodels.compliance.due_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from detente.services.errors import NotFoundError
from detente.services.reading import Reader
from detente.services.writing import Writer
from detente.store.models import ApiToken, AuditEntry, Source, SourceVersion
from detente.web.context import Page, PageContext, render
from detente.web.viewmodels.compliance import due_for
from detente.web.views import Cell, Table

__all__ = ["TRACKED", "HomeView", "router"]

router = APIRouter()

TRACKED = {
    "engagement": "engagements",
    "assistance_case": "cases",
    "report": "reports",
    "negotiation": "negotiations",
    "finding": "findings",
    "agreement": "agreements",
    "pledge": "pledges",
    "journal_note": "journal",
}
"""Audit object types whose changes the home page lists (entity name -> services resource)."""
MAX_CHANGES = 15
SCANNED_CHANGES = 200


@dataclass(frozen=True)
class HomeView:
    """Everything the home page shows."""

    since: str
    changes: Table
    findings: Table
    findings_total: int
    deadlines: Table
    drafts: Table
    freshness: Table


def _last_visit(ctx: PageContext) -> datetime:
    """When the user's previous session began (their first: a week ago)."""
    with ctx.store.engine.connect() as connection:
        starts = connection.scalars(
            select(ApiToken.created_at)
            .where(ApiToken.user_id == ctx.principal.user_id, ApiToken.kind == "session")
            .order_by(ApiToken.created_at.desc())
            .limit(2)
        ).all()
    if len(starts) < 2:
        return datetime.now(UTC) - timedelta(days=7)
    previous = starts[1]
    return previous if previous.tzinfo else previous.replace(tzinfo=UTC)


def _changes(ctx: PageContext, since: datetime) -> Table:
    with ctx.store.engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id)
            .where(AuditEntry.at >= since.isoformat(), AuditEntry.object_type.in_(list(TRACKED)))
            .order_by(AuditEntry.seq.desc())
            .limit(SCANNED_CHANGES)
        ).all()
    reader = Reader(ctx.store)
    shown: list[list[Cell]] = []
    seen: set[tuple[str, str]] = set()
    for at, actor, action, object_type, object_id in rows:
        if (object_type, object_id) in seen or not object_id.isdigit() or len(shown) >= MAX_CHANGES:
            continue
        seen.add((object_type, object_id))
        try:
            record = reader.visible_record(ctx.principal, TRACKED[object_type], int(object_id))
        except NotFoundError:
            continue  # gone, or not released to this user: no trace
        label = record.get("title") or record.get("reference") or record.get("explanation") or f"#{object_id}"
        shown.append(
            [
                Cell(str(label)[:100]),
                Cell(object_type.replace("_", " ")),
                Cell(action),
                Cell(actor),
                Cell(ctx.fmt.datetime(datetime.fromisoformat(at))),
            ]
        )
    return Table("Changes since your last visit", ["Record", "Kind", "Change", "By", "When"], shown)


def _findings(ctx: PageContext) -> tuple[Table, int]:
    reader = Reader(ctx.store)
    rows: list[list[Cell]] = []
    total = 0
    for status in ("breach", "at_risk"):
        found = reader.list(ctx.principal, "findings", filters={"status": status}, sort="-as_of", limit=10)
        total += found.total
        rows.extend(
            [Cell(status.replace("_", " ")), Cell(ctx.fmt.date(r["as_of"])), Cell(str(r["explanation"])[:160])]
            for r in found.items
        )
    return Table("Findings at risk or in breach", ["Status", "As of", "Finding"], rows), total


def _deadlines(ctx: PageContext, today: date) -> Table:
    """Engagements starting and treaty obligations due (deadlines, quotas ending) in the next 30 days."""
    reader = Reader(ctx.store)
    horizon = today + timedelta(days=30)
    rows: list[tuple[str, list[Cell]]] = []
    starting = reader.list(
        ctx.principal,
        "engagements",
        filters={"starts_after": today.isoformat(), "starts_before": horizon.isoformat()},
        sort="valid_from",
        limit=20,
    )
    for r in starting.items:
        rows.append(
            (str(r["valid_from"]), [Cell(ctx.fmt.date(r["valid_from"])), Cell("engagement starts"), Cell(r["title"])])
        )
    for item in due_for(ctx.store, ctx.principal, today, 30):
        who = f"{item.party}: " if item.party else ""
        detail = f"{who}{item.title} [{item.code}] -- {item.what}"
        rows.append((item.due.isoformat(), [Cell(ctx.fmt.date(item.due)), Cell("obligation due"), Cell(detail[:200])]))
    rows.sort(key=lambda item: item[0])
    return Table("Deadlines in the next 30 days", ["Due", "What", "Detail"], [cells for _, cells in rows])


def _drafts(ctx: PageContext) -> Table:
    reader = Reader(ctx.store)
    rows: list[list[Cell]] = []
    proposed = reader.list(ctx.principal, "engagements", filters={"status": "proposed"}, sort="-id", limit=500)
    for r in proposed.items:
        if r.get("proposed_by_id") == ctx.principal.user_id:
            rows.append(
                [Cell(r["title"]), Cell("engagement awaiting approval"), Cell(ctx.fmt.date(r.get("valid_from")))]
            )
    for request in Writer(ctx.store).releases(ctx.principal):
        if request["requested_by_id"] == ctx.principal.user_id:
            marking = request["requested_marking"] or {}
            wanted = ", ".join(marking.get("releasable_to", [])) if isinstance(marking, dict) else str(marking)
            rows.append(
                [
                    Cell(f"{request['resource']} #{request['object_id']}"),
                    Cell(f"release to {wanted} awaiting a second editor"),
                    Cell(ctx.fmt.date(request["requested_at"])),
                ]
            )
    return Table("My drafts awaiting approval", ["Record", "Waiting for", "Date"], rows[:20])


def _freshness(ctx: PageContext) -> Table:
    with ctx.store.engine.connect() as connection:
        rows = connection.execute(
            select(Source.name, func.max(SourceVersion.version), func.max(SourceVersion.loaded_at))
            .join(SourceVersion, SourceVersion.source_id == Source.id)
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    return Table(
        "Data freshness per source",
        ["Source", "Version", "Loaded"],
        [
            [Cell(name, f"/ui/sources#source-{name}"), Cell(str(version)), Cell(ctx.fmt.datetime(at))]
            for name, version, at in rows
        ],
    )


@router.get("/ui/", response_class=HTMLResponse)
def home(ctx: Page) -> HTMLResponse:
    """The home page."""
    since = _last_visit(ctx)
    findings, total = _findings(ctx)
    view = HomeView(
        since=ctx.fmt.datetime(since),
        changes=_changes(ctx, since),
        findings=findings,
        findings_total=total,
        deadlines=_deadlines(ctx, datetime.now(UTC).date()),
        drafts=_drafts(ctx),
        freshness=_freshness(ctx),
    )
    return render(ctx, "home.html", view)
