"""Security assistance (``/ui/cases``): cases by status as a board, and one case with the gates of its next
step (which passed, which block it and why), its lines, deliveries and end-use checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.services.errors import GateError
from detente.web.context import Page, PageContext, render
from detente.web.forms import REFUSED, form_fields, int_or_none, refused_status, see_other, service, viewer
from detente.web.viewmodels import cases

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class CasePage:
    detail: cases.CaseDetail
    error: str | None


@router.get("/ui/cases", response_class=HTMLResponse)
def case_board(ctx: Page, state_id: str | None = None) -> HTMLResponse:
    """Every case the user may see, one column per status."""
    return render(ctx, "cases.html", cases.case_board(viewer(ctx), state_id=int_or_none(state_id)))


def case_page(ctx: PageContext, case_id: int, error: str | None = None) -> CasePage:
    return CasePage(cases.case_detail(viewer(ctx), case_id), error)


@router.get("/ui/cases/{case_id}", response_class=HTMLResponse)
def case_view(ctx: Page, case_id: int) -> HTMLResponse:
    """One case and the gates of its next step."""
    return render(ctx, "case.html", case_page(ctx, case_id))


@router.post("/ui/cases/{case_id}/transition", response_class=HTMLResponse)
async def case_transition(request: Request, ctx: Page, case_id: int) -> Response:
    """Move the case on; a gate that blocks it answers with its reason."""
    form = await form_fields(request)
    try:
        await service(cases.move_case, viewer(ctx), case_id, form.get("to", ""), int_or_none(form.get("version")) or 0)
    except (GateError, *REFUSED) as error:
        view = await service(case_page, ctx, case_id, str(error))
        return render(ctx, "case.html", view, status=refused_status(error))
    return see_other(f"/ui/cases/{case_id}")
