"""Benchmark: load every source from the mirror into a fresh database, then load again.

Usage:  python benchmarks/load.py [--mirror ../shared/datasets] [--postgres URL]

Runs ``detente sources load --all --mirror DIR`` as a separate process (so its peak memory can be measured)
into a fresh SQLite file and, when a PostgreSQL URL is given (or DETENTE_TEST_POSTGRES_URL is set), into a
fresh schema there; then runs it a second time, which must find nothing new. The anchors are issue 3's
targets on this 2-core machine: first load <= 90 s and <= 2 GiB peak RSS; second run <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from detente.store.engine import normalise_url

FIRST_ANCHOR_S = 90.0
RSS_ANCHOR_MIB = 2048.0
SECOND_ANCHOR_S = 5.0


def _run(url: str, mirror: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one `detente sources load --all` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {**os.environ, "DETENTE_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "detente", "sources", "load", "--all", "--mirror", str(mirror)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def bench(url: str, mirror: Path, label: str) -> None:
    subprocess.run([sys.executable, "-m", "detente", "init", "--database", url], check=True, stdout=subprocess.DEVNULL)
    first, rss = _run(url, mirror)
    second, _ = _run(url, mirror)
    print(
        f"[{label}] first load {first:.1f} s (x{first / FIRST_ANCHOR_S:.2f} of the 90 s anchor), "
        f"peak RSS {rss:,.0f} MiB (x{rss / RSS_ANCHOR_MIB:.2f} of 2 GiB)"
    )
    print(f"[{label}] second run {second:.2f} s (x{second / SECOND_ANCHOR_S:.2f} of the 5 s anchor)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_mirror = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
    parser.add_argument("--mirror", type=Path, default=Path(os.environ.get("DETENTE_MIRROR", default_mirror)))
    parser.add_argument("--postgres", default=os.environ.get("DETENTE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.environ["DETENTE_CACHE_DIR"] = str(Path(directory) / "cache")
        bench(f"sqlite:///{Path(directory) / 'load.sqlite'}", args.mirror.resolve(), "sqlite")
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                url = normalise_url(make_url(args.postgres)).update_query_dict({"options": f"-csearch_path={schema}"})
                bench(url.render_as_string(hide_password=False), args.mirror.resolve(), "postgresql")
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
