"""Negotiations (``/ui/negotiations``): the processes and the form that opens one (conflict, parties,
mediators), and one negotiation's rounds timeline, issues and the implementation of its agreements'
provisions as a heat map (0 none to 3 full; blank: not scored), with the forms that add a round, record the
agreement reached and score a provision for a year.

A refused form re-renders its page with the message beside the field and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from detente.web.charts import heat_map
from detente.web.context import Page, PageContext, render
from detente.web.forms import FormError, int_or_none, submit, viewer
from detente.web.viewmodels import negotiation_forms, negotiations
from detente.web.views import Chart

__all__ = ["router"]

router = APIRouter()

STATUSES = ("ongoing", "suspended", "concluded", "failed")


@dataclass(frozen=True)
class ListPage:
    rows: list[negotiations.NegotiationRow]
    status: str | None
    form: negotiation_forms.NegotiationForm
    values: dict[str, str] = field(default_factory=dict)
    chosen: dict[str, list[str]] = field(default_factory=dict)
    """The values of the multiple selects posted (kept after a refusal)."""
    error: FormError | None = None
    statuses: tuple[str, ...] = STATUSES


@dataclass(frozen=True)
class DetailPage:
    detail: negotiations.NegotiationDetail
    heat: Chart | None
    error: FormError | None = None
    values: dict[str, str] = field(default_factory=dict)
    form: str | None = None
    """Which form of the page was refused (``edit``, ``round``, ``agreement``, ``score``)."""
    scores: tuple[int, ...] = (0, 1, 2, 3)


def list_page(
    ctx: PageContext,
    status: str | None = None,
    state_id: int | None = None,
    values: dict[str, str] | None = None,
    chosen: dict[str, list[str]] | None = None,
    error: FormError | None = None,
) -> ListPage:
    people = viewer(ctx)
    wanted = status if status in STATUSES else None
    rows = negotiations.negotiation_list(people, status=wanted, state_id=state_id)
    return ListPage(rows, wanted, negotiation_forms.negotiation_form(people), values or {}, chosen or {}, error)


@router.get("/ui/negotiations", response_class=HTMLResponse)
def negotiation_list(ctx: Page, status: str | None = None, state_id: str | None = None) -> HTMLResponse:
    """The negotiations released to the user, and (for editors) the form that opens one."""
    return render(ctx, "negotiations.html", list_page(ctx, status, int_or_none(state_id)))


@router.post("/ui/negotiations", response_class=HTMLResponse)
async def negotiation_create(ctx: Page) -> Response:
    """Open a negotiation with its parties and mediators (one transaction)."""
    return await submit(
        ctx,
        lambda posted: negotiation_forms.create_negotiation(viewer(ctx), posted.fields, posted.lists),
        template="negotiations.html",
        refused=lambda posted, error: list_page(ctx, None, None, posted.fields, posted.lists, error),
        done=lambda created: f"/ui/negotiations/{created['id']}",
    )


def detail_page(
    ctx: PageContext,
    negotiation_id: int,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    which: str | None = None,
) -> DetailPage:
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
    return DetailPage(detail, heat, error, values or {}, which)


@router.get("/ui/negotiations/{negotiation_id}", response_class=HTMLResponse)
def negotiation_view(ctx: Page, negotiation_id: int) -> HTMLResponse:
    """One negotiation: parties, rounds, issues, implementation."""
    return render(ctx, "negotiation.html", detail_page(ctx, negotiation_id))


async def _act(ctx: PageContext, negotiation_id: int, which: str, action: Callable[..., Any]) -> Response:
    """Run one of the negotiation page's forms; a refusal re-renders the page with the message beside its field."""
    return await submit(
        ctx,
        lambda posted: action(viewer(ctx), negotiation_id, posted.fields),
        template="negotiation.html",
        refused=lambda posted, error: detail_page(ctx, negotiation_id, error, posted.fields, which),
        done=f"/ui/negotiations/{negotiation_id}",
    )


@router.post("/ui/negotiations/{negotiation_id}/edit", response_class=HTMLResponse)
async def negotiation_edit(ctx: Page, negotiation_id: int) -> Response:
    """Change the negotiation's status, outcome and end date."""
    return await _act(ctx, negotiation_id, "edit", negotiation_forms.edit_negotiation)


@router.post("/ui/negotiations/{negotiation_id}/rounds", response_class=HTMLResponse)
async def negotiation_round(ctx: Page, negotiation_id: int) -> Response:
    """Add a round of talks."""
    return await _act(ctx, negotiation_id, "round", negotiation_forms.add_round)


@router.post("/ui/negotiations/{negotiation_id}/agreements", response_class=HTMLResponse)
async def negotiation_agreement(ctx: Page, negotiation_id: int) -> Response:
    """Record the agreement the negotiation reached, with its provisions."""
    return await _act(ctx, negotiation_id, "agreement", negotiation_forms.add_agreement)


@router.post("/ui/negotiations/{negotiation_id}/scores", response_class=HTMLResponse)
async def negotiation_score(ctx: Page, negotiation_id: int) -> Response:
    """Score a provision's implementation for a year (0-3)."""
    return await _act(ctx, negotiation_id, "score", negotiation_forms.record_score)
