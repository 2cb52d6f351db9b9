"""Peacekeeping (``/ui/peacekeeping``): missions on a map (host states), uniformed personnel contributed over
time, and force generation (each open requirement against the pledges by readiness level).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from detente.web.charts import Series, line_chart
from detente.web.context import Page, render
from detente.web.forms import int_or_none, viewer
from detente.web.maps import category_map
from detente.web.viewmodels import peacekeeping
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = ["router"]

router = APIRouter()

IPI = SourceLink("IPI Peacekeeping Database", "/ui/sources#source-ipi_peacekeeping")
HOST_COLOURS = {"hosts the chosen mission": "#b3470c", "hosts a mission": "#1c6aaf"}


@dataclass(frozen=True)
class PeacekeepingPage:
    page: peacekeeping.Peacekeeping
    map: Chart
    missions: Table
    contributions: Chart
    force: Table


@router.get("/ui/peacekeeping", response_class=HTMLResponse)
def peacekeeping_view(ctx: Page, mission: str | None = None) -> HTMLResponse:
    """Missions, contributions over time and force generation (for one mission or all)."""
    people = viewer(ctx)
    page = peacekeeping.peacekeeping(people, int_or_none(mission))
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
        "Host states of the missions" + (f" ({page.mission.code} highlighted)" if page.mission else ""),
        hosts,
        HOST_COLOURS,
        names,
        href=lambda iso3: f"/ui/peacekeeping?mission={first[iso3]}" if iso3 in first else None,
        sources=[IPI],
    )
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
    force = Table(
        "Force generation: requirements against pledges",
        ["Mission", "Capability", "Size", "Readiness asked", *page.levels, "Meeting readiness", "Uncovered"],
        [
            [
                Cell(f.mission),
                Cell(f.capability),
                Cell(ctx.fmt.number(f.size)),
                Cell(f.readiness_required),
                *(Cell(ctx.fmt.number(f.pledged[level])) for level in page.levels),
                Cell(ctx.fmt.number(f.meeting)),
                Cell(ctx.fmt.number(f.uncovered)),
            ]
            for f in page.force
        ],
    )
    return render(ctx, "peacekeeping.html", PeacekeepingPage(page, mission_map, missions, contributions, force))
