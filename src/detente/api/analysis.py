"""Routes for the analyses: dossiers, networks, the coalition builder, force generation, alliance reliability.

Each route parses its parameters, calls one service of :mod:`detente.analysis` and returns its answer, whose
Pydantic model is the route's response schema (so the OpenAPI document describes every figure and its
citations). Like every data route they need a signed-in user; the answers that hold a user's own records
(dossiers: records and compliance findings; force generation: pledges) pass the caller's markings, so a
record the caller may not see is neither listed nor counted.

An unknown state, or a source that is not loaded, is a 404 naming what was not found; a parameter the
analysis cannot use (a year outside a source's coverage, an obligation on a network that has none) is a 422
naming the parameter.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import Field

from detente.analysis.coalition import Backtest, Ranking
from detente.analysis.dossiers import CountryDossier, PairDossier
from detente.analysis.forcegen import ForceGeneration, Requirement
from detente.analysis.networks import KINDS, OBLIGATIONS, BlocChange, Network, NetworkCoverageError
from detente.analysis.reliability import Reliability
from detente.api.deps import CurrentPrincipal, CurrentStore
from detente.api.errors import ERROR_RESPONSES
from detente.domain.markings import Role
from detente.services.access import require_role
from detente.services.entities import RecordError
from detente.services.errors import NotFoundError

__all__ = ["NetworkAnswer", "router"]

router = APIRouter(responses=ERROR_RESPONSES, tags=["analysis"])

T = TypeVar("T")

StateName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        pattern=r"^[^\x00/]+$",
        description="ISO3 (FRA), COW abbreviation (FRN) or number (220), or the name (France)",
    ),
]
AsOf = Annotated[date | None, Query(description="the date of the answer, YYYY-MM-DD (default: today)")]
Year = Annotated[int, Query(ge=1816, le=2100, description="the year")]
NETWORK_MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}


class NetworkAnswer(Network):
    """A network of one year with its metrics, and (with ``blocs_since``) its blocs year by year."""

    bloc_changes: list[BlocChange] = Field(default_factory=list)


@contextmanager
def _refusals(analysis: str, field: str | None = None) -> Iterator[None]:
    """An analysis's :class:`LookupError` as a 404 and its :class:`ValueError` as a 422 naming ``field``."""
    try:
        yield
    except RecordError:
        raise
    except LookupError as error:
        raise NotFoundError(str(error)) from None
    except ValueError as error:
        raise RecordError(analysis, field, str(error)) from None


def _answer(analysis: str, work: Callable[[], T], field: str | None = None) -> T:
    with _refusals(analysis, field):
        return work()


def _within(analysis: str, field: str, day: date | None) -> None:
    """Refuse a date outside 1816-2100 (the years the data and the calendar arithmetic can speak for)."""
    if day is not None and not 1816 <= day.year <= 2100:
        raise RecordError(analysis, field, "must lie between 1816 and 2100")


@router.get("/dossiers/{state}", response_model=CountryDossier, operation_id="country_dossier")
def country_dossier(store: CurrentStore, principal: CurrentPrincipal, state: StateName, as_of: AsOf = None) -> Any:
    """Every tie between a state and the others as of a date: alliances and their obligations, DCAs, exercises,
    arms both ways with the main systems, peacekeeping, UN votes, IGOs, disputes, capabilities, compliance
    status and your records (as your markings allow); every figure with its year and source."""
    from detente.analysis.dossiers import country_dossier as build

    _within("dossier", "as_of", as_of)
    return _answer("dossier", lambda: build(store, state, as_of, principal=principal), "as_of")


@router.get("/dossiers/{state}/{partner}", response_model=PairDossier, operation_id="pair_dossier")
def pair_dossier(
    store: CurrentStore, principal: CurrentPrincipal, state: StateName, partner: StateName, as_of: AsOf = None
) -> Any:
    """Every tie between two states, year by year up to a date, with the agreements, arms systems, disputes,
    compliance status of the treaties binding both, and your records naming both."""
    from detente.analysis.dossiers import pair_dossier as build

    _within("dossier", "as_of", as_of)
    return _answer("dossier", lambda: build(store, state, partner, as_of, principal=principal), "partner")


@router.get(
    "/networks/{kind}",
    response_model=NetworkAnswer,
    operation_id="network",
    responses={200: {"content": {media: {} for media in NETWORK_MEDIA.values()}, "description": "the network"}},
)
def network(
    store: CurrentStore,
    principal: CurrentPrincipal,
    kind: Annotated[Literal["alliances", "dca", "exercises", "arms", "pko"], Path(description="the kind of tie")],
    year: Year,
    obligation: Annotated[
        Literal["defense", "offense", "neutral", "nonagg", "consul"] | None,
        Query(description="alliances only: keep the pairs with this obligation"),
    ] = None,
    blocs_since: Annotated[
        int | None, Query(ge=1816, le=2100, description="also compare the blocs of each year from this one to year")
    ] = None,
    format: Annotated[
        Literal["json", "graphml", "gexf"], Query(description="json (default), or a GraphML or GEXF file")
    ] = "json",
) -> Any:
    """A defence-relations network of one year: degree, strength, betweenness and eigenvector centrality,
    communities, and (with ``blocs_since``) how the blocs changed year by year; as JSON, GraphML or GEXF."""
    from detente.analysis.networks import bloc_changes, write_network
    from detente.analysis.networks import network as build

    assert kind in KINDS and (obligation is None or obligation in OBLIGATIONS)
    if blocs_since is not None and not 0 <= year - blocs_since <= 50:
        raise RecordError("network", "blocs_since", "must be at most 50 years before year, and not after it")
    with _refusals("network", "year"):
        try:
            found = build(store, kind, year, obligation=obligation)
            changes = bloc_changes(store, kind, (blocs_since, year), obligation=obligation) if blocs_since else []
        except NetworkCoverageError as error:
            raise RecordError("network", "blocs_since" if blocs_since else "year", str(error)) from None
    if format == "json":
        return NetworkAnswer(**found.model_dump(), bloc_changes=changes)
    with tempfile.TemporaryDirectory() as folder:
        path = write_network(found, FilePath(folder) / f"{kind}-{year}.{format}")
        content = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{kind}-{year}.{format}"'}
    return Response(content, media_type=NETWORK_MEDIA[format], headers=headers)


StateNames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\x00]+$")]],
    Query(min_length=1, max_length=20, description="state(s): ISO3, COW abbreviation or number, or name; repeat"),
]


@router.get("/coalitions/rank", response_model=Ranking, operation_id="coalition_rank")
def coalition_rank(
    store: CurrentStore,
    principal: CurrentPrincipal,
    lead: StateNames,
    target: StateNames,
    when: Annotated[date, Query(alias="date", description="the date of the operation, YYYY-MM-DD")],
    require: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00]+$")]] | None,
        Query(
            max_length=20,
            description="a capability partners must bring: personnel=50 (thousands), expenditure=N (thousands of "
            "USD) or a SIPRI category with a number of weapons delivered in ten years (aircraft=10, ships=2 ...)",
        ),
    ] = None,
) -> Any:
    """Every other state ranked by how likely it is to join the lead(s) against the target(s), with what it
    could bring, whether it meets the required capabilities, and the contribution of each factor."""
    from detente.analysis.capabilities import parse_need
    from detente.analysis.coalition import rank

    if not 1817 <= when.year <= 2100:
        raise RecordError("coalition", "date", "must lie between 1817 and 2100 (features come from the year before)")
    needs = _answer("coalition", lambda: [parse_need(text) for text in require or []], "require")
    return _answer("coalition", lambda: rank(store, lead, target, when, require=needs), "date")


@router.get("/coalitions/backtest", response_model=Backtest, operation_id="coalition_backtest")
def coalition_backtest(
    store: CurrentStore,
    principal: CurrentPrincipal,
    split: Annotated[int, Query(ge=1817, le=2014, description="first year of the held-out period")] = 1990,
) -> Any:
    """Fit the coalition model on the cases before ``split`` and test it on the later ones: ROC AUC and
    precision at 5 and 10, beside the defence-pact baseline (analysts and up: it fits a model)."""
    from detente.analysis.coalition import backtest

    require_role(principal, Role.ANALYST, "running the coalition backtest")
    return _answer("backtest", lambda: backtest(store, split), "split")


@router.post("/forcegen", response_model=ForceGeneration, operation_id="force_generation")
def force_generation(
    store: CurrentStore, principal: CurrentPrincipal, requirement: Annotated[Requirement, Body()]
) -> Any:
    """Contributors for a mission requirement: the pledges you may see, by readiness and size, candidates from
    IPI contribution history, and what stays uncovered."""
    from detente.analysis.forcegen import generate

    _within("forcegen", "date", requirement.date)
    return _answer("forcegen", lambda: generate(store, requirement, principal=principal), "location")


@router.get("/reliability", response_model=Reliability, operation_id="alliance_reliability")
def alliance_reliability(
    store: CurrentStore,
    principal: CurrentPrincipal,
    start: Annotated[int, Query(alias="from", ge=1816, le=2100, description="first war year")] = 1816,
    end: Annotated[int, Query(alias="to", ge=1816, le=2100, description="last war year")] = 1944,
) -> Any:
    """How often allies kept defence promises in war, naively and respecting ATOP's conditions, beside the
    published estimates, with every promise judged."""
    from detente.analysis.reliability import reliability

    if end < start:
        raise RecordError("reliability", "to", "must not be before from")
    return _answer("reliability", lambda: reliability(store, (start, end)), "from")
