"""Shared fixtures: the real mirror (``<repo>/../shared/datasets``) and parse-once caches."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from detente.sources import get_source, resolve_source

REPO = Path(__file__).resolve().parents[2]
MIRROR = (REPO / ".." / "shared" / "datasets").resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The mirror directory; tests that need real data skip when it is absent."""
    if not MIRROR.is_dir():
        pytest.skip(f"no dataset mirror at {MIRROR} (CI clones the repo next to a shared/ folder)")
    return MIRROR


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private raw-file cache for the whole session (never the user's real cache)."""
    path = tmp_path_factory.mktemp("detente-cache")
    old = os.environ.get("DETENTE_CACHE_DIR")
    os.environ["DETENTE_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("DETENTE_CACHE_DIR", None)
    else:
        os.environ["DETENTE_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def parsed(mirror: Path, cache_dir: Path) -> Callable[[str], dict[str, pl.DataFrame]]:
    """``parsed(name)``: the validated tables of a source, fetched from the mirror and parsed once."""
    cache: dict[str, dict[str, pl.DataFrame]] = {}

    def get(name: str) -> dict[str, pl.DataFrame]:
        if name not in cache:
            source = get_source(name)
            files = resolve_source(source.spec, mirror=mirror, cache=cache_dir)
            cache[name] = source.parse(files)
        return cache[name]

    return get
