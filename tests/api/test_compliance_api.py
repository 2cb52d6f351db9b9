"""The compliance evidence, citations and what is due, over REST (issue 6), on SQLite and PostgreSQL.

The store holds the real New START data plus the two records of :mod:`tests.compliance.test_marked_findings`
received through a restricted channel (a Russian declaration and a Type One inspection, SECRET releasable to
the United States only). Then: the new resources list and read the evidence with the markings applied, a
loaded record stays read-only, a citation is found by its record and by its source, an activity written
through the API is stored, a declaration written through the API changes the stored finding it bears on, and
``GET /compliance/due`` gives a cleared reader and an uncleared one what each may see.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.api.app import create_app
from detente.domain.markings import Role
from detente.services.records import Records
from detente.sources.load import LOAD_ORDER
from detente.store.database import Store
from detente.store.models import Citation, Declaration, Finding, Obligation, Source, SourceVersion, State
from tests.api.conftest import new_person
from tests.compliance.test_marked_findings import AS_OF, World, _populate
from tests.conftest import BACKENDS, loaded_database


@dataclass
class Setup:
    world: World
    client: TestClient
    editor: dict[str, str]
    cleared: dict[str, str]
    uncleared: dict[str, str]
    citation_id: int
    source_id: int


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module", params=BACKENDS)
def setup(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    folder = tmp_path_factory.mktemp("compapi")
    with loaded_database(str(request.param), folder, (*LOAD_ORDER, "new_start")) as url:
        store = Store.open(url)
        try:
            world = _populate(store, url, folder)
            citation_id, source_id = _cite(store, world)
            editor = new_person(store, Role.EDITOR, "USA", "SECRET")
            with TestClient(create_app(store)) as client:
                yield Setup(
                    world, client, _bearer(editor.token), _bearer(world.cleared_token),
                    _bearer(world.uncleared_token), citation_id, source_id,
                )  # fmt: skip
        finally:
            store.close()


def _cite(store: Store, world: World) -> tuple[int, int]:
    """Cite the New START source's loaded version from the public US declaration (the loader writes none)."""
    with store.engine.connect() as connection:
        version = connection.execute(
            select(SourceVersion.id, SourceVersion.source_id)
            .join(Source, Source.id == SourceVersion.source_id)
            .where(Source.name == "new_start")
        ).one()
    declaration = _declarations(store, "USA")[0]
    row = Records(store).create(
        Citation,
        {"object_type": "declaration", "object_id": declaration, "source_version_id": version.id, "locator": "p. 1"},
        actor="test",
    )
    hidden = int(world.declaration.split(":")[1])
    records = Records(store)
    records.create(Citation, {"object_type": "declaration", "object_id": hidden, "source_version_id": version.id,
                              "locator": "restricted annex"}, actor="test")  # fmt: skip
    return int(row["id"]), int(version.source_id)


def _declarations(store: Store, iso3: str) -> list[int]:
    with store.engine.connect() as connection:
        state = connection.scalar(select(State.id).where(State.iso3 == iso3))
        return list(connection.scalars(select(Declaration.id).where(Declaration.party_state_id == state)))


def _state(store: Store, iso3: str) -> int:
    with store.engine.connect() as connection:
        found = connection.scalar(select(State.id).where(State.iso3 == iso3))
    assert found is not None
    return int(found)


def _ids(page: Any) -> set[int]:
    assert page.status_code == 200, page.text
    return {row["id"] for row in page.json()["items"]}


# -- the evidence resources ------------------------------------------------------------------------------------


def test_declarations_and_inspections_hide_marked_records(setup: Setup) -> None:
    world = setup.world
    for kind, ref in (("declarations", world.declaration), ("inspections", world.inspection)):
        hidden = int(ref.split(":")[1])
        seen = _ids(setup.client.get(f"/{kind}", params={"limit": 500}, headers=setup.cleared))
        unseen = _ids(setup.client.get(f"/{kind}", params={"limit": 500}, headers=setup.uncleared))
        assert seen - unseen == {hidden}  # the real (public) records are there for both readers
        one = setup.client.get(f"/{kind}/{hidden}", headers=setup.cleared)
        assert one.status_code == 200 and one.json()["marking"]["classification"] == "SECRET"
        assert setup.client.get(f"/{kind}/{hidden}", headers=setup.uncleared).status_code == 404


def test_declaration_filters(setup: Setup) -> None:
    rus = _state(setup.world.store, "RUS")
    page = setup.client.get(
        "/declarations", params={"party_state_id": rus, "since": "2023-01-01", "sort": "-as_of"}, headers=setup.cleared
    )
    rows = page.json()["items"]
    assert rows and all(r["party_state_id"] == rus and r["as_of"] >= "2023-01-01" for r in rows)
    assert rows[0]["as_of"] == "2023-09-01"  # the restricted declaration is the newest
    assert [r["as_of"] for r in rows] == sorted((r["as_of"] for r in rows), reverse=True)


def test_loaded_declaration_is_read_only(setup: Setup) -> None:
    loaded = _declarations(setup.world.store, "USA")[0]
    current = setup.client.get(f"/declarations/{loaded}", headers=setup.editor).json()
    assert current["source_version_id"] is not None
    refused = setup.client.patch(
        f"/declarations/{loaded}", json={"reference": "edited", "version": current["version"]}, headers=setup.editor
    )
    assert refused.status_code == 403 and "read-only" in refused.text
    assert setup.client.get(f"/declarations/{loaded}", headers=setup.editor).json()["reference"] != "edited"


def test_citations_by_record_and_by_source(setup: Setup) -> None:
    declaration = _declarations(setup.world.store, "USA")[0]
    by_record = setup.client.get(
        "/citations", params={"object_type": "declaration", "object_id": declaration}, headers=setup.uncleared
    )
    assert _ids(by_record) == {setup.citation_id}
    assert _ids(setup.client.get("/citations", params={"source_id": setup.source_id}, headers=setup.uncleared)) == {
        setup.citation_id
    }
    # the restricted declaration's citation: only for the reader who may see the declaration
    cleared = setup.client.get("/citations", params={"source_id": setup.source_id}, headers=setup.cleared).json()
    assert [c["locator"] for c in cleared["items"]] == ["p. 1", "restricted annex"]
    assert setup.client.get(f"/citations/{setup.citation_id + 1}", headers=setup.uncleared).status_code == 404
    elsewhere = setup.client.get("/citations", params={"source_id": setup.source_id + 999}, headers=setup.cleared)
    assert _ids(elsewhere) == set()
    one = setup.client.get(f"/citations/{setup.citation_id}", headers=setup.uncleared).json()
    assert one["locator"] == "p. 1" and one["object_id"] == declaration
    # public records carry their source version themselves: a user cites only users' own records
    refused = setup.client.post(
        "/citations", json={"object_type": "state", "object_id": 1, "source_version_id": 1}, headers=setup.editor
    )
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "object_type"


def test_activity_written_and_read(setup: Setup) -> None:
    body = {"state_id": _state(setup.world.store, "RUS"), "kind": "exercise", "title": "Zapad test exercise",
            "figures": {"troops": 12000}, "valid_from": "2023-09-20", "valid_to": "2023-09-25"}  # fmt: skip
    made = setup.client.post("/activities", json=body, headers=setup.editor)
    assert made.status_code == 201, made.text
    found = setup.client.get("/activities", params={"title": "zapad test"}, headers=setup.uncleared)
    assert _ids(found) == {made.json()["id"]}
    assert setup.client.get("/activities", params={"as_of": "2022"}, headers=setup.uncleared).json()["items"] == []
    bad = setup.client.post("/activities", json={**body, "figures": "many"}, headers=setup.editor)
    assert bad.status_code == 422 and "figures" in bad.text


# -- what is due ---------------------------------------------------------------------------------------------


def _due(setup: Setup, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = setup.client.get(
        "/compliance/due", params={"treaty": "new-start", "as_of": AS_OF.isoformat(), **params}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()
    return items


def test_due_per_reader(setup: Setup) -> None:
    world = setup.world
    cleared = _due(setup, setup.cleared)
    uncleared = _due(setup, setup.uncleared)
    update = [(i["due"], i["party"]) for i in uncleared if i["code"] == "NST-DATA-UPDATE" and i["party"] == "RUS"]
    assert update == [("2023-10-01", "RUS")]  # the public evidence leaves Russia's update owed
    assert not any(i["code"] == "NST-DATA-UPDATE" and i["party"] == "RUS" for i in cleared)  # discharged
    left = {r["party"]: r["left"] for r in cleared if r["code"] == "NST-INSP-TYPE-ONE"}
    assert left["RUS"] == 9  # the secret inspection counts for the cleared reader only
    assert next(i["left"] for i in uncleared if i["code"] == "NST-INSP-TYPE-ONE" and i["party"] == "RUS") == 10
    assert not any(ref in json.dumps(uncleared) for ref in world.hidden)
    assert [i["due"] for i in cleared] == sorted(i["due"] for i in cleared)
    only_usa = _due(setup, setup.uncleared, party="usa")
    assert only_usa and {i["party"] for i in only_usa} == {"USA"}
    assert _due(setup, setup.uncleared, within=0, party="RUS") != uncleared


def test_due_refuses_bad_input(setup: Setup) -> None:
    unknown = setup.client.get("/compliance/due", params={"treaty": "no-such-treaty"}, headers=setup.cleared)
    assert unknown.status_code == 422 and "treaty" in unknown.text
    for params in ({"within": -1}, {"as_of": "someday"}, {"party": "Russia"}):
        bad = setup.client.get("/compliance/due", params=params, headers=setup.cleared)
        assert bad.status_code == 422 and next(iter(params)) in bad.text
    assert setup.client.get("/compliance/due").status_code == 401


def test_due_is_in_openapi(setup: Setup) -> None:
    schema = setup.client.get("/openapi.json").json()
    operation = schema["paths"]["/compliance/due"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"within", "party", "treaty", "as_of"}
    assert "DueItemOut" in schema["components"]["schemas"]
    for kind in ("/declarations", "/inspections", "/activities", "/citations"):
        assert kind in schema["paths"]


# -- last: writes evidence that changes a stored finding ---------------------------------------------------------


def test_declaration_created_refreshes_finding(setup: Setup) -> None:
    store = setup.world.store
    usa = _state(store, "USA")

    def warheads() -> list[tuple[str, float | None]]:
        with store.engine.connect() as connection:
            rows = connection.execute(
                select(Finding.status, Finding.measured)
                .join(Obligation, Obligation.id == Finding.obligation_id)
                .where(Obligation.code == "NST-LIMIT-WARHEADS", Finding.party_state_id == usa, Finding.as_of == AS_OF)
            ).all()
        return [(r.status, r.measured) for r in rows]

    before = warheads()
    assert before and all(status != "breach" for status, _ in before)
    treaty = setup.client.get(f"/declarations/{_declarations(store, 'USA')[0]}", headers=setup.editor).json()
    body = {"agreement_id": treaty["agreement_id"], "party_state_id": usa,
            "as_of": "2023-09-05", "reference": "API test",
            "counts": {"deployed_icbm_slbm_hb": 650, "warheads_deployed": 1700,
                       "launchers_deployed_and_nondeployed": 790}}  # fmt: skip
    made = setup.client.post("/declarations", json=body, headers=setup.editor)
    assert made.status_code == 201, made.text
    assert warheads() == [("breach", 1700)]
