"""The direct handlers (:mod:`detente.api.direct_routes`) answer exactly as FastAPI's own handlers do.

Every request below is sent twice on real data: to the app as served (plain GET routes answered by their direct
handler) and to an app over the same store whose route index has no direct handlers (every route through
FastAPI's dependency solving). Status, content type and body must be the same bytes, for valid requests
(filters, sorts, pages, search, exports, marked records) and for refused ones (bad and missing parameters,
values out of range, repeated keys, no token, a bad token, a record the reader may not see, a role that may not
export).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from detente.api.app import create_app
from detente.api.direct_routes import DirectRoute
from detente.api.route_index import RouteIndex
from detente.domain.markings import Role
from detente.services.writing import MarkingRequest, Writer
from detente.store.database import Store
from detente.store.models import Agreement, EngagementParticipant
from tests.api.conftest import MakePerson, fresh_tag


@pytest.fixture(scope="module")
def fastapi_only(real_store: Store) -> Iterator[TestClient]:
    """A client of an app over the same store answering every route through FastAPI's own handler."""
    app = create_app(real_store)
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex) and index.handlers
    index.handlers = {}
    with TestClient(app) as test_client:
        yield test_client


def _index(app: FastAPI) -> RouteIndex:
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    return index


def test_the_hot_read_routes_have_direct_handlers(app: FastAPI) -> None:
    handled = {(handler.route.path) for handler in _index(app).handlers.values() if isinstance(handler, DirectRoute)}
    assert {"/engagements", "/agreements/{record_id}", "/reports", "/reports/export"} <= handled
    # routes with a body, a response model or other dependencies stay with FastAPI
    assert "/engagements/count" not in handled and "/auth/login" not in handled


def _same(client: TestClient, reference: TestClient, path: str, params: Any, headers: dict[str, str]) -> int:
    ours = client.get(path, params=params, headers=headers)
    theirs = reference.get(path, params=params, headers=headers)
    assert (ours.status_code, ours.headers.get("content-type")) == (
        theirs.status_code,
        theirs.headers.get("content-type"),
    ), (path, params, ours.text, theirs.text)
    assert ours.content == theirs.content, (path, params)
    return ours.status_code


def test_direct_and_fastapi_handlers_answer_the_same(
    client: TestClient, fastapi_only: TestClient, real_store: Store, make_person: MakePerson
) -> None:
    analyst = make_person(Role.ANALYST, "USA", "SECRET")
    viewer = make_person(Role.VIEWER, "FRA", "CONFIDENTIAL")
    tag = fresh_tag()
    writer = Writer(real_store)
    secret_usa = writer.create(
        analyst.principal,
        "reports",
        {
            "reported_on": "2024-03-02",
            "title": f"{tag} marked",
            "body": f"{tag} convoy seen near the border",
            "reliability": "B",
            "credibility": 2,
        },
        marking=MarkingRequest("SECRET", ()),
    )
    writer.create(
        analyst.principal,
        "reports",
        {
            "reported_on": "2024-03-03",
            "title": f"{tag} open",
            "body": f"{tag} convoy",
            "reliability": "C",
            "credibility": 3,
        },
    )
    with real_store.engine.connect() as connection:
        state, other = connection.execute(
            select(EngagementParticipant.state_id)
            .where(EngagementParticipant.state_id.is_not(None))
            .group_by(EngagementParticipant.state_id)
            .order_by(EngagementParticipant.state_id)
            .limit(2)
        ).scalars()
        alliance = connection.execute(select(Agreement.id).where(Agreement.kind == "alliance").limit(1)).scalar_one()
    h = analyst.headers
    cases: list[tuple[str, Any, dict[str, str]]] = [
        ("/engagements", {"state_id": state, "kind": "exercise", "as_of": "2005"}, h),
        ("/engagements", {"state_id": state, "sort": "-valid_from", "limit": 5, "offset": 3}, h),
        ("/engagements", [("state_id", str(other)), ("state_id", str(state)), ("limit", "3")], h),  # the last wins
        ("/engagements", {"state_id": "abc", "limit": 0, "sort": "bogus", "as_of": "20x5"}, h),  # four errors
        ("/engagements", {"state_id": 99_999_999_999}, h),
        ("/engagements", {"limit": 100_000, "offset": -1}, h),
        ("/engagements", {"kind": "", "as_of": ""}, h),
        ("/engagements", {"unknown": "ignored", "limit": 2}, h),
        ("/engagements", {"state_id": state}, {}),  # no token
        ("/engagements", {"state_id": "abc"}, {}),  # no token and a bad parameter: 401 first
        ("/engagements", {"state_id": state}, {"Authorization": "Bearer not-a-token"}),
        ("/engagements", {"state_id": state}, {"Authorization": "Basic abc"}),
        (f"/agreements/{alliance}", None, h),
        ("/agreements/0", None, h),
        ("/agreements/abc", None, h),
        ("/agreements/99999999", None, h),
        ("/agreements/99999999999", None, h),
        ("/reports", {"q": f"{tag} convoy", "limit": 20}, h),
        ("/reports", {"q": f"{tag} convoy"}, viewer.headers),  # the viewer sees only the open one
        ("/reports", {"q": "x\x00y"}, h),
        (f"/reports/{secret_usa['id']}", None, h),
        (f"/reports/{secret_usa['id']}", None, viewer.headers),  # 404 for a reader who may not see it
        ("/reports/export", {"format": "json", "q": tag}, h),
        ("/reports/export", {"format": "xml"}, h),
        ("/reports/export", {"format": "csv", "q": tag}, viewer.headers),  # viewers may not export
    ]
    statuses = [_same(client, fastapi_only, path, params, headers) for path, params, headers in cases]
    engagements, agreements, reports = statuses[:12], statuses[12:17], statuses[17:]
    assert engagements == [200, 200, 200, 422, 422, 422, 422, 200, 401, 401, 401, 401]
    assert agreements == [200, 422, 422, 404, 422]
    assert reports == [200, 200, 422, 200, 404, 200, 422, 403]
