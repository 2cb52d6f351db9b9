"""The answers written by :mod:`detente.api.encoding` are the bytes the response models wrote before.

Reads are compared on real records (ATOP alliances with their parties and provisions, MME/JME exercises):
what the API sends must equal Pydantic's validation-and-dump of the service's answer for the same request,
byte for byte. Writes are compared at the service: for records created and changed by
:class:`~detente.services.writing.Writer` (time stamps, coordinates given as whole numbers, decimals,
markings), the encoder's bytes must equal Pydantic's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import select

from detente.api.encoding import encoder
from detente.api.schemas import detail_schema, page_schema, public_schema
from detente.domain.markings import Role
from detente.services.reading import Reader
from detente.services.writing import Writer
from detente.store.database import Store
from detente.store.models import Agreement, Engagement, EngagementParticipant
from tests.api.conftest import MakePerson, fresh_tag


def _pydantic_bytes(model: Any, value: Any) -> bytes:
    """What FastAPI sends for ``response_model=model``: the value validated against the model, then dumped."""
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    return adapter.dump_json(adapter.validate_python(value))


def _ids(store: Store, query: Any) -> list[int]:
    with store.engine.connect() as connection:
        return [int(value) for value in connection.execute(query).scalars()]


def test_alliances_with_parties_and_provisions_are_the_same_bytes(
    client: TestClient, real_store: Store, make_person: MakePerson
) -> None:
    reader = make_person(Role.ANALYST, "USA", "SECRET")
    alliances = _ids(real_store, select(Agreement.id).where(Agreement.kind == "alliance").order_by(Agreement.id))
    sample = alliances[:: max(1, len(alliances) // 25)]
    parts = 0
    for agreement_id in sample:
        response = client.get(f"/agreements/{agreement_id}", headers=reader.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        record = Reader(real_store).get(reader.principal, "agreements", agreement_id)
        assert response.content == _pydantic_bytes(detail_schema("agreements"), record)
        parts += len(record["agreement_parties"]) + len(record["provisions"])
    assert len(sample) >= 20 and parts > len(sample)  # real alliances, with their parts


def test_pages_of_exercises_are_the_same_bytes(client: TestClient, real_store: Store, make_person: MakePerson) -> None:
    reader = make_person(Role.ANALYST, "USA", "SECRET")
    states = _ids(
        real_store,
        select(EngagementParticipant.state_id)
        .where(EngagementParticipant.state_id.is_not(None))
        .group_by(EngagementParticipant.state_id)
        .order_by(EngagementParticipant.state_id)
        .limit(10),
    )
    compared = 0
    for state in states:
        filters = {"state_id": state, "kind": "exercise"}
        response = client.get("/engagements", params={**filters, "limit": 40}, headers=reader.headers)
        assert response.status_code == 200, response.text
        page = Reader(real_store).list(reader.principal, "engagements", filters=filters, limit=40)
        answer = {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}
        assert response.content == _pydantic_bytes(page_schema("engagements"), answer)
        compared += len(page.items)
    assert compared > 10


def test_an_exercise_with_its_participants_is_the_same_bytes(
    client: TestClient, real_store: Store, make_person: MakePerson
) -> None:
    reader = make_person(Role.ANALYST, "USA", "SECRET")
    exercises = _ids(real_store, select(Engagement.id).where(Engagement.kind == "exercise").order_by(Engagement.id))
    for engagement_id in exercises[:: max(1, len(exercises) // 10)]:
        response = client.get(f"/engagements/{engagement_id}", headers=reader.headers)
        record = Reader(real_store).get(reader.principal, "engagements", engagement_id)
        assert response.content == _pydantic_bytes(detail_schema("engagements"), record)


def test_a_marked_record_read_through_the_api_is_the_same_bytes_and_audited(
    client: TestClient, real_store: Store, make_person: MakePerson
) -> None:
    author = make_person(Role.EDITOR, "FRA", "SECRET")
    tag = fresh_tag()
    created = client.post(
        "/engagements",
        json={
            "kind": "exchange",
            "title": tag,
            "latitude": 48,
            "longitude": 2.35,
            "marking": {"classification": "SECRET"},
        },
        headers=author.headers,
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    assert created.json()["latitude"] == 48.0 and b'"latitude":48.0' in created.content
    response = client.get(f"/engagements/{record_id}", headers=author.headers)
    record = Reader(real_store).get(author.principal, "engagements", record_id)
    assert response.content == _pydantic_bytes(detail_schema("engagements"), record)
    assert record["marking"]["classification"] == "SECRET"
    history = client.get(f"/engagements/{record_id}/history", headers=author.headers).json()
    reads = [entry for entry in history if entry["action"] == "read" and entry["actor"] == author.principal.actor]
    assert len(reads) == 2  # the API's read and the service's read above each left their entry


@pytest.mark.parametrize("latitude", [48, 48.5, None])
def test_written_records_encode_as_pydantic_does(real_store: Store, make_person: MakePerson, latitude: Any) -> None:
    author = make_person(Role.EDITOR, "DEU", "SECRET")
    writer = Writer(real_store)
    model = public_schema("engagements")
    values = {"kind": "staff_talks", "title": fresh_tag(), "valid_from": "2025-05", "latitude": latitude}
    created = writer.create(author.principal, "engagements", values)
    assert encoder(model)(created) == _pydantic_bytes(model, created)
    changed = writer.update(
        author.principal, "engagements", created["id"], {"title": fresh_tag()}, version=created["version"]
    )
    assert encoder(model)(changed) == _pydantic_bytes(model, changed)
    note = writer.create(
        author.principal,
        "journal",
        {"object_type": "engagement", "object_id": created["id"], "kind": "warning", "body": "time stamped"},
    )
    journal = public_schema("journal")
    assert isinstance(note["written_at"], str)
    assert encoder(journal)(note) == _pydantic_bytes(journal, note)
    assert json.loads(encoder(journal)(note))["written_at"].endswith("Z")  # as Pydantic writes UTC, not +00:00


def test_created_and_changed_answers_are_what_pydantic_would_send(client: TestClient, make_person: MakePerson) -> None:
    author = make_person(Role.EDITOR, "ITA", "SECRET")
    model = public_schema("engagements")
    created = client.post(
        "/engagements",
        json={"kind": "staff_talks", "title": fresh_tag(), "valid_from": "2025-05", "longitude": 12},
        headers=author.headers,
    )
    assert created.status_code == 201, created.text
    assert created.content == _pydantic_bytes(model, created.json())
    changed = client.patch(
        f"/engagements/{created.json()['id']}",
        json={"title": fresh_tag(), "version": created.json()["version"]},
        headers=author.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.content == _pydantic_bytes(model, changed.json())
    assert list(changed.json()) == list(model.model_fields)
