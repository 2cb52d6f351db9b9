"""What every page handler gets (:class:`PageContext`) and gives back (:func:`render`).

``ctx: Page`` in a handler's signature signs the user in from the session cookie (or sends them to the
sign-in page) and carries the store, the principal every service call must be given, the locale's
formatter, the CSRF token for forms and the navigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from detente.services import accounts
from detente.services.access import Principal
from detente.services.errors import AuthenticationError
from detente.store.database import Store
from detente.web.formatting import Formatter, formatter_for
from detente.web.registry import NavEntry, navigation
from detente.web.session import csrf_for, session_secret

__all__ = ["Page", "PageContext", "SignInRequiredError", "page_context", "render", "templates"]


class SignInRequiredError(Exception):
    """The request needs a signed-in user; the UI answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        return "/ui/login?next=" + quote(self.next_path, safe="/")


@dataclass(frozen=True)
class PageContext:
    """One signed-in request: who, over which store, in which locale, with which CSRF token."""

    request: Request
    store: Store
    principal: Principal
    fmt: Formatter
    csrf_token: str

    @property
    def nav(self) -> list[NavEntry]:
        """The navigation this user's role sees."""
        return navigation(self.principal.role)

    @property
    def path(self) -> str:
        return self.request.url.path


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def page_context(request: Request) -> PageContext:
    """The signed-in page context, or :class:`SignInRequiredError` when there is no valid session."""
    secret = session_secret(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not secret:
        raise SignInRequiredError(target)
    store = _store(request)
    try:
        principal = accounts.authenticate(store, secret)
    except AuthenticationError:
        raise SignInRequiredError(target) from None
    return PageContext(
        request=request,
        store=store,
        principal=principal,
        fmt=formatter_for(request.headers.get("accept-language")),
        csrf_token=csrf_for(secret),
    )


Page = Annotated[PageContext, Depends(page_context)]

templates = Environment(
    loader=PackageLoader("detente.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
"""The UI's templates: autoescaped, and a missing name is an error rather than an empty string."""


def render(
    ctx: PageContext | None, template: str, view: Any = None, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    """Fill ``template`` with ``view`` (the page's view model) and the context; an HTML response."""
    html = templates.get_template(template).render(ctx=ctx, view=view, **extra)
    return HTMLResponse(html, status_code=status)
