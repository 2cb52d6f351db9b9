"""Context mappers on the real mirror: exercises, visits, New START, UCDP, COW MIDs and wars, PA-X.

Each expectation is computed from the stored source tables or read from the raw file with the standard
library, never typed in: counts must equal the parsed tables (every exercise and participant kept), one
record per source is checked against its raw file, and running a mapper again replaces its rows.
"""

from __future__ import annotations

import csv
import importlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, or_, select, text

from detente.services.exports import export_frame
from detente.sources.crosswalk.names import load_aliases, normalise
from detente.sources.load import LoadReport, load_source
from detente.sources.mapping import MapContext, _loaded_versions
from detente.store.database import Store
from detente.store.models import (
    Agreement,
    AgreementParty,
    Conflict,
    ConflictParty,
    Declaration,
    Dispute,
    DisputeParticipant,
    Engagement,
    EngagementParticipant,
    Provision,
    State,
    StateCode,
)

SOURCES = ("exercises", "troopdata", "new_start", "ucdp", "pax_sample")


@pytest.fixture(scope="module")
def loaded(crosswalk_store: Store, mirror: Path) -> tuple[Store, dict[str, LoadReport]]:
    """The module's copy of the crosswalk store with this module's sources loaded on top; reports by source."""
    return crosswalk_store, {name: load_source(crosswalk_store, name, mirror=mirror) for name in SOURCES}


def _scalar(store: Store, query: Any) -> Any:
    with store.engine.connect() as connection:
        return connection.execute(query).scalar()


def _count_like(store: Store, model: Any, pattern: str) -> int:
    return int(_scalar(store, select(func.count()).select_from(model).where(model.source_key.like(pattern))))


def _raw_rows(mirror: Path, source: str, name: str) -> list[dict[str, str]]:
    with (mirror / source / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _stored_count(store: Store, table: str, expression: str = "count(*)") -> int:
    return int(_scalar(store, text(f"SELECT {expression} FROM ds_{table}")))


# ----------------------------------------------------------------------------------------------- exercises
def test_every_exercise_and_participant_is_kept(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    store, _ = loaded
    assert _count_like(store, Engagement, "mme:%") == _stored_count(store, "exercises__mme_exercises")
    assert _count_like(store, Engagement, "jme:%") == _stored_count(store, "exercises__jme_exercises")
    people = _stored_count(store, "exercises__mme_participants") + _stored_count(store, "exercises__jme_participants")
    assert (
        _count_like(store, EngagementParticipant, "mme:%") + _count_like(store, EngagementParticipant, "jme:%")
        == people
    )


def test_duplicated_mme_ids_are_kept_apart(loaded: tuple[Store, dict[str, LoadReport]], mirror: Path) -> None:
    store, _ = loaded
    ids: dict[str, int] = defaultdict(int)
    for row in _raw_rows(mirror, "exercises", "mme_v7.csv"):
        ids[row["MMEID"]] += 1
    duplicated = {mme_id: n for mme_id, n in ids.items() if n > 1}
    assert len(duplicated) == 3
    for mme_id, n in duplicated.items():
        assert _count_like(store, Engagement, f"mme:{mme_id}:row%") == n
        assert _count_like(store, Engagement, f"mme:{mme_id}") == 0


def test_mme_record_matches_raw_file(loaded: tuple[Store, dict[str, LoadReport]], mirror: Path) -> None:
    """The first raw record with an unknown day ("xx") and a unique id: title, month precision, participants."""
    store, _ = loaded
    rows = _raw_rows(mirror, "exercises", "mme_v7.csv")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["MMEID"]] += 1
    raw = next(r for r in rows if r["s.day"] == "xx" and r["Ex_Name"] not in ("", "-9") and counts[r["MMEID"]] == 1)
    with store.engine.connect() as connection:
        found = connection.execute(select(Engagement).where(Engagement.source_key == f"mme:{raw['MMEID']}")).one()
        names = set(
            connection.execute(
                select(EngagementParticipant.name_as_given).where(EngagementParticipant.engagement_id == found.id)
            ).scalars()
        )
    assert (found.kind, found.status, found.title) == ("exercise", "executed", raw["Ex_Name"])
    assert found.valid_from == date(int(raw["s.year"]), int(raw["s.month"]), 1)
    assert found.valid_from_precision == "month"
    assert found.original["date_parts"]["start_day"] is None
    assert found.latitude == pytest.approx(float(raw["lat"]))
    expected_domains = [d for d in ("CPX", "Air", "Land", "Sea", "Amphibious", "Cyber") if raw[d] == "1"]
    assert found.original["domains"] == [d.lower() for d in expected_domains]
    assert names == {v.strip() for k, v in raw.items() if k.startswith("State") and v.strip() not in ("", "-9")}


def test_only_non_states_stay_unmatched(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    """Every participant or visited name that is not a state is one the alias table lists as not a state."""
    _, reports = loaded
    _, not_a_state = load_aliases()
    listed = set(not_a_state.get_column("norm").to_list())
    for source in ("exercises", "troopdata"):
        unmatched = reports[source].unmatched.get(source, {})
        for what, names in unmatched.items():
            assert "matching no state" not in what or not names, (source, what, names)
            assert {normalise(name) for name in names} <= listed, (source, what)
    with_states = _scalar(
        loaded[0],
        select(func.count())
        .select_from(EngagementParticipant)
        .where(EngagementParticipant.source_key.like("mme:%"), EngagementParticipant.state_id.is_(None)),
    )
    assert with_states == sum(
        reports["exercises"].unmatched["exercises"]["MME participants: not states (kept, state_id NULL)"].values()
    )


def test_jme_rows_that_look_like_mme_rows_are_flagged(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    store, _ = loaded
    with store.engine.connect() as connection:
        originals = connection.execute(select(Engagement.original).where(Engagement.source_key.like("jme:%"))).scalars()
        links = [o["possible_mme_duplicates"] for o in originals if "possible_mme_duplicates" in o]
        mme_keys = set(
            connection.execute(select(Engagement.source_key).where(Engagement.source_key.like("mme:%"))).scalars()
        )
    assert 0 < len(links) < _count_like(store, Engagement, "jme:%")
    assert all(set(link) <= mme_keys for link in links)


# ----------------------------------------------------------------------------------------------- visits
def test_visits_have_a_visitor_and_a_host(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    store, _ = loaded
    visits = _stored_count(store, "troopdata__visits")
    assert _count_like(store, Engagement, "troopdata:visit:%") == visits
    with store.engine.connect() as connection:
        usa = connection.execute(select(State.id).where(State.ccode == 2)).scalar_one()
        roles = connection.execute(
            select(EngagementParticipant.role, EngagementParticipant.state_id).where(
                EngagementParticipant.source_key.like("troopdata:visit:%")
            )
        ).all()
        first = connection.execute(
            text("SELECT title, name, state_visited, start_date FROM ds_troopdata__visits ORDER BY ds_row LIMIT 1")
        ).one()
        engagement = connection.execute(select(Engagement).where(Engagement.source_key == "troopdata:visit:1")).one()
    assert sum(1 for role, state in roles if role == "participant" and state == usa) == visits
    assert sum(1 for role, _ in roles if role == "host") == visits
    assert engagement.kind == "visit" and engagement.original["state_visited"] == first.state_visited
    assert str(engagement.valid_from) == str(first.start_date)[:10]


# ----------------------------------------------------------------------------------------------- New START
def test_new_start_declarations(loaded: tuple[Store, dict[str, LoadReport]], mirror: Path) -> None:
    store, _ = loaded
    raw = _raw_rows(mirror, "new_start", "new_start_aggregate_numbers.csv")
    last = max((r for r in raw if r["party"] == "RUS" and r["warheads_deployed"]), key=lambda r: r["as_of_date"])
    with store.engine.connect() as connection:
        treaty = connection.execute(select(Agreement).where(Agreement.source_key == "new_start:treaty")).one()
        parties = set(
            connection.execute(
                select(State.iso3)
                .join(AgreementParty, AgreementParty.state_id == State.id)
                .where(AgreementParty.agreement_id == treaty.id)
            ).scalars()
        )
        declaration = connection.execute(
            select(Declaration).where(Declaration.source_key == f"new_start:RUS:{last['as_of_date']}")
        ).one()
        total = connection.execute(select(func.count()).where(Declaration.agreement_id == treaty.id)).scalar()
    assert (treaty.kind, treaty.valid_from) == ("arms_control", date(2011, 2, 5))
    assert parties == {"USA", "RUS"}
    assert total == len(raw)
    assert declaration.counts["warheads_deployed"] == int(last["warheads_deployed"])
    assert declaration.reference == last["source_url"]
    blank = [r for r in raw if not r["warheads_deployed"]]
    for row in blank:  # not published: absent from counts, never 0
        with store.engine.connect() as connection:
            counts = connection.execute(
                select(Declaration.counts).where(
                    Declaration.source_key == f"new_start:{row['party']}:{row['as_of_date']}"
                )
            ).scalar_one()
        assert "warheads_deployed" not in counts


# ----------------------------------------------------------------------------------------------- UCDP
def test_ucdp_conflicts_match_raw_file(loaded: tuple[Store, dict[str, LoadReport]], mirror: Path) -> None:
    store, _ = loaded
    raw = _raw_rows(mirror, "ucdp", "ucdp-prio-acd-251.csv")
    years: dict[str, list[int]] = defaultdict(list)
    intensity: dict[str, int] = defaultdict(int)
    for row in raw:
        years[row["conflict_id"]].append(int(row["year"]))
        intensity[row["conflict_id"]] = max(intensity[row["conflict_id"]], int(row["intensity_level"]))
    assert _count_like(store, Conflict, "ucdp:conflict:%") == len(years)
    probe = raw[0]["conflict_id"]
    with store.engine.connect() as connection:
        conflict = connection.execute(select(Conflict).where(Conflict.source_key == f"ucdp:conflict:{probe}")).one()
        sides = connection.execute(
            select(ConflictParty.side, ConflictParty.actor_name, ConflictParty.state_id).where(
                ConflictParty.conflict_id == conflict.id
            )
        ).all()
    assert conflict.valid_from == date(min(years[probe]), 1, 1) and conflict.valid_to == date(max(years[probe]), 12, 31)
    assert conflict.max_intensity == intensity[probe]
    assert (raw[0]["side_a"] and ("A", raw[0]["side_a"])) in {(s, n) for s, n, _ in sides}
    assert all(state is not None for side, name, state in sides if name.startswith("Government of "))
    assert _count_like(store, Agreement, "ucdp:pa:%") == _stored_count(store, "ucdp__peace_agreements")


# ----------------------------------------------------------------------------------------------- COW
def test_cow_disputes_and_wars(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    store, _ = loaded
    assert _count_like(store, Dispute, "cow_mid:%") == _stored_count(store, "peacesciencer__cow_mid_disps")
    members = _stored_count(store, "peacesciencer__cow_mid_dirdisps", "count(DISTINCT dispnum * 1000 + ccode1)")
    assert _count_like(store, DisputeParticipant, "cow_mid:%") == members
    wars = _stored_count(store, "peacesciencer__cow_war_inter", "count(DISTINCT warnum)")
    assert _count_like(store, Conflict, "cow_war:%") == wars
    warring = _stored_count(store, "peacesciencer__cow_war_inter", "count(DISTINCT warnum * 1000 + ccode1)")
    assert _count_like(store, ConflictParty, "cow_war:%") == warring
    with store.engine.connect() as connection:
        first = connection.execute(
            text("SELECT dispnum, styear, stmon, hostlev FROM ds_peacesciencer__cow_mid_disps ORDER BY ds_row LIMIT 1")
        ).one()
        dispute = connection.execute(select(Dispute).where(Dispute.source_key == f"cow_mid:{first.dispnum}")).one()
    assert dispute.valid_from == date(first.styear, first.stmon, 1) and dispute.max_hostility == first.hostlev


# ----------------------------------------------------------------------------------------------- PA-X
def test_pax_provisions_are_the_non_zero_codes(loaded: tuple[Store, dict[str, LoadReport]], mirror: Path) -> None:
    store, _ = loaded
    raw = _raw_rows(mirror, "pax_sample", "pax_sample_40_agreements.csv")
    header = list(raw[0])
    codes = header[header.index("CowWar") + 1 :]
    nonzero = sum(1 for row in raw for c in codes if row[c].strip() not in ("", "0"))
    assert _count_like(store, Agreement, "pax:%") == len(raw)
    assert _count_like(store, Provision, "pax:%") == nonzero


# ----------------------------------------------------------------------------------------------- re-runs
@pytest.mark.parametrize(
    ("mapper", "models"),
    [
        ("exercises", (Engagement, EngagementParticipant)),
        ("new_start", (Agreement, Declaration)),
        ("ucdp", (Conflict, ConflictParty, Agreement, Provision)),
        ("peacesciencer", (Dispute, DisputeParticipant, Conflict)),
    ],
)
def test_running_a_mapper_again_replaces_its_rows(
    loaded: tuple[Store, dict[str, LoadReport]], mapper: str, models: tuple[Any, ...]
) -> None:
    store, _ = loaded

    def counts() -> list[int]:
        return [int(_scalar(store, select(func.count()).select_from(m))) for m in models]

    before = counts()
    module = importlib.import_module(f"detente.sources.{mapper}.domain")
    with store.engine.begin() as connection:
        versions = _loaded_versions(connection)
        module.to_domain(MapContext(connection, mapper, {name: versions[name] for name in module.INPUTS}))
    assert counts() == before


def test_engagement_and_participant_exports(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    store, _ = loaded
    engagements = export_frame(store, "engagements")
    assert engagements.filter(pl.col("kind") == "exercise").height == 5_497
    assert engagements.filter(pl.col("kind") == "visit").height == 377
    participants = export_frame(store, "participants")
    assert participants.height == 20_018 + 754
    nato = participants.filter(pl.col("name_as_given") == "NATO")
    assert nato.height > 0
    assert nato.get_column("participant_iso3").null_count() == nato.height
    # A participant gets codes exactly when its state has an ISO3 or COW code valid in the engagement's year
    # (Tonga before 1999 in COW terms, Kosovo before 2008, South Sudan in 2010 have none: honestly empty).
    coded = participants.filter(pl.col("participant_iso3").is_not_null() | pl.col("participant_ccode").is_not_null())
    year = func.extract("year", Engagement.valid_from)
    has_code = (
        select(StateCode.id)
        .where(
            StateCode.state_id == EngagementParticipant.state_id,
            StateCode.system.in_(("iso3", "cow")),
            func.extract("year", StateCode.valid_from) <= year,
            or_(StateCode.valid_to.is_(None), func.extract("year", StateCode.valid_to) >= year),
        )
        .exists()
    )
    with store.engine.connect() as connection:
        expected = connection.execute(
            select(func.count())
            .select_from(EngagementParticipant)
            .join(Engagement, Engagement.id == EngagementParticipant.engagement_id)
            .where(Engagement.valid_from.is_not(None), has_code)
        ).scalar_one()
    assert coded.height == expected


def test_mid_fatality_level_is_cows_level(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    """``disputes.fatality_level`` is COW's fatality level (NULL where COW codes -9); ``fatalities`` stays NULL."""
    store, _ = loaded
    with store.engine.connect() as connection:
        raw = dict(connection.execute(text("SELECT dispnum, fatality FROM ds_peacesciencer__cow_mid_disps")).all())
        stored = connection.execute(
            select(Dispute.number, Dispute.fatality_level, Dispute.fatalities).where(
                Dispute.source_key.like("cow_mid:%")
            )
        ).all()
    assert {number: level for number, level, _ in stored} == raw
    assert {level for _, level, _ in stored} <= {None, 0, 1, 2, 3, 4, 5, 6}
    assert all(count is None for _, _, count in stored)


def test_non_state_signatories_are_parties_by_name(loaded: tuple[Store, dict[str, LoadReport]], mirror: Path) -> None:
    """UCDP's rebel signatories and PA-X's named signatories are agreement parties with ``actor_name``."""
    store, _ = loaded
    with store.engine.connect() as connection:
        pas = connection.execute(text("SELECT paid, actor_name FROM ds_ucdp__peace_agreements")).all()
        ucdp = connection.execute(
            select(Agreement.source_key, AgreementParty.actor_name)
            .join(Agreement, Agreement.id == AgreementParty.agreement_id)
            .where(AgreementParty.source_key.like("ucdp:pa:%:actor:%"))
        ).all()
        pax = connection.execute(
            select(AgreementParty.actor_name, AgreementParty.role, AgreementParty.state_id)
            .join(Agreement, Agreement.id == AgreementParty.agreement_id)
            .where(Agreement.source_key == "pax:1640")
            .order_by(AgreementParty.id)
        ).all()
    expected = {
        (f"ucdp:pa:{paid}", name.strip())
        for paid, names in pas
        for name in (names or "").split(",")
        if name.strip() and not name.strip().startswith("Government of")
    }
    assert set(ucdp) == expected
    assert ("ucdp:pa:1021", "UNITA") in expected
    raw = next(row for row in _raw_rows(mirror, "pax_sample", "pax_sample_40_agreements.csv") if row["AgtId"] == "1640")
    assert [name for name, role, _ in pax if role == "signatory"] == [p.strip() for p in raw["Part"].split(";")]
    assert all(state is None for *_, state in pax)
