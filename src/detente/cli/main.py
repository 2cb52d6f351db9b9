"""The ``detente`` command line: parse the arguments, call a service, render the answer.

Every read command takes ``--json`` for machine-readable output. Commands find the database through
``--database URL``, else ``DETENTE_DATABASE_URL``, else the embedded SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.common import DatabaseOption, JsonOption, LazyConsole, errors, open_store, print_json
from detente.cli.lazy import lazy_group

LAZY_COMMANDS = {
    "sources": "detente.cli.sources:app",
    "panel": "detente.cli.panel:app",
    "compliance": "detente.cli.compliance:app",
    "users": "detente.cli.users:app",
    "serve": "detente.cli.serve:serve",
    "dossier": "detente.cli.analysis:dossier",
    "network": "detente.cli.analysis:network",
    "coalition": "detente.cli.analysis:coalition_app",
    "forcegen": "detente.cli.analysis:forcegen",
    "reliability": "detente.cli.analysis:reliability",
}
"""Sub-apps imported only when they run (see :mod:`detente.cli.lazy`): each one's imports (the loader, the
panels, the compliance engine) stay out of every other command's start-up."""

app = typer.Typer(
    name="detente",
    help="detente: an open defence-diplomacy information system.",
    no_args_is_help=True,
    add_completion=False,
    cls=lazy_group(LAZY_COMMANDS),
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

console = LazyConsole()


@app.command()
def init(database: DatabaseOption = None) -> None:
    """Create the database, or upgrade it to the current schema."""
    from detente.services.status import store_status

    store = open_store(database, create=True)
    status = store_status(store)
    console.print(f"detente database ready at [bold]{status.database_url}[/bold] (schema {status.schema_version})")
    store.close()


@app.command()
def status(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Show the database, its schema version, rows per table and the sources loaded."""
    from rich.table import Table

    from detente.services.status import store_status

    store = open_store(database)
    report = store_status(store)
    store.close()
    if as_json:
        print_json(report.as_dict())
        return
    console.print(f"database  [bold]{report.database_url}[/bold] ({report.backend})")
    console.print(f"schema    {report.schema_version} ({'current' if report.schema_current else 'out of date'})")
    table = Table("table", "rows", title="Rows per table")
    for name, count in report.table_counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    if report.sources:
        loaded = Table("source", "version", "loaded at", title="Sources loaded")
        for source in report.sources:
            loaded.add_row(source["name"], source["version"], source["loaded_at"] or "")
        console.print(loaded)
    else:
        console.print("sources   none loaded yet")


@audit_app.command("verify")
def audit_verify(
    database: DatabaseOption = None,
    as_json: JsonOption = False,
    jobs: Annotated[
        int, typer.Option(min=1, help="Worker processes for a long log (default: one per CPU).")
    ] = os.cpu_count() or 1,
) -> None:
    """Walk the chain and recompute every hash; exit 1 and name the first bad entry if it is broken."""
    from detente.services import audit_trail

    store = open_store(database)
    report = audit_trail.verify(store, jobs=jobs)
    store.close()
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        rate = report.entries_verified / report.seconds if report.seconds else 0.0
        console.print(
            f"[green]audit chain intact[/green]: {report.entries_verified:,} entries verified "
            f"in {report.seconds:.3f} s ({rate:,.0f}/s)"
        )
    else:
        errors.print(
            f"[red]audit chain broken at entry {report.first_bad_seq}[/red]: {report.reason} "
            f"({report.entries_verified:,} entries before it verified)"
        )
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(
    database: DatabaseOption = None,
    object_ref: Annotated[
        str | None, typer.Option("--object", help="Only entries about this object, as TYPE:ID (e.g. state:12).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many entries to show.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List audit entries, newest first."""
    from rich.table import Table

    from detente.services import audit_trail

    store = open_store(database)
    try:
        rows = audit_trail.entries(store, object_ref=object_ref, limit=limit)
    except ValueError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    if as_json:
        print_json(rows)
        return
    table = Table("seq", "at (UTC)", "actor", "action", "object", "hash", title="Audit log")
    for row in rows:
        table.add_row(
            str(row["seq"]),
            row["at"],
            row["actor"],
            row["action"],
            f"{row['object_type']}:{row['object_id']}",
            row["hash"][:12],
        )
    console.print(table)


@app.command("export")
def export_command(
    table: Annotated[str, typer.Argument(help="A named export (see --list) or SOURCE.TABLE.")] = "",
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet or json.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None,
    show: Annotated[bool, typer.Option("--list", help="List the named exports and their columns.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Export a table of the store, every row with its source, as CSV, Parquet or JSON."""
    from detente.services.exports import EXPORTS, export_frame, write_frame

    if show or not table:
        for export in EXPORTS.values():
            console.print(f"[bold]{export.name}[/bold]: {export.description}")
            for column, meaning in export.columns.items():
                console.print(f"    {column}: {meaning}")
        console.print("[bold]SOURCE.TABLE[/bold]: any stored source table as parsed, e.g. sipri_tiv.tiv")
        return
    if fmt not in ("csv", "parquet", "json") or out is None:
        errors.print("[red]error:[/red] give --format csv|parquet|json and --out FILE")
        raise typer.Exit(2)
    store = open_store(database)
    try:
        frame = export_frame(store, table)
    except LookupError as error:
        errors.print(f"[red]error:[/red] {error.args[0]}")
        raise typer.Exit(1) from None
    finally:
        store.close()
    write_frame(frame, fmt, out)  # type: ignore[arg-type]
    console.print(f"wrote {frame.height:,} rows x {frame.width} columns to {out}")
