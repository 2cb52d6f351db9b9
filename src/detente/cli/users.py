"""``detente users``: create the first administrator from the command line."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.console import Console

from detente.cli.common import DatabaseOption, errors, open_store
from detente.domain.markings import Role
from detente.services import accounts
from detente.services.entities import RecordError

__all__ = ["app"]

app = typer.Typer(help="User accounts.", no_args_is_help=True)
console = Console()


@app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Argument(help="The new administrator's user name.")],
    nationality: Annotated[
        str | None, typer.Option(help="ISO3 code of their state (needed to mark records), e.g. FRA.")
    ] = None,
    clearance: Annotated[str, typer.Option(help="UNCLASSIFIED .. TOP SECRET.")] = "UNCLASSIFIED",
    generate_password: Annotated[
        bool, typer.Option("--generate-password", help="Make a random password and print it once.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Create an administrator account (asks for the password twice unless --generate-password)."""
    if generate_password:
        password = secrets.token_urlsafe(18)
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    store = open_store(database)
    try:
        user = accounts.create_user(
            store,
            actor="cli",
            username=username,
            password=password,
            role=Role.ADMIN,
            nationality=nationality,
            clearance=clearance,
        )
    except RecordError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    console.print(f"administrator [bold]{user['username']}[/bold] created (id {user['id']})")
    if generate_password:
        console.print(f"password (shown once, keep it): [bold]{password}[/bold]")
    console.print("sign in with POST /auth/login on the API (`detente serve`), or open /docs")
