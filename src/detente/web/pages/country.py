"""The country pages: an index of states (``/ui/country``) and a dossier per state (``/ui/country/{code}``).

Public figures come from :func:`detente.analysis.dossiers.country_dossier` and the relations table; the
user's own records (engagements, cases, reports, findings) come through the services' reader with the
user's principal, so a record they may not see leaves no trace here: not a row, not a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Annotated

import polars as pl
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from detente.analysis.armed_conflicts import ConflictRecord, ending_text, intensity_text
from detente.analysis.common import CitedSource, StateRef, StateResolver
from detente.analysis.dossiers import CountryDossier, Figure, country_dossier
from detente.analysis.relations import RELATION_YEARS, relations
from detente.analysis.ties import AgreementTie, Obligation
from detente.services.errors import NotFoundError
from detente.services.reading import Reader
from detente.web.charts import Series, line_chart
from detente.web.context import Page, PageContext, render
from detente.web.lookups import contributions_by_year, country_href, data_version, memo, source_href, states
from detente.web.maps import category_map
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = ["CountryView", "router"]

router = APIRouter()

DEFAULT_PARTNERS = ("USA", "RUS", "CHN")
FIGURE_LABELS = {
    "milex": ("Military expenditure", "thousands of current US$", 0),
    "milper": ("Military personnel", "thousands", 0),
    "cinc": ("Composite index of national capability", "share of world", 4),
    "tpop": ("Population", "thousands", 0),
    "v2x_polyarchy": ("Electoral democracy (V-Dem polyarchy)", "0 to 1", 2),
    "polity2": ("Polity score", "-10 to 10", 0),
}


@dataclass(frozen=True)
class FigureRow:
    """One capability figure: label, value as written, the year it is for, its sources."""

    label: str
    value: str
    year: str
    sources: list[SourceLink]


@dataclass(frozen=True)
class AgreementRow:
    """An alliance or DCA in force: title, partners, what this state promised, sources."""

    title: str
    partners: list[Cell]
    own: str
    partner_side: str
    since: str
    source: SourceLink | None


@dataclass(frozen=True)
class RecordList:
    """User records of one kind, as released to the user: shown rows and the total the user may see."""

    title: str
    table: Table
    total: int
    more_href: str | None = None


@dataclass(frozen=True)
class CountryView:
    """The country dossier page."""

    name: str
    iso3: str | None
    state_id: int
    year: int
    years: list[int]
    partners_text: str
    locator: Chart
    figures: list[FigureRow]
    alliances: list[AgreementRow]
    dcas: list[AgreementRow]
    arms: Chart
    peacekeeping: Chart
    voting: Chart
    top_partners: Table
    conflicts: Table
    armed_conflicts: Table | None
    """The UCDP/PRIO armed conflicts the state took part in (most recent first); ``None``: unknown (not
    covered, or UCDP not loaded), which the page says rather than showing an empty table."""
    armed_conflicts_note: str
    """What UCDP covers (before 1946: not covered, unknown)."""
    exercises: RecordList
    records: list[RecordList]
    compliance: RecordList
    compliance_note: str
    citations: list[tuple[str, str, str]] = field(default_factory=list)
    """(anchor id, text, link to the sources page) for every work cited."""


@dataclass(frozen=True)
class IndexView:
    """The list of states."""

    table: Table


def _cite_anchor(key: str) -> str:
    return "cite-" + key.replace(":", "-")


def _links(keys: list[str]) -> list[SourceLink]:
    return [SourceLink(key.removeprefix("source:"), "#" + _cite_anchor(key)) for key in keys]


def _obligations(items: list[Obligation]) -> str:
    if not items:
        return "none recorded"
    return "; ".join(
        o.code + (f" (if {', '.join(o.conditions)})" if o.conditional and o.conditions else "") for o in items
    )


def _agreements(ctx: PageContext, dossier: CountryDossier, kind: str) -> list[AgreementRow]:
    grouped: dict[int, tuple[AgreementTie, list[StateRef]]] = {}
    for partner in dossier.partners:
        for tie in partner.agreements:
            if tie.kind == kind:
                grouped.setdefault(tie.agreement_id, (tie, []))[1].append(partner.partner)
    rows = []
    for tie, partners in sorted(grouped.values(), key=lambda item: (item[0].valid_from or date.min, item[0].title)):
        rows.append(
            AgreementRow(
                title=tie.title,
                partners=[Cell(p.name, country_href(p.iso3, p.ccode, p.state_id)) for p in partners],
                own=_obligations(tie.own_obligations),
                partner_side=_obligations(tie.partner_obligations),
                since=ctx.fmt.date(tie.valid_from),
                source=SourceLink(tie.source, source_href(f"source:{tie.source}")) if tie.source else None,
            )
        )
    return rows


def _yearly(frame: pl.DataFrame, column: str) -> list[tuple[int, float | None]]:
    """Per year, the sum of ``column`` over partners, or ``None`` when no partner's value is known."""
    if column not in frame.columns or frame.is_empty():
        return []
    summed = (
        frame.group_by("year")
        .agg(pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum()).alias("v"))
        .sort("year")
    )
    return [(int(y), None if v is None else float(v)) for y, v in summed.iter_rows()]


def _records(ctx: PageContext, state_id: int) -> tuple[RecordList, list[RecordList], RecordList]:
    reader = Reader(ctx.store)
    fmt = ctx.fmt
    exercises = reader.list(
        ctx.principal, "engagements", filters={"state_id": state_id, "kind": "exercise"}, sort="-valid_from", limit=15
    )
    exercise_list = RecordList(
        "Exercises",
        Table(
            "Latest exercises",
            ["Exercise", "Start", "Status"],
            [[Cell(r["title"]), Cell(fmt.date(r.get("valid_from"))), Cell(r["status"])] for r in exercises.items],
        ),
        exercises.total,
    )
    engagements = reader.list(ctx.principal, "engagements", filters={"state_id": state_id}, sort="-id", limit=10)
    cases = reader.list(ctx.principal, "cases", filters={"state_id": state_id}, sort="-id", limit=10)
    reports = reader.list(ctx.principal, "reports", filters={"about": f"state:{state_id}"}, limit=10)
    records = [
        RecordList(
            "Engagements",
            Table(
                "Engagements (latest first)",
                ["Title", "Kind", "Start", "Status"],
                [
                    [Cell(r["title"]), Cell(r["kind"]), Cell(fmt.date(r.get("valid_from"))), Cell(r["status"])]
                    for r in engagements.items
                ],
            ),
            engagements.total,
        ),
        RecordList(
            "Security-assistance cases",
            Table(
                "Cases (latest first)",
                ["Reference", "Programme", "Status"],
                [[Cell(r["reference"]), Cell(r["programme"]), Cell(r["status"])] for r in cases.items],
            ),
            cases.total,
        ),
        RecordList(
            "Attaché reports",
            Table(
                "Reports about this country (latest first)",
                ["Title", "Reported", "Grade"],
                [
                    [
                        Cell(r["title"]),
                        Cell(fmt.date(r.get("reported_on"))),
                        Cell(f"{r['reliability']}{r['credibility']}"),
                    ]
                    for r in reports.items
                ],
            ),
            reports.total,
        ),
    ]
    findings = reader.list(ctx.principal, "findings", filters={"party_state_id": state_id}, sort="-as_of", limit=15)
    compliance = RecordList(
        "Compliance findings",
        Table(
            "Latest compliance findings",
            ["As of", "Status", "Explanation"],
            [
                [Cell(fmt.date(r["as_of"])), Cell(r["status"].replace("_", " ")), Cell(r["explanation"][:160])]
                for r in findings.items
            ],
        ),
        findings.total,
    )
    return exercise_list, records, compliance


def _partners(resolver: StateResolver, text: str, year: int, own: int) -> list[StateRef]:
    found: list[StateRef] = []
    for word in [w.strip() for w in text.replace(";", ",").split(",") if w.strip()][:6]:
        try:
            ref = resolver.resolve(word, year)
        except LookupError:
            continue
        if ref.state_id != own and ref.ccode is not None and ref not in found:
            found.append(ref)
    return found


def build_country(ctx: PageContext, code: str, year: int | None, partners_text: str | None) -> CountryView:
    """The view model of one country's dossier: the public part (cached, the same for every reader in a
    locale) and the user's own records (read now, through the services, with the user's principal)."""
    last = RELATION_YEARS[1]
    shown = min(max(year or last, RELATION_YEARS[0]), last)
    # keyed on the store's data version: any write (a source load, a user's edit) makes a new one at once
    key = f"country:{code}:{shown}:{partners_text}:{ctx.fmt.tag}:{data_version(ctx.store)}"
    try:
        public = memo(ctx.store, key, lambda: _public_country(ctx, code, shown, partners_text))
    except LookupError as error:
        raise NotFoundError(f"no country {code!r}: {error}") from None
    exercises, records, compliance = _records(ctx, public.state_id)
    return replace(public, exercises=exercises, records=records, compliance=compliance)


def _public_country(ctx: PageContext, code: str, year: int, partners_text: str | None) -> CountryView:
    """Everything on the country page that comes from public data (sources, unmarked user agreements)."""
    dossier = country_dossier(ctx.store, code, as_of=date(year, 12, 31))
    fmt = ctx.fmt
    subject = dossier.state
    resolver = StateResolver.open(ctx.store)
    table = relations(ctx.store)
    rows = table.of_state(subject.ccode) if subject.ccode is not None else pl.DataFrame()
    rows = rows.filter(pl.col("year") <= year) if rows.height else rows
    figures = [
        FigureRow(label, fmt.number(f.value, digits), str(f.year) if f.year else "unknown", _links(f.sources))
        for name, (label, unit, digits) in FIGURE_LABELS.items()
        if (f := dossier.capabilities.get(name, Figure(value=None, year=None, sources=[]))) is not None
    ]
    arms_years = rows.filter(pl.col("year") >= 1950) if rows.height else rows
    arms = line_chart(
        "arms",
        "Arms transfers (SIPRI TIV, millions)",
        [Series("Exports", _yearly(arms_years, "tiv12")), Series("Imports", _yearly(arms_years, "tiv21"))],
        fmt,
        unit="TIV millions",
        sources=_links(["source:sipri_tiv"]),
    )
    pko = contributions_by_year(ctx.store).filter(pl.col("state_id") == subject.state_id)
    peacekeeping = line_chart(
        "peacekeeping",
        "UN peacekeeping personnel contributed (mean per month)",
        [Series("Personnel", [(int(y), float(v)) for y, v in pko.select("year", "personnel").iter_rows()])],
        fmt,
        unit="personnel",
        sources=_links(["source:ipi_peacekeeping"]),
    )
    chosen = _partners(resolver, partners_text or ",".join(DEFAULT_PARTNERS), year, subject.state_id)
    vote_series = []
    for partner in chosen:
        with_partner = rows.filter(pl.col("ccode2") == partner.ccode) if rows.height else rows
        points = [
            (int(y), None if v is None else float(v))
            for y, v in (
                with_partner.select("year", "unvote_agree").iter_rows() if "unvote_agree" in rows.columns else []
            )
            if y >= 1946
        ]
        vote_series.append(Series(partner.name, points))
    voting = line_chart(
        "voting",
        "UN General Assembly voting agreement with chosen partners",
        vote_series,
        fmt,
        unit="share of votes alike",
        digits=2,
        sources=_links(["source:unvotes"]),
    )
    top = Table(
        "Strongest ties",
        ["Partner", "Kinds of tie", "Joint exercises", "Arms to (TIV)", "Arms from (TIV)", "UN votes alike"],
        [
            [
                Cell(p.partner.name, country_href(p.partner.iso3, p.partner.ccode, p.partner.state_id)),
                Cell(fmt.number(p.strength)),
                Cell(fmt.number(p.figures["exercises"].value)),
                Cell(fmt.number(p.figures["tiv12"].value, 1)),
                Cell(fmt.number(p.figures["tiv21"].value, 1)),
                Cell(fmt.percent(p.figures["unvote_agree"].value)),
            ]
            for p in dossier.partners[:15]
        ],
    )
    names = {p.partner.state_id: p.partner for p in dossier.partners}
    conflicts = Table(
        "Militarised disputes and wars (last ten years)",
        ["With", "Kind", "Years", "Side", "Source"],
        [
            [
                Cell(names[c.partner_id].name if c.partner_id in names else f"state {c.partner_id}"),
                Cell(c.kind.upper()),
                Cell(f"{c.first_year or '?'} to {c.last_year or '?'}"),
                Cell("same side" if c.same_side else "opposite sides"),
                Cell(c.source, source_href(f"source:{c.source}")),
            ]
            for p in dossier.partners
            for c in p.conflicts
        ],
    )
    categories: dict[str, str] = {}
    for ties in dossier.partners:
        if ties.partner.iso3 and any(a.kind == "alliance" for a in ties.agreements):
            categories[ties.partner.iso3] = "ally"
    if subject.iso3:
        categories[subject.iso3] = subject.name
    locator = category_map(
        "locator",
        f"{subject.name} and its allies in {year}",
        categories,
        {subject.name: "#08306b", "ally": "#4a98c9"},
        {s.iso3: s.name for s in states(ctx.store) if s.iso3},
        href=lambda iso3: f"/ui/country/{iso3}",
        highlight=frozenset({subject.iso3} if subject.iso3 else ()),
        sources=[SourceLink("Natural Earth", "/ui/sources#source-natural_earth"), *_links(["source:atop"])],
    )
    nothing = RecordList("", Table("", []), 0)
    citations = [(_cite_anchor(c.key), c.text, source_href(c.key)) for c in _with_sources(dossier.citations)]
    return CountryView(
        name=subject.name,
        iso3=subject.iso3,
        year=year,
        years=list(range(RELATION_YEARS[1], 1945, -1)),
        partners_text=", ".join(p.iso3 or str(p.ccode) for p in chosen),
        locator=locator,
        figures=figures,
        alliances=_agreements(ctx, dossier, "alliance"),
        dcas=_agreements(ctx, dossier, "dca"),
        arms=arms,
        peacekeeping=peacekeeping,
        voting=voting,
        top_partners=top,
        conflicts=conflicts,
        armed_conflicts=armed_conflict_table(ctx, dossier.armed_conflicts),
        armed_conflicts_note=dossier.armed_conflicts.note,
        exercises=nothing,
        records=[],
        compliance=nothing,
        compliance_note=dossier.compliance.note,
        state_id=subject.state_id,
        citations=citations,
    )


def armed_conflict_table(ctx: PageContext, record: ConflictRecord) -> Table | None:
    """The UCDP/PRIO conflicts of a country dossier as a table (``None`` when unknown)."""
    if record.conflicts is None:
        return None
    fmt = ctx.fmt
    ucdp = source_href("source:ucdp")
    rows = [
        [
            Cell(f"{c.name} ({c.conflict_id})"),
            Cell(c.type),
            Cell(c.incompatibility or "unknown"),
            Cell(", ".join(c.region) or "unknown"),
            Cell(f"{c.side}, {'secondary' if c.secondary else 'primary'}"),
            Cell(", ".join(c.opponents) or "unknown"),
            Cell(f"{c.first_year} to {c.last_year} ({fmt.number(len(c.years))} active)"),
            Cell(intensity_text(c.max_intensity)),
            Cell(ending_text(c.episodes)),
            Cell("ucdp", ucdp),
        ]
        for c in record.conflicts
    ]
    columns = ["Conflict", "Type", "Incompatibility", "Region", "Side", "Against", "Years", "Intensity"]
    return Table("Armed conflicts (UCDP/PRIO)", [*columns, "Ended", "Source"], rows)


def _with_sources(citations: list[CitedSource]) -> list[CitedSource]:
    keys = {c.key for c in citations}
    extra = [
        CitedSource(key=k, text=f"See the sources page for {k.removeprefix('source:')}.")
        for k in ("source:sipri_tiv", "source:ipi_peacekeeping", "source:unvotes", "source:atop")
        if k not in keys
    ]
    return [*citations, *extra]


@router.get("/ui/country", response_class=HTMLResponse)
def country_index(ctx: Page, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """Every state, with a filter by name."""
    wanted = q.strip().lower()
    rows = [
        [Cell(s.name, s.href), Cell(s.iso3 or "none"), Cell(str(s.ccode) if s.ccode is not None else "none")]
        for s in states(ctx.store)
        if not wanted or wanted in s.name.lower() or wanted == (s.iso3 or "").lower()
    ]
    return render(ctx, "country_index.html", IndexView(Table("States", ["State", "ISO3", "COW"], rows)), q=q)


@router.get("/ui/country/{code}", response_class=HTMLResponse)
def country(
    ctx: Page,
    code: str,
    year: Annotated[int | None, Query(ge=1816, le=2100)] = None,
    partners: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """One country's dossier."""
    if code.startswith("id-") and code[3:].isdigit():
        match = [s for s in states(ctx.store) if s.state_id == int(code[3:])]
        if not match:
            raise NotFoundError(f"no state with id {code[3:]}")
        code = match[0].name
    return render(ctx, "country.html", build_country(ctx, code, year, partners))
