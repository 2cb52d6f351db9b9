"""The browser test harness: one real server and one real Chromium per session, over real data.

* ``web_store``: a store per backend (SQLite always, PostgreSQL when ``DETENTE_TEST_POSTGRES_URL`` is set)
  holding real data loaded once from the mirror (``../shared/datasets``).
* ``live``: the real app (:func:`detente.api.app.create_app`, API and UI) served by uvicorn on 127.0.0.1 on a
  free port, in a thread, for the whole session.
* ``chromium``: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright, headless. Browser tests skip
  with a reason when it is absent, unless ``DETENTE_REQUIRE_BROWSER=1`` (CI), which makes them fail instead.
* ``browse(person)``: a browser context signed in as ``person`` through the sign-in form. Every request any
  context makes is recorded; when the context closes the test fails if one went anywhere but 127.0.0.1.
* :func:`check_page`: axe-core (npm, through the lock file) finds no serious or critical violation, the page
  does not scroll sideways at 390 px, and screenshots at 1280 px and 390 px go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from detente.analysis.relations import relations
from detente.api.app import create_app
from detente.domain.markings import Role
from detente.services import accounts
from detente.services.access import Principal
from detente.store.database import Store
from detente.web.geo import GEOMETRY_FILE
from tests.conftest import BACKENDS, loaded_store

ROOT = Path(__file__).resolve().parents[2]
MIRROR = (ROOT / ".." / "shared" / "datasets").resolve()
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SOURCES = (
    "countrycode",
    "isard",
    "peacesciencer",
    "exercises",
    "atop",
    "dcad",
    "ipi_peacekeeping",
    "ipi_peacekeeping_gender",  # the pko network and force generation's history need it (about 3 s to load)
    "geo_pko",  # a mission's deployment sites on the peacekeeping page (about 11 s)
    "sipri_tiv",
    "unvotes",
    "ucdp",
)
PASSWORD = "a long enough password"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}


def _missing(reason: str) -> None:
    """Skip, or fail when the run requires the browser (CI sets DETENTE_REQUIRE_BROWSER=1)."""
    if os.environ.get("DETENTE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DETENTE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", params=BACKENDS)
def web_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store per backend with the real data the pages show, loaded once (the crosswalk copied from the
    session's template, see :func:`tests.conftest.loaded_store`)."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("web"), SOURCES) as store:
        relations(store)  # built once here, so no page waits for it
        yield store


@dataclass(frozen=True)
class Person:
    """A user of the tests (made in the store, signs in through the UI)."""

    username: str
    user_id: int
    role: Role
    clearance: str
    nationality: str | None


_serial = itertools.count()


@pytest.fixture(scope="session")
def make_person(web_store: Store) -> Callable[..., Person]:
    """``make_person(role, clearance, nationality, affiliations)``: a new user in the web store."""

    def make(
        role: Role = Role.EDITOR,
        clearance: str = "SECRET",
        nationality: str | None = "FRA",
        affiliations: tuple[str, ...] = (),
    ) -> Person:
        name = f"web-{role.value}-{next(_serial)}-{uuid.uuid4().hex[:6]}"
        made = accounts.create_user(
            web_store,
            actor="tests",
            username=name,
            password=PASSWORD,
            role=role,
            nationality=nationality,
            clearance=clearance,
            affiliations=affiliations,
        )
        return Person(name, int(made["id"]), role, clearance, nationality)

    return make


def principal_of(store: Store, person: Person) -> Principal:
    """The person's principal, through a real sign-in (for writing records through the services)."""
    issued = accounts.login(store, person.username, PASSWORD, client="tests")
    return accounts.authenticate(store, issued.secret)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    """The running server."""

    base: str
    store: Store


@pytest.fixture(scope="session")
def live(web_store: Store) -> Iterator[Live]:
    """The real app on uvicorn, 127.0.0.1, a free port, for the whole session."""
    import uvicorn

    if not GEOMETRY_FILE.is_file():
        pytest.fail(f"map geometry missing at {GEOMETRY_FILE}: run `make .venv/.installed` (npm ci)")
    port = _free_port()
    config = uvicorn.Config(create_app(web_store), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start within 30 s")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", web_store)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one for the session."""
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class RequestLog:
    """Every URL the browser asked for during the session."""

    urls: list[str] = field(default_factory=list)

    def off_host(self) -> list[str]:
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "about", "blob") and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


@pytest.fixture(scope="session")
def request_log() -> RequestLog:
    return RequestLog()


Browse = Callable[..., Any]


@pytest.fixture
def browse(chromium: Any, live: Live, request_log: RequestLog) -> Iterator[Browse]:
    """``browse(person, width=1280)``: a page signed in as ``person`` (or signed out for ``None``)."""
    contexts: list[Any] = []

    def open_page(person: Person | None, width: int = 1280, locale: str = "en-GB") -> Any:
        context = chromium.new_context(viewport={"width": width, "height": 900}, locale=locale, base_url=live.base)
        contexts.append(context)
        context.on("request", lambda req: request_log.urls.append(req.url))
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.set_default_navigation_timeout(60_000)
        if person is not None:
            page.goto("/ui/login")
            page.fill("#username", person.username)
            page.fill("#password", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_url("**/ui/")
        return page

    yield open_page
    for context in contexts:
        context.close()
    off = request_log.off_host()
    assert not off, f"the browser made requests off 127.0.0.1: {off[:10]}"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.is_file():
        _missing(f"axe-core missing at {AXE}: run `make .venv/.installed` (npm ci)")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def check_page(page: Any, name: str, backend: str) -> None:
    """Accessibility scan, no sideways scroll at 390 px, and screenshots at 1280 px and 390 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = axe_violations(page)
    assert not problems, "axe: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in problems
    )
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{backend}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{backend}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflow <= 392, f"{name} scrolls sideways at 390 px (content is {overflow} px wide)"


@pytest.fixture
def backend_name(web_store: Store) -> str:
    return web_store.engine.dialect.name
