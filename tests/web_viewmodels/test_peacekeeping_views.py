"""The peacekeeping page's view models: headquarters pins on the map and force generation through the analysis
service, on real IPI missions, with markings applied."""

from __future__ import annotations

from datetime import date

from detente.analysis.forcegen import Line, Requirement, generate
from detente.domain.markings import Role
from detente.services.writing import MarkingRequest, Writer
from detente.web.geo import shape_bounds, world_shapes
from detente.web.maps import category_map, marker_position, site_map
from detente.web.viewmodels import peacekeeping
from detente.web.views import Table
from tests.web_viewmodels.conftest import MakeContext, fresh_tag


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    x, y = point
    left, top, right, bottom = box
    return left <= x <= right and top <= y <= bottom


def test_each_mission_headquarters_is_pinned_inside_its_host_country(person: MakeContext) -> None:
    viewer = person(Role.VIEWER, "FRA")
    page = peacekeeping.peacekeeping(viewer)
    markers = peacekeeping.mission_markers(page)
    by_code = {pin.code: pin for pin in page.missions}
    pinned = {m.href: m for m in markers}
    boxes = {shape.iso3: shape_bounds(shape) for shape in world_shapes() if shape.iso3}
    # Real missions whose headquarters IPI gives: each pin lands inside its host state's drawn outline box.
    for code, host in (("MONUSCO", "COD"), ("UNMISS", "SSD"), ("MINUSMA", "MLI"), ("UNMIL", "LBR"), ("UNAMID", "SDN")):
        pin = by_code[code]
        assert pin.host_iso3 == host
        marker = pinned[f"/ui/peacekeeping?mission={pin.id}"]
        assert marker.label.startswith(f"{code} (") and marker.label.endswith(f"headquarters in {pin.host}")
        assert _inside(marker_position(marker), boxes[host]), code
    # And nearly all of them do (the 1:110m outlines are coarse: a coastal HQ may sit a pixel outside).
    placed = [(m, by_code[m.label.split(" ")[0]]) for m in markers]
    judged = [(m, pin) for m, pin in placed if pin.host_iso3 in boxes]
    inside = sum(_inside(marker_position(m), boxes[str(pin.host_iso3)]) for m, pin in judged)
    assert len(judged) > 50 and inside / len(judged) >= 0.9
    # No mission is dropped: every one is pinned or listed as location unknown.
    assert len(markers) + len(page.unplaced) == len(page.missions)
    assert "UNMC" in {pin.code for pin in page.unplaced}  # IPI gives no coordinates for it
    assert all(pin.latitude is None or pin.longitude is None for pin in page.unplaced)


def test_pins_are_links_with_names_and_the_chosen_one_stands_out(person: MakeContext) -> None:
    viewer = person(Role.VIEWER, "FRA")
    unifil = next(pin for pin in peacekeeping.peacekeeping(viewer).missions if pin.code == "UNIFIL")
    page = peacekeeping.peacekeeping(viewer, unifil.id)
    markers = peacekeeping.mission_markers(page)
    assert [m.href for m in markers if m.chosen] == [f"/ui/peacekeeping?mission={unifil.id}"]
    svg = str(category_map("m", "Missions", {}, {}, {}, href=lambda iso3: None, markers=markers).svg)
    assert svg.count('class="map-pin"') == len(markers)
    link = f'<a href="/ui/peacekeeping?mission={unifil.id}" aria-label="UNIFIL ('
    assert link in svg and "<title>UNIFIL (" in svg
    assert svg.rindex('class="map-pin"') > svg.index(link)  # the chosen pin is drawn last, on top


def test_force_generation_is_the_analysis_allocation_for_the_mission(person: MakeContext) -> None:
    planner, other = person(Role.EDITOR, "FRA"), person(Role.EDITOR, "DEU")
    missions = {pin.code: pin for pin in peacekeeping.peacekeeping(planner).missions}
    unifil, unmiss = missions["UNIFIL"], missions["UNMISS"]
    capability = fresh_tag()
    writer = Writer(planner.store)
    needs = [
        writer.create(
            planner.principal,
            "requirements",
            {"mission_id": unifil.id, "capability_type": capability, "size": size, "readiness_required": level},
        )["id"]
        for size, level in ((800, "L2"), (100, None))
    ]
    fra, ita = planner.state_id("FRA"), planner.state_id("ITA")
    offered = {}
    for state, size, level, mission in ((fra, 500, "L3", None), (fra, 200, "L1", None), (ita, 400, "L2", unmiss.id)):
        pledge = {
            "state_id": state,
            "capability_type": capability,
            "size": size,
            "readiness_level": level,
            "pledged_on": "2024-01-01",
            "mission_id": mission,
        }
        offered[(size, level)] = writer.create(planner.principal, "pledges", pledge)["id"]
    writer.create(  # the German pledge is not released to France
        other.principal,
        "pledges",
        {
            "state_id": other.state_id("DEU"),
            "capability_type": capability,
            "size": 300,
            "readiness_level": "RDL",
            "pledged_on": "2024-01-01",
        },
        marking=MarkingRequest("SECRET"),
    )
    today = date.today()
    (force,) = peacekeeping.force_generation(planner, unifil.id, today)
    assert (force.mission, force.requirement_ids) == ("UNIFIL", needs)
    expected = generate(
        planner.store,
        Requirement(
            mission="UNIFIL",
            mission_id=unifil.id,
            location="LBN",
            date=today,
            requirements=[
                Line(capability=capability, size=800, readiness="L2"),
                Line(capability=capability, size=100, readiness="L1"),
            ],
        ),
        principal=planner.principal,
    )
    assert force.result == expected
    first, second = force.result.lines
    # 800 at L2 or better: France's L3 500 only (the L1 is below, Italy's is for UNMISS, Germany's not released).
    assert [(a.pledge_id, a.allocated) for a in first.allocations] == [(offered[(500, "L3")], 500)]
    assert (first.covered, first.uncovered) == (500, 300)
    # The L1 line gets the pledge left: each pledge serves one line, and gives at most what is needed.
    assert [(a.pledge_id, a.allocated, a.pledge_size) for a in second.allocations] == [(offered[(200, "L1")], 100, 200)]
    assert force.result.uncovered == 300
    assert first.history and all(h.state.iso3 != "LBN" for h in first.history)  # leads from IPI, not the host
    # The whole page makes the same proposal; the German planner sees none of France's requirements.
    everything = peacekeeping.force_generation(planner)
    assert next(f for f in everything if f.mission_id == unifil.id).result == force.result
    assert all(needs[0] not in f.requirement_ids for f in peacekeeping.force_generation(other))
    assert peacekeeping.force_generation(planner, missions["UNMC"].id) == []  # no open requirement: nothing


def test_a_missions_deployment_sites_from_geo_pko(person: MakeContext) -> None:
    viewer = person(Role.VIEWER, "FRA")
    latest = peacekeeping.deployments(viewer, "UNIFIL")
    assert latest.loaded and latest.years[0] == 1994 and latest.year == latest.years[-1] >= 2020
    assert len(latest.sites) > 20
    assert [site.location for site in latest.sites if site.headquarters] == ["Naqoura"]  # UNIFIL's HQ
    lebanon = next(shape_bounds(s) for s in world_shapes() if s.iso3 == "LBN")
    markers = peacekeeping.site_markers(latest)
    left, top, right, bottom = lebanon
    near = [m for m in markers if _inside(marker_position(m), (left - 1, top - 1, right + 1, bottom + 1))]
    assert len(near) == len(markers)  # every site within a pixel of Lebanon's outline box on the world map
    chosen = [m for m in markers if m.chosen]
    assert len(chosen) == 1 and chosen[0].label.startswith(f"Naqoura (UNIFIL {latest.year}), mission headquarters")
    svg = str(site_map("s", "Sites", markers, Table("Sites", ["Location"])).svg)
    assert svg.count('class="map-pin"') == len(markers) and 'viewBox="0 0 ' not in svg  # zoomed in
    older = peacekeeping.deployments(viewer, "UNIFIL", 2000)
    assert older.year == 2000 and older.sites and older.sites != latest.sites
    before = peacekeeping.deployments(viewer, "UNIFIL", 1980)  # before Geo-PKO: no sites, but the years it has
    assert before.sites == [] and before.years == latest.years
    assert peacekeeping.deployments(viewer, "NO-SUCH-MISSION").years == []
