"""COW militarised interstate disputes and COW inter-state wars (from peacesciencer's tables) as context.

Runs after the crosswalk mapper (both read peacesciencer), because it needs the states.

Disputes (``cow_mid_disps`` + ``cow_mid_dirdisps``, COW MID 5)
    One :class:`~detente.store.models.Dispute` per ``dispnum`` (``source_key = "cow_mid:<dispnum>"``),
    from its start month (month precision; ``stmon`` is all peacesciencer keeps of the start) to 31
    December of its last year in the directed dispute-years (year precision). ``max_hostility`` is
    ``hostlev`` (1 no militarised action .. 5 war), ``outcome`` the COW outcome in words. ``fatalities``
    stays NULL: COW codes a fatality *level* (0 none, 1 1-25 deaths .. 6 more than 999), not a count; the
    level is in ``fatality_level`` (NULL where COW codes -9, unknown), and ``original`` keeps it with
    ``settle``, ``hiact``, ``recip``, ``mindur`` and ``maxdur``.
    One :class:`~detente.store.models.DisputeParticipant` per dispute and state (side A = the side that
    took the first militarised action, ``originator``, the state's highest ``hostility``), over the
    years it appears in the dispute.
Wars (``cow_war_inter``, COW inter-state wars 4.0, directed dyad-years)
    One :class:`~detente.store.models.Conflict` of kind ``interstate_war`` per ``warnum``
    (``"cow_war:<warnum>"``; peacesciencer does not carry the war names, so the name is "COW inter-state
    war <warnum>") from its first to its last year (year precision), and one
    :class:`~detente.store.models.ConflictParty` per war and state (side A or B as COW codes it, the
    state's years in the war; ``original`` holds initiator, outcome and battle deaths).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from detente.sources.mapping import MapContext
from detente.sources.unknowns import check_codes
from detente.store.models import Conflict, ConflictParty, Dispute, DisputeParticipant

INPUTS = ("peacesciencer",)
NEEDS_STATES = True

OUTCOMES = {
    1: "victory for side A",
    2: "victory for side B",
    3: "yield by side A",
    4: "yield by side B",
    5: "stalemate",
    6: "compromise",
    7: "released",
    8: "unclear",
    9: "joins ongoing war",
}
"""COW MID outcome codes."""


def _states(ctx: MapContext, frame: pl.DataFrame, what: str, table: str) -> pl.DataFrame:
    """``frame`` with ``state_id`` from ``ccode`` in the row's first year.

    A code that denotes no state at all stops the load unless it is a reviewed unmappable code
    (:func:`detente.sources.unknowns.check_codes`); the R data files have no rows to show, so the error
    names the file and the ``ccode1`` column.

    A code outside its state's system years (Canada, COW 20, in a 1918 dispute; Canada joins the COW
    system in 1920) falls back to the one state the code has ever denoted, flagged ``outside_system``.
    """
    dated = ctx.crosswalk.map_codes(frame, system="cow", code_col="ccode", year_col="first")
    timeless = ctx.crosswalk.map_codes(frame, system="cow", code_col="ccode", out="any_key").get_column("any_key")
    mapped = dated.with_columns(
        pl.col("state_key").is_null().and_(timeless.is_not_null()).alias("outside_system"),
        pl.coalesce(pl.col("state_key"), timeless).alias("state_key"),
    )
    check_codes(
        ctx,
        mapped,
        system="cow",
        code_col="ccode",
        year_col="first",
        source="peacesciencer",
        table=table,
        raw_column="ccode1",
        what=what,
    )
    ids = pl.DataFrame(
        {"state_key": list(ctx.state_ids), "state_id": list(ctx.state_ids.values())},
        schema={"state_key": pl.String, "state_id": pl.Int64},
    )
    return mapped.join(ids, on="state_key", how="left")


def _years(first: int, last: int) -> dict[str, Any]:
    return {
        "valid_from": date(first, 1, 1),
        "valid_from_precision": "year",
        "valid_to": date(last, 12, 31),
        "valid_to_precision": "year",
    }


def _disputes(ctx: MapContext) -> dict[str, int]:
    disputes = ctx.table("peacesciencer", "cow_mid_disps")
    directed = ctx.table("peacesciencer", "cow_mid_dirdisps")
    last = dict(directed.group_by("dispnum").agg(pl.col("year").max()).iter_rows())
    rows = []
    for d in disputes.iter_rows(named=True):
        start = date(d["styear"], d["stmon"], 1) if d["stmon"] else date(d["styear"], 1, 1)
        end_year = last.get(d["dispnum"], d["styear"])
        rows.append(
            {
                "number": d["dispnum"],
                "max_hostility": d["hostlev"],
                "fatalities": None,
                "fatality_level": d["fatality"],
                "outcome": OUTCOMES.get(d["outcome"]),
                "valid_from": start,
                "valid_from_precision": "month" if d["stmon"] else "year",
                "valid_to": date(end_year, 12, 31),
                "valid_to_precision": "year",
                "source_key": f"cow_mid:{d['dispnum']}",
                "original": {k: d[k] for k in ("outcome", "settle", "fatality", "hiact", "recip", "mindur", "maxdur")},
            }
        )
    written = {"disputes": ctx.insert(Dispute, pl.DataFrame(rows, schema_overrides={"original": pl.Object}))}
    dispute_ids = ctx.ids(Dispute)
    members = directed.group_by("dispnum", pl.col("ccode1").alias("ccode")).agg(
        pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"),
        pl.col("sidea1").max().alias("side_a"),
        pl.col("orig1").max().alias("originator"),
        pl.col("hostlev1").max().alias("hostility"),
        pl.col("hiact1").max().alias("hiact"),
        pl.col("fatality1").max().alias("fatality"),
    )
    members = _states(ctx, members, "MID participant", "cow_mid_dirdisps")
    participants = members.drop_nulls("state_id").select(  # only reviewed unmappable codes are left without a state
        pl.col("dispnum")
        .cast(pl.String)
        .map_elements(lambda n: dispute_ids[f"cow_mid:{n}"], pl.Int64)
        .alias("dispute_id"),
        "state_id",
        pl.when(pl.col("side_a") == 1).then(pl.lit("A")).otherwise(pl.lit("B")).alias("side"),
        (pl.col("originator") == 1).alias("originator"),
        "hostility",
        pl.date(pl.col("first"), 1, 1).alias("valid_from"),
        pl.lit("year").alias("valid_from_precision"),
        pl.date(pl.col("last"), 12, 31).alias("valid_to"),
        pl.lit("year").alias("valid_to_precision"),
        pl.format("cow_mid:{}:{}", "dispnum", "ccode").alias("source_key"),
        pl.struct("ccode", "hiact", "fatality", "outside_system").alias("original"),
    )
    written["dispute_participants"] = ctx.insert(DisputeParticipant, participants)
    return written


def _wars(ctx: MapContext) -> dict[str, int]:
    dyads = ctx.table("peacesciencer", "cow_war_inter")
    wars = dyads.group_by("warnum").agg(pl.col("year").min().alias("first"), pl.col("year").max().alias("last"))
    rows = [
        {
            "name": f"COW inter-state war {warnum}",
            "kind": "interstate_war",
            "max_intensity": None,
            **_years(first, last),
            "source_key": f"cow_war:{warnum}",
            "original": {"warnum": warnum},
        }
        for warnum, first, last in wars.sort("warnum").iter_rows()
    ]
    written = {"conflicts": ctx.insert(Conflict, pl.DataFrame(rows, schema_overrides={"original": pl.Object}))}
    war_ids = ctx.ids(Conflict)
    members = dyads.group_by("warnum", pl.col("ccode1").alias("ccode")).agg(
        pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"),
        pl.col("sidea1").first().alias("side"),
        pl.col("initiator1").max().alias("initiator"),
        pl.col("outcome1").first().alias("outcome"),
        pl.col("batdeath1").max().alias("battle_deaths"),
    )
    members = _states(ctx, members, "war participant", "cow_war_inter")
    names = dict(ctx.crosswalk.states.select("state_key", "name").iter_rows())
    parties = members.with_columns(
        pl.col("warnum").cast(pl.String).map_elements(lambda n: war_ids[f"cow_war:{n}"], pl.Int64).alias("conflict_id"),
        pl.col("state_key").replace_strict(names, default=None, return_dtype=pl.String).alias("state_name"),
    ).select(
        "conflict_id",
        "state_id",
        pl.coalesce("state_name", pl.format("COW {}", "ccode")).alias("actor_name"),
        pl.when(pl.col("side") == 1).then(pl.lit("A")).otherwise(pl.lit("B")).alias("side"),
        pl.lit(False).alias("secondary"),
        pl.date(pl.col("first"), 1, 1).alias("valid_from"),
        pl.lit("year").alias("valid_from_precision"),
        pl.date(pl.col("last"), 12, 31).alias("valid_to"),
        pl.lit("year").alias("valid_to_precision"),
        pl.format("cow_war:{}:{}", "warnum", "ccode").alias("source_key"),
        pl.struct("ccode", "initiator", "outcome", "battle_deaths", "outside_system").alias("original"),
    )
    written["conflict_parties"] = ctx.insert(ConflictParty, parties)
    return written


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write COW disputes and inter-state wars; return rows written per table."""
    ctx.clear(DisputeParticipant, Dispute, ConflictParty, Conflict)
    return {**_disputes(ctx), **_wars(ctx)}
