"""GATE: an action (an assistance offer, training for a unit, a case amendment) is allowed only once a
condition holds (``requires``: a notification period ended, a vetting cleared) or while it does not
(``blocks``: a case in final closure).

The same function judges recorded actions in bulk for the engine and a single proposed action for a service
(see :func:`detente.compliance.gates.check_gate`).
"""

from __future__ import annotations

import polars as pl

from detente.compliance.evidence import UTC_TIME
from detente.compliance.kinds.common import Context, finish, refs, select, shift, text_time, units_between
from detente.compliance.kinds.deadline import _relevant_events
from detente.compliance.packs import ObligationSpec
from detente.compliance.rules import GateRule

__all__ = ["evaluate_gate", "judge_actions"]


def judge_actions(actions: pl.DataFrame, rule: GateRule, context: Context) -> pl.DataFrame:
    """For each action row (``party``, ``subject``, ``time``, ``ref``): ``opens`` (when the gate opened, if
    ever), ``condition_ref``, ``allowed`` and ``reason``."""
    conditions = select(context, rule.condition).filter(pl.col(rule.condition.time).is_not_null())
    keys = ["party", "subject"] if rule.condition.match in ("subject", "trigger") else ["party"]
    conditions = conditions.select(
        *keys,
        pl.col(rule.condition.time).alias("held_from"),
        pl.col("ref").alias("condition_ref"),
        pl.col("id").alias("condition_id"),
    )
    wait = rule.wait
    if wait:
        conditions = conditions.with_columns(shift(pl.col("held_from"), wait).alias("opens"))
    else:
        conditions = conditions.with_columns(pl.col("held_from").alias("opens"))
    keyed = actions.with_row_index("action_no")
    candidates = keyed.select("action_no", *keys, "time").join(conditions, on=keys, how="inner")
    if rule.mode == "requires":
        candidates = candidates.filter(pl.col("held_from") <= pl.col("time"))
        first = (
            candidates.sort("opens", "condition_id")
            .group_by("action_no")
            .agg(pl.col("opens").first(), pl.col("condition_ref").first(), pl.col("held_from").first())
        )
        judged = keyed.join(first, on="action_no", how="left")
        allowed = pl.col("opens").is_not_null() & (pl.col("opens") <= pl.col("time"))
    else:
        candidates = candidates.filter(pl.col("held_from") <= pl.col("time"))
        first = (
            candidates.sort("held_from", "condition_id")
            .group_by("action_no")
            .agg(pl.col("opens").first(), pl.col("condition_ref").first(), pl.col("held_from").first())
        )
        judged = keyed.join(first, on="action_no", how="left")
        allowed = pl.col("condition_ref").is_null()
    day = text_time(pl.col("time"), "%Y-%m-%d")
    condition_kind = "/".join(rule.condition.kind or [rule.condition.evidence])
    if rule.mode == "requires":
        reason = (
            pl.when(allowed)
            .then(
                pl.format(
                    "the {} ({}) of {} opened the gate on {}",
                    pl.lit(condition_kind),
                    pl.col("condition_ref"),
                    text_time(pl.col("held_from"), "%Y-%m-%d"),
                    text_time(pl.col("opens"), "%Y-%m-%d"),
                )
            )
            .when(pl.col("condition_ref").is_not_null())
            .then(
                pl.format(
                    "it came on {}, before the period after the {} ({}) ended on {}",
                    day,
                    pl.lit(condition_kind),
                    pl.col("condition_ref"),
                    text_time(pl.col("opens"), "%Y-%m-%d"),
                )
            )
            .otherwise(pl.format("no {} for {} is on record before {}", pl.lit(condition_kind), pl.col("subject"), day))
        )
    else:
        reason = (
            pl.when(allowed)
            .then(pl.format("no {} for {} is on record before {}", pl.lit(condition_kind), pl.col("subject"), day))
            .otherwise(
                pl.format(
                    "it came on {}, after the {} ({}) of {} shut the gate",
                    day,
                    pl.lit(condition_kind),
                    pl.col("condition_ref"),
                    text_time(pl.col("held_from"), "%Y-%m-%d"),
                )
            )
        )
    if not context.explain:
        reason = pl.lit(None, dtype=pl.String())
    return judged.with_columns(allowed.alias("allowed"), reason.alias("reason"), pl.col("opens").cast(UTC_TIME))


def evaluate_gate(spec: ObligationSpec, rule: GateRule, context: Context) -> pl.LazyFrame:
    """Findings of a GATE obligation: one per recorded action and as-of date."""
    actions = select(context, rule.action).filter(pl.col("party").is_not_null() & pl.col("time").is_not_null())
    judged = judge_actions(actions, rule, context)
    rows = _relevant_events(judged, context)
    known_condition = pl.col("held_from").is_not_null() & (pl.col("held_from") < pl.col("as_of_end"))
    margin = pl.when(pl.col("opens").is_not_null()).then(units_between(pl.col("time"), pl.col("opens"), "days"))
    out = rows.lazy().with_columns(
        pl.when(pl.col("allowed")).then(pl.lit("compliant")).otherwise(pl.lit("breach")).alias("status"),
        pl.lit(rule.measure).alias("measure_name"),
        pl.lit("days after the gate opened").alias("limit_name"),
        margin.alias("margin"),
        pl.col("ref").alias("subject"),
        pl.col("opens").alias("due"),
        refs(pl.col("ref"), pl.when(known_condition).then(pl.col("condition_ref"))).alias("evidence"),
        pl.format(
            "{}: {} {} for {} {}: {}.",
            pl.col("party_code"),
            pl.col("kind"),
            pl.col("ref"),
            pl.col("subject"),
            pl.when(pl.col("allowed")).then(pl.lit("was allowed")).otherwise(pl.lit("breached the gate")),
            pl.col("reason"),
        ).alias("explanation"),
    )
    return finish(out, context)
