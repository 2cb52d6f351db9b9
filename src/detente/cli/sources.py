"""``detente sources ...``: list, pull, load, cite, versions and check the public datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from detente.cli.common import DatabaseOption, JsonOption, open_store, print_json
from detente.sources import SourceDataError, SourceFetchError, SourceSpecError, get_source, list_sources
from detente.sources.fetch import resolve_source
from detente.sources.load import LoadReport, load_source, ordered_source_names
from detente.sources.mapping import MappingError
from detente.sources.stored import check_source, loaded_versions

app = typer.Typer(help="Public datasets: list, pull, load, cite, versions, check.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

MirrorOption = Annotated[
    Path | None,
    typer.Option("--mirror", envvar="DETENTE_MIRROR", help="Directory laid out <dir>/<source>/<file>."),
]
SOURCE_ERRORS = (SourceDataError, SourceFetchError, SourceSpecError, MappingError, KeyError)


def _names(name: str | None, every: bool) -> list[str]:
    known = ordered_source_names()
    if every:
        return known
    if name is None:
        errors.print("[red]error:[/red] name a source or pass --all (see `detente sources list`)")
        raise typer.Exit(2)
    if name not in known:
        errors.print(f"[red]error:[/red] unknown source {name!r}; known sources: {', '.join(known)}")
        raise typer.Exit(2)
    return [name]


def _fail(error: BaseException) -> None:
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    errors.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """Every source detente knows: version, coverage, terms, and whether detente may download it."""
    rows: list[dict[str, Any]] = [
        {
            "name": s.name,
            "title": s.spec.title,
            "version": s.spec.version,
            "coverage": f"{s.spec.coverage.start_year}-{s.spec.coverage.end_year}",
            "redistribution": s.spec.redistribution.value,
            "licence": s.spec.licence.name,
            "files": len(s.spec.files),
        }
        for s in list_sources()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("source", "version", "coverage", "licence", "fetch", "title", title="Sources")
    for row in rows:
        fetch = "download" if row["redistribution"] == "allowed" else "[yellow]bring your own file[/yellow]"
        table.add_row(row["name"], row["version"], row["coverage"], row["licence"], fetch, str(row["title"]))
    console.print(table)


@app.command()
def pull(
    name: Annotated[str | None, typer.Argument(help="Source to fetch.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Fetch every source.")] = False,
    mirror: MirrorOption = None,
) -> None:
    """Fetch and verify a source's files into the local cache (from the mirror, or downloaded when allowed)."""
    for source in _names(name, every):
        spec = get_source(source).spec
        try:
            files = resolve_source(spec, mirror=mirror, download=True)
        except SOURCE_ERRORS as error:
            _fail(error)
        console.print(f"[green]{source}[/green] {spec.version}: {len(files)} files verified (sha256)")


def _parse_files(values: list[str], source: str) -> dict[str, Path]:
    """``--file PATH`` (one-file sources) or ``--file DECLARED=PATH``."""
    spec = get_source(source).spec
    supplied: dict[str, Path] = {}
    for value in values:
        declared, sep, path = value.partition("=")
        if not sep:
            if len(spec.files) != 1:
                declared_files = ", ".join(f.path for f in spec.files)
                errors.print(f"[red]error:[/red] {source} has several files; write --file NAME=PATH ({declared_files})")
                raise typer.Exit(2)
            declared, path = spec.files[0].path, value
        supplied[declared] = Path(path)
    return supplied


def _print_report(report: LoadReport) -> None:
    if report.status == "skipped":
        console.print(
            f"[yellow]{report.source}[/yellow]: skipped, its terms need a file you supply ({report.waiting[0]})"
        )
        return
    if report.status == "unchanged":
        console.print(f"[dim]{report.source} {report.version}: already loaded, nothing to do[/dim]")
        return
    rows = sum(report.tables.values())
    console.print(
        f"[green]{report.source}[/green] {report.version}: {len(report.tables)} tables, {rows:,} rows "
        f"in {report.seconds:.1f} s"
    )
    for mapper, written in report.domain.items():
        console.print(f"  mapped by {mapper}: " + ", ".join(f"{t} {n:,}" for t, n in written.items()))
    for mapper, what in report.unmatched.items():
        for kind, counts in what.items():
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:12])
            console.print(f"  [yellow]unmatched {kind}[/yellow] ({mapper}, {len(counts)}): {listed}")
    for line in report.waiting:
        console.print(f"  [dim]{line}[/dim]")


@app.command()
def load(
    name: Annotated[str | None, typer.Argument(help="Source to load.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Load every source (the crosswalk's three first).")] = False,
    mirror: MirrorOption = None,
    files: Annotated[
        list[str] | None, typer.Option("--file", help="A file you supply: PATH, or DECLARED=PATH for several.")
    ] = None,
    download: Annotated[bool, typer.Option(help="Download missing files when the terms allow.")] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load sources into the database: verify, parse, validate, store and map, one transaction each."""
    names = _names(name, every)
    if files and len(names) != 1:
        errors.print("[red]error:[/red] --file needs exactly one source")
        raise typer.Exit(2)
    store = open_store(database)
    reports: list[dict[str, Any]] = []
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
            disable=as_json,
        ) as progress:
            task = progress.add_task("loading", total=len(names))
            for source in names:
                supplied = _parse_files(files or [], source)
                try:
                    report = load_source(
                        store,
                        source,
                        mirror=mirror,
                        supplied=supplied,
                        download=download,
                        progress=lambda message: progress.update(task, description=message),
                    )
                except SourceFetchError as error:
                    # With --all, a bring-your-own-file source that is not at hand is skipped, not fatal.
                    if not every or get_source(source).spec.redistribution.value != "forbidden":
                        raise
                    report = LoadReport(source, get_source(source).spec.version, "skipped", waiting=[str(error)])
                progress.advance(task)
                reports.append(report.as_dict())
                if not as_json:
                    _print_report(report)
    except SOURCE_ERRORS as error:
        _fail(error)
    finally:
        store.close()
    if as_json:
        print_json(reports)


@app.command()
def cite(
    name: Annotated[str, typer.Argument(help="Source to cite.")],
    style: Annotated[str, typer.Option("--format", help="text, bibtex or both.")] = "both",
) -> None:
    """Print how to cite a source, as plain text and BibTeX."""
    try:
        spec = get_source(name).spec
    except KeyError as error:
        _fail(error)
    if style in ("text", "both"):
        typer.echo(spec.citation.text)
    if style == "both":
        typer.echo("")
    if style in ("bibtex", "both"):
        typer.echo(spec.citation.bibtex)
    if style not in ("text", "bibtex", "both"):
        errors.print("[red]error:[/red] --format must be text, bibtex or both")
        raise typer.Exit(2)


@app.command()
def versions(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Every source version loaded into the database, with its files' digests and row counts."""
    store = open_store(database)
    try:
        rows = loaded_versions(store.engine)
    finally:
        store.close()
    if as_json:
        print_json(rows)
        return
    table = Table("source", "version", "loaded at (UTC)", "current", "rows", title="Loaded source versions")
    for row in rows:
        total = sum((row["row_counts"] or {}).values())
        table.add_row(
            row["source"], row["version"], row["loaded_at"] or "-", "yes" if row["current"] else "", f"{total:,}"
        )
    console.print(table)


@app.command()
def check(
    name: Annotated[str | None, typer.Argument(help="Source to check.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Check every loaded source.")] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-check stored tables against source.yml (row counts, year ranges, columns); exit 1 on a difference."""
    store = open_store(database)
    try:
        if every:
            loaded = {row["source"] for row in loaded_versions(store.engine) if row["current"]}
            names = [n for n in _names(None, True) if n in loaded]
        else:
            names = _names(name, False)
        results = [check_source(store.engine, source) for source in names]
    finally:
        store.close()
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        for result in results:
            if result.ok:
                console.print(
                    f"[green]{result.source}[/green] {result.version}: {result.checked_tables} tables as declared"
                )
            else:
                for problem in result.problems:
                    errors.print(f"[red]{result.source}[/red]: {problem}")
    if not all(r.ok for r in results):
        raise typer.Exit(1)
