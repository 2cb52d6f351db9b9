"""What every analysis shares: states named the way a user names them, citations, and "unknown" kept apart.

Every answer of :mod:`detente.analysis` is a Pydantic model that carries the :class:`CitedSource` of each
dataset it rests on, so a REST route or a CLI command only renders it. A figure outside a source's years is
``None`` (JSON ``null``, "unknown" in text), never 0.

States are named by ISO3 (``FRA``), COW abbreviation (``FRN``), COW number (``220``) or name (``France``);
:func:`resolve_state` finds the store's state and its COW code in the year asked about (Germany is 255
before 1945 and from 1990, 260 in between).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import Select, String, bindparam, func, or_, select

from detente.analysis.statements import prepared
from detente.panels.citations import Citation, source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.store.database import Store
from detente.store.models import State

__all__ = ["CitedSource", "StateRef", "StateResolver", "cite", "cite_sources", "resolve_state"]


class CitedSource(BaseModel):
    """One work an answer rests on: a short key (``source:atop``, ``atop``) and the text to cite."""

    key: str
    text: str


class StateRef(BaseModel):
    """A state as an answer names it: the store's id, its COW code in the year asked about, ISO3 and name."""

    state_id: int
    ccode: int | None
    iso3: str | None
    name: str


def cite(citations: Iterable[Citation]) -> list[CitedSource]:
    """Panel citations as answer citations, in order, each once."""
    seen: set[str] = set()
    out: list[CitedSource] = []
    for citation in citations:
        if citation.key not in seen:
            seen.add(citation.key)
            out.append(CitedSource(key=citation.key, text=citation.text))
    return out


def cite_sources(store: Store, *sources: str) -> list[CitedSource]:
    """The store's citations of loaded source packages (a source not loaded is left out, not invented)."""
    out: list[CitedSource] = []
    for name in sources:
        try:
            out.append(CitedSource(**vars(source_citation(store, name))))
        except LookupError:
            continue
    return out


def _states_statement() -> Select[int, str | None, str]:
    """Id, ISO3 and name of the states ``:state_ids``."""
    return select(State.id, State.iso3, State.name).where(State.id.in_(bindparam("state_ids", expanding=True)))


def _named_statement() -> Select[int]:
    """The states whose ISO3 or COW abbreviation is ``:upper`` or whose name is ``:lower`` (either case)."""
    upper, lower = bindparam("upper", type_=String), bindparam("lower", type_=String)
    return select(State.id).where(
        or_(func.upper(State.iso3) == upper, func.upper(State.abbreviation) == upper, func.lower(State.name) == lower)
    )


@dataclass
class StateResolver:
    """Resolves user-given state names to :class:`StateRef` and translates between ids and COW codes."""

    store: Store
    book: CodeBook
    _held: dict[int, dict[int, int]] = field(default_factory=dict, repr=False)
    """Year -> :meth:`_codes_in` of that year."""

    @classmethod
    def open(cls, store: Store) -> StateResolver:
        """A resolver over the store's crosswalk (raises :class:`LookupError` when none is loaded)."""
        return cls(store, code_book(store))

    def cow_code(self, state_id: int, year: int) -> int | None:
        """The COW code the state held in ``year`` (the later one in a year with two), or ``None``."""
        spells = self.book.codes.filter(
            (self.book.codes["state_id"] == state_id) & (self.book.codes["system"] == "cow")
        ).sort("first_year", descending=True)
        for row in spells.iter_rows(named=True):
            last = row["last_year"] if row["last_year"] is not None else 9999
            if row["first_year"] <= year <= last:
                return int(row["code"])
        return None

    def state_of_code(self, ccode: int, year: int) -> int | None:
        """The state that held COW ``ccode`` in ``year`` (or, failing that, the one state that ever held it)."""
        spells = self.book.codes.filter((self.book.codes["system"] == "cow") & (self.book.codes["code"] == str(ccode)))
        for row in spells.iter_rows(named=True):
            last = row["last_year"] if row["last_year"] is not None else 9999
            if row["first_year"] <= year <= last:
                return int(row["state_id"])
        ids = spells["state_id"].unique().to_list()
        return int(ids[0]) if len(ids) == 1 else None

    def refs(self, state_ids: Iterable[int], year: int) -> dict[int, StateRef]:
        """:class:`StateRef` for each id (one query)."""
        wanted = sorted(set(state_ids))
        query = prepared("common:states", _states_statement)
        with self.store.engine.connect() as connection:
            rows = connection.execute(query, {"state_ids": wanted}).all()
        codes = self._codes_in(year)
        return {
            int(sid): StateRef(state_id=int(sid), ccode=codes.get(int(sid)), iso3=iso3, name=str(name))
            for sid, iso3, name in rows
        }

    def _codes_in(self, year: int) -> dict[int, int]:
        """state id -> the COW code it held in ``year`` (the one taken later, in a year with two); worked out
        once per year for this resolver (whose code book does not change), as a dossier asks several times."""
        if year not in self._held:
            codes = self.book.codes.filter(
                (self.book.codes["system"] == "cow")
                & (self.book.codes["first_year"] <= year)
                & (self.book.codes["last_year"].fill_null(9999) >= year)
            ).sort("first_year")
            self._held[year] = {int(sid): int(code) for sid, code in codes.select("state_id", "code").iter_rows()}
        return self._held[year]

    def by_code(self, year: int) -> dict[int, StateRef]:
        """Every COW code held in ``year`` -> its state (one pass over the crosswalk and one query)."""
        pairs = {code: sid for sid, code in self._codes_in(year).items()}
        refs = self.refs(pairs.values(), year)  # each with the code it held in ``year``: the key
        return {code: refs[sid] for code, sid in pairs.items() if sid in refs}

    def ref_of_code(self, ccode: int, year: int) -> StateRef:
        """The :class:`StateRef` of COW ``ccode`` in ``year`` (a placeholder name when no state is known)."""
        state_id = self.state_of_code(ccode, year)
        if state_id is None:
            return StateRef(state_id=-1, ccode=ccode, iso3=None, name=f"COW {ccode}")
        ref = self.refs([state_id], year)[state_id]
        return ref.model_copy(update={"ccode": ccode})

    def resolve(self, text: str, year: int) -> StateRef:
        """The state named ``text`` (ISO3, COW abbreviation or number, or name), with its COW code in ``year``.

        Raises:
            LookupError: no state or several states go by that name; the message says what to try.
        """
        given = text.strip()
        if given.isdigit():
            state_id = self.state_of_code(int(given), year)
            if state_id is not None:
                return self.refs([state_id], year)[state_id]
        query = prepared("common:named", _named_statement)
        with self.store.engine.connect() as connection:
            found = connection.execute(query, {"upper": given.upper(), "lower": given.lower()}).scalars()
            ids = sorted({int(i) for i in found})
        if not ids:
            raise LookupError(
                f"no state is called {text!r}: give an ISO3 code (FRA), a COW abbreviation (FRN) or number (220), "
                "or the name as the crosswalk spells it (France)"
            )
        if len(ids) > 1:
            # several historical states share a name or code: prefer the one with a COW code in that year
            current = [i for i in ids if self.cow_code(i, year) is not None]
            if len(current) != 1:
                raise LookupError(f"{text!r} names {len(ids)} states; give the COW number instead")
            ids = current
        return self.refs(ids, year)[ids[0]]


def resolve_state(store: Store, text: str, year: int) -> StateRef:
    """The state named ``text`` with its COW code in ``year`` (see :meth:`StateResolver.resolve`)."""
    return StateResolver.open(store).resolve(text, year)
