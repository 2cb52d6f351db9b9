"""Loading sources into real databases: provenance, idempotence, and nothing half-written on any failure."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, inspect, select, text

from detente.services import audit_trail
from detente.services.status import store_status
from detente.sources import SourceDataError, SourceFetchError, get_source
from detente.sources.datasets import read_dataset
from detente.sources.load import load_source
from detente.sources.stored import check_source
from detente.store.database import Store
from detente.store.models import AuditEntry, DatasetTable, SourceVersion


def snapshot(store: Store) -> tuple[dict[str, int], list[str], int]:
    """Row counts of every domain table, the stored dataset tables, and the audit head."""
    status = store_status(store)
    tables = sorted(t for t in inspect(store.engine).get_table_names() if t.startswith("ds_"))
    return status.table_counts, tables, audit_trail.verify(store).head_seq


def test_load_stores_every_table_exactly_and_records_provenance(
    store: Store, mirror: Path, parsed: Callable[[str], dict[str, pl.DataFrame]]
) -> None:
    report = load_source(store, "atop", mirror=mirror, actor="loader-test")
    assert report.status == "loaded"
    expected = parsed("atop")
    assert report.tables == {name: frame.height for name, frame in expected.items()}
    for name, frame in expected.items():
        back = read_dataset(store.engine, "atop", name)
        assert back.schema == frame.schema
        assert back.equals(frame), f"atop.{name} must read back exactly as parsed"
    with store.sessions() as session:
        version = session.scalars(select(SourceVersion)).one()
        assert version.version == "5.1"
        declared = {f.path: f.sha256 for f in get_source("atop").spec.files}
        assert {path: meta["sha256"] for path, meta in version.files.items()} == declared
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "load")).one()
        assert (entry.actor, entry.object_id) == ("loader-test", str(version.id))
    assert check_source(store.engine, "atop").ok


def test_loading_the_same_version_again_changes_nothing(store: Store, mirror: Path) -> None:
    load_source(store, "sipri_tiv", mirror=mirror)
    before = snapshot(store)
    again = load_source(store, "sipri_tiv", mirror=mirror)
    assert again.status == "unchanged"
    assert snapshot(store) == before


def test_bad_file_changes_nothing(store: Store, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_CACHE_DIR", str(tmp_path / "fresh-cache"))
    load_source(store, "sipri_tiv", mirror=mirror)
    before = snapshot(store)
    broken = tmp_path / "mirror"
    shutil.copytree(mirror / "dcad", broken / "dcad")
    target = broken / "dcad" / "DCAD-v1.0-main.csv"
    target.write_bytes(target.read_bytes()[:-500])
    with pytest.raises(SourceDataError, match=r"checksum mismatch .* Fix:"):
        load_source(store, "dcad", mirror=broken)
    with pytest.raises(SourceFetchError, match="not in the mirror or cache"):
        load_source(store, "dcad", mirror=tmp_path / "empty")
    assert snapshot(store) == before
    assert audit_trail.verify(store).ok


def test_stored_table_tampering_is_found_by_check(store: Store, mirror: Path) -> None:
    load_source(store, "sipri_tiv", mirror=mirror)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM ds_sipri_tiv__tiv WHERE ds_row = 7"))
    result = check_source(store.engine, "sipri_tiv")
    assert not result.ok
    assert any("21323 rows stored, 21324 declared" in p for p in result.problems)


def _writing(store: Store, wal: Path | None, baseline: int) -> bool:
    """Is another process in the middle of writing rows? (SQLite: its WAL grows; PostgreSQL: a COPY runs.)"""
    if wal is not None:
        return wal.exists() and wal.stat().st_size > baseline + 4_000_000
    with store.engine.connect() as connection:
        copying = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %' AND pid <> pg_backend_pid()")
        ).scalar()
    return bool(copying)


def test_a_killed_load_leaves_the_database_as_it_was(store: Store, database_url: str, mirror: Path) -> None:
    """SIGKILL the process while it stores peacesciencer's millions of rows: nothing of that load remains."""
    load_source(store, "sipri_tiv", mirror=mirror)
    before = snapshot(store)
    sqlite = store.engine.dialect.name == "sqlite"
    wal = Path(str(store.engine.url.database) + "-wal") if sqlite else None
    baseline = wal.stat().st_size if wal is not None and wal.exists() else 0
    env = {**os.environ, "DETENTE_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "detente", "sources", "load", "peacesciencer", "--mirror", str(mirror)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    seen_writing = False
    while time.monotonic() < deadline and process.poll() is None:
        if _writing(store, wal, baseline):
            seen_writing = True
            break
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert seen_writing, "the load was not caught writing; the test proves nothing"
    assert process.returncode == -signal.SIGKILL
    assert snapshot(store) == before
    assert audit_trail.verify(store).ok
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DatasetTable)) == 1
