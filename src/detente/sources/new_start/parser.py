"""New START aggregate numbers of strategic offensive arms (biannual data exchange), by party.

``aggregate_numbers`` (new_start_aggregate_numbers.csv, one row per exchange date x party)
    ``as_of_date``, ``party`` (ISO3: USA | RUS), ``deployed_icbm_slbm_hb`` (limit 700),
    ``warheads_deployed`` (limit 1,550; each bomber counts as one), ``launchers_deployed_and_nondeployed``
    (limit 800), ``source_url`` (where the figure was transcribed from).

Blank means not published in the source used (2018-02-05 launchers) or not provided (Russia,
2023-03-01, after it "suspended" the treaty): null, never 0. The series is partial, with gaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.rawtable import Col, Kind

FILE = "new_start_aggregate_numbers.csv"


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the transcribed aggregate numbers."""
    frame = read_csv(files[FILE], "utf-8").typed(
        [
            Col("as_of_date", kind=Kind.DATE),
            Col("party"),
            Col("deployed_icbm_slbm_hb", kind=Kind.INT),
            Col("warheads_deployed", kind=Kind.INT),
            Col("launchers_deployed_and_nondeployed", kind=Kind.INT),
            Col("source_url"),
        ]
    )
    return {"aggregate_numbers": frame}
