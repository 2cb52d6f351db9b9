"""The forms of the security-assistance pages: open a case with its lines, add a line, record a delivery and an
end-use check.

Each function turns the posted fields into the writer's values, checks what a form can check (a number is a
number, a delivery does not exceed what the line still owes, serial numbers match the quantity delivered, a
discrepancy is described) and then writes through :class:`~detente.services.writing.Writer`, which applies
roles, markings, the closed-case gate and, for a delivery, the vetting gate of the recipient unit. A case and
its first lines are written in one transaction: both land or neither does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from detente.domain.markings import Role
from detente.services.entities import RecordError
from detente.services.errors import ConflictError
from detente.services.writing import CHOICES, Writer
from detente.store.models import AssistanceCase
from detente.web.viewmodels.common import Choice, Context, classification_choices
from detente.web.viewmodels.fields import amount, choice, day, marking, may_write, serials, state, text, whole

__all__ = [
    "LINE_ROWS",
    "CaseForm",
    "add_check",
    "add_line",
    "case_form",
    "create_case",
    "edit_case",
    "record_delivery",
]

PROGRAMMES = tuple(str(p) for p in CHOICES[("cases", "programme")])
CHECK_KINDS = tuple(str(k) for k in CHOICES[("end-use-checks", "kind")])
CHECK_RESULTS = tuple(str(r) for r in CHOICES[("end-use-checks", "result")])
LINE_ROWS = 3
"""How many line rows the new-case form offers (more are added on the case page)."""


@dataclass
class CaseForm:
    """What the new-case form offers: programmes, states, markings, and the empty line rows."""

    can_create: bool
    programmes: list[Choice]
    states: list[Choice]
    classifications: list[Choice]
    line_rows: list[int] = field(default_factory=lambda: list(range(1, LINE_ROWS + 1)))


def case_form(ctx: Context) -> CaseForm:
    """The new-case form for this user (shown to editors only)."""
    return CaseForm(
        ctx.principal.at_least(Role.EDITOR),
        [Choice(p, p.upper() if len(p) == 3 else p) for p in PROGRAMMES],
        ctx.state_choices(),
        classification_choices(ctx.principal),
    )


def _line(form: Mapping[str, str], prefix: str, entity: str) -> dict[str, Any] | None:
    """A case line from ``<prefix>description``, ``quantity``, ``recipient_unit``, ``category``; blank: ``None``."""
    keys = ("description", "quantity", "recipient_unit", "category")
    if not any((form.get(prefix + k) or "").strip() for k in keys):
        return None
    return {
        "description": text(form, prefix + "description", entity, required="describe what the line provides"),
        "quantity": whole(form, prefix + "quantity", entity, low=1, required="give how many items the line holds"),
        "recipient_unit": text(form, prefix + "recipient_unit", entity),
        "category": text(form, prefix + "category", entity),
    }


def create_case(ctx: Context, form: Mapping[str, str]) -> dict[str, Any]:
    """Open a case (status ``request``) with the lines filled in on the form, in one transaction."""
    may_write(ctx, "cases")
    entity = "cases"
    provider = state(ctx, form.get("provider_state_id"), "provider_state_id", entity, required="choose the provider")
    recipient = state(
        ctx, form.get("recipient_state_id"), "recipient_state_id", entity, required="choose the partner state"
    )
    if provider == recipient:
        raise RecordError(entity, "recipient_state_id", "the partner state must differ from the provider")
    values: dict[str, Any] = {
        "reference": text(form, "reference", entity, required="give the case reference (e.g. the LOA identifier)"),
        "title": text(form, "title", entity, required="give the case a title"),
        "programme": choice(form, "programme", entity, PROGRAMMES, required="choose the programme"),
        "provider_state_id": provider,
        "recipient_state_id": recipient,
        "requested_on": day(form, "requested_on", entity, required="give the date the partner asked"),
        "value": amount(form, "value", entity),
    }
    currency = (text(form, "currency", entity) or "").upper() or None
    with ctx.store.engine.connect() as connection:
        taken = connection.scalar(
            select(AssistanceCase.id).where(AssistanceCase.reference == values["reference"]).limit(1)
        )
    if taken is not None:
        raise RecordError(entity, "reference", f"{values['reference']} is another case's reference: give a new one")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise RecordError(entity, "currency", "write the three-letter ISO 4217 code, e.g. USD")
    values["currency"] = currency
    lines: list[dict[str, Any]] = []
    for row in range(1, LINE_ROWS + 1):
        line = _line(form, f"line-{row}-", entity)
        if line is not None:
            lines.append({"line_number": len(lines) + 1, **line})
    return Writer(ctx.store).create(
        ctx.principal, "cases", values, marking=marking(form), children={"case-lines": lines}
    )


def edit_case(ctx: Context, case_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Change a requested case's title, request date, value and currency, against the version the user read.

    Only while the case is a request: once offered, its terms are those of the offer (the writer's lifecycle
    moves it on; a change after that is a new line or a new case).
    """
    may_write(ctx, "cases")
    entity = "cases"
    record = ctx.reader.visible_record(ctx.principal, "cases", case_id)
    if record["status"] != "request":
        raise ConflictError(f"case {record['reference']} is {record['status']}: its terms are fixed once offered")
    currency = (text(form, "currency", entity) or "").upper() or None
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise RecordError(entity, "currency", "write the three-letter ISO 4217 code, e.g. USD")
    changes = {
        "title": text(form, "title", entity, required="give the case a title"),
        "requested_on": day(form, "requested_on", entity, required="give the date the partner asked"),
        "value": amount(form, "value", entity),
        "currency": currency,
    }
    version = whole(form, "version", entity, low=1, required="reload the page: the version read is missing")
    return Writer(ctx.store).update(ctx.principal, "cases", case_id, changes, version=version)


def add_line(ctx: Context, case_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Add a line to the case, numbered after its last one."""
    may_write(ctx, "case-lines")
    record = ctx.reader.get(ctx.principal, "cases", case_id)
    line = _line(form, "", "case-lines")
    if line is None:
        raise RecordError("case-lines", "description", "describe what the line provides")
    numbers = [int(x["line_number"]) for x in record.get("case_lines", [])]
    values = {"case_id": case_id, "line_number": max(numbers, default=0) + 1, **line}
    return Writer(ctx.store).create(ctx.principal, "case-lines", values)


def _case_line(record: Mapping[str, Any], raw: str | None, key: str, entity: str) -> dict[str, Any]:
    """The line of this case chosen on the form."""
    wanted = (raw or "").strip()
    for line in record.get("case_lines", []):
        if str(line["id"]) == wanted:
            return dict(line)
    raise RecordError(entity, key, "choose one of the case's lines")


def record_delivery(ctx: Context, case_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Record a delivery against a line of the case (the writer refuses it unless the case is implementing
    and the recipient unit is vetted)."""
    may_write(ctx, "deliveries")
    entity = "deliveries"
    record = ctx.reader.get(ctx.principal, "cases", case_id)
    line = _case_line(record, form.get("line_id"), "line_id", entity)
    quantity = whole(form, "quantity", entity, low=1, required="give how many items were delivered")
    assert quantity is not None
    delivered = sum(int(d["quantity"]) for d in line.get("deliveries", []))
    if delivered + quantity > int(line["quantity"]):
        owed = int(line["quantity"]) - delivered
        raise RecordError(
            entity,
            "quantity",
            f"line {line['line_number']} holds {line['quantity']} items and {delivered} are delivered: "
            f"at most {owed} more",
        )
    numbers = serials(form, "serial_numbers", entity)
    if numbers is not None and len(numbers) != quantity:
        raise RecordError(
            entity, "serial_numbers", f"give one serial number per item: {quantity} delivered, {len(numbers)} given"
        )
    values = {
        "line_id": line["id"],
        "delivered_on": day(form, "delivered_on", entity, required="give the date of delivery"),
        "quantity": quantity,
        "serial_numbers": numbers,
    }
    return Writer(ctx.store).deliver(ctx.principal, values)


def add_check(ctx: Context, case_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """Record an end-use check of the case: the serial numbers seen and, for a discrepancy, what was wrong."""
    may_write(ctx, "end-use-checks")
    entity = "end-use-checks"
    record = ctx.reader.get(ctx.principal, "cases", case_id)
    line_id = None
    if (form.get("line_id") or "").strip():
        line_id = _case_line(record, form.get("line_id"), "line_id", entity)["id"]
    result = choice(form, "result", entity, CHECK_RESULTS, required="choose the result")
    discrepancies = text(form, "discrepancies", entity)
    if result == "discrepancy" and discrepancies is None:
        raise RecordError(entity, "discrepancies", "describe the discrepancy found")
    values = {
        "case_id": case_id,
        "line_id": line_id,
        "checked_on": day(form, "checked_on", entity, required="give the date of the check"),
        "kind": choice(form, "kind", entity, CHECK_KINDS) or "routine",
        "result": result,
        "serials_checked": serials(form, "serials_checked", entity),
        "discrepancies": discrepancies,
    }
    return Writer(ctx.store).create(ctx.principal, "end-use-checks", values)
