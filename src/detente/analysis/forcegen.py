"""Force generation: who can fill a mission's requirement, from pledges and from contribution history.

A requirement lists capabilities (type and size), where and when, and the lowest readiness each accepts.
Readiness follows the UN Peacekeeping Capability Readiness System, from least to most ready: ``L1`` (pledged),
``L2`` (assessment visit made), ``L3`` (deployable in 60 days), ``RDL`` (rapid deployment, 30 days).

For each line, :func:`generate` first allocates **pledges** in the store (``pledges``: the user's own
records, status ``pledged``, made on or before the date, and visible to the reader: those a ``principal``'s
markings allow, or only unmarked ones without a principal) of that capability
type and at least the readiness required: the most ready first, then the largest; a pledge gives at most its
size and serves one line only. What pledges cannot cover stays **uncovered**, said in numbers. Beside it,
the line lists **candidates from history**: the states that deployed the most uniformed personnel to UN
peacekeeping in the three years before the date (IPI, through the state-year panel's
``add_peacekeeping_codeployment``: personnel averaged over each year, operations served). They are
leads for the force planner to ask, not commitments, so they never count as covering anything.

A requirement file (YAML or JSON)::

    mission: MINUSMA            # optional, a label
    mission_id: 12              # optional, the store's mission: pledges made for another mission are left out
    location: MLI               # optional, the host state (ISO3, COW or name)
    date: 2013-07-01
    requirements:
      - capability: infantry_battalion
        size: 850
        readiness: L2           # the lowest readiness accepted (default L1)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import ColumnElement, or_, select

from detente.analysis.common import CitedSource, StateRef, StateResolver, cite
from detente.analysis.user_records import reader_scope, record_filter
from detente.panels.systems import create_state_years
from detente.services.access import Principal, Scope
from detente.services.catalog import Resource, resource, seen_with
from detente.store.database import Store
from detente.store.models import Pledge

__all__ = [
    "READINESS",
    "Allocation",
    "ForceGeneration",
    "HistoryCandidate",
    "Line",
    "LineResult",
    "Requirement",
    "RequirementError",
    "generate",
    "generate_each",
    "read_requirement",
]

READINESS = {"L1": 1, "L2": 2, "L3": 3, "RDL": 4}
"""UN PCRS readiness levels, least to most ready."""
HISTORY_YEARS = (1991, 2013)
"""Years in which IPI gives whole-year personnel totals."""


class RequirementError(ValueError):
    """A requirement file that cannot be read: the message names the file, the item, the field and the fix."""


class Line(BaseModel):
    """One capability the mission needs."""

    capability: str
    size: int
    readiness: str = "L1"

    @field_validator("size")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("size must be a positive number of personnel or units")
        return value

    @field_validator("readiness")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in READINESS:
            raise ValueError(f"readiness must be one of {', '.join(READINESS)}, not {value!r}")
        return level


class Requirement(BaseModel):
    """A mission's requirement: a label, the host state, the date and its lines."""

    mission: str | None = None
    mission_id: int | None = None
    """The store's mission (``missions.id``), if the requirement is one of its own: a pledge made for another
    mission then does not serve it (pledges made for no mission in particular serve any)."""
    location: str | None = None
    date: date
    requirements: list[Line]


class Allocation(BaseModel):
    """Part (or all) of one pledge given to a line."""

    state: StateRef
    pledge_id: int
    readiness: str
    pledge_size: int
    allocated: int


class HistoryCandidate(BaseModel):
    """A state that deployed many peacekeepers recently (a lead to ask, not a commitment)."""

    state: StateRef
    personnel: float | None
    """Uniformed personnel deployed, averaged over the years used (IPI)."""
    missions: float | None
    """UN peacekeeping operations served in, averaged over the years used."""


class LineResult(BaseModel):
    """What pledges cover of a line, what stays uncovered, and whom history suggests asking."""

    line: Line
    allocations: list[Allocation]
    covered: int
    uncovered: int
    history: list[HistoryCandidate]
    history_years: tuple[int, int] | None


class ForceGeneration(BaseModel):
    """The proposal for a whole requirement."""

    requirement: Requirement
    host: StateRef | None
    lines: list[LineResult]
    uncovered: int
    citations: list[CitedSource]


def read_requirement(path: Path) -> Requirement:
    """Parse a requirement file (YAML or JSON; see the module docstring).

    Raises:
        RequirementError: unreadable file or invalid content, naming the file, item and field.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RequirementError(f"{path}: cannot read the requirement file ({error.strerror})") from None
    try:
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise RequirementError(f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {error}") from None
    try:
        return Requirement.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RequirementError(
            f"{path}: field {where}: {first['msg']}. A requirement needs date (YYYY-MM-DD) and requirements, "
            "each with capability, size and readiness (L1, L2, L3 or RDL)"
        ) from None


def _readable(res: Resource, scope: Scope | None) -> ColumnElement[bool]:
    """The records of ``res`` the reader may see: by their marking, and with the records they are seen with
    (a pledge for a mission hidden from the reader is hidden too)."""
    return seen_with(res, record_filter(res.model, scope), lambda named: _readable(named, scope))


def _pledges(
    store: Store, when: date, scope: Scope | None, mission_id: int | None = None
) -> list[tuple[int, int, str, int, str]]:
    """Pledges the reader may see, made by ``when`` (for ``mission_id`` or for no mission in particular, when
    given): (id, state id, capability, size, readiness)."""
    query = (
        select(Pledge.id, Pledge.state_id, Pledge.capability_type, Pledge.size, Pledge.readiness_level)
        .where(Pledge.status == "pledged", _readable(resource("pledges"), scope), Pledge.pledged_on <= when)
        .order_by(Pledge.id)
    )
    if mission_id is not None:
        query = query.where(or_(Pledge.mission_id.is_(None), Pledge.mission_id == mission_id))
    with store.engine.connect() as connection:
        return [(int(a), int(b), str(c), int(d), str(e).upper()) for a, b, c, d, e in connection.execute(query)]


def _history(store: Store, year: int) -> tuple[pl.DataFrame, tuple[int, int] | None, list[CitedSource]]:
    last = min(year - 1, HISTORY_YEARS[1])
    first = max(last - 2, HISTORY_YEARS[0])
    if last < HISTORY_YEARS[0]:
        return pl.DataFrame(), None, []
    try:
        panel = create_state_years(store, "cow", (first, last)).add_peacekeeping_codeployment()
    except LookupError:
        return pl.DataFrame(), None, []
    table = (
        panel.frame.group_by("ccode")
        .agg(pl.col("pko_personnel").mean(), pl.col("pko_missions").mean())
        .filter(pl.col("pko_personnel") > 0)
        .sort(["pko_personnel", "ccode"], descending=[True, False])
    )
    return table, (first, last), cite(panel.citations)


def generate(
    store: Store, requirement: Requirement, *, history_size: int = 10, principal: Principal | None = None
) -> ForceGeneration:
    """Allocate pledges to each line of ``requirement`` and list candidates from history (module docstring);
    only the pledges ``principal`` may see (unmarked ones without a principal)."""
    return generate_each(store, [requirement], history_size=history_size, principal=principal)[0]


def generate_each(
    store: Store,
    requirements: Sequence[Requirement],
    *,
    history_size: int = 10,
    principal: Principal | None = None,
) -> list[ForceGeneration]:
    """:func:`generate` for each requirement on its own (one answer each, in order; a pledge may be proposed
    for several of them, as running ``generate`` on each would), reading the states, the reader's markings
    and the contribution history once rather than once per requirement (the history once per year asked)."""
    resolver = StateResolver.open(store)
    scope = reader_scope(store, principal)
    histories: dict[int, tuple[pl.DataFrame, tuple[int, int] | None, list[CitedSource]]] = {}
    answers = []
    for requirement in requirements:
        year = requirement.date.year
        if year not in histories:
            histories[year] = _history(store, year)
        answers.append(_generate_one(store, resolver, scope, requirement, histories[year], history_size))
    return answers


def _generate_one(
    store: Store,
    resolver: StateResolver,
    scope: Scope | None,
    requirement: Requirement,
    found: tuple[pl.DataFrame, tuple[int, int] | None, list[CitedSource]],
    history_size: int,
) -> ForceGeneration:
    when = requirement.date
    host = resolver.resolve(requirement.location, when.year) if requirement.location else None
    pledges = _pledges(store, when, scope, requirement.mission_id)
    refs = resolver.refs({p[1] for p in pledges}, when.year)
    history, years, citations = found
    history_refs = resolver.by_code(years[1]) if years else {}
    used: set[int] = set()
    results: list[LineResult] = []
    for line in requirement.requirements:
        fitting = [
            p
            for p in pledges
            if p[0] not in used
            and p[2].lower() == line.capability.lower()
            and READINESS.get(p[4], 0) >= READINESS[line.readiness]
        ]
        fitting.sort(key=lambda p: (-READINESS[p[4]], -p[3], p[0]))
        remaining, allocations = line.size, []
        for pledge_id, state_id, _capability, size, level in fitting:
            if remaining == 0:
                break
            given = min(size, remaining)
            used.add(pledge_id)
            remaining -= given
            allocations.append(
                Allocation(
                    state=refs[state_id], pledge_id=pledge_id, readiness=level, pledge_size=size, allocated=given
                )
            )
        suggested = (
            [
                HistoryCandidate(
                    state=history_refs.get(int(code))
                    or resolver.ref_of_code(int(code), years[1] if years else when.year),
                    personnel=personnel,
                    missions=missions,
                )
                for code, personnel, missions in history.head(history_size).iter_rows()
                if host is None or host.ccode != code
            ]
            if history.height
            else []
        )
        results.append(
            LineResult(
                line=line,
                allocations=allocations,
                covered=line.size - remaining,
                uncovered=remaining,
                history=suggested,
                history_years=years,
            )
        )
    return ForceGeneration(
        requirement=requirement,
        host=host,
        lines=results,
        uncovered=sum(r.uncovered for r in results),
        citations=[
            CitedSource(
                key="pledges", text="Pledges: the users' own records in this detente store (those you may see)."
            ),
            *citations,
        ],
    )
