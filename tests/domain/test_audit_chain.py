"""The audit chain's canonical form and hash, independent of any database."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from detente.domain.audit_chain import (
    GENESIS_HASH,
    ChainEntry,
    canonical_json,
    entry_hash,
    verify_chain,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def test_canonical_json_sorts_keys_and_converts_values() -> None:
    text = canonical_json({"b": Decimal("1.50"), "a": date(2024, 1, 2), "é": None})
    assert text == '{"a":"2024-01-02","b":"1.50","é":null}'


@given(
    actor=st.text(min_size=1),
    action=st.sampled_from(["create", "update", "delete"]),
    before=json_values,
    after=json_values,
    object_id=st.text(),
)
def test_entry_hash_is_sha256_of_prev_and_canonical_entry(
    actor: str, action: str, before: Any, after: Any, object_id: str
) -> None:
    entry = ChainEntry(
        seq=7,
        at="2026-01-01T00:00:00.000000+00:00",
        actor=actor,
        action=action,
        object_type="state",
        object_id=object_id,
        before=canonical_json(before),
        after=canonical_json(after),
        prev_hash="ab" * 32,
    )
    canonical = canonical_json(
        {
            "seq": 7,
            "at": entry.at,
            "actor": actor,
            "action": action,
            "object_type": "state",
            "object_id": object_id,
            "before": before,
            "after": after,
        }
    )
    assert entry_hash(entry) == hashlib.sha256((entry.prev_hash + canonical).encode()).hexdigest()


def _chain(n: int) -> list[tuple[Any, ...]]:
    rows, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = ChainEntry(seq, f"t{seq}", "me", "create", "state", str(seq), "null", f'{{"n":{seq}}}', prev)
        digest = entry_hash(entry)
        rows.append((seq, entry.at, "me", "create", "state", str(seq), "null", entry.after, prev, digest))
        prev = digest
    return rows


def test_verify_chain_names_the_first_bad_entry() -> None:
    rows = _chain(5)
    assert verify_chain(rows, head=(5, rows[-1][-1])) == (5, None)
    edited = [*rows]
    edited[2] = (*rows[2][:7], '{"n":999}', *rows[2][8:])
    checked, broken = verify_chain(edited)
    assert checked == 2 and broken is not None and broken.seq == 3
    _, broken = verify_chain(rows[:1] + rows[2:])
    assert broken is not None and broken.seq == 2
    _, broken = verify_chain(rows[:4], head=(5, rows[-1][-1]))
    assert broken is not None and broken.seq == 5
