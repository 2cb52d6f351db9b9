"""Benchmark: in-process CPU time of the REST API's three read calls, the services alone (no HTTP).

Usage:  python benchmarks/read_services.py prepare URL [--mirror ../shared/datasets]
        python benchmarks/read_services.py measure URL [--batches 5] [--calls 100]

``prepare`` loads the sources the API benchmark uses (``benchmarks/api.py``: the crosswalk, the exercises and
ATOP) into an empty database at URL, makes a signed-in editor and 300 attaché reports. ``measure`` then runs,
in this process, the three calls of the API benchmark's read mix through :class:`detente.services.reading.Reader`
and prints the CPU time (``time.process_time``) per call, best of ``--batches`` batches of ``--calls`` calls:

* engagements list: the exercises of a state in force in a year (``state_id``, ``kind``, ``as_of``);
* agreement get: an alliance with its parties and provisions embedded;
* reports search: a two-word full-text search of the reports, 20 a page.

CPU time, unlike wall time, hardly depends on what else the machine runs.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from api import PASSWORD, WORDS, prepare
from detente.services import accounts
from detente.services.access import Principal
from detente.services.reading import Reader
from detente.store.database import Store
from detente.store.models import Agreement, EngagementParticipant, User


def _principal(store: Store) -> Principal:
    with store.engine.connect() as connection:
        username = connection.execute(
            select(User.username).where(User.username.like("bench-%")).order_by(User.id)
        ).scalar_one()
    return accounts.authenticate(store, accounts.login(store, username, PASSWORD, client="bench").secret)


def exercise_states(connection: Connection) -> list[int]:
    """The first 60 states (by id) that take part in an engagement: the states the benchmarks pick from."""
    return [
        int(state)
        for state in connection.execute(
            select(EngagementParticipant.state_id)
            .where(EngagementParticipant.state_id.is_not(None))
            .group_by(EngagementParticipant.state_id)
            .order_by(EngagementParticipant.state_id)
            .limit(60)
        ).scalars()
    ]


def _calls(store: Store, principal: Principal) -> dict[str, Callable[[random.Random], Any]]:
    reader = Reader(store)
    with store.engine.connect() as connection:
        states = exercise_states(connection)
        alliances = list(
            connection.execute(select(Agreement.id).where(Agreement.kind == "alliance").limit(200)).scalars()
        )
    return {
        "engagements list": lambda rng: reader.list(
            principal,
            "engagements",
            filters={"state_id": rng.choice(states), "kind": "exercise", "as_of": str(rng.randint(1980, 2016))},
        ),
        "agreement get": lambda rng: reader.get(principal, "agreements", rng.choice(alliances)),
        "reports search": lambda rng: reader.list(
            principal, "reports", search=" ".join(rng.sample(WORDS, 2)), limit=20
        ),
    }


def measure(url: str, batches: int, calls: int) -> None:
    store = Store.open(url)
    try:
        principal = _principal(store)
        for name, call in _calls(store, principal).items():
            rng = random.Random(6)
            for _ in range(20):
                call(rng)  # warm: imports, pools, statement caches
            best = float("inf")
            for _ in range(batches):
                rng = random.Random(6)
                started = time.process_time()
                for _ in range(calls):
                    call(rng)
                best = min(best, (time.process_time() - started) / calls)
            print(f"{name:18s} {best * 1000:6.3f} ms CPU per call (best of {batches} x {calls})")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("prepare", "measure"))
    parser.add_argument("url")
    parser.add_argument("--mirror", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    if args.action == "prepare":
        prepare(args.url, args.mirror)
    else:
        measure(args.url, args.batches, args.calls)


if __name__ == "__main__":
    main()
