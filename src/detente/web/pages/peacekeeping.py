"""Peacekeeping (``/ui/peacekeeping``): missions on a map (host states shaded, a pin at each headquarters),
uniformed personnel contributed over time, and force generation (``detente forcegen``'s allocation of the
pledges to each mission's open requirements, with what stays uncovered and whom history suggests asking).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from detente.analysis.forcegen import LineResult
from detente.web.charts import Series, line_chart
from detente.web.context import Page, PageContext, render
from detente.web.formatting import Formatter
from detente.web.forms import int_or_none, viewer
from detente.web.lookups import source_href
from detente.web.maps import category_map, site_map
from detente.web.viewmodels import peacekeeping
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = ["router"]

router = APIRouter()

IPI = SourceLink("IPI Peacekeeping Database", "/ui/sources#source-ipi_peacekeeping")
GEO_PKO = SourceLink("Geo-PKO", "/ui/sources#source-geo_pko")
UNKNOWN_PLACE = "location unknown"
HOST_COLOURS = {"hosts the chosen mission": "#b3470c", "hosts a mission": "#1c6aaf"}


@dataclass(frozen=True)
class Citation:
    """A work the force generation rests on: the text to cite and, for a loaded source, its sources entry."""

    text: str
    href: str | None


@dataclass(frozen=True)
class PeacekeepingPage:
    page: peacekeeping.Peacekeeping
    map: Chart
    missions: Table
    contributions: Chart
    force: Table
    force_sources: list[Citation]
    sites: peacekeeping.Deployments | None = None
    sites_map: Chart | None = None


def _pins_table(ctx: PageContext, page: peacekeeping.Peacekeeping) -> Table:
    """The map's table view: every mission's headquarters, or "location unknown" (never left out)."""
    rows = []
    for p in page.missions:
        located = p.latitude is not None and p.longitude is not None
        rows.append(
            [
                Cell(p.code, f"/ui/peacekeeping?mission={p.id}"),
                Cell(p.name),
                Cell(p.host),
                Cell(ctx.fmt.number(p.latitude, 4) if located else UNKNOWN_PLACE),
                Cell(ctx.fmt.number(p.longitude, 4) if located else UNKNOWN_PLACE),
            ]
        )
    return Table("Mission headquarters (the pins)", ["Mission", "Name", "Host", "Latitude", "Longitude"], rows)


def _sites_map(ctx: PageContext, page: peacekeeping.Peacekeeping, found: peacekeeping.Deployments) -> Chart | None:
    """The chosen mission's deployment sites in the year, on a map zoomed to them (with their table)."""
    if not found.sites or page.mission is None:
        return None
    table = Table(
        f"{found.mission} deployment sites in {found.year}",
        ["Location", "Latitude", "Longitude", "Troops (estimate)", "Headquarters code (3: the mission's)"],
        [
            [
                Cell(site.location),
                Cell(ctx.fmt.number(site.latitude, 4)),
                Cell(ctx.fmt.number(site.longitude, 4)),
                Cell(ctx.fmt.number(site.troops)),
                Cell(str(site.hq)),
            ]
            for site in found.sites
        ],
    )
    return site_map(
        "sites-map",
        f"{found.mission}: deployment sites in {found.year} "
        "(Geo-PKO; the mission's headquarters drawn larger; borders coarse, at 1:110m)",
        peacekeeping.site_markers(found),
        table,
        shaded=frozenset({page.mission.host_iso3} if page.mission.host_iso3 else ()),
        sources=[GEO_PKO],
    )


def _allocations(line: LineResult, fmt: Formatter) -> str:
    """The pledges proposed for a line: state, how much of the pledge, its readiness and id."""
    return (
        "; ".join(
            f"{a.state.name} {fmt.number(a.allocated)} of {fmt.number(a.pledge_size)} "
            f"({a.readiness}, pledge {a.pledge_id})"
            for a in line.allocations
        )
        or "none"
    )


def _history(line: LineResult, fmt: Formatter) -> str:
    """The first five leads from contribution history, with the years their figures average."""
    if not line.history or line.history_years is None:
        return "no contribution history"
    first, last = line.history_years
    names = ", ".join(f"{h.state.name} ({fmt.number(h.personnel)})" for h in line.history[:5])
    return f"{names} (mean personnel deployed {first}-{last})"


def _force_table(ctx: PageContext, page: peacekeeping.Peacekeeping) -> tuple[Table, list[Citation]]:
    """One row per requirement line: what pledges cover, what stays uncovered, whom to ask; and the sources."""
    rows: list[list[Cell]] = []
    sources: dict[str, Citation] = {}
    for force in page.force:
        for line in force.result.lines:
            rows.append(
                [
                    Cell(force.mission, f"/ui/peacekeeping?mission={force.mission_id}"),
                    Cell(line.line.capability),
                    Cell(ctx.fmt.number(line.line.size)),
                    Cell(line.line.readiness),
                    Cell(_allocations(line, ctx.fmt)),
                    Cell(ctx.fmt.number(line.covered)),
                    Cell(ctx.fmt.number(line.uncovered)),
                    Cell(_history(line, ctx.fmt)),
                ]
            )
        for citation in force.result.citations:
            href = source_href(citation.key) if citation.key.startswith("source:") else None
            sources.setdefault(citation.key, Citation(citation.text, href))
    table = Table(
        "Force generation: pledges proposed for each open requirement",
        [
            "Mission",
            "Capability",
            "Size",
            "Readiness asked",
            "Proposed from pledges",
            "Covered",
            "Uncovered",
            "To ask (history)",
        ],
        rows,
    )
    return table, list(sources.values())


@router.get("/ui/peacekeeping", response_class=HTMLResponse)
def peacekeeping_view(ctx: Page, mission: str | None = None, year: str | None = None) -> HTMLResponse:
    """Missions, contributions over time and force generation (for one mission or all); for one mission, its
    deployment sites in ``year`` (default the latest Geo-PKO maps)."""
    people = viewer(ctx)
    page = peacekeeping.peacekeeping(people, int_or_none(mission))
    sites = peacekeeping.deployments(people, page.mission.code, int_or_none(year)) if page.mission else None
    hosts: dict[str, str] = {}
    names: dict[str, str] = {}
    for pin in page.missions:
        host = pin.host_iso3
        if host:
            chosen = page.mission is not None and pin.id == page.mission.id
            if chosen or host not in hosts:
                hosts[host] = "hosts the chosen mission" if chosen else "hosts a mission"
            names[host] = pin.host
    first: dict[str, int] = {}
    for pin in page.missions:
        if pin.host_iso3:
            first.setdefault(pin.host_iso3, pin.id)
    mission_map = category_map(
        "missions-map",
        "Missions: host states and a pin at each headquarters"
        + (f" ({page.mission.code} highlighted)" if page.mission else ""),
        hosts,
        HOST_COLOURS,
        names,
        href=lambda iso3: f"/ui/peacekeeping?mission={first[iso3]}" if iso3 in first else None,
        sources=[IPI],
        markers=peacekeeping.mission_markers(page),
    )
    mission_map = replace(mission_map, table=_pins_table(ctx, page))
    missions = Table(
        "Missions",
        ["Mission", "Name", "Host", "From", "To"],
        [
            [
                Cell(p.code, f"/ui/peacekeeping?mission={p.id}"),
                Cell(p.name),
                Cell(p.host),
                Cell(ctx.fmt.date(p.start)),
                Cell(ctx.fmt.date(p.end)),
            ]
            for p in page.missions
        ],
    )
    label = page.mission.code if page.mission else "all missions"
    contributions = line_chart(
        "contributions",
        f"Uniformed personnel contributed to {label} (mean of the months reported)",
        [Series(label, [(p.year, p.personnel) for p in page.contributions])],
        ctx.fmt,
        unit="personnel",
        sources=[IPI],
    )
    force, force_sources = _force_table(ctx, page)
    return render(
        ctx,
        "peacekeeping.html",
        PeacekeepingPage(
            page,
            mission_map,
            missions,
            contributions,
            force,
            force_sources,
            sites,
            _sites_map(ctx, page, sites) if sites else None,
        ),
    )
