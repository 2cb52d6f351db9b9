"""The UI's foundation in a real browser: sign-in, cookies, CSRF, layout, accessibility, no outside request."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from detente.domain.markings import Role
from tests.web.conftest import PASSWORD, Browse, Live, Person, check_page


def test_sign_in_page_is_accessible_and_local(browse: Browse, backend_name: str) -> None:
    page = browse(None)
    page.goto("/ui/")
    assert "/ui/login" in page.url
    assert page.locator("h1").inner_text() == "Sign in"
    check_page(page, "login", backend_name)


def test_wrong_password_is_refused_with_a_message(browse: Browse, make_person: Callable[..., Person]) -> None:
    person = make_person(Role.VIEWER)
    page = browse(None)
    page.goto("/ui/login")
    page.fill("#username", person.username)
    page.fill("#password", "not the password at all")
    page.click("form.stack button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("wrong user name or password")
    assert "/ui/login" in page.url


def test_session_cookie_is_httponly_and_lax_and_sign_out_revokes_it(
    browse: Browse, make_person: Callable[..., Person], live: Live, backend_name: str
) -> None:
    page = browse(make_person(Role.ANALYST))
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["detente_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["secure"] is False  # plain HTTP here; over TLS the cookie is Secure (see test_secure_over_tls)
    assert page.evaluate("document.cookie").find("detente_session") == -1
    assert page.locator("nav#site-nav a[aria-current=page]").inner_text() == "Home"
    check_page(page, "home", backend_name)
    page.click("form.signout button")
    page.wait_for_url("**/ui/login")
    # the old secret no longer opens a page, even if replayed
    replay = httpx.get(f"{live.base}/ui/", cookies={"detente_session": session["value"]}, follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/ui/login")


def test_secure_cookie_over_tls(live: Live, make_person: Callable[..., Person]) -> None:
    """Behind TLS (the scheme uvicorn sees) the session cookie carries Secure."""
    from fastapi.testclient import TestClient

    from detente.api.app import create_app

    person = make_person(Role.VIEWER)
    with TestClient(create_app(live.store), base_url="https://127.0.0.1") as client:
        form = client.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/ui/login",
            data={"username": person.username, "password": PASSWORD, "next": "/ui/", "csrf_token": token.group(1)},
            follow_redirects=False,
        )
    assert answer.status_code == 303
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and "detente_session" in v)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_every_post_needs_the_csrf_token(live: Live, make_person: Callable[..., Person]) -> None:
    person = make_person(Role.VIEWER)
    with httpx.Client(base_url=live.base) as client:
        form = client.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        refused = client.post("/ui/login", data={"username": person.username, "password": PASSWORD})
        assert refused.status_code == 403
        assert "session_secret" not in refused.text
        signed = client.post(
            "/ui/login",
            data={"username": person.username, "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        assert "detente_session" in client.cookies
        # signed in, a form post with the sign-in token (or none) is still refused, and the session survives
        assert client.post("/ui/logout", data={"csrf_token": token.group(1)}).status_code == 403
        assert client.post("/ui/logout").status_code == 403
        home = client.get("/ui/")
        assert home.status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        assert csrf is not None
        out = client.post("/ui/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
        assert out.status_code == 303


def test_pages_send_a_strict_content_security_policy(live: Live) -> None:
    answer = httpx.get(f"{live.base}/ui/login")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    root = httpx.get(f"{live.base}/", follow_redirects=False)
    assert root.status_code in (302, 307)
    assert root.headers["location"] == "/ui/"


def test_dates_and_numbers_follow_the_browser_locale(browse: Browse, make_person: Callable[..., Person]) -> None:
    page: Any = browse(make_person(Role.VIEWER), locale="fr-FR")
    assert page.locator("html").get_attribute("lang") == "fr-FR"
    loaded = page.locator("section[aria-labelledby=fresh-h] tbody tr").first.locator("td").nth(1).inner_text()
    assert re.search(r"\b(janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.?\b", loaded), loaded


def test_small_screen_menu_opens_from_the_keyboard(browse: Browse, make_person: Callable[..., Person]) -> None:
    page = browse(make_person(Role.VIEWER), width=390)
    nav = page.locator("#site-nav")
    assert not nav.is_visible()
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.focus(".nav-toggle")
    page.keyboard.press("Enter")
    assert nav.is_visible()
