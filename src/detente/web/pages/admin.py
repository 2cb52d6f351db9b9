"""The admin page (``/ui/admin``, admins only): users, roles, markings, and the audit log with verification.

The audit log is shown by its metadata (when, who, what action on which object, the hash): the before and
after images stay out of the page, since they may hold marked content beyond the admin's own clearance.

Users, markings and the audit log are long lists: each is shown :data:`PAGE` rows at a time with its own
search box and pager (``users_q``/``users_offset``, ``markings_q``/``markings_offset``,
``audit_q``/``audit_offset``), and paging one leaves the others where they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, String, cast, func, or_, select

from detente.domain.markings import Role
from detente.services import accounts, audit_trail
from detente.services.access import require_role
from detente.store.models import AuditEntry, Marking
from detente.store.models import Role as RoleRow
from detente.web.context import Page, PageContext, render
from detente.web.views import Cell, Pager, Table, pager

__all__ = ["AdminView", "router"]

router = APIRouter()

PAGE = 50
"""Rows per page of the users, markings and audit tables."""

ROLE_TEXT = {
    Role.VIEWER: "reads, lists, counts and searches what their markings let them see",
    Role.ANALYST: "viewer, plus exports, attaché reports and journal notes",
    Role.EDITOR: "analyst, plus creating and changing records, moving lifecycles, approving releases",
    Role.ADMIN: "editor, plus managing users and verifying the audit log",
}


@dataclass(frozen=True)
class Verification:
    """The outcome of an audit-log verification, as written on the page."""

    ok: bool
    text: str


@dataclass(frozen=True)
class AdminView:
    """The admin page."""

    users: Table
    roles: Table
    markings: Table
    audit: Table
    verification: Verification | None
    users_pager: Pager | None = None
    markings_pager: Pager | None = None
    audit_pager: Pager | None = None
    search: dict[str, str] = field(default_factory=dict)
    """The search words of each table (``users_q``, ``markings_q``, ``audit_q``) as given."""


def _offset(params: Mapping[str, str], key: str) -> int:
    text = (params.get(key) or "").strip()
    return int(text) if text.isdigit() else 0


def _like(words: str) -> str:
    """``%words%`` for ILIKE, with ``%``, ``_`` and ``\\`` matching themselves."""
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def marking_filter(words: str) -> ColumnElement[bool] | None:
    """Markings whose classification, partners or caveat contain ``words`` (any case); ``None`` for no words."""
    if not words:
        return None
    pattern = _like(words)
    return or_(
        Marking.classification.ilike(pattern, escape="\\"),
        cast(Marking.releasable_to, String).ilike(pattern, escape="\\"),
        Marking.caveat.ilike(pattern, escape="\\"),
    )


def audit_filter(words: str) -> ColumnElement[bool] | None:
    """Audit entries by actor, action or object (``engagement`` or ``engagement:12``); ``None`` for no words."""
    if not words:
        return None
    kind, _, ident = words.partition(":")
    if ident:
        return (AuditEntry.object_type == kind.strip()) & (AuditEntry.object_id == ident.strip())
    pattern = _like(words)
    return or_(
        AuditEntry.actor.ilike(pattern, escape="\\"),
        AuditEntry.action.ilike(pattern, escape="\\"),
        AuditEntry.object_type.ilike(pattern, escape="\\"),
    )


def build_admin(
    ctx: PageContext, verification: Verification | None = None, params: Mapping[str, str] | None = None
) -> AdminView:
    """Users, roles, markings and the audit log, newest first, each a page at a time (``params``: the query)."""
    require_role(ctx.principal, Role.ADMIN, "the admin page")
    fmt = ctx.fmt
    query = dict(params or {})
    search = {key: (query.get(key) or "").strip() for key in ("users_q", "markings_q", "audit_q")}
    everyone = accounts.list_users(ctx.store, ctx.principal)
    counts: dict[str, int] = {}
    for u in everyone:
        counts[u["role"]] = counts.get(u["role"], 0) + 1
    wanted = search["users_q"].lower()
    found = [u for u in everyone if not wanted or wanted in f"{u['username']} {u['display_name'] or ''}".lower()]
    users_at = _offset(query, "users_offset")
    users = found[users_at : users_at + PAGE]
    users_pager = pager("/ui/admin", query, "users_offset", users_at, PAGE, len(found), fmt.number)
    user_table = Table(
        f"Users ({fmt.number(len(found))})",
        ["User", "Role", "Clearance", "Nationality", "Affiliations", "Active"],
        [
            [
                Cell(u["username"]),
                Cell(u["role"]),
                Cell(u["clearance"]),
                Cell(u["nationality"] or "none"),
                Cell(", ".join(u["affiliations"] or []) or "none"),
                Cell("yes" if u["active"] else "no"),
            ]
            for u in users
        ],
    )
    markings_at, audit_at = _offset(query, "markings_offset"), _offset(query, "audit_offset")
    with ctx.store.engine.connect() as connection:
        role_names = [str(n) for n in connection.scalars(select(RoleRow.name).order_by(RoleRow.id))]
        chosen = marking_filter(search["markings_q"])
        wanted_markings = select(Marking.id, Marking.classification, Marking.releasable_to, Marking.caveat)
        counted = select(func.count()).select_from(Marking)
        if chosen is not None:
            wanted_markings, counted = wanted_markings.where(chosen), counted.where(chosen)
        markings = connection.execute(wanted_markings.order_by(Marking.id).limit(PAGE).offset(markings_at)).all()
        marking_total = int(connection.scalar(counted) or 0)
        entries = select(
            AuditEntry.seq,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.object_type,
            AuditEntry.object_id,
            AuditEntry.hash,
        )
        audit_count = select(func.count()).select_from(AuditEntry)
        about = audit_filter(search["audit_q"])
        if about is not None:
            entries, audit_count = entries.where(about), audit_count.where(about)
        log = connection.execute(entries.order_by(AuditEntry.seq.desc()).limit(PAGE).offset(audit_at)).all()
        audit_total = int(connection.scalar(audit_count) or 0)
    roles = Table(
        "Roles",
        ["Role", "May", "Users"],
        [[Cell(n), Cell(ROLE_TEXT.get(Role(n), "")), Cell(fmt.number(counts.get(n, 0)))] for n in role_names],
    )
    marking_table = Table(
        f"Markings in use ({fmt.number(marking_total)})",
        ["Id", "Classification", "Releasable to", "Caveat"],
        [
            [Cell(str(i)), Cell(c), Cell(", ".join(r or []) or "originator only"), Cell(cv or "none")]
            for i, c, r, cv in markings
        ],
    )
    audit = Table(
        f"Audit entries, newest first ({fmt.number(audit_total)})",
        ["Seq", "At (UTC)", "Actor", "Action", "Object", "Hash"],
        [
            [
                Cell(str(e.seq)),
                Cell(e.at[:19].replace("T", " ")),
                Cell(e.actor),
                Cell(e.action),
                Cell(f"{e.object_type}:{e.object_id}"),
                Cell(e.hash[:12]),
            ]
            for e in log
        ],
    )
    return AdminView(
        user_table,
        roles,
        marking_table,
        audit,
        verification,
        users_pager,
        pager("/ui/admin", query, "markings_offset", markings_at, PAGE, marking_total, fmt.number),
        pager("/ui/admin", query, "audit_offset", audit_at, PAGE, audit_total, fmt.number),
        search,
    )


@router.get("/ui/admin", response_class=HTMLResponse)
def admin(request: Request, ctx: Page) -> HTMLResponse:
    """The admin page (each long table searched and paged by its own query parameters)."""
    return render(ctx, "admin.html", build_admin(ctx, params=dict(request.query_params)))


@router.post("/ui/admin/verify", response_class=HTMLResponse)
def verify(ctx: Page) -> HTMLResponse:
    """Walk the audit log's hash chain and show the outcome."""
    require_role(ctx.principal, Role.ADMIN, "verifying the audit log")
    report = audit_trail.verify(ctx.store)
    fmt = ctx.fmt
    if report.ok:
        text = (
            f"The audit log is intact: {fmt.number(report.entries_verified)} entries verified up to "
            f"#{report.head_seq} in {fmt.number(report.seconds, 2)} s."
        )
    else:
        text = f"The audit log is broken at entry #{report.first_bad_seq}: {report.reason}"
    return render(ctx, "admin.html", build_admin(ctx, Verification(report.ok, text)))
