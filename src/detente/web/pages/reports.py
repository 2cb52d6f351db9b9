"""Attaché reports (``/ui/reports``): search and filter (region, dates, reliability), write a report, read one
with its journal notes and add a note.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import REFUSED, form_fields, int_or_none, refused_status, see_other, service, viewer
from detente.web.viewmodels import reports

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class ListPage:
    listing: reports.ReportList
    form: dict[str, str]
    error: str | None
    older: str | None


@dataclass(frozen=True)
class ReportPage:
    detail: reports.ReportDetail
    error: str | None


def list_page(
    ctx: PageContext, params: dict[str, str], form: dict[str, str] | None = None, error: str | None = None
) -> ListPage:
    offset = max(0, int_or_none(params.get("offset")) or 0)
    listing = reports.search(
        viewer(ctx),
        query=params.get("q"),
        region=params.get("region"),
        reliability=params.get("reliability"),
        since=params.get("since"),
        until=params.get("until"),
        offset=offset,
    )
    older = None
    if offset + listing.limit < listing.total:
        kept = "&".join(f"{k}={v}" for k, v in params.items() if k != "offset" and v)
        older = f"/ui/reports?{kept}&offset={offset + listing.limit}"
    return ListPage(listing, form or {}, error, older)


@router.get("/ui/reports", response_class=HTMLResponse)
def report_list(request: Request, ctx: Page) -> HTMLResponse:
    """Search the reports released to the user."""
    view = list_page(ctx, dict(request.query_params))
    return render(ctx, "reports.html", view, status=400 if view.listing.error else 200)


@router.post("/ui/reports", response_class=HTMLResponse)
async def report_write(request: Request, ctx: Page) -> Response:
    """Write a report (analysts and up)."""
    form = await form_fields(request)
    try:
        created = await service(reports.write, viewer(ctx), form)
    except REFUSED as error:
        view = await service(list_page, ctx, {}, form, str(error))
        return render(ctx, "reports.html", view, status=refused_status(error))
    return see_other(f"/ui/reports/{created['id']}")


def report_page(ctx: PageContext, report_id: int, error: str | None = None) -> ReportPage:
    return ReportPage(reports.report_detail(viewer(ctx), report_id), error)


@router.get("/ui/reports/{report_id}", response_class=HTMLResponse)
def report_view(ctx: Page, report_id: int) -> HTMLResponse:
    """One report and its journal notes."""
    return render(ctx, "report.html", report_page(ctx, report_id))


@router.post("/ui/reports/{report_id}/notes", response_class=HTMLResponse)
async def report_note(request: Request, ctx: Page, report_id: int) -> Response:
    """Add a journal note to the report."""
    form = await form_fields(request)
    try:
        await service(reports.add_note, viewer(ctx), report_id, form)
    except REFUSED as error:
        view = await service(report_page, ctx, report_id, str(error))
        return render(ctx, "report.html", view, status=refused_status(error))
    return see_other(f"/ui/reports/{report_id}")
