"""Small view-model pieces every page uses: table cells, tables, source links, charts."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

__all__ = ["Cell", "Chart", "SourceLink", "Table", "cell"]


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
