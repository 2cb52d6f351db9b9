"""Routes for the steps of practice: lifecycle transitions, engagement assessments, four-eyes release
decisions, what compliance duties are due next, and the audit log (verify, entries)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from detente.api.deps import CurrentPrincipal, CurrentStore
from detente.api.errors import ERROR_RESPONSES
from detente.api.resources import IdPath
from detente.api.schemas import INT32, NO_NUL, AuditEntryOut, audit_entry, detail_schema, public_schema
from detente.compliance.calendar import due_items
from detente.compliance.packs import PackError
from detente.domain.markings import Role
from detente.services import audit_trail
from detente.services.access import Scope, require_role
from detente.services.entities import RecordError
from detente.services.writing import Writer

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)

Version = Annotated[int, Field(ge=1, le=INT32, description="the version you read (409 if it changed since)")]


class EngagementStep(BaseModel):
    """Move an engagement to its next status (approval must come from someone other than the proposer)."""

    model_config = ConfigDict(extra="forbid")
    to: Literal["approved", "planned", "executed"]
    version: Version | None = None


class CaseStep(BaseModel):
    """Move a case to its next status (an offer passes the 36(b) gate, implementing the vetting gate)."""

    model_config = ConfigDict(extra="forbid")
    to: Literal["offer", "accepted", "implementing", "delivered", "closed"]
    version: Version | None = None


class ObjectiveScore(BaseModel):
    """The score an objective earned: 0 (not met) .. 3 (fully met), and why."""

    model_config = ConfigDict(extra="forbid")
    objective_id: Annotated[int, Field(ge=1, le=INT32)]
    score: Annotated[int, Field(ge=0, le=3)]
    assessment: Annotated[str, Field(max_length=10_000, pattern=NO_NUL)] | None = None


class Assessment(BaseModel):
    """Scores for every objective of an executed engagement; it then becomes assessed."""

    model_config = ConfigDict(extra="forbid")
    version: Version
    scores: list[ObjectiveScore] = Field(min_length=1, max_length=500)


class ReleaseDecision(BaseModel):
    """An optional note with a release decision."""

    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] | None = None


class ReleaseOut(BaseModel):
    """A request to release a record to partners."""

    id: int
    resource: str
    object_type: str
    object_id: int
    requested_marking: dict[str, Any]
    requested_by_id: int
    requested_at: str
    status: str
    decided_by_id: int | None
    decided_at: str | None
    note: str | None


class AuditReportOut(BaseModel):
    """The outcome of verifying the whole audit chain."""

    ok: bool
    entries_verified: int
    head_seq: int
    first_bad_seq: int | None
    reason: str | None
    seconds: float


@router.post(
    "/engagements/{record_id}/transition",
    response_model=public_schema("engagements"),
    tags=["engagements"],
    operation_id="transition_engagement",
)
def transition_engagement(
    record_id: IdPath, body: EngagementStep, store: CurrentStore, principal: CurrentPrincipal
) -> dict[str, Any]:
    """proposed -> approved -> planned -> executed (assessed comes with the assessment)."""
    return Writer(store).transition(principal, "engagements", record_id, body.to, version=body.version)


@router.post(
    "/engagements/{record_id}/assessment",
    response_model=detail_schema("engagements"),
    tags=["engagements"],
    operation_id="assess_engagement",
)
def assess_engagement(
    record_id: IdPath, body: Assessment, store: CurrentStore, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Score every objective of an executed engagement and mark it assessed."""
    scores = {item.objective_id: (item.score, item.assessment) for item in body.scores}
    if len(scores) != len(body.scores):
        raise RecordError("assessment", "scores", "each objective may be scored once")
    writer = Writer(store)
    writer.assess(principal, record_id, scores, version=body.version)
    return writer.reader.get(principal, "engagements", record_id)


@router.post(
    "/cases/{record_id}/transition",
    response_model=public_schema("cases"),
    tags=["cases"],
    operation_id="transition_case",
)
def transition_case(
    record_id: IdPath, body: CaseStep, store: CurrentStore, principal: CurrentPrincipal
) -> dict[str, Any]:
    """request -> offer -> accepted -> implementing -> delivered -> closed, through the compliance gates."""
    return Writer(store).transition(principal, "cases", record_id, body.to, version=body.version)


@router.get("/releases", response_model=list[ReleaseOut], tags=["releases"], operation_id="list_releases")
def list_releases(
    store: CurrentStore,
    principal: CurrentPrincipal,
    status: Annotated[Literal["pending", "approved", "refused"] | None, Query()] = "pending",
) -> list[dict[str, Any]]:
    """Release requests about records you may see (pending by default)."""
    return Writer(store).releases(principal, status=status)


@router.post("/releases/{request_id}/approve", tags=["releases"], operation_id="approve_release")
def approve_release(
    request_id: IdPath, store: CurrentStore, principal: CurrentPrincipal, body: ReleaseDecision | None = None
) -> dict[str, Any]:
    """Approve a release (a second editor: never the one who asked); the marking takes effect."""
    return Writer(store).decide_release(principal, request_id, approve=True, note=body.note if body else None)


@router.post("/releases/{request_id}/refuse", tags=["releases"], operation_id="refuse_release")
def refuse_release(
    request_id: IdPath, store: CurrentStore, principal: CurrentPrincipal, body: ReleaseDecision | None = None
) -> dict[str, Any]:
    """Refuse a release; the record stays releasable to its author's state only."""
    return Writer(store).decide_release(principal, request_id, approve=False, note=body.note if body else None)


class DueItemOut(BaseModel):
    """One compliance duty due soon (by ``due``), or a quota with what is ``left`` of it until ``due``."""

    due: date
    treaty: str = Field(description="the treaty pack, e.g. new-start")
    code: str = Field(description="the obligation's code, e.g. NST-DATA-UPDATE")
    title: str
    party: str | None = Field(description="ISO3 code of the party that owes it")
    kind: str = Field(description="DEADLINE, THRESHOLD or QUOTA")
    what: str
    left: float | None = Field(description="for a quota: how many are left in the period")
    subject: str | None = Field(description="the event the duty comes from (e.g. activity:12), if any")
    verified: bool


@router.get("/compliance/due", response_model=list[DueItemOut], tags=["compliance"], operation_id="compliance_due")
def compliance_due(
    store: CurrentStore,
    principal: CurrentPrincipal,
    within: Annotated[int, Query(ge=0, le=3660, description="how far ahead, in days (the CLI's --within)")] = 30,
    party: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{3}$", description="only this party, by ISO3 code (e.g. RUS)")
    ] = None,
    treaty: Annotated[
        str | None, Query(pattern=r"^[a-z0-9-]{1,60}$", description="only this treaty pack (e.g. new-start)")
    ] = None,
    as_of: Annotated[date | None, Query(description="the day to look ahead from (default: today, UTC)")] = None,
) -> list[dict[str, object]]:
    """Deadlines due within ``within`` days of ``as_of`` and the quotas left, soonest first, as you may see them.

    The duties are computed on the evidence your markings let you see (as ``detente compliance due --user``
    does), so nothing due rests on, or names, a record hidden from you; reading marked evidence is audited.
    """
    with store.engine.connect() as connection:
        scope = Scope.of(connection, principal)
    try:
        items = due_items(
            store, within_days=within, party=party.upper() if party else None, treaty=treaty, as_of=as_of, scope=scope
        )
    except PackError as error:
        raise RecordError(
            "compliance due", "treaty", f"{error}; list the packs with `detente compliance packs`"
        ) from None
    return [item.as_dict() for item in items]


@router.get("/audit", response_model=list[AuditEntryOut], tags=["audit"], operation_id="audit_log")
def audit_log(
    store: CurrentStore,
    principal: CurrentPrincipal,
    object_ref: Annotated[
        str | None,
        Query(alias="object", pattern=r"^[a-z_]{1,40}:[^\x00]{1,60}$", description="TYPE:ID, e.g. engagement:12"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[dict[str, Any]]:
    """Audit entries, newest first (admins only: entries hold whole records)."""
    require_role(principal, Role.ADMIN, "reading the audit log")
    return [audit_entry(entry) for entry in audit_trail.entries(store, object_ref=object_ref, limit=limit)]


@router.get("/audit/verify", response_model=AuditReportOut, tags=["audit"], operation_id="audit_verify")
def audit_verify(store: CurrentStore, principal: CurrentPrincipal) -> dict[str, Any]:
    """Recompute the whole hash chain (admins only)."""
    require_role(principal, Role.ADMIN, "verifying the audit log")
    return audit_trail.verify(store).as_dict()
