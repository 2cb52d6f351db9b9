"""The home page (``/ui/``): what a user looks at first."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from detente.store.models import Source, SourceVersion
from detente.web.context import Page, PageContext, render
from detente.web.views import Cell, Table

__all__ = ["HomeView", "router"]

router = APIRouter()


@dataclass(frozen=True)
class HomeView:
    """Everything the home page shows."""

    freshness: Table


def _freshness(ctx: PageContext) -> Table:
    with ctx.store.engine.connect() as connection:
        rows = connection.execute(
            select(Source.name, func.max(SourceVersion.version), func.max(SourceVersion.loaded_at))
            .join(SourceVersion, SourceVersion.source_id == Source.id)
            .group_by(Source.name)
            .order_by(Source.name)
        ).all()
    return Table(
        "Data freshness per source",
        ["Source", "Version", "Loaded"],
        [
            [Cell(name, f"/ui/sources#source-{name}"), Cell(str(version)), Cell(ctx.fmt.datetime(at))]
            for name, version, at in rows
        ],
    )


@router.get("/ui/", response_class=HTMLResponse)
def home(ctx: Page) -> HTMLResponse:
    """The home page."""
    return render(ctx, "home.html", HomeView(freshness=_freshness(ctx)))
