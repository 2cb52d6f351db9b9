"""Reading a posted form into the writer's values: trimmed text, whole numbers, amounts, dates, coded choices,
states and lists of serial numbers.

Every reader takes the form (field name -> text), the field's name and the entity being written, and returns
the value the writer expects or ``None`` for a blank optional field. Bad input raises
:class:`~detente.services.entities.RecordError` naming *the form's field* (``line-2-quantity``, not
``quantity``), so the page can put the message beside the input that caused it and store nothing::

    size = whole(form, "size", "requirements", low=1, required="give the number of personnel")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from detente.services.access import require_role
from detente.services.catalog import resource
from detente.services.entities import RecordError
from detente.services.writing import MarkingRequest
from detente.web.viewmodels.common import Context, tokens

__all__ = ["amount", "choice", "day", "marking", "may_write", "serials", "state", "text", "whole"]

_SERIAL_SPLIT = re.compile(r"[\s,;]+")


def may_write(ctx: Context, name: str) -> None:
    """Refuse (:class:`~detente.services.errors.ForbiddenError`, 403) a user whose role may not write the
    resource ``name``, before any field is read: a viewer's form is refused for the role, not for a typo."""
    role = resource(name).write_role
    if role is None:
        raise RecordError(name, None, "these records come from public sources and are read-only")
    require_role(ctx.principal, role, f"writing {name}")


def text(form: Mapping[str, str], key: str, entity: str, *, required: str | None = None) -> str | None:
    """The field's text, trimmed; blank is ``None``, or refused with ``required`` (what to do) when given."""
    value = (form.get(key) or "").strip()
    if not value and required:
        raise RecordError(entity, key, required)
    return value or None


def whole(
    form: Mapping[str, str],
    key: str,
    entity: str,
    *,
    low: int | None = None,
    high: int | None = None,
    required: str | None = None,
) -> int | None:
    """A whole number between ``low`` and ``high`` (inclusive, where given)."""
    raw = text(form, key, entity, required=required)
    if raw is None:
        return None
    if not raw.lstrip("-").isdigit():
        raise RecordError(entity, key, f"{raw!r} is not a whole number")
    value = int(raw)
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            span = f"from {low} to {high}"
        else:
            span = f"at least {low}" if low is not None else f"at most {high}"
        raise RecordError(entity, key, f"{value} is out of range: give a number {span}")
    return value


def amount(form: Mapping[str, str], key: str, entity: str) -> str | None:
    """A non-negative amount (``1200000`` or ``1200000.50``), as text the writer turns into a decimal."""
    raw = text(form, key, entity)
    if raw is None:
        return None
    try:
        value = Decimal(raw.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise RecordError(entity, key, f"{raw!r} is not an amount; write digits, e.g. 1250000.00") from None
    if not value.is_finite() or value < 0:
        raise RecordError(entity, key, f"{raw!r} is not an amount of zero or more")
    return str(value)


def day(form: Mapping[str, str], key: str, entity: str, *, required: str | None = None) -> str | None:
    """A ``YYYY-MM-DD`` date, as ISO text."""
    raw = text(form, key, entity, required=required)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise RecordError(entity, key, f"{raw!r} is not a date; write YYYY-MM-DD") from None


def choice(
    form: Mapping[str, str], key: str, entity: str, allowed: Iterable[object], *, required: str | None = None
) -> str | None:
    """One of the ``allowed`` codes (as text)."""
    raw = text(form, key, entity, required=required)
    options = [str(a) for a in allowed]
    if raw is not None and raw not in options:
        raise RecordError(entity, key, f"{raw!r} is not one of {', '.join(options)}")
    return raw


def state(ctx: Context, value: str | None, key: str, entity: str, *, required: str | None = None) -> int | None:
    """A state id from a select box, checked against the states the store knows."""
    raw = (value or "").strip()
    if not raw:
        if required:
            raise RecordError(entity, key, required)
        return None
    if not raw.isdigit() or not ctx.has_state(int(raw)):
        raise RecordError(entity, key, "choose a state from the list")
    return int(raw)


def serials(form: Mapping[str, str], key: str, entity: str) -> list[str] | None:
    """Serial numbers separated by commas, semicolons, spaces or lines; each once, in the order given."""
    raw = text(form, key, entity)
    if raw is None:
        return None
    out: list[str] = []
    for item in _SERIAL_SPLIT.split(raw):
        if item and item in out:
            raise RecordError(entity, key, f"serial number {item} is given twice")
        if item:
            out.append(item)
    return out


def marking(form: Mapping[str, str]) -> MarkingRequest:
    """The marking chosen on the form: a classification and the partners to release to (checked by the writer)."""
    return MarkingRequest(form.get("classification") or "UNCLASSIFIED", tokens(form.get("releasable_to")))
