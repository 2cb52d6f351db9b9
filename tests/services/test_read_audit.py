"""The grouped audit of marked reads: every read recorded exactly once, the chain intact, nothing lost at shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from detente.domain.markings import Role
from detente.services import accounts
from detente.services.access import Principal
from detente.services.read_audit import ReadAudit, close_store, read_audit
from detente.services.reading import Reader
from detente.services.writing import Writer
from detente.store.audit_log import verify
from detente.store.database import Store
from detente.store.models import AuditEntry

PASSWORD = "a long enough password"


def _reporter(store: Store, name: str) -> tuple[Principal, str]:
    accounts.create_user(store, actor="test", username=name, password=PASSWORD, role=Role.EDITOR, nationality="NOR")
    issued = accounts.login(store, name, PASSWORD, client="test")
    return accounts.authenticate(store, issued.secret), issued.secret


def _reports(store: Store, principal: Principal, count: int) -> list[int]:
    writer = Writer(store)
    return [
        int(
            writer.create(
                principal,
                "reports",
                {
                    "reported_on": "2024-03-01",
                    "title": f"Report {n}",
                    "body": "A convoy.",
                    "reliability": "B",
                    "credibility": 2,
                },
            )["id"]
        )
        for n in range(count)
    ]


def _read_entries(store: Store, actor: str) -> list[AuditEntry]:
    with store.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.actor == actor, AuditEntry.action == "read")
        return list(session.scalars(query.order_by(AuditEntry.seq)))


def _read_concurrently(store: Store, principal: Principal, ids: list[int], rounds: int) -> Counter[str]:
    """Read every id ``rounds`` times from 8 threads; how many times each id was read."""
    reader = Reader(store)
    wanted = [record_id for _ in range(rounds) for record_id in ids]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda record_id: reader.get(principal, "reports", record_id)["id"], wanted))
    assert sorted(got) == sorted(wanted)
    return Counter(str(record_id) for record_id in wanted)


def test_group_commit_records_every_concurrent_read_once_before_it_returns(store: Store) -> None:
    principal, _ = _reporter(store, "reader-group")
    ids = _reports(store, principal, 12)
    read = _read_concurrently(store, principal, ids, rounds=5)
    entries = _read_entries(store, principal.actor)  # no flush: with the default every read waited for its entry
    assert Counter(entry.object_id for entry in entries) == read
    assert all(entry.after == f'{{"ids":[{entry.object_id}],"resource":"reports"}}' for entry in entries)
    checked, broken = verify(store.engine)
    assert broken is None and checked >= len(entries)


def test_write_behind_keeps_read_times_and_loses_nothing_on_close(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_READ_AUDIT_DELAY_MS", "60000")  # nothing flushes by itself during the test
    principal, _ = _reporter(store, "reader-behind")
    ids = _reports(store, principal, 10)
    queue = read_audit(store)
    assert queue.delay_ms == 60000
    started = datetime.now().astimezone()
    read = _read_concurrently(store, principal, ids, rounds=3)
    finished = datetime.now().astimezone()
    assert _read_entries(store, principal.actor) == [], "write-behind: the reads returned before their entries"
    close_store(store)
    entries = _read_entries(store, principal.actor)
    assert Counter(entry.object_id for entry in entries) == read
    assert all(started <= datetime.fromisoformat(entry.at) <= finished for entry in entries), "stamped at the read"
    checked, broken = verify(store.engine)
    assert broken is None and checked >= len(entries)
    # After close the store gets a fresh queue: later reads are still recorded.
    Reader(store).get(principal, "reports", ids[0])
    close_store(store)
    assert len(_read_entries(store, principal.actor)) == len(entries) + 1


def test_write_behind_flushes_every_delay(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_READ_AUDIT_DELAY_MS", "50")
    principal, _ = _reporter(store, "reader-tick")
    ids = _reports(store, principal, 3)
    for record_id in ids:
        Reader(store).get(principal, "reports", record_id)
    deadline = time.monotonic() + 10
    while len(_read_entries(store, principal.actor)) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [entry.object_id for entry in _read_entries(store, principal.actor)] == [str(i) for i in ids]
    close_store(store)


def test_a_failed_group_fails_its_reads_and_records_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    principal, _ = _reporter(store, "reader-fail")
    ids = _reports(store, principal, 2)
    queue = read_audit(store)
    real_append = ReadAudit._append

    def refuse(self: ReadAudit, entries: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ReadAudit, "_append", refuse)
    with pytest.raises(RuntimeError, match="went away"):
        Reader(store).get(principal, "reports", ids[0])
    monkeypatch.setattr(ReadAudit, "_append", real_append)
    Reader(store).get(principal, "reports", ids[1])
    assert [entry.object_id for entry in _read_entries(store, principal.actor)] == [str(ids[1])]
    assert queue is read_audit(store)


def test_bad_delay_setting_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.services.read_audit import read_audit_delay_ms

    monkeypatch.setenv("DETENTE_READ_AUDIT_DELAY_MS", "soon")
    with pytest.raises(ValueError, match="whole number of milliseconds"):
        read_audit_delay_ms()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_served_write_behind_entries_survive_a_clean_shutdown(store: Store, database_url: str) -> None:
    """`detente serve` with a long write-behind delay, stopped with SIGTERM: every marked read is in the log."""
    principal, token = _reporter(store, "reader-served")
    ids = _reports(store, principal, 4)
    port = _free_port()
    environment = {**os.environ, "DETENTE_READ_AUDIT_DELAY_MS": "60000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "detente", "serve", "--port", str(port), "--database", database_url],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "detente serve did not start"
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        for record_id in ids:
            assert httpx.get(f"{base}/reports/{record_id}", headers=headers, timeout=60).status_code == 200
        assert _read_entries(store, principal.actor) == [], "still queued in the server"
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=60)
    # uvicorn shuts down gracefully (the app's shutdown appends the queue), then re-raises the signal.
    assert server.returncode in (0, -signal.SIGTERM), errors
    assert "Traceback" not in errors, errors
    assert [entry.object_id for entry in _read_entries(store, principal.actor)] == [str(i) for i in ids]
    checked, broken = verify(store.engine)
    assert broken is None and checked > 0
