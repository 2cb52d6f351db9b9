"""Matching state names written in sources (SIPRI, exercises, ...) to crosswalk states.

A name is matched in two steps, after normalisation (:func:`normalise`: case, diacritics, punctuation,
``&``/``and``, a leading ``the``, and a trailing ``*`` footnote mark are ignored):

1. the crosswalk's own names (countrycode panel names in English, German, Spanish, French and Italian,
   the codelist's COW, ISO, UN, Polity and V-Dem names, and the COW, G-W and isard names), valid by year,
   and its ISO3 codes (several name-only sources write ``USA`` or ``DEU`` in the name column);
2. the reviewed alias table ``aliases.yml`` beside this module (name -> ``state_key``, optional years),
   whose ``not_a_state`` list names organisations, non-state actors and unknowns: they are reported,
   never matched to a state.

A name that fits several states is settled by the row's year when there is one; without a year (or
when the year fits none of them) it goes to the one state that still bears it (``Colombia`` is
Colombia, not Gran Colombia of 1821-1830), and otherwise stays ``ambiguous``. Nothing is dropped:
every row comes back, and every name not matched to a state is counted in the result (see
:class:`~detente.sources.crosswalk.model.NameMatch`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from detente.sources.crosswalk.model import OPEN_END, CrosswalkError, NameMatch

if TYPE_CHECKING:
    from detente.sources.crosswalk.model import Crosswalk

ALIASES_FILE = "aliases.yml"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(name: str) -> str:
    """The matching form of a name: ``"Côte d'Ivoire"`` -> ``"cote d ivoire"``.

    Lower case, diacritics stripped, ``&`` read as ``and``, every run of other characters turned into
    one space, a leading ``the`` and a trailing footnote ``*`` dropped.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ").replace("ß", "ss")
    text = _NON_ALNUM.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def normalise_expr(column: str) -> pl.Expr:
    """:func:`normalise` as a Polars expression over the distinct values of ``column``."""
    return pl.col(column).map_elements(normalise, return_dtype=pl.String)


@cache
def alias_document() -> dict[str, Any]:
    text = resources.files("detente.sources.crosswalk").joinpath(ALIASES_FILE).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise CrosswalkError(f"{ALIASES_FILE}: expected a mapping with 'aliases' and 'not_a_state'")
    return doc


def load_aliases() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The alias table and the not-a-state list from ``aliases.yml``, with their normalised names.

    Raises:
        CrosswalkError: the file is malformed (the message names the entry and the fix).
    """
    doc = alias_document()
    rows: list[dict[str, Any]] = []
    for i, entry in enumerate(doc.get("aliases") or [], start=1):
        if not isinstance(entry, dict) or "state" not in entry or "names" not in entry:
            raise CrosswalkError(f"{ALIASES_FILE}: aliases entry {i} needs 'state' and 'names' (got {entry!r})")
        years = entry.get("years") or [None, None]
        if not isinstance(years, list) or len(years) != 2:
            raise CrosswalkError(f"{ALIASES_FILE}: aliases entry {i}: 'years' must be [first, last] (null = open)")
        for name in entry["names"]:
            rows.append(
                {
                    "name": str(name),
                    "state_key": str(entry["state"]),
                    "first_year": years[0],
                    "last_year": years[1],
                }
            )
    aliases = pl.DataFrame(
        rows,
        schema={"name": pl.String, "state_key": pl.String, "first_year": pl.Int64, "last_year": pl.Int64},
    ).with_columns(pl.col("name").map_elements(normalise, return_dtype=pl.String).alias("norm"))
    nots: list[dict[str, Any]] = []
    for kind, names in (doc.get("not_a_state") or {}).items():
        for name in names or []:
            nots.append({"name": str(name), "kind": str(kind)})
    not_a_state = pl.DataFrame(nots, schema={"name": pl.String, "kind": pl.String}).with_columns(
        pl.col("name").map_elements(normalise, return_dtype=pl.String).alias("norm")
    )
    return aliases, not_a_state


def _index(crosswalk: Crosswalk) -> pl.DataFrame:
    """norm -> (state_key, first_year, last_year, how): the crosswalk's names, then the aliases."""
    own = (
        crosswalk.codes.filter(pl.col("system") == "name")
        .with_columns(pl.col("code").map_elements(normalise, return_dtype=pl.String).alias("norm"))
        .select("norm", "state_key", "first_year", "last_year", pl.lit("name").alias("how"))
    )
    iso3 = crosswalk.codes.filter(pl.col("system") == "iso3").select(
        pl.col("code").str.to_lowercase().alias("norm"),
        "state_key",
        "first_year",
        "last_year",
        pl.lit("iso3").alias("how"),
    )
    alias = crosswalk.aliases.select("norm", "state_key", "first_year", "last_year", pl.lit("alias").alias("how"))
    return pl.concat([own, iso3, alias]).with_columns(pl.col("last_year").fill_null(OPEN_END))


def match_names(crosswalk: Crosswalk, frame: pl.DataFrame, column: str, year_col: str | None = None) -> NameMatch:
    """Add ``state_key`` and ``name_match`` to ``frame`` by matching the names in ``column``.

    With ``year_col`` a name matches the state that carried it (or an alias valid) in that year;
    without a year, or when the year finds none, the name's only state, else the one state that still
    bears it. The crosswalk's own names are tried before the aliases.
    """
    if column not in frame.columns:
        raise CrosswalkError(f"no column {column!r} in the frame (columns: {frame.columns})")
    if year_col is not None and year_col not in frame.columns:
        raise CrosswalkError(f"no column {year_col!r} in the frame (columns: {frame.columns})")
    index = _index(crosswalk)
    row_id = "__cw_row"
    work = frame.with_row_index(row_id)
    distinct = work.select(pl.col(column).alias("__name")).unique().drop_nulls()
    distinct = distinct.with_columns(pl.col("__name").map_elements(normalise, return_dtype=pl.String).alias("norm"))
    # per name: candidates from own names first, aliases only if the own names give nothing
    cands = distinct.join(index, on="norm", how="inner")
    is_own = pl.col("how") != "alias"
    has_own = cands.group_by("__name").agg(is_own.any().alias("own"))
    cands = cands.join(has_own, on="__name").filter(pl.col("own") == is_own).drop("own")
    timeless = (
        cands.group_by("__name")
        .agg(
            pl.col("state_key").unique().alias("keys"),
            pl.col("state_key").filter(pl.col("last_year") == OPEN_END).unique().alias("current"),
            pl.col("how").first(),
        )
        .with_columns(
            pl.when(pl.col("keys").list.len() == 1)
            .then(pl.col("keys").list.first())
            .when(pl.col("current").list.len() == 1)
            .then(pl.col("current").list.first())
            .alias("key_any"),
        )
        .with_columns((pl.col("key_any").is_null() & (pl.col("keys").list.len() > 1)).alias("ambiguous"))
        .select("__name", "key_any", "ambiguous", pl.col("how").alias("how_any"))
    )
    names = work.select(row_id, pl.col(column).alias("__name"))
    if year_col is not None:
        years = work.select(row_id, pl.col(year_col).cast(pl.Int64).alias("__year"))
        dated = (
            names.join(years, on=row_id)
            .join(cands, on="__name", how="inner")
            .filter((pl.col("first_year") <= pl.col("__year")) & (pl.col("last_year") >= pl.col("__year")))
            .group_by(row_id)
            .agg(pl.col("state_key").unique().alias("keys"), pl.col("how").first().alias("how_year"))
            .with_columns(pl.when(pl.col("keys").list.len() == 1).then(pl.col("keys").list.first()).alias("key_year"))
            .drop("keys")
        )
        names = names.join(dated, on=row_id, how="left")
    else:
        names = names.with_columns(pl.lit(None, pl.String).alias("key_year"), pl.lit(None, pl.String).alias("how_year"))
    nots = crosswalk.not_a_state.select("norm", pl.lit(True).alias("__not")).unique("norm")
    names = (
        names.join(timeless, on="__name", how="left")
        .join(distinct.join(nots, on="norm", how="left").select("__name", "__not"), on="__name", how="left")
        .with_columns(pl.coalesce("key_year", "key_any").alias("state_key"))
        .with_columns(
            pl.when(pl.col("__name").is_null())
            .then(pl.lit("missing"))
            .when(pl.col("state_key").is_not_null())
            .then(pl.coalesce("how_year", "how_any"))
            .when(pl.col("__not").fill_null(False))
            .then(pl.lit("not_a_state"))
            .when(pl.col("ambiguous").fill_null(False))
            .then(pl.lit("ambiguous"))
            .otherwise(pl.lit("unmatched"))
            .alias("name_match")
        )
        .select(row_id, "state_key", "name_match")
    )
    clash = [c for c in ("state_key", "name_match") if c in frame.columns]
    if clash:
        raise CrosswalkError(f"the frame already has column(s) {clash}; rename them before matching names")
    out = work.join(names, on=row_id, how="left")
    if out.height != frame.height:  # pragma: no cover - a guard against a join that multiplies rows
        raise CrosswalkError(f"name matching changed the row count from {frame.height} to {out.height}")
    out = out.sort(row_id).drop(row_id)
    counts = out.group_by(column, "name_match").len()
    unmatched = {
        str(n): int(c) for n, _, c in counts.filter(pl.col("name_match").is_in(["unmatched", "ambiguous"])).iter_rows()
    }
    not_states = {str(n): int(c) for n, _, c in counts.filter(pl.col("name_match") == "not_a_state").iter_rows()}
    return NameMatch(out, dict(sorted(unmatched.items())), dict(sorted(not_states.items())))
