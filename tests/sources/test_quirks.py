"""Each documented quirk of the raw files is handled (datasets/README.md and SOURCE.txt)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

Parsed = Callable[[str], dict[str, pl.DataFrame]]


def test_namibia_iso2_is_a_code_not_a_missing_value(parsed: Parsed) -> None:
    votes = parsed("unvotes")["votes"]
    assert set(votes.filter(pl.col("country") == "Namibia")["country_code"].unique()) == {"NA"}
    assert votes.filter(pl.col("country") == "Yemen Arab Republic")["country_code"].null_count() > 0
    panel = parsed("countrycode")["panel"]
    assert panel.filter(pl.col("iso3c") == "NAM")["iso2c"].unique().to_list() == ["NA"]
    countries = parsed("world_countries")["countries"]
    assert countries.filter(pl.col("cca3") == "NAM")["cca2"].item() == "NA"


def test_crosswalk_inputs_carry_every_code_system_with_years(parsed: Parsed) -> None:
    panel = parsed("countrycode")["panel"]
    germany = panel.filter(pl.col("iso3c") == "DEU", pl.col("year").is_in([1900, 1950, 1960, 2000])).sort("year")
    # COW: 255 -> (none 1946-54) -> 260 (FRG 1955-89) -> 255; G-W: 255 -> 260 from 1949 on.
    assert germany.select("year", "cown", "gwn").rows() == [
        (1900, 255, 255),
        (1950, None, 260),
        (1960, 260, 260),
        (2000, 255, 260),
    ]
    isard = parsed("isard")
    assert {"ccode", "gwcode", "year"} <= set(isard["cw_gw_panel"].columns)
    assert isard["cw_system"]["start"].dtype == pl.Date
    states = parsed("peacesciencer")
    assert {"ccode", "stateabb", "styear", "endyear"} <= set(states["cow_states"].columns)
    assert {"gwcode", "startdate", "enddate"} <= set(states["gw_states"].columns)


def test_atop_end_year_zero_means_in_force_at_end_of_coverage(parsed: Parsed) -> None:
    alliances = parsed("atop")["alliances"]
    ongoing = alliances.filter(pl.col("ongoing"))
    assert ongoing.height == 372
    assert ongoing["end_year"].null_count() == ongoing.height
    assert ongoing["end_date"].null_count() == ongoing.height
    assert alliances["end_year"].min() == 1815  # no year 0 left


def test_ipi_hq_coordinates_are_unswapped(parsed: Parsed) -> None:
    onuca = parsed("ipi_peacekeeping")["mission_months"].filter(pl.col("mission") == "ONUCA").row(0, named=True)
    assert onuca["hq"] == "Tegucigalpa"
    assert (round(onuca["hq_latitude"], 1), round(onuca["hq_longitude"], 1)) == (14.1, -87.2)


def test_dcad_negative_sentinels_are_null_but_kept_as_codes(parsed: Parsed) -> None:
    agreements = parsed("dcad")["agreements"]
    assert agreements["span"].min() >= 0  # type: ignore[operator]
    assert set(agreements["span_code"].drop_nulls().unique()) <= {-44, -55, -56, -57, -58, -66, -77, -88, -99}
    assert agreements["span_code"].drop_nulls().len() > 0


def test_sipri_register_preamble_and_trailing_semicolons(parsed: Parsed) -> None:
    transfers = parsed("sipri_register")["transfers"]
    assert transfers.columns[0] == "deal_id"
    assert transfers["deal_id"].n_unique() == 12_571
    assert transfers["local_production"].dtype == pl.Boolean
    assert not transfers["local_production"].is_null().any()


def test_sipri_milex_blanks_are_missing_not_zero(parsed: Parsed) -> None:
    milex = parsed("sipri_milex")["milex"]
    usa = milex.filter(pl.col("country") == "USA", pl.col("year") == 2018)["milex_usd_m"].item()
    assert usa == 648_798.3
    assert milex.filter(pl.col("country") == "Algeria", pl.col("year") == 1950).height == 0


def test_sipri_tiv_zero_flags_under_half_million(parsed: Parsed) -> None:
    tiv = parsed("sipri_tiv")["tiv"]
    assert tiv.filter(pl.col("tiv_under_half")).height == tiv.filter(pl.col("tiv") == 0).height


def test_latin1_and_bom_files_decode(parsed: Parsed) -> None:
    milex = parsed("sipri_milex")["milex"]
    assert milex.filter(pl.col("country").str.starts_with("C")).filter(pl.col("country").str.contains("ô")).height
    us = parsed("sipri_registers_by_supplier")["us_deals"]
    assert us.columns[0] == "recipient"
    assert us.filter(pl.col("malformed")).height == 3


def test_ucdp_trailing_space_headers(parsed: Parsed) -> None:
    agreements = parsed("ucdp")["peace_agreements"]
    assert {"ref", "return"} <= set(agreements.columns)
    assert agreements["pa_date"].dtype == pl.Date


def test_mme_unknown_day_keeps_month(parsed: Parsed) -> None:
    mme = parsed("exercises")["mme_exercises"]
    unknown_day = mme.filter(pl.col("start_day").is_null())
    assert unknown_day.height > 0
    assert unknown_day["start_month"].null_count() == 0
    assert unknown_day["start_date"].null_count() == unknown_day.height
    assert mme.filter(pl.col("record") == 1)["start_date"].item() == dt.date(1980, 1, 14)
