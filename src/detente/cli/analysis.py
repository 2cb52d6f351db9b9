"""Analysis commands: ``detente dossier``, ``network``, ``coalition rank|backtest``, ``forcegen``, ``reliability``.

Each parses its arguments, calls one service of :mod:`detente.analysis` and renders the answer: Markdown or
a short text by default, ``--json`` for the whole answer with its citations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from detente.cli.common import DatabaseOption, JsonOption, errors, open_store, print_json

if TYPE_CHECKING:
    from detente.store.database import Store

console = Console()
coalition_app = typer.Typer(help="Coalition builder: rank likely partners; backtest the model on history.")


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.print(f"[red]error:[/red] dates look like 1990-08-02, not {text!r}")
        raise typer.Exit(2) from None


T = TypeVar("T")


def _fail(error: Exception) -> typer.Exit:
    errors.print(f"[red]error:[/red] {error}")
    return typer.Exit(1)


def _answer(database: str | None, work: Callable[[Store], T]) -> T:
    """Open the store, run ``work`` on it and close it again; a :class:`LookupError` or :class:`ValueError`
    (an unknown state, a year outside a source's coverage) is printed as one line and exits with 1."""
    store = open_store(database)
    try:
        return work(store)
    except (LookupError, ValueError) as error:
        raise _fail(error) from None
    finally:
        store.close()


def dossier(
    states: Annotated[list[str], typer.Argument(help="One state (country dossier) or two (pair dossier).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date, e.g. 2005-06-01 (default: today).")] = None,
    as_json: JsonOption = False,
    markdown: Annotated[bool, typer.Option("--md", help="Print Markdown (the default).")] = False,
    database: DatabaseOption = None,
) -> None:
    """Every tie between a state and the others, or between two states, with sources."""
    from detente.analysis.dossiers import CountryDossier, PairDossier, country_dossier, pair_dossier, to_markdown

    if len(states) not in (1, 2):
        errors.print("[red]error:[/red] give one state (FRA) or two (FRA IND)")
        raise typer.Exit(2)
    when = _date(as_of)

    def build(store: Store) -> CountryDossier | PairDossier:
        if len(states) == 1:
            return country_dossier(store, states[0], when)
        return pair_dossier(store, states[0], states[1], when)

    result = _answer(database, build)
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        typer.echo(to_markdown(result))


def network(
    kind: Annotated[str, typer.Option("--kind", help="alliances, dca, exercises, arms or pko.")],
    year: Annotated[int, typer.Option("--year", help="The year of the network.")],
    obligation: Annotated[
        str | None, typer.Option("--obligation", help="Alliances only: defense, offense, neutral, nonagg, consul.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to .graphml, .gexf or .json.")] = None,
    blocs_since: Annotated[
        int | None, typer.Option("--blocs-since", help="Also show bloc changes from this year to --year.")
    ] = None,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """A defence-relations network of one year: centrality, communities, bloc changes; export it."""
    from detente.analysis.networks import BlocChange, Network, bloc_changes, write_network
    from detente.analysis.networks import network as build

    def answer(store: Store) -> tuple[Network, list[BlocChange]]:
        found = build(store, kind, year, obligation=obligation)
        changes = bloc_changes(store, kind, (blocs_since, year), obligation=obligation) if blocs_since else []
        return found, changes

    result, changes = _answer(database, answer)
    if out is not None:
        try:
            write_network(result, out)
        except ValueError as error:
            raise _fail(error) from None
    if as_json:
        print_json({**result.model_dump(mode="json"), "bloc_changes": [c.model_dump(mode="json") for c in changes]})
        return
    console.print(
        f"{kind} {year}: {len(result.nodes)} states, {len(result.edges)} ties, {result.communities} communities "
        f"(modularity {result.modularity:.3f})"
    )
    table = Table("state", "degree", "strength", "betweenness", "eigenvector", "community", title="Top 15 hubs")
    for node in sorted(result.nodes, key=lambda n: -n.eigenvector)[:15]:
        table.add_row(
            node.state.name,
            str(node.degree),
            f"{node.strength:,.1f}",
            f"{node.betweenness:,.1f}",
            f"{node.eigenvector:.3f}",
            str(node.community),
        )
    console.print(table)
    for change in changes:
        moved = ", ".join(s.name for s in change.moved) or "none"
        rand = "-" if change.adjusted_rand is None else f"{change.adjusted_rand:.3f}"
        console.print(f"{change.year}: {change.communities} blocs, adjusted Rand vs year before {rand}; moved: {moved}")
    if out is not None:
        console.print(f"wrote {out}")
    console.print("sources: " + "; ".join(c.key for c in result.citations))


@coalition_app.command("rank")
def coalition_rank(
    lead: Annotated[list[str], typer.Option("--lead", help="Lead state(s); repeat for several.")],
    target: Annotated[list[str], typer.Option("--target", help="Target state(s); repeat for several.")],
    when: Annotated[str, typer.Option("--date", help="Date of the operation, e.g. 1990-08-02.")],
    require: Annotated[
        list[str] | None,
        typer.Option(
            "--require",
            help="A capability partners must bring, e.g. personnel=50 (thousands), aircraft=10; repeat for several.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many candidates to show (text output).")] = 20,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """Rank every other state by how likely it is to join the lead(s) against the target(s)."""
    from detente.analysis.capabilities import parse_need
    from detente.analysis.coalition import rank

    day = _date(when)
    assert day is not None
    try:
        needs = [parse_need(text) for text in require or []]
    except ValueError as error:
        errors.print(f"[red]error:[/red] --require {error}")
        raise typer.Exit(2) from None
    result = _answer(database, lambda store: rank(store, lead, target, day, require=needs))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(f"features of {result.features_year}; model fitted on {result.trained_on}")
    columns = ["#", "state", "p(join)", "cinc", *(["meets requirements"] if needs else []), "strongest factors"]
    table = Table(*columns, title="Likely coalition partners")
    for i, candidate in enumerate(result.candidates[:top], 1):
        factors = sorted(candidate.factors.items(), key=lambda kv: -abs(kv[1]))[:3]
        cinc = candidate.capabilities.get("cinc")
        verdict = {True: "yes", False: "no", None: "unknown"}[candidate.meets_requirements]
        brings = ", ".join(f"{k} {'unknown' if v is None else f'{v:,.0f}'}" for k, v in candidate.brings.items())
        table.add_row(
            str(i),
            candidate.state.name,
            f"{candidate.probability:.3f}",
            "unknown" if cinc is None else f"{cinc:.4f}",
            *([f"{verdict} ({brings})"] if needs else []),
            "; ".join(f"{name} {value:+.3f}" for name, value in factors),
        )
    console.print(table)
    # every factor's contribution for the first few: the change in p(join) when that factor is set to the
    # typical (median) training candidate, so the alliance conditions show beside the plain alliance ties
    shown = result.candidates[: min(top, 5)]
    if shown:
        detail = Table("factor", *(c.state.iso3 or c.state.name for c in shown), title="Each factor's contribution")
        for factor in shown[0].factors:
            detail.add_row(factor, *(f"{c.factors[factor]:+.3f}" for c in shown))
        console.print(detail)
    console.print("sources: " + "; ".join(c.key for c in result.citations))


@coalition_app.command("backtest")
def coalition_backtest(
    split: Annotated[int, typer.Option("--split", help="First year of the held-out period.")] = 1990,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """Fit on earlier decades, test on later ones: ROC AUC and precision at 5 and 10, beside the baseline."""
    from detente.analysis.coalition import backtest

    result = _answer(database, lambda store: backtest(store, split))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(
        f"fit on {result.train_cases} cases before {split}, tested on {result.test_cases} from {split} "
        f"({result.test_joiners} joiners among {result.test_rows:,} candidates)"
    )
    table = Table("score", "ROC AUC", "precision@5", "precision@10")
    for name, metrics in (("model", result.model), ("baseline: defence pact with a lead", result.baseline)):
        table.add_row(name, f"{metrics.roc_auc:.3f}", f"{metrics.precision_at_5:.3f}", f"{metrics.precision_at_10:.3f}")
    console.print(table)
    console.print(f"target (AUC >= 0.90 and >= 0.10 above the baseline) met: {result.target_met}")


def forcegen(
    requirement: Annotated[Path, typer.Option("--requirement", help="Requirement file (YAML or JSON).")],
    as_json: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """Propose contributors for a mission requirement from pledges and history; show what stays uncovered."""
    from detente.analysis.forcegen import RequirementError, generate, read_requirement

    try:
        wanted = read_requirement(requirement)
    except RequirementError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    result = _answer(database, lambda store: generate(store, wanted))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    for line in result.lines:
        console.print(
            f"[bold]{line.line.capability}[/bold] x {line.line.size} (readiness {line.line.readiness} or better): "
            f"covered {line.covered}, uncovered {line.uncovered}"
        )
        for allocation in line.allocations:
            console.print(
                f"  pledge {allocation.pledge_id}: {allocation.state.name} {allocation.allocated} of "
                f"{allocation.pledge_size} at {allocation.readiness}"
            )
        if line.history:
            names = ", ".join(f"{h.state.name} ({h.personnel or 0:,.0f})" for h in line.history)
            console.print(f"  to ask (most peacekeepers deployed {line.history_years}): {names}")
    console.print(f"uncovered in total: {result.uncovered}")


def reliability(
    start: Annotated[int, typer.Option("--from", help="First war year.")] = 1816,
    end: Annotated[int, typer.Option("--to", help="Last war year.")] = 1944,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """How often allies kept defence promises in war, naively and respecting conditions, beside the literature."""
    from detente.analysis.reliability import reliability as estimate

    result = _answer(database, lambda store: estimate(store, (start, end)))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return

    def pct(value: float | None) -> str:
        return "unknown" if value is None else f"{value:.1%}"

    console.print(f"{result.wars} wars {start}-{end}, {result.attacked_states} attacked states")
    console.print(f"naive: {pct(result.naive.share)} of {result.naive.promises} defence promises kept")
    console.print(
        f"respecting conditions: {pct(result.conditional.share)} of {result.conditional.promises} "
        f"({result.not_invoked} not invoked, {result.unknown_conditions} with conditions ATOP cannot check)"
    )
    for label, share in result.published.items():
        console.print(f"published: {label}: {share:.1%}")
    for line in result.explanation:
        console.print(f"- {line}")
