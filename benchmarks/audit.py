"""Benchmark: audited writes through the services, then a full `audit verify`.

Usage:  python benchmarks/audit.py [--writes 100000] [--postgres URL]

Writes go through :class:`detente.services.records.Records` (one transaction and one audit entry each), to a
fresh SQLite file and, when a PostgreSQL URL is given (or DETENTE_TEST_POSTGRES_URL is set), to a fresh
schema there. The anchors are the targets of issue 2 on a 2-core machine: verify >= 200,000 entries/s on
both backends, writes >= 2,000/s on SQLite. The script prints each figure and its ratio to the anchor.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from detente.services import audit_trail
from detente.services.records import Records
from detente.store.database import Store
from detente.store.engine import normalise_url

VERIFY_ANCHOR = 200_000.0
WRITE_ANCHOR_SQLITE = 2_000.0


def run(url: str, writes: int, label: str) -> None:
    store = Store.open(url, create=True)
    records = Records(store)
    started = time.perf_counter()
    ids: list[int] = []
    for i in range(writes):
        if i % 10 == 9 and ids:
            records.update("state", ids[-1], {"ccode": i}, actor="bench")
        else:
            ids.append(records.create("state", {"name": f"State {i}", "iso3": "XXX"}, actor="bench")["id"])
    write_seconds = time.perf_counter() - started
    report = audit_trail.verify(store, jobs=os.cpu_count() or 1)
    assert report.ok and report.entries_verified == writes, report
    store.close()
    write_rate = writes / write_seconds
    verify_rate = report.entries_verified / report.seconds
    print(f"[{label}] {writes:,} audited writes in {write_seconds:.1f} s = {write_rate:,.0f} writes/s", end="")
    if label == "sqlite":
        print(f"  (x{write_rate / WRITE_ANCHOR_SQLITE:.2f} of the 2,000/s anchor)")
    else:
        print()
    print(
        f"[{label}] audit verify: {report.entries_verified:,} entries in {report.seconds:.3f} s = "
        f"{verify_rate:,.0f} entries/s  (x{verify_rate / VERIFY_ANCHOR:.2f} of the 200,000/s anchor)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("DETENTE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run(f"sqlite:///{Path(directory) / 'bench.sqlite'}", args.writes, "sqlite")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = normalise_url(make_url(args.postgres)).update_query_dict({"options": f"-csearch_path={schema}"})
            run(url.render_as_string(hide_password=False), args.writes, "postgresql")
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
