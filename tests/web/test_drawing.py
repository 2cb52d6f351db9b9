"""The UI's drawing and formatting helpers on their own: TopoJSON decoding, charts, maps, locales."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from detente.web.charts import Series, bar_chart, category_heat_map, heat_map, line_chart, nice_ticks
from detente.web.formatting import formatter_for, preferred_locales
from detente.web.geo import GEOMETRY_FILE, HEIGHT, WIDTH, decode_topology, iso3_of_numeric, project
from detente.web.maps import Marker, quantile_breaks, value_map

MIRROR_GEOMETRY = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "natural_earth" / "countries-110m.json"
)
EN = formatter_for("en-GB")


def _topology() -> dict[str, object]:
    for path in (GEOMETRY_FILE, MIRROR_GEOMETRY):
        if path.is_file():
            return dict(json.loads(path.read_text(encoding="utf-8")))
    pytest.skip("no Natural Earth geometry installed (make .venv/.installed) nor in the mirror")


def test_topojson_decodes_every_country_with_an_id_to_a_state_code() -> None:
    shapes = decode_topology(_topology())
    assert len(shapes) == 176  # 177 features less Antarctica
    without = sorted(s.name for s in shapes if s.iso3 is None)
    assert without == ["Kosovo", "N. Cyprus", "Somaliland"]  # the features with no ISO id
    france = next(s for s in shapes if s.iso3 == "FRA")
    assert france.name == "France"
    assert france.path.count("M") >= 2  # metropolitan France and Corsica (and French Guiana) are separate rings
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d", france.path)]
    assert all(-1 <= n <= WIDTH + 1 for n in numbers[0::2])
    assert all(-1 <= n <= HEIGHT + 60 for n in numbers[1::2])


def test_projection_puts_paris_west_of_berlin_and_north_of_the_equator() -> None:
    paris, berlin, equator = project(2.35, 48.86), project(13.4, 52.52), project(0.0, 0.0)
    assert paris[0] < berlin[0]
    assert paris[1] < equator[1]
    assert equator[0] == pytest.approx(WIDTH / 2)


def test_delta_encoded_arcs_and_reversed_arcs_decode_to_the_same_ring() -> None:
    square = {
        "type": "Topology",
        "transform": {"scale": [1.0, 1.0], "translate": [0.0, 0.0]},
        "arcs": [[[0, 0], [10, 0], [0, 10]], [[10, 10], [-10, 0], [0, -10]]],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "250", "properties": {"name": "A"}},
                    {"type": "Polygon", "arcs": [[~1, ~0]], "id": "276", "properties": {"name": "B"}},
                ],
            }
        },
    }
    first, second = decode_topology(square)
    corners = {f"{x:.1f},{y:.1f}" for x, y in (project(0, 0), project(10, 0), project(10, 10), project(0, 10))}
    for shape in (first, second):
        assert set(shape.path.strip("MZ").split("L")) == corners
    assert (first.iso3, second.iso3) == ("FRA", "DEU")


def test_iso_numeric_codes() -> None:
    assert iso3_of_numeric("4") == "AFG"
    assert iso3_of_numeric("-99") is None
    assert iso3_of_numeric(None) is None


def test_a_line_chart_leaves_unknown_years_as_gaps_and_says_so_in_its_table() -> None:
    chart = line_chart("c", "Test", [Series("s", [(2000, 1.0), (2001, None), (2002, 3.0)])], EN)
    path = re.search(r'<path d="([^"]+)"', str(chart.svg))
    assert path is not None
    assert path.group(1).count("M") == 2  # the line breaks at 2001 instead of dropping to zero
    assert [[c.text for c in row] for row in chart.table.rows] == [["2000", "1"], ["2001", "unknown"], ["2002", "3"]]
    assert 'role="img"' in str(chart.svg)
    assert "<title" in str(chart.svg)


def test_bar_and_heat_maps_escape_labels_and_mark_unknowns() -> None:
    bars = bar_chart("b", "Bars", [("<script>", 2.0), ("none", None)], EN)
    assert "<script>" not in str(bars.svg)
    assert "&lt;script&gt;" in str(bars.svg)
    assert "unknown" in str(bars.svg)
    grid = heat_map("h", "Heat", ["r1", "r2"], ["c1", "c2"], [[1.0, None], [3.0, 4.0]], EN)
    assert "unknown-hatch" in str(grid.svg)
    assert grid.table.rows[0][2].text == "unknown"
    statuses = category_heat_map("k", "Statuses", ["FRA"], ["limit"], [["breach"]])
    assert "#b71c1c" in str(statuses.svg)


def test_ticks_and_quantile_breaks() -> None:
    assert nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]
    assert quantile_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [2, 4, 6, 8, 10]


def test_value_map_greys_unknown_countries() -> None:
    _topology()
    if not GEOMETRY_FILE.is_file():
        pytest.skip("the map draws from the installed geometry (make .venv/.installed)")
    chart = value_map(
        "m",
        "Map",
        {"FRA": 10.0, "DEU": None},
        {"FRA": "France", "DEU": "Germany"},
        EN,
        href=lambda i: f"/x/{i}",
        markers=[Marker(2.35, 48.86, "Paris HQ", "/x/hq")],
    )
    svg = str(chart.svg)
    assert 'aria-label="Germany: unknown"' in svg
    assert 'aria-label="France: 10"' in svg
    x, y = project(2.35, 48.86)
    assert f'<a href="/x/hq" aria-label="Paris HQ"><circle class="map-pin" cx="{x:.3f}" cy="{y:.3f}"' in svg
    assert [[c.text for c in row] for row in chart.table.rows] == [["France", "10"], ["Germany", "unknown"]]


def test_locales() -> None:
    assert preferred_locales("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5") == ["fr-CH", "fr", "en"]
    assert preferred_locales("de;q=0, en") == ["en"]
    assert formatter_for("fr-FR").number(1234567.5, 1) == "1\u202f234\u202f567,5"
    assert formatter_for("de").number(1234.5, 1) == "1.234,5"
    assert formatter_for("xx-nonsense").tag == "en"
    assert formatter_for(None).number(None) == "unknown"
