"""Every state-system member maps, in every year of its membership, to exactly one crosswalk state."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from detente.sources.crosswalk import Crosswalk


def _member_years(frame: pl.DataFrame, code: str, start: pl.Expr, end: pl.Expr) -> pl.DataFrame:
    return (
        frame.select(pl.col(code).alias("code"), pl.int_ranges(start, end + 1).alias("year")).explode("year").unique()
    )


@pytest.mark.parametrize(
    ("table", "system", "code", "start", "end"),
    [
        ("cow_states", "cow", "ccode", pl.col("styear"), pl.col("endyear")),
        ("gw_states", "gw", "gwcode", pl.col("startdate").dt.year(), pl.col("enddate").dt.year()),
    ],
)
def test_every_member_year_maps(
    cw: Crosswalk,
    parsed: Callable[[str], dict[str, pl.DataFrame]],
    table: str,
    system: str,
    code: str,
    start: pl.Expr,
    end: pl.Expr,
) -> None:
    years = _member_years(parsed("peacesciencer")[table], code, start, end)
    out = cw.map_codes(years, system=system, code_col="code", year_col="year")  # type: ignore[arg-type]
    missing = out.filter(pl.col("state_key").is_null())
    assert missing.is_empty(), missing.head(20)
    assert out.height == years.height


def test_isard_members_map(cw: Crosswalk, parsed: Callable[[str], dict[str, pl.DataFrame]]) -> None:
    isard = parsed("isard")
    for table, system, code in (("cw_system", "cow", "ccode"), ("gw_system", "gw", "gwcode")):
        years = _member_years(isard[table], code, pl.col("start").dt.year(), pl.col("end").dt.year())
        out = cw.map_codes(years, system=system, code_col="code", year_col="year", strict=True)  # type: ignore[arg-type]
        assert out.get_column("state_key").null_count() == 0


def test_system_spells(cw: Crosswalk) -> None:
    spells = cw.system_spells
    assert set(spells.get_column("system").unique().to_list()) == {"cow", "gw"}
    assert spells.get_column("state_key").null_count() == 0
    deu = spells.filter((pl.col("state_key") == "DEU") & (pl.col("system") == "cow")).sort("start")
    assert deu.select("code", pl.col("start").dt.year(), pl.col("end").dt.year()).rows() == [
        ("255", 1816, 1945),
        ("260", 1955, 1990),
        ("255", 1990, 2016),
    ]
    assert deu.get_column("end_is_coverage_end").to_list() == [False, False, True]
    # G-W microstates (isard) are there too
    assert spells.filter(pl.col("microstate").fill_null(False)).height > 0


def test_every_state_has_a_code(cw: Crosswalk) -> None:
    coded = cw.codes.filter(pl.col("system") != "name").get_column("state_key").unique()
    assert set(coded.to_list()) == set(cw.states.get_column("state_key").to_list())
    assert cw.states.filter(pl.col("name").is_null()).is_empty()
