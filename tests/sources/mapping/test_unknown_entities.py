"""An unknown country code or name stops a load with file, row, column and the next step, changing nothing.

Each fault test copies a real raw file, injects one unknown value into one row, declares the copy's own
checksum (so that the load gets past verification to the mapping), and loads it into a store that holds
the crosswalk. The load must fail with a :class:`SourceDataError` pointing at that row and column and
telling the user to add the value to ``aliases.yml``; the database must be exactly as before (row counts,
stored tables, audit head, and ``audit verify``). Known unmappable entries, by contrast, load and are
reported with their row counts.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest

import detente.sources.load as load_module
from detente.services import audit_trail
from detente.sources import SourceDataError, get_source
from detente.sources.crosswalk import CrosswalkError
from detente.sources.crosswalk.unmappable import aliases_path, load_unmappable_codes, not_a_state_reasons
from detente.sources.load import load_source
from detente.store.database import Store
from tests.sources.test_load import snapshot


def _load_altered(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    mirror: Path,
    source: str,
    file: str,
    alter: Callable[[list[str]], None],
    encoding: str = "utf-8",
) -> None:
    """Load ``source`` from a copy of the mirror whose ``file`` was changed by ``alter`` (on its lines).

    The copy's checksum is declared in place of the published one, so the load verifies, parses and maps
    it like a real file.
    """
    original = (mirror / source / file).read_bytes()
    lines = original.decode(encoding).splitlines(keepends=True)
    alter(lines)
    data = "".join(lines).encode(encoding)
    assert data != original
    copy = tmp_path / "mirror" / source
    copy.mkdir(parents=True)
    for entry in get_source(source).spec.files:
        target = copy / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if entry.path == file else (mirror / source / entry.path).read_bytes())
    real = get_source(source)
    files = tuple(
        entry.model_copy(update={"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        if entry.path == file
        else entry
        for entry in real.spec.files
    )
    altered = dataclasses.replace(real, spec=real.spec.model_copy(update={"files": files}))
    monkeypatch.setattr(load_module, "get_source", lambda name: altered if name == source else get_source(name))
    monkeypatch.setenv("DETENTE_CACHE_DIR", str(tmp_path / "cache"))
    load_source(store, source, mirror=tmp_path / "mirror")


def _set_cell(lines: list[str], line: int, column: str, value: str, *, header_line: int = 1, suffix: str = "") -> str:
    """Replace ``column`` of file line ``line`` (1-based) with ``value``; return the old value."""
    header = next(csv.reader([lines[header_line - 1].rstrip("\r\n").removesuffix(suffix)]))
    cells = next(csv.reader([lines[line - 1].rstrip("\r\n").removesuffix(suffix)]))
    index = header.index(column)
    old, cells[index] = cells[index], value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[line - 1] = out.getvalue() + suffix + "\n"
    return old


def _assert_points_at(error: SourceDataError, file: str, row: int, column: str, value: str) -> None:
    assert error.file.endswith(file)
    assert (error.row, error.column) == (row, column)
    assert repr(value) in error.problem
    assert "neither in the country crosswalk nor in the reviewed aliases or known unmappable entries" in error.problem
    assert f"add it to {aliases_path()} as an alias or as a known unmappable entry" in error.fix
    message = str(error)
    assert file in message and f"row {row}" in message and repr(column) in message


def test_unknown_cow_code_stops_the_load_and_changes_nothing(
    crosswalk_store: Store, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(crosswalk_store)
    with pytest.raises(SourceDataError) as info:
        _load_altered(
            crosswalk_store,
            monkeypatch,
            tmp_path,
            mirror,
            "dcad",
            "DCAD-v1.0-main.csv",
            lambda lines: _set_cell(lines, 7, "ccode2", "999"),
        )
    _assert_points_at(info.value, "dcad/DCAD-v1.0-main.csv", 7, "ccode2", "999")
    assert "COW code" in info.value.problem and "signYear" in info.value.problem
    assert snapshot(crosswalk_store) == before
    assert audit_trail.verify(crosswalk_store).ok


def test_unknown_state_name_stops_the_load_and_changes_nothing(
    crosswalk_store: Store, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(crosswalk_store)
    file = "trade_register_1995_2025.csv"
    with pytest.raises(SourceDataError) as info:
        _load_altered(
            crosswalk_store,
            monkeypatch,
            tmp_path,
            mirror,
            "sipri_register",
            file,
            lambda lines: _set_cell(lines, 40, "Recipient", "Atlantis", header_line=12, suffix=";"),
        )
    _assert_points_at(info.value, f"sipri_register/{file}", 40, "Recipient", "Atlantis")
    assert "SIPRI recipient" in info.value.problem and "(1 row of sipri_register.transfers)" in info.value.problem
    assert snapshot(crosswalk_store) == before
    assert audit_trail.verify(crosswalk_store).ok


def test_known_unmappable_entries_load_and_are_reported_with_counts(crosswalk_store: Store, mirror: Path) -> None:
    """The real register's non-states (NATO, rebels, "unknown recipient(s)") and IPI's Western Sahara load."""
    register = load_source(crosswalk_store, "sipri_register", mirror=mirror)
    not_states = register.unmatched["sipri_register"]["recipient names that are not states"]
    assert not_states["NATO**"] == 26
    assert not_states["unknown recipient(s)"] == 66
    assert register.domain["sipri_register"]["arms_transfers"] == 25_024  # none dropped
    ipi = load_source(crosswalk_store, "ipi_peacekeeping", mirror=mirror)
    hosts = ipi.unmatched["ipi_peacekeeping"]["mission host: known unmappable codes (aliases.yml), kept with no state"]
    assert set(hosts) == {"ESH"} and hosts["ESH"] > 0


def test_reviewed_lists_give_a_reason_for_every_entry() -> None:
    codes = load_unmappable_codes()
    assert codes.height >= 2
    assert codes.get_column("reason").str.len_chars().min() > 20  # type: ignore[operator]
    assert {"organisation", "non_state_actor", "territory", "region", "group", "unknown"} <= set(not_a_state_reasons())


def test_a_reviewed_code_without_a_reason_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import detente.sources.crosswalk.unmappable as unmappable

    broken = {"unmappable_codes": [{"system": "iso3", "code": "ESH"}]}
    monkeypatch.setattr(unmappable, "alias_document", lambda: broken)
    unmappable._codes.cache_clear()
    try:
        with pytest.raises(CrosswalkError, match="needs 'system', 'code' and 'reason'"):
            load_unmappable_codes()
    finally:
        unmappable._codes.cache_clear()


def test_a_value_in_an_r_data_file_is_located_by_row_and_object(mirror: Path) -> None:
    """R data has no text lines: the place is the data frame's own 1-based row and ``object.column``."""
    import polars as pl

    from detente.sources.locate import locate
    from detente.sources.rdata import read_rda

    spec = get_source("peacesciencer").spec
    paths = {"cow_nmc.rda": mirror / "peacesciencer" / "cow_nmc.rda"}  # files not at hand are skipped
    place = locate(spec, paths, 220, columns=["ccode"], also={"year": 1900}, table="cow_nmc")
    frame = read_rda(paths["cow_nmc.rda"], "cow_nmc").with_row_index("row", offset=1)
    expected = frame.filter((pl.col("ccode") == 220) & (pl.col("year") == 1900))["row"].item()
    assert (place.file, place.row, place.column) == ("cow_nmc.rda", expected, "cow_nmc.ccode")
    missing = locate(spec, paths, 99999, columns=["ccode"], table="cow_nmc")
    assert (missing.file, missing.row) == ("cow_nmc.rda", None)
