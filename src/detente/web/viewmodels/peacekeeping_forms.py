"""The forms of the peacekeeping pages: a new mission, a new requirement (capability type, size, readiness asked)
and a new pledge (readiness level L1/L2/L3/RDL, verification visit, renewal date).

Missions loaded from IPI are public and read-only; a mission written here, its requirements and its pledges
are marked as chosen on the form. A capability type is written the way the
force-generation table matches it: lower case, words joined by ``_`` (``Infantry battalion`` is
``infantry_battalion``), so a pledge finds the requirement it answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from detente.analysis.forcegen import READINESS
from detente.domain.markings import Role
from detente.services.entities import RecordError
from detente.services.writing import Writer
from detente.web.viewmodels.common import Choice, Context, classification_choices, every
from detente.web.viewmodels.fields import choice, day, marking, may_write, state, text, whole

__all__ = [
    "LEVELS",
    "MISSION_KINDS",
    "PeacekeepingForms",
    "capability",
    "create_mission",
    "create_pledge",
    "create_requirement",
    "peacekeeping_forms",
]

LEVELS = tuple(READINESS)
LEVEL_LABELS = {
    "L1": "L1: pledged",
    "L2": "L2: assessed by a visit",
    "L3": "L3: ready to deploy in 60 days",
    "RDL": "RDL: rapid deployment (30 days)",
}
MISSION_KINDS = {
    "un_pko": "UN peacekeeping operation",
    "un_spm": "UN special political mission",
    "un_support": "UN support office",
    "multinational": "multinational operation",
}


@dataclass(frozen=True)
class PeacekeepingForms:
    """What the three forms offer: missions, states, open requirements, readiness levels and markings."""

    can_write: bool
    missions: list[Choice]
    states: list[Choice]
    requirements: list[Choice]
    levels: list[Choice]
    kinds: list[Choice]
    classifications: list[Choice]


def peacekeeping_forms(ctx: Context) -> PeacekeepingForms:
    """The forms for this user (editors may write)."""
    missions = {m["id"]: m for m in every(ctx.reader, ctx.principal, "missions", sort="code")}
    requirements = [
        Choice(
            str(r["id"]),
            f"{missions[r['mission_id']]['code'] if r['mission_id'] in missions else r['mission_id']}: "
            f"{r['capability_type']} ({r['size']}, {r.get('readiness_required') or 'L1'})",
        )
        for r in every(ctx.reader, ctx.principal, "requirements", filters={"status": "open"})
    ]
    return PeacekeepingForms(
        ctx.principal.at_least(Role.EDITOR),
        [Choice(str(i), f"{m['code']}: {m['name']}") for i, m in missions.items()],
        ctx.state_choices(),
        requirements,
        [Choice(level, LEVEL_LABELS[level]) for level in LEVELS],
        [Choice(k, label) for k, label in MISSION_KINDS.items()],
        classification_choices(ctx.principal),
    )


def capability(form: Mapping[str, str], key: str, entity: str) -> str:
    """A capability type as the force-generation table matches it (``Infantry battalion`` -> ``infantry_battalion``)."""
    raw = text(form, key, entity, required="give the capability type, e.g. infantry_battalion")
    assert raw is not None
    words = re.sub(r"[^0-9a-z]+", "_", raw.lower()).strip("_")
    if not words:
        raise RecordError(entity, key, f"{raw!r} has no letters or digits")
    return words


def _degrees(form: Mapping[str, str], key: str, limit: int) -> float | None:
    raw = text(form, key, "missions")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RecordError("missions", key, f"{raw!r} is not a number of degrees") from None
    if not -limit <= value <= limit:
        raise RecordError("missions", key, f"{value} is out of range: give degrees from -{limit} to {limit}")
    return value


def create_mission(ctx: Context, form: Mapping[str, str]) -> dict[str, Any]:
    """A new mission, marked as chosen on the form (a requirement or pledge for it is hidden with it)."""
    may_write(ctx, "missions")
    entity = "missions"
    latitude, longitude = _degrees(form, "hq_latitude", 90), _degrees(form, "hq_longitude", 180)
    if (latitude is None) != (longitude is None):
        raise RecordError(entity, "hq_longitude" if longitude is None else "hq_latitude", "give both or neither")
    values = {
        "code": (text(form, "code", entity, required="give the mission's acronym, e.g. MINUSCA") or "").upper(),
        "name": text(form, "name", entity, required="give the mission's full name"),
        "kind": choice(form, "kind", entity, MISSION_KINDS, required="choose the kind of mission"),
        "host_state_id": state(ctx, form.get("host_state_id"), "host_state_id", entity),
        "valid_from": day(form, "valid_from", entity, required="give the date the mission began"),
        "valid_to": day(form, "valid_to", entity),
        "hq_latitude": latitude,
        "hq_longitude": longitude,
    }
    return Writer(ctx.store).create(ctx.principal, "missions", values, marking=marking(form))


def _mission(ctx: Context, form: Mapping[str, str], key: str, entity: str, *, required: bool) -> int | None:
    raw = (form.get(key) or "").strip()
    if not raw:
        if required:
            raise RecordError(entity, key, "choose the mission")
        return None
    known = {str(m["id"]) for m in every(ctx.reader, ctx.principal, "missions")}
    if raw not in known:
        raise RecordError(entity, key, "choose a mission from the list")
    return int(raw)


def create_requirement(ctx: Context, form: Mapping[str, str]) -> dict[str, Any]:
    """A capability a mission needs: type, size (personnel) and the readiness asked."""
    may_write(ctx, "requirements")
    entity = "requirements"
    values = {
        "mission_id": _mission(ctx, form, "mission_id", entity, required=True),
        "capability_type": capability(form, "capability_type", entity),
        "size": whole(form, "size", entity, low=1, required="give the number of personnel"),
        "readiness_required": choice(form, "readiness_required", entity, LEVELS, required="choose the readiness"),
        "valid_from": day(form, "valid_from", entity) or datetime.now(UTC).date().isoformat(),
    }
    return Writer(ctx.store).create(ctx.principal, "requirements", values, marking=marking(form))


def create_pledge(ctx: Context, form: Mapping[str, str]) -> dict[str, Any]:
    """A state's pledge of a capability at a readiness level, with its last verification visit and renewal date.

    A pledge that answers a requirement takes that requirement's mission (and must offer its capability).
    """
    may_write(ctx, "pledges")
    entity = "pledges"
    requirement_id = None
    mission_id = _mission(ctx, form, "mission_id", entity, required=False)
    kind = capability(form, "capability_type", entity)
    raw = (form.get("requirement_id") or "").strip()
    if raw:
        found = [r for r in every(ctx.reader, ctx.principal, "requirements") if str(r["id"]) == raw]
        if not found:
            raise RecordError(entity, "requirement_id", "choose a requirement from the list")
        requirement_id, mission_id = found[0]["id"], found[0]["mission_id"]
        if found[0]["capability_type"] != kind:
            raise RecordError(
                entity, "capability_type", f"the requirement asks for {found[0]['capability_type']}, not {kind}"
            )
    pledged = day(form, "pledged_on", entity, required="give the date of the pledge")
    verified = day(form, "last_verified_on", entity)
    renewal = day(form, "renewal_due_on", entity)
    today = datetime.now(UTC).date()
    assert pledged is not None
    if verified is not None and not date.fromisoformat(pledged) <= date.fromisoformat(verified) <= today:
        raise RecordError(entity, "last_verified_on", "a verification visit falls between the pledge and today")
    if renewal is not None and date.fromisoformat(renewal) <= date.fromisoformat(pledged):
        raise RecordError(entity, "renewal_due_on", "the renewal falls due after the pledge is made")
    values = {
        "state_id": state(ctx, form.get("state_id"), "state_id", entity, required="choose the pledging state"),
        "mission_id": mission_id,
        "requirement_id": requirement_id,
        "capability_type": kind,
        "size": whole(form, "size", entity, low=1, required="give the number of personnel"),
        "readiness_level": choice(form, "readiness_level", entity, LEVELS, required="choose the readiness level"),
        "pledged_on": pledged,
        "last_verified_on": verified,
        "renewal_due_on": renewal,
    }
    return Writer(ctx.store).create(ctx.principal, "pledges", values, marking=marking(form))
