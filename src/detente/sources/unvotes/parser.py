"""UN General Assembly roll-call votes (Voeten et al., as packaged by the R package unvotes).

``votes`` (un_votes.rda; 870,109 rows): ``rcid`` (roll call), ``country`` (name), ``country_code``
    (ISO2; ``"NA"`` is Namibia, a code and not a missing value -- R stores it as the string "NA";
    states without an ISO2 code, such as the Yemen Arab Republic, have null), ``vote`` (yes | no |
    abstain; absences and non-members are not recorded).
``roll_calls`` (un_roll_calls.rda; 6,203 rows): ``rcid``, ``session``, ``importantvote``, ``date``,
    ``unres``, ``amend``, ``para``, ``short``, ``descr``.
``roll_call_issues`` (un_roll_call_issues.rda): ``rcid``, ``short_name`` (me, nu, di, hr, co, ec),
    ``issue`` ("Nuclear weapons and nuclear material", "Arms control and disarmament", ...).

The package's own .rda files are the canonical source (the CSV conversions in the mirror are not used).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.rdata import read_rda

TABLES = {"votes": "un_votes", "roll_calls": "un_roll_calls", "roll_call_issues": "un_roll_call_issues"}


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Read the three unvotes data frames."""
    return {table: read_rda(files[f"rda/{name}.rda"], name) for table, name in TABLES.items()}
