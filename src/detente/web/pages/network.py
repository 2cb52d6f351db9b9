"""The network page (``/ui/network``): alliances, exercises, arms transfers or co-deployments in one year.

The ties, centralities and communities come from :func:`detente.analysis.networks.network`; the layout is
computed here with igraph (Fruchterman-Reingold from a circle, so the same year always looks the same) and
drawn as SVG: node size follows degree, colour the community, and each node links to its country page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import igraph as ig
import numpy as np
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from detente.analysis.networks import KINDS, Network, NetworkCoverageError, network
from detente.web.charts import PALETTE
from detente.web.context import Page, PageContext, render
from detente.web.lookups import country_href, memo, source_href
from detente.web.views import Cell, Chart, SourceLink, Table

__all__ = ["KIND_LABELS", "NetworkView", "router"]

router = APIRouter()

KIND_LABELS = {
    "alliances": "Alliances (ATOP)",
    "exercises": "Joint exercises (MME/JME)",
    "arms": "Arms transfers (SIPRI TIV)",
    "pko": "Peacekeeping co-deployments (IPI)",
    "dca": "Defence cooperation agreements (DCAD)",
}
SIZE = 760.0


@dataclass(frozen=True)
class NetworkView:
    """The network page."""

    kind: str
    kinds: list[tuple[str, str, int, int]]
    year: int
    chart: Chart | None
    summary: str
    error: str | None


def _radius(degree: int, top: int) -> float:
    return 3 + 7 * math.sqrt(degree / top)


def _spread(points: np.ndarray, radii: np.ndarray, rounds: int = 60) -> np.ndarray:
    """Push apart nodes that overlap (closer than their radii plus a gap), keeping the layout's shape."""
    for _ in range(rounds):
        delta = points[:, None, :] - points[None, :, :]
        distance = np.sqrt((delta**2).sum(axis=2)) + np.eye(len(points))
        wanted = radii[:, None] + radii[None, :] + 3.0
        overlap = np.clip(wanted - distance, 0.0, None)
        np.fill_diagonal(overlap, 0.0)
        if not overlap.any():
            break
        push = (delta / distance[:, :, None]) * (overlap / 2)[:, :, None]
        points = points + push.sum(axis=1)
    return points


def _layout(found: Network) -> dict[int, tuple[float, float]]:
    """Node positions in pixels: Fruchterman-Reingold from a circle (repeatable), scaled, overlaps removed."""
    codes = [node.state.ccode for node in found.nodes]
    index = {code: i for i, code in enumerate(codes) if code is not None}
    if not index:
        return {}
    edges = [(index[e.source], index[e.target]) for e in found.edges if e.source in index and e.target in index]
    graph = ig.Graph(n=len(codes), edges=edges, directed=False)
    count = len(codes)
    start = [[math.cos(2 * math.pi * i / count), math.sin(2 * math.pi * i / count)] for i in range(count)]
    points = np.array(graph.layout_fruchterman_reingold(seed=start, niter=200).coords, dtype=float)
    margin = 40.0
    points -= points.min(axis=0)
    span = float(points.max()) or 1.0
    points = margin + points * ((SIZE - 2 * margin) / span)
    top = max((node.degree for node in found.nodes), default=1) or 1
    radii = np.array([_radius(node.degree, top) for node in found.nodes])
    points = np.clip(_spread(points, radii), margin / 2, SIZE - margin / 2)
    return {code: (float(points[i][0]), float(points[i][1])) for code, i in index.items()}


def _svg(found: Network, title: str) -> Markup:
    where = _layout(found)
    degree = {node.state.ccode: node.degree for node in found.nodes}
    top = max(degree.values(), default=1) or 1
    labelled: set[int | None] = set()
    for community in {n.community for n in found.nodes}:  # the three best-connected states of each bloc
        members = sorted((n for n in found.nodes if n.community == community), key=lambda n: (-n.degree, n.state.name))
        labelled.update(n.state.ccode for n in members[:3])
    heaviest = max((e.weight for e in found.edges), default=1.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE:.0f} {SIZE:.0f}" '
        'role="group" aria-labelledby="network-title" class="chart-graphic">'
        f'<title id="network-title">{escape(title)}</title>'
        '<g stroke="#8c8c8c" stroke-opacity="0.45">'
    ]
    for edge in found.edges:
        if edge.source in where and edge.target in where:
            (x1, y1), (x2, y2) = where[edge.source], where[edge.target]
            width = 0.4 + 1.6 * min(edge.weight / heaviest, 1.0)
            parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke-width="{width:.1f}"/>')
    parts.append("</g>")
    labels: list[str] = []
    for node in found.nodes:
        code = node.state.ccode
        if code not in where:
            continue
        x, y = where[code]
        radius = _radius(node.degree, top)
        colour = PALETTE[node.community % len(PALETTE)]
        name = escape(node.state.name)
        circle = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" stroke="#ffffff" stroke-width="1">'
            f"<title>{name}: {node.degree} partners</title></circle>"
        )
        if code in labelled:
            labels.append(f'<text x="{x + radius + 2:.1f}" y="{y + 4:.1f}">{name}</text>')
        href = country_href(node.state.iso3, code, node.state.state_id if node.state.state_id > 0 else None)
        parts.append(f'<a href="{escape(href)}" aria-label="{name}, {node.degree} partners">{circle}</a>')
    # labels above every node, but not in the way of a pointer (each node's link carries its name)
    parts.append(f'<g font-size="11" fill="#1a1a1a" pointer-events="none" aria-hidden="true">{"".join(labels)}</g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def build_network(ctx: PageContext, kind: str, year: int) -> tuple[Chart, str]:
    """The network chart of ``kind`` in ``year`` and a one-line summary."""
    title = f"{KIND_LABELS[kind]}, {year}"
    found, svg = memo(ctx.store, f"network:{kind}:{year}", lambda: _drawn(ctx, kind, year, title))
    fmt = ctx.fmt
    rows = [
        [
            Cell(
                n.state.name,
                country_href(n.state.iso3, n.state.ccode, n.state.state_id if n.state.state_id > 0 else None),
            ),
            Cell(fmt.number(n.degree)),
            Cell(fmt.number(n.strength, 1)),
            Cell(fmt.number(n.betweenness, 3)),
            Cell(fmt.number(n.community + 1)),
        ]
        for n in sorted(found.nodes, key=lambda n: (-n.degree, n.state.name))
    ]
    table = Table(title, ["State", "Partners", "Strength", "Betweenness", "Bloc"], rows)
    sources = [SourceLink(key.removeprefix("source:"), source_href(key)) for key in KINDS[kind][2]]
    summary = (
        f"{fmt.number(len(found.nodes))} states, {fmt.number(len(found.edges))} ties, "
        f"{fmt.number(found.communities)} blocs (modularity {fmt.number(found.modularity, 2)})"
    )
    return Chart("network", title, svg, table, "", sources), summary


def _drawn(ctx: PageContext, kind: str, year: int, title: str) -> tuple[Network, Markup]:
    found = network(ctx.store, kind, year)
    return found, _svg(found, title)


@router.get("/ui/network", response_class=HTMLResponse)
def network_page(
    ctx: Page,
    kind: Annotated[str, Query(max_length=20)] = "alliances",
    year: Annotated[int | None, Query(ge=1816, le=2100)] = None,
) -> HTMLResponse:
    """The network of one kind of tie in one year."""
    chosen = kind if kind in KINDS else "alliances"
    first, last = KINDS[chosen][1]
    shown = year if year is not None else last
    kinds = [(k, KIND_LABELS[k], KINDS[k][1][0], KINDS[k][1][1]) for k in KIND_LABELS if k in KINDS]
    try:
        chart, summary = build_network(ctx, chosen, shown)
    except NetworkCoverageError as error:
        view = NetworkView(chosen, kinds, shown, None, "", f"{error} (covered: {first} to {last})")
        return render(ctx, "network.html", view, status=404)
    return render(ctx, "network.html", NetworkView(chosen, kinds, shown, chart, summary, None))
