"""Fixtures for the form tests: the real app (API and UI) over one real store per backend, and signed-in
clients that post forms the way a browser does (session cookie, CSRF token from the page).

The store holds the country crosswalk (states), UCDP (conflicts, negotiations, peace agreements) and IPI
peacekeeping (missions), loaded from the mirror once per backend. Tests share it, so each writes records
tagged with a fresh word and asserts only on those, or on real data no test changes.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from detente.api.app import create_app
from detente.domain.markings import Role
from detente.services import accounts
from detente.store.database import Store
from detente.web.session import SESSION_COOKIE
from detente.web.viewmodels.common import Context
from tests.conftest import BACKENDS, loaded_store

MIRROR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets").resolve()
SOURCES = ("countrycode", "isard", "peacesciencer", "ucdp", "ipi_peacekeeping")
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FIELD_ERROR = re.compile(r'<span class="field-error" id="err-([^"]+)">([^<]*)</span>')


@pytest.fixture(scope="session", params=BACKENDS)
def forms_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store per backend with real states, conflicts, negotiations and missions (the crosswalk copied from
    the session's template, see :func:`tests.conftest.loaded_store`)."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("web-forms"), SOURCES) as store:
        yield store


@pytest.fixture(scope="session")
def app(forms_store: Store) -> FastAPI:
    return create_app(forms_store)


@dataclass
class Browser:
    """A signed-in user posting forms through the real app: ``ctx`` is the same user's view for reading back."""

    client: TestClient
    ctx: Context
    token: str

    def get(self, path: str) -> Response:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any], *, csrf: bool = True) -> Response:
        """Post ``data`` as a form (with the page's CSRF token unless ``csrf`` is false); no redirect followed."""
        fields = {**data, "csrf_token": self.token} if csrf else dict(data)
        return self.client.post(path, data=fields, follow_redirects=False)


_serial = itertools.count()
MakeBrowser = Callable[..., Browser]


@pytest.fixture(scope="session")
def person(app: FastAPI, forms_store: Store) -> Iterator[MakeBrowser]:
    """``person(role, nationality, clearance)``: a new user, signed in, with the CSRF token of a page."""
    clients: list[TestClient] = []

    def make(role: Role = Role.EDITOR, nationality: str | None = "FRA", clearance: str = "SECRET") -> Browser:
        name = f"form-{role.value}-{next(_serial)}-{uuid.uuid4().hex[:6]}"
        accounts.create_user(
            forms_store,
            actor="tests",
            username=name,
            password=PASSWORD,
            role=role,
            nationality=nationality,
            clearance=clearance,
        )
        issued = accounts.login(forms_store, name, PASSWORD, client="tests")
        client = TestClient(app, base_url="http://127.0.0.1")
        clients.append(client)
        client.cookies.set(SESSION_COOKIE, issued.secret)
        page = client.get("/ui/")
        assert page.status_code == 200, page.text[:500]
        found = CSRF.search(page.text)
        assert found is not None
        ctx = Context(forms_store, accounts.authenticate(forms_store, issued.secret))
        return Browser(client, ctx, found.group(1))

    yield make
    for client in clients:
        client.close()


def fresh_tag() -> str:
    """A word no other record contains, to find this test's records."""
    return "zq" + uuid.uuid4().hex[:10]


def field_errors(html: str) -> dict[str, str]:
    """The messages shown beside fields on a refused form, by field name (HTML entities left as sent)."""
    return dict(FIELD_ERROR.findall(html))


def refused(answer: Response, status: int, field: str | None = None, words: str = "") -> str:
    """Check a refused form: its status, the field marked invalid with its message, and return the page."""
    assert answer.status_code == status, answer.text[:800]
    html = answer.text
    if field is not None:
        errors = field_errors(html)
        assert field in errors, f"no message beside {field}: {errors} / {re.findall(r'role=.alert.>([^<]+)', html)}"
        assert f'aria-describedby="err-{field}"' in html
        assert words in errors[field].replace("&#39;", "'"), errors[field]
    elif words:
        assert words in html.replace("&#39;", "'"), html[:800]
    return html


def created_id(answer: Response, prefix: str) -> int:
    """The id in the 303 answer's address (``/ui/cases/12`` -> 12)."""
    assert answer.status_code == 303, answer.text[:800]
    location = answer.headers["location"]
    found = re.match(re.escape(prefix) + r"(\d+)", location)
    assert found is not None, location
    return int(found.group(1))
