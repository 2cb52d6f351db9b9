"""Property tests of the audit chain on real databases.

Any sequence of audited writes verifies. Then, with the append-only triggers dropped (as an attacker with
database access could), any single change to one audit row made with raw SQL - editing a field, deleting a
row, or swapping the places of two rows - makes ``audit verify`` fail, and name exactly that entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from detente.services import audit_trail
from detente.services.records import Records
from detente.store.database import Store
from tests.conftest import BACKENDS, _empty_database

FIELDS = ["at", "actor", "action", "object_type", "object_id", "before", "after", "prev_hash", "hash"]

write = st.tuples(
    st.sampled_from(["create", "update", "delete"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=30),
)


def drop_guards(store: Store) -> None:
    """Remove the append-only triggers, as only a tamperer (or this test) would."""
    with store.engine.begin() as connection:
        if store.engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_entries_no_update ON audit_entries"))
        else:
            connection.execute(text("DROP TRIGGER audit_entries_no_update"))
            connection.execute(text("DROP TRIGGER audit_entries_no_delete"))


def apply_writes(store: Store, writes: list[tuple[str, str]]) -> int:
    """Run the writes through the services; return how many audit entries they made."""
    records, alive, made = Records(store), [], 0
    for action, name in writes:
        if action == "create" or not alive:
            alive.append(records.create("state", {"name": name}, actor="prop")["id"])
        elif action == "update":
            records.update("state", alive[-1], {"name": name, "ccode": len(name)}, actor="prop")
        else:
            records.delete("state", alive.pop(), actor="prop")
        made += 1
    return made


@pytest.fixture(scope="module", params=BACKENDS)
def clean_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with _empty_database(str(request.param), tmp_path_factory.mktemp("tamper")) as url:
        opened = Store.open(url, create=True)
        drop_guards(opened)
        yield opened
        opened.close()


def reset(store: Store) -> None:
    """Empty the store between examples (possible only because the guards were dropped for this test)."""
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries"))
        connection.execute(text("DELETE FROM states"))
        connection.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})


def tamper(store: Store, kind: str, seq: int, n: int, value: Any) -> int:
    """Change one audit row with raw SQL and return the sequence number verify must report."""
    with store.engine.begin() as connection:
        if kind == "delete":
            connection.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": seq})
            return seq
        if kind == "swap":
            other = seq + 1 if seq < n else seq - 1
            low = min(seq, other)
            connection.execute(text("UPDATE audit_entries SET seq = -1 WHERE seq = :s"), {"s": low})
            connection.execute(text("UPDATE audit_entries SET seq = :a WHERE seq = :b"), {"a": low, "b": low + 1})
            connection.execute(text("UPDATE audit_entries SET seq = :a WHERE seq = -1"), {"a": low + 1})
            return low
        field = FIELDS[value % len(FIELDS)]
        current = connection.execute(text(f"SELECT {field} FROM audit_entries WHERE seq = :s"), {"s": seq}).scalar()
        changed = current[:-1] + ("y" if current.endswith("x") else "x")  # same length: fits the column
        if field in ("before", "after"):
            changed = '{"forged":true}' if current != '{"forged":true}' else "null"
        connection.execute(text(f"UPDATE audit_entries SET {field} = :v WHERE seq = :s"), {"v": changed, "s": seq})
        return seq


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(write, min_size=1, max_size=12), data=st.data())
def test_any_single_tamper_is_found_at_its_entry(clean_store: Store, writes: list[tuple[str, str]], data: Any) -> None:
    reset(clean_store)
    n = apply_writes(clean_store, writes)
    report = audit_trail.verify(clean_store)
    assert report.ok, report
    assert report.entries_verified == n

    kind = data.draw(st.sampled_from(["edit", "delete"] + (["swap"] if n > 1 else [])), label="tamper")
    seq = data.draw(st.integers(1, n), label="seq")
    expected = tamper(clean_store, kind, seq, n, data.draw(st.integers(0, 100), label="field"))
    report = audit_trail.verify(clean_store)
    assert not report.ok
    assert report.first_bad_seq == expected, report
    assert report.entries_verified == expected - 1


def test_head_catches_a_removed_tail(clean_store: Store, tmp_path: Path) -> None:
    reset(clean_store)
    apply_writes(clean_store, [("create", "a"), ("create", "b"), ("update", "c")])
    with clean_store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    report = audit_trail.verify(clean_store)
    assert (report.ok, report.first_bad_seq) == (False, 3)


@pytest.mark.parametrize("kind", ["edit", "delete", "swap"])
def test_parallel_verify_finds_the_same_entry(clean_store: Store, kind: str) -> None:
    """Verification split over worker processes gives the single-process answer, also at range edges."""
    for seq in range(1, 11):
        reset(clean_store)
        n = apply_writes(clean_store, [("create", f"s{i}") for i in range(10)])
        assert audit_trail.verify(clean_store, jobs=3, parallel_from=0).ok
        expected = tamper(clean_store, kind, seq, n, seq)
        serial = audit_trail.verify(clean_store, jobs=1)
        parallel = audit_trail.verify(clean_store, jobs=3, parallel_from=0)
        assert (serial.first_bad_seq, parallel.first_bad_seq) == (expected, expected), (kind, seq)
        assert serial.entries_verified == parallel.entries_verified == expected - 1
