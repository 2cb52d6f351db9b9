"""ATOP 5.1 and DCAD v1.0 mapped into agreements, parties and provisions, checked against the raw files.

Expected numbers come from the raw CSVs in the mirror (read here with Polars, independently of the
parsers and mappers), from published figures (ATOP 5.1: 789 alliances, 200 with no obligation beyond
non-aggression) or from history (NATO's twelve founding signatories).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import ColumnElement, Connection, and_, delete, exists, func, select

from detente.services.exports import export_frame
from detente.sources.load import LoadReport, load_source
from detente.sources.mapping import run_mappers
from detente.store.database import Store
from detente.store.models import (
    Agreement,
    AgreementParty,
    MapperRun,
    Provision,
    Source,
    SourceVersion,
    State,
    StateCode,
)
from detente.store.temporal import in_force

OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul")
NATO = "atop:3180"
NATO_FOUNDERS = {2, 20, 200, 210, 211, 212, 220, 235, 325, 385, 390, 395}
"""COW codes of the twelve states that signed the North Atlantic Treaty on 4 April 1949: United States,
Canada, United Kingdom, Netherlands, Belgium, Luxembourg, France, Portugal, Italy, Norway, Denmark, Iceland."""


@dataclass
class Loaded:
    store: Store
    reports: dict[str, LoadReport]


@pytest.fixture(scope="module")
def loaded(crosswalk_store: Store, mirror: Path) -> Loaded:
    reports = {name: load_source(crosswalk_store, name, mirror=mirror) for name in ("atop", "dcad")}
    return Loaded(crosswalk_store, reports)


@pytest.fixture
def conn(loaded: Loaded) -> Iterator[Connection]:
    with loaded.store.engine.connect() as connection:
        yield connection


def raw(mirror: Path, source: str, file: str) -> pl.DataFrame:
    """A raw CSV with every column as text, then cast to integers where all values are integers."""
    frame = pl.read_csv(mirror / source / file, infer_schema_length=0)
    return frame.with_columns(
        [pl.col(c).cast(pl.Int64) for c in frame.columns if frame[c].drop_nulls().str.contains(r"^-?\d+$").all()]
    )


Mapped = type[Agreement] | type[AgreementParty] | type[Provision]


def of_source(model: Mapped, source: str) -> ColumnElement[bool]:
    """A WHERE clause: rows of ``model`` that ``source`` wrote."""
    versions = select(SourceVersion.id).join(Source).where(Source.name == source)
    return model.source_version_id.in_(versions)


def count(conn: Connection, model: Mapped, *where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


# ------------------------------------------------------------------------------------------------------ ATOP
def test_every_atop_alliance_is_an_agreement_with_its_interval(conn: Connection, mirror: Path, loaded: Loaded) -> None:
    alliances = raw(mirror, "atop", "atop5_1a.csv")
    assert loaded.reports["atop"].domain["atop"]["agreements"] == alliances.height == 789
    rows = conn.execute(select(Agreement).where(of_source(Agreement, "atop"))).all()
    assert len(rows) == 789
    assert {r.kind for r in rows} == {"alliance"}
    by_key = {r.source_key: r for r in rows}
    assert set(by_key) == {f"atop:{i}" for i in alliances["atopid"]}
    for alliance in alliances.iter_rows(named=True):
        row = by_key[f"atop:{alliance['atopid']}"]
        assert row.title == f"ATOP {alliance['atopid']}"
        assert row.valid_from.year == row.signed_on.year == alliance["begyr"]
        assert row.valid_from.month == alliance["begmo"]
        assert row.valid_from_precision == ("day" if alliance["begday"] is not None else "month")
        if alliance["endyr"] == 0:  # in force at the end of coverage: open, and said so
            assert row.valid_to is None
            assert row.original["endyr"] == 0 and row.original["in_force_at_end_of_coverage"] is True
        else:
            assert row.valid_to.year == alliance["endyr"] and row.valid_to.month == alliance["endmo"]
            assert row.valid_to >= row.valid_from
    # Every phase found its Leeds & Anac score (atopinst writes 3180.1 as 3180.1001); only ATOP's own blanks stay blank.
    phases = [p for r in rows for p in r.original["phases"]]
    assert len(phases) == raw(mirror, "atop", "atop5_1aph.csv").height == 849
    institutions = raw(mirror, "atop", "atopinst5_1.csv")
    assert sum(p["milinst"] is None for p in phases) == institutions["milinst"].null_count() == 6


def test_200_alliances_carry_no_obligation_beyond_nonaggression(conn: Connection) -> None:
    """ATOP 5.1's published figure, from the provisions rather than the alliance-level flags."""
    active = exists().where(
        Provision.agreement_id == Agreement.id, Provision.code.in_(("defense", "offense", "neutral", "consul"))
    )
    only_nonagg = count(conn, Agreement, of_source(Agreement, "atop"), ~active)
    assert only_nonagg == 200
    with_nonagg = exists().where(Provision.agreement_id == Agreement.id, Provision.code == "nonagg")
    assert count(conn, Agreement, of_source(Agreement, "atop"), ~active, with_nonagg) == 200


def test_every_member_obligation_is_a_provision_of_that_member(conn: Connection, mirror: Path) -> None:
    members = raw(mirror, "atop", "atop5_1m.csv")
    expected = {code: int(members[code].sum()) for code in OBLIGATIONS}
    query = select(Provision.code, func.count()).where(of_source(Provision, "atop")).group_by(Provision.code)
    got = dict(conn.execute(query).all())  # not dict(result): a Result has .keys() (its column names)
    assert got == expected
    # Each provision belongs to a party of its own agreement, within that party's membership.
    stray = count(
        conn,
        Provision,
        of_source(Provision, "atop"),
        ~exists().where(
            AgreementParty.id == Provision.party_id,
            AgreementParty.agreement_id == Provision.agreement_id,
            AgreementParty.valid_from <= Provision.valid_from,
        ),
    )
    assert stray == 0


def test_nato_founders_and_members_at_the_end_of_coverage(conn: Connection, mirror: Path) -> None:
    nato = conn.execute(select(Agreement.id).where(Agreement.source_key == NATO)).scalar_one()

    def ccodes(when: str) -> list[int]:
        query = (
            select(State.ccode)
            .select_from(AgreementParty)
            .join(State, State.id == AgreementParty.state_id)
            .where(AgreementParty.agreement_id == nato, in_force(AgreementParty, when, match="all"))
        )
        return sorted(int(code) for code in conn.execute(query).scalars() if code is not None)

    assert set(ccodes("1950")) == NATO_FOUNDERS and len(ccodes("1950")) == 12
    # ATOP 5.1 (atop5_1m.csv, atopid 3180, yrexit = 0) has 29 members in force on 31 Dec 2018:
    # Montenegro (341) joined in 2017; North Macedonia's accession (the 30th) came in 2020, after coverage.
    members = raw(mirror, "atop", "atop5_1m.csv").filter(pl.col("atopid") == 3180)
    in_force_2018 = sorted(members.filter(pl.col("yrexit") == 0)["member"].unique().to_list())
    assert len(in_force_2018) == 29
    assert ccodes("2018-12-31") == in_force_2018
    # West Germany's spell ends on unification day, united Germany's begins on it.
    germany = conn.execute(
        select(AgreementParty.valid_from, AgreementParty.valid_to, AgreementParty.original)
        .where(AgreementParty.agreement_id == nato, AgreementParty.source_key.in_((f"{NATO}:260:1", f"{NATO}:255:1")))
        .order_by(AgreementParty.valid_from)
    ).all()
    assert [(g.original["member"], g.valid_from, g.valid_to) for g in germany] == [
        (260, date(1954, 10, 23), date(1990, 10, 3)),
        (255, date(1990, 10, 3), None),
    ]


def test_provision_conditions_carry_atop_condition_codes(conn: Connection, mirror: Path) -> None:
    members = raw(mirror, "atop", "atop5_1m.csv").filter(pl.col("atopid") == 3180, pl.col("member") == 2)
    rows = conn.execute(
        select(Provision.code, Provision.conditions, Provision.original, Provision.valid_from)
        .join(Agreement, Agreement.id == Provision.agreement_id)
        .where(Agreement.source_key == NATO, Provision.source_key.like("atop:3180.%:2:%"))
    ).all()
    assert len(rows) == sum(int(members[c].sum()) for c in OBLIGATIONS)
    for row in rows:
        phase = members.filter(pl.col("phase") == int(row.original["atop_id_phase"].split(".")[1])).row(0, named=True)
        assert row.valid_from == date(phase["yrent"], phase["moent"], phase["dayent"])
        if row.code == "defense":
            assert row.conditions["conditional"] is bool(phase["defcon"])
            assert row.conditions["conditions"]["location"] is bool(phase["defcoloc"])
            assert row.original["defcoloc"] == phase["defcoloc"]
        if row.code == "nonagg":
            assert row.conditions["conditional"] is None and row.conditions["conditions"] == {}


def cow_spells(conn: Connection) -> dict[int, list[tuple[int, int, int]]]:
    """COW code -> [(state_id, first year, last year)] from the crosswalk's ``state_codes``."""
    spells: dict[int, list[tuple[int, int, int]]] = {}
    rows = conn.execute(
        select(StateCode.code, StateCode.state_id, StateCode.valid_from, StateCode.valid_to).where(
            StateCode.system == "cow"
        )
    )
    for code, state_id, start, end in rows:
        first = start.year if start else 0
        spells.setdefault(int(code), []).append((state_id, first, end.year if end else 9999))
    return spells


def state_in(spells: dict[int, list[tuple[int, int, int]]], code: int, year: int) -> int | None:
    """The state ``code`` denotes in ``year`` by the crosswalk's COW spells, or None."""
    return next((state for state, first, last in spells.get(code, []) if first <= year <= last), None)


def test_every_member_code_maps_to_a_state_in_its_years_or_is_reported(conn: Connection, loaded: Loaded) -> None:
    unmatched = loaded.reports["atop"].unmatched.get("atop", {})
    missing = next((v for k, v in unmatched.items() if "denotes no state" in k), {})
    fallback = next((v for k, v in unmatched.items() if "not a COW state" in k), {})
    parties = conn.execute(
        select(AgreementParty.state_id, AgreementParty.original).where(of_source(AgreementParty, "atop"))
    ).all()
    assert sum(p.state_id is None for p in parties) == len(missing) == 0
    spells = cow_spells(conn)
    for party in parties:
        member, year = party.original["member"], party.original["entry"][0]
        if party.original["state_match"] == "year":
            assert state_in(spells, member, year) == party.state_id, f"ccode {member} in {year}"
        else:
            assert state_in(spells, member, year) is None
            assert f"{member} in {year}" in fallback, f"ccode {member} in {year} mapped by a fallback, not reported"
    assert fallback.get("8152 in 1874") == 1  # Annam, a G-W-only state, mapped through its G-W code


def test_in_force_counts_match_the_alliance_and_state_year_files(conn: Connection, mirror: Path) -> None:
    alliances = raw(mirror, "atop", "atop5_1a.csv")
    expected = alliances.filter((pl.col("begyr") <= 1990) & ((pl.col("endyr") == 0) | (pl.col("endyr") >= 1990))).height
    assert count(conn, Agreement, of_source(Agreement, "atop"), in_force(Agreement, 1990)) == expected
    # The state-year file lists, per state and year, the alliances it was a member of: the distinct ones
    # in 1990 are the alliances with at least one member in force that year (one fewer: ATOP 2340 had no
    # member between 1962 and 1995, though the alliance itself lasted).
    state_years = raw(mirror, "atop", "atop5_1sy.csv").filter(pl.col("year") == 1990)
    ids = state_years.select(pl.col("^atopid\\d+$")).unpivot().drop_nulls("value")["value"].unique()
    with_member = conn.execute(
        select(func.count(func.distinct(AgreementParty.agreement_id))).where(
            of_source(AgreementParty, "atop"), in_force(AgreementParty, 1990)
        )
    ).scalar_one()
    assert with_member == ids.len() == expected - 1


# ------------------------------------------------------------------------------------------------------ DCAD
def test_every_dca_is_an_agreement_with_two_mapped_parties(conn: Connection, mirror: Path, loaded: Loaded) -> None:
    dcas = raw(mirror, "dcad", "DCAD-v1.0-main.csv")
    assert count(conn, Agreement, of_source(Agreement, "dcad"), Agreement.kind == "dca") == dcas.height == 1871
    assert count(conn, AgreementParty, of_source(AgreementParty, "dcad")) == 2 * dcas.height == 3742
    assert count(conn, AgreementParty, of_source(AgreementParty, "dcad"), AgreementParty.state_id.is_(None)) == 0
    per_agreement = conn.execute(
        select(func.count(func.distinct(AgreementParty.state_id)))
        .where(of_source(AgreementParty, "dcad"))
        .group_by(AgreementParty.agreement_id)
    ).scalars()
    # DCAD itself gives the same code for both sides of three agreements (e.g. DCADv1.0-0297: 145 BOL and
    # 145 "VEN"): kept as given, and reported.
    same = dcas.filter(pl.col("ccode1") == pl.col("ccode2"))["DCAid"].to_list()
    assert sorted(per_agreement) == [1] * len(same) + [2] * (dcas.height - len(same))
    reported = loaded.reports["dcad"].unmatched["dcad"]
    assert sorted(next(v for k, v in reported.items() if "same ccode" in k)) == sorted(same)
    # Codes used in a year the crosswalk has no COW state for are mapped by the code alone, and reported.
    fallback = next(v for k, v in reported.items() if "not a COW state" in k)
    spells = cow_spells(conn)
    sides = dcas.unpivot(index="signYear", on=["ccode1", "ccode2"])
    outside = sides.filter(
        pl.struct("value", "signYear").map_elements(
            lambda r: state_in(spells, r["value"], r["signYear"]) is None, return_dtype=pl.Boolean
        )
    )
    assert sum(fallback.values()) == outside.height > 0
    assert set(fallback) == {f"{c} in {y}" for c, y in outside.select("value", "signYear").iter_rows()}
    # Open ends: DCAD's end-year estimate stops at 2010, the end of its coverage.
    open_end = dcas.filter(pl.col("endYearEstimate") >= 2010).height
    assert count(conn, Agreement, of_source(Agreement, "dcad"), Agreement.valid_to.is_(None)) == open_end


def test_a_dca_against_the_raw_csv(conn: Connection, mirror: Path) -> None:
    """DCADv1.0-0042: USA-Czech Republic research agreement, signed 1 March 1996, terminated (end 2006)."""
    row = raw(mirror, "dcad", "DCAD-v1.0-main.csv").filter(pl.col("DCAid") == "DCADv1.0-0042").row(0, named=True)
    agreement = conn.execute(select(Agreement).where(Agreement.source_key == "DCADv1.0-0042")).one()
    assert agreement.signed_on == date(row["signYear"], row["signMonth"], row["signDay"])
    assert agreement.valid_from == date(row["EIFYear"], row["EIFMonth"], row["EIFDay"])
    assert (agreement.valid_to, agreement.valid_to_precision) == (date(row["endYearEstimate"], 12, 31), "year")
    assert agreement.original["category1"] == row["category1"] and agreement.original["type"] == row["type"]
    assert agreement.original["terminated"] == row["terminated"] == 1
    parties = conn.execute(
        select(State.ccode, AgreementParty.valid_from, AgreementParty.valid_to, AgreementParty.original)
        .join(State, State.id == AgreementParty.state_id)
        .where(AgreementParty.agreement_id == agreement.id)
        .order_by(AgreementParty.source_key)
    ).all()
    assert [p.ccode for p in parties] == [row["ccode1"], row["ccode2"]]
    assert [p.original["cow_name"] for p in parties] == [row["cowName1"], row["cowName2"]]
    assert all((p.valid_from, p.valid_to) == (agreement.valid_from, agreement.valid_to) for p in parties)


def test_no_interval_ends_before_it_starts(conn: Connection) -> None:
    for model in (Agreement, AgreementParty, Provision):
        assert count(conn, model, and_(model.valid_to.is_not(None), model.valid_to < model.valid_from)) == 0


# ------------------------------------------------------------------------------------------- re-running
def test_mapping_again_replaces_rather_than_duplicates(loaded: Loaded) -> None:
    def counts(connection: Connection) -> dict[str, int]:
        return {
            f"{source}.{model.__tablename__}": count(connection, model, of_source(model, source))
            for source in ("atop", "dcad")
            for model in (Agreement, AgreementParty, Provision)
        }

    with loaded.store.engine.begin() as connection:
        before = counts(connection)
        connection.execute(delete(MapperRun).where(MapperRun.mapper.in_(("atop", "dcad"))))
        results, _ = run_mappers(connection)
        assert {r.mapper for r in results} == {"atop", "dcad"}
        assert counts(connection) == before
        keys = select(Agreement.source_key).where(of_source(Agreement, "atop"))
        assert len(connection.execute(keys).all()) == len(set(connection.execute(keys).scalars())) == 789
    assert before["atop.provisions"] == loaded.reports["atop"].domain["atop"]["provisions"]


def test_agreement_and_party_exports(loaded: Loaded) -> None:
    alliances = export_frame(loaded.store, "alliances")
    assert alliances.height == 789
    assert set(alliances.get_column("source").str.split(" ").list.first()) == {"atop"}
    agreements = export_frame(loaded.store, "agreements")
    assert agreements.filter(pl.col("kind") == "dca").height == 1_871
    parties = export_frame(loaded.store, "parties")
    germany = parties.filter(pl.col("agreement_key") == "atop:3180", pl.col("party_iso3") == "DEU").sort("valid_from")
    # ATOP dates West Germany's entry 1954-10-23, before COW counts it as a state (260 from 1955): no COW code
    # that year is the honest answer; united Germany enters on 1990-10-03 as COW 255.
    assert germany.select("party_ccode", "valid_from").rows() == [
        (None, date(1954, 10, 23)),
        ("255", date(1990, 10, 3)),
    ]
    # DCA parties have their COW code of the signing year, except the rows the load reported as mapped by the
    # code alone because the state was not yet a COW member that year (Czech Republic 316 before 1993, Brunei 835).
    fallback = loaded.reports["dcad"].unmatched["dcad"][
        "DCAD ccode not a COW state in its signing year (mapped by the code)"
    ]
    dca = parties.filter(pl.col("agreement_kind") == "dca")
    assert dca.get_column("party_ccode").null_count() == sum(fallback.values()) == 4


def test_every_atop_provision_carries_its_phase(conn: Connection, mirror: Path) -> None:
    """``provisions.phase`` is the ATOP phase of the member row that took the obligation."""
    members = raw(mirror, "atop", "atop5_1m.csv")
    expected = {
        (atop_id, member, phase, code)
        for code in OBLIGATIONS
        for atop_id, member, phase in members.filter(pl.col(code) > 0).select("atopid", "member", "phase").iter_rows()
    }
    rows = conn.execute(
        select(Agreement.source_key, Provision.code, Provision.phase, Provision.original)
        .join(Agreement, Agreement.id == Provision.agreement_id)
        .where(of_source(Provision, "atop"))
    )
    got = {(int(key.removeprefix("atop:")), o["member"], phase, code) for key, code, phase, o in rows}
    assert got == expected
    nato_phases = conn.execute(
        select(Provision.phase)
        .distinct()
        .join(Agreement, Agreement.id == Provision.agreement_id)
        .where(Agreement.source_key == NATO)
    ).scalars()
    assert set(nato_phases) == set(members.filter(pl.col("atopid") == 3180).get_column("phase"))
