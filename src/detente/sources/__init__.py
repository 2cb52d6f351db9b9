"""Source connectors: declared public datasets, verified raw files, and strict parsers.

A *source* is a folder ``detente/sources/<name>/`` holding ``source.yml`` (what the data are, their
terms, citation, and every raw file with its URL, SHA-256 and expected shape) and ``parser.py`` (one
function ``parse(files) -> dict[str, polars.DataFrame]``).

The pieces, in the order a load uses them:

- :mod:`~detente.sources.registry` finds sources (``list_sources``, ``get_source``);
- :mod:`~detente.sources.fetch` resolves each declared file from ``--file``, the mirror
  (``DETENTE_MIRROR``), the cache, or (when allowed) the canonical URL, verifying its SHA-256;
- the source's parser reads the files with :mod:`~detente.sources.csvfile`,
  :mod:`~detente.sources.workbook` or :mod:`~detente.sources.rdata` and types the columns with
  :mod:`~detente.sources.rawtable`;
- :mod:`~detente.sources.expectations` checks row counts, year ranges and required columns.

Anything wrong raises :class:`SourceDataError` (file, row, column, problem, fix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.lazy_exports import lazy_exports

_EXPORTS = {
    "SourceDataError": "detente.sources.errors",
    "SourceFetchError": "detente.sources.errors",
    "SourceSpecError": "detente.sources.errors",
    "resolve_file": "detente.sources.fetch",
    "resolve_source": "detente.sources.fetch",
    "Source": "detente.sources.registry",
    "get_source": "detente.sources.registry",
    "list_sources": "detente.sources.registry",
    "Redistribution": "detente.sources.spec",
    "SourceSpec": "detente.sources.spec",
    "load_spec": "detente.sources.spec",
}
"""Public names and their modules, imported on first use (PEP 562): a command that needs only one corner
of ``detente.sources`` (the panels read the crosswalk's name matcher) does not import the registry of
every source, the fetcher and their libraries."""

__all__ = [
    "Redistribution",
    "Source",
    "SourceDataError",
    "SourceFetchError",
    "SourceSpec",
    "SourceSpecError",
    "get_source",
    "list_sources",
    "load_spec",
    "resolve_file",
    "resolve_source",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:
    from detente.sources.errors import SourceDataError, SourceFetchError, SourceSpecError
    from detente.sources.fetch import resolve_file, resolve_source
    from detente.sources.registry import Source, get_source, list_sources
    from detente.sources.spec import Redistribution, SourceSpec, load_spec
