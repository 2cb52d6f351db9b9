"""The parameters of each rule kind, as declared in a pack: what evidence a rule reads and what it demands.

A rule is data, not code. Each kind has one parameter model here; :mod:`detente.compliance.kinds` holds the
code that evaluates it. Durations are Polars offsets (``"42d"``, ``"48h"``, ``"4mo14d"``), so that calendar
months are real months.

The building block is :class:`Select`: which evidence records a rule looks at (type, kinds, a figure
threshold, the counterpart's group) and which side of the record is the party the rule binds
(``as: party`` the sender / inspected / acting state, ``as: counterpart`` the receiver / inspector).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "KINDS",
    "DeadlineRule",
    "Duty",
    "GateRule",
    "LimitRule",
    "QuotaRule",
    "ReconcileRule",
    "Recurrence",
    "Rule",
    "Select",
    "ThresholdRule",
    "WindowRule",
    "judged",
    "parse_rule",
    "reading",
    "reads",
    "touched_by",
]

EvidenceType = Literal["declaration", "notification", "inspection", "activity", "approval"]
DURATION = re.compile(r"^(\d+(mo|d|h|m|w|y))+$")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _duration(value: Any) -> Any:
    if value is not None and (not isinstance(value, str) or not DURATION.match(value)):
        raise ValueError(f"{value!r} is not a duration; write e.g. 42d, 48h, 6mo or 4mo14d")
    return value


Kinds = Annotated[list[str] | None, BeforeValidator(_as_list)]
Duration = Annotated[str, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Select(_Strict):
    """Which evidence records a rule reads, and whose obligation each one is."""

    evidence: EvidenceType
    kind: Kinds = None
    role: Literal["party", "counterpart"] = Field("party", alias="as")
    result: Kinds = None
    any_at_least: dict[str, float] | None = None
    any_over: dict[str, float] | None = None
    counterpart_in: str | None = None
    counterpart_not_in: str | None = None


class Recurrence(_Strict):
    """A trigger that recurs every ``months`` from ``anchor`` (1 March and 1 September: anchor 2011-03-01, 6)."""

    anchor: date
    months: int = Field(gt=0)


class Duty(Select):
    """The evidence that discharges a duty, and how it is tied to what triggered it."""

    match: Literal["trigger", "subject", "party", "period"] = "trigger"
    time: Literal["time", "received", "end"] = "time"
    require: list[str] | None = None


class LimitRule(_Strict):
    """LIMIT: the counted holdings in a party's latest declaration stay at or below ``limit``.

    ``count`` lists ways of counting, tried in order: the first whose categories are all declared is used
    (a counting rule such as "a deployed heavy bomber counts as one warhead" is a weight in one of them).
    With ``groups``, the figure is the sum over the members of each named group of parties.
    """

    count: list[dict[str, float]] = Field(min_length=1)
    limit: float
    measure: str
    groups: list[str] | None = None
    max_age: Duration | None = None


class QuotaRule(_Strict):
    """QUOTA: at most ``max`` (or at least ``min``) selected events per period, per party (or pair, or subject)."""

    select: Select
    period: Recurrence
    max: int | None = None
    min: int | None = None
    per: Literal["party", "counterpart", "subject"] = "party"
    measure: str

    @model_validator(mode="after")
    def _bounds(self) -> QuotaRule:
        if self.max is None and self.min is None:
            raise ValueError("a QUOTA needs max or min")
        return self


class DeadlineRule(_Strict):
    """DEADLINE: the duty is discharged ``within`` a time after the trigger, or at least ``before`` it.

    The trigger is selected evidence (an exercise, an inspection, a request), fixed ``dates`` or a
    ``recurrence``. ``absent`` says what no record of the duty means once it is due: ``overdue`` where the
    record is complete (a user's own notifications), ``insufficient_data`` where it has known gaps.
    """

    trigger: Select | None = None
    dates: list[date] | None = None
    recurrence: Recurrence | None = None
    trigger_time: Literal["time", "received", "end"] = "time"
    duty: Duty
    within: Duration | None = None
    before: Duration | None = None
    absent: Literal["overdue", "insufficient_data"] = "overdue"
    measure: str

    @model_validator(mode="after")
    def _shape(self) -> DeadlineRule:
        if sum(x is not None for x in (self.trigger, self.dates, self.recurrence)) != 1:
            raise ValueError("a DEADLINE needs exactly one of trigger, dates or recurrence")
        if (self.within is None) == (self.before is None):
            raise ValueError("a DEADLINE needs exactly one of within or before")
        return self


class ThresholdRule(_Strict):
    """THRESHOLD: a figure at or above a value (above it, with ``strict``) triggers a duty (``mode: duty``),
    is itself a breach (``cap``), or must be reached (``floor``)."""

    select: Select
    any_at_least: dict[str, float] = Field(min_length=1)
    strict: bool = False
    mode: Literal["duty", "cap", "floor"] = "duty"
    duty: Duty | None = None
    within: Duration | None = None
    before: Duration | None = None
    trigger_time: Literal["time", "received", "end"] = "time"
    measure: str

    @model_validator(mode="after")
    def _shape(self) -> ThresholdRule:
        if self.mode == "duty" and (self.duty is None or (self.within is None) == (self.before is None)):
            raise ValueError("a THRESHOLD with mode duty needs a duty and exactly one of within or before")
        return self


class WindowRule(_Strict):
    """WINDOW: each selected event lasts at most ``max`` (plus ``extension`` once an approval grants it)."""

    select: Select
    max: Duration
    extension: Duration | None = None
    extension_kind: str | None = None
    measure: str


class GateRule(_Strict):
    """GATE: a selected action is allowed only once a condition holds (``requires``) or while it does not
    (``blocks``); ``wait`` is the time that must pass after the condition (a notification period).

    ``revoked_by`` (``requires`` only) selects the records that take the condition back, matched to the
    action the same way as ``condition`` (by party, and by subject for ``match: subject``): of the condition
    and revoking records on or before the action, the later wins (on the same day, the one recorded later).
    So with ``condition: {evidence: approval, kind: vetting, result: cleared, match: subject}`` and
    ``revoked_by: {evidence: approval, kind: vetting, result: denied}``, a unit cleared and later denied is
    shut out again until a new clearance; the finding names the clearance and the denial.
    """

    action: Select
    condition: Duty
    mode: Literal["requires", "blocks"] = "requires"
    wait: Duration | None = None
    revoked_by: Select | None = None
    measure: str

    @model_validator(mode="after")
    def _revocable(self) -> GateRule:
        if self.revoked_by is not None and self.mode != "requires":
            raise ValueError("revoked_by takes back a condition a gate requires; it needs mode: requires")
        return self


class ReconcileRule(_Strict):
    """RECONCILE: a party's declared figure against the other party's observations and the sum of its parts.

    ``tolerance`` is absolute; ``tolerance_category`` reads it from the declaration (an uncertainty), times
    ``tolerance_factor``. ``observed_mode: each`` compares every observation with the declared total (a site
    cannot hold more than the whole), ``equal`` requires the latest observation to equal it (book vs physical).
    """

    category: str
    observed: Select
    observed_category: str | None = None
    parts: list[str] | None = None
    tolerance: float = 0.0
    tolerance_category: str | None = None
    tolerance_factor: float = 1.0
    observed_mode: Literal["each", "equal"] = "each"
    measure: str

    @field_validator("observed")
    @classmethod
    def _inspection(cls, value: Select) -> Select:
        if value.evidence != "inspection":
            raise ValueError("RECONCILE compares declarations with inspections; observed.evidence must be inspection")
        return value


Rule = LimitRule | QuotaRule | DeadlineRule | ThresholdRule | WindowRule | GateRule | ReconcileRule

KINDS: dict[str, type[Rule]] = {
    "LIMIT": LimitRule,
    "QUOTA": QuotaRule,
    "DEADLINE": DeadlineRule,
    "THRESHOLD": ThresholdRule,
    "WINDOW": WindowRule,
    "GATE": GateRule,
    "RECONCILE": ReconcileRule,
}
"""Rule kind -> its parameter model."""


def parse_rule(kind: str, parameters: dict[str, Any]) -> Rule:
    """Validate a rule's parameters for its kind (pydantic's ValidationError names every bad field)."""
    return KINDS[kind].model_validate(parameters)


DECLARATIONS = Select(evidence="declaration")
"""Every declaration: what LIMIT and RECONCILE read."""


def reads(rule: Rule) -> list[Select]:
    """Every selection of evidence a rule reads -- the rule's inputs. A record that matches none of them
    (by evidence type and kind) cannot change the rule's findings, which is what lets the incremental
    evaluator leave the rule alone when such a record is added."""
    if isinstance(rule, LimitRule):
        return [DECLARATIONS]
    if isinstance(rule, ReconcileRule):
        return [DECLARATIONS, rule.observed]
    if isinstance(rule, GateRule):
        return [rule.action, rule.condition, *([rule.revoked_by] if rule.revoked_by is not None else [])]
    if isinstance(rule, WindowRule):
        grants = [Select(evidence="approval", kind=rule.extension_kind)] if rule.extension_kind else []
        return [rule.select, *grants]
    if isinstance(rule, QuotaRule):
        return [rule.select]
    if isinstance(rule, ThresholdRule):
        return [rule.select, *([rule.duty] if rule.duty is not None else [])]
    return [*([rule.trigger] if rule.trigger is not None else []), rule.duty]


def judged(rule: Rule) -> Select | None:
    """The records a rule judges one by one, for rules whose every finding is about such a record: an
    action (GATE), a triggering event (DEADLINE with a ``trigger``), an event with figures (THRESHOLD), an
    event that lasts (WINDOW), or the events counted per counterpart or subject (QUOTA not ``per: party``).
    Where no record is selected such a rule has nothing to report, which lets the engine skip it.

    ``None`` for rules that judge every bound party whatever the evidence holds: a LIMIT or RECONCILE
    (no declaration is ``insufficient_data``), a QUOTA per party (none used is a finding), a DEADLINE on
    fixed dates or a recurrence (the duty falls due all the same)."""
    if isinstance(rule, GateRule):
        return rule.action
    if isinstance(rule, WindowRule | ThresholdRule):
        return rule.select
    if isinstance(rule, QuotaRule):
        return rule.select if rule.per != "party" else None
    if isinstance(rule, DeadlineRule):
        return rule.trigger
    return None


def reading(rule: Rule, evidence_type: str, kinds: set[str | None]) -> list[Select]:
    """The rule's selections that take records of one evidence type with these kinds."""
    return [
        select
        for select in reads(rule)
        if select.evidence == evidence_type and (select.kind is None or bool(kinds & set(select.kind)))
    ]


def touched_by(rule: Rule, evidence_type: str, kinds: set[str | None]) -> bool:
    """Whether records of one evidence type, with these kinds, are among the rule's inputs."""
    return bool(reading(rule, evidence_type, kinds))
