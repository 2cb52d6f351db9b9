"""The reference pipelines, column by column: peacesciencer's summaries and sample rows, exactly.

Dyad-years: ``create_dyadyears(directed=FALSE, subset_years=1816:2010)`` and the seven enrichers (842,655 x
55). State-years: ``create_stateyears() %>% add_nmc() %>% add_democracy()`` with the reference's run year,
2025, pinned. Per column the number of non-missing values, the sum, the minimum and the maximum must agree
(floating sums to 1e-9 relative: the order of addition differs; capital distance to 1e-6 relative), and
every sample row must be identical (floats to R's 15 printed digits).
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from detente.panels import Panel, create_dyad_years, create_state_years
from detente.store.database import Store
from tests.panels.conftest import read_reference, reference_path

SAMPLE = "pipeline_dyadyear_1816_2010_sample_ccode1_2_200_220_365.csv.gz"


def _close(got: float, want: float, rel: float) -> bool:
    return math.isclose(got, want, rel_tol=rel, abs_tol=rel)


def _summary_mismatches(frame: pl.DataFrame, summary: pl.DataFrame) -> list[str]:
    problems = []
    for row in summary.iter_rows(named=True):
        name = row["column"]
        column = frame[name]
        nonmissing = column.len() - column.null_count()
        if nonmissing != row["n_nonmissing"]:
            problems.append(f"{name}: {nonmissing} non-missing, reference {row['n_nonmissing']}")
        if row["type"] != "numeric":
            continue
        rel = 1e-6 if name == "capdist" else 1e-9
        for stat, got in (("sum", column.sum()), ("min", column.min()), ("max", column.max())):
            want = float(row[stat])
            if not _close(float(got), want, rel):  # type: ignore[arg-type]
                problems.append(f"{name}: {stat} {got!r}, reference {want!r}")
    return problems


def _row_mismatches(got: pl.DataFrame, expected: pl.DataFrame) -> list[str]:
    problems = []
    assert got.columns == expected.columns
    assert got.height == expected.height
    for name in expected.columns:
        left, right = got[name], expected[name]
        if left.is_null().ne(right.is_null()).any():
            problems.append(f"{name}: missing in different rows")
            continue
        if right.dtype == pl.String:
            if not left.equals(right):
                problems.append(f"{name}: text differs")
            continue
        both = pl.DataFrame({"a": left.cast(pl.Float64), "b": right.cast(pl.Float64)}).drop_nulls()
        rel = 1e-6 if name == "capdist" else 1e-13
        bad = both.filter((pl.col("a") - pl.col("b")).abs() > rel * pl.max_horizontal(pl.col("b").abs(), pl.lit(1.0)))
        if bad.height:
            problems.append(f"{name}: {bad.height} values differ, e.g. {bad.row(0)}")
    return problems


@pytest.fixture(scope="module")
def dyad_pipeline(panel_store: Store) -> Panel:
    return (
        create_dyad_years(panel_store, system="cow", directed=False, years=(1816, 2010))
        .add_atop_alliance()
        .add_nmc()
        .add_contiguity()
        .add_cow_mids()
        .add_capital_distance()
        .add_democracy()
        .add_igos()
    )


def test_dyad_pipeline_has_the_reference_columns(dyad_pipeline: Panel) -> None:
    names = reference_path("pipeline_dyadyear_columns.txt").read_text().split()
    assert dyad_pipeline.to_polars().columns == names
    assert dyad_pipeline.height == 842_655


def test_dyad_pipeline_matches_the_reference_summary(dyad_pipeline: Panel) -> None:
    summary = read_reference("pipeline_dyadyear_summary.csv")
    assert _summary_mismatches(dyad_pipeline.to_polars(), summary) == []


def test_dyad_pipeline_sample_rows_are_identical(dyad_pipeline: Panel) -> None:
    expected = read_reference(SAMPLE)
    got = dyad_pipeline.to_polars().filter(pl.col("ccode1").is_in([2, 200, 220, 365]))
    assert _row_mismatches(got, expected) == []


def test_dyad_pipeline_cites_every_source(dyad_pipeline: Panel) -> None:
    keys = {c.key for c in dyad_pipeline.citations}
    expected = {"cow_states", "atop", "nmc", "contiguity", "cow_mid", "capitals", "uds", "polity", "vdem", "igo"}
    assert expected | {"source:isard", "source:peacesciencer"} <= keys
    assert "Leeds" in dyad_pipeline.cite()


def test_state_pipeline_matches_the_reference(panel_store: Store) -> None:
    panel = create_state_years(panel_store, "cow", years=(1816, 2025)).add_nmc().add_democracy()
    got = panel.to_polars()
    assert got.columns == reference_path("pipeline_stateyear_columns.txt").read_text().split()
    assert _summary_mismatches(got, read_reference("pipeline_stateyear_summary.csv")) == []
    assert _row_mismatches(got, read_reference("pipeline_stateyear_cow.csv.gz")) == []
