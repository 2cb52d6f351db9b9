"""Year-valid code lookups on the real crosswalk: the historical cases where COW and G-W diverge."""

from __future__ import annotations

import polars as pl
import pytest

from detente.sources.crosswalk import Crosswalk, CrosswalkError, System


def test_build_is_fast(build_seconds: tuple[Crosswalk, float]) -> None:
    assert build_seconds[1] < 5.0


@pytest.mark.parametrize(
    ("system", "code", "year", "key"),
    [
        # Germany: COW 255 -> 260 -> 255, G-W 255 -> 260; the GDR apart
        ("cow", 255, 1900, "DEU"),
        ("cow", 255, 1950, None),
        ("cow", 260, 1980, "DEU"),
        ("cow", 255, 1995, "DEU"),
        ("cow", 260, 1995, None),
        ("gw", 255, 1950, None),
        ("gw", 260, 1950, "DEU"),
        ("gw", 260, 1995, "DEU"),
        ("cow", 265, 1980, "COW-265"),
        ("gw", 265, 1980, "COW-265"),
        ("gw", 265, 1995, None),
        # Serbia / Yugoslavia: COW 345 throughout, G-W 340 -> 345 -> 340
        ("cow", 345, 1900, "SRB"),
        ("gw", 340, 1900, "SRB"),
        ("gw", 345, 1950, "SRB"),
        ("gw", 340, 1950, None),
        ("cow", 345, 2010, "SRB"),
        ("gw", 340, 2010, "SRB"),
        ("gw", 345, 2010, None),
        ("cow", 347, 2010, "COW-347"),
        ("cow", 341, 2010, "MNE"),
        # Yemen: COW 678 -> 679, G-W 678 throughout; South Yemen 680
        ("cow", 678, 1980, "YEM"),
        ("cow", 678, 2000, None),
        ("cow", 679, 1980, None),
        ("cow", 679, 2000, "YEM"),
        ("gw", 678, 2000, "YEM"),
        ("gw", 679, 2000, None),
        ("cow", 680, 1980, "COW-680"),
        ("gw", 680, 1980, "COW-680"),
        ("cow", 680, 2000, None),
        # Vietnam: 816 north then united, 817 south, G-W 815 pre-colonial
        ("cow", 816, 1970, "VNM"),
        ("gw", 816, 1970, "VNM"),
        ("cow", 817, 1970, "COW-817"),
        ("gw", 817, 1970, "COW-817"),
        ("cow", 817, 1980, None),
        ("cow", 816, 2000, "VNM"),
        ("gw", 815, 1850, "GW-815"),
        ("cow", 816, 1850, None),
        # the systems number some microstates differently
        ("cow", 970, 2005, "NRU"),
        ("gw", 970, 2005, "KIR"),
        ("gw", 971, 2005, "NRU"),
        # open-ended membership runs past the end of the COW/G-W tables
        ("cow", 2, 2024, "USA"),
        ("gw", 2, 2024, "USA"),
        # ISO codes, including Namibia's "NA"
        ("iso2", "NA", 2000, "NAM"),
        ("iso2", "na", 2000, "NAM"),
        ("iso3", "NAM", 2000, "NAM"),
        ("iso3", "DEU", 1960, "DEU"),
        ("iso3", "PSE", 2010, "PSE"),
        ("cow", "255", 1995, "DEU"),
    ],
)
def test_key_for(cw: Crosswalk, system: System, code: object, year: int, key: str | None) -> None:
    assert cw.key_for(system, code, year) == key


@pytest.mark.parametrize(
    ("year", "cow", "gw"),
    [
        (2000, 255, 260),
        (1980, 260, 260),
        (1980, 265, 265),
        (2010, 345, 340),
        (1995, 345, 345),
        (1910, 345, 340),
        (2000, 679, 678),
        (1980, 678, 678),
        (1970, 816, 816),
        (1970, 817, 817),
        (2005, 970, 971),
        (2005, 946, 970),
        (2000, 2, 2),
        (2000, 365, 365),
    ],
)
def test_round_trip_cow_gw(cw: Crosswalk, year: int, cow: int, gw: int) -> None:
    assert cw.translate(cow, "cow", "gw", year) == str(gw)
    assert cw.translate(gw, "gw", "cow", year) == str(cow)


def test_state_rows_for_the_hard_cases(cw: Crosswalk) -> None:
    rows = {r["state_key"]: r for r in cw.states.iter_rows(named=True)}
    assert rows["DEU"]["ccode"] == 255 and rows["DEU"]["gwcode"] == 260 and rows["DEU"]["iso2"] == "DE"
    assert rows["DEU"]["abbreviation"] == "GMY"
    assert rows["YEM"]["ccode"] == 679 and rows["YEM"]["gwcode"] == 678
    assert rows["SRB"]["ccode"] == 345 and rows["SRB"]["gwcode"] == 340 and rows["SRB"]["iso3"] == "SRB"
    assert rows["COW-265"]["name"] == "German Democratic Republic" and rows["COW-265"]["last_year"] == 1990
    assert rows["NAM"]["iso2"] == "NA"
    assert rows["USA"]["last_year"] is None
    assert cw.states.get_column("state_key").is_unique().all()


def test_code_for_picks_the_code_in_force_at_year_end(cw: Crosswalk) -> None:
    assert cw.code_for("DEU", "cow", 1990) == "255"
    assert cw.code_for("DEU", "cow", 1989) == "260"
    assert cw.code_for("DEU", "cow", 1950) is None
    assert cw.code_for("YEM", "cow", 1990) == "679"
    assert cw.code_for("SRB", "gw", 2006) == "340"
    assert cw.code_for("DEU", "iso3") == "DEU"


def test_code_spells_are_compressed_and_unique_per_year(cw: Crosswalk) -> None:
    deu_cow = cw.codes.filter((pl.col("state_key") == "DEU") & (pl.col("system") == "cow")).sort("first_year")
    assert deu_cow.select("code", "first_year", "last_year").rows() == [
        ("255", 1816, 1945),
        ("260", 1955, 1990),
        ("255", 1990, None),
    ]
    for system in ("cow", "gw", "iso3", "iso2"):
        years = cw._code_years(system)
        assert years.select("code", "year").is_unique().all(), system


def test_map_codes_vectorised(cw: Crosswalk) -> None:
    frame = pl.DataFrame(
        {
            "ccode": [255, 255, 260, 345, 679, 678, 999, None],
            "year": [1950, 1995, 1980, 2010, 2000, 1980, 2000, 2000],
        }
    )
    out = cw.map_codes(frame, system="cow", code_col="ccode", year_col="year")
    assert out.columns == ["ccode", "year", "state_key"]
    assert out.get_column("state_key").to_list() == [None, "DEU", "DEU", "SRB", "YEM", "YEM", None, None]
    timeless = cw.map_codes(frame, system="cow", code_col="ccode", out="key")
    assert timeless.get_column("key").to_list()[:2] == ["DEU", "DEU"]
    with pytest.raises(CrosswalkError, match=r"2 rows have a cow code") as info:
        cw.map_codes(frame, system="cow", code_col="ccode", year_col="year", strict=True)
    assert "255/1950 (1 rows)" in str(info.value)
    assert "999/2000 (1 rows)" in str(info.value)


def test_map_codes_iso2_text(cw: Crosswalk) -> None:
    frame = pl.DataFrame({"iso2": ["NA", "DE", "US", " rs "], "year": [1995, 1995, 2020, 2010]})
    out = cw.map_codes(frame, system="iso2", code_col="iso2", year_col="year")
    assert out.get_column("state_key").to_list() == ["NAM", "DEU", "USA", "SRB"]


def test_add_codes(cw: Crosswalk) -> None:
    frame = pl.DataFrame({"state_key": ["DEU", "DEU", "SRB", "YEM"], "year": [1980, 1995, 2010, 1980]})
    out = cw.add_codes(frame, year_col="year", systems={"cow": "ccode", "gw": "gwcode"})
    assert out.select("ccode", "gwcode").rows() == [("260", "260"), ("255", "260"), ("345", "340"), ("678", "678")]


def test_unknown_system(cw: Crosswalk) -> None:
    with pytest.raises(CrosswalkError, match="unknown code system"):
        cw.key_for("fips", "GM", 2000)  # type: ignore[arg-type]


def test_capitals(cw: Crosswalk) -> None:
    deu = cw.capitals.filter(pl.col("state_key") == "DEU")
    assert {"Berlin", "Bonn"} <= set(deu.get_column("capital").to_list())
    assert cw.capitals.get_column("state_key").null_count() == 0
    assert cw.capitals.filter(pl.col("lat").is_null()).height == 0
