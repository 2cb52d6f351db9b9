"""System membership: COW and G-W spells, the years each code is valid, and the groups of codes
that denote one state (see the package docstring for the identity rule)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from detente.sources.crosswalk.model import CrosswalkError


def source_table(tables: Mapping[str, Mapping[str, pl.DataFrame]], source: str, name: str) -> pl.DataFrame:
    try:
        return tables[source][name]
    except KeyError as exc:
        raise CrosswalkError(
            f"build_crosswalk needs table {name!r} of source {source!r}; "
            f"pass tables={{'{source}': get_source('{source}').parse(files), ...}}"
        ) from exc


def membership_spells(tables: Mapping[str, Mapping[str, pl.DataFrame]]) -> pl.DataFrame:
    """COW and G-W membership spells, one row per spell, with their source table."""
    cow = source_table(tables, "peacesciencer", "cow_states").select(
        pl.lit("cow").alias("system"),
        pl.col("ccode").alias("code_int"),
        pl.col("stateabb").alias("abbreviation"),
        pl.col("statenme").alias("name"),
        pl.date("styear", "stmonth", "stday").alias("start"),
        pl.date("endyear", "endmonth", "endday").alias("end"),
        pl.lit(None, pl.Boolean).alias("microstate"),
        pl.lit("peacesciencer.cow_states").alias("source"),
    )
    cw = source_table(tables, "isard", "cw_system").select(
        pl.lit("cow").alias("system"),
        pl.col("ccode").alias("code_int"),
        pl.col("cw_abb").alias("abbreviation"),
        pl.col("cw_name").alias("name"),
        "start",
        "end",
        pl.lit(None, pl.Boolean).alias("microstate"),
        pl.lit("isard.cw_system").alias("source"),
    )
    gw = source_table(tables, "isard", "gw_system").select(
        pl.lit("gw").alias("system"),
        pl.col("gwcode").alias("code_int"),
        pl.col("gw_abb").alias("abbreviation"),
        pl.col("gw_name").alias("name"),
        "start",
        "end",
        (pl.col("microstate") == 1).alias("microstate"),
        pl.lit("isard.gw_system").alias("source"),
    )
    gws = source_table(tables, "peacesciencer", "gw_states").select(
        pl.lit("gw").alias("system"),
        pl.col("gwcode").alias("code_int"),
        pl.col("stateabb").alias("abbreviation"),
        pl.col("statename").alias("name"),
        pl.col("startdate").alias("start"),
        pl.col("enddate").alias("end"),
        pl.lit(False).alias("microstate"),
        pl.lit("peacesciencer.gw_states").alias("source"),
    )
    parts = []
    for primary, secondary in ((cow, cw), (gw, gws)):
        primary = primary.with_columns((pl.col("end") == pl.col("end").max()).alias("end_is_coverage_end"))
        secondary = secondary.with_columns((pl.col("end") == pl.col("end").max()).alias("end_is_coverage_end"))
        extra = secondary.join(primary, on=["code_int", "start"], how="anti")
        parts.extend([primary, extra])
    return pl.concat(parts).sort("system", "code_int", "start")


def code_validity(spells: pl.DataFrame) -> pl.DataFrame:
    """Year spells of each (system, code): every calendar year a membership spell touches; open ends null."""
    return spells.select(
        "system",
        "code_int",
        pl.col("start").dt.year().alias("first_year"),
        pl.when(pl.col("end_is_coverage_end")).then(None).otherwise(pl.col("end").dt.year()).alias("last_year"),
    )


def code_years_of(validity: pl.DataFrame, horizon: int) -> pl.DataFrame:
    return (
        validity.select(
            "system",
            "code_int",
            pl.int_ranges("first_year", pl.col("last_year").fill_null(horizon) + 1).alias("year"),
        )
        .explode("year")
        .unique()
    )


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, node: str) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> None:
        self.add(a)
        self.add(b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def code_groups(tables: Mapping[str, Mapping[str, pl.DataFrame]], code_years: pl.DataFrame) -> dict[str, str]:
    """node ("cow:255") -> group id, linking COW and G-W codes that isard pairs in a year both are valid."""
    uf = _UnionFind()
    for system, code in code_years.select("system", "code_int").unique().iter_rows():
        uf.add(f"{system}:{code}")
    panels = pl.concat(
        [
            source_table(tables, "isard", "cw_gw_panel").select("year", "ccode", "gwcode"),
            source_table(tables, "isard", "gw_cw_panel").select("year", "ccode", "gwcode"),
        ]
    ).drop_nulls()
    cow_valid = code_years.filter(pl.col("system") == "cow").select(pl.col("code_int").alias("ccode"), "year")
    gw_valid = code_years.filter(pl.col("system") == "gw").select(pl.col("code_int").alias("gwcode"), "year")
    links = (
        panels.join(cow_valid, on=["ccode", "year"], how="semi")
        .join(gw_valid, on=["gwcode", "year"], how="semi")
        .select("ccode", "gwcode")
        .unique()
    )
    for ccode, gwcode in links.iter_rows():
        uf.union(f"cow:{ccode}", f"gw:{gwcode}")
    return {node: uf.find(node) for node in uf.parent}
