"""Time the analyses on the real data: country dossier, pair dossier, a year's network, a coalition ranking.

    .venv/bin/python benchmarks/analysis.py [--database URL] [--runs 20]

Needs a store with the sources loaded (``make run``). Each job runs ``--runs`` times in this process, after
one warm-up run that builds the cached relations table and the coalition model if the store changed
(their cold times are printed too). Prints p50 / p95 of the wall time, the p50 of the process's CPU time
(the machine may be shared: CPU time shows what the job itself costs) and the ratio of p95 to the target
(below 1 is within it): dossier <= 200 ms, network of a year with metrics <= 1 s, coalition ranking <= 1 s.
``--backtest`` also runs the coalition backtest once and prints its figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date

from detente.analysis.capabilities import parse_need
from detente.analysis.coalition import backtest, rank
from detente.analysis.compliance_status import forget_evaluations
from detente.analysis.dossiers import country_dossier, pair_dossier
from detente.analysis.networks import network
from detente.analysis.reliability import reliability
from detente.store.database import Store


def _fresh_compliance(store: Store, state: str, day: date) -> object:
    """A country dossier whose compliance status is evaluated anew, not taken from the in-memory evaluations.

    A dossier keeps the compliance evaluations it made until the store's next write (they are deterministic
    given the data), so repeated runs of the plain job reuse them; this job shows what the first reader after
    a write pays.
    """
    forget_evaluations()
    return country_dossier(store, state, day)


JOBS: list[tuple[str, float, Callable[[Store], object]]] = [
    ("country dossier FRA 2005", 0.2, lambda s: country_dossier(s, "FRA", date(2005, 6, 1))),
    ("country dossier USA 2019 (+ New START)", 0.2, lambda s: country_dossier(s, "USA", date(2019, 6, 1))),
    ("  the same, compliance evaluated afresh", 0.2, lambda s: _fresh_compliance(s, "USA", date(2019, 6, 1))),
    ("pair dossier FRA-IND 2015", 0.2, lambda s: pair_dossier(s, "FRA", "IND", date(2015, 1, 1))),
    ("pair dossier USA-IRQ 2024 (UCDP conflicts)", 0.2, lambda s: pair_dossier(s, "USA", "IRQ", date(2024, 12, 31))),
    ("network alliances 1990 + metrics", 1.0, lambda s: network(s, "alliances", 1990)),
    ("coalition rank USA vs IRQ 1990-08-02", 1.0, lambda s: rank(s, ["USA"], ["IRQ"], date(1990, 8, 2))),
    (
        "coalition rank, 3 leads, 2 requirements",
        1.0,
        lambda s: rank(
            s,
            ["USA", "GBR", "FRA"],
            ["LBY"],
            date(2011, 3, 19),
            require=[parse_need("personnel=100"), parse_need("aircraft=10")],
        ),
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backtest", action="store_true")
    args = parser.parse_args()
    store = Store.open(args.database)
    print(f"{'job':42} {'cold s':>7} {'p50 ms':>7} {'p95 ms':>7} {'cpu ms':>7} {'target':>7} {'ratio':>6}")
    for name, target, job in JOBS:
        start = time.perf_counter()
        job(store)
        cold = time.perf_counter() - start
        times, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            job(store)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        cpu50 = statistics.median(cpu)
        print(
            f"{name:42} {cold:7.2f} {p50 * 1000:7.0f} {p95 * 1000:7.0f} {cpu50 * 1000:7.0f} {target * 1000:7.0f} "
            f"{p95 / target:6.2f}"
        )
    if args.backtest:
        result = backtest(store)
        m, b = result.model, result.baseline
        print(
            f"backtest split {result.split}: model AUC {m.roc_auc:.3f} p@5 {m.precision_at_5:.3f} "
            f"p@10 {m.precision_at_10:.3f}; baseline AUC {b.roc_auc:.3f} p@5 {b.precision_at_5:.3f} "
            f"p@10 {b.precision_at_10:.3f}; target met: {result.target_met}"
        )
        found = reliability(store)
        print(
            f"reliability 1816-1944: naive {found.naive.share:.3f} of {found.naive.promises}; conditional "
            f"{found.conditional.share:.3f} of {found.conditional.promises}"
        )
    store.close()


if __name__ == "__main__":
    main()
