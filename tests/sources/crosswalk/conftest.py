"""The crosswalk, built once per session from the real countrycode, isard and peacesciencer tables."""

from __future__ import annotations

import time
from collections.abc import Callable

import polars as pl
import pytest

from detente.sources.crosswalk import Crosswalk, build_crosswalk

CROSSWALK_SOURCES = ("countrycode", "isard", "peacesciencer")


@pytest.fixture(scope="session")
def crosswalk_tables(parsed: Callable[[str], dict[str, pl.DataFrame]]) -> dict[str, dict[str, pl.DataFrame]]:
    """The parsed tables the crosswalk is built from."""
    return {name: parsed(name) for name in CROSSWALK_SOURCES}


@pytest.fixture(scope="session")
def build_seconds(crosswalk_tables: dict[str, dict[str, pl.DataFrame]]) -> tuple[Crosswalk, float]:
    """The crosswalk and the wall time its build took (parsing excluded)."""
    start = time.perf_counter()
    crosswalk = build_crosswalk(crosswalk_tables)
    return crosswalk, time.perf_counter() - start


@pytest.fixture(scope="session")
def cw(build_seconds: tuple[Crosswalk, float]) -> Crosswalk:
    """The crosswalk built from the mirror."""
    return build_seconds[0]
