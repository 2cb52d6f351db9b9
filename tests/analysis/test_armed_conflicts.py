"""UCDP/PRIO armed conflicts in dossiers, checked against the raw UCDP files read here with Polars.

The raw files are matched by G-W code (``gwno_a`` ... ``gwno_b_2nd``), independently of the mapper's
reading of the actor names; the dossier must list the same conflicts, sides, roles, years and
intensities, the same direct dyad years, and the same termination outcomes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import polars as pl
import pytest

from detente.analysis.armed_conflicts import OUTCOMES
from detente.analysis.dossiers import country_dossier, pair_dossier, to_markdown
from detente.store.database import Store
from tests.panels.conftest import MIRROR

UCDP = MIRROR / "ucdp"
_COLUMNS = {"gwno_a": ("A", False), "gwno_a_2nd": ("A", True), "gwno_b": ("B", False), "gwno_b_2nd": ("B", True)}


def _codes(cell: str | None) -> set[str]:
    return {c.strip() for c in (cell or "").split(",") if c.strip()}


def _raw_years(gwno: str, last_year: int) -> dict[tuple[int, str, bool], dict[int, int]]:
    """(conflict id, side, secondary) -> {year: intensity} where the raw ACD lists ``gwno`` on that side."""
    raw = pl.read_csv(UCDP / "ucdp-prio-acd-251.csv", infer_schema_length=0)
    out: dict[tuple[int, str, bool], dict[int, int]] = defaultdict(dict)
    for row in raw.iter_rows(named=True):
        if int(row["year"]) > last_year:
            continue
        for column, (side, secondary) in _COLUMNS.items():
            if gwno in _codes(row[column]):
                out[(int(row["conflict_id"]), side, secondary)][int(row["year"])] = int(row["intensity_level"])
    return dict(out)


@pytest.mark.parametrize(("state", "gwno", "as_of"), [("GBR", "200", 1960), ("USA", "2", 2024), ("FRA", "220", 2024)])
def test_country_conflicts_equal_the_raw_acd(analysis_store: Store, state: str, gwno: str, as_of: int) -> None:
    record = country_dossier(analysis_store, state, date(as_of, 12, 31)).armed_conflicts
    assert record.covered and record.conflicts is not None
    found = {(c.conflict_id, c.side, c.secondary): {y.year: y.intensity for y in c.years} for c in record.conflicts}
    assert found == _raw_years(gwno, as_of)
    assert all(c.source == "source:ucdp" for c in record.conflicts)


def test_conflict_attributes_and_termination_equal_the_raw_files(analysis_store: Store) -> None:
    record = country_dossier(analysis_store, "GBR", date(1960, 12, 31)).armed_conflicts
    assert record.conflicts is not None
    malaya = next(c for c in record.conflicts if c.conflict_id == 229)
    raw = pl.read_csv(UCDP / "ucdp-prio-acd-251.csv", infer_schema_length=0).filter(pl.col("conflict_id") == "229")
    assert malaya.location == raw["location"][0] and malaya.side == "A" and not malaya.secondary
    assert malaya.type == "extrasystemic" and raw["type_of_conflict"].unique().to_list() == ["1"]
    assert malaya.incompatibility == "territory" and set(raw["incompatibility"]) == {"1"}
    assert malaya.region == ["Asia"] and set(raw["region"]) == {"3"}
    assert malaya.opponents == sorted(set(raw["side_b"]))
    term = pl.read_excel(UCDP / "ucdp-term-acd-3-2021.xlsx", sheet_name="dataset").filter(
        pl.col("conflict_id") == 229, pl.col("ependdate").is_not_null()
    )
    last = term.sort("ependdate").row(-1, named=True)
    assert malaya.episodes[-1].end_date == last["ependdate"]
    assert malaya.episodes[-1].outcome == OUTCOMES[last["outcome"]]


def test_pair_conflicts_sides_and_direct_dyads_equal_the_raw_files(analysis_store: Store) -> None:
    dossier = pair_dossier(analysis_store, "USA", "IRQ", date(2024, 12, 31))
    record = dossier.armed_conflicts
    assert record.covered and record.conflicts is not None
    usa, irq = _raw_years("2", 2024), _raw_years("645", 2024)
    expected = set()
    for (cid, side, _secondary), years in usa.items():
        for (other, other_side, _other_secondary), other_years in irq.items():
            if other == cid and set(years) & set(other_years):
                expected.add((cid, side == other_side, tuple(sorted(set(years) & set(other_years)))))
    assert {(c.conflict_id, c.same_side, tuple(c.years)) for c in record.conflicts} == expected
    invasion = next(c for c in record.conflicts if c.conflict_id == 420)
    assert not invasion.same_side and invasion.first.side == "A" and invasion.second.side == "B"
    dyads = pl.read_csv(UCDP / "ucdp-dyadic-251.csv", infer_schema_length=0)
    direct = {
        int(r["year"])
        for r in dyads.filter(pl.col("conflict_id") == "420").iter_rows(named=True)
        if "2" in _codes(r["gwno_a"]) and "645" in _codes(r["gwno_b"])
    }
    assert set(invasion.direct_years) == direct and direct
    assert all(not c.direct_years for c in record.conflicts if c.same_side)
    text = to_markdown(dossier)
    assert "## Armed conflicts (UCDP/PRIO ACD)" in text and "420 " in text


def test_before_1946_is_not_covered_not_none(analysis_store: Store) -> None:
    dossier = country_dossier(analysis_store, "FRA", date(1930, 1, 1))
    assert not dossier.armed_conflicts.covered and dossier.armed_conflicts.conflicts is None
    assert "not covered" in dossier.armed_conflicts.note
    assert "not covered" in to_markdown(dossier)
    pair = pair_dossier(analysis_store, "FRA", "DEU", date(1930, 1, 1))
    assert pair.armed_conflicts.conflicts is None and not pair.armed_conflicts.covered
    assert "source:ucdp" in {c.key for c in dossier.citations}
