"""Opening a store connects to nothing it does not need, and its light catalog reads say what the models say.

On SQLite the schema check and the catalog questions go through ``sqlite3`` (no SQLAlchemy, no engine);
elsewhere through the engine. Either way the answers must equal the ORM's, the reads must see every later
write, and a SQLite store is known in cache keys by its file's absolute path, not by the URL's text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from detente.panels.cache import audit_key, derived_table
from detente.services import audit_trail
from detente.services.records import Records, audit_only
from detente.store import catalog
from detente.store.audit_log import Pending, append_many
from detente.store.database import SchemaOutOfDateError, Store
from detente.store.engine import sqlite_file
from detente.store.models import AuditHead, DatasetTable, Source, SourceVersion
from detente.store.schema import SCHEMA_HEAD
from tests.conftest import BACKENDS, loaded_store


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store with one real source (countrycode) loaded from the mirror."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("reads"), ["countrycode"]) as store:
        yield store


def test_catalog_reads_say_what_the_models_say(loaded: Store) -> None:
    with loaded.transaction() as session:
        rows = session.execute(
            select(DatasetTable, SourceVersion, Source)
            .join(SourceVersion, SourceVersion.id == DatasetTable.source_version_id)
            .join(Source, Source.id == SourceVersion.source_id)
            .where(Source.name == "countrycode")
        ).all()
        head = session.execute(select(AuditHead.data_seq, AuditHead.data_hash)).one()
    assert rows, "countrycode stored no table"
    for table, version, source in rows:
        entry = catalog.table_entry(loaded, "countrycode", table.name)
        assert entry == catalog.TableEntry(
            table.db_table, version.id, version.version, catalog.as_utc(version.loaded_at), table.rows
        )
        assert catalog.source_citation_text(loaded, "countrycode") == source.citation
    assert catalog.audit_head(loaded) == (head.data_seq, head.data_hash)
    assert catalog.table_entry(loaded, "countrycode", "no_such_table") is None
    assert catalog.source_citation_text(loaded, "no_such_source") is None


def test_catalog_reads_see_every_later_write(loaded: Store) -> None:
    """The SQLite reader keeps its connection, and must still see what the engine's connections commit."""
    before = catalog.audit_head(loaded)
    Records(loaded).create("state", {"name": "Readland", "ccode": 998}, actor="test")
    after = catalog.audit_head(loaded)
    assert before is not None and after is not None
    assert after[0] == before[0] + 1
    assert audit_key(loaded) == f"audit:{after[0]}:{after[1]}:schema:{SCHEMA_HEAD}"


def test_an_audited_read_moves_the_head_but_not_the_data_head(loaded: Store) -> None:
    """Reads and exports of marked records are audited, but change no row: caches keyed on the data head
    (:func:`audit_key`) must survive them, and must not survive a write, single or in bulk."""

    def heads() -> tuple[tuple[int, int], str | None]:
        with loaded.engine.connect() as connection:
            seq, data_seq = connection.execute(select(AuditHead.seq, AuditHead.data_seq)).one()
        return (int(seq), int(data_seq)), audit_key(loaded)

    (seq, data_seq), key = heads()
    audit_only(loaded, "reader", "read", "report", 1, {"marking": "SECRET"})
    audit_only(loaded, "reader", "export", "report", 1, {"rows": 1})
    (seq_after, data_after), key_after = heads()
    assert seq_after == seq + 2, "both looks are in the chain"
    assert (data_after, key_after) == (data_seq, key), "no data changed: the caches stay valid"
    with loaded.engine.begin() as connection:  # a bulk append mixing a write and a read
        entries = [Pending("t", "create", "state", "x", None, {}), Pending("t", "read", "state", "x", None, {})]
        made = append_many(connection, entries)
    (seq_bulk, data_bulk), key_bulk = heads()
    assert seq_bulk == seq_after + 2 and data_bulk == made[0].seq == seq_after + 1
    assert key_bulk != key
    Records(loaded).create("state", {"name": "Headland", "ccode": 997}, actor="test")
    (seq_write, data_write), key_write = heads()
    assert data_write == seq_write == seq_bulk + 1 and key_write not in (key, key_bulk)
    assert audit_trail.verify(loaded).ok


_OPEN_AND_READ = """
import json, sys
from detente.store import catalog
from detente.store.database import Store
store = Store.open(sys.argv[1])
answers = [catalog.audit_head(store), catalog.table_entry(store, "countrycode", "codelist") is not None]
print(json.dumps({"answers": answers, "modules": sorted(m for m in sys.modules if m.startswith("sqlalchemy"))}))
"""


def test_a_sqlite_store_answers_catalog_questions_without_sqlalchemy(loaded: Store) -> None:
    if loaded.sqlite_file is None:
        pytest.skip("only a SQLite store is read through sqlite3")
    done = subprocess.run(
        [sys.executable, "-c", _OPEN_AND_READ, loaded.url], env=dict(os.environ), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["answers"][0] == list(catalog.audit_head(loaded) or ())
    assert found["modules"] == []  # not even SQLAlchemy Core: no engine was made


def test_a_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "detente.sqlite"
    with pytest.raises(SchemaOutOfDateError, match=r"schema none.*detente init"):
        Store.open(f"sqlite:///{missing}")
    assert not missing.exists() and not missing.parent.exists()


def test_sqlite_file_names_the_database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert sqlite_file("sqlite:///relative.db") == tmp_path.resolve() / "relative.db"
    assert sqlite_file(f"sqlite:///{tmp_path}/a.db") == tmp_path.resolve() / "a.db"
    assert sqlite_file("sqlite+pysqlite:///b.db") == tmp_path.resolve() / "b.db"
    assert sqlite_file("sqlite:///c%20d.db") == tmp_path.resolve() / "c d.db"  # parsed by SQLAlchemy
    for other in ("sqlite://", "sqlite:///:memory:", "postgresql://u:p@host/db", "sqlite:///e.db?mode=ro"):
        assert sqlite_file(other) is None, other


def test_a_relative_sqlite_url_names_the_file_it_reaches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One relative URL used from two directories reaches two databases: their cached results never mix;
    an absolute URL to the same file shares them."""
    first, second = tmp_path / "first", tmp_path / "second"
    stores: list[Store] = []
    for directory in (first, second):
        directory.mkdir()
        monkeypatch.chdir(directory)
        stores.append(Store.open("sqlite:///detente.sqlite", create=True))
    try:
        assert stores[0].identity != stores[1].identity
        answers = [
            derived_table(store, "identity-test", [], lambda label=label: pl.DataFrame({"made_in": [label]}))
            for store, label in zip(stores, ("first", "second"), strict=True)
        ]
        assert [a["made_in"][0] for a in answers] == ["first", "second"]
        monkeypatch.chdir(tmp_path)
        absolute = Store.open(f"sqlite:///{first / 'detente.sqlite'}")
        try:
            assert absolute.identity == stores[0].identity
            again = derived_table(absolute, "identity-test", [], lambda: pl.DataFrame({"made_in": ["absolute"]}))
            assert again["made_in"][0] == "first"  # the same file: the same cached result
        finally:
            absolute.close()
    finally:
        for store in stores:
            store.close()
