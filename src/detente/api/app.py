"""The REST API: a thin FastAPI face over the services (``detente serve`` runs it on uvicorn).

OpenAPI 3.1 is served at ``/openapi.json`` and interactive documentation at ``/docs`` (Swagger UI) and
``/redoc``, with their scripts and styles shipped inside an installed package (fastapi-offline): no CDN, no
network. The web UI is mounted in the same app under ``/ui`` (:mod:`detente.web`).
Every data route needs a bearer token (``POST /auth/login``); request bodies are capped at
:data:`~detente.api.limits.MAX_BODY_BYTES`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from detente import __version__
from detente.api.accounts import router as accounts_router
from detente.api.analysis import router as analysis_router
from detente.api.errors import install_error_handlers
from detente.api.limits import BodyLimit
from detente.api.practice import router as practice_router
from detente.api.resources import resource_router
from detente.api.route_index import install_route_index
from detente.api.schemas import all_schemas
from detente.api.server_tuning import freeze_start_up_objects, limit_worker_threads
from detente.services.read_audit import close_store
from detente.store.database import Store
from detente.web.mount import install_web

__all__ = ["app_from_environment", "create_app"]

DESCRIPTION = """\
detente's system of record for practitioners: engagements, security-assistance cases, attaché postings and
reports, negotiations, peacekeeping requirements and pledges, beside the public data (states, organizations,
agreements, missions).

Sign in with `POST /auth/login` and send the token as `Authorization: Bearer <token>`. Every record carries a
marking (classification and releasability); you see only what your clearance and affiliations allow, and a
record you may not see is a 404. Releasing a record beyond your own state needs a second editor's approval.
Updates carry the `version` you read; a 409 means someone changed the record since.

The analyses (`/dossiers`, `/networks`, `/coalitions`, `/forcegen`, `/reliability`) answer from the public data
and cite it; a dossier's records and compliance findings, and force generation's pledges, are the ones your
markings let you see.
"""


def create_app(store: Store) -> FastAPI:
    """The API over ``store``. On start-up the app sets its worker-thread pool (``DETENTE_API_THREADS``,
    :mod:`detente.api.server_tuning`); on shutdown it appends the read-audit entries still queued
    (:func:`detente.services.read_audit.close_store`)."""
    all_schemas()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        limit_worker_threads()
        yield
        close_store(store)

    app: FastAPI = FastAPIOffline(
        title="detente",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        # detente configures no OpenTelemetry; with FastAPI's native telemetry on, every request asked the
        # global tracer, meter and logger providers whether they were configured (~4 % of a read's CPU).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.store = store
    install_error_handlers(app)
    app.add_middleware(BodyLimit)

    @app.get("/health", tags=["meta"], operation_id="health")
    def health() -> dict[str, Any]:
        """Is the API up (no sign-in needed)."""
        return {"ok": True, "version": __version__}

    app.include_router(accounts_router)
    app.include_router(practice_router)
    app.include_router(resource_router())
    app.include_router(analysis_router)
    install_web(app)
    install_route_index(app)
    return app


def app_from_environment() -> FastAPI:
    """The API over the store ``DETENTE_DATABASE_URL`` names: the factory each ``detente serve --workers N``
    worker process calls (a store, with its connection pool, cannot be shared between processes). The
    objects of the built app are frozen out of the garbage collector's walks (:mod:`detente.api.server_tuning`)."""
    app = create_app(Store.open(None))
    freeze_start_up_objects()
    return app
