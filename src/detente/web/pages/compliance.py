"""The compliance board (``/ui/compliance``): per treaty a parties x obligations grid of statuses, the margin
timeline, the due calendar with its iCalendar download and subscribe addresses, evidence and findings, and the
evidence import.

The subscribe address (``/ui/compliance/calendar/<token>.ics``) is read by calendar programs without a
session: its token is a calendar feed token the user makes and revokes here
(:mod:`detente.web.viewmodels.calendar_feeds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.compliance.importer import EvidenceImportError
from detente.compliance.packs import PackError, load_packs
from detente.services.errors import NotFoundError
from detente.web.charts import Series, category_heat_map, line_chart
from detente.web.context import Page, PageContext, render
from detente.web.forms import REFUSED, Posted, form_fields, refused_status, see_other, service, submit, upload, viewer
from detente.web.viewmodels import calendar_feeds, compliance
from detente.web.viewmodels.common import parse_day
from detente.web.views import Cell, Chart, Table

__all__ = ["router"]

router = APIRouter()

STATUS_COLOURS = {
    "compliant": "#2e7d32",
    "at_risk": "#8a5300",
    "breach": "#b71c1c",
    "overdue": "#6a1b9a",
    "not_in_force": "#37474f",
    "insufficient_data": "#616161",
}
"""Status colours of the grid, each with white text at WCAG AA contrast."""


@dataclass(frozen=True)
class BoardPage:
    board: compliance.Board
    grid: Chart | None
    margins: Chart | None
    due: Table
    evidence: Table
    findings: Table
    ical: str
    errors: list[str]
    message: str | None
    feeds: list[calendar_feeds.Feed] = field(default_factory=list)
    new_feed: str | None = None
    """The subscribe address just made (shown once: its token is not kept)."""
    feed_days: int = calendar_feeds.FEED_DAYS


def _year_fraction(day: date) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 366


def _margins(ctx: PageContext, board: compliance.Board) -> Chart | None:
    if not board.margins:
        return None
    # the chart's x axis is in years: an evaluated date sits at its fraction of the year (the table shows dates)
    series = [
        Series(
            f"{s.party} {s.obligation}",
            cast(list[tuple[int, float | None]], [(_year_fraction(d), m) for d, m in s.points]),
        )
        for s in board.margins
    ]
    chart = line_chart("margins", "Margin below each limit at each evaluated date", series, ctx.fmt, unit="items")
    days = sorted({d for s in board.margins for d, _ in s.points})
    by_series = [dict(s.points) for s in board.margins]
    rows = [[Cell(ctx.fmt.date(d)), *(Cell(ctx.fmt.number(points.get(d))) for points in by_series)] for d in days]
    table = Table(chart.title, ["Date", *(f"{s.party} {s.obligation}" for s in board.margins)], rows)
    return replace(chart, table=table)


def board_page(
    ctx: PageContext, treaty: str | None, as_of: date | None, errors: list[str], message: str | None
) -> BoardPage:
    board = compliance.board(viewer(ctx), treaty, as_of)
    grid = None
    if board.rows:
        grid = category_heat_map(
            "grid",
            f"{board.title}: status of each party under each obligation as of {ctx.fmt.date(board.as_of)}",
            [row.party for row in board.rows],
            [head.code for head in board.obligations],
            [[cell.status for cell in row.cells] for row in board.rows],
            colours=STATUS_COLOURS,
        )
    due = Table(
        "Due in the next 90 days",
        ["Due", "Obligation", "Party", "What", "Verified"],
        [
            [
                Cell(ctx.fmt.date(d.due)),
                Cell(f"{d.code}: {d.title}"),
                Cell(d.party),
                Cell(d.what),
                Cell("yes" if d.verified else "not verified"),
            ]
            for d in board.due
        ],
    )
    evidence = Table(
        "Evidence on record (newest first)",
        ["Date", "Type", "Party", "What", "Reference"],
        [
            [Cell(ctx.fmt.date(e.day)), Cell(e.type), Cell(e.party), Cell(e.summary), Cell(e.reference or "—")]
            for e in board.evidence
        ],
    )
    findings = Table(
        "Latest findings",
        ["As of", "Obligation", "Party", "Status", "Measured", "Limit", "Margin", "Explanation"],
        [
            [
                Cell(ctx.fmt.date(f.as_of)),
                Cell(f.code),
                Cell(f.party),
                Cell(f.label),
                Cell(ctx.fmt.number(f.measured)),
                Cell(ctx.fmt.number(f.limit)),
                Cell(ctx.fmt.number(f.margin)),
                Cell(f.explanation),
            ]
            for f in board.findings
        ],
    )
    ical = f"/ui/compliance/calendar.ics?treaty={board.treaty}"
    feeds = calendar_feeds.feeds(viewer(ctx))
    return BoardPage(board, grid, _margins(ctx, board), due, evidence, findings, ical, errors, message, feeds)


def _known(treaty: str) -> str | None:
    """The treaty if a pack has that code (else the board shows the first pack beside the error)."""
    return treaty if treaty in load_packs() else None


def _message(evaluated: int | None, imported: str | None) -> str | None:
    """What the last form did, rebuilt from numbers only (no text from the address is echoed)."""
    if evaluated is not None:
        return f"Evaluated: {evaluated} findings."
    if imported:
        counts = []
        for part in imported.split(","):
            kind, _, number = part.partition(":")
            if kind in compliance.EVIDENCE_TYPES and number.isdigit():
                counts.append(f"{int(number)} {kind}")
        return f"Imported: {', '.join(counts)}." if counts else None
    return None


@router.get("/ui/compliance", response_class=HTMLResponse)
def board_view(
    ctx: Page,
    treaty: str | None = None,
    as_of: str | None = None,
    evaluated: int | None = None,
    imported: str | None = None,
) -> HTMLResponse:
    """The board of one treaty as of one date."""
    errors: list[str] = []
    try:
        day = parse_day(as_of, "as_of")
    except ValueError as error:
        errors.append(str(error))
        day = None
    try:
        view = board_page(ctx, treaty, day, errors, _message(evaluated, imported))
    except PackError as error:
        return render(ctx, "error.html", {"title": "No such treaty", "message": str(error)}, status=404)
    return render(ctx, "compliance.html", view, status=400 if errors else 200)


@router.get("/ui/compliance/calendar.ics")
def calendar_file(ctx: Page, treaty: str) -> Response:
    """The treaty's due items for the next year as iCalendar (subscribe to it in a calendar program)."""
    if _known(treaty) is None:
        return render(
            ctx, "error.html", {"title": "No such treaty", "message": f"no treaty pack {treaty!r}"}, status=404
        )
    body = compliance.calendar_ics(viewer(ctx), treaty)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="detente-{treaty}.ics"'},
    )


@router.get("/ui/compliance/calendar/{secret}.ics", include_in_schema=False)
def calendar_feed(request: Request, secret: str, treaty: str = "") -> Response:
    """The subscribe address: the treaty's due items as the feed token's owner may see them, no session
    needed. A token that is not a live feed token, or an unknown treaty, answers 404 (plain text)."""
    store = request.app.state.store
    try:
        if _known(treaty) is None:
            raise NotFoundError("no such calendar feed")
        body = calendar_feeds.feed_calendar(store, secret, treaty)
    except NotFoundError:
        return Response("no such calendar feed\n", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="detente-{treaty}.ics"', "Referrer-Policy": "no-referrer"},
    )


@router.post("/ui/compliance/feeds", response_class=HTMLResponse)
async def create_feed(request: Request, ctx: Page) -> Response:
    """Make a subscribe address and show it once (it cannot be shown again: only its hash is kept)."""
    fields = await form_fields(request)
    treaty = _known(fields.get("treaty", "")) or ""
    issued = await service(calendar_feeds.create_feed, viewer(ctx))
    view = board_page(ctx, treaty or None, None, [], "Subscribe address made: copy it now, it is shown only once.")
    address = str(request.base_url).rstrip("/") + calendar_feeds.feed_path(issued.secret, view.board.treaty)
    return render(ctx, "compliance.html", replace(view, new_feed=address))


@router.post("/ui/compliance/feeds/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_feed(request: Request, ctx: Page, token_id: int) -> Response:
    """Revoke one of the user's subscribe addresses (calendar programs then get 404)."""
    fields = await form_fields(request)
    await service(calendar_feeds.revoke_feed, viewer(ctx), token_id)
    treaty = _known(fields.get("treaty", ""))
    return see_other("/ui/compliance" + (f"?treaty={treaty}" if treaty else "") + "#due-h")


@router.post("/ui/compliance/evaluate", response_class=HTMLResponse)
async def evaluate_now(ctx: Page) -> Response:
    """Evaluate the treaty at the date given and store the findings (analysts and up)."""

    def run(posted: Posted) -> str:
        """The board's address with the number of findings stored (the evaluation's refusal: raised)."""
        treaty = posted.fields.get("treaty", "")
        day = parse_day(posted.fields.get("as_of"), "as_of")
        counts = compliance.evaluate_treaty(viewer(ctx), treaty, day)
        when = f"&as_of={day.isoformat()}" if day else ""
        return f"/ui/compliance?treaty={treaty}{when}&evaluated={sum(counts.values())}"

    return await submit(
        ctx,
        run,
        template="compliance.html",
        refused=lambda posted, error: board_page(
            ctx, _known(posted.fields.get("treaty", "")), None, [error.message], None
        ),
        done=lambda address: address,
    )


@router.post("/ui/compliance/evidence", response_class=HTMLResponse)
async def import_evidence(request: Request, ctx: Page) -> Response:
    """Import an evidence file (CSV or JSON); every bad row is listed and nothing is stored."""
    form = await form_fields(request)
    treaty = form.get("treaty", "")
    file = await upload(request, "file")
    errors: list[str] = []
    day = None
    try:
        day = parse_day(form.get("as_of"), "as_of")
        if file is None:
            raise ValueError("file: choose a CSV or JSON file to import")
        report = await service(
            compliance.import_file,
            viewer(ctx),
            treaty,
            file[0],
            file[1],
            evidence_type=form.get("type") or None,
            as_of=day,
        )
    except EvidenceImportError as error:
        errors = [str(problem) for problem in error.errors]
        status = 400
    except REFUSED as error:
        errors, status = [str(error)], refused_status(error)
    if errors:
        view = await service(board_page, ctx, _known(treaty), day, errors, None)
        return render(ctx, "compliance.html", view, status=status)
    stored = ",".join(f"{kind}:{n}" for kind, n in sorted(report.stored.items()))
    when = f"&as_of={day.isoformat()}" if day else ""
    return see_other(f"/ui/compliance?treaty={treaty}{when}&imported={stored}")
