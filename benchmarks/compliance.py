"""Benchmark: the compliance engine on 1,000,000 generated evidence records (50 parties, 10 years), every
treaty pack evaluated at 40 as-of dates.

Usage:  python benchmarks/compliance.py [--records 1000000] [--seed 7]
                                        [--store-records 20000] [--postgres URL] [--no-store] [--no-engine]

The generator is part of the benchmark and seeded: it writes evidence frames in the engine's shape directly
(declarations, notifications, inspections, activities, approvals for every pack), so that the figures time
the engine, not a database load. Printed, each with its ratio to the issue's target, as wall time and as
CPU time of the process (the machine is shared, so wall time alone says little):

* full evaluation of all packs at 40 quarterly as-of dates (target <= 10 s), and the peak RSS;
* re-evaluation after adding one record (target <= 100 ms), with the incremental :class:`Evaluator`
  (the median of five additions, each of a new exercise by another party);
* one LIMIT check (CFE sufficiency rule, battle tanks) by the engine and written directly as a Polars query
  over the same frame (target: the engine within 2x of the direct query); both give the same answer.

Then, on a real store -- a new SQLite file, and a new schema on PostgreSQL when ``--postgres`` (or
``DETENTE_TEST_POSTGRES_URL``) is given -- the same generator's records (``--store-records``) are imported
through the evidence importer (every row checked, one audit entry each), and the service evaluates every
pack at four as-of dates and stores the findings through the audited services (in bulk: a few statements
for all the findings, one audit entry each); evaluating again must write nothing. Then one new exercise is
imported: the import re-evaluates only the obligations and parties it touches, and a full evaluation of its
treaty afterwards must write nothing. These figures have no target in the issue; they show what a user's
``detente compliance evaluate`` and ``evidence import`` cost end to end. ``--no-engine`` runs the store
phase alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from detente.compliance.engine import Evaluator, evaluate_obligation, evaluate_pack
from detente.compliance.evidence import BASE_SCHEMA, UTC_TIME, Evidence, with_codes
from detente.compliance.importer import import_evidence
from detente.compliance.kinds.common import Context
from detente.compliance.packs import get_pack, load_packs
from detente.compliance.service import evaluate
from detente.services.records import Records
from detente.store.database import Store
from detente.store.engine import normalise_url

T = TypeVar("T")

FULL_TARGET_S = 10.0
INCREMENT_TARGET_S = 0.100
DIRECT_RATIO_TARGET = 2.0

PARTIES = [
    "USA",
    "RUS",
    "GBR",
    "FRA",
    "DEU",
    "ITA",
    "ESP",
    "POL",
    "NLD",
    "BEL",
    "CAN",
    "NOR",
    "DNK",
    "PRT",
    "GRC",
    "TUR",
    "HUN",
    "CZE",
    "SVK",
    "ROU",
    "BGR",
    "UKR",
    "BLR",
    "ARM",
    "AZE",
    "GEO",
    "MDA",
    "LTU",
    "LVA",
    "EST",
    "FIN",
    "SWE",
    "AUT",
    "CHE",
    "JPN",
    "AUS",
    "KOR",
    "ISR",
    "NZL",
    "SAU",
    "IND",
    "BRA",
    "ZAF",
    "EGY",
    "NGA",
    "IDN",
    "PAK",
    "CHN",
    "MEX",
    "ARG",
]
START = datetime(2014, 1, 1, tzinfo=UTC)
SPAN_S = 10 * 365 * 86400
DATES = [date(2014 + q // 4, 1 + 3 * (q % 4), 1) for q in range(40)]

# (pack, evidence type, kinds, share of the records, figures and their ranges)
PLAN: list[tuple[str, str, list[str], float, dict[str, tuple[int, int]]]] = [
    (
        "new-start",
        "declaration",
        ["declaration"],
        0.002,
        {
            "deployed_icbm_slbm_hb": (400, 720),
            "warheads_deployed": (1200, 1600),
            "launchers_deployed_and_nondeployed": (700, 820),
        },
    ),
    ("new-start", "inspection", ["type_one", "type_two"], 0.02, {"deployed_icbm_slbm_hb": (1, 60)}),
    ("new-start", "activity", ["data_change", "telemetry_exchange"], 0.01, {}),
    ("new-start", "notification", ["change_notification"], 0.01, {}),
    (
        "cfe",
        "declaration",
        ["declaration"],
        0.004,
        {
            "tanks": (100, 14000),
            "acvs": (100, 21000),
            "artillery": (100, 14000),
            "combat_aircraft": (10, 5300),
            "attack_helicopters": (1, 1600),
        },
    ),
    (
        "cfe",
        "notification",
        ["challenge_request", "challenge_answer", "inspector_list_amendment", "inspector_objection"],
        0.02,
        {},
    ),
    (
        "vienna-document-2011",
        "activity",
        ["exercise", "transfer", "amphibious_landing"],
        0.2,
        {"troops": (500, 45000), "tanks": (0, 400), "acvs": (0, 600), "artillery": (0, 300)},
    ),
    (
        "vienna-document-2011",
        "notification",
        ["prior_notification", "observation_invitation", "annual_calendar", "annual_exchange"],
        0.2,
        {},
    ),
    ("vienna-document-2011", "inspection", ["vd_inspection", "evaluation_visit"], 0.03, {}),
    ("cwc", "inspection", ["schedule_2", "schedule_3", "udoc", "challenge", "schedule_1_routine"], 0.1, {}),
    ("cwc", "notification", ["inspection_notice", "clarification_request", "clarification"], 0.1, {}),
    (
        "ctbt",
        "activity",
        ["osi_request"],
        0.005,
        {"area_km2": (100, 1200), "max_line_km": (5, 60), "votes_in_favour": (20, 51)},
    ),
    ("ctbt", "inspection", ["osi"], 0.005, {"inspectors": (10, 45)}),
    (
        "aeca-36b",
        "activity",
        ["assistance_offer", "training", "case_amendment", "title_transfer", "serial_inventory"],
        0.1,
        {"mde_usd": (1_000_000, 400_000_000)},
    ),
    ("aeca-36b", "notification", ["congressional_notification_36b"], 0.05, {}),
    ("aeca-36b", "approval", ["vetting", "case_closure", "end_use_terms"], 0.05, {}),
    (
        "un-pcrs",
        "activity",
        ["un_deployment_request", "deployment", "pledge_registered", "pledge_renewal", "coe_arrival"],
        0.05,
        {},
    ),
    ("un-pcrs", "inspection", ["coe_arrival_inspection", "operational_readiness"], 0.025, {}),
    (
        "iaea",
        "declaration",
        ["declaration"],
        0.01,
        {"muf_pu_kg": (0, 10), "book_inventory_kg": (100, 1000), "sigma_muf_kg": (1, 5)},
    ),
    ("iaea", "notification", ["ap_annual_update"], 0.005, {}),
    ("iaea", "inspection", ["physical_inventory_verification"], 0.004, {"physical_inventory_kg": (100, 1000)}),
]


def generate(records: int, seed: int) -> tuple[dict[str, Evidence], int]:
    """Evidence frames per pack, ``records`` rows in all, drawn from a seeded generator."""
    rng = np.random.default_rng(seed)
    codes = {i + 1: code for i, code in enumerate(PARTIES)}
    shares = np.array([p[3] for p in PLAN])
    sizes = np.floor(shares / shares.sum() * records).astype(int)
    sizes[-1] += records - sizes.sum()
    frames: dict[str, dict[str, list[pl.DataFrame]]] = {}
    next_id = 1
    for (pack, kind, kinds, _, figures), n in zip(PLAN, sizes, strict=True):
        ids = np.arange(next_id, next_id + n)
        next_id += n
        offsets = rng.integers(0, SPAN_S, n)
        party = rng.integers(1, len(PARTIES) + 1, n)
        counterpart = rng.integers(1, len(PARTIES) + 1, n)
        duration = rng.integers(3600, 10 * 86400, n)
        data: dict[str, object] = {
            "id": ids,
            "kind": rng.choice(kinds, n),
            "agreement": np.full(n, 1),
            "party": party,
            "counterpart": counterpart,
            "subject": np.char.add("S", rng.integers(0, 5000, n).astype(str)),
            "t": offsets,
            "d": duration,
            "received_lag": rng.integers(0, 7200, n),
        }
        if kind == "notification":
            data["trigger_id"] = rng.integers(1, next_id, n)
        for name, (low, high) in figures.items():
            data[name] = rng.integers(low, high + 1, n).astype(float)
        frame = pl.DataFrame(data).with_columns(
            pl.format(f"{kind}:{{}}", pl.col("id")).alias("ref"),
            (pl.lit(START) + pl.duration(seconds=pl.col("t"))).dt.cast_time_unit("us").alias("time"),
        )
        frame = frame.with_columns(
            (pl.col("time") + pl.duration(seconds=pl.col("d"))).alias("end"),
            (pl.col("time") + pl.duration(seconds=pl.col("received_lag"))).alias("received"),
            (
                pl.format("activity:{}", pl.col("trigger_id"))
                if "trigger_id" in frame.columns
                else pl.lit(None, dtype=pl.String())
            ).alias("trigger"),
            pl.lit("cleared" if kind == "approval" else None, dtype=pl.String()).alias("result"),
        )
        if kind == "declaration":
            frame = frame.with_columns(pl.col("time").dt.truncate("1mo"))
        frame = frame.select(
            *[pl.col(c).cast(t) for c, t in BASE_SCHEMA.items()], *[pl.col(f).cast(pl.Float64) for f in figures]
        )
        frames.setdefault(pack, {}).setdefault(kind, []).append(with_codes(frame, codes))
    evidence = {
        pack: Evidence({kind: pl.concat(parts, how="diagonal_relaxed") for kind, parts in by_kind.items()}, codes)
        for pack, by_kind in frames.items()
    }
    return evidence, int(sizes.sum())


def direct_limit(declarations: pl.DataFrame, limit: float) -> pl.DataFrame:
    """The CFE tanks check written directly: latest declaration per party and date, against the limit."""
    grid = declarations.select("party").unique().join(pl.DataFrame({"as_of": DATES}), how="cross").sort("as_of")
    # the latest declaration; of two on the same day, the one recorded last (as the engine decides)
    latest = declarations.select("party", pl.col("time").dt.date().alias("day"), "id", "tanks").sort("day", "id")
    joined = grid.join_asof(latest, left_on="as_of", right_on="day", by="party", check_sortedness=False)
    return joined.with_columns(
        pl.when(pl.col("tanks").is_null())
        .then(pl.lit("insufficient_data"))
        .when(pl.col("tanks") > limit)
        .then(pl.lit("breach"))
        .when(limit - pl.col("tanks") <= limit * 0.05)
        .then(pl.lit("at_risk"))
        .otherwise(pl.lit("compliant"))
        .alias("status")
    )


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``work``; return its result, the wall time and the CPU time of the process (all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def exercise(number: int, party: int) -> pl.DataFrame:
    """One new exercise record (15,000 troops: it needs prior notice and observers) in the engine's shape."""
    return pl.DataFrame(
        {
            "id": [10**9 + number],
            "ref": [f"activity:{10**9 + number}"],
            "kind": ["exercise"],
            "agreement": [1],
            "party": [party],
            "counterpart": [party + 1],
            "subject": [f"new-{number}"],
            "time": [datetime(2022, 5, 1, tzinfo=UTC)],
            "end": [datetime(2022, 5, 10, tzinfo=UTC)],
            "received": [None],
            "trigger": [None],
            "result": [None],
            "troops": [15000.0],
        },
        schema_overrides={
            "time": UTC_TIME,
            "end": UTC_TIME,
            "received": UTC_TIME,
            "trigger": pl.String(),
            "result": pl.String(),
        },
    )


def engine_phases(records: int, seed: int) -> None:
    """The issue's three figures, on frames in memory."""
    (evidence, total), wall, _ = timed(lambda: generate(records, seed))
    print(f"generated {total:,} evidence records for {len(PARTIES)} parties over 10 years in {wall:.1f} s")

    packs = load_packs()
    empty = Evidence({}, dict(enumerate(PARTIES, 1)))
    evaluators = {code: Evaluator(packs[code], evidence.get(code, empty), DATES, explain=False) for code in packs}
    findings, full, full_cpu = timed(lambda: sum(evaluator.evaluate().height for evaluator in evaluators.values()))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    obligations = sum(len(p.obligations) for p in packs.values())
    print(
        f"full evaluation (status, figures, margin, evidence per finding; no sentences): {len(packs)} packs, "
        f"{obligations} obligations, {len(DATES)} as-of dates, {findings:,} findings in {full:.2f} s, "
        f"CPU {full_cpu:.2f} s (x{full / FULL_TARGET_S:.2f} of the 10 s target; CPU x{full_cpu / FULL_TARGET_S:.2f})"
    )
    print(f"peak RSS: {peak_mib:,.0f} MiB")
    explained, wall, cpu = timed(
        lambda: sum(evaluate_pack(packs[code], evidence.get(code, empty), DATES).height for code in packs)
    )
    print(
        f"the same with every one-sentence explanation built: {explained:,} findings in {wall:.2f} s, "
        f"CPU {cpu:.2f} s (x{wall / FULL_TARGET_S:.2f} of the target)"
    )

    vienna = evaluators["vienna-document-2011"]
    walls, cpus = [], []
    for number in range(5):
        one = with_codes(exercise(number, 3 + 2 * number), vienna.evidence.codes)

        def add_and_evaluate(one: pl.DataFrame = one) -> pl.DataFrame:
            vienna.add("activity", one)
            return vienna.evaluate()

        after, wall, cpu = timed(add_and_evaluate)
        walls.append(wall)
        cpus.append(cpu)
        assert after.filter(pl.col("subject") == f"activity:{10**9 + number}").height > 0
    increment, increment_cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"re-evaluation after adding one record (median of 5): {increment * 1000:.0f} ms, CPU "
        f"{increment_cpu * 1000:.0f} ms (x{increment / INCREMENT_TARGET_S:.2f} of the 100 ms target; "
        f"CPU x{increment_cpu / INCREMENT_TARGET_S:.2f}); all five: {', '.join(f'{w * 1000:.0f}' for w in walls)} ms"
    )

    pack = get_pack("cfe")
    spec = next(s for s in pack.obligations if s.code == "CFE-STATE-TANKS")
    declarations = evidence["cfe"].frame("declaration")
    timings: dict[str, list[float]] = {"engine": [], "direct": []}
    for _ in range(20):
        engine, wall, _ = timed(lambda: evaluate_obligation(spec, Context(pack, evidence["cfe"], DATES, explain=False)))
        timings["engine"].append(wall)
        direct, wall, _ = timed(lambda: direct_limit(declarations, 13_300))
        timings["direct"].append(wall)
    counts_engine = dict(engine.group_by("status").len().iter_rows())
    counts_direct = dict(direct.group_by("status").len().iter_rows())
    assert counts_engine == counts_direct, (counts_engine, counts_direct)
    same = (
        engine.select("party", "as_of", "status")
        .sort("party", "as_of")
        .equals(direct.select("party", "as_of", "status").sort("party", "as_of"))
    )
    assert same, "the engine and the direct query disagree on a party's status at a date"
    best_engine, best_direct = min(timings["engine"]), min(timings["direct"])
    print(
        f"one LIMIT check (CFE tanks, {declarations.height:,} declarations x {len(DATES)} dates), best of 20: "
        f"engine {best_engine * 1000:.1f} ms, direct Polars {best_direct * 1000:.1f} ms, "
        f"ratio {best_engine / best_direct:.2f} "
        f"(x{best_engine / best_direct / DIRECT_RATIO_TARGET:.2f} of the 2x target); same status for every party "
        f"and date: {counts_engine}"
    )


STORE_DATES = [date(2017, 1, 1), date(2019, 1, 1), date(2021, 1, 1), date(2023, 1, 1)]
STORE_AS_OF = date(2024, 12, 31)


def _day(moment: Any) -> str | None:
    return None if moment is None else moment.date().isoformat()


def _moment(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


def _import_row(kind: str, row: dict[str, Any], given: dict[str, float], activities: set[str]) -> dict[str, Any]:
    """One generated record as a row of the evidence importer (see importer.py for the columns)."""
    ref, party, other = str(row["id"]), row["party_code"], row["counterpart_code"]
    if kind == "declaration":
        return {"ref": ref, "party": party, "as_of": _day(row["time"]), **given}
    out: dict[str, Any] = {"ref": ref, "kind": row["kind"]}
    if kind == "notification":
        trigger = row["trigger"] if row["trigger"] in activities else None
        return out | {
            "sender": party,
            "receiver": other,
            "sent_at": _moment(row["time"]),
            "received_at": _moment(row["received"]),
            "trigger": f"activity:{trigger.split(':')[1]}" if trigger else None,
        }
    if kind == "inspection":
        return out | {
            "inspected": party,
            "inspecting": other,
            "start": _day(row["time"]),
            "arrived_at": _moment(row["time"]),
            "departed_at": _moment(row["end"]),
            "site": row["subject"],
            **given,
        }
    out |= {"party": party, "counterpart": other, "subject": row["subject"]}
    if kind == "activity":
        return out | {"start": _day(row["time"]), "end": _day(row["end"]), **given}
    return out | {"decided_on": _day(row["time"]), "result": row["result"]}


def import_rows(evidence: Evidence) -> dict[str, list[dict[str, Any]]]:
    """One pack's generated frames as the evidence importer's JSON: an object of lists keyed by type."""
    activities = set(evidence.frame("activity")["ref"].to_list())
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, frame in evidence.frames.items():
        figures = [c for c in frame.columns if frame.schema[c] == pl.Float64()]
        out[{"activity": "activities"}.get(kind, f"{kind}s")] = [
            _import_row(kind, row, {n: row[n] for n in figures if row[n] is not None}, activities)
            for row in frame.iter_rows(named=True)
        ]
    return out


def store_phase(url: str, label: str, records: int, seed: int) -> None:
    """Import generated evidence into a real store, then evaluate and store the findings twice."""
    store = Store.open(url, create=True)
    try:
        with Records(store).batch(actor="benchmark") as batch:
            for code in PARTIES:
                batch.create("state", {"name": f"State {code}", "iso3": code})
        evidence, total = generate(records, seed)
        packs = load_packs()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as directory:
            for code, pack_evidence in evidence.items():
                path = Path(directory) / f"{code}.json"
                path.write_text(json.dumps(import_rows(pack_evidence)), encoding="utf-8")
                import_evidence(store, path, packs[code], as_of=STORE_AS_OF, actor="benchmark")
        imported = time.perf_counter() - started
        print(
            f"[{label}] imported {total:,} records through the evidence importer in {imported:.1f} s "
            f"({total / imported:,.0f} records/s, one audit entry each)"
        )
        first, wall, cpu = timed(lambda: evaluate(store, as_of=STORE_DATES, actor="benchmark"))
        assert first.stored is not None
        print(
            f"[{label}] evaluate all packs at {len(STORE_DATES)} dates and store the findings: "
            f"{first.findings.height:,} findings in {wall:.2f} s, CPU {cpu:.2f} s; stored {first.stored.as_dict()}"
        )
        second, wall, cpu = timed(lambda: evaluate(store, as_of=STORE_DATES, actor="benchmark"))
        assert second.stored is not None
        assert second.stored.as_dict() == {
            "created": 0,
            "updated": 0,
            "deleted": 0,
            "unchanged": first.findings.height,
        }, second.stored
        print(
            f"[{label}] the same again (nothing to write): {wall:.2f} s, CPU {cpu:.2f} s; stored "
            f"{second.stored.as_dict()}"
        )
        incremental_phase(store, label, packs)
    finally:
        store.close()


NEW_EXERCISE = {
    "ref": "bench-new-exercise",
    "kind": "exercise",
    "party": "RUS",
    "counterpart": "POL",
    "subject": "new exercise",
    "start": "2020-05-01",
    "end": "2020-05-10",
    "troops": 15000,
}


def incremental_phase(store: Store, label: str, packs: dict[str, Any]) -> None:
    """Import one new record into the evaluated store: the import refreshes only the findings it can change;
    a full evaluation of the treaty afterwards must write nothing (the refresh left exactly its findings)."""
    pack = packs["vienna-document-2011"]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "one.json"
        path.write_text(json.dumps({"activities": [NEW_EXERCISE]}), encoding="utf-8")
        report, wall, cpu = timed(lambda: import_evidence(store, path, pack, as_of=STORE_AS_OF, actor="benchmark"))
    refresh = report.refresh
    assert refresh is not None and refresh.dates == STORE_DATES, refresh
    assert refresh.stored.created + refresh.stored.updated > 0, refresh
    print(
        f"[{label}] import one exercise and refresh the findings it touches: {wall:.2f} s, CPU {cpu:.2f} s; "
        f"re-evaluated {len(refresh.obligations)} of {len(pack.obligations)} obligations for "
        f"{', '.join(refresh.parties)}; stored {refresh.stored.as_dict()}"
    )
    full, wall, cpu = timed(lambda: evaluate(store, treaty=pack.code, as_of=STORE_DATES, actor="benchmark"))
    assert full.stored is not None
    assert full.stored.as_dict() == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": full.findings.height,
    }, full.stored
    print(
        f"[{label}] full evaluation of the treaty afterwards, for comparison: {wall:.2f} s, CPU {cpu:.2f} s; "
        f"writes nothing (the refreshed findings equal the full ones): {full.stored.as_dict()}"
    )


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A URL to a new, empty schema on the PostgreSQL server (dropped afterwards)."""
    from sqlalchemy import create_engine, make_url, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = normalise_url(make_url(server)).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store-records", type=int, default=20_000)
    parser.add_argument("--postgres", default=os.environ.get("DETENTE_TEST_POSTGRES_URL"))
    parser.add_argument("--no-store", action="store_true", help="only the engine figures")
    parser.add_argument("--no-engine", action="store_true", help="only the store figures")
    args = parser.parse_args()
    if not args.no_engine:
        engine_phases(args.records, args.seed)
    if args.no_store:
        return
    with tempfile.TemporaryDirectory() as directory:
        store_phase(f"sqlite:///{Path(directory) / 'bench.sqlite'}", "sqlite", args.store_records, args.seed)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            store_phase(url, "postgresql", args.store_records, args.seed)


if __name__ == "__main__":
    main()
