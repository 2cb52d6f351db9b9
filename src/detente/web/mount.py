"""Adding the UI to the API's FastAPI app: routes, static files, sign-in redirects, error pages, headers."""

from __future__ import annotations

from collections.abc import Awaitable
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detente.services.entities import RecordError
from detente.services.errors import ForbiddenError, NotFoundError, ServiceError
from detente.web.context import SignInRequiredError, render
from detente.web.redaction import install_log_redaction
from detente.web.registry import page_routers
from detente.web.session import enforce_csrf

__all__ = ["SECURITY_HEADERS", "STATIC_DIR", "UiHeaders", "install_web", "web_router"]

STATIC_DIR = Path(str(files("detente.web") / "static"))

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
"""Sent with every UI answer: only this server's own scripts, styles and images may load."""


def web_router() -> APIRouter:
    """One router holding every registered page, with the CSRF check in front of each handler."""
    router = APIRouter(dependencies=[Depends(enforce_csrf)], include_in_schema=False)
    for page in page_routers():
        router.include_router(page)
    return router


def _error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(None, "error.html", {"title": title, "message": message}, status=status)


def install_web(app: FastAPI) -> None:
    """Serve the UI from ``app``: pages under ``/ui``, assets under ``/ui/static``, ``/`` sends to ``/ui/``.

    It also makes the access log blank the token of calendar feed addresses (:mod:`detente.web.redaction`).
    """
    install_log_redaction()
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.include_router(web_router())

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    @app.exception_handler(SignInRequiredError)
    async def sign_in(request: Request, error: SignInRequiredError) -> Response:
        return RedirectResponse(error.location, status_code=303)

    previous_handlers = {kind: app.exception_handlers.get(kind) for kind in (ServiceError, RecordError)}

    async def service_error(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/ui") and isinstance(error, RecordError):
            return _error_page(request, 422, "Cannot do that", str(error))
        if request.url.path.startswith("/ui") and isinstance(error, ServiceError):
            if isinstance(error, NotFoundError):
                return _error_page(request, 404, "Not found", str(error))
            if isinstance(error, ForbiddenError):
                return _error_page(request, 403, "Not allowed", str(error))
            return _error_page(request, 400, "Cannot do that", str(error))
        previous = next((h for k, h in previous_handlers.items() if isinstance(error, k) and h is not None), None)
        if previous is None:
            raise error
        result = previous(request, error)
        return await result if isinstance(result, Awaitable) else result

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(RecordError, service_error)

    app.add_middleware(UiHeaders)


class UiHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and ``Cache-Control: no-store`` on pages) to answers
    under ``/ui``; every other request passes straight through.

    A plain ASGI class rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` streams
    every answer of the whole app (the API's too) through an extra task and memory channel, which cost about
    a sixth of the server's CPU per API request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/ui"):
            await self.app(scope, receive, send)
            return
        no_store = not path.startswith("/ui/static")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
