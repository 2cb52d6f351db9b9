"""Published figures recomputed from the parsed tables (no figure is stored in any parser)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

Parsed = Callable[[str], dict[str, pl.DataFrame]]


def test_sipri_tiv_export_shares_2017_2021(parsed: Parsed) -> None:
    """SIPRI fact sheet March 2022: US 38.6% (rounded to 39%), top five 77.0%."""
    tiv = parsed("sipri_tiv")["tiv"].filter(pl.col("year").is_between(2017, 2021))
    by_supplier = tiv.group_by("supplier").agg(pl.col("tiv").sum()).sort("tiv", descending=True)
    world = tiv["tiv"].sum()
    us = by_supplier.filter(pl.col("supplier") == "United States")["tiv"].item()
    top5 = by_supplier.head(5)
    print(f"US share {100 * us / world:.1f}%, top five {100 * top5['tiv'].sum() / world:.1f}%")
    assert round(100 * us / world, 1) == 38.6
    assert round(100 * top5["tiv"].sum() / world, 1) == 77.0
    assert top5["supplier"].to_list() == ["United States", "Russia", "France", "China", "Germany"]


def test_ipi_un_police_on_2015_03_31(parsed: Parsed) -> None:
    """UN uniformed police in peacekeeping operations on 31 March 2015: 13,122.

    IPI's mission file also carries special political missions (UNAMA had 4 police that day); the
    UN's peacekeeping figure counts peacekeeping operations only.
    """
    months = parsed("ipi_peacekeeping")["mission_months"].filter(pl.col("date") == dt.date(2015, 3, 31))
    pko = months.filter(pl.col("mission_kind") == "peacekeeping_operation")["police"].sum()
    everything = months["police"].sum()
    print(f"police 2015-03-31: peacekeeping operations {pko}, all missions {everything}")
    assert pko == 13_122
    assert everything - pko == months.filter(pl.col("mission") == "UNAMA")["police"].sum()


def test_atop_alliances_without_obligation_beyond_nonaggression(parsed: Parsed) -> None:
    """ATOP 5.1: 789 alliances; 200 with no defense, offense, neutrality or consultation obligation."""
    alliances = parsed("atop")["alliances"]
    only_nonaggression = alliances.filter(
        (pl.col("defense") == 0) & (pl.col("offense") == 0) & (pl.col("neutral") == 0) & (pl.col("consul") == 0)
    )
    print(f"ATOP alliances {alliances.height}, no obligation beyond non-aggression {only_nonaggression.height}")
    assert alliances.height == 789
    assert alliances["atop_id"].n_unique() == 789
    assert only_nonaggression.height == 200
    assert only_nonaggression["nonagg"].min() == 1  # each of them is at least a non-aggression pact
