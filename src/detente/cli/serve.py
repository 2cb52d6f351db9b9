"""``detente serve``: run the REST API and the web UI on uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import func, select

from detente.cli.common import DatabaseOption, open_store
from detente.store.models import User

__all__ = ["serve"]

console = Console()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    database: DatabaseOption = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="uvicorn worker processes (each opens its own database pool).")
    ] = 1,
) -> None:
    """Serve the web UI (/ui/) and the REST API (OpenAPI at /openapi.json, documentation at /docs)."""
    import uvicorn

    from detente.api.app import create_app
    from detente.api.server_tuning import api_threads, freeze_start_up_objects
    from detente.api.transport import http_protocol

    protocol = http_protocol()
    api_threads()  # a bad DETENTE_API_THREADS is refused here, before anything starts
    store = open_store(database)
    with store.engine.connect() as connection:
        users = int(connection.scalar(select(func.count()).select_from(User)) or 0)
    console.print(f"detente UI: sign in at http://{host}:{port}/ui/login")
    console.print(f"detente API on http://{host}:{port}  (docs: http://{host}:{port}/docs)  database {store.url}")
    if users == 0:
        console.print(
            "no accounts yet: create the first one with "
            "[bold].venv/bin/detente users create-admin NAME --nationality ISO3[/bold], then sign in at /ui/login "
            "(or POST /auth/login for the API)"
        )
    if workers == 1:
        app = create_app(store)
        freeze_start_up_objects()
        uvicorn.run(app, host=host, port=port, http=protocol, log_level="warning", access_log=False)
        return
    # Several workers: each process builds its own app from the URL (DETENTE_DATABASE_URL).
    os.environ["DETENTE_DATABASE_URL"] = store.engine.url.render_as_string(hide_password=False)
    store.close()
    uvicorn.run(
        "detente.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=protocol,
        log_level="warning",
        access_log=False,
    )
