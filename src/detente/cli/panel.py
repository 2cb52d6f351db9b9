"""``detente panel ...``: build a state-year or dyad-year panel from the store and write it to a file.

    detente panel dyad-years --system cow --years 1816-2010 \\
        --add atop,nmc,contiguity,mids,capdist,democracy,igos --out dyads.parquet --cite

The suffix of ``--out`` picks the format (.csv, .parquet, .dta). ``--years START-END`` pins the window
(``START-last`` ends in last calendar year, and is the only form that reads the clock). ``--cite`` prints
the citation of every dataset the panel used, which a publication must cite.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from detente.cli.common import DatabaseOption, JsonOption, errors, open_store, print_json
from detente.panels.panel import Panel, PanelUnitError, System
from detente.panels.systems import LAST_YEAR, Years, create_dyad_years, create_state_years

if TYPE_CHECKING:
    from detente.store.database import Store

app = typer.Typer(help="Peace-science panels: state-years and dyad-years with enrichers.", no_args_is_help=True)

ENRICHERS: dict[str, Callable[[Panel], Panel]] = {
    "atop": Panel.add_atop_alliance,
    "nmc": Panel.add_nmc,
    "contiguity": Panel.add_contiguity,
    "mids": Panel.add_cow_mids,
    "capdist": Panel.add_capital_distance,
    "democracy": Panel.add_democracy,
    "igos": Panel.add_igos,
    "arms": Panel.add_arms_transfers,
    "dca": Panel.add_defense_cooperation,
    "exercises": Panel.add_joint_exercises,
    "pko": Panel.add_peacekeeping_codeployment,
    "unvotes": Panel.add_un_voting_agreement,
    "ucdp": Panel.add_ucdp_conflict,
    "milex": Panel.add_milex,
}
"""``--add`` names, applied in the order given. The first seven match peacesciencer; the rest go beyond it:
SIPRI arms transfers (TIV), DCAD defence cooperation agreements, MME/JME exercises, UN peacekeeping
co-deployment (IPI), UN General Assembly voting agreement, UCDP/PRIO armed conflict, SIPRI military
expenditure."""

SystemOption = Annotated[str, typer.Option("--system", help="State system: cow (Correlates of War) or gw.")]
YearsOption = Annotated[
    str | None, typer.Option("--years", help="START-END, e.g. 1816-2010; START-last ends last year.")
]
AddOption = Annotated[
    str, typer.Option("--add", help=f"Comma-separated enrichers: {','.join(ENRICHERS)}.", show_default=False)
]
OutOption = Annotated[Path, typer.Option("--out", help="Output file: .csv, .parquet or .dta.")]
CiteOption = Annotated[bool, typer.Option("--cite", help="Print the citations of every dataset used.")]


def parse_years(text: str | None) -> Years | None:
    """``"1816-2010"`` -> (1816, 2010); ``"1816-last"`` -> (1816, "last year"); ``None`` -> the data's span."""
    if text is None:
        return None
    start, sep, end = text.partition("-")
    try:
        if not sep:
            raise ValueError
        if end.strip().lower() in {"last", LAST_YEAR}:
            return (int(start), LAST_YEAR)
        return (int(start), int(end))
    except ValueError:
        errors.print(f"[red]error:[/red] --years must look like 1816-2010 or 1816-last, not {text!r}")
        raise typer.Exit(2) from None


def parse_adds(text: str) -> list[str]:
    """The enricher names of ``--add``, checked against :data:`ENRICHERS`."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENRICHERS]
    if unknown:
        errors.print(f"[red]error:[/red] unknown enricher(s) {', '.join(unknown)}; known: {', '.join(ENRICHERS)}")
        raise typer.Exit(2)
    return names


def _system(text: str) -> System:
    if text not in ("cow", "gw"):
        errors.print(f"[red]error:[/red] --system must be cow or gw, not {text!r}")
        raise typer.Exit(2)
    return "cow" if text == "cow" else "gw"


def _run_on_store(
    database: str | None, build: Callable[[Store], Panel], adds: list[str], out: Path, cite: bool, as_json: bool
) -> None:
    """Open the store ``database`` names, :func:`_run` a panel ``build`` makes from it, and close the store
    however that ends: what every panel command does once its options are read."""
    store = open_store(database)
    try:
        _run(lambda: build(store), adds, out, cite, as_json)
    finally:
        store.close()


def _run(build: Callable[[], Panel], adds: list[str], out: Path, cite: bool, as_json: bool) -> None:
    try:
        panel = build()
        for name in adds:
            panel = ENRICHERS[name](panel)
        panel.write(out)
    except (PanelUnitError, LookupError, ValueError, ImportError) as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    if as_json:
        print_json({**panel.describe(), "out": str(out), "cite": [c.text for c in panel.citations] if cite else []})
        return
    typer.echo(f"wrote {panel.height:,} {panel.unit.replace('_', '-')}s x {panel.frame.width} columns to {out}")
    if cite:
        typer.echo("\nCite:\n\n" + panel.cite())


@app.command("state-years")
def state_years(
    out: OutOption,
    system: SystemOption = "cow",
    years: YearsOption = None,
    add: AddOption = "",
    cite: CiteOption = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every state in the system each year, with the enrichers of --add."""
    chosen, window, adds = _system(system), parse_years(years), parse_adds(add)
    _run_on_store(database, lambda store: create_state_years(store, chosen, window), adds, out, cite, as_json)


@app.command("dyad-years")
def dyad_years(
    out: OutOption,
    system: SystemOption = "cow",
    years: YearsOption = None,
    directed: Annotated[bool, typer.Option("--directed/--non-directed", help="Both (a, b) and (b, a).")] = False,
    add: AddOption = "",
    cite: CiteOption = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every pair of states in the system each year (non-directed unless --directed), with --add."""
    chosen, window, adds = _system(system), parse_years(years), parse_adds(add)
    _run_on_store(database, lambda store: create_dyad_years(store, chosen, directed, window), adds, out, cite, as_json)


if __name__ == "__main__":  # python -m detente.cli.panel, until the sub-app is registered in detente.cli.main
    app()
