"""Geo-PKO (Geocoded Peacekeeping Operations): UN peacekeeping deployments by location.

``deployments`` (geopko_raw_from_dashboard_RData_1994-2020.csv, one row per mission x map x location)
    ``source`` (UN map number), ``mission``, ``year``, ``month``, ``location``, ``country``,
    ``latitude``, ``longitude``, ``no_troops`` (an estimate from unit symbols on UN maps; "unknown" ->
    null with ``no_troops_unknown`` true), unit-type dummies (``inf``, ``eng``, ``sig``, ``med``, ``avia``
    ...), ``no_tcc``, ``nameoftcc_1``..``_17`` (contributor names) with ``notroopspertcc_1``..``_17``,
    ``unpol_dummy``, ``unmo_dummy``, ``hq``, ``cow_code``/``gnwo`` (host state; text because a few rows
    hold two codes such as "531,530"), ``tcc1``..``tcc17`` (contributor codes), ``adm1_id``, ``prioid``.
    The source stored every number as text (coordinates with 15+ digits); they are typed here.
``front_map``, ``tcc_map``, ``troop_type_map`` (v2.3_derived/*.csv): the dashboard's mission x year x
    location aggregates of Geo-PKO v2.3 (1994-2024): troop and unit counts, contributing countries as
    text, troop types.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import NA_TOKENS, Col, Kind

RAW = "geopko_raw_from_dashboard_RData_1994-2020.csv"
_UNKNOWN = NA_TOKENS | {"unknown", "Unknown"}


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the location-level Geo-PKO table and the three v2.3 aggregates."""
    table = read_csv(files[RAW], "utf-8")
    per_tcc = [Col(f"notroopspertcc_{i}", kind=Kind.INT, nulls=_UNKNOWN) for i in range(1, 18)]
    deployments = table.typed(
        [
            Col("source"),
            Col("mission"),
            Col("year", kind=Kind.INT),
            Col("month", kind=Kind.INT),
            Col("location"),
            Col("country"),
            Col("latitude", kind=Kind.FLOAT),
            Col("longitude", kind=Kind.FLOAT),
            Col("no.troops", kind=Kind.INT, nulls=_UNKNOWN),
            Col("no.tcc", kind=Kind.INT),
            *per_tcc,
            Col("cow_code"),
            Col("gnwo"),
            Col("hq", kind=Kind.INT),
        ],
        rest=Kind.AUTO,
    )
    unknown = table.frame.get_column("no.troops").str.strip_chars().str.to_lowercase() == "unknown"
    deployments = deployments.with_columns(unknown.alias("no_troops_unknown"))
    derived = {
        "front_map": "v2.3_derived/FrontMap_v.2.3.csv",
        "tcc_map": "v2.3_derived/TCCMap_v.2.3.csv",
        "troop_type_map": "v2.3_derived/TTMap_v.2.3.csv",
    }
    tables = {"deployments": deployments}
    for name, path in derived.items():
        raw = read_csv(files[path], "utf-8")
        tables[name] = raw.typed(
            [
                Col("mission"),
                Col("year", kind=Kind.INT),
                Col("location"),
                Col("latitude", kind=Kind.FLOAT),
                Col("longitude", kind=Kind.FLOAT),
            ],
            rest=Kind.AUTO,
        )
    return tables
