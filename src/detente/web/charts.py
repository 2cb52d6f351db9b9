"""Charts as server-rendered SVG: lines over years, horizontal bars, and heat maps.

Each function returns a :class:`~detente.web.views.Chart`: the SVG (with a ``<title>`` and ``role="img"``)
and the same numbers as a :class:`~detente.web.views.Table`, which the page shows beside it (the table view
is the accessible form of the chart). An unknown value (``None``) is a gap in a line, a missing bar marked
``unknown``, or a hatched cell: never drawn as zero. Numbers on axes and in tables come from the page's
:class:`~detente.web.formatting.Formatter`, so they follow the reader's locale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from detente.web.formatting import UNKNOWN, Formatter
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = [
    "CATEGORY_COLOURS",
    "PALETTE",
    "SEQUENTIAL",
    "Series",
    "bar_chart",
    "category_heat_map",
    "heat_map",
    "line_chart",
    "nice_ticks",
    "sequential_colour",
]

PALETTE = ["#0b57a4", "#b3470c", "#2e7d32", "#6a1b9a", "#7a5d00", "#ad1457", "#00695c", "#37474f"]
"""Series colours, each at least 4.5:1 against white."""

SEQUENTIAL = ["#deebf7", "#9ecae1", "#4a98c9", "#1c6aaf", "#08306b"]
"""Five light-to-dark blues for quantities (choropleths, heat maps)."""

CATEGORY_COLOURS = {
    "ok": "#2e7d32",
    "at_risk": "#b36b00",
    "breach": "#b71c1c",
    "unknown": "#757575",
}
"""Colours of status categories (compliance and similar), each with white text at AA contrast."""

_TEXT = "#1a1a1a"
_GRID = "#c8c8c8"


@dataclass(frozen=True)
class Series:
    """One line: its name and its (year, value) points; ``None`` values are gaps."""

    name: str
    points: Sequence[tuple[int, float | None]]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``low`` .. ``high``."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks: list[float] = []
    value = start
    while value <= high + step * 0.5 and len(ticks) < 50:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _svg(chart_id: str, title: str, width: int, height: int, body: list[str]) -> Markup:
    title_id = f"{chart_id}-title"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(title_id)}" class="chart-graphic" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


def line_chart(
    chart_id: str,
    title: str,
    series: Sequence[Series],
    fmt: Formatter,
    *,
    unit: str = "",
    digits: int = 0,
    sources: Sequence[SourceLink] = (),
) -> Chart:
    """Values over years, one line per series, with a year x value table."""
    width, height, left, right, top, bottom = 640, 260, 64, 16, 16 + 18 * math.ceil(len(series) / 3), 32
    years = sorted({year for s in series for year, _ in s.points})
    values = [v for s in series for _, v in s.points if v is not None]
    body: list[str] = []
    if years and values:
        x0, x1 = years[0], max(years[-1], years[0] + 1)
        ticks = nice_ticks(min(0.0, min(values)), max(values))
        y0, y1 = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1

        def x(year: float) -> float:
            return left + (year - x0) / (x1 - x0) * (width - left - right)

        def y(value: float) -> float:
            return height - bottom - (value - y0) / (y1 - y0) * (height - top - bottom)

        for tick in ticks:
            body.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{_GRID}"/>'
                f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" fill="{_TEXT}">'
                f"{escape(fmt.number(tick, digits if tick != int(tick) else 0))}</text>"
            )
        for tick in nice_ticks(x0, x1, 6):
            if x0 <= tick <= x1:
                body.append(
                    f'<text x="{x(tick):.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
                    f'fill="{_TEXT}">{int(tick)}</text>'
                )
        for index, s in enumerate(series):
            colour = PALETTE[index % len(PALETTE)]
            path: list[str] = []
            pen_down = False
            for year, value in sorted(s.points, key=lambda point: point[0]):
                if value is None:
                    pen_down = False
                    continue
                path.append(f"{'L' if pen_down else 'M'}{x(year):.1f},{y(value):.1f}")
                pen_down = True
            if path:
                body.append(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
            lone = [(yr, v) for yr, v in s.points if v is not None]
            if len(lone) == 1:
                body.append(f'<circle cx="{x(lone[0][0]):.1f}" cy="{y(lone[0][1]):.1f}" r="3" fill="{colour}"/>')
            lx = left + (index % 3) * 190
            ly = 14 + 18 * (index // 3)
            body.append(
                f'<rect x="{lx}" y="{ly - 9}" width="12" height="4" fill="{colour}"/>'
                f'<text x="{lx + 16}" y="{ly - 3}" font-size="12" fill="{_TEXT}">{escape(s.name[:28])}</text>'
            )
    else:
        body.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{_TEXT}">no known values</text>'
        )
    by_series = [dict(s.points) for s in series]
    rows = [[Cell(str(year)), *(Cell(fmt.number(points.get(year), digits)) for points in by_series)] for year in years]
    table = Table(title, ["Year", *(s.name for s in series)], rows)
    return Chart(chart_id, title, _svg(chart_id, title, width, height, body), table, unit, list(sources))


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[tuple[str, float | None]],
    fmt: Formatter,
    *,
    unit: str = "",
    digits: int = 0,
    label_header: str = "Item",
    links: Sequence[str | None] | None = None,
    sources: Sequence[SourceLink] = (),
) -> Chart:
    """Horizontal bars, one per (label, value), in the order given."""
    row_height, label_width, value_width, width = 22, 170, 80, 640
    height = max(row_height * len(bars) + 10, 40)
    known = [v for _, v in bars if v is not None]
    top = max([*known, 0.0]) or 1.0
    scale = (width - label_width - value_width) / top
    body: list[str] = []
    for index, (label, value) in enumerate(bars):
        y = 5 + index * row_height
        body.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="{_TEXT}">'
            f"{escape(label[:26])}</text>"
        )
        if value is None:
            body.append(f'<text x="{label_width + 4}" y="{y + 15}" font-size="12" fill="{_TEXT}">{UNKNOWN}</text>')
            continue
        length = max(value, 0.0) * scale
        body.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row_height - 6}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}" font-size="12" fill="{_TEXT}">'
            f"{escape(fmt.number(value, digits))}</text>"
        )
    hrefs = list(links) if links is not None else [None] * len(bars)
    rows = [
        [Cell(label, href), Cell(fmt.number(value, digits))] for (label, value), href in zip(bars, hrefs, strict=True)
    ]
    table = Table(title, [label_header, unit or "Value"], rows)
    return Chart(chart_id, title, _svg(chart_id, title, width, height, body), table, unit, list(sources))


def sequential_colour(value: float | None, breaks: Sequence[float]) -> str:
    """The :data:`SEQUENTIAL` colour of ``value`` given the class upper bounds ``breaks`` (grey if unknown)."""
    if value is None:
        return "#f2f2f2"
    for index, bound in enumerate(breaks):
        if value <= bound:
            return SEQUENTIAL[min(index, len(SEQUENTIAL) - 1)]
    return SEQUENTIAL[-1]


def _text_on(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red**2.2 + 0.7152 * green**2.2 + 0.0722 * blue**2.2
    return "#ffffff" if luminance < 0.3 else _TEXT


def _grid(
    chart_id: str,
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    colour_and_text: Callable[[int, int], tuple[str, str]],
) -> Markup:
    cell_w, cell_h, label_w, head_h = 56, 24, 170, 70
    width = label_w + cell_w * len(column_labels) + 8
    height = head_h + cell_h * len(row_labels) + 8
    body: list[str] = [
        '<defs><pattern id="unknown-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>'
    ]
    for c, label in enumerate(column_labels):
        cx = label_w + c * cell_w + cell_w / 2
        body.append(
            f'<text x="{cx:.1f}" y="{head_h - 6}" font-size="11" fill="{_TEXT}" '
            f'transform="rotate(-40 {cx:.1f} {head_h - 6})">{escape(label[:16])}</text>'
        )
    for r, label in enumerate(row_labels):
        y = head_h + r * cell_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12" fill="{_TEXT}">'
            f"{escape(label[:26])}</text>"
        )
        for c in range(len(column_labels)):
            colour, text = colour_and_text(r, c)
            fill = "url(#unknown-hatch)" if colour == "hatch" else colour
            ink = _TEXT if colour == "hatch" else _text_on(colour)
            x = label_w + c * cell_w
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>'
                f'<text x="{x + cell_w / 2 - 1:.1f}" y="{y + 16}" text-anchor="middle" font-size="10" '
                f'fill="{ink}">{escape(text[:8])}</text>'
            )
    return _svg(chart_id, title, width, height, body)


def heat_map(
    chart_id: str,
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    fmt: Formatter,
    *,
    unit: str = "",
    digits: int = 0,
    sources: Sequence[SourceLink] = (),
) -> Chart:
    """A rows x columns grid of quantities shaded light to dark; unknown cells hatched."""
    known = sorted(v for row in values for v in row if v is not None)
    breaks = [known[min(len(known) - 1, math.ceil(len(known) * q / 5) - 1)] for q in range(1, 6)] if known else []

    def colour_and_text(r: int, c: int) -> tuple[str, str]:
        value = values[r][c]
        if value is None:
            return "hatch", "?"
        return sequential_colour(value, breaks), fmt.number(value, digits)

    svg = _grid(chart_id, title, row_labels, column_labels, colour_and_text)
    rows = [
        [Cell(label), *(Cell(fmt.number(v, digits)) for v in row)]
        for label, row in zip(row_labels, values, strict=True)
    ]
    return Chart(chart_id, title, svg, Table(title, ["", *column_labels], rows), unit, list(sources))


def category_heat_map(
    chart_id: str,
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    categories: Sequence[Sequence[str | None]],
    *,
    colours: dict[str, str] | None = None,
    sources: Sequence[SourceLink] = (),
) -> Chart:
    """A rows x columns grid of statuses (``ok``, ``at_risk``, ``breach`` ...), each with its own colour."""
    palette = colours or CATEGORY_COLOURS

    def colour_and_text(r: int, c: int) -> tuple[str, str]:
        status = categories[r][c]
        if status is None:
            return "hatch", "?"
        return palette.get(status, CATEGORY_COLOURS["unknown"]), status.replace("_", " ")

    svg = _grid(chart_id, title, row_labels, column_labels, colour_and_text)
    rows = [
        [Cell(label), *(Cell(status or UNKNOWN) for status in row)]
        for label, row in zip(row_labels, categories, strict=True)
    ]
    return Chart(chart_id, title, svg, Table(title, ["", *column_labels], rows), "", list(sources))
