"""Signing in to the UI: a session cookie over the accounts service, and CSRF tokens for every form.

The cookie holds the secret of an ordinary accounts session (the same users, expiry and revocation as the
API's bearer tokens); it is HttpOnly, SameSite=Lax, and Secure when the request came over TLS. The CSRF
token of a signed-in form is an HMAC of that secret, so it needs no storage and dies with the session. The
sign-in form itself, before any session exists, uses a random token set in a short-lived cookie of its own
(double submit). :func:`enforce_csrf` runs before every handler of the web router and refuses a POST without
the right token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from starlette.datastructures import FormData

from detente.services.errors import ForbiddenError

__all__ = [
    "CSRF_FIELD",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "clear_session",
    "csrf_for",
    "enforce_csrf",
    "is_tls",
    "login_csrf",
    "session_secret",
    "set_session",
]

SESSION_COOKIE = "detente_session"
LOGIN_CSRF_COOKIE = "detente_login_csrf"
CSRF_FIELD = "csrf_token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfError(ForbiddenError):
    """A form came without the token of the page that showed it."""


def is_tls(request: Request) -> bool:
    """Did this request come over TLS (so cookies must be Secure)?"""
    return request.url.scheme == "https"


def session_secret(request: Request) -> str | None:
    """The session secret the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_for(secret: str) -> str:
    """The CSRF token of every form shown to the session holding ``secret``."""
    return hmac.new(secret.encode(), b"detente-csrf-v1", hashlib.sha256).hexdigest()


def set_session(response: Response, request: Request, secret: str, max_age: int) -> None:
    """Give the browser its session cookie."""
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_tls(request)
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui/login")


def clear_session(response: Response, request: Request) -> None:
    """Make the browser forget its session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_tls(request))


def login_csrf(request: Request, response: Response) -> str:
    """The sign-in form's token: the one the browser holds, or a new one set as a cookie on ``response``."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            max_age=3600,
            path="/ui/login",
            httponly=True,
            samesite="lax",
            secure=is_tls(request),
        )
    return token


def _expected(request: Request) -> str | None:
    if request.url.path.rstrip("/") == "/ui/login":
        return request.cookies.get(LOGIN_CSRF_COOKIE)
    secret = session_secret(request)
    return csrf_for(secret) if secret else None


async def enforce_csrf(request: Request) -> None:
    """Refuse (403) any POST under ``/ui`` whose ``csrf_token`` field is missing or wrong."""
    if request.method not in _UNSAFE:
        return
    form: FormData = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = _expected(request)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfError("this form has expired or did not come from detente; reload the page and try again")
