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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "ChainBreak",
    "ChainEntry",
    "Segment",
    "canonical_json",
    "entry_hash",
    "jsonable",
    "stitch",
    "verify_chain",
    "verify_segment",
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


# The C string encoder behind ``json.dumps(text, ensure_ascii=False)``, called directly: the same output,
# without building a JSONEncoder for every string (verification hashes hundreds of thousands of entries).
_quote: Callable[[str], str] = json.encoder.encode_basestring
_sha256 = hashlib.sha256


def entry_hash(e: ChainEntry) -> str:
    """SHA-256 (hex) over ``prev_hash`` and the canonical JSON of the entry.

    The canonical entry has the keys action, actor, after, at, before, object_id, object_type, seq in
    that (sorted) order; ``before`` and ``after`` are already canonical JSON text and go in verbatim.
    """
    return _hash_fields(e.seq, e.at, e.actor, e.action, e.object_type, e.object_id, e.before, e.after, e.prev_hash)


def _hash_fields(
    seq: int, at: str, actor: str, action: str, otype: str, oid: str, before: str, after: str, prev_hash: str
) -> str:
    text = (
        f'{prev_hash}{{"action":{_quote(action)},"actor":{_quote(actor)},"after":{after},"at":{_quote(at)},'
        f'"before":{before},"object_id":{_quote(oid)},"object_type":{_quote(otype)},"seq":{seq}}}'
    )
    return _sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where and why a chain stopped verifying."""

    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class Segment:
    """The outcome of verifying a run of consecutive entries ``first_seq`` .. ``last_seq``."""

    first_seq: int
    first_prev: str | None
    last_seq: int
    last_hash: str | None
    checked: int
    broken: ChainBreak | None


def verify_segment(
    rows: Iterable[tuple[Any, ...]], start_seq: int, start_prev: str | None, end_seq: int | None = None
) -> Segment:
    """Verify consecutive entries from ``start_seq`` on.

    ``rows`` yields tuples ``(seq, at, actor, action, object_type, object_id, before, after, prev_hash,
    hash)``. Sequence numbers must run on without gaps; each ``prev_hash`` must equal the hash of the entry
    before (for the first row: ``start_prev``, or, when that is ``None``, whatever the row says - the caller
    then checks that link, see :func:`stitch`); each ``hash`` must be the recomputed one. With ``end_seq``,
    the rows must reach that entry.
    """
    expected_seq, prev, first_prev = start_seq, start_prev, start_prev
    checked = 0
    quote, sha256 = _quote, _sha256  # locals: this loop runs once per entry of the whole log
    for row in rows:
        seq, at, actor, action, otype, oid, before, after, prev_hash, stored = row
        if seq != expected_seq:
            broken = ChainBreak(expected_seq, f"entry {expected_seq} is missing (found {seq} next)")
            return Segment(start_seq, first_prev, expected_seq - 1, prev, checked, broken)
        if prev is None:
            prev = first_prev = prev_hash
        if prev_hash != prev:
            broken = ChainBreak(seq, "prev_hash does not match the hash of the entry before")
            return Segment(start_seq, first_prev, expected_seq - 1, prev, checked, broken)
        # The same text as _hash_fields builds, written out here to spare a call per entry.
        text = (
            f'{prev_hash}{{"action":{quote(action)},"actor":{quote(actor)},"after":{after},"at":{quote(at)},'
            f'"before":{before},"object_id":{quote(oid)},"object_type":{quote(otype)},"seq":{seq}}}'
        )
        if sha256(text.encode()).hexdigest() != stored:
            broken = ChainBreak(seq, "content does not match its hash (the entry was changed)")
            return Segment(start_seq, first_prev, expected_seq - 1, prev, checked, broken)
        prev, expected_seq, checked = stored, expected_seq + 1, checked + 1
    if end_seq is not None and expected_seq <= end_seq:
        broken = ChainBreak(expected_seq, f"entries {expected_seq}..{end_seq} are missing")
        return Segment(start_seq, first_prev, expected_seq - 1, prev, checked, broken)
    return Segment(start_seq, first_prev, expected_seq - 1, prev, checked, None)


def stitch(segments: Sequence[Segment], head: tuple[int, str] | None) -> tuple[int, ChainBreak | None]:
    """Join verified segments (in order) into one answer: (entries verified, first break or ``None``).

    Each segment must begin where the one before ended, with the first entry pointing at the previous
    segment's last hash. ``head`` is the (seq, hash) that the store recorded for its newest entry: it catches
    a removed tail, which no chain can see by itself.
    """
    checked, last_seq, last_hash = 0, 0, GENESIS_HASH
    for segment in segments:
        if segment.checked and segment.first_prev != last_hash:
            return checked, ChainBreak(segment.first_seq, "prev_hash does not match the hash of the entry before")
        checked += segment.checked
        if segment.broken is not None:
            return checked, segment.broken
        if segment.checked:
            last_seq, last_hash = segment.last_seq, segment.last_hash or last_hash
    if head is not None and head != (last_seq, last_hash):
        if head[0] > last_seq:
            return checked, ChainBreak(last_seq + 1, f"entries {last_seq + 1}..{head[0]} are missing")
        if head[0] < last_seq:
            return checked, ChainBreak(head[0] + 1, "entries after the recorded head were added outside detente")
        return checked, ChainBreak(last_seq, "the recorded head hash does not match the last entry")
    return checked, None


def verify_chain(rows: Iterable[tuple[Any, ...]], head: tuple[int, str] | None = None) -> tuple[int, ChainBreak | None]:
    """Verify a whole chain from entry 1 in one pass: (entries verified, first break or ``None``)."""
    return stitch([verify_segment(rows, 1, GENESIS_HASH)], head)
