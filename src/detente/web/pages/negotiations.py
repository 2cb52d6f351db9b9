"""Negotiations (``/ui/negotiations``): the processes, and one negotiation's rounds timeline, issues and the
implementation of its agreements' provisions as a heat map (0 none to 3 full; blank: not scored).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from detente.web.charts import heat_map
from detente.web.context import Page, render
from detente.web.forms import int_or_none, viewer
from detente.web.viewmodels import negotiations
from detente.web.views import Chart

__all__ = ["router"]

router = APIRouter()

STATUSES = ("ongoing", "suspended", "concluded", "failed")


@dataclass(frozen=True)
class ListPage:
    rows: list[negotiations.NegotiationRow]
    status: str | None
    statuses: tuple[str, ...] = STATUSES


@dataclass(frozen=True)
class DetailPage:
    detail: negotiations.NegotiationDetail
    heat: Chart | None


@router.get("/ui/negotiations", response_class=HTMLResponse)
def negotiation_list(ctx: Page, status: str | None = None, state_id: str | None = None) -> HTMLResponse:
    """The negotiations released to the user."""
    chosen = status if status in STATUSES else None
    rows = negotiations.negotiation_list(viewer(ctx), status=chosen, state_id=int_or_none(state_id))
    return render(ctx, "negotiations.html", ListPage(rows, chosen))


@router.get("/ui/negotiations/{negotiation_id}", response_class=HTMLResponse)
def negotiation_view(ctx: Page, negotiation_id: int) -> HTMLResponse:
    """One negotiation: parties, rounds, issues, implementation."""
    detail = negotiations.negotiation_detail(viewer(ctx), negotiation_id)
    heat = None
    if detail.heat.rows:
        heat = heat_map(
            "implementation",
            "Implementation of each provision by year (0 none, 1 minimal, 2 intermediate, 3 full)",
            [label for label, _ in detail.heat.rows],
            [str(year) for year in detail.heat.years],
            [[None if v is None else float(v) for v in cells] for _, cells in detail.heat.rows],
            ctx.fmt,
        )
    return render(ctx, "negotiation.html", DetailPage(detail, heat))
