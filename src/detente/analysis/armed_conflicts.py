"""Armed conflicts in dossiers: the UCDP/PRIO conflicts a state took part in, and those two states shared.

Where the COW disputes and wars (:func:`detente.analysis.ties.conflict_ties`) say which *states* threatened or
fought each other, the UCDP/PRIO Armed Conflict Dataset (ACD 25.1) records every armed conflict with at least
25 battle deaths a year from 1946 on -- civil wars and wars of independence too -- with the states on each
side, as primary parties or as *secondary* ones (supporting a side with troops, not only with money).

Who took part comes from the domain tables the UCDP mapper wrote (:mod:`detente.sources.ucdp.domain`):
one :class:`~detente.store.models.Conflict` per conflict (``ucdp:conflict:<id>``) and one
:class:`~detente.store.models.ConflictParty` per conflict, side, role and actor, with the state the G-W
code names. The years come from the ACD rows as stored (table ``conflict_years``): a state's years in a
conflict are the years its actor is listed in its side's cell, each with the conflict's intensity that
year (1: 25-999 battle deaths, 2: 1,000 or more). A pair's *direct* years come from the UCDP Dyadic
Dataset (``dyad_years``): the years UCDP codes the two governments as the two sides of a dyad, i.e.
fighting each other, not just standing in opposite camps. Termination comes from the UCDP Conflict
Termination Dataset (3-2021, ``termination_conflicts``): each episode's end date and outcome.

Unknown stays unknown: the ACD starts in 1946, so a dossier dated before it says "not covered" (``covered``
false), never "no conflict"; termination data end in 2020, so a later episode has no outcome (``None``);
without the UCDP source loaded, ``conflicts`` is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Self, TypeVar

import polars as pl
from pydantic import BaseModel
from sqlalchemy import Select, bindparam, select

from detente.analysis.statements import prepared
from detente.panels.cache import read_table
from detente.store.catalog import table_entry
from detente.store.database import Store
from detente.store.models import Conflict, ConflictParty

__all__ = [
    "ACD_YEARS",
    "OUTCOMES",
    "REGIONS",
    "ArmedConflict",
    "ConflictRecord",
    "ConflictYear",
    "Episode",
    "PairConflictRecord",
    "SharedConflict",
    "SideTaken",
    "ending_text",
    "intensity_text",
    "pair_conflicts",
    "state_conflicts",
]

ACD_YEARS = (1946, 2024)
"""The years UCDP/PRIO ACD 25.1 covers (before 1946: not covered, unknown)."""
SOURCE = "source:ucdp"
REGIONS = {"1": "Europe", "2": "Middle East", "3": "Asia", "4": "Africa", "5": "Americas"}
"""UCDP's region codes (of the conflict's location)."""
TYPES = {1: "extrasystemic", 2: "interstate", 3: "intrastate", 4: "internationalized intrastate"}
OUTCOMES = {
    1: "peace agreement",
    2: "ceasefire agreement",
    3: "victory for side A",
    4: "victory for side B",
    5: "low activity",
    6: "actor ceases to exist",
}
"""UCDP Conflict Termination outcome codes (Kreutz 2010)."""
_SIDE_COLUMNS = {("A", False): "side_a", ("A", True): "side_a_2nd", ("B", False): "side_b", ("B", True): "side_b_2nd"}


class ConflictYear(BaseModel):
    """A year a state was listed in a conflict, with the conflict's intensity that year (1 minor, 2 war)."""

    year: int
    intensity: int | None


class Episode(BaseModel):
    """A conflict episode from UCDP's termination data: when it began and ended, and how."""

    start_year: int
    end_date: date | None
    """``None``: still active at the end of the termination data (2020)."""
    outcome: str | None
    """How it ended (:data:`OUTCOMES`); ``None`` while it was still active or when UCDP codes none."""


class _ConflictFacts(BaseModel):
    """What UCDP says of a conflict itself, the first fields of every conflict a dossier lists."""

    conflict_id: int
    """UCDP's conflict id."""
    name: str
    location: str | None
    type: str
    """``extrasystemic``, ``interstate``, ``intrastate`` or ``internationalized intrastate`` (latest year)."""
    incompatibility: str | None
    """``territory``, ``government`` or ``territory and government``."""
    region: list[str]


class ArmedConflict(_ConflictFacts):
    """A UCDP/PRIO armed conflict a state took part in, on one side, as primary or secondary party."""

    side: str
    """``A`` (the government side) or ``B``."""
    secondary: bool
    """A secondary party: supported the side with troops without being a primary party."""
    actor: str
    """The actor as UCDP writes it (``Government of France``)."""
    opponents: list[str]
    """The primary actors on the other side in the state's years."""
    years: list[ConflictYear]
    first_year: int
    last_year: int
    max_intensity: int | None
    episodes: list[Episode]
    """The termination episodes overlapping the state's years (none after 2020)."""
    source: str = SOURCE


class SideTaken(BaseModel):
    """Where one state of a pair stood in a conflict."""

    side: str
    secondary: bool
    actor: str


class SharedConflict(_ConflictFacts):
    """A UCDP/PRIO conflict in which both states of a pair took part, in the years both were listed."""

    same_side: bool
    first: SideTaken
    second: SideTaken
    years: list[int]
    """Years both states were listed (on their sides)."""
    direct_years: list[int]
    """Years UCDP's dyadic file codes the two governments as the two sides of a dyad (opposite sides only)."""
    max_intensity: int | None
    """The highest intensity of the conflict in ``years``."""
    episodes: list[Episode]
    source: str = SOURCE


Found = TypeVar("Found", ArmedConflict, SharedConflict)


class _Record(BaseModel, Generic[Found]):
    """What a dossier's UCDP/PRIO section holds, for one state or a pair: the conflicts and what the data cover."""

    covered: bool
    """Whether UCDP's years reach the dossier's year (false before 1946: unknown, not "no conflict")."""
    coverage: tuple[int, int]
    note: str
    conflicts: list[Found] | None
    """``None`` when the UCDP source is not loaded or the year is not covered."""
    sources: list[str] = [SOURCE]

    @classmethod
    def unknown(cls, store: Store, year: int) -> Self | None:
        """The record that says why the conflicts are unknown (UCDP not loaded, or ``year`` before its
        years), or ``None`` when they can be looked up."""
        covered, note = _coverage_note(year)
        if not _loaded(store):
            return cls(covered=False, coverage=ACD_YEARS, note="UCDP is not loaded: unknown.", conflicts=None)
        if not covered:
            return cls(covered=False, coverage=ACD_YEARS, note=note, conflicts=None)
        return None

    @classmethod
    def listing(cls, year: int, conflicts: list[Found]) -> Self:
        """The record of the conflicts found up to ``year`` (a covered year, :meth:`unknown` said)."""
        return cls(covered=True, coverage=ACD_YEARS, note=_coverage_note(year)[1], conflicts=conflicts)


class ConflictRecord(_Record[ArmedConflict]):
    """A state's UCDP/PRIO conflicts up to the dossier's year (most recent first), and what the data cover."""


class PairConflictRecord(_Record[SharedConflict]):
    """The UCDP/PRIO conflicts two states shared up to the dossier's year (oldest first), and what data cover."""


@dataclass
class _Party:
    conflict_id: int
    name: str
    location: str | None
    incompatibility: str | None
    side: str
    secondary: bool
    actors: list[str] = field(default_factory=list)
    first: int = 9999
    last: int = 0


def intensity_text(level: int | None) -> str:
    """UCDP's intensity level in words."""
    return {1: "minor (25-999 battle deaths a year)", 2: "war (1,000+ battle deaths a year)"}.get(level or 0, "unknown")


def ending_text(episodes: list[Episode]) -> str:
    """How the latest episode ended, in words ("unknown" without termination data)."""
    if not episodes:
        return "unknown"
    last = episodes[-1]
    if last.end_date is None:
        return "active at the end of the termination data (2020)"
    return f"{last.end_date.isoformat()}: {last.outcome or 'outcome not coded'}"


def _loaded(store: Store) -> bool:
    return table_entry(store, "ucdp", "conflict_years") is not None


def _coverage_note(year: int) -> tuple[bool, str]:
    first, last = ACD_YEARS
    if year < first:
        return False, (
            f"UCDP/PRIO ACD covers {first}-{last}: {year} is not covered, so armed conflicts are unknown (not 'none')."
        )
    if year > last:
        return True, f"UCDP/PRIO ACD covers {first}-{last}: the years after {last} are unknown."
    return True, f"UCDP/PRIO ACD covers {first}-{last} (conflicts with at least 25 battle deaths in a year)."


def _parties_statement() -> Select[*tuple[Any, ...]]:
    """The UCDP conflict parties that are the states ``:state_ids``, with their conflicts."""
    return (
        select(
            ConflictParty.state_id,
            Conflict.source_key,
            Conflict.name,
            Conflict.location,
            Conflict.incompatibility,
            ConflictParty.side,
            ConflictParty.secondary,
            ConflictParty.actor_name,
            ConflictParty.valid_from,
            ConflictParty.valid_to,
        )
        .join(Conflict, Conflict.id == ConflictParty.conflict_id)
        .where(ConflictParty.state_id.in_(bindparam("state_ids", expanding=True)))
        .where(Conflict.source_key.like("ucdp:conflict:%"))
    )


def _parties(store: Store, state_ids: list[int]) -> list[tuple[int, _Party]]:
    """(state id, party) for each UCDP conflict side a state held: one per conflict, side and role."""
    query = prepared("armed_conflicts:parties", _parties_statement)
    merged: dict[tuple[int, int, str, bool], _Party] = {}
    with store.engine.connect() as connection:
        rows = connection.execute(query, {"state_ids": state_ids})
        for sid, key, name, location, incompat, side, secondary, actor, start, end in rows:
            if sid is None:  # the query asks for states only; this keeps the type checker informed
                continue
            conflict_id = int(str(key).rsplit(":", 1)[-1])
            found = merged.setdefault(
                (int(sid), conflict_id, side, bool(secondary)),
                _Party(conflict_id, name, location, incompat, side, bool(secondary)),
            )
            if actor not in found.actors:
                found.actors.append(actor)
            found.first = min(found.first, start.year if start else found.first)
            found.last = max(found.last, end.year if end else found.last)
    return [(key[0], party) for key, party in merged.items()]


def _listed(cell: str | None, actors: list[str]) -> bool:
    """Whether a side cell of the ACD names one of ``actors`` (cells list several actors, comma-separated)."""
    if not cell:
        return False
    named = [actor for actor in actors if actor in cell]  # a name listed is a substring of the cell: a quick no
    if not named:
        return False
    names = {part.strip() for part in cell.split(",")} | {cell.strip()}
    return any(actor in names for actor in named)


def _years_of(rows: list[dict[str, Any]], party: _Party) -> list[ConflictYear]:
    column = _SIDE_COLUMNS[(party.side, party.secondary)]
    return [
        ConflictYear(year=int(r["year"]), intensity=r["intensity_level"])
        for r in rows
        if party.first <= r["year"] <= party.last and _listed(r[column], party.actors)
    ]


_ACD_COLUMNS = ["conflict_id", "year", "intensity_level", "type_of_conflict", "region", *_SIDE_COLUMNS.values()]
"""The columns of the ACD's conflict-years a dossier reads (of 28)."""


def _acd(store: Store, conflict_ids: set[int], until: int) -> dict[int, list[dict[str, Any]]]:
    """The ACD rows (conflict-years) of ``conflict_ids`` up to ``until``, by conflict, in year order."""
    wanted = pl.col("conflict_id").is_in(sorted(conflict_ids)) & (pl.col("year") <= until)
    frame = read_table(store, "ucdp", "conflict_years", _ACD_COLUMNS).filter(wanted)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in frame.sort("conflict_id", "year").iter_rows(named=True):
        out[int(row["conflict_id"])].append(row)
    return out


def _episodes(store: Store, conflict_ids: set[int]) -> dict[int, list[Episode]]:
    """Termination episodes per conflict (UCDP Conflict Termination 3-2021), oldest first."""
    if table_entry(store, "ucdp", "termination_conflicts") is None:
        return {}
    frame = read_table(
        store, "ucdp", "termination_conflicts", ["conflict_id", "conflictepisode", "year", "ependdate", "outcome"]
    ).filter(pl.col("conflict_id").is_in(sorted(conflict_ids)))
    first = frame.group_by("conflict_id", "conflictepisode").agg(
        pl.col("year").min().alias("start"),
        pl.col("ependdate").drop_nulls().max().alias("end"),
        pl.col("outcome").drop_nulls().last().alias("outcome"),
    )
    out: dict[int, list[Episode]] = defaultdict(list)
    for row in first.sort("conflict_id", "start").iter_rows(named=True):
        end = row["end"]
        outcome = row["outcome"]
        out[int(row["conflict_id"])].append(
            Episode(
                start_year=int(row["start"]),
                end_date=end,
                outcome=None if end is None or outcome is None else OUTCOMES.get(int(outcome), str(outcome)),
            )
        )
    return out


def _overlapping(episodes: list[Episode], first: int, last: int) -> list[Episode]:
    return [e for e in episodes if e.start_year <= last and (e.end_date is None or e.end_date.year >= first)]


def _describe(rows: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The conflict's type in its latest year and its regions."""
    latest = rows[-1]
    regions = [REGIONS.get(part.strip(), part.strip()) for part in str(latest["region"] or "").split(",") if part]
    return TYPES.get(int(latest["type_of_conflict"]), str(latest["type_of_conflict"])), regions


def state_conflicts(store: Store, state_id: int, year: int) -> ConflictRecord:
    """The UCDP/PRIO conflicts ``state_id`` took part in from 1946 up to ``year`` (most recent first)."""
    unknown = ConflictRecord.unknown(store, year)
    if unknown is not None:
        return unknown
    parties = [p for _, p in _parties(store, [state_id]) if p.first <= year]
    ids = {p.conflict_id for p in parties}
    acd, episodes = _acd(store, ids, year), _episodes(store, ids)
    found: list[ArmedConflict] = []
    for party in parties:
        rows = acd.get(party.conflict_id, [])
        years = _years_of(rows, party)
        if not rows or not years:
            continue
        kind, regions = _describe(rows)
        first, last = years[0].year, years[-1].year
        other = _SIDE_COLUMNS[("B" if party.side == "A" else "A", False)]
        opponents = sorted(
            {n.strip() for r in rows if first <= r["year"] <= last and r[other] for n in str(r[other]).split(",")}
        )
        found.append(
            ArmedConflict(
                conflict_id=party.conflict_id,
                name=party.name,
                location=party.location,
                type=kind,
                incompatibility=party.incompatibility,
                region=regions,
                side=party.side,
                secondary=party.secondary,
                actor=", ".join(party.actors),
                opponents=opponents,
                years=years,
                first_year=first,
                last_year=last,
                max_intensity=max((y.intensity for y in years if y.intensity is not None), default=None),
                episodes=_overlapping(episodes.get(party.conflict_id, []), first, last),
            )
        )
    found.sort(key=lambda c: (-c.last_year, -c.first_year, c.conflict_id, c.side, c.secondary))
    return ConflictRecord.listing(year, found)


def _direct_years(
    store: Store, conflict_ids: set[int], first_codes: set[str], second_codes: set[str]
) -> dict[int, list[int]]:
    """Per conflict of ``conflict_ids``: the years of the dyadic file in which one state's G-W code is side A
    and the other's side B (the file read once for them all)."""
    if not conflict_ids or table_entry(store, "ucdp", "dyad_years") is None:
        return {}
    frame = read_table(store, "ucdp", "dyad_years", ["conflict_id", "year", "gwno_a", "gwno_b"]).filter(
        pl.col("conflict_id").is_in(sorted(conflict_ids))
    )
    years: dict[int, set[int]] = defaultdict(set)
    for row in frame.iter_rows(named=True):
        a = {c.strip() for c in str(row["gwno_a"] or "").split(",") if c.strip()}
        b = {c.strip() for c in str(row["gwno_b"] or "").split(",") if c.strip()}
        if (a & first_codes and b & second_codes) or (a & second_codes and b & first_codes):
            years[int(row["conflict_id"])].add(int(row["year"]))
    return {conflict_id: sorted(found) for conflict_id, found in years.items()}


def pair_conflicts(
    store: Store, first_id: int, second_id: int, year: int, gw_codes: dict[int, set[str]]
) -> PairConflictRecord:
    """The UCDP/PRIO conflicts both states took part in up to ``year``, on the same or opposite sides.

    ``gw_codes`` gives each state's G-W codes (for the dyadic file). A conflict appears once per pair of
    sides the two held (a state that moved from secondary to primary party appears with each role).
    """
    unknown = PairConflictRecord.unknown(store, year)
    if unknown is not None:
        return unknown
    held = _parties(store, [first_id, second_id])
    mine = [p for sid, p in held if sid == first_id]
    theirs = [p for sid, p in held if sid == second_id]
    ids = {p.conflict_id for p in mine} & {p.conflict_id for p in theirs}
    acd, episodes = _acd(store, ids, year), _episodes(store, ids)
    opposed = {a.conflict_id for a in mine for b in theirs if a.conflict_id == b.conflict_id and a.side != b.side}
    first_codes, second_codes = gw_codes.get(first_id, set()), gw_codes.get(second_id, set())
    direct_years = _direct_years(store, opposed & ids, first_codes, second_codes)
    found: list[SharedConflict] = []
    for a in (p for p in mine if p.conflict_id in ids):
        for b in (p for p in theirs if p.conflict_id == a.conflict_id):
            rows = acd.get(a.conflict_id, [])
            both = sorted({y.year for y in _years_of(rows, a)} & {y.year for y in _years_of(rows, b)})
            if not both:
                continue
            kind, regions = _describe(rows)
            same = a.side == b.side
            direct = [] if same else [y for y in direct_years.get(a.conflict_id, []) if y <= year]
            intensities = [r["intensity_level"] for r in rows if r["year"] in both and r["intensity_level"] is not None]
            found.append(
                SharedConflict(
                    conflict_id=a.conflict_id,
                    name=a.name,
                    location=a.location,
                    type=kind,
                    incompatibility=a.incompatibility,
                    region=regions,
                    same_side=same,
                    first=SideTaken(side=a.side, secondary=a.secondary, actor=", ".join(a.actors)),
                    second=SideTaken(side=b.side, secondary=b.secondary, actor=", ".join(b.actors)),
                    years=both,
                    direct_years=direct,
                    max_intensity=max(intensities, default=None),
                    episodes=_overlapping(episodes.get(a.conflict_id, []), both[0], both[-1]),
                )
            )
    found.sort(key=lambda c: (c.years[0], c.conflict_id, c.first.side, c.second.side))
    return PairConflictRecord.listing(year, found)
