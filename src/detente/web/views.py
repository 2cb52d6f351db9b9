"""Small view-model pieces every page uses: table cells, tables, source links, charts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from markupsafe import Markup

__all__ = ["Cell", "Chart", "Pager", "SourceLink", "Table", "cell", "pager"]


@dataclass(frozen=True)
class Cell:
    """One table cell: text as shown, and where it links to (if anywhere)."""

    text: str
    href: str | None = None


def cell(text: object, href: str | None = None) -> Cell:
    """A cell from any value (already formatted by the page where it is a number or a date)."""
    return Cell(str(text), href)


@dataclass(frozen=True)
class Table:
    """A table: its caption (also its accessible name), header and rows of cells."""

    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass(frozen=True)
class SourceLink:
    """A citation a figure rests on, linking to the sources page's entry for it."""

    label: str
    href: str


@dataclass(frozen=True)
class Chart:
    """A chart drawn server-side: the SVG, the same numbers as a table, and the sources behind them."""

    id: str
    title: str
    svg: Markup
    table: Table
    unit: str = ""
    sources: list[SourceLink] = field(default_factory=list)
    table_open: bool = False


@dataclass(frozen=True)
class Pager:
    """Where a long table is: "Showing 51-100 of 1,234", and the addresses of the previous and next pages."""

    text: str
    previous: str | None
    following: str | None
    offset: int = 0
    limit: int = 50


def pager(
    path: str, params: Mapping[str, str], key: str, offset: int, limit: int, total: int, number: Callable[[int], str]
) -> Pager:
    """The pager of one table on a page that may hold several: ``key`` is the table's offset parameter, and
    every other parameter of ``params`` is kept in the links (so paging one table leaves the others where they
    are). ``number`` formats counts in the reader's locale."""

    def at(start: int) -> str:
        kept = {k: v for k, v in params.items() if k != key and v}
        if start:
            kept[key] = str(start)
        return f"{path}?{urlencode(kept)}" if kept else path

    if total == 0:
        return Pager("None found.", None, None, offset, limit)
    last = min(offset + limit, total)
    text = f"Showing {number(offset + 1)}-{number(last)} of {number(total)}."
    previous = at(max(0, offset - limit)) if offset > 0 else None
    following = at(offset + limit) if last < total else None
    return Pager(text, previous, following, offset, limit)
