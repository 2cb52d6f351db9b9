"""Data several pages share, computed once per process and kept until a source load changes it.

Public data (states, the relations table's state-level columns, peacekeeping contributions) is the same for
every user: it has no marking, so it is cached per store and per *source state* (the loaded source versions:
only a load changes these rows). User records never come from here; pages read them through
:class:`detente.services.reading.Reader` with the user's principal.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import func, select

from detente.analysis.relations import relations
from detente.panels.cache import audit_key
from detente.store.database import Store
from detente.store.models import (
    Agreement,
    AgreementParty,
    Contribution,
    Engagement,
    EngagementParticipant,
    SourceVersion,
    State,
)

__all__ = [
    "StateRow",
    "contributions_by_year",
    "country_href",
    "data_version",
    "memo",
    "public_user_rows",
    "source_href",
    "source_state",
    "state_years",
    "states",
]

T = TypeVar("T")
_CACHE: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
_LOCK = threading.Lock()
MAX_ENTRIES = 64
"""Answers kept at most (the least recently used goes first): a network drawing is a few hundred kB."""


def source_state(store: Store) -> str:
    """A short key that changes whenever a source is loaded (count and newest id of source versions)."""
    with store.engine.connect() as connection:
        count, newest, loaded = connection.execute(
            select(func.count(SourceVersion.id), func.max(SourceVersion.id), func.max(SourceVersion.loaded_at))
        ).one()
    return f"{count}:{newest}:{loaded}"


def memo(store: Store, name: str, build: Callable[[], T], *, seconds: float | None = None) -> T:
    """``build()``'s answer for ``store``, kept until a source is loaded (public data only: never marked
    records), and at most ``seconds`` when given."""
    return _cached(store, name, build, seconds)


def public_user_rows(store: Store) -> str:
    """A stamp of the unmarked agreements and engagements users wrote (count, newest id, sum of versions).

    Dossiers show these public user records beside the sources' rows, so a cached dossier is keyed on it too.
    """
    parts: list[str] = []
    with store.engine.connect() as connection:
        for model in (Agreement, Engagement):
            count, newest, versions = connection.execute(
                select(func.count(model.id), func.max(model.id), func.sum(model.version)).where(
                    model.source_version_id.is_(None)
                )
            ).one()
            parts.append(f"{count}:{newest}:{versions}")
        for child in (AgreementParty, EngagementParticipant):
            count, newest = connection.execute(
                select(func.count(child.id), func.max(child.id)).where(child.source_version_id.is_(None))
            ).one()
            parts.append(f"{count}:{newest}")
    return "|".join(parts)


def data_version(store: Store) -> str:
    """The version of everything the store's domain tables hold, for keying answers built from them.

    It is the audit log's head (:func:`detente.panels.cache.audit_key`): every write to a domain table -- a
    source load's mappers, a user's new or edited agreement, party spell, engagement or finding -- appends
    to the audit log and moves the head, so an answer kept under this key is never shown after a write. (An
    audited read of a marked record appends too: that costs a rebuild, never a stale answer.) A store with
    no audit head yet falls back to the stamp of the public user rows.
    """
    return audit_key(store) or f"rows:{public_user_rows(store)}"


def _cached(store: Store, name: str, build: Callable[[], T], seconds: float | None = None) -> T:
    key = (store.url, name, source_state(store))
    now = time.monotonic()
    with _LOCK:
        if key in _CACHE and (seconds is None or now - _CACHE[key][0] < seconds):
            _CACHE.move_to_end(key)
            return _CACHE[key][1]  # type: ignore[no-any-return]
    value = build()
    with _LOCK:
        for old in [k for k in _CACHE if k[:2] == key[:2]]:
            del _CACHE[old]
        _CACHE[key] = (now, value)
        while len(_CACHE) > MAX_ENTRIES:
            _CACHE.popitem(last=False)
    return value


@dataclass(frozen=True)
class StateRow:
    """A state as pages list it."""

    state_id: int
    name: str
    iso3: str | None
    ccode: int | None

    @property
    def href(self) -> str:
        return country_href(self.iso3, self.ccode, self.state_id)


def country_href(iso3: str | None, ccode: int | None = None, state_id: int | None = None) -> str:
    """The country page of a state: by ISO3 where it has one, else by COW number, else by detente id."""
    if iso3:
        return f"/ui/country/{iso3}"
    if ccode is not None:
        return f"/ui/country/{ccode}"
    return f"/ui/country/id-{state_id}"


def source_href(key: str) -> str:
    """Where a citation key leads: ``source:NAME`` to the sources page's entry, others to the dataset citations."""
    if key.startswith("source:"):
        return f"/ui/sources#source-{key.removeprefix('source:')}"
    return f"/ui/sources#cite-{key}"


def states(store: Store) -> list[StateRow]:
    """Every state in the crosswalk, by name."""

    def build() -> list[StateRow]:
        with store.engine.connect() as connection:
            rows = connection.execute(select(State.id, State.name, State.iso3, State.ccode).order_by(State.name))
            return [StateRow(int(i), str(n), iso3, ccode) for i, n, iso3, ccode in rows]

    return _cached(store, "states", build)


def state_years(store: Store) -> pl.DataFrame:
    """Per COW state and year: military expenditure and CINC (NMC), and ATOP alliance ties (from relations).

    Columns ``ccode``, ``year``, ``milex`` (thousands of current US$), ``cinc``, ``defense`` (1 when the state
    has a defence pact with anyone that year) and ``alliance`` (1 when any ATOP alliance); null is unknown.
    """

    def build() -> pl.DataFrame:
        table = relations(store)
        lazy = table.scan()
        names = lazy.collect_schema().names()
        wanted = {"milex1": "milex", "cinc1": "cinc", "atop_defense": "defense", "atop_alliance": "alliance"}
        present = {k: v for k, v in wanted.items() if k in names}
        aggs = [
            (pl.col(k).max() if v in ("defense", "alliance") else pl.col(k).drop_nulls().first()).alias(v)
            for k, v in present.items()
        ]
        frame = lazy.group_by("ccode1", "year").agg(*aggs).rename({"ccode1": "ccode"}).collect()
        for missing in set(wanted.values()) - set(present.values()):
            frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(missing))
        return frame.sort("ccode", "year")

    return _cached(store, "state_years", build)


def contributions_by_year(store: Store) -> pl.DataFrame:
    """Per state and year: the mean monthly uniformed personnel it had in UN missions (``None`` if unreported).

    Each month's figure is the sum over missions of that month's reported totals; the year's figure is the
    mean over the months with a report.
    """

    def build() -> pl.DataFrame:
        with store.engine.connect() as connection:
            rows = connection.execute(
                select(Contribution.state_id, Contribution.valid_from, Contribution.total).where(
                    Contribution.total.is_not(None)
                )
            ).all()
        if not rows:
            return pl.DataFrame(schema={"state_id": pl.Int64, "year": pl.Int32, "personnel": pl.Float64})
        frame = pl.DataFrame(
            {"state_id": [r[0] for r in rows], "start": [r[1] for r in rows], "total": [r[2] for r in rows]},
            schema={"state_id": pl.Int64, "start": pl.Date, "total": pl.Float64},
        )
        monthly = frame.group_by("state_id", pl.col("start").dt.truncate("1mo").alias("month")).agg(
            pl.col("total").sum()
        )
        return (
            monthly.group_by("state_id", pl.col("month").dt.year().alias("year"))
            .agg(pl.col("total").mean().alias("personnel"))
            .sort("state_id", "year")
        )

    return _cached(store, "contributions", build)
