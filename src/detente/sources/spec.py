"""``source.yml``: the declaration of one source, validated with Pydantic.

Every source folder carries a ``source.yml`` that says what the source is (title, publisher, version),
under which terms it may be used (licence text and whether detente may redistribute it), how to cite it,
which years it covers, and exactly which files detente reads: where each file lives upstream, its
SHA-256 digest and size, its text encoding, and what the parser must produce from it (row count, year
range, required columns). The loader trusts nothing that is not declared here.

Example (abridged)::

    name: atop
    title: Alliance Treaty Obligations and Provisions (ATOP)
    publisher: Brett Ashley Leeds, Rice University
    version: "5.1"
    redistribution: allowed
    licence: {name: ..., terms: ...}
    citation: {text: ..., bibtex: ...}
    coverage: {start_year: 1815, end_year: 2018}
    files:
      - path: atop5_1a.csv
        url: https://raw.githubusercontent.com/jandresgannon/DoDL/<commit>/inst/extdata/ATOP/atop5_1a.csv
        sha256: 3f1c...
        size: 183543
        encoding: utf-8
        table: alliances
        rows: 789
        year_column: begin_year
        years: [1815, 2018]
        columns: [atop_id, begin_year, defense]

Load one with :func:`load_spec`; an invalid file raises :class:`~detente.sources.errors.SourceSpecError`
naming the file and every offending field.
"""

from __future__ import annotations

import codecs
import re
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detente.sources.errors import SourceSpecError

_NAME = r"^[a-z][a-z0-9_]*$"

FileFormat = Literal["csv", "csv.gz", "rda", "xls", "xlsx", "json"]


class Redistribution(StrEnum):
    """Whether detente may fetch a source's files from the canonical URL on the user's behalf.

    ``forbidden`` means the publisher's terms do not allow detente (or its CI) to re-distribute or bulk
    download the data: the user supplies the file (``--file``) or a mirror directory they obtained
    themselves. SIPRI, PA-X and the ODbL world-countries file are ``forbidden``.
    """

    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Licence(_Model):
    """The terms of use, quoted or summarised from the publisher."""

    name: str = Field(min_length=1, description="Short name, e.g. 'CC BY 4.0' or 'SIPRI terms of use'.")
    terms: str = Field(min_length=1, description="The terms as the publisher states them.")
    url: str | None = None


class Citation(_Model):
    """How to cite the source: plain text for reports, BibTeX for papers."""

    text: str = Field(min_length=1)
    bibtex: str = Field(min_length=1)

    @field_validator("bibtex")
    @classmethod
    def _looks_like_bibtex(cls, value: str) -> str:
        if not re.match(r"^@\w+\{", value):
            raise ValueError("must be a BibTeX entry starting with '@type{key,'")
        return value


class Coverage(_Model):
    """The years the source as a whole covers; outside them detente answers 'unknown', never 0."""

    start_year: int = Field(ge=1000, le=2200)
    end_year: int = Field(ge=1000, le=2200)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_year > self.end_year:
            raise ValueError("start_year must not be after end_year")
        return self


class TableExpectation(_Model):
    """What a parsed table must look like: checked after every parse.

    ``rows`` is the exact number of rows, ``years`` the inclusive (min, max) of ``year_column``,
    ``columns`` the output columns that must exist (snake_case names, as the parser documents them).
    """

    table: str = Field(pattern=_NAME)
    rows: int | None = Field(default=None, ge=0)
    year_column: str | None = None
    years: tuple[int, int] | None = None
    columns: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _years_need_a_column(self) -> Self:
        if (self.year_column is None) != (self.years is None):
            raise ValueError("year_column and years must be given together")
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError("years must be [min, max]")
        return self


class DerivedTable(TableExpectation):
    """A table built from several files (or reshaped from one), with its expectations."""

    description: str = ""


class FileSpec(_Model):
    """One raw file detente reads, and the expectations for the table built from it.

    ``path`` is relative to the source's folder in a mirror (``<mirror>/<source>/<path>``).
    ``url`` is the canonical download (a raw GitHub URL pinned to a commit when the data come from a
    repository); ``None`` when no stable public URL exists and the file must come from a mirror.
    """

    path: str = Field(min_length=1)
    url: str | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0, description="Size in bytes of the file exactly as published.")
    format: FileFormat
    encoding: str | None = Field(default=None, description="Text encoding for text formats.")
    description: str = ""
    table: str | None = Field(default=None, pattern=_NAME)
    rows: int | None = Field(default=None, ge=0)
    year_column: str | None = None
    years: tuple[int, int] | None = None
    columns: tuple[str, ...] = ()

    @field_validator("path")
    @classmethod
    def _relative_posix(cls, value: str) -> str:
        pure = PurePosixPath(value)
        if pure.is_absolute() or ".." in pure.parts or "\\" in value:
            raise ValueError("must be a relative POSIX path inside the source folder")
        return value

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// URL")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(f"unknown text encoding {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        text_formats = {"csv", "csv.gz", "json"}
        if self.format in text_formats and self.encoding is None:
            raise ValueError(f"encoding is required for format {self.format!r}")
        if (self.rows is not None or self.year_column or self.columns) and self.table is None:
            raise ValueError("rows, year_column and columns need 'table' (the table they describe)")
        if (self.year_column is None) != (self.years is None):
            raise ValueError("year_column and years must be given together")
        return self

    def expectation(self) -> TableExpectation | None:
        """The expectation for this file's table, or ``None`` if the file declares none."""
        if self.table is None:
            return None
        return TableExpectation(
            table=self.table,
            rows=self.rows,
            year_column=self.year_column,
            years=self.years,
            columns=self.columns,
        )


class SourceSpec(_Model):
    """The whole ``source.yml`` of one source."""

    name: str = Field(pattern=_NAME)
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    version: str = Field(min_length=1)
    homepage: str | None = None
    licence: Licence
    redistribution: Redistribution
    citation: Citation
    coverage: Coverage
    codes: tuple[str, ...] = Field(default=(), description="Country-code systems used: cow, gw, iso3, ...")
    files: tuple[FileSpec, ...] = Field(min_length=1)
    tables: tuple[DerivedTable, ...] = ()
    notes: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        # YAML reads 5.1 as a float; a version is text.
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _unique(self) -> Self:
        paths = [f.path for f in self.files]
        if len(paths) != len(set(paths)):
            raise ValueError("each file path must be declared once")
        return self

    def file(self, path: str) -> FileSpec:
        """The declared file with this relative ``path``."""
        for entry in self.files:
            if entry.path == path:
                return entry
        raise KeyError(f"source {self.name!r} declares no file {path!r}")

    def expectations(self) -> list[TableExpectation]:
        """Every table expectation: one per file that names a table, plus the derived tables."""
        found = [e for e in (f.expectation() for f in self.files) if e is not None]
        return [*found, *self.tables]


def load_spec(path: Path) -> SourceSpec:
    """Read and validate a ``source.yml``.

    Raises:
        SourceSpecError: the file is missing, is not YAML, is not a mapping, or a field is invalid.
            The message names the file and each invalid field by its dotted path.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceSpecError(path, None, "file not found") from exc
    except yaml.YAMLError as exc:
        raise SourceSpecError(path, None, f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SourceSpecError(path, None, "must be a YAML mapping of field: value")
    try:
        spec = SourceSpec.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        fields = [".".join(str(p) for p in err["loc"]) or "<root>" for err in errors]
        detail = "; ".join(f"{f}: {err['msg']}" for f, err in zip(fields, errors, strict=True))
        raise SourceSpecError(path, fields[0], detail) from exc
    if spec.name != path.parent.name:
        raise SourceSpecError(path, "name", f"is {spec.name!r} but the folder is {path.parent.name!r}")
    return spec
