"""Benchmark: the REST API under load, from a second process over loopback.

Usage:  python benchmarks/api.py [--mirror ../shared/datasets] [--postgres URL] [--seconds 5] [--skip-sqlite]
                                [--sources all|mixes]

For each backend (a fresh SQLite file; and a fresh PostgreSQL schema when ``--postgres`` or
DETENTE_TEST_POSTGRES_URL is given) it loads the real data as the README's run command does (every source the
mirror holds, ``sources load --all``; or, with ``--sources mixes``, only those the mixes read: the country
crosswalk, the MME/JME exercises and ATOP alliances, which is quicker but leaves the tables smaller than a
user's), makes a signed-in editor and a few hundred attaché reports, starts
``detente serve`` as its own process, and drives it from this process with 1, 8 and 32 concurrent clients,
each for a bounded time:

* read mix: list the exercises of a state in force in a year (filters, as_of); get an alliance with its
  parties and provisions; full-text search the reports;
* write mix: create an engagement; update it (with its version).

It prints throughput, p50 and p99 latency, errors and the server's CPU time per request (its process and
workers, from /proc: unlike latency, independent of whatever else the machine runs) per mix and concurrency,
with the load average beside each line. The anchors are issue 6's
targets on this 2-core machine: reads p99 <= 50 ms at 32 clients; writes p99 <= 100 ms at 8 clients on
PostgreSQL; zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from loopback_client import Answer, Connection, HTTPFailureError
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from detente.domain.markings import Role
from detente.services import accounts
from detente.services.writing import Writer
from detente.store.database import Store
from detente.store.engine import normalise_url
from detente.store.models import Agreement, EngagementParticipant
from detente.store.planner_statistics import analyse_tables, domain_tables

READ_P99_ANCHOR_MS = 50.0
WRITE_P99_ANCHOR_MS = 100.0
LEVELS = (1, 8, 32)
MIX_SOURCES = ("countrycode", "isard", "peacesciencer", "exercises", "atop")
"""The sources the mixes read, in load order (the crosswalk first); ``--sources mixes`` loads only these."""
WORDS = ("frigate", "brigade", "airbase", "exercise", "logistics", "border", "radar", "convoy", "harbour", "drill")
PASSWORD = "benchmark password 1"


@dataclass
class Fixture:
    """What the mixes need: a token, states with exercises, alliance ids."""

    token: str
    states: list[int]
    alliances: list[int]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def _cpu_seconds(counted: Callable[[int, str, list[str]], bool]) -> float | None:
    """CPU seconds (user + system) used so far by the processes that ``counted(pid, name, fields)`` picks, from
    Linux's /proc (``fields``: the stat fields after the command name). ``None`` where /proc is not there."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
            except (OSError, ValueError):
                continue  # the process ended meanwhile
            fields = rest.split()
            # after the command name: state, ppid, ..., utime (12th) and stime (13th)
            if counted(int(entry.name), name, fields):
                total += (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return None
    return total


def _server_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by the server process and its worker processes.

    CPU per request does not depend on what else the machine runs, unlike latency: the figure to compare
    between runs on a shared machine.
    """
    return _cpu_seconds(lambda process, _name, fields: process == pid or int(fields[1]) == pid)


def _postgres_cpu_seconds() -> float | None:
    """CPU seconds used so far by every local process named ``postgres`` (the server and its backends).

    Only meaningful when the database under test runs on this machine and nothing else uses it: then the
    difference over a level, per request, is what the database spent answering it.
    """
    return _cpu_seconds(lambda _process, name, _fields: name == "postgres")


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _flush_the_load(store: Store) -> None:
    """PostgreSQL: write the load's dirty pages out now (``CHECKPOINT``), not while the clients are measured.

    Loading the sources writes a few hundred MB of WAL; PostgreSQL then runs checkpoints spread over the next
    minutes, and one run whose 32-client level overlapped a 37-second checkpoint saw its p99 triple (169 ms
    against 38-42 ms in the runs before and after). That is the load's cost, not the API's. ``CHECKPOINT``
    needs a superuser or the ``pg_checkpoint`` role; without either the benchmark says so and goes on.
    """
    if store.engine.dialect.name != "postgresql":
        return
    try:
        with store.engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
    except Exception as error:  # a permission error must not stop the benchmark
        print(f"(no CHECKPOINT after the load: {str(error).splitlines()[0]}; a checkpoint may overlap a level)")


def prepare(url: str, mirror: Path, sources: str = "all") -> Fixture:
    """Create the schema, load the sources (``all``: every one, as the run command; ``mixes``: only those the
    mixes read), make the benchmark user and reports."""
    run = [sys.executable, "-m", "detente"]
    subprocess.run([*run, "init", "--database", url], check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    for names in [["--all"]] if sources == "all" else [[name] for name in MIX_SOURCES]:
        subprocess.run(
            [*run, "sources", "load", *names, "--mirror", str(mirror), "--database", url],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    print(f"  loaded {sources} sources in {time.perf_counter() - started:.0f} s", flush=True)
    store = Store.open(url)
    try:
        username = f"bench-{uuid.uuid4().hex[:6]}"
        accounts.create_user(
            store, actor="bench", username=username, password=PASSWORD, role=Role.EDITOR, nationality="USA"
        )
        issued = accounts.login(store, username, PASSWORD, client="bench")
        principal = accounts.authenticate(store, issued.secret)
        writer = Writer(store)
        rng = random.Random(6)
        for number in range(300):
            words = " ".join(rng.sample(WORDS, 4))
            writer.create(
                principal,
                "reports",
                {
                    "reported_on": f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}",
                    "title": f"Report {number}",
                    "body": f"Observed {words} activity in sector {number}.",
                    "reliability": "ABCDEF"[number % 6],
                    "credibility": 1 + number % 6,
                },
            )
        # The 300 reports and the user are new since the load analysed its tables. A PostgreSQL server with
        # autovacuum on (its default) analyses them within a minute; this machine runs with it off, so do
        # what autovacuum would have done rather than measure plans made without row counts.
        analyse_tables(store.engine, domain_tables())
        _flush_the_load(store)
        with store.engine.connect() as connection:
            states = list(
                connection.execute(
                    select(EngagementParticipant.state_id)
                    .where(EngagementParticipant.state_id.is_not(None))
                    .group_by(EngagementParticipant.state_id)
                    .order_by(EngagementParticipant.state_id)
                    .limit(60)
                ).scalars()
            )
            alliances = list(
                connection.execute(select(Agreement.id).where(Agreement.kind == "alliance").limit(200)).scalars()
            )
        return Fixture(issued.secret, [int(s) for s in states], [int(a) for a in alliances])
    finally:
        store.close()


async def _client_loop(
    request: Callable[[Connection, random.Random], Awaitable[Answer]],
    client: Connection,
    until: float,
    tally: Tally,
    seed: int,
) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            response = await request(client, rng)
            ok = response.status_code < 400
            detail = f"{response.status_code} {response.text[:200]}"
        except HTTPFailureError as error:
            ok, detail = False, repr(error)
        tally.latencies.append(time.perf_counter() - started)
        if not ok:
            tally.errors += 1
            tally.first_error = tally.first_error or detail


def read_mix(fixture: Fixture) -> Callable[[Connection, random.Random], Awaitable[Answer]]:
    async def request(client: Connection, rng: random.Random) -> Answer:
        pick = rng.random()
        if pick < 0.4:
            params = {"state_id": rng.choice(fixture.states), "kind": "exercise", "as_of": str(rng.randint(1980, 2016))}
            return await client.get("/engagements", params=params)
        if pick < 0.7:
            return await client.get(f"/agreements/{rng.choice(fixture.alliances)}")
        return await client.get("/reports", params={"q": " ".join(rng.sample(WORDS, 2)), "limit": 20})

    return request


def write_mix(fixture: Fixture) -> Callable[[Connection, random.Random], Awaitable[Answer]]:
    mine: dict[int, tuple[int, int]] = {}

    async def request(client: Connection, rng: random.Random) -> Answer:
        key = id(client)
        if key in mine and rng.random() < 0.5:
            record_id, version = mine[key]
            response = await client.patch(
                f"/engagements/{record_id}", json_body={"title": f"updated {rng.random():.6f}", "version": version}
            )
            if response.status_code == 200:
                mine[key] = (record_id, response.json()["version"])
            return response
        response = await client.post(
            "/engagements",
            json_body={
                "kind": "staff_talks",
                "title": f"bench {uuid.uuid4().hex[:8]}",
                "host_state_id": rng.choice(fixture.states),
                "valid_from": "2025-05",
            },
        )
        if response.status_code == 201:
            mine[key] = (response.json()["id"], response.json()["version"])
        return response

    return request


async def _level(
    mix: Callable[[Connection, random.Random], Awaitable[Answer]],
    port: int,
    token: str,
    clients: int,
    seconds: float,
    server_pid: int | None = None,
) -> tuple[Tally, float, float | None, float, float | None]:
    """Run ``clients`` closed-loop clients for ``seconds`` after a second of warm-up: what they saw, how long
    it took, (given the server's pid) the server's CPU seconds over the measured part, this process's, and the
    local PostgreSQL processes' (see :func:`_postgres_cpu_seconds`; reported for the PostgreSQL backend only).

    Each client has its own keep-alive connection, opened before the clock starts. The clients are
    ``loopback_client.Connection``s, not httpx: httpx cost this process about 2 ms of CPU per request, a core's
    worth taken from the server on a 2-core machine (see that module). The client's own CPU per request is
    returned too, so a reader can see how much of the machine the load generator took.
    """
    headers = {"Authorization": f"Bearer {token}"}
    async with contextlib.AsyncExitStack() as stack:
        pool = [await stack.enter_async_context(Connection("127.0.0.1", port, headers)) for _ in range(clients)]
        warm = Tally()
        warm_until = time.perf_counter() + 1.0
        await asyncio.gather(*(_client_loop(mix, client, warm_until, warm, 1000 + i) for i, client in enumerate(pool)))
        tally = Tally()
        cpu_before = _server_cpu_seconds(server_pid) if server_pid else None
        database_before = _postgres_cpu_seconds()
        client_before = time.process_time()
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(_client_loop(mix, client, until, tally, i) for i, client in enumerate(pool)))
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        cpu_after = _server_cpu_seconds(server_pid) if server_pid else None
        database_after = _postgres_cpu_seconds()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    database = None if database_before is None or database_after is None else database_after - database_before
    return tally, elapsed, cpu, client_cpu, database


def _report(
    label: str,
    mix_name: str,
    clients: int,
    tally: Tally,
    elapsed: float,
    cpu: float | None,
    client_cpu: float,
    database_cpu: float | None = None,
) -> float:
    ordered = sorted(tally.latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    per_request = f"  server CPU {cpu * 1000 / len(ordered):5.2f} ms/req" if cpu is not None else ""
    per_request += f"  client CPU {client_cpu * 1000 / len(ordered):4.2f} ms/req"
    if database_cpu is not None:
        per_request += f"  PostgreSQL CPU {database_cpu * 1000 / len(ordered):4.2f} ms/req"
    print(
        f"[{label}] {mix_name:5s} {clients:2d} clients: {len(ordered) / elapsed:7.1f} req/s  "
        f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {tally.errors}{per_request}  load {_load()}"
        + (f"  (first: {tally.first_error})" if tally.errors else "")
    )
    return p99


def bench(
    url: str,
    mirror: Path,
    label: str,
    seconds: float,
    workers: int = 1,
    mixes: tuple[str, ...] = ("read", "write"),
    saved: Path | None = None,
    sources: str = "all",
) -> None:
    """Prepare (or, given ``saved`` from an earlier run, reuse) the fixture, start the server, run the mixes."""
    if saved is not None and saved.exists():
        fixture = Fixture(**json.loads(saved.read_text()))
        print(f"[{label}] reusing the database prepared earlier (fixture {saved})", flush=True)
    else:
        print(f"[{label}] preparing {normalise_url(url).render_as_string(hide_password=True)} ...", flush=True)
        fixture = prepare(url, mirror, sources)
        if saved is not None:
            saved.write_text(json.dumps(dataclasses.asdict(fixture)))
    port = _free_port()
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- closed in the finally below, after the server
    server = subprocess.Popen(
        [sys.executable, "-m", "detente", "serve", "--port", str(port), "--database", url, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240  # a loaded machine starts two workers slowly
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("detente serve did not start")
            time.sleep(0.3)
        chosen = {"read": read_mix(fixture), "write": write_mix(fixture)}
        for mix_name, mix in ((name, chosen[name]) for name in mixes):
            # Warm every worker (imports, schemas, pools) before measuring: steady state, not start-up.
            asyncio.run(_level(mix, port, fixture.token, 4 * workers, 2.0))
            for clients in LEVELS:
                tally, elapsed, cpu, client_cpu, database_cpu = asyncio.run(
                    _level(mix, port, fixture.token, clients, seconds, server.pid)
                )
                shown_database_cpu = None if label == "sqlite" else database_cpu
                p99 = _report(label, mix_name, clients, tally, elapsed, cpu, client_cpu, shown_database_cpu)
                if mix_name == "read" and clients == 32:
                    print(f"[{label}]   reads p99 at 32 clients: x{p99 / READ_P99_ANCHOR_MS:.2f} of the 50 ms anchor")
                if mix_name == "write" and clients == 8:
                    print(f"[{label}]   writes p99 at 8 clients: x{p99 / WRITE_P99_ANCHOR_MS:.2f} of the 100 ms anchor")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        errors = [line.rstrip() for line in log if "Error" in line or "error" in line]
        if errors:
            print(f"[{label}] the server logged {len(errors)} error lines; last: {errors[-1][:300]}")
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--mirror", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
    )
    parser.add_argument("--postgres", default=os.environ.get("DETENTE_TEST_POSTGRES_URL"))
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per mix and level")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the server under test")
    parser.add_argument("--mix", choices=("read", "write", "both"), default="both", help="which mixes to run")
    parser.add_argument(
        "--sources",
        choices=("all", "mixes"),
        default="all",
        help="load every source the mirror holds, as the run command does (default), or only those the mixes read",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="SQLite only: keep the prepared database in this folder and reuse it on the next run (compare server "
        "settings such as DETENTE_API_THREADS without loading the data again; the write mix grows it)",
    )
    args = parser.parse_args()
    mixes = ("read", "write") if args.mix == "both" else (args.mix,)
    mirror = args.mirror.resolve()
    if not args.skip_sqlite and args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        database = args.keep.resolve() / "bench.sqlite"
        saved = args.keep.resolve() / "fixture.json"
        bench(f"sqlite:///{database}", mirror, "sqlite", args.seconds, args.workers, mixes, saved, args.sources)
    elif not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            database = Path(tmp) / "bench.sqlite"
            bench(f"sqlite:///{database}", mirror, "sqlite", args.seconds, args.workers, mixes, None, args.sources)
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = normalise_url(make_url(args.postgres)).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            rendered = url.render_as_string(hide_password=False)
            bench(rendered, mirror, "postgresql", args.seconds, args.workers, mixes, None, args.sources)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
