"""Security assistance (``/ui/cases``): cases by status as a board with the form that opens a case (partner
state, programme, marking, first lines), and one case with the gates of its next step (which passed, which
block it and why), its lines, deliveries and end-use checks, and the forms that add to them.

Every form re-renders its page with the refusal beside the field (and stores nothing) when the input is bad,
the user's role does not allow it or a gate blocks it; a stored change answers with a 303 to the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import FormError, int_or_none, submit, viewer
from detente.web.viewmodels import case_forms, cases

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class BoardPage:
    board: cases.CaseBoard
    form: case_forms.CaseForm
    values: dict[str, str] = field(default_factory=dict)
    error: FormError | None = None


@dataclass(frozen=True)
class CasePage:
    detail: cases.CaseDetail
    error: FormError | None
    values: dict[str, str] = field(default_factory=dict)
    form: str | None = None
    """Which form of the page was refused (``edit``, ``line``, ``delivery``, ``check``, ``transition``)."""


def board_page(
    ctx: PageContext, state_id: int | None = None, values: dict[str, str] | None = None, error: FormError | None = None
) -> BoardPage:
    people = viewer(ctx)
    return BoardPage(cases.case_board(people, state_id=state_id), case_forms.case_form(people), values or {}, error)


@router.get("/ui/cases", response_class=HTMLResponse)
def case_board(ctx: Page, state_id: str | None = None) -> HTMLResponse:
    """Every case the user may see, one column per status, and (for editors) the form that opens one."""
    return render(ctx, "cases.html", board_page(ctx, int_or_none(state_id)))


@router.post("/ui/cases", response_class=HTMLResponse)
async def case_create(ctx: Page) -> Response:
    """Open a case with its first lines (one transaction)."""
    return await submit(
        ctx,
        lambda posted: case_forms.create_case(viewer(ctx), posted.fields),
        template="cases.html",
        refused=lambda posted, error: board_page(ctx, None, posted.fields, error),
        done=lambda created: f"/ui/cases/{created['id']}",
    )


def case_page(
    ctx: PageContext,
    case_id: int,
    error: FormError | None = None,
    values: dict[str, str] | None = None,
    which: str | None = None,
) -> CasePage:
    return CasePage(cases.case_detail(viewer(ctx), case_id), error, values or {}, which)


@router.get("/ui/cases/{case_id}", response_class=HTMLResponse)
def case_view(ctx: Page, case_id: int) -> HTMLResponse:
    """One case and the gates of its next step."""
    return render(ctx, "case.html", case_page(ctx, case_id))


async def _act(ctx: PageContext, case_id: int, which: str, action: Callable[..., Any]) -> Response:
    """Run one of the case page's forms; a refusal re-renders the page with the message beside its field."""
    return await submit(
        ctx,
        lambda posted: action(viewer(ctx), case_id, posted.fields),
        template="case.html",
        refused=lambda posted, error: case_page(ctx, case_id, error, posted.fields, which),
        done=f"/ui/cases/{case_id}",
    )


def _move(people: Any, case_id: int, form: dict[str, str]) -> dict[str, Any]:
    return cases.move_case(people, case_id, form.get("to", ""), int_or_none(form.get("version")) or 0)


@router.post("/ui/cases/{case_id}/transition", response_class=HTMLResponse)
async def case_transition(ctx: Page, case_id: int) -> Response:
    """Move the case on; a gate that blocks it answers with its reason."""
    return await _act(ctx, case_id, "transition", _move)


@router.post("/ui/cases/{case_id}/edit", response_class=HTMLResponse)
async def case_edit(ctx: Page, case_id: int) -> Response:
    """Change a requested case's terms (against the version read)."""
    return await _act(ctx, case_id, "edit", case_forms.edit_case)


@router.post("/ui/cases/{case_id}/lines", response_class=HTMLResponse)
async def case_line(ctx: Page, case_id: int) -> Response:
    """Add a line to the case."""
    return await _act(ctx, case_id, "line", case_forms.add_line)


@router.post("/ui/cases/{case_id}/deliveries", response_class=HTMLResponse)
async def case_delivery(ctx: Page, case_id: int) -> Response:
    """Record a delivery (serial numbers) against a line; the vetting gate of its unit may refuse it."""
    return await _act(ctx, case_id, "delivery", case_forms.record_delivery)


@router.post("/ui/cases/{case_id}/checks", response_class=HTMLResponse)
async def case_check(ctx: Page, case_id: int) -> Response:
    """Record an end-use check (serial numbers seen, discrepancy)."""
    return await _act(ctx, case_id, "check", case_forms.add_check)
