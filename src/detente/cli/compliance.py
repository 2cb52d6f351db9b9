"""``detente compliance ...``: treaty packs, obligations, evidence import, evaluation, what is due, reports.

detente compliance evaluate --treaty new-start --party RUS --as-of 2023-03-01
detente compliance evidence import exercises.csv --treaty vienna-document-2011 --type activity
detente compliance due --within 30d --party USA --ical due.ics
detente compliance report --treaty new-start --party RUS --as-of 2023-03-01 --format html --out rus.html

``due`` and ``report`` show what a reader may see: with ``--user NAME``, the evidence that user's clearance
and affiliations let them see (the read is audited under their name); without it, public evidence only.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from detente.cli.common import DatabaseOption, JsonOption, errors, open_store, print_json
from detente.compliance.calendar import due_items, to_ical
from detente.compliance.importer import TYPES, EvidenceImportError, import_evidence
from detente.compliance.packs import PackError, get_pack, load_packs
from detente.compliance.registry import ACTOR
from detente.compliance.report import FORMATS, build_report, render
from detente.compliance.service import evaluate
from detente.services.access import Scope
from detente.store.database import Store

app = typer.Typer(help="Treaty compliance: packs, evidence, findings, deadlines, reports.", no_args_is_help=True)
evidence_app = typer.Typer(
    help="Evidence records (declarations, notifications, inspections, ...).", no_args_is_help=True
)
app.add_typer(evidence_app, name="evidence")
console = Console()

TreatyOption = Annotated[str | None, typer.Option("--treaty", help="A pack code, e.g. new-start (default: all).")]
PartyOption = Annotated[str | None, typer.Option("--party", help="ISO3 code of one party, e.g. RUS.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today, UTC).")]
ActorOption = Annotated[str, typer.Option("--actor", help="Who is writing (recorded in the audit log).")]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Show what this user may see (their markings); default: public evidence only."),
]


def _scope(store: Store, user: str | None) -> Scope | None:
    """The reading scope of ``--user`` (``None`` without it: public evidence only)."""
    if user is None:
        return None
    from detente.services.accounts import principal_named  # argon2: only for --user
    from detente.services.errors import NotFoundError

    try:
        principal = principal_named(store, user)
    except NotFoundError as error:
        store.close()
        raise _fail(error) from None
    with store.engine.connect() as connection:
        return Scope.of(connection, principal)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.print(f"[red]error:[/red] --as-of must be a date like 2023-03-01, not {text!r}")
        raise typer.Exit(2) from None


def _fail(error: Exception) -> typer.Exit:
    errors.print(f"[red]error:[/red] {error}")
    return typer.Exit(2)


@app.command("packs")
def packs(as_json: JsonOption = False) -> None:
    """The treaty packs detente ships, with their obligations and how many are verified."""
    rows = [
        {
            "code": p.code,
            "title": p.title,
            "obligations": len(p.obligations),
            "verified": sum(o.verified for o in p.obligations),
            "parties": p.parties if isinstance(p.parties, str) else ", ".join(p.parties),
            "in_force_from": p.in_force.start.isoformat() if p.in_force.start else None,
        }
        for p in load_packs().values()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("pack", "title", "obligations", "verified", "parties", title="Treaty packs")
    for r in rows:
        table.add_row(str(r["code"]), str(r["title"]), str(r["obligations"]), str(r["verified"]), str(r["parties"]))
    console.print(table)


@app.command("obligations")
def obligations(treaty: TreatyOption = None, as_json: JsonOption = False) -> None:
    """Every obligation (of one pack): code, kind, article, time in force, verified, title."""
    try:
        chosen = [get_pack(treaty)] if treaty else list(load_packs().values())
    except PackError as error:
        raise _fail(error) from None
    rows = [
        {
            "code": o.code,
            "treaty": p.code,
            "kind": o.kind,
            "article": o.article,
            "severity": o.severity,
            "verified": o.verified,
            "in_force_from": (o.in_force.start or p.in_force.start or "").__str__() or None,
            "title": o.title,
            "parameters": o.parameters,
        }
        for p in chosen
        for o in p.obligations
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("code", "kind", "article", "verified", "title", title="Obligations")
    for r in rows:
        table.add_row(
            str(r["code"]), str(r["kind"]), str(r["article"]), "yes" if r["verified"] else "NO", str(r["title"])
        )
    console.print(table)


@evidence_app.command("import")
def evidence_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .json evidence file.")],
    treaty: Annotated[str, typer.Option("--treaty", help="The pack the evidence is for, e.g. cwc.")],
    evidence_type: Annotated[
        str | None, typer.Option("--type", help=f"Evidence type of a CSV file: {', '.join(TYPES)}.")
    ] = None,
    as_of: AsOfOption = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh/--no-refresh",
            help="Bring the treaty's stored findings up to date, evaluating only what the new records touch.",
        ),
    ] = True,
    actor: ActorOption = ACTOR,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check every row and store them all (one audit entry each), or report every problem and store none;
    then re-evaluate the stored findings the new records can change."""
    store = open_store(database)
    try:
        report = import_evidence(
            store,
            file,
            get_pack(treaty),
            evidence_type=evidence_type,
            as_of=_day(as_of),
            actor=actor,
            refresh=refresh,
        )
    except EvidenceImportError as error:
        if as_json:
            print_json({"stored": 0, "errors": [vars(e) for e in error.errors]})
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    except PackError as error:
        raise _fail(error) from None
    finally:
        store.close()
    if as_json:
        print_json(report.as_dict())
        return
    for kind, n in report.stored.items():
        console.print(f"stored {n} {kind} record(s) for {report.treaty}")
    done = report.refresh
    if done is not None and done.dates:
        console.print(
            f"re-evaluated {len(done.obligations)} obligation(s) for {', '.join(done.parties) or 'no party'} "
            f"at {len(done.dates)} stored as-of date(s); findings {done.stored.as_dict()}"
        )


@app.command("evaluate")
def evaluate_command(
    treaty: TreatyOption = None,
    party: PartyOption = None,
    as_of: AsOfOption = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the findings (audited).")] = True,
    at_risk: Annotated[
        float,
        typer.Option("--at-risk", min=0.0, max=100.0, help="At risk: a margin within this % of the limit (default 5)."),
    ] = 5.0,
    actor: ActorOption = ACTOR,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate every obligation for every bound party at the as-of date; print (and store) every finding."""
    store = open_store(database)
    try:
        result = evaluate(
            store, treaty=treaty, party=party, as_of=_day(as_of), save=save, actor=actor, at_risk_pct=at_risk
        )
    except (PackError, ValidationError) as error:
        raise _fail(error) from None
    finally:
        store.close()
    if as_json:
        print_json(
            {
                "as_of": [d.isoformat() for d in result.as_of],
                "counts": result.counts(),
                "stored": result.stored.as_dict() if result.stored else None,
                "findings": result.rows(),
            }
        )
        return
    table = Table("obligation", "party", "status", "margin", "explanation", title=f"Findings as of {result.as_of[0]}")
    for row in result.findings.iter_rows(named=True):
        margin = "" if row["margin"] is None else f"{row['margin']:,.2f}".rstrip("0").rstrip(".")
        table.add_row(row["code"], row["party_code"] or "", row["status"], margin, row["explanation"])
    console.print(table)
    console.print(", ".join(f"{k}: {v}" for k, v in result.counts().items()))
    if result.stored:
        console.print(f"stored: {result.stored.as_dict()}")


def _within(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*d?", text.strip())
    if not match:
        errors.print(f"[red]error:[/red] --within must be a number of days like 30d, not {text!r}")
        raise typer.Exit(2)
    return int(match.group(1))


@app.command("due")
def due(
    within: Annotated[str, typer.Option("--within", help="How far ahead, in days (e.g. 30d).")] = "30d",
    party: PartyOption = None,
    treaty: TreatyOption = None,
    as_of: AsOfOption = None,
    ical: Annotated[Path | None, typer.Option("--ical", help="Also write the items to this .ics file.")] = None,
    user: UserOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Upcoming deadlines and the quotas left, soonest first; optionally as an iCalendar file."""
    store = open_store(database)
    scope = _scope(store, user)
    try:
        items = due_items(
            store, within_days=_within(within), party=party, treaty=treaty, as_of=_day(as_of), scope=scope
        )
    except PackError as error:
        raise _fail(error) from None
    finally:
        store.close()
    if ical is not None:
        ical.write_bytes(to_ical(items))
    if as_json:
        print_json([i.as_dict() for i in items])
        return
    table = Table("due", "party", "obligation", "what", title=f"Due within {within}")
    for i in items:
        table.add_row(i.due.isoformat(), i.party or "", i.code, i.what)
    console.print(table)


@app.command("report")
def report(
    treaty: Annotated[str, typer.Option("--treaty", help="A pack code, e.g. new-start.")],
    party: PartyOption = None,
    as_of: AsOfOption = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of the screen.")] = None,
    user: UserOption = None,
    database: DatabaseOption = None,
) -> None:
    """Status per obligation, timeline of margins, evidence and citations, as Markdown, HTML or JSON."""
    if fmt not in FORMATS:
        errors.print(f"[red]error:[/red] --format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        raise typer.Exit(2)
    store = open_store(database)
    scope = _scope(store, user)
    try:
        text = render(build_report(store, treaty=treaty, party=party, as_of=_day(as_of), scope=scope), fmt)
    except PackError as error:
        raise _fail(error) from None
    finally:
        store.close()
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
