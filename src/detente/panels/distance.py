"""Distance between capitals on dyad-years: ``capdist``, in kilometres.

Source: peacesciencer's ``cow_capitals``: each state's capitals with the dates they held that role
(``stdate``..``enddate``) and their latitude and longitude. A state can move its capital (Rio de Janeiro
to Brasilia on 21 April 1960, Paris to Vichy and back): a year uses the capital in force on 1 January.

Distance is the great-circle distance on a sphere of radius 6,378,137 m (the WGS84 equatorial radius),
computed with the Vincenty formula for the sphere -- ``atan2`` of the cross and dot products of the two
position vectors, accurate for antipodal and nearly identical points alike, unlike the haversine or the
spherical law of cosines. This is what the reference computes (``geosphere::distVincentySphere``); a
different radius (6,371 km, the mean) changes every distance by about 0.1 %.
"""

from __future__ import annotations

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import DATASETS, source_citation
from detente.panels.joins import attach, state_key
from detente.panels.panel import Panel

__all__ = ["EARTH_RADIUS_M", "add_capital_distance", "capital_years", "sphere_distance_km"]

EARTH_RADIUS_M = 6_378_137.0


def capital_years(capitals: pl.DataFrame) -> pl.DataFrame:
    """One row per (ccode, year) with the latitude and longitude of the capital in force on 1 January."""
    years = (
        capitals.with_row_index("_spell")
        .with_columns(
            pl.int_ranges(pl.col("stdate").dt.year(), pl.col("enddate").dt.year() + 1, dtype=pl.Int64).alias("year")
        )
        .explode("year")
    )
    january = pl.date(pl.col("year"), 1, 1)
    in_force = years.filter((pl.col("stdate") <= january) & (pl.col("enddate") >= january))
    return in_force.sort("ccode", "year", "_spell").unique(["ccode", "year"], keep="first", maintain_order=True)


def sphere_distance_km(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in km between points given in degrees (Vincenty formula on the sphere)."""
    phi1, phi2 = lat1.radians(), lat2.radians()
    delta = (lon2 - lon1).radians()
    cross = (
        (phi2.cos() * delta.sin()) ** 2 + (phi1.cos() * phi2.sin() - phi1.sin() * phi2.cos() * delta.cos()) ** 2
    ).sqrt()
    dot = phi1.sin() * phi2.sin() + phi1.cos() * phi2.cos() * delta.cos()
    return pl.arctan2(cross, dot) * (EARTH_RADIUS_M / 1000.0)


def add_capital_distance(panel: Panel) -> Panel:
    """Add ``capdist`` (km between the two capitals in force on 1 January) to a COW dyad-year panel."""
    store = panel.require("add_capital_distance", unit="dyad_year", system="cow")
    capitals = read_table(store, "peacesciencer", "cow_capitals").with_row_index("_capital")
    # A few hundred capitals make a few tens of thousands of pairs: compute every pair's distance once,
    # then give each dyad-year the distance of its pair (a gather), instead of trigonometry on every row.
    count = capitals.height
    pairs = capitals.select("_capital", "lat", "lng").join(
        capitals.select("_capital", "lat", "lng"), how="cross", suffix="_2"
    )
    distances = pairs.select(
        sphere_distance_km(pl.col("lat"), pl.col("lng"), pl.col("lat_2"), pl.col("lng_2"))
    ).to_series()
    in_force = capital_years(capitals).select(state_key("ccode"), pl.col("_capital").cast(pl.Int64))
    frame = panel.frame
    for side in (1, 2):
        frame = attach(frame, state_key(f"ccode{side}"), in_force.rename({"_capital": f"_capital{side}"}), "capdist")
    # the lower index first, so that (a, b) and (b, a) read the very same float (rounding is not symmetric)
    pair = pl.min_horizontal("_capital1", "_capital2") * count + pl.max_horizontal("_capital1", "_capital2")
    frame = frame.with_columns(pl.lit(distances).gather(pair).alias("capdist")).drop("_capital1", "_capital2")
    return panel.with_frame(frame, DATASETS["capitals"], source_citation(store, "peacesciencer"))
