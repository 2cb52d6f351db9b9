"""The permission matrix: readers of every role, clearance, nationality and affiliation against records of
every marking, for get, list, count, search, export, children and history. Nothing leaks, anywhere.

The records are real-world shaped: engagements hosted by real states with real participants, and attaché
reports; their markings span classification levels and releases to a state, an organization and a sharing
group, one release still awaiting its second editor. The expected answer for each reader comes from the
rule as the issue states it (clearance at least the classification, and the reader's nationality or an
affiliation among the released partners; an unapproved release counts for nothing), written out here apart
from the code under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.domain.markings import Role
from detente.services.exports import export_frame
from detente.services.writing import MarkingRequest, Writer
from detente.store.database import Store
from detente.store.models import AuditEntry
from tests.api.conftest import MakePerson, fresh_tag
from tests.api.permission_matrix import MARKINGS, READERS, Marked, create_marked, ids, role_of


@dataclass
class World:
    tag: str
    engagements: dict[int, Marked]
    reports: dict[int, Marked]
    participants: dict[int, int]
    """engagement id -> one of its participant rows"""
    about: int
    """a report every reader may see, linked to France and to every engagement of the matrix"""


@pytest.fixture(scope="module")
def world(real_store: Store, make_person: MakePerson, state_ids: dict[str, int]) -> World:
    author = make_person(Role.EDITOR, "FRA", "TOP SECRET")
    second = make_person(Role.EDITOR, "FRA", "TOP SECRET")
    writer = Writer(real_store)
    tag = fresh_tag()
    engagements: dict[int, Marked] = {}
    reports: dict[int, Marked] = {}
    participants: dict[int, int] = {}
    for number, marked in enumerate(MARKINGS):
        request = MarkingRequest(marked.classification, marked.partners)
        engagement = writer.create(
            author.principal,
            "engagements",
            {"kind": "staff_talks", "title": f"{tag} talks {number}", "host_state_id": state_ids["FRA"]},
            marking=request,
        )
        participant = writer.create(
            author.principal,
            "engagement-participants",
            {"engagement_id": engagement["id"], "state_id": state_ids["GBR"], "role": "participant"},
        )
        participants[engagement["id"]] = participant["id"]
        report = writer.create(
            author.principal,
            "reports",
            {
                "reported_on": "2024-05-0" + str(number + 1),
                "title": f"Report {number}",
                "body": f"Observed {tag} manoeuvres near the border",
                "reliability": "B",
                "credibility": 2,
            },
            marking=request,
        )
        for record, kind in ((engagement, "engagement"), (report, "report")):
            assert record["release_pending"] is bool(marked.partners)
            if marked.partners and marked.approved:
                pending = [r for r in writer.releases(second.principal) if r["object_id"] == record["id"]]
                [request_row] = [r for r in pending if r["object_type"] == kind]
                writer.decide_release(second.principal, request_row["id"], approve=True)
        engagements[engagement["id"]] = marked
        reports[report["id"]] = marked
    everyone = Marked("UNCLASSIFIED", ("GBR", "DEU", "USA"), True)
    about = create_marked(
        writer,
        author,
        second,
        "reports",
        {
            "reported_on": "2024-06-01",
            "title": "Round-up of the staff talks",
            "body": "A round-up of the talks",
            "reliability": "C",
            "credibility": 3,
        },
        everyone,
    )
    links = [{"object_type": "state", "object_id": state_ids["FRA"]}]
    links += [{"object_type": "engagement", "object_id": engagement_id} for engagement_id in engagements]
    writer.add_children(author.principal, "reports", about["id"], {"report-links": links})
    return World(tag, engagements, reports, participants, about["id"])


@pytest.mark.parametrize(("nationality", "clearance", "affiliations"), READERS)
def test_no_leak_for_reader(
    client: TestClient,
    make_person: MakePerson,
    world: World,
    nationality: str,
    clearance: str,
    affiliations: tuple[str, ...],
) -> None:
    role = role_of((nationality, clearance, affiliations))
    reader = make_person(role, nationality, clearance, affiliations)
    h = reader.headers
    expected = {i for i, m in world.engagements.items() if m.seen_by(nationality, clearance, affiliations)}
    expected_reports = {i for i, m in world.reports.items() if m.seen_by(nationality, clearance, affiliations)}

    # list and count
    listed = client.get("/engagements", params={"title": world.tag, "limit": 100}, headers=h)
    assert listed.status_code == 200
    assert ids(listed.json()) == expected
    assert listed.json()["total"] == len(expected)
    counted = client.get("/engagements/count", params={"title": world.tag}, headers=h)
    assert counted.json() == {"count": len(expected)}

    # get, children and history: a record one may not see is a 404, never a 403
    for engagement_id in world.engagements:
        got = client.get(f"/engagements/{engagement_id}", headers=h)
        history = client.get(f"/engagements/{engagement_id}/history", headers=h)
        child = client.get(f"/engagement-participants/{world.participants[engagement_id]}", headers=h)
        children = client.get("/engagement-participants/count", params={"engagement_id": engagement_id}, headers=h)
        if engagement_id in expected:
            assert got.status_code == 200
            assert got.json()["engagement_participants"][0]["id"] == world.participants[engagement_id]
            assert history.status_code == child.status_code == 200
            assert children.json() == {"count": 1}
        else:
            assert (got.status_code, history.status_code, child.status_code) == (404, 404, 404)
            assert got.json()["error"] == "not_found"
            assert children.json() == {"count": 0}

    # full-text search
    found = client.get("/reports", params={"q": f"{world.tag} manoeuvres", "limit": 100}, headers=h)
    assert found.status_code == 200
    assert ids(found.json()) == expected_reports
    assert client.get("/reports/count", params={"q": world.tag}, headers=h).json() == {"count": len(expected_reports)}

    # export: analysts and up, and only what they may see
    exported = client.get("/engagements/export", params={"format": "json", "title": world.tag}, headers=h)
    if role.at_least(Role.ANALYST):
        assert exported.status_code == 200
        assert {row["id"] for row in json.loads(exported.text)} == expected
        csv_rows = client.get("/reports/export", params={"format": "csv", "q": world.tag}, headers=h).text
        assert len(csv_rows.strip().splitlines()) == len(expected_reports) + 1
    else:
        assert exported.status_code == 403


@pytest.mark.parametrize(("nationality", "clearance", "affiliations"), READERS[::5])
def test_report_links_name_only_records_the_reader_may_see(
    client: TestClient,
    make_person: MakePerson,
    state_ids: dict[str, int],
    world: World,
    full_view: dict[str, str],
    nationality: str,
    clearance: str,
    affiliations: tuple[str, ...],
) -> None:
    """A report every reader may see links to every engagement of the matrix: each reader sees the links to
    the engagements they may see (and to France, public), in the report and in /report-links, and no other:
    a link to a hidden engagement would give away its number and that the report is about it."""
    reader = make_person(role_of((nationality, clearance, affiliations)), nationality, clearance, affiliations)
    h = reader.headers
    expected = {("state", state_ids["FRA"])}
    expected |= {
        ("engagement", i) for i, m in world.engagements.items() if m.seen_by(nationality, clearance, affiliations)
    }
    assert len(expected) < len(world.engagements) + 1  # every reader here is denied some engagement

    got = client.get(f"/reports/{world.about}", headers=h)
    assert got.status_code == 200
    assert {(link["object_type"], link["object_id"]) for link in got.json()["report_links"]} == expected
    listed = client.get("/report-links", params={"report_id": world.about, "limit": 100}, headers=h)
    assert listed.status_code == 200
    assert {(link["object_type"], link["object_id"]) for link in listed.json()["items"]} == expected
    counted = client.get("/report-links/count", params={"report_id": world.about}, headers=h)
    assert counted.json() == {"count": len(expected)}
    # asking for the reports about an engagement finds the round-up only through a link the reader may see
    for engagement_id in world.engagements:
        about = client.get("/reports", params={"about": f"engagement:{engagement_id}", "limit": 100}, headers=h)
        assert about.status_code == 200
        assert (world.about in ids(about.json())) is (("engagement", engagement_id) in expected)
    every = client.get(f"/reports/{world.about}", headers=full_view).json()["report_links"]
    assert len(every) == len(world.engagements) + 1
    hidden = [link["id"] for link in every if (link["object_type"], link["object_id"]) not in expected]
    assert len(hidden) == len(every) - len(expected)
    for link_id in hidden:
        assert client.get(f"/report-links/{link_id}", headers=h).status_code == 404


@pytest.fixture(scope="module")
def full_view(make_person: MakePerson) -> dict[str, str]:
    """Headers of a reader who may see every record of the matrix (FRA, TOP SECRET, in NATO and FVEY)."""
    return make_person(Role.VIEWER, "FRA", "TOP SECRET", ("ORG:NATO", "GROUP:FVEY")).headers


def test_reads_of_marked_records_are_audited(
    client: TestClient, make_person: MakePerson, world: World, real_store: Store
) -> None:
    reader = make_person(Role.ANALYST, "GBR", "SECRET")
    visible = next(i for i, m in world.engagements.items() if m.partners == ("GBR",))
    assert client.get(f"/engagements/{visible}", headers=reader.headers).status_code == 200
    assert client.get("/engagements/export", params={"title": world.tag}, headers=reader.headers).status_code == 200
    with real_store.engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.action, AuditEntry.object_id, AuditEntry.after).where(
                AuditEntry.actor == reader.principal.username
            )
        ).all()
    assert ("read", str(visible)) in {(action, object_id) for action, object_id, _ in rows}
    [export] = [json.loads(after) for action, _, after in rows if action == "export"]
    assert visible in export["ids"]


def test_public_data_is_visible_and_unmarked(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    reader = make_person(Role.VIEWER, "USA", "UNCLASSIFIED")
    nato = client.get("/agreements", params={"title": "ATOP 3180", "kind": "alliance"}, headers=reader.headers)
    assert nato.status_code == 200
    assert nato.json()["total"] == 1, "ATOP 3180 is the North Atlantic Treaty"
    agreement = client.get(f"/agreements/{nato.json()['items'][0]['id']}", headers=reader.headers).json()
    assert agreement["marking"] is None
    party_states = {party["state_id"] for party in agreement["agreement_parties"]}
    assert {state_ids["USA"], state_ids["FRA"], state_ids["GBR"]} <= party_states


def test_without_a_token_nothing_is_served(client: TestClient, world: World) -> None:
    some_id = next(iter(world.engagements))
    for path in ("/engagements", f"/engagements/{some_id}", "/engagements/count", "/states"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    assert client.get("/engagements", headers={"Authorization": "Bearer dt_forged"}).status_code == 401


def test_command_line_exports_hold_public_data_only(real_store: Store, world: World) -> None:
    frame = export_frame(real_store, "engagements")
    assert frame.height > 1000, "the public exercises are exported"
    assert not set(frame["engagement_id"].to_list()) & set(world.engagements)
    participants = export_frame(real_store, "participants")
    assert not set(participants["engagement_id"].to_list()) & set(world.engagements)
