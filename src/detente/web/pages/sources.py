"""The sources page (``/ui/sources``): every registered dataset, how to cite it, its versions, load status.

Each source has an anchor ``#source-NAME`` that figures elsewhere link to. The catalogue is public (no
markings): it describes datasets, not users' records.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from detente.sources.registry import list_sources
from detente.store.models import Source, SourceVersion
from detente.web.context import Page, PageContext, render
from detente.web.views import Cell, Table

__all__ = ["SourceEntry", "SourcesView", "router"]

router = APIRouter()


@dataclass(frozen=True)
class SourceEntry:
    """One dataset as the sources page shows it."""

    name: str
    title: str
    publisher: str
    citation: str
    terms: str
    redistribution: str
    status: str
    versions: Table


@dataclass(frozen=True)
class SourcesView:
    """The sources page."""

    loaded: int
    known: int
    entries: list[SourceEntry]


def build_sources(ctx: PageContext) -> SourcesView:
    """Registered sources joined with what the store holds of them."""
    fmt = ctx.fmt
    with ctx.store.sessions() as session:
        stored = {row.name: row for row in session.scalars(select(Source))}
        versions: dict[int, list[SourceVersion]] = {}
        for version in session.scalars(select(SourceVersion).order_by(SourceVersion.id.desc())):
            versions.setdefault(version.source_id, []).append(version)
    entries: list[SourceEntry] = []
    registered = {s.name: s for s in list_sources()}
    for name in sorted(set(registered) | set(stored)):
        row = stored.get(name)
        spec = registered[name].spec if name in registered else None
        held = versions.get(row.id, []) if row is not None else []
        table = Table(
            f"Versions of {name}",
            ["Version", "Retrieved", "Loaded", "Rows"],
            [
                [
                    Cell(v.version),
                    Cell(fmt.datetime(v.retrieved_at)),
                    Cell(fmt.datetime(v.loaded_at) if v.loaded_at else "not loaded"),
                    Cell(fmt.number(sum(int(n) for n in (v.row_counts or {}).values())) if v.row_counts else "unknown"),
                ]
                for v in held
            ],
        )
        loaded = any(v.loaded_at for v in held)
        entries.append(
            SourceEntry(
                name=name,
                title=row.title if row is not None else (spec.title if spec else name),
                publisher=row.publisher if row is not None else (spec.publisher if spec else "unknown"),
                citation=row.citation if row is not None else (spec.citation.text if spec else "unknown"),
                terms=row.terms if row is not None else "",
                redistribution=row.redistribution if row is not None else "",
                status="loaded" if loaded else ("registered, retrieved but not loaded" if held else "not loaded"),
                versions=table,
            )
        )
    return SourcesView(sum(1 for e in entries if e.status == "loaded"), len(entries), entries)


@router.get("/ui/sources", response_class=HTMLResponse)
def sources(ctx: Page) -> HTMLResponse:
    """Every source with its citation, versions and load status."""
    return render(ctx, "sources.html", build_sources(ctx))
