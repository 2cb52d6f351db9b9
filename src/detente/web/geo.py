"""World map geometry: Natural Earth admin-0 countries (1:110m) from TopoJSON, as projected SVG paths.

The geometry is the npm package ``world-atlas`` (``countries-110m.json``: Natural Earth, public domain;
TopoJSON conversion under ISC). It is never committed: ``make`` runs ``npm ci`` against the committed lock
file and copies the file into this package's ``data`` folder (see the Makefile's ``web-assets`` step).

TopoJSON stores each shared border once, as an *arc* of quantized, delta-encoded points; a polygon ring is a
list of arc indexes (a negative index ``~i`` means arc ``i`` reversed). :func:`decode_topology` undoes the
delta encoding and the quantization (``transform``), stitches the rings, and projects every point with the
Natural Earth projection (Šavrič et al. 2015, the polynomial form). Shapes carry their ISO 3166 numeric id
and name; the id becomes an ISO alpha-3 code (pycountry) and that a detente state through the crosswalk's
ISO3 codes. Some features have no id (N. Cyprus, Somaliland, Kosovo): they are drawn, but link nowhere.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pycountry

__all__ = [
    "GEOMETRY_FILE",
    "HEIGHT",
    "WIDTH",
    "GeometryMissingError",
    "Shape",
    "decode_topology",
    "iso3_of_numeric",
    "project",
    "shape_bounds",
    "world_shapes",
]

GEOMETRY_FILE = Path(str(files("detente.web") / "data" / "countries-110m.json"))
WIDTH = 960.0
_SCALE = WIDTH / (2 * math.pi * 0.8707)
_SOUTH = -58.0
_NORTH = 84.0
_ANTARCTICA = "010"


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """Natural Earth projection of a point (degrees) to map pixels, origin top-left."""
    lam = math.radians(longitude)
    phi = math.radians(latitude)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4)))
    y = phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))
    return WIDTH / 2 + x * _SCALE, _TOP - y * _SCALE


_TOP = 0.0
_TOP = -project(0.0, _NORTH)[1]
HEIGHT = round(project(0.0, _SOUTH)[1], 1)


class GeometryMissingError(RuntimeError):
    """The map geometry was not installed."""


@dataclass(frozen=True)
class Shape:
    """One country on the map: ISO numeric id (if any), name, ISO alpha-3 (if known) and SVG path data."""

    iso_numeric: str | None
    name: str
    iso3: str | None
    path: str


def shape_bounds(shape: Shape) -> tuple[float, float, float, float]:
    """The projected bounding box of a country, ``(left, top, right, bottom)`` in map pixels.

    Read from the path data, so it is the box of what is drawn: a country crossing the antimeridian (Russia,
    Fiji) is drawn on both sides and its box spans the map.
    """
    xs: list[float] = []
    ys: list[float] = []
    for x, y in _POINT.findall(shape.path):
        xs.append(float(x))
        ys.append(float(y))
    if not xs:
        raise ValueError(f"{shape.name} has no points")
    return min(xs), min(ys), max(xs), max(ys)


_POINT = re.compile(r"(-?[\d.]+),(-?[\d.]+)")


def iso3_of_numeric(code: str | None) -> str | None:
    """ISO 3166-1 alpha-3 for a numeric code (``"250"`` -> ``"FRA"``); ``None`` when there is none."""
    if not code or not code.strip("-").isdigit():
        return None
    found = pycountry.countries.get(numeric=code.zfill(3))
    return str(found.alpha_3) if found is not None else None


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    transform = topology.get("transform")
    decoded: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        points: list[tuple[float, float]] = []
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            qx = qy = 0
            for dx, dy, *_ in arc:
                qx += dx
                qy += dy
                points.append((qx * sx + tx, qy * sy + ty))
        else:
            points = [(float(lon), float(lat)) for lon, lat, *_ in arc]
        decoded.append(points)
    return decoded


def _unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Longitudes made continuous: a ring that crosses the antimeridian (Fiji, Chukotka) keeps going past
    180 degrees instead of jumping across the whole map."""
    out: list[tuple[float, float]] = []
    shift = 0.0
    for index, (lon, lat) in enumerate(points):
        if index:
            step = lon + shift - out[-1][0]
            if step > 180:
                shift -= 360
            elif step < -180:
                shift += 360
        out.append((lon + shift, lat))
    return out


def _path(points: list[tuple[float, float]]) -> str:
    out: list[str] = []
    last = ""
    for lon, lat in points:
        x, y = project(lon, lat)
        here = f"{x:.1f},{y:.1f}"
        if here != last:
            out.append(here)
            last = here
    return "M" + "L".join(out) + "Z" if len(out) >= 3 else ""


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> str:
    """One closed ring as SVG path data; a ring reaching past the antimeridian is drawn again on the other
    side, and the map's frame clips both."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    points = _unwrap(points)
    path = _path(points)
    if any(lon > 180 for lon, _ in points):
        path += _path([(lon - 360, lat) for lon, lat in points])
    if any(lon < -180 for lon, _ in points):
        path += _path([(lon + 360, lat) for lon, lat in points])
    return path


def decode_topology(topology: dict[str, Any], object_name: str = "countries") -> list[Shape]:
    """Every polygon feature of ``object_name`` as a projected :class:`Shape` (Antarctica left out)."""
    if topology.get("type") != "Topology" or object_name not in topology.get("objects", {}):
        raise ValueError(f"not a TopoJSON topology with an object {object_name!r}")
    arcs = _arcs(topology)
    shapes: list[Shape] = []
    for geometry in topology["objects"][object_name]["geometries"]:
        code = geometry.get("id")
        code = str(code) if code is not None else None
        if code == _ANTARCTICA:
            continue
        kind = geometry.get("type")
        polygons = [geometry["arcs"]] if kind == "Polygon" else geometry["arcs"] if kind == "MultiPolygon" else []
        path = "".join(_ring(arcs, ring) for polygon in polygons for ring in polygon)
        if not path:
            continue
        name = str((geometry.get("properties") or {}).get("name") or code or "unnamed")
        shapes.append(Shape(code, name, iso3_of_numeric(code), path))
    return shapes


@lru_cache(maxsize=1)
def world_shapes(path: Path = GEOMETRY_FILE) -> tuple[Shape, ...]:
    """The world's countries, decoded once per process."""
    if not path.is_file():
        raise GeometryMissingError(
            f"map geometry {path} is missing: run `make .venv/.installed` (it runs `npm ci` and copies "
            "world-atlas/countries-110m.json there)"
        )
    return tuple(decode_topology(json.loads(path.read_text(encoding="utf-8"))))
