"""Benchmark: the compliance engine on 1,000,000 generated evidence records (50 parties, 10 years), every
treaty pack evaluated at 40 as-of dates.

Usage:  python benchmarks/compliance.py [--records 1000000] [--seed 7]

The generator is part of the benchmark and seeded: it writes evidence frames in the engine's shape directly
(declarations, notifications, inspections, activities, approvals for every pack), so that the figures time
the engine, not a database load. Printed, each with its ratio to the issue's target:

* full evaluation of all packs at 40 quarterly as-of dates (target <= 10 s), and the peak RSS;
* re-evaluation after adding one record (target <= 100 ms), with the incremental :class:`Evaluator`;
* one LIMIT check (CFE sufficiency rule, battle tanks) by the engine and written directly as a Polars query
  over the same frame (target: the engine within 2x of the direct query); both give the same answer.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from detente.compliance.engine import Evaluator, evaluate_obligation, evaluate_pack
from detente.compliance.evidence import BASE_SCHEMA, UTC_TIME, Evidence, with_codes
from detente.compliance.kinds.common import Context
from detente.compliance.packs import get_pack, load_packs

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
    latest = declarations.select("party", pl.col("time").dt.date().alias("day"), "tanks").sort("day")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    evidence, total = generate(args.records, args.seed)
    print(
        f"generated {total:,} evidence records for {len(PARTIES)} parties over 10 years "
        f"in {time.perf_counter() - started:.1f} s"
    )

    packs = load_packs()
    empty = Evidence({}, dict(enumerate(PARTIES, 1)))
    evaluators = {code: Evaluator(packs[code], evidence.get(code, empty), DATES, explain=False) for code in packs}
    started = time.perf_counter()
    findings = sum(evaluator.evaluate().height for evaluator in evaluators.values())
    full = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    obligations = sum(len(p.obligations) for p in packs.values())
    print(
        f"full evaluation (status, figures, margin, evidence per finding; no sentences): {len(packs)} packs, "
        f"{obligations} obligations, {len(DATES)} as-of dates, {findings:,} findings in {full:.2f} s "
        f"(x{full / FULL_TARGET_S:.2f} of the 10 s target)"
    )
    print(f"peak RSS: {peak_mib:,.0f} MiB")
    started = time.perf_counter()
    explained = sum(evaluate_pack(packs[code], evidence.get(code, empty), DATES).height for code in packs)
    print(
        f"the same with every one-sentence explanation built: {explained:,} findings in "
        f"{time.perf_counter() - started:.2f} s (x{(time.perf_counter() - started) / FULL_TARGET_S:.2f} of the target)"
    )

    vienna = evaluators["vienna-document-2011"]
    one = pl.DataFrame(
        {
            "id": [10**9],
            "ref": ["activity:1000000000"],
            "kind": ["exercise"],
            "agreement": [1],
            "party": [3],
            "counterpart": [4],
            "subject": ["new"],
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
    started = time.perf_counter()
    vienna.add("activity", with_codes(one, vienna.evidence.codes))
    after = vienna.evaluate()
    increment = time.perf_counter() - started
    print(
        f"re-evaluation after adding one record: {increment * 1000:.0f} ms "
        f"(x{increment / INCREMENT_TARGET_S:.2f} of the 100 ms target)"
    )
    assert after.filter(pl.col("subject") == "activity:1000000000").height > 0

    pack = get_pack("cfe")
    spec = next(s for s in pack.obligations if s.code == "CFE-STATE-TANKS")
    declarations = evidence["cfe"].frame("declaration")
    timings = {"engine": [], "direct": []}
    for _ in range(5):
        started = time.perf_counter()
        engine = evaluate_obligation(spec, Context(pack, evidence["cfe"], DATES, explain=False))
        timings["engine"].append(time.perf_counter() - started)
        started = time.perf_counter()
        direct = direct_limit(declarations, 13_300)
        timings["direct"].append(time.perf_counter() - started)
    counts_engine = dict(engine.group_by("status").len().iter_rows())
    counts_direct = dict(direct.group_by("status").len().iter_rows())
    assert counts_engine == counts_direct, (counts_engine, counts_direct)
    best_engine, best_direct = min(timings["engine"]), min(timings["direct"])
    print(
        f"one LIMIT check (CFE tanks, {declarations.height:,} declarations x {len(DATES)} dates): engine "
        f"{best_engine * 1000:.1f} ms, direct Polars {best_direct * 1000:.1f} ms, "
        f"ratio {best_engine / best_direct:.2f} "
        f"(x{best_engine / best_direct / DIRECT_RATIO_TARGET:.2f} of the 2x target); same statuses: {counts_engine}"
    )


if __name__ == "__main__":
    main()
