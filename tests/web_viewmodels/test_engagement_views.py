"""Engagement pages' view models: list and calendar, the lifecycle with a second approver, assessment."""

from __future__ import annotations

from datetime import date

import pytest

from detente.domain.markings import Role
from detente.services.entities import RecordError
from detente.services.errors import ConflictError, NotFoundError
from detente.services.writing import Writer
from detente.web.viewmodels import engagements
from tests.web_viewmodels.conftest import MakeContext, fresh_tag


def test_real_exercises_are_listed_and_filtered(person: MakeContext) -> None:
    viewer = person(Role.VIEWER)
    everything = engagements.listing(viewer)
    assert everything.total > 100  # the MME/JME exercises of the mirror
    assert len(everything.rows) == engagements.PAGE
    starts = [row.start for row in everything.rows if row.start]
    assert starts == sorted(starts, reverse=True)
    usa = viewer.state_id("USA")
    assert usa is not None
    hosted = engagements.listing(viewer, state_id=usa, kind="exercise")
    assert 0 < hosted.total < everything.total
    assert all(row.kind == "exercise" for row in hosted.rows)
    assert not everything.can_create


def test_create_approve_by_another_editor_and_assess(person: MakeContext) -> None:
    proposer, approver = person(Role.EDITOR), person(Role.EDITOR)
    tag = fresh_tag()
    created = engagements.create(
        proposer,
        {
            "title": f"Staff talks {tag}",
            "kind": "staff_talks",
            "valid_from": "2031-03-04",
            "valid_to": "2031-03-05",
            "place": "Paris",
            "host_state_id": str(proposer.state_id("FRA")),
        },
        ["Agree a training calendar", "", "Exchange liaison officers"],
    )
    shown = engagements.detail(proposer, created["id"])
    assert shown.row.status == "proposed" and shown.next_status == "approved"
    assert not shown.can_move and shown.blocked and "another editor" in shown.blocked
    assert [o.text for o in shown.objectives] == ["Agree a training calendar", "Exchange liaison officers"]
    with pytest.raises(ConflictError, match="another editor"):
        engagements.transition(proposer, created["id"], "approved", shown.version)

    seen = engagements.detail(approver, created["id"])
    assert seen.can_move and seen.proposed_by == f"user {proposer.principal.user_id}"
    engagements.transition(approver, created["id"], "approved", seen.version)
    for step in ("planned", "executed"):
        now = engagements.detail(proposer, created["id"])
        assert now.next_status == step
        engagements.transition(proposer, created["id"], step, now.version)
    executed = engagements.detail(proposer, created["id"])
    assert executed.can_assess and executed.approved_by == f"user {approver.principal.user_id}"
    form = {f"score-{o.id}": str(n + 2) for n, o in enumerate(executed.objectives)}
    form[f"note-{executed.objectives[0].id}"] = "calendar agreed"
    engagements.assess(proposer, created["id"], form, executed.version)
    assessed = engagements.detail(proposer, created["id"])
    assert assessed.row.status == "assessed" and assessed.next_status is None and not assessed.can_assess
    assert [(o.score, o.assessment) for o in assessed.objectives] == [(2, "calendar agreed"), (3, None)]

    listed = engagements.listing(proposer, status="assessed")
    assert created["id"] in {row.id for row in listed.rows}
    march = engagements.month(proposer, 2031, 3)
    on_day = [day for week in march.weeks for day in week if day.day == date(2031, 3, 4)]
    assert [row.id for row in on_day[0].items if row.id == created["id"]] == [created["id"]]
    assert march.previous == "2031-02" and march.following == "2031-04"


def test_a_marked_engagement_is_absent_for_other_nationalities(person: MakeContext) -> None:
    author, outsider = person(Role.EDITOR, "FRA"), person(Role.EDITOR, "DEU")
    tag = fresh_tag()
    created = engagements.create(
        author, {"title": f"Visit {tag}", "kind": "visit", "valid_from": "2032-05-01", "classification": "SECRET"}, []
    )
    assert engagements.detail(author, created["id"]).row.marking == "SECRET // REL TO FRA"
    with pytest.raises(NotFoundError):
        engagements.detail(outsider, created["id"])
    may = engagements.month(outsider, 2032, 5)
    assert all(row.id != created["id"] for week in may.weeks for day in week for row in day.items)


def test_an_edit_against_an_old_version_is_refused_and_changes_nothing(person: MakeContext) -> None:
    editor = person(Role.EDITOR)
    created = engagements.create(editor, {"title": f"Exchange {fresh_tag()}", "kind": "exchange"}, [])
    first = engagements.detail(editor, created["id"])
    engagements.update(editor, created["id"], {"place": "Toulon"}, first.version)
    with pytest.raises(ConflictError, match="changed by someone else"):
        engagements.update(editor, created["id"], {"place": "Brest"}, first.version)
    assert engagements.detail(editor, created["id"]).row.place == "Toulon"
    with pytest.raises(RecordError, match="not a date"):
        engagements.update(editor, created["id"], {"valid_from": "next week"}, first.version + 1)


def test_a_participant_shows_the_unit_it_names(person: MakeContext) -> None:
    editor = person(Role.EDITOR)
    created = engagements.create(
        editor,
        {"title": f"Training {fresh_tag()}", "kind": "training", "host_state_id": str(editor.state_id("FRA"))},
        ["Train the river patrol"],
    )
    writer = Writer(editor.store)
    for state, unit in (("MLI", "2nd River Patrol Company"), ("SEN", None)):
        row = {"engagement_id": created["id"], "state_id": editor.state_id(state), "role": "participant"}
        writer.create(editor.principal, "engagement-participants", {**row, "unit": unit} if unit else row)
    shown = engagements.detail(editor, created["id"])
    by_name = {p.name: p.unit for p in shown.participants}
    assert by_name == {"Mali": "2nd River Patrol Company", "Senegal": None}
    exported = editor.reader.export(
        editor.principal, "engagement-participants", fmt="csv", filters={"state_id": editor.state_id("MLI")}
    )
    header, *lines = exported.splitlines()
    assert "unit" in header.split(",")
    assert any(str(created["id"]) in line and "2nd River Patrol Company" in line for line in lines)
