"""The route index picks the route FastAPI would pick, and leaves everything else to FastAPI."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Match

from detente.api.app import create_app
from detente.api.route_index import RouteIndex, _Barrier, _flatten, first_segment
from detente.store.database import Store


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('index') / 'empty.sqlite'}", create=True)
    yield create_app(store)
    store.close()


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


def test_every_api_route_is_found_as_a_linear_walk_finds_it(app: FastAPI) -> None:
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    flat = list(_flatten(list(app.router.routes)))
    api_routes = [entry for entry in flat if isinstance(entry, APIRoute)]
    assert len(api_routes) > 250
    for route in api_routes:
        path = re.sub(r"\{[^}]+\}", "7", route.path)
        for method in sorted(route.methods):
            scope = _scope(method, path)
            linear = None
            for entry in flat:
                target = entry.route if isinstance(entry, _Barrier) else entry
                if target.matches(scope)[0] is Match.FULL:
                    linear = entry
                    break
            chosen = None
            for entry in index.groups.get(first_segment(path) or "", index.anywhere):
                if isinstance(entry, _Barrier):
                    break
                if entry.matches(scope)[0] is Match.FULL:
                    chosen = entry
                    break
            assert chosen is not None and chosen is linear, (method, path)


def test_what_the_index_does_not_answer_fastapi_still_does(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/health").json()["ok"] is True
        assert client.put("/health").status_code == 405
        assert client.get("/no-such-thing").status_code == 404
        slash = client.get("/health/", follow_redirects=False)
        assert slash.status_code == 307 and slash.headers["location"].endswith("/health")
        assert client.get("/engagements").status_code == 401  # found, and its dependencies still run
        assert client.get("/openapi.json").json()["info"]["title"] == "detente"


def test_first_segment() -> None:
    assert first_segment("/engagements/{record_id}") == "engagements"
    assert first_segment("/") == ""
    assert first_segment("/{anything}/x") is None
