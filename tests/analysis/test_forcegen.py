"""Force generation: pledges by readiness and size, what stays uncovered, candidates from IPI history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from detente.analysis.forcegen import Line, Requirement, RequirementError, generate, generate_each, read_requirement
from detente.domain.markings import Classification, Role
from detente.services.access import Principal
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import Mission, State


def _state(store: Store, iso3: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(State.id).where(State.iso3 == iso3)).scalar_one())


def test_pledges_respect_readiness_and_size(analysis_store: Store) -> None:
    records = Records(analysis_store)
    capability = "test_engineer_company_fg1"  # a type no other test pledges
    pledged = {
        "NPL": ("L1", 300),
        "BGD": ("L3", 200),
        "RWA": ("RDL", 150),
        "GHA": ("L2", 400),
    }
    ids = {}
    for iso3, (level, size) in pledged.items():
        row = records.create(
            "pledge",
            {
                "state_id": _state(analysis_store, iso3),
                "capability_type": capability,
                "size": size,
                "readiness_level": level,
                "pledged_on": "2013-01-15",
            },
            actor="test@example.org",
        )
        ids[iso3] = row["id"]
    wanted = Requirement.model_validate(
        {
            "location": "MLI",
            "date": "2013-07-01",
            "requirements": [{"capability": capability, "size": 500, "readiness": "L2"}],
        }
    )
    result = generate(analysis_store, wanted)
    line = result.lines[0]
    given = {a.state.iso3: a.allocated for a in line.allocations}
    assert "NPL" not in given  # L1 is below the L2 required
    assert given == {"RWA": 150, "BGD": 200, "GHA": 150}  # most ready first; never more than pledged
    assert [a.readiness for a in line.allocations] == ["RDL", "L3", "L2"]
    assert all(a.allocated <= a.pledge_size for a in line.allocations)
    assert line.covered == 500 and line.uncovered == 0
    more = Requirement.model_validate(
        {"date": "2013-07-01", "requirements": [{"capability": capability, "size": 2000, "readiness": "RDL"}]}
    )
    short = generate(analysis_store, more)
    assert short.lines[0].covered == 150 and short.uncovered == 1850
    assert short.lines[0].history and short.lines[0].history_years == (2010, 2012)
    assert all(h.personnel and h.personnel > 0 for h in short.lines[0].history)
    assert {c.key for c in short.citations} >= {"pledges", "source:ipi_peacekeeping"}
    early = Requirement.model_validate({"date": "2012-12-01", "requirements": [{"capability": capability, "size": 10}]})
    assert generate(analysis_store, early).lines[0].covered == 0  # pledges made later do not count


def test_requirement_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "req.yml"
    path.write_text("date: 2013-07-01\nrequirements:\n  - capability: infantry\n    size: 10\n    readiness: L9\n")
    with pytest.raises(RequirementError, match=r"req.yml: field requirements.0.readiness"):
        read_requirement(path)
    path.write_text("date: 2013-07-01\nrequirements:\n  - capability: infantry\n    size: 800\n")
    assert read_requirement(path).requirements == [Line(capability="infantry", size=800, readiness="L1")]


def test_a_requirement_of_a_mission_leaves_out_pledges_made_for_another(analysis_store: Store) -> None:
    records = Records(analysis_store)
    capability = "test_signals_company_fg2"  # a type no other test pledges
    with analysis_store.engine.connect() as connection:
        missions = dict(connection.execute(select(Mission.code, Mission.id)).all())
    made = {}
    for label, mission in (("any", None), ("unifil", missions["UNIFIL"]), ("unmiss", missions["UNMISS"])):
        made[label] = records.create(
            "pledge",
            {
                "state_id": _state(analysis_store, "NPL"),
                "mission_id": mission,
                "capability_type": capability,
                "size": 100,
                "readiness_level": "L2",
                "pledged_on": "2013-01-15",
            },
            actor="test@example.org",
        )["id"]
    lines = [{"capability": capability, "size": 1000}]
    for_unifil = Requirement.model_validate(
        {"mission_id": missions["UNIFIL"], "location": "LBN", "date": "2013-07-01", "requirements": lines}
    )
    anywhere = Requirement.model_validate({"date": "2013-07-01", "requirements": lines})
    answer = generate(analysis_store, for_unifil)
    assert {a.pledge_id for a in answer.lines[0].allocations} == {made["any"], made["unifil"]}
    assert answer.uncovered == 800
    assert {a.pledge_id for a in generate(analysis_store, anywhere).lines[0].allocations} == set(made.values())
    # generate_each answers as generate does for each, each on its own.
    assert generate_each(analysis_store, [for_unifil, anywhere]) == [
        generate(analysis_store, for_unifil),
        generate(analysis_store, anywhere),
    ]


def test_pledges_for_a_mission_the_reader_may_not_see_are_left_out(analysis_store: Store) -> None:
    """A pledge is seen with its mission: a pledge of its own marking public, for a SECRET mission released to
    France only, is proposed to a French reader cleared for SECRET and to no one else."""
    records = Records(analysis_store)
    capability = "test_medical_unit_fg3"  # a type no other test pledges
    secret = records.create("marking", {"classification": "SECRET", "releasable_to": ["FRA"]}, actor="t")
    mission = records.create(
        "mission",
        {"code": "TEST-FG3", "name": "A mission planned in confidence", "kind": "un_pko",
         "marking_id": secret["id"]},
        actor="t",
    )  # fmt: skip
    pledge = records.create(
        "pledge",
        {"state_id": _state(analysis_store, "NPL"), "mission_id": mission["id"], "capability_type": capability,
         "size": 120, "readiness_level": "L2", "pledged_on": "2013-01-15"},
        actor="t",
    )  # fmt: skip
    assert pledge["marking_id"] is None  # public by its own marking: only its mission hides it
    wanted = Requirement.model_validate(
        {"mission_id": mission["id"], "date": "2013-07-01", "requirements": [{"capability": capability, "size": 100}]}
    )

    def reader(nationality: str, clearance: Classification) -> Principal:
        return Principal(0, f"reader-{nationality}", Role.VIEWER, clearance, nationality, frozenset())

    def proposed(principal: Principal | None) -> set[int]:
        return {a.pledge_id for a in generate(analysis_store, wanted, principal=principal).lines[0].allocations}

    assert proposed(reader("FRA", Classification.SECRET)) == {pledge["id"]}
    assert proposed(reader("FRA", Classification.CONFIDENTIAL)) == set()
    assert proposed(reader("DEU", Classification.TOP_SECRET)) == set()
    assert proposed(None) == set()
