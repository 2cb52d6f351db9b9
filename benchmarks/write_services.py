"""Benchmark: in-process CPU time of the REST API's two write calls, the services alone (no HTTP).

Usage:  python benchmarks/read_services.py prepare URL [--mirror ../shared/datasets]
        python benchmarks/write_services.py URL [--batches 5] [--calls 100] [--profile FILE]

On a database made by ``read_services.py prepare`` it runs, in this process, the two calls of the API
benchmark's write mix (``benchmarks/api.py``) through :class:`detente.services.writing.Writer` and prints the
CPU time (``time.process_time``) per call, best of ``--batches`` batches of ``--calls`` calls:

* create: a staff-talks engagement hosted by one of the states with exercises (default marking);
* update: a new title for one of the engagements just created, with the version it is at.

Each batch creates ``--calls`` engagements, then updates each once; CPU time, unlike wall time, hardly
depends on what else the machine runs. ``--profile FILE`` also writes a cProfile of one more batch.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import time
import uuid
from typing import Any

from read_services import _principal, exercise_states

from detente.services.access import Principal
from detente.services.writing import Writer
from detente.store.database import Store


def _states(store: Store) -> list[int]:
    with store.engine.connect() as connection:
        return exercise_states(connection)


def _create(writer: Writer, principal: Principal, states: list[int], rng: random.Random) -> dict[str, Any]:
    return writer.create(
        principal,
        "engagements",
        {
            "kind": "staff_talks",
            "title": f"bench {uuid.uuid4().hex[:8]}",
            "host_state_id": rng.choice(states),
            "valid_from": "2025-05",
        },
    )


def _batch(writer: Writer, principal: Principal, states: list[int], calls: int, seed: int) -> tuple[float, float]:
    """CPU seconds per create and per update over one batch of ``calls`` of each."""
    rng = random.Random(seed)
    started = time.process_time()
    made = [_create(writer, principal, states, rng) for _ in range(calls)]
    created = time.process_time()
    for record in made:
        writer.update(
            principal, "engagements", record["id"], {"title": f"updated {rng.random():.6f}"}, version=record["version"]
        )
    updated = time.process_time()
    return (created - started) / calls, (updated - created) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--profile", help="write a cProfile of one more batch to this file")
    args = parser.parse_args()
    store = Store.open(args.url)
    try:
        principal = _principal(store)
        writer = Writer(store)
        states = _states(store)
        _batch(writer, principal, states, 20, 0)  # warm: imports, pools, statement caches
        best_create = best_update = float("inf")
        for number in range(args.batches):
            create, update = _batch(writer, principal, states, args.calls, number + 1)
            best_create, best_update = min(best_create, create), min(best_update, update)
        print(f"create {best_create * 1000:6.3f} ms CPU per call (best of {args.batches} x {args.calls})")
        print(f"update {best_update * 1000:6.3f} ms CPU per call (best of {args.batches} x {args.calls})")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(_batch, writer, principal, states, args.calls, 99)
            profile.dump_stats(args.profile)
    finally:
        store.close()


if __name__ == "__main__":
    main()
