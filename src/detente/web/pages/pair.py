"""The pair page (``/ui/pair?a=FRA&b=DEU``): one timeline of everything between two countries.

Alliances and agreements (begin and end), arms deliveries (SIPRI register), disputes and wars (COW), joint
exercises per year and UN voting agreement come from :func:`detente.analysis.dossiers.pair_dossier`; the
engagements both took part in come through the services' reader with the user's principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from detente.analysis.armed_conflicts import PairConflictRecord, ending_text, intensity_text
from detente.analysis.dossiers import PairDossier, pair_dossier
from detente.services.errors import NotFoundError
from detente.services.reading import Reader
from detente.web.charts import Series, line_chart
from detente.web.context import Page, PageContext, render
from detente.web.lookups import country_href, data_version, memo, source_href
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = ["Event", "PairView", "router"]

router = APIRouter()


@dataclass(frozen=True)
class Event:
    """One dated thing between the two: when, what kind, what, and its source."""

    year: int
    kind: str
    text: str
    source: SourceLink | None


@dataclass(frozen=True)
class PairView:
    """The pair page."""

    a: str
    b: str
    first: Cell | None
    second: Cell | None
    events: list[Event]
    charts: list[Chart]
    error: str | None = None
    armed_conflicts: Table | None = None
    """The UCDP/PRIO conflicts both took part in (``None``: unknown -- not covered or UCDP not loaded)."""
    armed_conflicts_note: str = ""


def _events(ctx: PageContext, dossier: PairDossier) -> list[Event]:
    fmt = ctx.fmt
    names = {dossier.first.state_id: dossier.first.name, dossier.second.state_id: dossier.second.name}
    events: list[Event] = []
    for tie in dossier.agreements:
        link = SourceLink(tie.source, source_href(f"source:{tie.source}")) if tie.source else None
        if tie.valid_from:
            events.append(
                Event(tie.valid_from.year, tie.kind, f"{tie.title} begins ({fmt.date(tie.valid_from)})", link)
            )
        if tie.valid_to and tie.valid_to.year <= dossier.as_of.year:
            events.append(Event(tie.valid_to.year, tie.kind, f"{tie.title} ends ({fmt.date(tie.valid_to)})", link))
    register = SourceLink("sipri_register", source_href("source:sipri_register"))
    for system in dossier.arms_systems:
        what = system.designation or system.description or "weapon system"
        count = f"{fmt.number(system.delivered)} delivered" if system.delivered is not None else "number unknown"
        span = f"{system.first_year or '?'} to {system.last_year or '?'}"
        text = (
            f"{names.get(system.supplier_id, '?')} to {names.get(system.recipient_id, '?')}: {what}, {count} ({span})"
        )
        events.append(Event(system.first_year or 0, "arms", text, register))
    for conflict in dossier.conflicts:
        side = "same side" if conflict.same_side else "opposite sides"
        label = f"{conflict.kind.upper()} {conflict.number or ''}".strip()
        span = f"{conflict.first_year or '?'} to {conflict.last_year or '?'}"
        events.append(
            Event(
                conflict.first_year or 0,
                "dispute",
                f"{label}, {side} ({span})",
                SourceLink(conflict.source, source_href(f"source:{conflict.source}")),
            )
        )
    exercises = SourceLink("exercises", source_href("source:exercises"))
    for point in dossier.series:
        held = point.values.get("exercises")
        if held:
            events.append(Event(point.year, "exercise", f"{fmt.number(held)} joint exercise(s)", exercises))
    events.extend(_engagements(ctx, dossier))
    return sorted(events, key=lambda e: (e.year, e.kind, e.text))


def shared_conflict_table(ctx: PageContext, record: PairConflictRecord, first: str, second: str) -> Table | None:
    """The UCDP/PRIO conflicts two states shared, as a table (``None`` when unknown)."""
    if record.conflicts is None:
        return None
    ucdp = source_href("source:ucdp")

    def role(side: str, secondary: bool) -> str:
        return f"{side}{' (secondary)' if secondary else ''}"

    rows = [
        [
            Cell(f"{c.name} ({c.conflict_id})"),
            Cell(c.type),
            Cell("same side" if c.same_side else "opposite sides"),
            Cell(role(c.first.side, c.first.secondary)),
            Cell(role(c.second.side, c.second.secondary)),
            Cell(_spans(c.years)),
            Cell(_spans(c.direct_years) or ("-" if c.same_side else "none coded")),
            Cell(intensity_text(c.max_intensity)),
            Cell(ending_text(c.episodes)),
            Cell("ucdp", ucdp),
        ]
        for c in record.conflicts
    ]
    columns = ["Conflict", "Type", "Relation", f"{first}: side", f"{second}: side", "Years together"]
    return Table(
        f"Armed conflicts {first} and {second} both took part in (UCDP/PRIO)",
        [*columns, "Fought each other (UCDP dyads)", "Intensity", "Ended", "Source"],
        rows,
    )


def _spans(years: list[int]) -> str:
    """Years as runs: 2004-2011, 2014-2024."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _engagements(ctx: PageContext, dossier: PairDossier) -> list[Event]:
    """Engagements both states took part in, as released to the user."""
    reader = Reader(ctx.store)
    first = reader.list(ctx.principal, "engagements", filters={"state_id": dossier.first.state_id}, limit=500)
    second = reader.list(ctx.principal, "engagements", filters={"state_id": dossier.second.state_id}, limit=500)
    shared = {r["id"] for r in second.items}
    events = []
    for record in first.items:
        if record["id"] in shared and record.get("valid_from"):
            when = str(record["valid_from"])[:4]
            if when.isdigit() and record.get("source_version_id") is None:
                events.append(Event(int(when), "engagement", f"{record['title']} ({record['status']})", None))
    return events


def _charts(ctx: PageContext, dossier: PairDossier) -> list[Chart]:
    def series(column: str, name: str) -> Series:
        return Series(name, [(p.year, p.values.get(column)) for p in dossier.series if column in p.values])

    a, b = dossier.first.name, dossier.second.name
    specs = [
        # id, title, lines (column, name), unit, digits, source
        (
            "arms",
            f"Arms transfers between {a} and {b} (SIPRI TIV, millions)",
            [("tiv12", f"{a} to {b}"), ("tiv21", f"{b} to {a}")],
            "TIV millions",
            1,
            "sipri_tiv",
        ),
        (
            "votes",
            f"UN General Assembly voting agreement of {a} and {b}",
            [("unvote_agree", "share of votes alike")],
            "",
            2,
            "unvotes",
        ),
        ("exercises", f"Joint exercises of {a} and {b} per year", [("exercises", "exercises")], "", 0, "exercises"),
    ]
    return [
        line_chart(
            f"pair-{key}",
            title,
            [series(column, name) for column, name in lines],
            ctx.fmt,
            unit=unit,
            digits=digits,
            sources=[SourceLink(source, source_href(f"source:{source}"))],
        )
        for key, title, lines, unit, digits, source in specs
    ]


@router.get("/ui/pair", response_class=HTMLResponse)
def pair(
    ctx: Page,
    a: Annotated[str, Query(max_length=100)] = "",
    b: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """The timeline of two countries (a form to choose them when either is missing)."""
    if not a.strip() or not b.strip():
        return render(ctx, "pair.html", PairView(a, b, None, None, [], []))
    try:
        dossier = memo(
            ctx.store,
            f"pair:{a.strip()}:{b.strip()}:{data_version(ctx.store)}",
            lambda: pair_dossier(ctx.store, a.strip(), b.strip()),
        )
    except (LookupError, ValueError) as error:
        if isinstance(error, LookupError) and not isinstance(error, KeyError):
            return render(ctx, "pair.html", PairView(a, b, None, None, [], [], str(error)), status=404)
        raise NotFoundError(str(error)) from None
    first, second = dossier.first, dossier.second
    view = PairView(
        a,
        b,
        Cell(first.name, country_href(first.iso3, first.ccode, first.state_id)),
        Cell(second.name, country_href(second.iso3, second.ccode, second.state_id)),
        _events(ctx, dossier),
        _charts(ctx, dossier),
        armed_conflicts=shared_conflict_table(ctx, dossier.armed_conflicts, first.name, second.name),
        armed_conflicts_note=dossier.armed_conflicts.note,
    )
    return render(ctx, "pair.html", view)
