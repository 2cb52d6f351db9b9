"""The map page (``/ui/map``): a choropleth of one indicator in one year, with a year slider.

Indicators: military expenditure and the composite index of national capability (COW NMC, through the
relations table), UN peacekeeping personnel contributed (IPI), and ATOP alliance membership (defence pact,
other alliance, none). A country with no value that year is grey and says ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import polars as pl
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from detente.analysis.common import StateResolver
from detente.web.context import Page, PageContext, render
from detente.web.lookups import contributions_by_year, source_href, state_years, states
from detente.web.maps import category_map, value_map
from detente.web.views import Chart, SourceLink

__all__ = ["INDICATORS", "Indicator", "MapView", "router"]

router = APIRouter()


@dataclass(frozen=True)
class Indicator:
    """One thing the map can show: its label, unit, years covered and sources."""

    key: str
    label: str
    unit: str
    years: tuple[int, int]
    sources: tuple[str, ...]
    digits: int = 0


INDICATORS = {
    i.key: i
    for i in (
        Indicator("milex", "Military expenditure", "thousands of current US$", (1816, 2016), ("source:peacesciencer",)),
        Indicator(
            "cinc",
            "Composite index of national capability",
            "share of world",
            (1816, 2016),
            ("source:peacesciencer",),
            4,
        ),
        Indicator(
            "pko", "UN peacekeeping personnel contributed", "mean per month", (1990, 2017), ("source:ipi_peacekeeping",)
        ),
        Indicator("alliance", "Alliance membership (ATOP)", "", (1816, 2018), ("source:atop", "source:peacesciencer")),
    )
}
"""The indicators, by the key the page's ``indicator`` parameter takes."""


@dataclass(frozen=True)
class MapView:
    """The map page."""

    indicator: Indicator
    indicators: list[Indicator]
    year: int
    map: Chart


def _href(iso3: str) -> str:
    return f"/ui/country/{iso3}"


def build_map(ctx: PageContext, indicator: Indicator, year: int) -> Chart:
    """The choropleth of ``indicator`` in ``year``."""
    names = {s.iso3: s.name for s in states(ctx.store) if s.iso3}
    title = f"{indicator.label}, {year}"
    links = [SourceLink(key.removeprefix("source:"), source_href(key)) for key in indicator.sources]
    links.append(SourceLink("Natural Earth", source_href("source:natural_earth")))
    if indicator.key == "pko":
        iso_of = {s.state_id: s.iso3 for s in states(ctx.store) if s.iso3}
        frame = contributions_by_year(ctx.store).filter(pl.col("year") == year)
        values: dict[str, float | None] = {
            iso_of[int(i)]: float(v) for i, v in frame.select("state_id", "personnel").iter_rows() if int(i) in iso_of
        }
        return value_map("map", title, values, names, ctx.fmt, href=_href, unit=indicator.unit, sources=links)
    refs = StateResolver.open(ctx.store).by_code(year)
    frame = state_years(ctx.store).filter(pl.col("year") == year)
    if indicator.key == "alliance":
        categories: dict[str, str] = {}
        for code, defense, alliance in frame.select("ccode", "defense", "alliance").iter_rows():
            ref = refs.get(int(code))
            if ref is None or not ref.iso3 or alliance is None:
                continue
            categories[ref.iso3] = "defence pact" if defense else "other alliance" if alliance else "no alliance"
        colours = {"defence pact": "#08306b", "other alliance": "#4a98c9", "no alliance": "#deebf7"}
        return category_map("map", title, categories, colours, names, href=_href, sources=links)
    values = {}
    for code, value in frame.select("ccode", indicator.key).iter_rows():
        ref = refs.get(int(code))
        if ref is not None and ref.iso3:
            values[ref.iso3] = None if value is None or value < 0 else float(value)
    return value_map(
        "map", title, values, names, ctx.fmt, href=_href, unit=indicator.unit, digits=indicator.digits, sources=links
    )


@router.get("/ui/map", response_class=HTMLResponse)
def world_map(
    ctx: Page,
    indicator: Annotated[str, Query(max_length=20)] = "milex",
    year: Annotated[int | None, Query(ge=1816, le=2100)] = None,
) -> HTMLResponse:
    """The map of one indicator in one year."""
    chosen = INDICATORS.get(indicator, INDICATORS["milex"])
    first, last = chosen.years
    shown = min(max(year if year is not None else last, first), last)
    view = MapView(chosen, list(INDICATORS.values()), shown, build_map(ctx, chosen, shown))
    return render(ctx, "map.html", view)
