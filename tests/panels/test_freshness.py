"""The panel command's fast path, and the caches it relies on never answering with stale rows.

A warm ``detente panel`` reads Parquet copies and asks the database only small catalog questions, so it
must not import the ORM, the loader or the compliance engine (they cost about a second); and every cached
table must be keyed by everything it was computed from, so that a load or a user's edit of any input is
seen by the very next panel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from detente.panels import create_dyad_years, create_state_years
from detente.panels.cache import read_table
from detente.panels.codebook import CodeBook, code_book
from detente.panels.tables import agreement_parties, agreements, source_versions, sources
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import StateCode

REFERENCE_ADD = "atop,nmc,contiguity,mids,capdist,democracy,igos"
BEYOND_ADD = "arms,dca,exercises,pko,unvotes,ucdp,milex"
HEAVY = ("sqlalchemy.orm", "detente.store.models", "detente.compliance", "detente.sources.registry", "alembic")
"""Modules a warm panel command must not import (the ORM and its fifty models, the compliance engine, the
source registry, Alembic)."""
ONLY_ON_A_MISS = ("numpy", "yaml", "detente.sources.crosswalk", "pandas", "pyarrow", "pyreadstat")
"""Imported only to compute a cached table (UN-voting bit sets, the alias table's name matcher) or to write
another format (.dta)."""

_RUN_AND_LIST_MODULES = """
import json, sys
from detente.cli.main import app
try:
    app(sys.argv[1:], prog_name="detente", standalone_mode=False)
finally:
    print(json.dumps(sorted(sys.modules)))
"""


def _panel_command_modules(store: Store, add: str, out: Path) -> set[str]:
    """Run ``detente panel dyad-years`` in a fresh interpreter; the modules it had imported at the end."""
    url = store.engine.url.render_as_string(hide_password=False)
    args = ["panel", "dyad-years", "--database", url, "--years", "1816-2010", "--add", add, "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_MODULES, *args], env=dict(os.environ), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("add", [REFERENCE_ADD, f"{REFERENCE_ADD},{BEYOND_ADD}"], ids=["reference", "beyond"])
def test_a_warm_panel_command_imports_no_orm(beyond_store: Store, tmp_path: Path, add: str) -> None:
    _panel_command_modules(beyond_store, add, tmp_path / "first.parquet")  # fills the cache, as a first run does
    modules = _panel_command_modules(beyond_store, add, tmp_path / "second.parquet")
    assert "detente.panels.alliances" in modules  # it did run the enrichers
    assert sorted(m for m in modules if m.startswith(HEAVY)) == []
    assert sorted(m for m in modules if m.startswith(ONLY_ON_A_MISS)) == []
    if beyond_store.sqlite_file is not None:  # SQLite's catalog is read through sqlite3: no SQLAlchemy at all
        assert sorted(m for m in modules if m.startswith("sqlalchemy")) == []
    assert pl.read_parquet(tmp_path / "second.parquet").equals(pl.read_parquet(tmp_path / "first.parquet"))


def test_read_table_reads_only_the_columns_asked_for(panel_store: Store) -> None:
    whole = read_table(panel_store, "peacesciencer", "cow_mid_ddydisps")
    read_table(panel_store, "peacesciencer", "cow_mid_ddydisps")  # now from the cached copy
    some = read_table(panel_store, "peacesciencer", "cow_mid_ddydisps", columns=["year", "dispnum", "ccode2"])
    assert some.equals(whole.select("year", "dispnum", "ccode2"))
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        read_table(panel_store, "peacesciencer", "cow_mid_ddydisps", columns=["no_such_column"])


def _codes(*rows: tuple[int, str, str, str, int, int | None]) -> CodeBook:
    schema = ["state_id", "state_key", "system", "code", "first_year", "last_year"]
    return CodeBook(pl.DataFrame(rows, schema=schema, orient="row"))


def test_a_coded_table_is_computed_again_when_the_code_book_changes(store: Store) -> None:
    calls: list[str] = []

    def build(label: str) -> pl.DataFrame:
        calls.append(label)
        return pl.DataFrame({"computed_with": [label]})

    before = _codes((1, "DEU", "cow", "255", 1816, 1945), (1, "DEU", "cow", "260", 1955, 1990))
    assert before.cached(store, "freshness-test", [], lambda: build("before"))["computed_with"][0] == "before"
    assert before.cached(store, "freshness-test", [], lambda: build("again"))["computed_with"][0] == "before"
    assert calls == ["before"]  # the second answer came from the cache
    after = _codes((1, "DEU", "cow", "255", 1816, 1945), (1, "DEU", "cow", "260", 1955, 1989))  # one year less
    assert after.digest != before.digest
    assert after.cached(store, "freshness-test", [], lambda: build("after"))["computed_with"][0] == "after"
    assert calls == ["before", "after"]


def test_the_code_book_follows_a_users_edit(store: Store) -> None:
    records = Records(store)
    state = records.create("state", {"name": "Testland", "ccode": 999}, actor="test")
    code = records.create(
        "state_code", {"state_id": state["id"], "system": "cow", "code": "999", "valid_from": 1990}, actor="test"
    )
    first = code_book(store)
    assert first.codes["code"].to_list() == ["999"]
    records.update("state_code", code["id"], {"valid_to": 1999}, actor="test")
    second = code_book(store)  # the same store, a write later: not the cached copy of before the write
    assert second.codes["last_year"].to_list() == [1999]
    assert second.digest != first.digest


def test_an_edit_of_a_stored_agreement_reaches_the_next_panel(beyond_store: Store) -> None:
    """Edit one DCAD agreement through the audited services: the next panel counts it as edited."""
    agreement, party = agreements.c, agreement_parties.c
    query = (
        select(agreement.id, agreement.valid_from, agreement.valid_to)
        .join_from(agreements, source_versions, source_versions.c.id == agreement.source_version_id)
        .join(sources, sources.c.id == source_versions.c.source_id)
        .where(sources.c.name == "dcad", agreement.kind == "dca", agreement.valid_from.is_not(None))
        .where(select(party.state_id).where(party.agreement_id == agreement.id).exists())
        .order_by(agreement.valid_from, agreement.id)
    )
    with beyond_store.engine.connect() as connection:
        chosen, start, end = connection.execute(query).first()  # type: ignore[misc]
    records = Records(beyond_store)
    original = records.get("agreement", chosen)

    def counts() -> pl.DataFrame:
        panel = create_state_years(beyond_store, "cow", (1980, 2010)).add_defense_cooperation()
        return panel.to_polars().select("ccode", "year", "dca_count")

    before = counts()
    dyads_before = create_dyad_years(beyond_store, "cow", False, (1980, 2010)).add_defense_cooperation()
    try:
        records.update("agreement", chosen, {"valid_to": f"{start.year}-12-31"}, actor="test")
        after = counts()
        dyads_after = create_dyad_years(beyond_store, "cow", False, (1980, 2010)).add_defense_cooperation()
    finally:
        restore = {"valid_to": original["valid_to"], "valid_to_precision": original["valid_to_precision"]}
        records.update("agreement", chosen, restore, actor="test")
    lost = (before["dca_count"] - after["dca_count"]).sum()
    years_cut = min(end.year if end else 2010, 2010) - start.year
    assert years_cut > 0 and lost == 2 * years_cut  # each of its two parties lost it in every later year
    assert dyads_before.to_polars()["dca_count"].sum() - dyads_after.to_polars()["dca_count"].sum() == years_cut
    assert counts().equals(before)  # restored: the panel is as it was


def test_an_edit_of_the_code_book_reaches_the_next_un_voting_panel(beyond_store: Store) -> None:
    """UN votes are matched to states by name and then to COW codes through the store's code book; the
    cached pairs must follow an edit of the code book made through the audited services.

    Cut the United States' COW spell short at 2002: from 2003 its votes reach no COW code, so every pair
    it is in has no voting agreement (missing, not 0), and nothing else changes. Restored, the panel is
    as it was.
    """
    with beyond_store.transaction() as session:
        spell = session.execute(
            select(StateCode).where(StateCode.system == "cow", StateCode.code == "2", StateCode.valid_to.is_(None))
        ).scalar_one()
        chosen = spell.id
    records = Records(beyond_store)
    original = records.get("state_code", chosen)
    columns = ["unvote_agree", "unvote_common"]

    def dyads() -> pl.DataFrame:
        panel = create_dyad_years(beyond_store, "cow", False, (2000, 2005)).add_un_voting_agreement()
        return panel.to_polars().select("ccode1", "ccode2", "year", *columns)

    def votes() -> pl.DataFrame:
        panel = create_state_years(beyond_store, "cow", (2000, 2005)).add_un_voting_agreement()
        return panel.to_polars().select("ccode", "year", "unvote_votes")

    before, states_before = dyads(), votes()
    us_pairs = (pl.col("ccode1") == 2) | (pl.col("ccode2") == 2)
    assert before.filter(us_pairs & (pl.col("year") >= 2003))["unvote_agree"].null_count() < 100  # it voted
    try:
        records.update("state_code", chosen, {"valid_to": 2002}, actor="test")
        after, states_after = dyads(), votes()
    finally:
        restore = {"valid_to": original["valid_to"], "valid_to_precision": original["valid_to_precision"]}
        records.update("state_code", chosen, restore, actor="test")
    cut = us_pairs & (pl.col("year") >= 2003)
    assert after.filter(cut).select(pl.col(columns).null_count()).row(0) == (after.filter(cut).height,) * 2
    assert after.filter(~cut).equals(before.filter(~cut))
    us_later = (pl.col("ccode") == 2) & (pl.col("year") >= 2003)
    assert states_after.filter(us_later)["unvote_votes"].null_count() == 3
    assert states_after.filter(~us_later).equals(states_before.filter(~us_later))
    assert dyads().equals(before)  # restored: the panel is as it was
    assert votes().equals(states_before)
