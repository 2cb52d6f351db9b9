"""Choropleth maps: the world's countries shaded by a value or a category, each country linking to its page.

Built on :func:`detente.web.geo.world_shapes`. Numbers are cut into five quantile classes of
:data:`~detente.web.charts.SEQUENTIAL`; a country with no known value is light grey and says ``unknown``
(never the lightest class, which would read as "low"). Every map comes with its table view.

Maps may carry :class:`Marker` pins (a mission's headquarters, say), projected with the very projection of
the countries (:func:`marker_position`), so a pin lands where its country is drawn. Each pin is a dark dot
with a white ring (visible on every fill), names itself in a ``<title>`` (read by screen readers and shown on
hover) and, when it has an address, is a link: reachable with the Tab key, opened with Enter, outlined when
focused. A ``chosen`` pin is drawn larger and white, on top of the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from detente.web.charts import SEQUENTIAL, sequential_colour
from detente.web.formatting import UNKNOWN, Formatter
from detente.web.geo import HEIGHT, WIDTH, project, world_shapes
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = ["Marker", "category_map", "marker_position", "quantile_breaks", "site_map", "value_map"]

_NO_DATA = "#f2f2f2"
_BORDER = "#6b6b6b"
_PIN = "#1a1a1a"
_SITE_ASPECT = 1.6


@dataclass(frozen=True)
class Marker:
    """A point drawn over the map (a mission's headquarters, a base): where, its name, where it links."""

    longitude: float
    latitude: float
    label: str
    href: str | None = None
    chosen: bool = False


def marker_position(marker: Marker) -> tuple[float, float]:
    """Where ``marker`` is drawn, in map pixels (the countries' projection)."""
    return project(marker.longitude, marker.latitude)


def _marker_svg(marker: Marker, scale: float = 1.0) -> str:
    mx, my = marker_position(marker)
    radius, fill, ring = (6.5, "#ffffff", _PIN) if marker.chosen else (4.0, _PIN, "#ffffff")
    dot = (
        f'<circle class="map-pin" cx="{mx:.3f}" cy="{my:.3f}" r="{radius * scale:.3g}" fill="{fill}" '
        f'stroke="{ring}" stroke-width="1.5" vector-effect="non-scaling-stroke">'
        f"<title>{escape(marker.label)}</title></circle>"
    )
    if marker.href:
        return f'<a href="{escape(marker.href)}" aria-label="{escape(marker.label)}">{dot}</a>'
    return dot


def quantile_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Upper bounds of ``classes`` quantile classes of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, math.ceil(len(ordered) * q / classes) - 1)] for q in range(1, classes + 1)]


def _map_svg(
    chart_id: str,
    title: str,
    style: Callable[[str | None], tuple[str, str]],
    href: Callable[[str], str | None],
    legend: list[tuple[str, str]],
    highlight: frozenset[str],
    markers: Sequence[Marker] = (),
) -> Markup:
    title_id = f"{chart_id}-title"
    legend_h = 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {HEIGHT + legend_h + 8:.0f}" '
        f'role="group" aria-labelledby="{title_id}" class="map-graphic">'
        f'<title id="{title_id}">{escape(title)}</title><g stroke="{_BORDER}" stroke-width="0.4">'
    ]
    for shape in world_shapes():
        colour, label = style(shape.iso3)
        extra = ' stroke="#000000" stroke-width="1.6"' if shape.iso3 in highlight else ""
        tip = f"<title>{escape(shape.name)}: {escape(label)}</title>"
        body = f'<path d="{shape.path}" fill="{colour}"{extra}>{tip}</path>'
        target = href(shape.iso3) if shape.iso3 else None
        if target:
            parts.append(f'<a href="{escape(target)}" aria-label="{escape(shape.name)}: {escape(label)}">{body}</a>')
        else:
            parts.append(body)
    parts.append("</g>")
    if markers:
        parts.append('<g class="map-pins">')
        parts.extend(_marker_svg(m) for m in sorted(markers, key=lambda m: m.chosen))
        parts.append("</g>")
        legend = [*legend, (_PIN, "headquarters (pin)")]
    x = 8.0
    y = HEIGHT + 8
    for colour, label in legend:
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="14" height="14" fill="{colour}" stroke="{_BORDER}"/>'
            f'<text x="{x + 18:.0f}" y="{y + 12:.0f}" font-size="12" fill="#1a1a1a">{escape(label)}</text>'
        )
        x += 26 + 7 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))


def value_map(
    chart_id: str,
    title: str,
    values: Mapping[str, float | None],
    names: Mapping[str, str],
    fmt: Formatter,
    *,
    href: Callable[[str], str | None],
    unit: str = "",
    digits: int = 0,
    highlight: frozenset[str] = frozenset(),
    sources: Sequence[SourceLink] = (),
    markers: Sequence[Marker] = (),
) -> Chart:
    """Countries (by ISO3) shaded by a quantity, in five quantile classes (and ``markers`` drawn over)."""
    known = [v for v in values.values() if v is not None]
    breaks = quantile_breaks(known)

    def style(iso3: str | None) -> tuple[str, str]:
        value = values.get(iso3) if iso3 else None
        if value is None:
            return _NO_DATA, UNKNOWN
        return sequential_colour(value, breaks), fmt.number(value, digits)

    legend = [(_NO_DATA, UNKNOWN)]
    low = min(known) if known else 0.0
    for colour, bound in zip(SEQUENTIAL, breaks, strict=False):
        legend.append((colour, f"{fmt.number(low, digits)} to {fmt.number(bound, digits)}"))
        low = bound
    svg = _map_svg(chart_id, title, style, href, legend, highlight, markers)
    ordered = sorted(values.items(), key=lambda item: (item[1] is None, -(item[1] or 0.0), names.get(item[0], "")))
    rows = [[Cell(names.get(iso3, iso3), href(iso3)), Cell(fmt.number(value, digits))] for iso3, value in ordered]
    return Chart(chart_id, title, svg, Table(title, ["Country", unit or "Value"], rows), unit, list(sources))


def category_map(
    chart_id: str,
    title: str,
    categories: Mapping[str, str],
    colours: Mapping[str, str],
    names: Mapping[str, str],
    *,
    href: Callable[[str], str | None],
    highlight: frozenset[str] = frozenset(),
    sources: Sequence[SourceLink] = (),
    markers: Sequence[Marker] = (),
) -> Chart:
    """Countries (by ISO3) coloured by a category (e.g. alliance membership); others grey; ``markers`` over."""

    def style(iso3: str | None) -> tuple[str, str]:
        category = categories.get(iso3) if iso3 else None
        if category is None:
            return _NO_DATA, "none"
        return colours.get(category, SEQUENTIAL[2]), category

    legend = [(_NO_DATA, "none"), *((colour, label) for label, colour in colours.items())]
    svg = _map_svg(chart_id, title, style, href, legend, highlight, markers)
    rows = [
        [Cell(names.get(iso3, iso3), href(iso3)), Cell(category)]
        for iso3, category in sorted(categories.items(), key=lambda item: names.get(item[0], item[0]))
    ]
    return Chart(chart_id, title, svg, Table(title, ["Country", "Category"], rows), "", list(sources))


def site_map(
    chart_id: str,
    title: str,
    markers: Sequence[Marker],
    table: Table,
    *,
    shaded: frozenset[str] = frozenset(),
    sources: Sequence[SourceLink] = (),
) -> Chart:
    """A map zoomed to ``markers`` (a mission's deployment sites, say), countries in ``shaded`` (ISO3) tinted.

    The view is the markers' projected bounding box with a margin (at least 2 map pixels across, about
    200 km), widened or heightened to a 1.6:1 frame; borders and pin rings keep their on-screen width at any
    zoom, and the pins their on-screen size. ``table`` is the map's table view (the same sites, as rows).
    """
    if not markers:
        raise ValueError("a site map needs at least one marker")
    xs, ys = zip(*(marker_position(m) for m in markers), strict=True)
    width = max(max(xs) - min(xs), 2.0) * 1.4
    height = max(max(ys) - min(ys), 2.0) * 1.4
    width = max(width, height * _SITE_ASPECT)
    height = width / _SITE_ASPECT
    left = (max(xs) + min(xs) - width) / 2
    top = (max(ys) + min(ys) - height) / 2
    scale = width / WIDTH * 1.5
    title_id = f"{chart_id}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.3f} {top:.3f} {width:.3f} {height:.3f}" '
        f'role="group" aria-labelledby="{title_id}" class="map-graphic site-map">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<rect x="{left:.3f}" y="{top:.3f}" width="{width:.3f}" height="{height:.3f}" fill="#dceaf5"/>'
        f'<g stroke="{_BORDER}" stroke-width="0.8">'
    ]
    for shape in world_shapes():
        fill = "#c9dcef" if shape.iso3 in shaded else "#f2f2f2"
        parts.append(
            f'<path d="{shape.path}" fill="{fill}" vector-effect="non-scaling-stroke">'
            f"<title>{escape(shape.name)}</title></path>"
        )
    parts.append('</g><g class="map-pins">')
    parts.extend(_marker_svg(m, scale) for m in sorted(markers, key=lambda m: m.chosen))
    parts.append("</g></svg>")
    return Chart(chart_id, title, Markup("".join(parts)), table, "", list(sources))
