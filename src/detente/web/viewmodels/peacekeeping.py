"""Peacekeeping: missions on a map, uniformed personnel contributed over time, and force generation
(each requirement against the pledges the user may see, by readiness level).

Missions and contributions are public (IPI); requirements and pledges are the user's own marked records,
read through the marking-filtered reader. Contributions come as monthly snapshots: a year's figure is the
mean of its monthly totals (not their sum), and a month with no reported total is left out, never read as 0.
Force generation here is the board's arithmetic (what is pledged at or above the readiness asked);
``detente forcegen`` (:mod:`detente.analysis.forcegen`) allocates pledges to lines one by one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from detente.analysis.forcegen import READINESS
from detente.services.access import Scope
from detente.services.catalog import resource
from detente.services.reading import access_clause
from detente.store.models import Contribution
from detente.web.viewmodels.common import Context, every

__all__ = [
    "ForceLine",
    "MissionPin",
    "Peacekeeping",
    "YearPoint",
    "contributions_by_year",
    "force_generation",
    "peacekeeping",
]

LEVELS = tuple(READINESS)


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
class ForceLine:
    """One requirement and what the visible pledges offer for it, by readiness level."""

    requirement_id: int
    mission: str
    capability: str
    size: int
    readiness_required: str
    pledged: dict[str, int]
    meeting: int
    uncovered: int


@dataclass
class Peacekeeping:
    missions: list[MissionPin]
    mission: MissionPin | None
    contributions: list[YearPoint]
    force: list[ForceLine]
    levels: tuple[str, ...] = LEVELS
    unplaced: list[str] = field(default_factory=list)


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


def force_generation(ctx: Context, mission_id: int | None = None) -> list[ForceLine]:
    """Every open requirement the user may see against the pledges they may see of the same capability."""
    missions = {m["id"]: m["code"] for m in every(ctx.reader, ctx.principal, "missions")}
    pledged: dict[tuple[str, int | None], dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for pledge in every(ctx.reader, ctx.principal, "pledges"):
        if pledge["status"] != "pledged":
            continue
        level = str(pledge["readiness_level"]).upper()
        if level in READINESS:
            pledged[(pledge["capability_type"], pledge.get("mission_id"))][level] += int(pledge["size"])
    lines = []
    filters = {"mission_id": mission_id, "status": "open"}
    for req in every(ctx.reader, ctx.principal, "requirements", filters=filters):
        wanted = str(req.get("readiness_required") or "L1").upper()
        by_level = dict.fromkeys(LEVELS, 0)
        for key in ((req["capability_type"], req["mission_id"]), (req["capability_type"], None)):
            for level, size in pledged.get(key, {}).items():
                by_level[level] += size
        meeting = sum(size for level, size in by_level.items() if READINESS[level] >= READINESS.get(wanted, 1))
        lines.append(
            ForceLine(
                req["id"],
                missions.get(req["mission_id"], f"mission {req['mission_id']}"),
                req["capability_type"],
                int(req["size"]),
                wanted,
                by_level,
                meeting,
                max(0, int(req["size"]) - meeting),
            )
        )
    return lines


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
        unplaced=[p.code for p in pins if p.latitude is None or p.longitude is None],
    )
