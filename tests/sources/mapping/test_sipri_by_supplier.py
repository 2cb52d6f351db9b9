"""The 2021 registers of four suppliers add the deliveries before 1995 to ``arms_transfers``, and agree with
the full register where the two overlap. Every figure is recomputed from the parsed files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from detente.sources.load import LoadReport, load_source
from detente.store.database import Store
from detente.store.models import ArmsTransfer

Parsed = Callable[[str], dict[str, pl.DataFrame]]
SOURCE = "sipri_registers_by_supplier"


@pytest.fixture(scope="module")
def loaded(crosswalk_store: Store, mirror: Path) -> tuple[Store, dict[str, LoadReport]]:
    reports = {name: load_source(crosswalk_store, name, mirror=mirror) for name in ("sipri_register", SOURCE)}
    return crosswalk_store, reports


def _years(frame: pl.DataFrame) -> pl.DataFrame:
    years = pl.col("delivery_years").str.extract_all(r"\d{4}").list.eval(pl.element().cast(pl.Int64))
    return frame.with_columns(years.list.min().alias("first"), years.list.max().alias("last"))


def test_only_deliveries_before_1995_are_added(loaded: tuple[Store, dict[str, LoadReport]], parsed: Parsed) -> None:
    store, reports = loaded
    tables = parsed(SOURCE)
    european, american = _years(tables["deals"]), _years(tables["us_deals"])
    early = european.filter(pl.col("last") < 1995).height + american.filter(pl.col("last") < 1995).height
    straddling = european.filter((pl.col("first") < 1995) & (pl.col("last") >= 1995)).height
    assert reports[SOURCE].domain[SOURCE] == {"arms_transfers": early}
    assert early > 9_000  # what the older registers add: decades of deliveries the full register lacks
    report = reports[SOURCE].unmatched[SOURCE]
    by_register = report["deals delivered across 1995 (left to the dataset tables: not split by year)"]
    assert sum(v for k, v in by_register.items() if k != "United States") == straddling
    mine = ArmsTransfer.source_key.like("sipri2021:%")
    with store.engine.connect() as connection:
        rows, latest, tiv, unnamed = connection.execute(
            select(
                func.count(),
                func.max(func.coalesce(ArmsTransfer.delivery_year, 0)),
                func.sum(ArmsTransfer.tiv_delivered),
                func.count().filter(ArmsTransfer.recipient_state_id.is_(None)),
            ).where(mine)
        ).one()
        register = connection.execute(
            select(func.count()).where(ArmsTransfer.source_key.like("sipri:%"), ArmsTransfer.delivery_year < 1995)
        ).scalar_one()
    assert rows == early and latest < 1995 and register == 0
    expected_tiv = european.filter(pl.col("last") < 1995).get_column("tiv_delivered").sum()
    assert tiv == pytest.approx(expected_tiv)
    not_states = report.get("recipient names that are not states", {})
    assert unnamed == sum(not_states.values())  # every recipient without a state is a listed non-state


def test_the_two_releases_agree_where_they_overlap(parsed: Parsed) -> None:
    """Deals delivered from 1995 on, found in both releases by supplier, recipient, designation and order
    year: nine in ten agree on the number delivered (SIPRI revises its data between releases)."""
    older = _years(parsed(SOURCE)["deals"]).filter(pl.col("first") >= 1995)
    newer = (
        parsed("sipri_register")["transfers"]
        .group_by("supplier", "recipient", "designation", "order_year")
        .agg(pl.col("numbers_delivered").sum().alias("newer"), pl.col("tiv_delivered").sum().alias("newer_tiv"))
    )
    both = older.join(newer, on=["supplier", "recipient", "designation", "order_year"], how="inner")
    agree = both.filter(pl.col("number_delivered") == pl.col("newer"))
    print(f"overlap: {older.height} deals, {both.height} found in both, {agree.height} agree on numbers delivered")
    assert both.height > 800
    assert agree.height / both.height > 0.9
