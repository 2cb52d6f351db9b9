"""The SIPRI trade register mapped into ``arms_transfers``, on real SQLite and PostgreSQL, from the mirror.

The register and the TIV table are loaded once per backend for the whole module, into a copy of the
session's crosswalk store; every figure asserted is recomputed from the parsed files, or is SIPRI's published one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Table, func, select, text, update

from detente.services.exports import export_frame
from detente.sources.crosswalk import normalise
from detente.sources.load import LoadReport, load_source
from detente.sources.mapping import run_mappers
from detente.store.database import Store
from detente.store.models import ArmsTransfer, MapperRun, State

Parsed = Callable[[str], dict[str, pl.DataFrame]]
SOURCES = ("sipri_register", "sipri_tiv")


def _table(model: type[ArmsTransfer] | type[State]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


transfers_table = _table(ArmsTransfer)
states_table = _table(State)


@pytest.fixture(scope="module")
def loaded(crosswalk_store: Store, mirror: Path, cache_dir: Path) -> tuple[Store, dict[str, LoadReport]]:
    """The module's copy of the crosswalk store with the register and the TIV table loaded."""
    reports = {name: load_source(crosswalk_store, name, mirror=mirror) for name in SOURCES}
    return crosswalk_store, reports


@pytest.fixture(scope="module")
def register(parsed: Parsed) -> pl.DataFrame:
    return parsed("sipri_register")["transfers"]


def test_every_register_row_becomes_one_transfer(
    loaded: tuple[Store, dict[str, LoadReport]], register: pl.DataFrame
) -> None:
    store, reports = loaded
    assert reports["sipri_register"].domain == {"sipri_register": {"arms_transfers": register.height}}
    with store.engine.connect() as connection:
        rows, keys, tiv = connection.execute(
            select(
                func.count(),
                func.count(transfers_table.c.source_key.distinct()),
                func.sum(transfers_table.c.tiv_delivered),
            )
        ).one()
    assert rows == keys == register.height == 25_024
    assert tiv == pytest.approx(register["tiv_delivered"].sum())


def test_tiv_by_supplier_2017_2021_reproduces_the_register(
    loaded: tuple[Store, dict[str, LoadReport]], register: pl.DataFrame
) -> None:
    store, _ = loaded
    window = transfers_table.c.delivery_year.between(2017, 2021)
    total = func.sum(transfers_table.c.tiv_delivered)
    with store.engine.connect() as connection:
        by_name: dict[str, float] = dict(
            connection.execute(
                select(transfers_table.c.supplier_name, total).where(window).group_by(transfers_table.c.supplier_name)
            ).all()
        )
        by_state = connection.execute(
            select(states_table.c.iso3, total)
            .join(states_table, states_table.c.id == transfers_table.c.supplier_state_id)
            .where(window)
            .group_by(states_table.c.iso3)
            .order_by(total.desc())
        ).all()
    expected = (
        register.filter(pl.col("delivery_year").is_between(2017, 2021))
        .group_by("supplier")
        .agg(pl.col("tiv_delivered").sum())
    )
    assert by_name == pytest.approx(dict(expected.iter_rows()))
    assert max(by_name, key=lambda name: by_name[name]) == "United States"
    assert by_state[0][0] == "USA"
    assert by_state[0][1] == pytest.approx(by_name["United States"])


def _mledoze_names(countries: pl.DataFrame) -> dict[str, set[tuple[str, bool]]]:
    """Normalised name -> {(ISO3, UN member)} from mledoze's common, official and alternative names."""
    lookup: dict[str, set[tuple[str, bool]]] = {}
    for row in countries.iter_rows(named=True):
        for name in [row["name_common"], row["name_official"], *(row["alt_spellings"] or "").split(",")]:
            if name:
                lookup.setdefault(normalise(name), set()).add((row["cca3"], bool(row["un_member"])))
    return lookup


def test_only_non_states_are_left_unmatched(loaded: tuple[Store, dict[str, LoadReport]], parsed: Parsed) -> None:
    """Checked against an independent list (mledoze world-countries, not used by the crosswalk)."""
    store, reports = loaded
    report = reports["sipri_register"].unmatched["sipri_register"]
    assert not any("not matched" in what or "not in the store" in what for what in report), report
    mledoze = _mledoze_names(parsed("world_countries")["countries"])
    for role in ("supplier", "recipient"):
        name_col, id_col = transfers_table.c[f"{role}_name"], transfers_table.c[f"{role}_state_id"]
        with store.engine.connect() as connection:
            rows = connection.execute(
                select(name_col, id_col, states_table.c.iso3, func.count())
                .join(states_table, states_table.c.id == id_col, isouter=True)
                .group_by(name_col, id_col, states_table.c.iso3)
            ).all()
        nulls = {name: count for name, state_id, _, count in rows if state_id is None}
        assert nulls == report[f"{role} names that are not states"]
        for name in nulls:
            known = mledoze.get(normalise(name), set())
            marked = "*" in name or name.startswith("unknown")
            assert marked or not any(member for _, member in known), f"{role} {name!r} is a UN member"
        members = 0
        for name, state_id, iso3, _ in rows:
            codes = {code for code, member in mledoze.get(normalise(name), set()) if member}
            if codes:
                members += 1
                assert state_id is not None, f"UN member {name!r} ({role}) left unmatched"
                assert len(codes) > 1 or iso3 in codes, f"{role} {name!r} matched to {iso3}, mledoze says {codes}"
        assert members >= (40 if role == "supplier" else 150)


def test_spot_check_russia_s400_to_turkiye(loaded: tuple[Store, dict[str, LoadReport]], register: pl.DataFrame) -> None:
    """SIPRI deal 59633: two S-400 batteries ordered 2017, delivered 2019 (the raw CSV line, field by field)."""
    store, _ = loaded
    raw = register.filter((pl.col("deal_id") == 59633) & (pl.col("delivery_year") == 2019)).row(0, named=True)
    assert (raw["supplier"], raw["recipient"], raw["designation"]) == ("Russia", "Turkiye", "S-400 Triumf")
    with store.engine.connect() as connection:
        row = (
            connection.execute(select(transfers_table).where(transfers_table.c.source_key == "sipri:59633:2019"))
            .one()
            ._mapping
        )
        iso3 = {row.id: row.iso3 for row in connection.execute(select(states_table.c.id, states_table.c.iso3))}
    assert (row["supplier_name"], iso3[row["supplier_state_id"]]) == ("Russia", "RUS")
    assert (row["recipient_name"], iso3[row["recipient_state_id"]]) == ("Turkiye", "TUR")
    assert (row["designation"], row["description"], row["category"]) == (
        "S-400 Triumf",
        "SAM system",
        "Air-defence systems",
    )
    assert (row["order_year"], row["order_year_estimated"], row["number_ordered"]) == (2017, False, None)
    assert (row["delivery_year"], row["number_delivered"], row["status"]) == (2019, 2, "New")
    assert (row["tiv_per_unit"], row["tiv_delivered"]) == (65.0, 130.0)
    assert row["original"]["deal_id"] == 59633
    assert (row["number_delivered_estimated"], row["delivery_year_estimated"]) == (True, False)
    assert (row["original"]["sipri_estimate"], row["local_production"]) == (65.0, True)
    assert (row["original"]["supplier_match"], row["original"]["recipient_match"]) == ("name", "name")


def test_blank_estimate_flags_are_kept_as_unknown(
    loaded: tuple[Store, dict[str, LoadReport]], register: pl.DataFrame
) -> None:
    """SIPRI leaves "order date is estimate" blank for some 2024 orders: stored NULL (unknown, not false)."""
    store, _ = loaded
    blank = register.filter(pl.col("order_year_estimated").is_null())
    assert blank.height > 0
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(transfers_table.c.source_key, transfers_table.c.order_year_estimated).where(
                transfers_table.c.source_key.like("sipri:%")
            )
        ).all()
    unknown = {key for key, flag in rows if flag is None}
    assert unknown == {f"sipri:{d}:{y}" for d, y in blank.select("deal_id", "delivery_year").iter_rows()}
    flags = dict(register.select(pl.format("sipri:{}:{}", "deal_id", "delivery_year"), "order_year_estimated").rows())
    assert all(flag == flags[key] for key, flag in rows)


def test_remapping_replaces_rather_than_duplicates(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    """Force the mapper to run again, reading the stored tables back: the same rows, rewritten, none twice.

    One row is tampered with first; the re-run must restore it (rows are rewritten, not kept).
    """
    store, _ = loaded
    query = select(transfers_table.c.source_key, transfers_table.c.tiv_delivered, transfers_table.c.recipient_state_id)
    tampered = transfers_table.c.source_key == "sipri:59633:2019"
    with store.engine.connect() as connection:
        before = sorted(connection.execute(query).all())
    with store.engine.begin() as connection:
        connection.execute(update(transfers_table).where(tampered).values(tiv_delivered=-1.0))
        connection.execute(update(MapperRun).where(MapperRun.mapper == "sipri_register").values(inputs={}))
        results, _ = run_mappers(connection)
    assert [r.rows for r in results if r.mapper == "sipri_register"] == [{"arms_transfers": len(before)}]
    with store.engine.connect() as connection:
        after = sorted(connection.execute(query).all())
        mapped = connection.execute(select(MapperRun.inputs).where(MapperRun.mapper == "sipri_register")).scalar_one()
    assert after == before
    assert set(mapped) == {"sipri_register"}


def test_us_share_of_world_tiv_2017_2021_from_the_stored_table(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    """SIPRI fact sheet, March 2022: the US made 38.6% of world arms exports in 2017-21 (stored TIV table, SQL)."""
    store, _ = loaded
    with store.engine.connect() as connection:
        us, world = connection.execute(
            text(
                "SELECT SUM(CASE WHEN supplier = 'United States' THEN tiv ELSE 0 END), SUM(tiv)"
                " FROM ds_sipri_tiv__tiv WHERE year BETWEEN 2017 AND 2021"
            )
        ).one()
    assert round(100 * us / world, 1) == 38.6


def test_arms_transfers_export_has_year_valid_codes_and_source(loaded: tuple[Store, dict[str, LoadReport]]) -> None:
    store, _ = loaded
    frame = export_frame(store, "arms-transfers")
    assert frame.height == 25_024
    assert frame.columns[:4] == ["supplier_iso3", "supplier_ccode", "recipient_iso3", "recipient_ccode"]
    assert frame.columns[-1] == "source"
    s400 = frame.filter(
        (pl.col("designation") == "S-400 Triumf")
        & (pl.col("recipient_name") == "Turkiye")
        & (pl.col("delivery_year") == 2019)
    )
    assert s400.select("supplier_iso3", "supplier_ccode", "recipient_iso3", "recipient_ccode").row(0) == (
        "RUS",
        "365",
        "TUR",
        "640",
    )
    assert s400.get_column("source").item().startswith("sipri_register ")
    unknown = frame.filter(pl.col("supplier_name") == "unknown supplier(s)")
    assert unknown.height == 194
    assert unknown.get_column("supplier_iso3").null_count() == 194


def test_arms_systems_totals_are_exact_sums_rounded_below_the_source_precision(
    loaded: tuple[Store, dict[str, LoadReport]],
) -> None:
    """Every system's TIV total is the exactly rounded sum of its stored deliveries (``math.fsum``: no
    dependence on the order a database adds them in), ``None`` when a delivery has no value; so the same
    deliveries give the same figure on SQLite and PostgreSQL."""
    from detente.analysis.ties import TIV_DECIMALS, arms_systems

    store, _ = loaded
    with store.engine.connect() as connection:
        usa = connection.execute(select(states_table.c.id).where(states_table.c.iso3 == "USA")).scalar_one()
        rows = connection.execute(
            select(
                transfers_table.c.supplier_state_id,
                transfers_table.c.recipient_state_id,
                transfers_table.c.designation,
                transfers_table.c.tiv_delivered,
            ).where(
                (transfers_table.c.supplier_state_id == usa) | (transfers_table.c.recipient_state_id == usa),
                transfers_table.c.supplier_state_id.is_not(None),
                transfers_table.c.recipient_state_id.is_not(None),
                transfers_table.c.delivery_year.between(2010, 2019),
            )
        ).all()
    groups: dict[tuple[int, int, str], list[float | None]] = {}
    for supplier, recipient, designation, tiv in rows:
        groups.setdefault((supplier, recipient, designation), []).append(tiv)
    systems = arms_systems(store, usa, years=(2010, 2019))
    assert len(systems) == len(groups) > 500
    for system in systems:
        values = groups[(system.supplier_id, system.recipient_id, system.designation)]
        if any(value is None for value in values):
            assert system.tiv is None
        else:
            assert system.tiv == round(math.fsum(float(v) for v in values if v is not None), TIV_DECIMALS)
