"""Discovering sources: every folder ``detente/sources/<name>/`` with a ``source.yml`` and a ``parser.py``.

A source is metadata plus one parsing function (the OpenSanctions zavod pattern). The registry finds
them on disk, validates each ``source.yml`` once, and imports a parser only when it is used, so that
``detente sources list`` stays fast and never touches the data.

    >>> from detente.sources.registry import list_sources, get_source
    >>> [s.name for s in list_sources()][:2]
    ['atop', 'countrycode']
    >>> tables = get_source("atop").parse(files)   # files: declared path -> local Path

``Source.parse`` runs the parser and then checks every expectation declared in ``source.yml``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from detente.sources.errors import SourceSpecError
from detente.sources.expectations import validate
from detente.sources.spec import SourceSpec, load_spec

SOURCES_DIR = Path(__file__).resolve().parent

Parser = Callable[[Mapping[str, Path]], dict[str, pl.DataFrame]]
"""``parse(files)``: declared relative path -> local file, returns named typed tables."""


@dataclass(frozen=True)
class Source:
    """One registered source: its validated spec and its parser module."""

    spec: SourceSpec
    folder: Path

    @property
    def name(self) -> str:
        """The source's name (its folder name)."""
        return self.spec.name

    @property
    def parser(self) -> Parser:
        """The ``parse`` function of ``detente.sources.<name>.parser`` (imported on first use)."""
        module = importlib.import_module(f"detente.sources.{self.name}.parser")
        parse = getattr(module, "parse", None)
        if not callable(parse):
            raise SourceSpecError(self.folder / "parser.py", "parse", "must define parse(files) -> dict")
        return parse  # type: ignore[no-any-return]

    def parse(self, files: Mapping[str, Path], *, check: bool = True) -> dict[str, pl.DataFrame]:
        """Parse the declared ``files`` into tables, then (unless ``check`` is false) validate them
        against the expectations in ``source.yml``.

        Raises:
            SourceDataError: a raw file is malformed or a table misses an expectation.
        """
        missing = [f.path for f in self.spec.files if f.path not in files]
        if missing:
            raise SourceSpecError(self.folder / "source.yml", "files", f"no local path given for {missing}")
        tables = self.parser(files)
        if check:
            validate(self.spec, tables)
        return tables


@functools.cache
def _discover(root: Path) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        spec_file = folder / "source.yml"
        if not spec_file.is_file():
            continue
        if not (folder / "parser.py").is_file():
            raise SourceSpecError(spec_file, None, f"source folder {folder.name!r} has no parser.py")
        found[folder.name] = Source(load_spec(spec_file), folder)
    return found


def list_sources() -> list[Source]:
    """Every registered source, sorted by name."""
    return list(_discover(SOURCES_DIR).values())


def get_source(name: str) -> Source:
    """The source called ``name``.

    Raises:
        KeyError: no such source; the message lists the known names.
    """
    sources = _discover(SOURCES_DIR)
    if name not in sources:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(sources)}")
    return sources[name]
