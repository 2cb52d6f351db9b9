"""Every declared source fetches from the mirror (sha256 verified) and parses to its declared shape."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from detente.sources import Redistribution, list_sources
from detente.sources.rawtable import snake_case

NAMES = [s.name for s in list_sources()]
FORBIDDEN = {
    "sipri_milex",
    "sipri_register",
    "sipri_registers_by_supplier",
    "sipri_tiv",
    "pax_sample",
    "world_countries",
}


def test_every_mirror_folder_has_a_source(mirror: Path) -> None:
    folders = sorted(p.name for p in mirror.iterdir() if p.is_dir())
    assert folders == NAMES
    assert len(NAMES) == 23


def test_redistribution_forbidden_exactly_for_sipri_pax_and_odbl() -> None:
    forbidden = {s.name for s in list_sources() if s.spec.redistribution is Redistribution.FORBIDDEN}
    assert forbidden == FORBIDDEN


@pytest.mark.parametrize("name", NAMES)
def test_source_parses_and_meets_its_declared_expectations(
    name: str, parsed: Callable[[str], dict[str, pl.DataFrame]]
) -> None:
    # parse() validates rows, year ranges and required columns against source.yml and raises otherwise.
    tables = parsed(name)
    assert tables
    for table_name, frame in tables.items():
        assert table_name == snake_case(table_name)
        assert frame.height > 0, table_name
        for column in frame.columns:
            assert column == snake_case(column) or column in {"return"}, f"{name}.{table_name}.{column}"
