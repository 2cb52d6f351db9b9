"""The admin page (``/ui/admin``, admins only): users, roles, markings, and the audit log with verification.

The audit log is shown by its metadata (when, who, what action on which object, the hash): the before and
after images stay out of the page, since they may hold marked content beyond the admin's own clearance.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from detente.domain.markings import Role
from detente.services import accounts, audit_trail
from detente.services.access import require_role
from detente.store.models import Marking
from detente.store.models import Role as RoleRow
from detente.web.context import Page, PageContext, render
from detente.web.views import Cell, Table

__all__ = ["AdminView", "router"]

router = APIRouter()

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


def build_admin(ctx: PageContext, verification: Verification | None = None) -> AdminView:
    """Users, roles, markings and the latest audit entries."""
    require_role(ctx.principal, Role.ADMIN, "the admin page")
    fmt = ctx.fmt
    users = accounts.list_users(ctx.store, ctx.principal)
    user_table = Table(
        "Users",
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
    counts: dict[str, int] = {}
    for u in users:
        counts[u["role"]] = counts.get(u["role"], 0) + 1
    with ctx.store.engine.connect() as connection:
        role_names = [str(n) for n in connection.scalars(select(RoleRow.name).order_by(RoleRow.id))]
        markings = connection.execute(
            select(Marking.id, Marking.classification, Marking.releasable_to, Marking.caveat).order_by(Marking.id)
        ).all()
        marking_total = int(connection.scalar(select(func.count()).select_from(Marking)) or 0)
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
            for i, c, r, cv in markings[:200]
        ],
    )
    audit = Table(
        "Latest audit entries",
        ["Seq", "At (UTC)", "Actor", "Action", "Object", "Hash"],
        [
            [
                Cell(str(e["seq"])),
                Cell(e["at"][:19].replace("T", " ")),
                Cell(e["actor"]),
                Cell(e["action"]),
                Cell(f"{e['object_type']}:{e['object_id']}"),
                Cell(e["hash"][:12]),
            ]
            for e in audit_trail.entries(ctx.store, limit=50)
        ],
    )
    return AdminView(user_table, roles, marking_table, audit, verification)


@router.get("/ui/admin", response_class=HTMLResponse)
def admin(ctx: Page) -> HTMLResponse:
    """The admin page."""
    return render(ctx, "admin.html", build_admin(ctx))


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
