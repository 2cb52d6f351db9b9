"""The rules of detente's tamper-evident audit chain, free of any database.

Every write appends one entry. An entry's hash is SHA-256 over the previous entry's hash followed by the
*canonical JSON* of the entry itself, so changing, removing or reordering any entry breaks every hash from
that point on. Canonical JSON here means: keys sorted, no insignificant whitespace, UTF-8, and only JSON
types (dates and decimals are turned into strings before they reach the log).

``before`` and ``after`` are stored as their canonical JSON text. That lets :func:`entry_hash` assemble
the canonical entry by concatenation, which is what makes verification fast, while still being exactly
``canonical_json({"action": ..., "actor": ..., ..., "seq": ...})``; a test holds the two equal.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "ChainBreak",
    "ChainEntry",
    "canonical_json",
    "entry_hash",
    "jsonable",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first entry."""


def jsonable(value: Any) -> Any:
    """Turn a stored value into a plain JSON value (dates to ISO text, decimals to text, enums to value)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"cannot put a {type(value).__name__} into the audit log")


def canonical_json(value: Any) -> str:
    """Serialise ``value`` to canonical JSON: sorted keys, compact separators, non-ASCII kept."""
    return json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """The hashed content of one audit entry (everything except its own hash)."""

    seq: int
    at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    before: str
    after: str
    prev_hash: str


_dumps = json.dumps


def entry_hash(e: ChainEntry) -> str:
    """SHA-256 (hex) over ``prev_hash`` and the canonical JSON of the entry.

    The canonical entry has the keys action, actor, after, at, before, object_id, object_type, seq in
    that (sorted) order; ``before`` and ``after`` are already canonical JSON text and go in verbatim.
    """
    text = (
        f'{{"action":{_dumps(e.action, ensure_ascii=False)},"actor":{_dumps(e.actor, ensure_ascii=False)},'
        f'"after":{e.after},"at":{_dumps(e.at, ensure_ascii=False)},"before":{e.before},'
        f'"object_id":{_dumps(e.object_id, ensure_ascii=False)},'
        f'"object_type":{_dumps(e.object_type, ensure_ascii=False)},"seq":{e.seq}}}'
    )
    return hashlib.sha256((e.prev_hash + text).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where and why a chain stopped verifying."""

    seq: int
    reason: str


def verify_chain(
    rows: Any, head: tuple[int, str] | None = None, start_seq: int = 1, start_prev: str = GENESIS_HASH
) -> tuple[int, ChainBreak | None]:
    """Walk ``rows`` in order and return (entries checked, first break or ``None``).

    ``rows`` yields tuples ``(seq, at, actor, action, object_type, object_id, before, after, prev_hash,
    hash)``. Sequence numbers must run 1, 2, 3, ... without gaps; each ``prev_hash`` must equal the hash of
    the entry before; each ``hash`` must be the recomputed one. ``head`` is the (seq, hash) that the store
    recorded for its newest entry: it catches a removed tail, which no chain can see by itself.
    """
    expected_seq, prev = start_seq, start_prev
    checked = 0
    for row in rows:
        seq, at, actor, action, otype, oid, before, after, prev_hash, stored = row
        if seq != expected_seq:
            return checked, ChainBreak(expected_seq, f"entry {expected_seq} is missing (found {seq} next)")
        if prev_hash != prev:
            return checked, ChainBreak(seq, "prev_hash does not match the hash of the entry before")
        recomputed = entry_hash(ChainEntry(seq, at, actor, action, otype, oid, before, after, prev_hash))
        if recomputed != stored:
            return checked, ChainBreak(seq, "content does not match its hash (the entry was changed)")
        prev, expected_seq, checked = stored, expected_seq + 1, checked + 1
    last_seq = expected_seq - 1
    if head is not None and head != (last_seq, prev):
        if head[0] > last_seq:
            return checked, ChainBreak(last_seq + 1, f"entries {last_seq + 1}..{head[0]} are missing")
        if head[0] < last_seq:
            return checked, ChainBreak(head[0] + 1, "entries after the recorded head were added outside detente")
        return checked, ChainBreak(last_seq, "the recorded head hash does not match the last entry")
    return checked, None
