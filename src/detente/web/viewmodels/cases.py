"""Security assistance: cases by status as a board, and one case with its lines, deliveries, end-use checks
and the compliance gates of its next step (which passed, which block it and why).

The gates are the writer's own :class:`~detente.services.gates.GateChecker` (the same that refuses a step
through the API): before an offer, the AECA 36(b) notification period; before implementing, the vetting of
every recipient unit. The page asks them about today without changing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from detente.domain.lifecycles import CASE
from detente.domain.markings import Role
from detente.services.gates import GateDecision
from detente.services.writing import Writer
from detente.web.viewmodels.common import Choice, Context, every

__all__ = [
    "CaseBoard",
    "CaseCard",
    "CaseDetail",
    "Check",
    "Column",
    "Gate",
    "Line",
    "case_board",
    "case_detail",
    "move_case",
]


@dataclass(frozen=True)
class CaseCard:
    id: int
    reference: str
    title: str
    programme: str
    provider: str
    recipient: str
    requested_on: date | None
    value: str | None


@dataclass(frozen=True)
class Column:
    status: str
    cards: list[CaseCard]


@dataclass(frozen=True)
class CaseBoard:
    columns: list[Column]
    total: int


@dataclass(frozen=True)
class Gate:
    """One gate of the next step: passed or blocking, the reason, and the evidence it looked at."""

    name: str
    passed: bool
    reason: str
    evidence: list[str]


@dataclass(frozen=True)
class Line:
    number: int
    description: str
    quantity: int
    unit: str | None
    delivered: int
    serials: list[str]
    id: int = 0


@dataclass(frozen=True)
class Check:
    """An end-use check, and the serial numbers it saw that no delivery of the case lists."""

    checked_on: date
    kind: str
    result: str
    line: int | None
    serials: list[str]
    unknown_serials: list[str]
    discrepancies: str | None


@dataclass
class CaseDetail:
    card: CaseCard
    status: str
    version: int
    next_status: str | None
    gates: list[Gate]
    lines: list[Line]
    checks: list[Check]
    can_move: bool
    steps: tuple[str, ...] = CASE.steps
    marking: str | None = None
    notes: list[str] = field(default_factory=list)
    can_edit: bool = False
    """May the user change the case's terms (an editor, while it is a request)?"""
    title: str = ""
    value: str = ""
    currency: str = ""
    requested: str = ""
    """The request date as the edit form's date field wants it (YYYY-MM-DD)."""
    can_add_line: bool = False
    can_deliver: bool = False
    can_check: bool = False
    line_choices: list[Choice] = field(default_factory=list)
    check_kinds: tuple[str, ...] = ("routine", "enhanced")
    check_results: tuple[str, ...] = ("compliant", "discrepancy", "unresolved")


def _card(ctx: Context, record: Mapping[str, Any]) -> CaseCard:
    value = record.get("value")
    return CaseCard(
        record["id"],
        record["reference"],
        record["title"],
        record["programme"],
        ctx.state_name(record["provider_state_id"]),
        ctx.state_name(record["recipient_state_id"]),
        date.fromisoformat(str(record["requested_on"])[:10]) if record.get("requested_on") else None,
        f"{value} {record.get('currency') or ''}".strip() if value is not None else None,
    )


def case_board(ctx: Context, *, state_id: int | None = None) -> CaseBoard:
    """Every case the user may see, one column per status in lifecycle order."""
    by_status: dict[str, list[CaseCard]] = {status: [] for status in CASE.steps}
    total = 0
    for record in every(ctx.reader, ctx.principal, "cases", filters={"state_id": state_id}, sort="-requested_on"):
        by_status.setdefault(record["status"], []).append(_card(ctx, record))
        total += 1
    return CaseBoard([Column(status, cards) for status, cards in by_status.items()], total)


def _gate(decision: GateDecision) -> Gate:
    return Gate(decision.gate, decision.allowed, decision.reason, list(decision.evidence))


def case_gates(ctx: Context, record: Mapping[str, Any], lines: list[Line], on: date) -> list[Gate]:
    """The gates the case's next step must pass, asked of the writer's gate checker for day ``on``."""
    following = CASE.next_of(record["status"]) if record["status"] in CASE.steps else None
    checker = Writer(ctx.store).gates
    gates: list[Gate] = []
    with ctx.store.engine.connect() as connection:
        if following == "offer":
            gates.append(_gate(checker.before_offer(connection, record, on)))
        if following in ("implementing", "delivered"):
            for unit in sorted({line.unit for line in lines if line.unit}):
                gates.append(_gate(checker.unit_cleared(connection, record, unit, on)))
    return gates


def case_detail(ctx: Context, case_id: int, on: date | None = None) -> CaseDetail:
    """One case the user may see, with the gates of its next step as of ``on`` (default today)."""
    record = ctx.reader.get(ctx.principal, "cases", case_id)
    lines = [
        Line(
            line["line_number"],
            line["description"],
            line["quantity"],
            line.get("recipient_unit"),
            sum(int(d["quantity"]) for d in line.get("deliveries", [])),
            [str(s) for d in line.get("deliveries", []) for s in (d.get("serial_numbers") or [])],
            line["id"],
        )
        for line in record.get("case_lines", [])
    ]
    following = CASE.next_of(record["status"]) if record["status"] in CASE.steps else None
    gates = case_gates(ctx, record, lines, on or datetime.now(UTC).date())
    marking = record.get("marking")
    editor = ctx.principal.at_least(Role.EDITOR)
    is_open = record["status"] != CASE.last
    delivered = {s for line in lines for s in line.serials}
    numbers = {line.id: line.number for line in lines}
    checks = [
        Check(
            date.fromisoformat(str(c["checked_on"])[:10]),
            c["kind"],
            c["result"],
            numbers.get(c["line_id"]) if c.get("line_id") else None,
            [str(s) for s in c.get("serials_checked") or []],
            [str(s) for s in c.get("serials_checked") or [] if str(s) not in delivered],
            c.get("discrepancies"),
        )
        for c in record.get("end_use_checks", [])
    ]
    return CaseDetail(
        _card(ctx, record),
        record["status"],
        record["version"],
        following,
        gates,
        lines,
        checks,
        editor and following is not None and all(g.passed for g in gates),
        marking=f"{marking['classification']} // REL TO {', '.join(marking['releasable_to'])}" if marking else None,
        can_edit=editor and record["status"] == CASE.first,
        title=record["title"],
        value="" if record.get("value") is None else str(record["value"]),
        currency=record.get("currency") or "",
        requested=str(record.get("requested_on") or "")[:10],
        can_add_line=editor and is_open,
        can_deliver=editor and record["status"] == "implementing" and bool(lines),
        can_check=editor and is_open and bool(lines),
        line_choices=[Choice(str(line.id), f"Line {line.number}: {line.description}") for line in lines],
    )


def move_case(ctx: Context, case_id: int, to: str, version: int) -> dict[str, Any]:
    """Move the case to its next status; the writer's gates refuse it with their reason if they block."""
    return Writer(ctx.store).transition(ctx.principal, "cases", case_id, to, version=version)
