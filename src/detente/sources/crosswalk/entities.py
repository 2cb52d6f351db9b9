"""The crosswalk's nouns built from its code spells: keys, states, membership spells and capitals."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from detente.sources.crosswalk.membership import source_table
from detente.sources.crosswalk.model import OPEN_END, CrosswalkError


def state_keys(codes: pl.DataFrame) -> pl.DataFrame:
    """group -> state_key: the ISO3 the state holds last (if no other state holds it later), else
    ``COW-<latest ccode>``, else ``GW-<latest gwcode>``."""
    latest = (
        codes.filter(pl.col("system").is_in(["iso3", "cow", "gw"]))
        .with_columns(pl.col("last_year").fill_null(OPEN_END).alias("_end"))
        .sort("_end", "first_year")
        .group_by("group", "system")
        .agg(pl.col("code").last(), pl.col("_end").last())
    )
    iso = latest.filter(pl.col("system") == "iso3")
    iso_owner = iso.sort("_end").group_by("code").agg(pl.col("group").last().alias("owner"))
    iso = iso.join(iso_owner, on="code").filter(pl.col("group") == pl.col("owner")).select("group", "code")
    cow = latest.filter(pl.col("system") == "cow").select("group", ("COW-" + pl.col("code")).alias("cow_key"))
    gw = latest.filter(pl.col("system") == "gw").select("group", ("GW-" + pl.col("code")).alias("gw_key"))
    groups = codes.select("group").unique()
    keys = (
        groups.join(iso.rename({"code": "iso_key"}), on="group", how="left")
        .join(cow, on="group", how="left")
        .join(gw, on="group", how="left")
        .select("group", pl.coalesce("iso_key", "cow_key", "gw_key").alias("state_key"))
    )
    missing = keys.filter(pl.col("state_key").is_null())
    if missing.height:
        raise CrosswalkError(f"states without any ISO3, COW or G-W code: {missing.get_column('group').to_list()}")
    dupes = keys.group_by("state_key").len().filter(pl.col("len") > 1)
    if dupes.height:
        raise CrosswalkError(f"two states would share a key: {dupes.get_column('state_key').to_list()}")
    return keys


def system_spell_rows(spells: pl.DataFrame, group_map: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    node = pl.col("system") + ":" + pl.col("code_int").cast(pl.String)
    return (
        spells.with_columns(node.alias("node"))
        .join(group_map, on="node")
        .join(keys, on="group")
        .select(
            "state_key",
            "system",
            pl.col("code_int").cast(pl.String).alias("code"),
            "abbreviation",
            "name",
            "start",
            "end",
            pl.lit("day").alias("start_precision"),
            pl.lit("day").alias("end_precision"),
            "end_is_coverage_end",
            "microstate",
            "source",
        )
        .sort("state_key", "system", "start")
    )


def state_rows(codes: pl.DataFrame, system_spells: pl.DataFrame, english: pl.DataFrame) -> pl.DataFrame:
    """One row per state: its latest codes, its English name (countrycode's, else the latest COW, else
    the latest G-W name) and its life (years in a state system, else years with an ISO code)."""

    def latest(system: str, alias: str) -> pl.DataFrame:
        return (
            codes.filter(pl.col("system") == system)
            .sort(pl.col("last_year").fill_null(OPEN_END), "first_year", "code")
            .group_by("state_key")
            .agg(pl.col("code").last().alias(alias))
        )

    coded = codes.filter(pl.col("system") != "name")
    in_system = coded.filter(pl.col("system").is_in(["cow", "gw"]))
    coded = pl.concat([in_system, coded.join(in_system, on="state_key", how="anti")])
    life = coded.group_by("state_key").agg(
        pl.col("first_year").min(),
        pl.when(pl.col("last_year").is_null().any()).then(None).otherwise(pl.col("last_year").max()).alias("last_year"),
    )
    system_name = (
        system_spells.sort(pl.col("system") == "cow", "start")
        .group_by("state_key")
        .agg(pl.col("name").last().alias("system_name"))
    )
    abbreviation = (
        system_spells.filter(pl.col("system") == "cow")
        .sort("start")
        .group_by("state_key")
        .agg(pl.col("abbreviation").last())
    )
    member = system_spells.group_by("state_key").agg(
        (pl.col("system") == "cow").any().alias("in_cow"), (pl.col("system") == "gw").any().alias("in_gw")
    )
    states = (
        life.join(latest("cow", "ccode"), on="state_key", how="left")
        .join(latest("gw", "gwcode"), on="state_key", how="left")
        .join(latest("iso3", "iso3"), on="state_key", how="left")
        .join(latest("iso2", "iso2"), on="state_key", how="left")
        .join(english, on="state_key", how="left")
        .join(system_name, on="state_key", how="left")
        .join(abbreviation, on="state_key", how="left")
        .join(member, on="state_key", how="left")
    )
    return states.select(
        "state_key",
        pl.coalesce("english", "system_name").alias("name"),
        pl.col("ccode").cast(pl.Int64),
        pl.col("gwcode").cast(pl.Int64),
        "iso3",
        "iso2",
        "abbreviation",
        "first_year",
        "last_year",
        pl.col("in_cow").fill_null(False),
        pl.col("in_gw").fill_null(False),
    ).sort("state_key")


def capital_rows(tables: Mapping[str, Mapping[str, pl.DataFrame]], codes: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for system, table, code in (("cow", "cow_capitals", "ccode"), ("gw", "gw_capitals", "gwcode")):
        owners = (
            codes.filter(pl.col("system") == system)
            .select("code", "state_key")
            .unique()
            .group_by("code")
            .agg(pl.col("state_key").first(), pl.col("state_key").n_unique().alias("n"))
            .filter(pl.col("n") == 1)
            .drop("n")
        )
        caps = source_table(tables, "peacesciencer", table).select(
            pl.lit(system).alias("system"),
            pl.col(code).cast(pl.String).alias("code"),
            "capital",
            pl.col("lat"),
            pl.col("lng").alias("lon"),
            pl.col("stdate").alias("start"),
            pl.col("enddate").alias("end"),
        )
        parts.append(caps.join(owners, on="code", how="left"))
    caps = pl.concat(parts).with_columns(
        pl.col("start").dt.year().alias("first_year"), pl.col("end").dt.year().alias("last_year")
    )
    # a code no system knows (peacesciencer's gw_capitals files united Yemen under 679, a COW code)
    # is left out only when the same capital and dates are already there under a known code
    placed = caps.filter(pl.col("state_key").is_not_null())
    orphans = caps.filter(pl.col("state_key").is_null()).join(placed, on=["capital", "start", "end"], how="anti")
    caps = pl.concat([placed, orphans])
    # one row per (state, capital, dates): the COW row wins over an identical G-W row
    caps = caps.unique(["state_key", "capital", "start", "end"], keep="first", maintain_order=True)
    return caps.select(
        "state_key", "capital", "lat", "lon", "first_year", "last_year", "start", "end", "system", "code"
    ).sort("state_key", "start", "capital")
