"""Bad input gets a clear 4xx naming the field at fault, and nothing is stored (no row, no audit entry)."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from detente.api.app import create_app
from detente.api.limits import MAX_BODY_BYTES
from detente.domain.markings import Role
from detente.services import accounts
from detente.services.errors import RateLimitedError
from detente.services.gates import ComplianceGates
from detente.store.database import Store
from detente.store.models import ApiToken, AuditEntry, Engagement, User
from tests.api.conftest import PASSWORD, MakePerson, Person, fresh_tag


def _counts(store: Store) -> tuple[int, int]:
    with store.engine.connect() as connection:
        return (
            int(connection.scalar(select(func.count()).select_from(Engagement)) or 0),
            int(connection.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        )


@pytest.fixture
def editor(make_person: MakePerson) -> Person:
    return make_person(Role.EDITOR, "NOR", "SECRET")


@pytest.fixture
def unchanged(real_store: Store) -> Iterator[None]:
    """The test must leave the store exactly as it found it.

    The compliance gate pack (the AECA obligations the gates judge by) is stored once, before the first write
    that may need it, in a transaction of its own: reference data every store gets, not something a refused
    request stored, so it is in place before the count."""
    ComplianceGates(real_store).agreement_id()
    before = _counts(real_store)
    yield
    assert _counts(real_store) == before, "a refused request stored something"


def _post(client: TestClient, who: Person, content: bytes | str) -> Any:
    return client.post("/engagements", content=content, headers={**who.headers, "Content-Type": "application/json"})


def _fields(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error", "message", "fields"}
    assert body["message"]
    return {item["field"]: item["message"] for item in body["fields"]}


@pytest.mark.parametrize(
    "content",
    ['{"kind": "visit", "title": "x"', "not json at all", '{"kind": "visit",, }', b"\xff\xfe\x00"],
)
def test_malformed_json(client: TestClient, editor: Person, unchanged: None, content: str | bytes) -> None:
    response = _post(client, editor, content)
    assert response.status_code in (400, 422)
    assert response.json()["error"] in ("bad_request", "invalid")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "visit"}, "title", "required"),
        ({"kind": "party", "title": "x"}, "kind", "'exercise'"),
        ({"kind": "visit", "title": 12}, "title", "string"),
        ({"kind": "visit", "title": "x", "cost": "lots"}, "cost", "decimal"),
        ({"kind": "visit", "title": "x", "latitude": 91}, "latitude", "less than or equal"),
        ({"kind": "visit", "title": "x", "valid_from": "2024-13"}, "valid_from", "pattern"),
        ({"kind": "visit", "title": "x", "status": "assessed"}, "status", "Extra inputs"),
        ({"kind": "visit", "title": "nul \x00 byte"}, "title", "pattern"),
        ({"kind": "visit", "title": "x" * 301}, "title", "at most 300"),
        (
            {"kind": "visit", "title": "x", "marking": {"classification": "COSMIC"}},
            "marking.classification",
            "'SECRET'",
        ),
        (
            {"kind": "visit", "title": "x", "marking": {"releasable_to": ["France"]}},
            "marking.releasable_to.0",
            "pattern",
        ),
    ],
)
def test_wrong_fields(
    client: TestClient, editor: Person, unchanged: None, body: dict[str, Any], field: str, words: str
) -> None:
    response = client.post("/engagements", json=body, headers=editor.headers)
    assert response.status_code == 422, response.text
    fields = _fields(response)
    assert field in fields, fields
    assert words in fields[field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "visit", "title": "x", "host_state_id": 2_000_000}, "host_state_id"),
        ({"kind": "visit", "title": "x", "marking": {"classification": "TOP SECRET"}}, "classification"),
    ],
)
def test_refused_by_the_services(
    client: TestClient, editor: Person, unchanged: None, body: dict[str, Any], field: str
) -> None:
    response = client.post("/engagements", json=body, headers=editor.headers)
    assert response.status_code == 422, response.text
    assert field in _fields(response)


def test_unknown_parent_and_invisible_parent(
    client: TestClient, editor: Person, make_person: MakePerson, unchanged: None
) -> None:
    response = client.post(
        "/engagement-participants", json={"engagement_id": 2_000_000, "name_as_given": "x"}, headers=editor.headers
    )
    assert response.status_code == 422
    assert "engagement_id" in _fields(response)


def test_oversized_payload(client: TestClient, editor: Person, unchanged: None) -> None:
    big = '{"kind": "visit", "title": "' + "x" * (MAX_BODY_BYTES + 10) + '"}'
    response = _post(client, editor, big)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_update_needs_the_version_and_refuses_a_stale_one(
    client: TestClient, editor: Person, real_store: Store
) -> None:
    created = client.post("/engagements", json={"kind": "visit", "title": fresh_tag()}, headers=editor.headers).json()
    path = f"/engagements/{created['id']}"
    before = _counts(real_store)
    missing = client.patch(path, json={"title": "y"}, headers=editor.headers)
    assert missing.status_code == 422
    assert "version" in _fields(missing)
    stale = client.patch(path, json={"title": "y", "version": 7}, headers=editor.headers)
    assert stale.status_code == 409
    assert "version" in _fields(stale)
    empty = client.patch(path, json={"version": 1}, headers=editor.headers)
    assert empty.status_code == 422
    assert _counts(real_store) == before
    assert client.get(path, headers=editor.headers).json()["title"] == created["title"]


def test_login_is_rate_limited_and_secrets_are_not_echoed(client: TestClient, make_person: MakePerson) -> None:
    person = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    name = person.principal.username
    statuses = []
    for _ in range(6):
        response = client.post("/auth/login", json={"username": name, "password": "wrong password 123"})
        statuses.append(response.status_code)
        assert "wrong password 123" not in response.text
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    throttled = client.post("/auth/login", json={"username": name, "password": "a long enough password"})
    assert throttled.status_code == 429, "the right password does not lift the limit early"
    assert int(throttled.headers["Retry-After"]) > 0
    typed = client.post("/auth/login", json={"username": name, "password": 12345678901234})
    assert typed.status_code == 422
    assert "12345678901234" not in typed.text


def test_login_limit_holds_across_processes(real_store: Store, make_person: MakePerson) -> None:
    """Failures made by another process (as another uvicorn worker would) count here: the limit is in the store."""
    person = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    name = person.principal.username
    script = (
        "import sys\n"
        "from detente.services import accounts\n"
        "from detente.services.errors import AuthenticationError\n"
        "from detente.store.database import Store\n"
        "store = Store.open(sys.argv[1])\n"
        "for _ in range(5):\n"
        "    try:\n"
        "        accounts.login(store, sys.argv[2], 'wrong password 123', client='worker-2')\n"
        "    except AuthenticationError:\n"
        "        pass\n"
        "store.close()\n"
    )
    url = real_store.engine.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", script, url, name], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with pytest.raises(RateLimitedError, match="too many failed logins"):
        accounts.login(real_store, name, PASSWORD, client="worker-1")
    other = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    assert accounts.login(real_store, other.principal.username, PASSWORD, client="worker-1").secret


def test_revoked_and_expired_tokens(client: TestClient, make_person: MakePerson) -> None:
    person = make_person(Role.ANALYST, "NOR", "UNCLASSIFIED")
    made = client.post("/auth/tokens", json={"name": "script", "days": 1}, headers=person.headers)
    assert made.status_code == 201
    token = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/auth/me", headers=token).json()["username"] == person.principal.username
    listed = client.get("/auth/tokens", headers=person.headers).json()
    assert all("token" not in row and "token_hash" not in row for row in listed)
    assert client.delete(f"/auth/tokens/{made.json()['id']}", headers=person.headers).status_code == 200
    assert client.get("/auth/me", headers=token).status_code == 401
    assert client.post("/auth/logout", headers=person.headers).status_code == 204
    assert client.get("/auth/me", headers=person.headers).status_code == 401


def test_a_failing_write_keeps_its_values_out_of_the_error_and_the_log(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A write the database refuses (here: a column renamed under the running API) fails as a server error
    whose text and log name the statement but none of the values sent, such as a report's body."""
    accounts.create_user(store, actor="test", username="writer", password=PASSWORD, role=Role.EDITOR, nationality="NOR")
    token = accounts.login(store, "writer", PASSWORD, client="tests").secret
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE engagements RENAME COLUMN title TO title_gone"))
    secret = "zq-body-" + fresh_tag() + " met the source at the usual place"
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(store)) as client:
        answer = client.post(
            "/engagements", json={"kind": "visit", "title": secret}, headers={"Authorization": f"Bearer {token}"}
        )
    # the API answers the 500 itself and logs the error in its safe form (detente.store.error_text)
    assert answer.status_code == 500 and answer.json()["error"] == "server_error", answer.text
    logged = [r for r in caplog.records if r.name == "detente.api" and r.levelno >= logging.ERROR]
    assert logged, "the server error is logged"
    assert "engagements" in caplog.text, "the log names the statement"
    assert secret not in answer.text
    assert secret not in caplog.text
    assert token not in answer.text + caplog.text


def test_an_expired_token_is_refused_and_only_its_hash_is_stored(
    client: TestClient, make_person: MakePerson, real_store: Store
) -> None:
    """A token past its ``expires_at`` is a 401 saying so; the database row holds the secret's SHA-256, never
    the secret (a copy of the database must not let anyone sign in)."""
    person = make_person(Role.ANALYST, "NOR", "UNCLASSIFIED")
    made = client.post("/auth/tokens", json={"name": "script", "days": 1}, headers=person.headers)
    assert made.status_code == 201
    secret, token_id = made.json()["token"], made.json()["id"]
    with real_store.engine.connect() as connection:
        row = connection.execute(select(ApiToken).where(ApiToken.id == token_id)).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row), "the secret itself is stored"
    # Expire it for real, in the database, before this process ever verifies (and caches) it.
    with real_store.engine.begin() as connection:
        connection.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    refused = client.get("/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401
    assert refused.json()["message"] == "this token has expired; sign in again"
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/auth/me", headers=person.headers).status_code == 200, "only that token expired"


def test_the_password_is_stored_as_an_argon2id_hash(make_person: MakePerson, real_store: Store) -> None:
    person = make_person(Role.VIEWER, "NOR", "UNCLASSIFIED")
    with real_store.engine.connect() as connection:
        stored = connection.scalar(select(User.password_hash).where(User.id == person.id))
    assert stored is not None
    assert stored.startswith("$argon2id$"), stored[:12]
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, PASSWORD + "!")


def _as_if_unknown(hidden_id: int, ask: Any) -> Any:
    """``ask(id)`` for the hidden record and for an id never used; the answers must be the same but for the
    id itself (else the difference tells an outsider the record exists). Returns the hidden one's answer."""
    unknown_id = 2_000_000
    hidden, unknown = ask(hidden_id), ask(unknown_id)
    assert hidden.status_code == unknown.status_code, (hidden.text, unknown.text)
    assert hidden.text.replace(str(hidden_id), "ID") == unknown.text.replace(str(unknown_id), "ID")
    return hidden


def test_an_invisible_record_is_a_404_for_every_verb(
    client: TestClient, editor: Person, make_person: MakePerson, real_store: Store
) -> None:
    """A record one may not see does not exist for them: reading, changing or moving it on is a 404, and
    creating a record under it is refused as under an id never used (422 naming the parent field), with
    nothing stored."""
    author = make_person(Role.EDITOR, "FRA", "SECRET")  # the editor fixture is Norwegian: FRA-only is hidden
    made = client.post(
        "/engagements",
        json={"kind": "visit", "title": fresh_tag(), "marking": {"classification": "SECRET"}},
        headers=author.headers,
    )
    assert made.status_code == 201
    hidden = made.json()
    before = _counts(real_store)
    h = editor.headers
    verbs = {
        "get": lambda i: client.get(f"/engagements/{i}", headers=h),
        "patch": lambda i: client.patch(f"/engagements/{i}", json={"title": "taken", "version": 1}, headers=h),
        "transition": lambda i: client.post(f"/engagements/{i}/transition", json={"to": "approved"}, headers=h),
    }
    for verb, ask in verbs.items():
        answer = _as_if_unknown(hidden["id"], ask)
        assert answer.status_code == 404, verb
        assert answer.json()["message"] == f"there is no engagements record with id {hidden['id']} that you may see"
    child = lambda i: client.post(  # noqa: E731
        "/engagement-participants", json={"engagement_id": i, "name_as_given": "x"}, headers=h
    )
    under = _as_if_unknown(hidden["id"], child)
    assert under.status_code == 422
    assert "engagement_id" in _fields(under)
    assert _counts(real_store) == before, "a refused request stored something"
    seen = client.get(f"/engagements/{hidden['id']}", headers=author.headers).json()
    assert (seen["title"], seen["status"], seen["version"]) == (hidden["title"], "proposed", hidden["version"])
    assert seen["engagement_participants"] == []
