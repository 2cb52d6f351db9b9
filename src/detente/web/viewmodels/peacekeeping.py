"""Peacekeeping: missions on a map (a pin at each headquarters), uniformed personnel contributed over time, and
force generation (each mission's open requirements allocated from the pledges the user may see).

Missions and contributions are public (IPI); requirements and pledges are the user's own marked records,
read through the marking-filtered reader. Contributions come as monthly snapshots: a year's figure is the
mean of its monthly totals (not their sum), and a month with no reported total is left out, never read as 0.

Pins: IPI gives each mission's headquarters (latitude and longitude, which the loader puts right where the
source swapped them); :func:`mission_markers` turns each into a :class:`~detente.web.maps.Marker` drawn with
the countries' projection. A mission without coordinates gets no pin and is listed as "location unknown"
(:attr:`Peacekeeping.unplaced`), never dropped. For a chosen mission, :func:`deployments` gives its sites in a
year from Geo-PKO (public, when that source is loaded), drawn on a map zoomed to them.

Force generation is :func:`detente.analysis.forcegen.generate` (through ``generate_each``, which reads the
shared inputs once), the very service behind ``detente forcegen``: each mission's open requirements the user
may see become one requirement (dated today, located in the host state, tied to the mission so pledges made
for another mission do not serve it), and the answer says which pledges to take (most ready first, each
pledge used once and at most its size), what stays uncovered, and whom contribution history suggests asking.
Each mission's proposal is made on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import func, select

from detente.analysis.forcegen import READINESS, ForceGeneration, Line, Requirement, generate_each
from detente.panels.cache import read_table
from detente.services.access import Scope
from detente.services.catalog import resource
from detente.services.reading import access_clause
from detente.store.models import Contribution
from detente.web.maps import Marker
from detente.web.viewmodels.common import Context, every

__all__ = [
    "Deployments",
    "MissionForce",
    "MissionPin",
    "Peacekeeping",
    "Site",
    "YearPoint",
    "contributions_by_year",
    "deployments",
    "force_generation",
    "mission_markers",
    "peacekeeping",
    "site_markers",
]

LEVELS = tuple(READINESS)
MISSION_HQ = 3
"""Geo-PKO's ``hq`` code of the place the mission's headquarters is."""


@dataclass(frozen=True)
class MissionPin:
    id: int
    code: str
    name: str
    host: str
    host_iso3: str | None
    latitude: float | None
    longitude: float | None
    start: date | None
    end: date | None


@dataclass(frozen=True)
class YearPoint:
    """Mean uniformed personnel over the months of a year that report a total (``months`` of them)."""

    year: int
    personnel: float
    months: int


@dataclass(frozen=True)
class MissionForce:
    """One mission's force generation: its open requirements (ids in line order) and the analysis's answer."""

    mission_id: int
    mission: str
    requirement_ids: list[int]
    requirement: Requirement
    result: ForceGeneration


@dataclass
class Peacekeeping:
    missions: list[MissionPin]
    mission: MissionPin | None
    contributions: list[YearPoint]
    force: list[MissionForce]
    levels: tuple[str, ...] = LEVELS
    unplaced: list[MissionPin] = field(default_factory=list)


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def contributions_by_year(ctx: Context, mission_id: int | None = None) -> list[YearPoint]:
    """Uniformed personnel per year (mean of monthly totals), for one mission or all of them."""
    res = resource("contributions")
    with ctx.store.engine.connect() as connection:
        scope = Scope.of(connection, ctx.principal)
        where = [access_clause(res, scope), Contribution.total.is_not(None), Contribution.valid_from.is_not(None)]
        if mission_id is not None:
            where.append(Contribution.mission_id == mission_id)
        rows = connection.execute(
            select(Contribution.valid_from, func.sum(Contribution.total))
            .where(*where)
            .group_by(Contribution.valid_from)
        ).all()
    months: dict[int, list[float]] = defaultdict(list)
    for day, total in rows:
        when = _date(day)
        if when is not None and total is not None:
            months[when.year].append(float(total))
    return [YearPoint(year, round(sum(v) / len(v), 1), len(v)) for year, v in sorted(months.items())]


def _requirement(ctx: Context, mission: dict[str, Any], rows: list[dict[str, Any]], day: date) -> Requirement:
    """The mission's open requirement rows as one analysis requirement (lines in the rows' order)."""
    lines = [
        Line(capability=row["capability_type"], size=int(row["size"]), readiness=row.get("readiness_required") or "L1")
        for row in rows
    ]
    return Requirement(
        mission=mission["code"],
        mission_id=int(mission["id"]),
        location=ctx.state_iso3(mission.get("host_state_id")),
        date=day,
        requirements=lines,
    )


def force_generation(ctx: Context, mission_id: int | None = None, day: date | None = None) -> list[MissionForce]:
    """Force generation for the mission (or every mission with open requirements the user may see), dated
    ``day`` (default today): one :func:`detente.analysis.forcegen.generate` answer per mission, all computed
    by :func:`~detente.analysis.forcegen.generate_each` with the user's principal (so only their pledges
    count). The requirements are read in one marking-filtered (and audited) read."""
    filters: dict[str, Any] = {"status": "open"}
    if mission_id is not None:
        filters["mission_id"] = mission_id
    by_mission: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in every(ctx.reader, ctx.principal, "requirements", filters=filters):
        by_mission[int(row["mission_id"])].append(row)
    if not by_mission:
        return []
    missions = {int(m["id"]): m for m in every(ctx.reader, ctx.principal, "missions")}
    when = day or datetime.now(UTC).date()
    wanted = [
        (mid, sorted(rows, key=lambda row: int(row["id"])))
        for mid, rows in sorted(by_mission.items())
        if mid in missions
    ]
    requirements = [_requirement(ctx, missions[mid], rows, when) for mid, rows in wanted]
    answers = generate_each(ctx.store, requirements, principal=ctx.principal)
    return [
        MissionForce(mid, str(missions[mid]["code"]), [int(row["id"]) for row in rows], requirement, answer)
        for (mid, rows), requirement, answer in zip(wanted, requirements, answers, strict=True)
    ]


def mission_markers(page: Peacekeeping) -> list[Marker]:
    """A pin at each located mission's headquarters, linking to the mission (the chosen one marked)."""
    chosen = page.mission.id if page.mission else None
    return [
        Marker(
            pin.longitude,
            pin.latitude,
            f"{pin.code} ({pin.name}): headquarters"
            + (f" in {pin.host}" if pin.host != "—" else ", host state not recorded"),
            f"/ui/peacekeeping?mission={pin.id}",
            chosen=pin.id == chosen,
        )
        for pin in page.missions
        if pin.latitude is not None and pin.longitude is not None
    ]


@dataclass(frozen=True)
class Site:
    """A place a mission deployed to in a year (Geo-PKO): its name, where, and the troops there if estimated."""

    location: str
    latitude: float
    longitude: float
    troops: int | None
    """Geo-PKO's estimate from the unit symbols on UN maps (``None``: none given), not an official strength."""
    hq: int
    """Geo-PKO's headquarters code: 0 none, 3 the mission's headquarters (UNIFIL's is Naqoura), 1 and 2 lesser
    headquarters."""

    @property
    def headquarters(self) -> bool:
        """Whether the mission's headquarters is here (Geo-PKO's code 3)."""
        return self.hq == MISSION_HQ


@dataclass(frozen=True)
class Deployments:
    """A mission's deployment sites in one year, and the years Geo-PKO covers for it."""

    mission: str
    year: int | None
    years: list[int]
    sites: list[Site]
    loaded: bool
    """Whether the Geo-PKO source is loaded at all (if not, no mission has sites)."""


def deployments(ctx: Context, code: str, year: int | None = None) -> Deployments:
    """Where the mission ``code`` was deployed in ``year`` (default: the latest year Geo-PKO maps it), from the
    Geo-PKO v2.3 mission x year x location table. Geo-PKO is public data (no marking); a year it does not
    cover gives no sites and says which years it does."""
    try:
        frame = read_table(ctx.store, "geo_pko", "front_map")
    except LookupError:
        return Deployments(code, year, [], [], loaded=False)
    mine = frame.filter(
        (pl.col("mission") == code) & pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()
    )
    years = sorted({int(y) for y in mine.get_column("year").to_list()})
    chosen = year if year is not None else (years[-1] if years else None)
    rows = mine.filter(pl.col("year") == chosen).sort("location").iter_rows(named=True) if chosen else iter(())
    sites = [
        Site(
            str(row["location"]),
            float(row["latitude"]),
            float(row["longitude"]),
            int(row["ave_no_troops"]) if row.get("ave_no_troops") is not None else None,
            int(row.get("hq") or 0),
        )
        for row in rows
    ]
    return Deployments(code, chosen, years, sites, loaded=True)


def site_markers(found: Deployments) -> list[Marker]:
    """A pin per deployment site (the headquarters marked), each named with its place, year and troops."""
    return [
        Marker(
            site.longitude,
            site.latitude,
            f"{site.location} ({found.mission} {found.year})"
            + (", mission headquarters" if site.headquarters else "")
            + (f", about {site.troops:,} troops" if site.troops else ""),
            chosen=site.headquarters,
        )
        for site in found.sites
    ]


def peacekeeping(ctx: Context, mission_id: int | None = None) -> Peacekeeping:
    """The peacekeeping page: every mission, the chosen one's contributions, and force generation."""
    pins = [
        MissionPin(
            m["id"],
            m["code"],
            m["name"],
            ctx.state_name(m.get("host_state_id")),
            ctx.state_iso3(m.get("host_state_id")),
            m.get("hq_latitude"),
            m.get("hq_longitude"),
            _date(m.get("valid_from")),
            _date(m.get("valid_to")),
        )
        for m in every(ctx.reader, ctx.principal, "missions")
    ]
    chosen = next((p for p in pins if p.id == mission_id), None)
    return Peacekeeping(
        pins,
        chosen,
        contributions_by_year(ctx, chosen.id if chosen else None),
        force_generation(ctx, chosen.id if chosen else None),
        unplaced=[p for p in pins if p.latitude is None or p.longitude is None],
    )
