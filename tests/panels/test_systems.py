"""State-years and dyad-years against peacesciencer's own outputs, and the properties every panel keeps."""

from __future__ import annotations

import polars as pl
import pytest

from detente.panels import PanelUnitError, create_dyad_years, create_state_years
from detente.store.database import Store
from tests.panels.conftest import read_reference

# row_counts.csv object -> how to build it without the clock (mry=TRUE objects pinned to 2025, the year
# the reference ran in; the pipelines are checked in test_pipeline.py).
BUILDS = {
    "stateyears_cow": lambda s: create_state_years(s, "cow", (1816, 2025)),
    "stateyears_gw": lambda s: create_state_years(s, "gw", (1816, 2025)),
    "stateyears_cow_mryFALSE": lambda s: create_state_years(s, "cow"),
    "stateyears_gw_mryFALSE": lambda s: create_state_years(s, "gw"),
    "dyadyears_cow_undirected_1816_2016": lambda s: create_dyad_years(s, "cow", False, (1816, 2016)),
    "dyadyears_cow_directed_1816_2016": lambda s: create_dyad_years(s, "cow", True, (1816, 2016)),
    "dyadyears_gw_undirected_1816_2016": lambda s: create_dyad_years(s, "gw", False, (1816, 2016)),
}


def test_row_counts_match_the_reference(panel_store: Store) -> None:
    counts = read_reference("row_counts.csv")
    for row in counts.filter(pl.col("object").is_in(list(BUILDS))).iter_rows(named=True):
        panel = BUILDS[row["object"]](panel_store)
        frame = panel.to_polars()
        got = (frame.height, frame.width, frame["year"].min(), frame["year"].max(), frame["year"].n_unique())
        want = (row["nrow"], row["ncol"], row["min_year"], row["max_year"], row["n_years"])
        assert got == want, row["object"]
        assert (panel.unit, panel.system) == (row["ps_data_type"], row["ps_system"])


@pytest.mark.parametrize("system", ["cow", "gw"])
def test_state_years_equal_the_reference_file(panel_store: Store, system: str) -> None:
    expected = read_reference(f"stateyears_{system}_mryFALSE.csv")
    got = create_state_years(panel_store, system).to_polars()  # type: ignore[arg-type]
    assert got.columns == expected.columns
    assert got.equals(expected.cast(dict(got.schema)))


def test_undirected_dyad_years_equal_the_reference_file(panel_store: Store) -> None:
    expected = read_reference("dyadyears_cow_undirected_1816_2016.csv.gz")
    got = create_dyad_years(panel_store, "cow", directed=False, years=(1816, 2016)).to_polars()
    assert got.equals(expected.cast(dict(got.schema)))


@pytest.mark.parametrize("system", ["cow", "gw"])
def test_directed_is_both_orientations_of_non_directed(panel_store: Store, system: str) -> None:
    undirected = create_dyad_years(panel_store, system, directed=False, years=(1900, 2016))  # type: ignore[arg-type]
    directed = create_dyad_years(panel_store, system, directed=True, years=(1900, 2016))  # type: ignore[arg-type]
    one, two = undirected.keys[0], undirected.keys[1]
    u, d = undirected.to_polars(), directed.to_polars()
    assert u.filter(pl.col(one) >= pl.col(two)).is_empty()
    assert d.height == 2 * u.height
    mirrored = u.select(pl.col(two).alias(one), pl.col(one).alias(two), "year")
    both = pl.concat([u.select(one, two, "year"), mirrored]).sort(one, two, "year")
    assert both.equals(d.select(one, two, "year"))


def test_years_are_pinned_and_clipped(panel_store: Store) -> None:
    window = create_state_years(panel_store, "cow", (1990, 1995))
    assert window.years == (1990, 1995)
    assert window.to_polars()["year"].unique().sort().to_list() == list(range(1990, 1996))
    # ending after the data's last year extends only the spells that run to the data's end
    extended = create_state_years(panel_store, "cow", (2016, 2020)).to_polars()
    in_2016 = set(extended.filter(pl.col("year") == 2016)["ccode"])
    assert set(extended.filter(pl.col("year") == 2020)["ccode"]) == in_2016
    stopped = create_state_years(panel_store, "cow", (2016, 2020), extend=False).to_polars()
    assert stopped["year"].max() == 2016


def test_bad_requests_say_what_is_wrong(panel_store: Store) -> None:
    with pytest.raises(ValueError, match="system must be"):
        create_state_years(panel_store, "iso")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start <= end"):
        create_state_years(panel_store, "cow", (2000, 1990))
    states = create_state_years(panel_store, "cow", (2000, 2001))
    with pytest.raises(PanelUnitError, match=r"call create_dyad_years\(\) first, then add_capital_distance"):
        states.add_capital_distance()
    gw = create_dyad_years(panel_store, "gw", False, (2000, 2001))
    with pytest.raises(PanelUnitError, match=r"create_dyad_years\(system='cow'\) first"):
        gw.add_atop_alliance()
