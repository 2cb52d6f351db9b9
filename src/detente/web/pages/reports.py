"""Attaché reports (``/ui/reports``): search and filter (region, dates, reliability), write a report (and link it
to the states, organizations and engagements it is about), read one with its journal notes and links, add a
note or a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import (
    REFUSED,
    FormError,
    form_error,
    form_fields,
    form_lists,
    int_or_none,
    refused_status,
    see_other,
    service,
    viewer,
)
from detente.web.viewmodels import report_links, reports

__all__ = ["router"]

router = APIRouter()


@dataclass(frozen=True)
class ListPage:
    listing: reports.ReportList
    form: dict[str, str]
    error: FormError | None
    older: str | None
    chosen: dict[str, list[str]] = field(default_factory=dict)
    """The values of the multiple selects posted (kept after a refusal)."""


@dataclass(frozen=True)
class ReportPage:
    detail: reports.ReportDetail
    error: FormError | None
    which: str | None = None
    """Which form was refused (``note`` or ``link``)."""
    chosen: dict[str, list[str]] = field(default_factory=dict)


def list_page(
    ctx: PageContext,
    params: dict[str, str],
    form: dict[str, str] | None = None,
    error: FormError | None = None,
    chosen: dict[str, list[str]] | None = None,
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
    return ListPage(listing, form or {}, error, older, chosen or {})


@router.get("/ui/reports", response_class=HTMLResponse)
def report_list(request: Request, ctx: Page) -> HTMLResponse:
    """Search the reports released to the user."""
    view = list_page(ctx, dict(request.query_params))
    return render(ctx, "reports.html", view, status=400 if view.listing.error else 200)


@router.post("/ui/reports", response_class=HTMLResponse)
async def report_write(request: Request, ctx: Page) -> Response:
    """Write a report (analysts and up), linked to what it is about."""
    form = await form_fields(request)
    lists = await form_lists(request)
    try:
        created = await service(reports.write, viewer(ctx), form, lists)
    except REFUSED as error:
        view = await service(list_page, ctx, {}, form, form_error(error, report_links.FIELDS), lists)
        return render(ctx, "reports.html", view, status=refused_status(error))
    return see_other(f"/ui/reports/{created['id']}")


def report_page(
    ctx: PageContext,
    report_id: int,
    error: FormError | None = None,
    which: str | None = None,
    chosen: dict[str, list[str]] | None = None,
) -> ReportPage:
    return ReportPage(reports.report_detail(viewer(ctx), report_id), error, which, chosen or {})


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
        view = await service(report_page, ctx, report_id, form_error(error), "note")
        return render(ctx, "report.html", view, status=refused_status(error))
    return see_other(f"/ui/reports/{report_id}")


@router.post("/ui/reports/{report_id}/links", response_class=HTMLResponse)
async def report_link(request: Request, ctx: Page, report_id: int) -> Response:
    """Link the report to more states, organizations or engagements (one transaction)."""
    form = await form_fields(request)
    lists = await form_lists(request)
    try:
        await service(report_links.add_link, viewer(ctx), report_id, form, lists)
    except REFUSED as error:
        view = await service(report_page, ctx, report_id, form_error(error, report_links.FIELDS), "link", lists)
        return render(ctx, "report.html", view, status=refused_status(error))
    return see_other(f"/ui/reports/{report_id}")
