"""DEADLINE and THRESHOLD: a duty discharged within a time after its trigger, or at least a time before it.

A trigger is a selected event (an exercise, an inspection, a change in data), a fixed date or a recurring
period end; THRESHOLD triggers only on events whose figures reach a value (9,000 troops ...). The duty is
the first matching evidence record: the notification that names the trigger, a record on the same subject,
any record of the same party in the window, or the declaration for the period.

At an as-of date each trigger is one finding: compliant (on time, with the margin), breach (late, or the
event took place without it), overdue (due and still missing; or insufficient_data where the record has
known gaps), at_risk (not yet due, nothing on record). Only triggers whose date or due date falls within
the look-back window before the as-of date (and the horizon after it) are reported.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from detente.compliance.evidence import UTC_TIME
from detente.compliance.kinds.common import (
    FINDING_COLUMNS,
    Context,
    by_case,
    finish,
    in_window,
    num,
    refs,
    reported_ever,
    select,
    shift,
    text_time,
    unit_of,
    units_between,
)
from detente.compliance.packs import ObligationSpec
from detente.compliance.rules import DeadlineRule, Duty, Recurrence, ThresholdRule

__all__ = ["evaluate_deadline", "evaluate_duty", "evaluate_threshold", "occurrences"]

TRIGGER_SCHEMA = {
    "party": pl.Int64(),
    "party_code": pl.String(),
    "trigger_ref": pl.String(),
    "trigger_time": UTC_TIME,
    "trigger_label": pl.String(),
    "subject": pl.String(),
    "next_time": UTC_TIME,
}


def occurrences(recurrence: Recurrence, last: date) -> list[date]:
    """Recurring dates from the anchor up to ``last``."""
    if last < recurrence.anchor:
        return []
    days = pl.date_range(recurrence.anchor, last, interval=f"{recurrence.months}mo", eager=True)
    return list(days.to_list())


def _event_triggers(context: Context, events: pl.DataFrame, time_field: str) -> pl.DataFrame:
    return events.filter(pl.col("party").is_not_null() & pl.col(time_field).is_not_null()).select(
        "party",
        "party_code",
        pl.col("ref").alias("trigger_ref"),
        pl.col(time_field).alias("trigger_time"),
        pl.format("{} {}", pl.col("kind"), pl.col("ref")).alias("trigger_label"),
        "subject",
        pl.lit(None, dtype=UTC_TIME).alias("next_time"),
    )


def _date_triggers(spec: ObligationSpec, rule: DeadlineRule, context: Context) -> pl.DataFrame:
    last = max(context.dates).toordinal() + context.horizon_days
    if rule.recurrence is not None:
        days = occurrences(rule.recurrence, date.fromordinal(last))
        step = f"{rule.recurrence.months}mo"
    else:
        days = sorted(rule.dates or [])
        step = None
    parties = context.bound_parties(spec, select(context, rule.duty))
    if not days or parties.is_empty():
        return pl.DataFrame(schema=TRIGGER_SCHEMA)
    moments = pl.DataFrame({"day": days}, schema={"day": pl.Date()}).with_columns(
        pl.col("day").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("trigger_time")
    )
    moments = moments.with_columns(
        (shift(pl.col("trigger_time"), step) if step else pl.lit(None, dtype=UTC_TIME)).alias("next_time"),
        pl.format("the period ending {}", pl.col("day")).alias("trigger_label"),
    )
    return parties.join(moments, how="cross").select(
        "party",
        "party_code",
        pl.lit(None, dtype=pl.String()).alias("trigger_ref"),
        "trigger_time",
        "trigger_label",
        pl.lit(None, dtype=pl.String()).alias("subject"),
        "next_time",
    )


def evaluate_deadline(spec: ObligationSpec, rule: DeadlineRule, context: Context) -> pl.LazyFrame:
    """Findings of a DEADLINE obligation: one per trigger and as-of date."""
    if rule.trigger is not None:
        triggers = _event_triggers(context, select(context, rule.trigger), rule.trigger_time)
    else:
        triggers = _date_triggers(spec, rule, context)
    return evaluate_duty(triggers, rule.duty, rule.within, rule.before, rule.absent, rule.measure, context)


def evaluate_threshold(spec: ObligationSpec, rule: ThresholdRule, context: Context) -> pl.LazyFrame:
    """Findings of a THRESHOLD obligation: per selected event, below the threshold (compliant, no duty),
    or at/above it with the duty judged as a deadline (``mode: duty``) or the crossing judged (cap/floor)."""
    events = select(context, rule.select).filter(pl.col("party").is_not_null())
    given = [pl.col(name).is_not_null() for name in rule.any_at_least if name in events.columns]
    events = events.filter(pl.any_horizontal(given)) if given else events.clear()
    tests = [
        ((pl.col(name) > value) if rule.strict else (pl.col(name) >= value)).fill_null(False)
        if name in events.columns
        else pl.lit(False)
        for name, value in rule.any_at_least.items()
    ]
    crossed = pl.any_horizontal(tests)
    first, first_value = next(iter(rule.any_at_least.items()))
    figure = pl.col(first) if first in events.columns else pl.lit(None, dtype=pl.Float64())
    events = events.with_columns(crossed.alias("crossed"), figure.cast(pl.Float64).alias("figure"))
    sign = ">" if rule.strict else ">="
    figures_text = ", ".join(f"{name} {sign} {value:g}" for name, value in rule.any_at_least.items())
    below = events.filter(~pl.col("crossed")) if rule.mode != "floor" else events.filter(pl.col("crossed"))
    judged = events.filter(pl.col("crossed")) if rule.mode != "floor" else events.filter(~pl.col("crossed"))
    quiet_text = {
        "duty": "below every threshold ({}); no duty arises",
        "cap": "within the cap (a breach if {})",
        "floor": "enough: the threshold ({}) is met",
    }[rule.mode]
    quiet = _threshold_findings(
        below, context, "compliant", first, first_value, "is " + quiet_text.format(figures_text) + "."
    )
    if rule.mode == "duty":
        assert rule.duty is not None
        triggers = _event_triggers(context, judged, rule.trigger_time)
        duty = evaluate_duty(triggers, rule.duty, rule.within, rule.before, "overdue", rule.measure, context)
        return pl.concat([finish(quiet, context), duty], how="vertical_relaxed")
    crossing = _threshold_findings(
        judged,
        context,
        "breach",
        first,
        first_value,
        ("reaches" if rule.mode == "cap" else "falls short of") + " the threshold ({}) for {}.",
        pl.lit(figures_text),
        pl.lit(rule.measure),
    )
    return pl.concat([finish(quiet, context), finish(crossing, context)], how="vertical_relaxed")


def _threshold_findings(
    events: pl.DataFrame,
    context: Context,
    status: str,
    measure: str,
    threshold: float,
    verdict: str,
    *verdict_values: pl.Expr,
) -> pl.LazyFrame:
    """Findings of ``status`` for THRESHOLD events, one per event and as-of date it stays relevant.

    Both sides of a threshold -- the events below it and those that cross it -- are reported the same way:
    the event's first figure (``measure``) against the first ``threshold`` value, the event as evidence and
    subject, and a sentence naming party, event kind, reference and figure, followed by ``verdict`` (a
    format string whose ``{}`` are filled from ``verdict_values``). Only the status and the verdict differ.
    """
    return (
        _relevant_events(events, context)
        .lazy()
        .with_columns(
            pl.lit(status).alias("status"),
            pl.col("figure").alias("measured"),
            pl.lit(threshold).alias("limit"),
            (pl.lit(threshold) - pl.col("figure")).alias("margin"),
            pl.lit(measure).alias("measure_name"),
            pl.lit("threshold").alias("limit_name"),
            pl.format(
                "{}: {} {} ({} {}) " + verdict,
                pl.col("party_code"),
                pl.col("kind"),
                pl.col("ref"),
                num(pl.col("figure")),
                pl.lit(measure),
                *verdict_values,
            ).alias("explanation"),
            pl.col("ref").alias("evidence"),
            pl.col("ref").alias("subject"),
        )
    )


def _relevant_events(events: pl.DataFrame, context: Context) -> pl.DataFrame:
    """Each event at every as-of date from its time to the end of the look-back window."""
    saved, context.horizon_days = context.horizon_days, 0
    try:
        rows = in_window(events.filter(pl.col("time").is_not_null()), context, "time", "time")
    finally:
        context.horizon_days = saved
    return rows.with_columns(pl.col("time").dt.date().alias("period_from"), pl.col("as_of").alias("period_to"))


def _match(keyed: pl.DataFrame, records: pl.DataFrame, duty: Duty, context: Context, before: bool) -> pl.DataFrame:
    """Trigger rows x the duty records that match them (``trigger_no``, ``duty_time``, ``duty_ref``)."""
    if duty.match == "trigger":
        joined = keyed.join(records.drop("party", "subject"), left_on="trigger_ref", right_on="trigger", how="inner")
    elif duty.match == "subject":
        joined = keyed.join(records.drop("trigger"), on=["party", "subject"], how="inner").filter(
            pl.col("duty_ref") != pl.col("trigger_ref")
        )
        if not before:
            joined = joined.filter(pl.col("duty_time") >= pl.col("trigger_time"))
    elif duty.match == "period":
        joined = keyed.join(records.drop("trigger", "subject"), on="party", how="inner").filter(
            pl.col("duty_time") == pl.col("trigger_time")
        )
    else:
        joined = keyed.join(records.drop("trigger", "subject"), on="party", how="inner")
        if before:
            lower = shift(pl.col("trigger_time"), f"{context.lookback_days}d", back=True)
            joined = joined.filter(pl.col("duty_time") > lower)
        else:
            joined = joined.filter(pl.col("duty_time") >= pl.col("trigger_time"))
        joined = joined.filter(pl.col("next_time").is_null() | (pl.col("duty_time") < pl.col("next_time")))
    return (
        joined.sort("duty_time", "duty_id")
        .group_by("trigger_no")
        .agg(pl.col("duty_time").first(), pl.col("duty_ref").first())
    )


def _duties(triggers: pl.DataFrame, duty: Duty, context: Context, before: bool) -> pl.DataFrame:
    """For each trigger, the first matching duty record (``duty_time``, ``duty_ref``) and, where the duty
    requires figures, the first matching record that lacks them (``empty_ref``: the party answered
    without the figures owed)."""
    records = select(context, duty, any_party=duty.match == "trigger").filter(pl.col(duty.time).is_not_null())
    complete = pl.all_horizontal(
        [pl.col(n).is_not_null() if n in records.columns else pl.lit(False) for n in duty.require or []]
        or [pl.lit(True)]
    )
    records = records.select(
        "party",
        "subject",
        "trigger",
        pl.col(duty.time).alias("duty_time"),
        pl.col("ref").alias("duty_ref"),
        pl.col("id").alias("duty_id"),
        complete.alias("complete"),
    )
    keyed = triggers.with_row_index("trigger_no")
    full = _match(keyed, records.filter(pl.col("complete")).drop("complete"), duty, context, before)
    empty = _match(keyed, records.filter(~pl.col("complete")).drop("complete"), duty, context, before).select(
        "trigger_no", pl.col("duty_time").alias("empty_time"), pl.col("duty_ref").alias("empty_ref")
    )
    return keyed.join(full, on="trigger_no", how="left").join(empty, on="trigger_no", how="left").drop("trigger_no")


def _any_reported(triggers: pl.DataFrame, offset: str, is_before: bool, context: Context) -> bool:
    """Will any trigger be reported at an as-of date (see :func:`evaluate_duty`, which asks the same of
    each trigger through :func:`~detente.compliance.kinds.common.in_window`)?"""
    if triggers.is_empty():
        return False
    due = shift(pl.col("trigger_time"), offset, back=is_before)
    span = triggers.select(
        pl.min_horizontal(pl.col("trigger_time"), due).alias("first"),
        pl.max_horizontal(pl.col("trigger_time"), due).alias("last"),
    )
    return reported_ever(span["first"], span["last"], context)


def evaluate_duty(
    triggers: pl.DataFrame,
    duty: Duty,
    within: str | None,
    before: str | None,
    absent: str,
    measure: str,
    context: Context,
) -> pl.LazyFrame:
    """Judge a duty for each trigger at each as-of date (see the module docstring)."""
    is_before = before is not None
    offset = before if before is not None else within
    assert offset is not None
    unit = unit_of(offset)
    if not _any_reported(triggers, offset, is_before, context):
        # no trigger or due date near an as-of date (the initial exchange of 2011 seen from 2019): no finding,
        # and no need to look for the duties
        return pl.LazyFrame(schema=FINDING_COLUMNS)
    rows = _duties(triggers, duty, context, is_before).with_columns(
        shift(pl.col("trigger_time"), offset, back=is_before).alias("due")
    )
    # Everything that does not depend on the as-of date is computed once per trigger, before the rows are
    # repeated for each as-of date they are reported at.
    per_trigger_required = units_between(pl.col("trigger_time"), pl.col("due"), unit).abs()
    if is_before:
        per_trigger_measured = units_between(pl.col("trigger_time"), pl.col("duty_time"), unit)
        per_trigger_margin = per_trigger_measured - per_trigger_required
    else:
        per_trigger_measured = units_between(pl.col("duty_time"), pl.col("trigger_time"), unit)
        per_trigger_margin = per_trigger_required - per_trigger_measured
    rows = rows.with_columns(
        pl.min_horizontal("trigger_time", "due").alias("_first"),
        pl.max_horizontal("trigger_time", "due").alias("_last"),
        per_trigger_required.alias("_required"),
        per_trigger_measured.alias("_measured"),
        per_trigger_margin.alias("_margin"),
        pl.coalesce(pl.col("trigger_ref"), pl.format("period:{}", pl.col("trigger_time").dt.date())).alias("_subject"),
        pl.col("trigger_time").dt.date().alias("_period_from"),
        pl.col("due").dt.date().alias("_period_to"),
        refs(pl.col("trigger_ref"), pl.col("duty_ref")).alias("_with_duty"),
        refs(pl.col("trigger_ref"), pl.col("empty_ref")).alias("_with_empty"),
        refs(pl.col("trigger_ref")).alias("_alone"),
    )
    rows = in_window(rows, context, "_first", "_last").drop("_first", "_last")
    known = pl.col("duty_time").is_not_null() & (pl.col("duty_time") < pl.col("as_of_end"))
    on_time = pl.col("duty_time") <= pl.col("due")
    happened = pl.col("trigger_time") < pl.col("as_of_end")
    passed = pl.col("due") < pl.col("as_of_end")
    answered_empty = pl.col("empty_time").is_not_null() & (pl.col("empty_time") < pl.col("as_of_end"))
    required = pl.col("_required")
    measured = pl.col("_measured")
    margin = pl.col("_margin")
    status = (
        pl.when(known & on_time)
        .then(pl.lit("compliant"))
        .when(known)
        .then(pl.lit("breach"))
        .when(passed & happened & pl.lit(is_before))
        .then(pl.lit("breach"))
        .when(passed & answered_empty)
        .then(pl.lit("overdue"))
        .when(passed)
        .then(pl.lit(absent))
        .otherwise(pl.lit("at_risk"))
    )
    who = pl.col("party_code")
    label = pl.col("trigger_label")
    when_text = text_time(pl.col("trigger_time"))
    due_text = text_time(pl.col("due"))
    relation = "before" if is_before else "after"
    bound = "at least" if is_before else "at most"
    short = "short of" if is_before else "beyond"
    what = pl.lit(measure)
    cases = [
        (
            known & on_time,
            pl.format(
                f"{{}}: {{}} ({{}}) came {{}} {unit} {relation} {{}} on {{}}; the rule asks for {bound} {{}}.",
                who,
                what,
                pl.col("duty_ref"),
                num(measured),
                label,
                when_text,
                num(required),
            ),
        ),
        (
            known,
            pl.format(
                f"{{}}: {{}} ({{}}) came {{}} {unit} {relation} {{}} on {{}}, {short} the {{}} {unit} the rule sets.",
                who,
                what,
                pl.col("duty_ref"),
                num(measured),
                label,
                when_text,
                num(required),
            ),
        ),
        (
            passed & happened & pl.lit(is_before),
            pl.format(
                "{}: {} is not on record before {} on {}; it was due by {}.", who, what, label, when_text, due_text
            ),
        ),
        (
            passed & answered_empty,
            pl.format(
                "{}: {} for {} was due by {}; the record on file ({}) gives none of the figures owed.",
                who,
                what,
                label,
                due_text,
                pl.col("empty_ref"),
            ),
        ),
        (
            passed & pl.lit(absent == "overdue"),
            pl.format(
                "{}: {} for {} was due by {} and is not on record as of {}.",
                who,
                what,
                label,
                due_text,
                pl.col("as_of"),
            ),
        ),
        (
            passed,
            pl.format(
                "{}: no record of {} for {} (due by {}); detente's record for it may be incomplete.",
                who,
                what,
                label,
                due_text,
            ),
        ),
        (pl.lit(True), pl.format("{}: {} for {} is due by {}; none on record yet.", who, what, label, due_text)),
    ]
    rows = by_case(rows, cases, "explanation") if context.explain else rows
    upcoming = pl.lit(False) if is_before else ~happened
    out = rows.lazy().with_columns(
        status.alias("status"),
        pl.when(known).then(measured).otherwise(None).alias("measured"),
        required.alias("limit"),
        pl.when(known).then(margin).otherwise(units_between(pl.col("due"), pl.col("as_of_end"), unit)).alias("margin"),
        pl.lit(f"{measure} ({unit} {relation})").alias("measure_name"),
        pl.lit(f"{'minimum' if is_before else 'maximum'} {unit}").alias("limit_name"),
        pl.col("_period_from").alias("period_from"),
        pl.col("_period_to").alias("period_to"),
        pl.col("_subject").alias("subject"),
        pl.when(known)
        .then(pl.col("_with_duty"))
        .when(answered_empty)
        .then(pl.col("_with_empty"))
        .otherwise(pl.col("_alone"))
        .alias("evidence"),
        upcoming.alias("upcoming"),
    )
    return finish(out, context)
