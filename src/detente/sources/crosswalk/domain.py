"""The crosswalk mapper: states, their codes by year, system membership and capitals into the store.

Runs when countrycode, isard and peacesciencer are all loaded (and again when any of them changes). States
are matched on their crosswalk key (``states.source_key``) and updated in place, never deleted: every other
table refers to them. Code spells, system spells and capitals are replaced whole.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import insert, select

from detente.sources.mapping import MapContext
from detente.store.models import Capital, State, StateCode, SystemSpell

INPUTS = ("countrycode", "isard", "peacesciencer")
NEEDS_STATES = False

_STATE_COLUMNS = ("name", "ccode", "gwcode", "iso3", "iso2", "abbreviation")


def _year_bounds(frame: pl.DataFrame, first: str = "first_year", last: str = "last_year") -> pl.DataFrame:
    """Year spells as day intervals of year precision (an open last year stays open)."""
    return frame.with_columns(
        pl.date(pl.col(first), 1, 1).alias("valid_from"),
        pl.lit("year").alias("valid_from_precision"),
        pl.date(pl.col(last), 12, 31).alias("valid_to"),
        pl.lit("year").alias("valid_to_precision"),
    )


def _upsert_states(ctx: MapContext, states: pl.DataFrame) -> int:
    existing = set(ctx.connection.execute(select(State.source_key)).scalars())
    rows = states.select("state_key", *_STATE_COLUMNS).rename({"state_key": "source_key"}).to_dicts()
    new = [dict(r, source_version_id=ctx.source_version_id) for r in rows if r["source_key"] not in existing]
    changed = [dict(r, source_version_id=ctx.source_version_id) for r in rows if r["source_key"] in existing]
    if new:
        ctx.connection.execute(insert(State), new)
    ctx.update_rows(State, "source_key", changed)
    return len(rows)


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write the crosswalk; return rows written per table."""
    crosswalk = ctx.crosswalk
    ctx.clear(StateCode, SystemSpell, Capital)
    written = {"states": _upsert_states(ctx, crosswalk.states)}
    ids = pl.DataFrame(
        {"state_key": list(ctx.state_ids), "state_id": list(ctx.state_ids.values())},
        schema={"state_key": pl.String, "state_id": pl.Int64},
    )
    codes = _year_bounds(crosswalk.codes.join(ids, on="state_key"))
    written["state_codes"] = ctx.insert(
        StateCode,
        codes.select(
            "state_id", "system", "code", "valid_from", "valid_from_precision", "valid_to", "valid_to_precision"
        ),
    )
    spells = crosswalk.system_spells.join(ids, on="state_key").with_columns(
        pl.col("code").cast(pl.Int64),
        pl.col("start").alias("valid_from"),
        pl.col("start_precision").alias("valid_from_precision"),
        pl.when(pl.col("end_is_coverage_end")).then(None).otherwise(pl.col("end")).alias("valid_to"),
        pl.col("end_precision").alias("valid_to_precision"),
        pl.col("source").alias("source_key"),
    )
    written["system_spells"] = ctx.insert(
        SystemSpell,
        spells.select(
            "state_id",
            "system",
            "code",
            "valid_from",
            "valid_from_precision",
            "valid_to",
            "valid_to_precision",
            "source_key",
        ),
    )
    capitals = _year_bounds(crosswalk.capitals.join(ids, on="state_key")).with_columns(
        pl.col("start").fill_null(pl.col("valid_from")).alias("valid_from"),
        pl.when(pl.col("start").is_not_null())
        .then(pl.lit("day"))
        .otherwise(pl.lit("year"))
        .alias("valid_from_precision"),
    )
    written["capitals"] = ctx.insert(
        Capital,
        capitals.select(
            "state_id",
            pl.col("capital").alias("name"),
            pl.col("lat").alias("latitude"),
            pl.col("lon").alias("longitude"),
            "valid_from",
            "valid_from_precision",
            "valid_to",
            "valid_to_precision",
        ),
    )
    return written
