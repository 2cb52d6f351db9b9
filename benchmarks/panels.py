"""Benchmark: the reference dyad-year pipeline as a whole process, and the directed dyad-year builder alone.

Usage:  python benchmarks/panels.py [--database URL] [--mirror ../shared/datasets] [--runs 5]

Without ``--database`` a fresh SQLite store is made in a temporary directory and countrycode, isard and
peacesciencer are loaded into it from the mirror (about a minute and a half, not timed). Then:

1. ``python -m detente panel dyad-years --system cow --years 1816-2010 --add atop,nmc,contiguity,mids,capdist,
   democracy,igos --out FILE.parquet`` runs once as a warm-up (it fills the columnar table cache, as a
   user's first run does) and then ``--runs`` times; the script prints the median wall time, the median
   CPU time (user + system) and the peak RSS of the child processes (each measured on its own with
   ``wait4``). On a shared machine the wall time includes waiting for a core; the CPU time does not, so
   compare CPU times when others are busy (they still grow a little with contention);
2. ``create_dyad_years(directed=True, years=(1816, 2016))`` runs in this process, warm-up plus ``--runs``
   times, and the median is printed.

3. with ``--beyond``, the same whole-process pipeline with the seven enrichers beyond the reference added
   (``--add ...,arms,dca,exercises,pko,unvotes,ucdp,milex``; their sources are loaded too when the script
   makes its own store): peacesciencer has no equivalent, so it is held to the same 2.5 s target.

Each figure is printed with its ratio to issue 4's anchors: peacesciencer's recorded 24.7 s wall and 2.24 GiB
peak RSS for the same pipeline (whole Rscript process, median of 5 on this machine class), and detente's
targets of 2.5 s, 1 GiB and 0.5 s for the builder alone. If ``Rscript`` with peacesciencer is installed, the R
pipeline is timed side by side as well.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE_WALL_S = 24.7
REFERENCE_RSS_MIB = 2.24 * 1024
TARGET_WALL_S = 2.5
TARGET_RSS_MIB = 1024.0
TARGET_BUILD_S = 0.5
ADD = "atop,nmc,contiguity,mids,capdist,democracy,igos"
BEYOND_ADD = "arms,dca,exercises,pko,unvotes,ucdp,milex"
REFERENCE_SOURCES = ("countrycode", "isard", "peacesciencer")
BEYOND_SOURCES = (
    "sipri_tiv", "dcad", "exercises", "ipi_peacekeeping", "ipi_peacekeeping_gender", "unvotes", "ucdp", "sipri_milex",
)  # fmt: skip
R_PIPELINE = (
    "suppressMessages(library(peacesciencer)); suppressMessages(library(dplyr)); "
    "x <- create_dyadyears(directed = FALSE, subset_years = 1816:2010) %>% add_atop_alliance() %>% add_nmc() %>% "
    "add_contiguity() %>% add_cow_mids() %>% add_capital_distance() %>% add_democracy() %>% add_igos()"
)


def _child(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one child process; raises if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _panel_command(env: dict[str, str]) -> list[str]:
    """``python -m detente panel`` once the sub-app is registered, else the module itself."""
    probe = subprocess.run([sys.executable, "-m", "detente", "panel", "--help"], env=env, capture_output=True)
    return (
        [sys.executable, "-m", "detente", "panel"]
        if probe.returncode == 0
        else [sys.executable, "-m", "detente.cli.panel"]
    )


def _load(url: str, mirror: Path, env: dict[str, str], sources: tuple[str, ...]) -> None:
    print(f"loading {', '.join(sources)} from {mirror} (not timed) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "detente", "init", "--database", url], env=env, check=True, stdout=subprocess.DEVNULL
    )
    for name in sources:
        subprocess.run(
            [sys.executable, "-m", "detente", "sources", "load", name, "--mirror", str(mirror), "--database", url],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _whole_process(url: str, out: Path, runs: int, env: dict[str, str], add: str = ADD, label: str = "") -> None:
    command = [*_panel_command(env), "dyad-years", "--database", url, "--system", "cow", "--years", "1816-2010"]
    command += ["--add", add, "--out", str(out)]
    _child(command, env)  # warm-up: fills the columnar cache
    measured = [_child(command, env) for _ in range(runs)]
    wall = statistics.median(m[0] for m in measured)
    cpu = statistics.median(m[1] for m in measured)
    rss = max(m[2] for m in measured)
    print(
        f"dyad-year pipeline 1816-2010{label}, whole process: median {wall:.2f} s of {runs} "
        f"({REFERENCE_WALL_S / wall:.1f}x faster than peacesciencer's {REFERENCE_WALL_S} s; "
        f"x{wall / TARGET_WALL_S:.2f} of the {TARGET_WALL_S} s target)"
    )
    print(f"CPU time (user + system) median {cpu:.2f} s (load average now {os.getloadavg()[0]:.1f})")
    print(
        f"peak RSS {rss:,.0f} MiB ({rss / REFERENCE_RSS_MIB:.2f} of peacesciencer's 2.24 GiB; "
        f"x{rss / TARGET_RSS_MIB:.2f} of the 1 GiB target)"
    )


def _builder(url: str, runs: int) -> None:
    from detente.panels import create_dyad_years
    from detente.store.database import Store

    store = Store.open(url)
    try:
        create_dyad_years(store, "cow", directed=True, years=(1816, 2016))
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            panel = create_dyad_years(store, "cow", directed=True, years=(1816, 2016))
            times.append(time.perf_counter() - started)
    finally:
        store.close()
    median = statistics.median(times)
    print(
        f"create_dyad_years(directed=True, 1816-2016): {panel.height:,} rows, median {median:.3f} s "
        f"(x{median / TARGET_BUILD_S:.2f} of the {TARGET_BUILD_S} s target)"
    )


def _r_side_by_side(runs: int) -> None:
    rscript = shutil.which("Rscript")
    probe = subprocess.run([rscript, "-e", "library(peacesciencer)"], capture_output=True) if rscript else None
    if rscript is None or probe is None or probe.returncode != 0:
        print(f"peacesciencer (R) not installed here: recorded figures {REFERENCE_WALL_S} s wall, 2.24 GiB peak RSS")
        return
    measured = [_child([rscript, "-e", R_PIPELINE], dict(os.environ)) for _ in range(runs)]
    print(
        f"peacesciencer on this machine: median {statistics.median(m[0] for m in measured):.2f} s, "
        f"CPU {statistics.median(m[1] for m in measured):.2f} s, peak RSS {max(m[2] for m in measured):,.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_mirror = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
    parser.add_argument("--database", help="a store with countrycode, isard and peacesciencer loaded")
    parser.add_argument("--mirror", type=Path, default=Path(os.environ.get("DETENTE_MIRROR", default_mirror)))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--r", action="store_true", help="also time peacesciencer if Rscript has it")
    parser.add_argument("--beyond", action="store_true", help="also time the pipeline with the seven new enrichers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "DETENTE_CACHE_DIR": str(Path(directory) / "cache")}
        os.environ["DETENTE_CACHE_DIR"] = env["DETENTE_CACHE_DIR"]
        url = args.database or f"sqlite:///{Path(directory) / 'panels.sqlite'}"
        if args.database is None:
            sources = REFERENCE_SOURCES + (BEYOND_SOURCES if args.beyond else ())
            _load(url, args.mirror.resolve(), env, sources)
        _whole_process(url, Path(directory) / "dyads.parquet", args.runs, env)
        if args.beyond:
            label = f" + {BEYOND_ADD}"
            _whole_process(url, Path(directory) / "all.parquet", args.runs, env, f"{ADD},{BEYOND_ADD}", label)
        _builder(url, args.runs)
        if args.r:
            _r_side_by_side(args.runs)
        else:
            print(f"peacesciencer (recorded): {REFERENCE_WALL_S} s wall, 2.24 GiB peak RSS (pass --r to time it here)")


if __name__ == "__main__":
    main()
