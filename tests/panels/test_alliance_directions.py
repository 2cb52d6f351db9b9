"""ATOP on non-directed panels: a pair's two directed rows are combined flag by flag, duplicates refused."""

from __future__ import annotations

import polars as pl
import pytest

from detente.panels.alliances import COLUMNS, _both_directions
from detente.panels.pairs import unordered_key


def _combined(rows: list[tuple[int, int, int, int]]) -> pl.DataFrame:
    """ATOP-like rows (ccode1, ccode2, year, defense), every other flag 0, combined per unordered pair-year."""
    frame = pl.DataFrame(rows, schema=["ccode1", "ccode2", "year", "atop_defense"], orient="row")
    frame = frame.with_columns(pl.lit(1, pl.Int64).alias("atop_alliance"))
    frame = frame.with_columns(pl.lit(0, pl.Int64).alias(c) for c in COLUMNS if c not in frame.columns)
    forward = (pl.col("ccode1") < pl.col("ccode2")).alias("_forward")
    return _both_directions(frame.select(unordered_key("ccode1", "ccode2"), forward, *COLUMNS))


def test_each_flag_is_the_maximum_over_both_directions() -> None:
    # USA -> UK promises defence in 1950 only one way; Canada <-> USA in 1951 only from Canada's side.
    out = _combined([(2, 200, 1950, 1), (200, 2, 1950, 0), (20, 2, 1951, 1), (2, 200, 1951, 0)])
    assert out.height == 3
    by_key = dict(zip(out["_key"].to_list(), out["atop_defense"].to_list(), strict=True))
    assert by_key == {
        2 * 10**7 + 200 * 10**4 + 1950: 1,
        2 * 10**7 + 20 * 10**4 + 1951: 1,
        2 * 10**7 + 200 * 10**4 + 1951: 0,
    }


@pytest.mark.parametrize(
    "rows",
    [
        [(2, 200, 1950, 1), (2, 200, 1950, 0)],  # the same direction twice
        [(2, 200, 1950, 1), (200, 2, 1950, 0), (2, 200, 1950, 0)],  # three rows for one pair-year
    ],
)
def test_a_directed_dyad_year_twice_is_refused(rows: list[tuple[int, int, int, int]]) -> None:
    with pytest.raises(ValueError, match="more than one row"):
        _combined(rows)
