"""``build_crosswalk(tables)``: the crosswalk from the parsed countrycode, isard and peacesciencer tables.

The steps (identity rule in the package docstring):

1. System membership spells from the state-system tables (COW: peacesciencer ``cow_states`` = isard
   ``cw_system``; G-W: isard ``gw_system``, which adds microstates and runs to 2020, plus any spell only
   in peacesciencer ``gw_states``). A spell that ends on its table's last day is open (still a member).
2. Code-years: a COW or G-W code is valid in every calendar year its membership spells touch.
3. States: the (system, code) pairs are nodes; isard's COW<->G-W panels link a COW and a G-W code that
   denote the same state in a year when both are valid. Each connected group of codes is one state.
4. The countrycode panel (one row per country-year) hangs ISO3, ISO2 and five languages of names on
   those states, row by row: a row goes to the state its COW code (else G-W code) denotes that year, else
   to the state of the latest coded row of the same countrycode country. Countries that never carry a
   COW or G-W code but have an ISO3 (Hong Kong, Palestine, ...) become states of their own
   (``in_cow`` and ``in_gw`` false).
5. Keys, current codes, capitals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from detente.sources.crosswalk.entities import capital_rows, state_keys, state_rows, system_spell_rows
from detente.sources.crosswalk.membership import (
    code_groups,
    code_validity,
    code_years_of,
    membership_spells,
    source_table,
)
from detente.sources.crosswalk.model import OPEN_END, Crosswalk, CrosswalkError, max_int
from detente.sources.crosswalk.names import load_aliases

NAME_COLUMNS_PANEL = ("country_name_en", "country_name_de", "country_name_es", "country_name_fr", "country_name_it")
NAME_COLUMNS_CODELIST = (
    *NAME_COLUMNS_PANEL,
    "cow_name",
    "iso_name_en",
    "iso_name_fr",
    "un_name_en",
    "un_name_es",
    "un_name_fr",
    "p4_name",
    "vdem_name",
)

CODE_SPELL_SCHEMA = {
    "state_key": pl.String,
    "system": pl.String,
    "code": pl.String,
    "first_year": pl.Int64,
    "last_year": pl.Int64,
}


def _panel_rows(
    panel: pl.DataFrame, code_years: pl.DataFrame, group_of: Mapping[str, str]
) -> tuple[pl.DataFrame, list[str]]:
    """Each countrycode panel row with the group it belongs to (rows that fit no group are dropped
    and their countries returned, e.g. German states before 1816 that have no code of any kind)."""
    valid = code_years.with_columns((pl.col("system") + ":" + pl.col("code_int").cast(pl.String)).alias("node")).select(
        "node", "year"
    )
    groups = pl.DataFrame(
        {"node": list(group_of), "group": list(group_of.values())}, schema={"node": pl.String, "group": pl.String}
    )
    valid = valid.join(groups, on="node")
    rows = panel.with_columns(
        ("cow:" + pl.col("cown").cast(pl.String)).alias("cow_node"),
        ("gw:" + pl.col("gwn").cast(pl.String)).alias("gw_node"),
    )
    rows = rows.join(
        valid.rename({"node": "cow_node", "group": "cow_group"}), on=["cow_node", "year"], how="left"
    ).join(valid.rename({"node": "gw_node", "group": "gw_group"}), on=["gw_node", "year"], how="left")
    rows = rows.with_columns(pl.coalesce("cow_group", "gw_group").alias("coded_group"))
    home = (
        rows.filter(pl.col("coded_group").is_not_null())
        .sort("year")
        .group_by("country_name_en")
        .agg(pl.col("coded_group").last().alias("home"))
    )
    iso_home = (
        rows.join(home, on="country_name_en", how="anti")
        .filter(pl.col("iso3c").is_not_null())
        .sort("year")
        .group_by("country_name_en")
        .agg(("iso:" + pl.col("iso3c").last()).alias("iso_home"))
    )
    rows = (
        rows.join(home, on="country_name_en", how="left")
        .join(iso_home, on="country_name_en", how="left")
        .with_columns(pl.coalesce("coded_group", "home", "iso_home").alias("group"))
    )
    dropped = sorted(set(rows.filter(pl.col("group").is_null()).get_column("country_name_en").to_list()))
    return rows.filter(pl.col("group").is_not_null()), dropped


def _compress(frame: pl.DataFrame, open_year: int | None) -> pl.DataFrame:
    """(group, system, code, year) rows -> spells of consecutive years; ``open_year`` ends become null."""
    spells = (
        frame.unique(["group", "system", "code", "year"])
        .sort("group", "system", "code", "year")
        .with_columns((pl.col("year") - pl.int_range(pl.len()).over("group", "system", "code")).alias("_run"))
        .group_by("group", "system", "code", "_run")
        .agg(pl.col("year").min().alias("first_year"), pl.col("year").max().alias("last_year"))
        .drop("_run")
    )
    if open_year is not None:
        spells = spells.with_columns(
            pl.when(pl.col("last_year") >= open_year).then(None).otherwise(pl.col("last_year")).alias("last_year")
        )
    return spells


def _long_names(rows: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    return pl.concat(
        [
            rows.select("group", pl.lit("name").alias("system"), pl.col(c).alias("code"), "year").drop_nulls("code")
            for c in columns
            if c in rows.columns
        ]
    )


# --------------------------------------------------------------------------- the builder
def build_crosswalk(tables: Mapping[str, Mapping[str, pl.DataFrame]]) -> Crosswalk:
    """Build the crosswalk from parsed tables: ``{"countrycode": {...}, "isard": {...}, "peacesciencer": {...}}``.

    Raises:
        CrosswalkError: a table is missing, or the sources disagree so that one code would denote two
            states in the same year (the message lists the clashes).
    """
    spells = membership_spells(tables)
    validity = code_validity(spells)
    panel = source_table(tables, "countrycode", "panel")
    panel_end = max_int(panel.get_column("year"))
    horizon = max(panel_end, max_int(spells.get_column("end").dt.year())) + 1
    code_years = code_years_of(validity, horizon)
    group_of = code_groups(tables, code_years)

    # COW / G-W code spells per group (straight from membership, open ends kept open)
    node = pl.col("system") + ":" + pl.col("code_int").cast(pl.String)
    group_map = pl.DataFrame(
        {"node": list(group_of), "group": list(group_of.values())}, schema={"node": pl.String, "group": pl.String}
    )
    sys_years = (
        code_years.with_columns(node.alias("node"))
        .join(group_map, on="node")
        .select("group", "system", pl.col("code_int").cast(pl.String).alias("code"), "year")
    )
    open_codes = validity.filter(pl.col("last_year").is_null()).select(
        node.alias("node"), pl.col("system"), pl.col("code_int").cast(pl.String).alias("code")
    )
    sys_spells = _compress(sys_years, None).join(
        open_codes.select("system", "code", pl.lit(True).alias("_open")), on=["system", "code"], how="left"
    )
    sys_spells = sys_spells.with_columns(
        pl.when(pl.col("_open") & (pl.col("last_year") == horizon))
        .then(None)
        .otherwise(pl.col("last_year"))
        .alias("last_year")
    ).drop("_open")

    # ISO codes and names from the countrycode panel
    rows, _dropped = _panel_rows(panel, code_years, group_of)
    iso = pl.concat(
        [
            rows.select("group", pl.lit("iso3").alias("system"), pl.col("iso3c").alias("code"), "year"),
            rows.select("group", pl.lit("iso2").alias("system"), pl.col("iso2c").alias("code"), "year"),
        ]
    ).drop_nulls("code")
    iso_spells = _compress(iso, panel_end)
    panel_names = _compress(_long_names(rows, NAME_COLUMNS_PANEL), panel_end)

    # names from the state-system tables, over their membership years
    member_names = (
        spells.with_columns(node.alias("node"))
        .join(group_map, on="node")
        .select(
            "group",
            pl.lit("name").alias("system"),
            pl.col("name").alias("code"),
            pl.col("start").dt.year().alias("first_year"),
            pl.when(pl.col("end_is_coverage_end")).then(None).otherwise(pl.col("end").dt.year()).alias("last_year"),
        )
    )
    isard_names = pl.concat(
        [
            source_table(tables, "isard", t).select(
                pl.lit(sys).alias("system"), pl.col(code).alias("code_int"), pl.col(nm).alias("name"), "year"
            )
            for t in ("cw_gw_panel", "gw_cw_panel")
            for sys, code, nm in (("cow", "ccode", "cw_name"), ("gw", "gwcode", "gw_name"))
        ]
    ).drop_nulls()
    isard_names = (
        isard_names.join(code_years, on=["system", "code_int", "year"], how="semi")
        .with_columns(node.alias("node"))
        .join(group_map, on="node")
        .select("group", pl.lit("name").alias("system"), pl.col("name").alias("code"), "year")
    )
    isard_end = max_int(isard_names.get_column("year"))

    codes = pl.concat(
        [
            sys_spells,
            iso_spells,
            panel_names,
            member_names,
            _compress(isard_names, isard_end),
        ],
        how="diagonal_relaxed",
    )
    # codelist names (not by year): over each group's whole life
    codes = pl.concat([codes, _codelist_names(tables, codes)], how="diagonal_relaxed")
    codes = _merge_spells(codes)
    _check_unique(codes)

    keys = state_keys(codes)
    codes = (
        codes.join(keys, on="group").select(list(CODE_SPELL_SCHEMA)).sort("state_key", "system", "first_year", "code")
    )
    system_spells = system_spell_rows(spells, group_map, keys)
    english = (
        rows.filter(pl.col("group") == pl.coalesce("home", "iso_home"))
        .sort("year")
        .group_by("group")
        .agg(pl.col("country_name_en").last().alias("english"))
        .join(keys, on="group")
        .select("state_key", "english")
    )
    states = state_rows(codes, system_spells, english)
    capitals = capital_rows(tables, codes)
    aliases, not_a_state = load_aliases()
    return Crosswalk(
        states=states,
        codes=codes,
        system_spells=system_spells,
        capitals=capitals,
        aliases=aliases,
        not_a_state=not_a_state,
    )


def _codelist_names(tables: Mapping[str, Mapping[str, pl.DataFrame]], codes: pl.DataFrame) -> pl.DataFrame:
    codelist = source_table(tables, "countrycode", "codelist")
    life = codes.group_by("group").agg(
        pl.col("first_year").min(), pl.col("last_year").fill_null(OPEN_END).max().alias("last_year")
    )
    by_iso = (
        codes.filter(pl.col("system") == "iso3")
        .sort(pl.col("last_year").fill_null(OPEN_END))
        .group_by("code")
        .agg(pl.col("group").last())
        .rename({"code": "iso3c"})
    )
    by_cow = (
        codes.filter(pl.col("system") == "cow")
        .sort(pl.col("last_year").fill_null(OPEN_END))
        .group_by("code")
        .agg(pl.col("group").last().alias("cow_group"))
        .rename({"code": "cown"})
    )
    named = (
        codelist.with_columns(pl.col("cown").cast(pl.String))
        .join(by_iso, on="iso3c", how="left")
        .join(by_cow, on="cown", how="left")
        .with_columns(pl.coalesce("group", "cow_group").alias("group"))
        .filter(pl.col("group").is_not_null())
    )
    names = pl.concat(
        [
            named.select("group", pl.lit("name").alias("system"), pl.col(c).alias("code"))
            for c in NAME_COLUMNS_CODELIST
            if c in named.columns
        ]
    ).drop_nulls("code")
    return (
        names.join(life, on="group")
        .with_columns(pl.when(pl.col("last_year") == OPEN_END).then(None).otherwise("last_year").alias("last_year"))
        .unique()
    )


def _merge_spells(codes: pl.DataFrame) -> pl.DataFrame:
    """Merge overlapping or adjacent spells of the same (group, system, code)."""
    codes = codes.with_columns(pl.col("last_year").fill_null(OPEN_END)).sort("group", "system", "code", "first_year")
    prev_end = pl.col("last_year").cum_max().shift(1).over("group", "system", "code")
    codes = codes.with_columns(
        (prev_end.is_null() | (pl.col("first_year") > prev_end + 1))
        .cum_sum()
        .over("group", "system", "code")
        .alias("_run")
    )
    merged = codes.group_by("group", "system", "code", "_run").agg(
        pl.col("first_year").min(), pl.col("last_year").max()
    )
    return merged.drop("_run").with_columns(
        pl.when(pl.col("last_year") == OPEN_END).then(None).otherwise("last_year").alias("last_year")
    )


def _check_unique(codes: pl.DataFrame) -> None:
    """No COW, G-W, ISO3 or ISO2 code may denote two states in one year."""
    coded = codes.filter(pl.col("system") != "name")
    pairs = coded.join(coded, on=["system", "code"], suffix="_b").filter(
        (pl.col("group") < pl.col("group_b"))
        & (pl.col("first_year") <= pl.col("last_year_b").fill_null(OPEN_END))
        & (pl.col("first_year_b") <= pl.col("last_year").fill_null(OPEN_END))
    )
    if pairs.height:
        listing = "; ".join(
            f"{r['system']} {r['code']}: {r['group']} {r['first_year']}-{r['last_year']} vs "
            f"{r['group_b']} {r['first_year_b']}-{r['last_year_b']}"
            for r in pairs.head(20).iter_rows(named=True)
        )
        raise CrosswalkError(f"codes that denote two states in the same year: {listing}")


__all__ = ["build_crosswalk"]
