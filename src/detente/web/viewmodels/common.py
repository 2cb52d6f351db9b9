"""What the view models share: the reader for one user, state names, and simple choice lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from detente.domain.markings import Classification
from detente.services.access import Principal
from detente.services.reading import MAX_LIMIT, Reader
from detente.store.database import Store

__all__ = [
    "Choice",
    "Context",
    "classification_choices",
    "every",
    "ids",
    "parse_day",
    "tokens",
]


@dataclass(frozen=True)
class Choice:
    """One option of a select box: the value sent and the label shown."""

    value: str
    label: str


@dataclass
class Context:
    """One user's view of the store for one request: the reader and a cache of state names.

    Build one per request (``Context(store, principal)``); it is not shared between users.
    """

    store: Store
    principal: Principal

    def __post_init__(self) -> None:
        self.reader = Reader(self.store)
        self._states: dict[int, tuple[str, str | None]] | None = None

    def _state_table(self) -> dict[int, tuple[str, str | None]]:
        if self._states is None:
            self._states = {
                int(row["id"]): (str(row["name"]), row.get("iso3"))
                for row in every(self.reader, self.principal, "states", sort="name")
            }
        return self._states

    def state_name(self, state_id: int | None) -> str:
        """The state's name, or an em dash for none (unknown is shown, never guessed)."""
        if state_id is None:
            return "—"
        found = self._state_table().get(int(state_id))
        return found[0] if found else f"state {state_id}"

    def has_state(self, state_id: int) -> bool:
        """Does the store know a state with this id?"""
        return int(state_id) in self._state_table()

    def state_iso3(self, state_id: int | None) -> str | None:
        if state_id is None:
            return None
        found = self._state_table().get(int(state_id))
        return found[1] if found else None

    def state_choices(self) -> list[Choice]:
        """Every state the store knows, by name (for forms and filters)."""
        return [Choice(str(i), name) for i, (name, _) in sorted(self._state_table().items(), key=lambda kv: kv[1][0])]

    def state_id(self, code: str) -> int | None:
        """The id of the state with this ISO3 code, if the store knows it."""
        wanted = code.strip().upper()
        for state_id, (_, iso3) in self._state_table().items():
            if iso3 == wanted:
                return state_id
        return None


def every(
    reader: Reader,
    principal: Principal,
    name: str,
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cap: int = 20_000,
) -> Iterator[dict[str, Any]]:
    """Every record of ``name`` the principal may see (paged through the reader), at most ``cap``."""
    offset = 0
    while offset < cap:
        page = reader.list(principal, name, filters=filters, sort=sort, limit=MAX_LIMIT, offset=offset)
        yield from page.items
        offset += len(page.items)
        if len(page.items) < MAX_LIMIT or offset >= page.total:
            return


def classification_choices(principal: Principal) -> list[Choice]:
    """The classifications a user may mark a record with: up to their own clearance."""
    return [Choice(level.name, level.label) for level in Classification if level <= principal.clearance]


def parse_day(value: str | None, field: str) -> date | None:
    """A ``YYYY-MM-DD`` form value as a date (blank: ``None``); ValueError naming the field otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not a date; write YYYY-MM-DD") from None


def tokens(text: str | None) -> tuple[str, ...]:
    """``"GBR, ORG:NATO"`` -> ``("GBR", "ORG:NATO")``: the partners a form asks to release to."""
    return tuple(part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip())


def ids(values: Iterable[Any]) -> list[int]:
    return sorted({int(v) for v in values if v is not None})
