"""Natural Earth admin-0 countries as TopoJSON (world-atlas 2.0.2): the country features, for maps.

``countries_110m`` / ``countries_50m`` (one row per feature)
    ``iso_n3`` (ISO 3166-1 numeric as a 3-character string, e.g. "528"; null for features without an
    id such as Kosovo, N. Cyprus, Somaliland), ``name`` (Natural Earth name), ``geometry_type``
    (Polygon | MultiPolygon), ``arc_count`` (number of arc references, a cheap integrity check).

The arcs themselves stay in the raw file: map rendering reads the TopoJSON directly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from detente.sources.errors import SourceDataError
from detente.sources.textfile import read_text


def _count_arcs(arcs: Any) -> int:
    if isinstance(arcs, int):
        return 1
    return sum(_count_arcs(a) for a in arcs)


def _features(path: Path) -> pl.DataFrame:
    try:
        topology = json.loads(read_text(path, "utf-8"))
        geometries = topology["objects"]["countries"]["geometries"]
    except json.JSONDecodeError as exc:
        raise SourceDataError(
            path, exc.lineno, None, f"is not valid JSON ({exc.msg}).", "Re-download the file."
        ) from exc
    except (KeyError, TypeError) as exc:
        raise SourceDataError(
            path,
            None,
            None,
            f"is not a world-atlas TopoJSON topology (missing {exc}).",
            "Re-download the file.",
        ) from exc
    rows = [
        {
            "iso_n3": g.get("id"),
            "name": (g.get("properties") or {}).get("name"),
            "geometry_type": g.get("type"),
            "arc_count": _count_arcs(g.get("arcs", [])),
        }
        for g in geometries
    ]
    return pl.DataFrame(
        rows,
        schema={"iso_n3": pl.String, "name": pl.String, "geometry_type": pl.String, "arc_count": pl.Int64},
    )


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """One feature table per declared resolution."""
    return {
        "countries_110m": _features(files["countries-110m.json"]),
        "countries_50m": _features(files["countries-50m.json"]),
    }
