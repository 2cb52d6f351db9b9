"""Properties every panel keeps, on real data: row counts, symmetry, honest coverage, the cache, output."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from typer.testing import CliRunner

from detente.cli.panel import app
from detente.panels import Panel, create_dyad_years, create_state_years
from detente.panels.cache import cache_dir, read_table, stored_table
from detente.panels.output import stata_available
from detente.sources.datasets import read_dataset
from detente.store.database import Store

ALL = ("add_atop_alliance", "add_nmc", "add_contiguity", "add_cow_mids", "add_capital_distance", "add_democracy")


@pytest.fixture(scope="module")
def directed(panel_store: Store) -> Panel:
    """A directed panel across the end of several sources' coverage (ATOP 2018, MIDs 2014, IGOs 2014)."""
    panel = create_dyad_years(panel_store, "cow", directed=True, years=(2005, 2020))
    for name in (*ALL, "add_igos"):
        before = panel.height
        panel = getattr(panel, name)()
        assert panel.height == before, f"{name} changed the row count"
    return panel


def test_symmetric_variables_agree_in_both_directions(directed: Panel) -> None:
    frame = directed.to_polars()
    symmetric = ["conttype", "capdist", "dyadigos", "atop_alliance", "cowmidongoing"]
    there = frame.select("ccode1", "ccode2", "year", *symmetric)
    back = there.rename({"ccode1": "ccode2", "ccode2": "ccode1"})
    joined = there.join(back, on=["ccode1", "ccode2", "year"], suffix="_back")
    assert joined.height == frame.height
    for name in symmetric:
        assert joined.filter(pl.col(name).ne_missing(pl.col(f"{name}_back"))).is_empty(), name


def test_coverage_is_honest_outside_the_source_years(directed: Panel) -> None:
    frame = directed.to_polars()
    late = frame.filter(pl.col("year") > 2018)
    assert late["atop_alliance"].null_count() == late.height  # ATOP ends in 2018: unknown, not 0
    assert frame.filter(pl.col("year") <= 2018)["atop_alliance"].null_count() == 0
    after_mids = frame.filter(pl.col("year") > 2014)
    assert after_mids["cowmidonset"].null_count() == after_mids.height
    assert frame.filter(pl.col("year") > 2016)["conttype"].null_count() == frame.filter(pl.col("year") > 2016).height


def test_mid_unknown_codes_can_stay_missing(panel_store: Store) -> None:
    base = create_dyad_years(panel_store, "cow", directed=False, years=(1990, 2000))
    source, cleaned = base.add_cow_mids(), base.add_cow_mids(unknown="missing")
    assert source.to_polars()["fatality1"].min() == -9
    assert (cleaned.to_polars()["fatality1"].min() or 0) >= 0
    assert source.to_polars()["dispnum"].null_count() == cleaned.to_polars()["dispnum"].null_count()


def test_state_year_enrichers_and_refusals(panel_store: Store) -> None:
    states = create_state_years(panel_store, "cow", (2000, 2010))
    enriched = states.add_nmc().add_democracy().add_igos()
    assert enriched.height == states.height
    assert {"cinc", "polity2", "sum_igo_full"} <= set(enriched.to_polars().columns)
    gw = create_state_years(panel_store, "gw", (2000, 2010)).add_democracy()
    assert gw.to_polars()["euds"].null_count() < gw.height


def test_cache_returns_exactly_the_stored_table(panel_store: Store) -> None:
    first = read_table(panel_store, "peacesciencer", "cow_capitals")  # written to the cache if not there
    entry = stored_table(panel_store, "peacesciencer", "cow_capitals")
    files = list(cache_dir().glob(f"{entry.db_table}-v{entry.source_version_id}-*.parquet"))
    assert files, "read_table wrote no cached copy"
    assert read_table(panel_store, "peacesciencer", "cow_capitals").equals(first)
    assert first.equals(read_dataset(panel_store.engine, "peacesciencer", "cow_capitals"))


def test_cache_ignores_a_copy_with_the_wrong_row_count(panel_store: Store) -> None:
    expected = read_dataset(panel_store.engine, "isard", "cw_system")
    read_table(panel_store, "isard", "cw_system")
    entry = stored_table(panel_store, "isard", "cw_system")
    for path in cache_dir().glob(f"{entry.db_table}-v{entry.source_version_id}-*.parquet"):
        expected.head(3).write_parquet(path)  # a stale or damaged copy
    assert read_table(panel_store, "isard", "cw_system").equals(expected)
    os.environ["DETENTE_TABLE_CACHE"] = "off"
    try:
        assert read_table(panel_store, "isard", "cw_system").equals(expected)
    finally:
        del os.environ["DETENTE_TABLE_CACHE"]
    with pytest.raises(LookupError, match="detente sources load nosuch"):
        read_table(panel_store, "nosuch", "table")


def test_write_formats(panel_store: Store, tmp_path: Path) -> None:
    panel = create_dyad_years(panel_store, "cow", directed=False, years=(2000, 2001)).add_nmc()
    frame = panel.to_polars()
    assert pl.read_parquet(panel.write(tmp_path / "p.parquet")).equals(frame)
    assert pl.read_csv(panel.write(tmp_path / "p.csv"), schema=frame.schema).equals(frame)
    with pytest.raises(ValueError, match=r"\.csv, \.parquet, \.dta"):
        panel.write(tmp_path / "p.xlsx")
    assert stata_available()  # pyreadstat is a dependency
    stata = panel.write(tmp_path / "p.dta")
    assert b"<release>118</release>" in stata.read_bytes()[:64]  # the format Stata 14 and later read
    back, _meta = pyreadstat.read_dta(stata, output_format="polars")
    assert frame.null_count().sum_horizontal().item() > 0  # some missing values made the trip too
    assert back.columns == frame.columns
    assert back.cast(frame.schema).equals(frame)  # every value, missing ones as missing (Stata stores doubles)


def test_cli_writes_the_panel_and_cites(panel_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "dyads.parquet"
    url = panel_store.engine.url.render_as_string(hide_password=False)
    args = ["dyad-years", "--database", url, "--years", "2000-2002", "--add", "atop,capdist", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--cite"])
    assert result.exit_code == 0, result.output
    assert "Leeds" in result.output
    assert pl.read_parquet(out).columns[-1] == "capdist"
    stata = tmp_path / "dyads.dta"
    result = CliRunner().invoke(app, [*args[:-1], str(stata)])
    assert result.exit_code == 0, result.output
    back, _meta = pyreadstat.read_dta(stata, output_format="polars")
    assert back.cast(pl.read_parquet(out).schema).equals(pl.read_parquet(out))
    bad = CliRunner().invoke(app, ["state-years", "--database", url, "--add", "capdist", "--out", str(out)])
    assert bad.exit_code == 1
    assert "create_dyad_years" in bad.output
