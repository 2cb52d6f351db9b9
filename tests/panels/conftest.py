"""Shared fixtures for the panel tests: one real store per backend, and the reference outputs.

Loading peacesciencer, isard and countrycode into a database takes about a minute and a half, so the store
is built once per backend for the whole session and every panel test only reads from it. The reference
outputs of peacesciencer (R) are read from ``<repo>/../shared/reference/peacesciencer/`` and never copied
into the repository; the tests skip, saying why, when they or the dataset mirror are absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from detente.sources.load import load_source
from detente.store.database import Store
from tests.conftest import BACKENDS, loaded_store

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
MIRROR = SHARED / "datasets"
REFERENCE = SHARED / "reference" / "peacesciencer"
SOURCES = ("countrycode", "isard", "peacesciencer")
BEYOND = (
    "sipri_tiv",
    "sipri_register",
    "dcad",
    "exercises",
    "ipi_peacekeeping",
    "ipi_peacekeeping_gender",
    "unvotes",
    "ucdp",
    "sipri_milex",
)
"""The sources of the enrichers beyond the reference (about a minute more per backend)."""


def reference_path(name: str) -> Path:
    """A reference file's path; skips the test when the reference folder is absent."""
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"no peacesciencer reference output {path} (CI clones the repo next to a shared/ folder)")
    return path


def read_reference(name: str) -> pl.DataFrame:
    """A reference CSV (plain or gzipped); every column typed from the whole file (R writes 2e+05)."""
    return pl.read_csv(reference_path(name), infer_schema_length=None)


@pytest.fixture(scope="session", params=BACKENDS)
def panel_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store with countrycode, isard and peacesciencer loaded from the mirror, shared by all panel tests."""
    with loaded_store(str(request.param), tmp_path_factory.mktemp("panels"), SOURCES) as store:
        yield store


@pytest.fixture(scope="session")
def beyond_store(panel_store: Store) -> Store:
    """The panel store with the sources of the enrichers beyond peacesciencer loaded too.

    Loading more sources adds tables and never changes the reference tables, so the parity tests may share
    this store.
    """
    for name in BEYOND:
        load_source(panel_store, name, mirror=MIRROR)
    return panel_store
