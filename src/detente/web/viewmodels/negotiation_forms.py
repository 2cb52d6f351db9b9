"""The forms of the negotiations pages: open a negotiation process (conflict, parties, mediators), add a round
(dates, venue), record the agreement it reached (with its provisions) and score how far each provision was
implemented in a year (0 none .. 3 full), which the heat map shows at once.

A negotiation and its parties are one transaction, and so are an agreement and its provisions. Rounds,
agreements and scores can be added only to negotiations the user wrote: those loaded from UCDP are read-only
(the writer refuses them). An agreement is marked as its negotiation is (a wider release again waits for a
second editor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from detente.domain.markings import Role
from detente.services.entities import RecordError
from detente.services.writing import CHOICES, MarkingRequest, Writer
from detente.store.models import Conflict
from detente.web.viewmodels.common import Choice, Context, classification_choices, every, tokens
from detente.web.viewmodels.fields import choice, day, marking, may_write, state, text, whole

__all__ = [
    "NegotiationForm",
    "add_agreement",
    "add_round",
    "create_negotiation",
    "edit_negotiation",
    "negotiation_form",
    "record_score",
]

STATUSES = tuple(str(s) for s in CHOICES[("negotiations", "status")])
SCORES = tuple(int(s) for s in CHOICES[("implementation-scores", "score")])
FIRST_YEAR = 1900


@dataclass(frozen=True)
class NegotiationForm:
    """What the new-negotiation form offers."""

    can_create: bool
    conflicts: list[Choice]
    states: list[Choice]
    statuses: tuple[str, ...]
    classifications: list[Choice]


def conflict_choices(ctx: Context) -> list[Choice]:
    """Every armed conflict the store knows (UCDP; public records), by name."""
    with ctx.store.engine.connect() as connection:
        rows = connection.execute(select(Conflict.id, Conflict.name).order_by(Conflict.name, Conflict.id)).all()
    return [Choice(str(i), str(name)) for i, name in rows]


def negotiation_form(ctx: Context) -> NegotiationForm:
    """The new-negotiation form for this user (editors only)."""
    editor = ctx.principal.at_least(Role.EDITOR)
    return NegotiationForm(
        editor,
        conflict_choices(ctx) if editor else [],
        ctx.state_choices() if editor else [],
        STATUSES,
        classification_choices(ctx.principal),
    )


def _names(raw: str | None) -> list[str]:
    """``"ELN, Government of Norway"`` -> the names, each once."""
    out: list[str] = []
    for name in tokens(raw):
        if name not in out:
            out.append(name)
    return out


def _actors(ctx: Context, ids: Sequence[str], names: str | None, role: str, key: str) -> list[dict[str, Any]]:
    rows = []
    for raw in ids:
        state_id = state(ctx, raw, key, "negotiation-parties")
        if state_id is not None:
            rows.append({"state_id": state_id, "actor_name": ctx.state_name(state_id), "role": role})
    rows += [{"actor_name": name, "role": role} for name in _names(names)]
    return rows


def create_negotiation(ctx: Context, form: Mapping[str, str], lists: Mapping[str, list[str]]) -> dict[str, Any]:
    """Open a negotiation with its parties and mediators, in one transaction.

    ``lists`` holds the multiple selects (``party_state_id``, ``mediator_state_id``); ``other_parties`` and
    ``other_mediators`` are names separated by commas (armed groups, organizations, envoys).
    """
    may_write(ctx, "negotiations")
    entity = "negotiations"
    conflict = (form.get("conflict_id") or "").strip()
    conflict_id = None
    if conflict:
        if not conflict.isdigit() or conflict not in {c.value for c in conflict_choices(ctx)}:
            raise RecordError(entity, "conflict_id", "choose a conflict from the list")
        conflict_id = int(conflict)
    values = {
        "title": text(form, "title", entity, required="give the negotiation a title"),
        "conflict_id": conflict_id,
        "status": choice(form, "status", entity, STATUSES) or "ongoing",
        "valid_from": day(form, "valid_from", entity, required="give the date the talks began"),
        "outcome": text(form, "outcome", entity),
    }
    parties = _actors(ctx, lists.get("party_state_id", []), form.get("other_parties"), "party", "party_state_id")
    mediators = _actors(
        ctx, lists.get("mediator_state_id", []), form.get("other_mediators"), "mediator", "mediator_state_id"
    )
    if len(parties) < 2:
        raise RecordError(entity, "party_state_id", "name at least two parties (states, or others by name)")
    both = {p["actor_name"] for p in parties} & {m["actor_name"] for m in mediators}
    if both:
        raise RecordError(
            entity, "mediator_state_id", f"{', '.join(sorted(both))}: a party cannot also mediate its own talks"
        )
    return Writer(ctx.store).create(
        ctx.principal,
        "negotiations",
        values,
        marking=marking(form),
        children={"negotiation-parties": parties + mediators},
    )


def edit_negotiation(ctx: Context, negotiation_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Change the negotiation's status, outcome and end date against the version the user read (a negotiation
    loaded from UCDP is read-only: the writer refuses it)."""
    may_write(ctx, "negotiations")
    entity = "negotiations"
    status = choice(form, "status", entity, STATUSES, required="choose the status")
    ended = day(form, "valid_to", entity)
    if status in ("concluded", "failed") and ended is None:
        raise RecordError(
            entity, "valid_to", f"give the date the talks {'ended' if status == 'failed' else 'concluded'}"
        )
    if status in ("ongoing", "suspended") and ended is not None:
        raise RecordError(entity, "valid_to", f"talks that are {status} have no end date yet: leave it blank")
    changes = {"status": status, "outcome": text(form, "outcome", entity), "valid_to": ended}
    version = whole(form, "version", entity, low=1, required="reload the page: the version read is missing")
    return Writer(ctx.store).update(ctx.principal, "negotiations", negotiation_id, changes, version=version)


def add_round(ctx: Context, negotiation_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Add a round of talks (numbered after the last one unless a number is given)."""
    may_write(ctx, "negotiation-rounds")
    entity = "negotiation-rounds"
    record = ctx.reader.get(ctx.principal, "negotiations", negotiation_id)
    taken = {int(r["number"]) for r in record.get("negotiation_rounds", [])}
    number = whole(form, "number", entity, low=1) or max(taken, default=0) + 1
    if number in taken:
        raise RecordError(entity, "number", f"round {number} is already recorded")
    values = {
        "negotiation_id": negotiation_id,
        "number": number,
        "valid_from": day(form, "valid_from", entity, required="give the date the round opened"),
        "valid_to": day(form, "valid_to", entity),
        "venue": text(form, "venue", entity, required="give the venue"),
        "summary": text(form, "summary", entity),
    }
    return Writer(ctx.store).create(ctx.principal, "negotiation-rounds", values)


def add_agreement(ctx: Context, negotiation_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Record the agreement the negotiation reached, one provision per line, marked as the negotiation is."""
    may_write(ctx, "agreements")
    entity = "agreements"
    record = ctx.reader.get(ctx.principal, "negotiations", negotiation_id)
    provisions = [line.strip() for line in (form.get("provisions") or "").splitlines() if line.strip()]
    if not provisions:
        raise RecordError(entity, "provisions", "write the agreement's provisions, one per line")
    signed = day(form, "signed_on", entity, required="give the date the agreement was signed")
    values = {
        "negotiation_id": negotiation_id,
        "kind": "peace_agreement",
        "title": text(form, "agreement_title", entity, required="give the agreement's title"),
        "signed_on": signed,
        "valid_from": signed,
    }
    shown = record.get("marking") or {}
    same = MarkingRequest(str(shown.get("classification") or "UNCLASSIFIED"), tuple(shown.get("releasable_to") or ()))
    rows = [
        {"code": f"P{n}", "kind": "commitment", "text": line, "valid_from": signed}
        for n, line in enumerate(provisions, start=1)
    ]
    try:
        return Writer(ctx.store).create(
            ctx.principal, "agreements", values, marking=same, children={"provisions": rows}
        )
    except RecordError as error:
        if error.entity == "agreements" and error.field == "title":
            raise RecordError(entity, "agreement_title", error.problem) from None
        raise


def record_score(ctx: Context, negotiation_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Score one provision of the negotiation's agreements for one year; a second score for that year
    replaces the first (one score per provision per year)."""
    may_write(ctx, "implementation-scores")
    entity = "implementation-scores"
    ours: set[str] = set()
    for agreement in every(ctx.reader, ctx.principal, "agreements", filters={"negotiation_id": negotiation_id}):
        for row in every(ctx.reader, ctx.principal, "provisions", filters={"agreement_id": agreement["id"]}):
            ours.add(str(row["id"]))
    provision = (form.get("provision_id") or "").strip()
    if provision not in ours:
        raise RecordError(entity, "provision_id", "choose one of the negotiation's provisions")
    this_year = datetime.now(UTC).year
    year = whole(form, "year", entity, low=FIRST_YEAR, high=this_year, required="give the year scored")
    score = whole(form, "score", entity, low=min(SCORES), high=max(SCORES), required="choose a score from 0 to 3")
    notes = text(form, "notes", entity)
    writer = Writer(ctx.store)
    found = ctx.reader.list(
        ctx.principal, "implementation-scores", filters={"provision_id": int(provision), "year": year}, limit=1
    )
    if found.items:
        # the score just read is the one this form replaces: if another editor changed it since, 409
        current = found.items[0]
        changes = {"score": score, "notes": notes}
        return writer.update(ctx.principal, entity, current["id"], changes, version=current["version"])
    values = {"provision_id": int(provision), "year": year, "score": score, "notes": notes}
    return writer.create(ctx.principal, entity, values)
