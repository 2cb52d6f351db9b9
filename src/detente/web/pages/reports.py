"""Attaché reports (``/ui/reports``): search and filter (region, dates, reliability), write a report (and link it
to the states, organizations and engagements it is about), read one with its journal notes and links, add a
note or a link, remove a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from detente.web.context import Page, PageContext, render
from detente.web.forms import FormError, int_or_none, submit, viewer
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
    """Which form was refused (``note``, ``link``, or ``unlink-<link id>`` for a link's remove button)."""
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
async def report_write(ctx: Page) -> Response:
    """Write a report (analysts and up), linked to what it is about."""
    return await submit(
        ctx,
        lambda posted: reports.write(viewer(ctx), posted.fields, posted.lists),
        template="reports.html",
        refused=lambda posted, error: list_page(ctx, {}, posted.fields, error, posted.lists),
        done=lambda created: f"/ui/reports/{created['id']}",
        fields=report_links.FIELDS,
    )


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
async def report_note(ctx: Page, report_id: int) -> Response:
    """Add a journal note to the report."""
    return await submit(
        ctx,
        lambda posted: reports.add_note(viewer(ctx), report_id, posted.fields),
        template="report.html",
        refused=lambda posted, error: report_page(ctx, report_id, error, "note"),
        done=f"/ui/reports/{report_id}",
    )


@router.post("/ui/reports/{report_id}/links", response_class=HTMLResponse)
async def report_link(ctx: Page, report_id: int) -> Response:
    """Link the report to more states, organizations or engagements (one transaction)."""
    return await submit(
        ctx,
        lambda posted: report_links.add_link(viewer(ctx), report_id, posted.fields, posted.lists),
        template="report.html",
        refused=lambda posted, error: report_page(ctx, report_id, error, "link", posted.lists),
        done=f"/ui/reports/{report_id}",
        fields=report_links.FIELDS,
    )


@router.post("/ui/reports/{report_id}/links/{link_id}/remove", response_class=HTMLResponse)
async def report_unlink(ctx: Page, report_id: int, link_id: int) -> Response:
    """Remove one of the report's links (the report and its other links stay as they are)."""
    return await submit(
        ctx,
        lambda posted: report_links.remove_link(viewer(ctx), report_id, link_id, posted.fields),
        template="report.html",
        refused=lambda posted, error: report_page(ctx, report_id, error, f"unlink-{link_id}"),
        done=f"/ui/reports/{report_id}#about",
        fields={"": f"unlink-{link_id}", "version": f"unlink-{link_id}"},
    )
