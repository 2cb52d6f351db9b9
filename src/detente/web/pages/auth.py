"""Signing in and out of the UI (``/ui/login``, ``/ui/logout``)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api.deps import client_address
from detente.services import accounts
from detente.services.errors import AuthenticationError, RateLimitedError
from detente.web.context import render
from detente.web.formatting import formatter_for
from detente.web.session import clear_session, login_csrf, session_secret, set_session

__all__ = ["LoginView", "router", "safe_next"]

router = APIRouter()


@dataclass(frozen=True)
class LoginView:
    """The sign-in form: where to go after, the form's token, and what went wrong last time."""

    next_path: str
    csrf_token: str
    error: str | None
    username: str
    lang: str


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of the UI, never another site."""
    if value and value.startswith("/ui") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/"


def _form(request: Request, next_path: str, error: str | None, username: str, status: int) -> Response:
    response = HTMLResponse("")
    token = login_csrf(request, response)
    view = LoginView(
        safe_next(next_path), token, error, username, formatter_for(request.headers.get("accept-language")).tag
    )
    page = render(None, "login.html", view, status=status)
    for name, value in response.headers.items():
        if name == "set-cookie":
            page.headers.append(name, value)
    return page


@router.get("/ui/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/ui/") -> Response:
    """The sign-in form."""
    return _form(request, next, None, "", 200)


@router.post("/ui/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    """Check the user name and password; on success set the session cookie and go on to ``next``."""
    store = request.app.state.store
    try:
        issued = accounts.login(store, username.strip(), password, client=client_address(request))
    except RateLimitedError as error:
        return _form(request, next, str(error), username, 429)
    except AuthenticationError as error:
        return _form(request, next, str(error), username, 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session(response, request, issued.secret, max_age=accounts.SESSION_HOURS * 3600)
    return response


@router.post("/ui/logout")
def logout(request: Request) -> Response:
    """End the session (revoked in the store, not only forgotten by the browser)."""
    secret = session_secret(request)
    if secret:
        with contextlib.suppress(AuthenticationError):  # already revoked or expired: signed out all the same
            accounts.revoke_secret(request.app.state.store, secret)
    response = RedirectResponse("/ui/login", status_code=303)
    clear_session(response, request)
    return response
