"""Schemathesis against the live OpenAPI schema: for generated requests to every operation, no 5xx, every
answer matches its documented status code, content type and schema, and every 4xx explains itself with a
message and, for invalid input, the fields at fault. Examples are bounded so the run stays short.

Operations that would sign the test user out (logout, token revocation, user changes) are left out; they
have their own tests.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from detente.analysis.relations import relations
from detente.domain.markings import Role
from detente.store.database import Store
from tests.api.conftest import MakePerson, Person

MAX_EXAMPLES = 3


@schemathesis.check
def explains_every_refusal(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx answer has an error kind and a message; a 422 names at least one field."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert body.get("error") and body.get("message"), f"a {response.status_code} without a message: {body}"
    if response.status_code == 422:
        assert body["fields"], f"a 422 that names no field: {body}"
        assert all(item["message"] for item in body["fields"])
    return True


@pytest.fixture(scope="session")
def admin(make_person: MakePerson) -> Person:
    return make_person(Role.ADMIN, "CAN", "SECRET", ("ORG:NATO",))


@pytest.fixture(scope="session")
def api_schema(app: FastAPI, real_store: Store) -> Any:
    # The analyses build their caches on first use (the relations table of every pair of states in every year,
    # the coalition cases): tens of seconds, past schemathesis's 10 s read timeout, once per store. Build them
    # first, as the first user of a new store would. The backtest fits a new model for each split it is given
    # (tens of seconds each): it is left to tests/analysis/test_api.py.
    relations(real_store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return (
        schema.exclude(path="/auth/logout")
        .exclude(path_regex=r"^/auth/tokens/")
        .exclude(path_regex=r"^/users/", method="PATCH")
        .exclude(path="/coalitions/backtest")
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    explains_every_refusal,
]


def test_api_conforms_to_its_schema(api_schema: Any, admin: Person) -> None:
    """Every operation, a bounded number of generated requests each; all failures are collected and shown."""
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: Any) -> None:
            case.call_and_validate(headers=admin.headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every operation's failure, not just the first
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations > 100
    assert failures == [], "\n\n".join(failures)
