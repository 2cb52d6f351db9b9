"""Practitioners' records beyond engagements and cases: journal notes, attaché postings, negotiations with
rounds, issues and implementation scores, peacekeeping requirements and pledges; the docs page and the
first administrator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from detente.cli.main import app as cli
from detente.domain.markings import Role
from detente.services import accounts
from detente.store.database import Store
from tests.api.conftest import MakePerson, Person, fresh_tag


def _created(client: TestClient, who: Person, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_journal_notes_follow_the_record_they_are_about(client: TestClient, make_person: MakePerson) -> None:
    author = make_person(Role.EDITOR, "POL", "SECRET")
    outsider = make_person(Role.ANALYST, "ESP", "SECRET")
    engagement = _created(client, author, "/engagements", {"kind": "exchange", "title": fresh_tag()})
    note = _created(
        client,
        author,
        "/journal",
        {"object_type": "engagement", "object_id": engagement["id"], "kind": "warning", "body": "visas late"},
    )
    assert (note["author_id"], note["marking"]["releasable_to"]) == (author.id, ["POL"])
    listed = client.get(
        "/journal", params={"object_type": "engagement", "object_id": engagement["id"]}, headers=author.headers
    ).json()
    assert [row["id"] for row in listed["items"]] == [note["id"]]
    refused = client.post(
        "/journal",
        json={"object_type": "engagement", "object_id": engagement["id"], "body": "I cannot see it"},
        headers=outsider.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "object_id"


def test_attache_posting_and_linked_report(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    attache = make_person(Role.EDITOR, "NLD", "SECRET")
    posting = _created(
        client,
        attache,
        "/postings",
        {
            "person_name": "Col. A. de Vries",
            "sending_state_id": state_ids["NLD"],
            "host_state_id": state_ids["IDN"],
            "title": "Defence Attaché",
            "valid_from": "2023-08",
        },
    )
    tag = fresh_tag()
    report = _created(
        client,
        attache,
        "/reports",
        {
            "posting_id": posting["id"],
            "reported_on": "2024-02-01",
            "region": "Southeast Asia",
            "title": "Naval exercise",
            "body": f"Amphibious {tag} landing rehearsed",
            "reliability": "C",
            "credibility": 3,
        },
    )
    _created(
        client,
        attache,
        "/report-links",
        {"report_id": report["id"], "object_type": "state", "object_id": state_ids["IDN"]},
    )
    about = client.get("/reports", params={"about": f"state:{state_ids['IDN']}", "q": tag}, headers=attache.headers)
    assert [row["id"] for row in about.json()["items"]] == [report["id"]]
    in_force = client.get(
        "/postings", params={"host_state_id": state_ids["IDN"], "as_of": "2024"}, headers=attache.headers
    ).json()
    assert posting["id"] in {row["id"] for row in in_force["items"]}
    bad_grade = client.post(
        "/reports",
        json={"reported_on": "2024-02-01", "title": "x", "body": "y", "reliability": "G", "credibility": 7},
        headers=attache.headers,
    )
    assert {item["field"] for item in bad_grade.json()["fields"]} == {"reliability", "credibility"}


def test_negotiation_with_rounds_issues_and_implementation(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    mediator = make_person(Role.EDITOR, "NOR", "SECRET")
    talks = _created(client, mediator, "/negotiations", {"title": f"{fresh_tag()} talks", "valid_from": "2021"})
    _created(
        client,
        mediator,
        "/negotiation-parties",
        {"negotiation_id": talks["id"], "actor_name": "Norway", "role": "mediator", "state_id": state_ids["NOR"]},
    )
    _created(
        client,
        mediator,
        "/negotiation-rounds",
        {"negotiation_id": talks["id"], "number": 1, "venue": "Oslo", "valid_from": "2021-03-02"},
    )
    _created(
        client,
        mediator,
        "/negotiation-issues",
        {"negotiation_id": talks["id"], "issue": "ceasefire line", "positions": {"A": "status quo"}},
    )
    agreement = _created(
        client,
        mediator,
        "/agreements",
        {"kind": "peace_agreement", "title": "Oslo accord", "negotiation_id": talks["id"]},
    )
    provision = _created(
        client, mediator, "/provisions", {"agreement_id": agreement["id"], "code": "art-1", "kind": "ceasefire"}
    )
    score = _created(
        client, mediator, "/implementation-scores", {"provision_id": provision["id"], "year": 2022, "score": 2}
    )
    assert score["score"] == 2
    out_of_range = client.post(
        "/implementation-scores",
        json={"provision_id": provision["id"], "year": 2023, "score": 4},
        headers=mediator.headers,
    )
    assert out_of_range.status_code == 422
    detail = client.get(f"/negotiations/{talks['id']}", headers=mediator.headers).json()
    assert [r["venue"] for r in detail["negotiation_rounds"]] == ["Oslo"]
    assert detail["negotiation_parties"][0]["role"] == "mediator"
    by_state = client.get("/negotiations", params={"state_id": state_ids["NOR"]}, headers=mediator.headers).json()
    assert talks["id"] in {row["id"] for row in by_state["items"]}


def test_pledges_with_readiness_and_renewal(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    planner = make_person(Role.EDITOR, "GHA", "RESTRICTED")
    pledge = _created(
        client,
        planner,
        "/pledges",
        {
            "state_id": state_ids["GHA"],
            "capability_type": "level2_hospital",
            "size": 1,
            "readiness_level": "L2",
            "pledged_on": "2024-01-10",
            "last_verified_on": "2024-06-01",
            "renewal_due_on": "2025-06-01",
        },
    )
    due = client.get(
        "/pledges", params={"renewal_due_before": "2025-12-31", "state_id": state_ids["GHA"]}, headers=planner.headers
    )
    assert pledge["id"] in {row["id"] for row in due.json()["items"]}
    not_yet = client.get(
        "/pledges", params={"renewal_due_before": "2025-01-01", "state_id": state_ids["GHA"]}, headers=planner.headers
    )
    assert pledge["id"] not in {row["id"] for row in not_yet.json()["items"]}
    wrong = client.post(
        "/pledges",
        json={
            "state_id": state_ids["GHA"],
            "capability_type": "x",
            "size": 1,
            "readiness_level": "L4",
            "pledged_on": "2024-01-10",
        },
        headers=planner.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["fields"][0]["field"] == "readiness_level"


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    page = client.get("/docs").text
    assert "cdn" not in page.lower()
    assert "/static-offline-docs/swagger-ui-bundle.js" in page
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 200


def test_create_admin_prints_a_password_that_signs_in(database_url: str, tmp_path: Path) -> None:
    Store.open(database_url, create=True).close()
    result = CliRunner().invoke(
        cli, ["users", "create-admin", "chief", "--nationality", "FRA", "--generate-password", "-d", database_url]
    )
    assert result.exit_code == 0, result.output
    password = next(line for line in result.output.splitlines() if "password" in line).split()[-1]
    store = Store.open(database_url)
    try:
        issued = accounts.login(store, "chief", password, client="cli-test")
        principal = accounts.authenticate(store, issued.secret)
        assert (principal.role, principal.nationality) == (Role.ADMIN, "FRA")
        again = CliRunner().invoke(cli, ["users", "create-admin", "chief", "--generate-password", "-d", database_url])
        assert again.exit_code == 2, "a taken user name is refused"
    finally:
        store.close()


def test_report_search_follows_edits_of_the_text(
    client: TestClient, make_person: MakePerson, real_store: Store
) -> None:
    """The search index is kept by the database itself (SQLite: FTS5 triggers; PostgreSQL: the generated
    ``reports.search_vector`` of migration 0009): a report is found by the words it has now, not those it had."""
    attache = make_person(Role.ANALYST, "NLD", "SECRET")
    before, after = fresh_tag(), fresh_tag()
    report = _created(
        client,
        attache,
        "/reports",
        {
            "reported_on": "2024-03-01",
            "title": "Harbour visit",
            "body": f"{before} corvettes",
            "reliability": "B",
            "credibility": 2,
        },
    )

    def found(word: str) -> list[int]:
        answer = client.get("/reports", params={"q": f"{word} corvettes"}, headers=attache.headers)
        assert answer.status_code == 200, answer.text
        return [row["id"] for row in answer.json()["items"]]

    assert (found(before), found(after)) == ([report["id"]], [])
    edited = client.patch(
        f"/reports/{report['id']}",
        json={"body": f"{after} corvettes", "version": report["version"]},
        headers=attache.headers,
    )
    assert edited.status_code == 200, edited.text
    assert (found(before), found(after)) == ([], [report["id"]])
    if real_store.engine.dialect.name == "postgresql":
        with real_store.engine.connect() as connection:
            index = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_reports_search' "
                "AND schemaname = current_schema()"
            ).scalar_one()
        assert "(search_vector)" in index


def _pledge(client: TestClient, who: Person, state_id: int, **extra: Any) -> dict[str, Any]:
    body = {
        "state_id": state_id,
        "capability_type": "infantry_battalion",
        "size": 850,
        "readiness_level": "L2",
        "pledged_on": "2024-01-10",
        **extra,
    }
    return _created(client, who, "/pledges", body)


def _pledge_now(client: TestClient, who: Person, pledge_id: int) -> dict[str, Any]:
    response = client.get(f"/pledges/{pledge_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_pledge_verifications_are_child_records_that_keep_last_verified_on(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    planner = make_person(Role.EDITOR, "RWA", "RESTRICTED")
    pledge = _pledge(client, planner, state_ids["RWA"], last_verified_on="2024-02-01")
    aav = _created(
        client,
        planner,
        "/pledge-verifications",
        {
            "pledge_id": pledge["id"],
            "visited_on": "2024-03-05",
            "kind": "assessment_advisory_visit",
            "outcome": "partly_verified",
            "readiness_level_found": "L1",
            "findings": "vehicles short of the pledged number",
        },
    )
    assert aav["version"] == 1
    assert _pledge_now(client, planner, pledge["id"])["last_verified_on"] == "2024-03-05"

    # a later visit that did not verify the pledge leaves the date where it was
    failed = _created(
        client,
        planner,
        "/pledge-verifications",
        {"pledge_id": pledge["id"], "visited_on": "2024-09-01", "kind": "other", "outcome": "not_verified"},
    )
    assert _pledge_now(client, planner, pledge["id"])["last_verified_on"] == "2024-03-05"

    # ... until it is corrected to verified
    changed = client.patch(
        f"/pledge-verifications/{failed['id']}", json={"outcome": "verified", "version": 1}, headers=planner.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    detail = _pledge_now(client, planner, pledge["id"])
    assert detail["last_verified_on"] == "2024-09-01"
    assert [v["visited_on"] for v in detail["pledge_verifications"]] == ["2024-03-05", "2024-09-01"]

    listed = client.get("/pledge-verifications", params={"pledge_id": pledge["id"]}, headers=planner.headers).json()
    assert [row["id"] for row in listed["items"]] == [aav["id"], failed["id"]]
    verified_only = client.get(
        "/pledge-verifications", params={"pledge_id": pledge["id"], "outcome": "verified"}, headers=planner.headers
    ).json()
    assert [row["id"] for row in verified_only["items"]] == [failed["id"]]

    # the date is the visits' now: a direct change is refused, naming the field
    direct = client.patch(
        f"/pledges/{pledge['id']}",
        json={"last_verified_on": "2025-01-01", "version": detail["version"]},
        headers=planner.headers,
    )
    assert direct.status_code == 422, direct.text
    assert direct.json()["fields"][0]["field"] == "last_verified_on"

    # deleting the latest verifying visit falls back to the one before, deleting every visit leaves none
    gone = client.delete(f"/pledge-verifications/{failed['id']}", params={"version": 2}, headers=planner.headers)
    assert gone.status_code == 200, gone.text
    assert _pledge_now(client, planner, pledge["id"])["last_verified_on"] == "2024-03-05"
    gone = client.delete(f"/pledge-verifications/{aav['id']}", params={"version": 1}, headers=planner.headers)
    assert gone.status_code == 200, gone.text
    after = _pledge_now(client, planner, pledge["id"])
    assert after["last_verified_on"] is None
    assert after["pledge_verifications"] == []


def test_pledge_verifications_refuse_bad_input(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    planner = make_person(Role.EDITOR, "NPL", "RESTRICTED")
    pledge = _pledge(client, planner, state_ids["NPL"])
    good = {
        "pledge_id": pledge["id"],
        "visited_on": "2024-05-02",
        "kind": "pre_deployment_visit",
        "outcome": "verified",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({**good, "kind": "picnic"}, "kind"),
        ({**good, "outcome": "fine"}, "outcome"),
        ({**good, "readiness_level_found": "L9"}, "readiness_level_found"),
        ({**good, "visited_on": "2023-12-31"}, "visited_on"),  # before the pledge
        ({**good, "visited_on": "2999-01-01"}, "visited_on"),  # in the future
        ({**good, "visited_on": "2024-13-01"}, "visited_on"),
        ({key: value for key, value in good.items() if key != "outcome"}, "outcome"),
        ({**good, "pledge_id": 2_000_000_000}, "pledge_id"),
    ]
    for body, field in cases:
        response = client.post("/pledge-verifications", json=body, headers=planner.headers)
        assert response.status_code == 422, (body, response.text)
        assert field in {problem["field"] for problem in response.json()["fields"]}, (body, response.text)
    assert _pledge_now(client, planner, pledge["id"])["pledge_verifications"] == []
    assert _pledge_now(client, planner, pledge["id"])["last_verified_on"] is None

    # a pledge with a visit cannot be deleted until its visits are
    visit = _created(client, planner, "/pledge-verifications", good)
    refused = client.delete(f"/pledges/{pledge['id']}", params={"version": 2}, headers=planner.headers)
    assert refused.status_code == 409, refused.text
    assert "pledge-verifications" in refused.text
    moved_on = client.patch(
        f"/pledge-verifications/{visit['id']}", json={"pledge_id": pledge["id"], "version": 1}, headers=planner.headers
    )
    assert moved_on.status_code == 422, moved_on.text


def test_pledge_verifications_are_seen_exactly_with_their_pledge(
    client: TestClient, make_person: MakePerson, state_ids: dict[str, int]
) -> None:
    planner = make_person(Role.EDITOR, "BGD", "CONFIDENTIAL")
    colleague = make_person(Role.ANALYST, "BGD", "CONFIDENTIAL")
    outsider = make_person(Role.EDITOR, "PAK", "SECRET")
    pledge = _pledge(client, planner, state_ids["BGD"])
    tag = fresh_tag()
    visit = _created(
        client,
        planner,
        "/pledge-verifications",
        {
            "pledge_id": pledge["id"],
            "visited_on": "2024-04-04",
            "kind": "assessment_advisory_visit",
            "outcome": "verified",
            "findings": tag,
        },
    )
    seen = client.get(f"/pledge-verifications/{visit['id']}", headers=colleague.headers)
    assert seen.status_code == 200 and seen.json()["findings"] == tag
    exported = client.get(
        "/pledge-verifications/export", params={"format": "json", "pledge_id": pledge["id"]}, headers=colleague.headers
    )
    assert [row["findings"] for row in exported.json()] == [tag]

    assert client.get(f"/pledge-verifications/{visit['id']}", headers=outsider.headers).status_code == 404
    listed = client.get("/pledge-verifications", params={"pledge_id": pledge["id"]}, headers=outsider.headers).json()
    assert listed == {**listed, "items": [], "total": 0}
    counted = client.get("/pledge-verifications/count", params={"pledge_id": pledge["id"]}, headers=outsider.headers)
    assert counted.json()["count"] == 0
    hidden_export = client.get(
        "/pledge-verifications/export", params={"format": "csv", "pledge_id": pledge["id"]}, headers=outsider.headers
    )
    assert hidden_export.status_code == 200 and tag not in hidden_export.text
    # nor can they write under it, change it or delete it: it does not exist for them
    added = client.post(
        "/pledge-verifications",
        json={"pledge_id": pledge["id"], "visited_on": "2024-05-05", "kind": "other", "outcome": "verified"},
        headers=outsider.headers,
    )
    assert added.status_code == 422 and added.json()["fields"][0]["field"] == "pledge_id"
    patched = client.patch(
        f"/pledge-verifications/{visit['id']}", json={"outcome": "not_verified", "version": 1}, headers=outsider.headers
    )
    assert patched.status_code == 404
    deleted = client.delete(f"/pledge-verifications/{visit['id']}", params={"version": 1}, headers=outsider.headers)
    assert deleted.status_code == 404
    assert _pledge_now(client, planner, pledge["id"])["last_verified_on"] == "2024-04-04"
