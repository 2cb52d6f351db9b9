"""WINDOW: each selected event (an inspection on site, a CTBT on-site inspection) lasts at most ``max``.

The duration runs from arrival (or start day) to departure (or the end of the last day); an event still
under way at the as-of date is judged on the time so far. An ``extension`` is added once an approval of
``extension_kind`` for the same subject has cleared it.
"""

from __future__ import annotations

import polars as pl

from detente.compliance.kinds.common import (
    Context,
    ceiling_margin_status,
    finish,
    num,
    refs,
    select,
    shift,
    unit_of,
    units_between,
)
from detente.compliance.kinds.deadline import _relevant_events
from detente.compliance.packs import ObligationSpec
from detente.compliance.rules import Select, WindowRule

__all__ = ["evaluate_window"]


def evaluate_window(spec: ObligationSpec, rule: WindowRule, context: Context) -> pl.LazyFrame:
    """Findings of a WINDOW obligation: one per event and as-of date."""
    unit = unit_of(rule.max)
    rows = _relevant_events(select(context, rule.select).filter(pl.col("party").is_not_null()), context)
    cap_end = shift(pl.col("time"), rule.max)
    extended = pl.lit(False)
    if rule.extension and rule.extension_kind:
        grants = select(
            context, Select(evidence="approval", kind=rule.extension_kind, result="cleared"), any_party=True
        ).select(
            "subject", pl.col("time").alias("granted"), pl.col("ref").alias("grant_ref"), pl.col("id").alias("grant_id")
        )
        # the earliest grant for each subject (the first recorded, where two share a moment)
        grants = grants.sort("granted", "grant_id").group_by("subject").agg(pl.col("granted", "grant_ref").first())
        rows = rows.join(grants, on="subject", how="left")
        extended = pl.col("granted").is_not_null() & (pl.col("granted") < pl.col("as_of_end"))
        cap_end = pl.when(extended).then(shift(cap_end, rule.extension)).otherwise(cap_end)
    else:
        rows = rows.with_columns(pl.lit(None, dtype=pl.String()).alias("grant_ref"))
    finished = pl.col("end").is_not_null() & (pl.col("end") < pl.col("as_of_end"))
    until = pl.when(finished).then(pl.col("end")).otherwise(pl.col("as_of_end"))
    measured = units_between(until, pl.col("time"), unit)
    limit = units_between(cap_end, pl.col("time"), unit)
    margin = limit - measured
    status = ceiling_margin_status(margin, limit, context.at_risk_pct)
    state = pl.when(finished).then(pl.lit("lasted")).otherwise(pl.lit("has lasted so far"))
    explanation = pl.format(
        "{}: {} {} {} {} {}, {} the {} {} allowed{}.",
        pl.col("party_code"),
        pl.col("kind"),
        pl.col("ref"),
        state,
        num(measured),
        pl.lit(unit),
        pl.when(margin < 0).then(pl.lit("beyond")).otherwise(pl.lit("within")),
        num(limit),
        pl.lit(unit),
        pl.when(extended).then(pl.lit(" (with the extension granted)")).otherwise(pl.lit("")),
    )
    out = rows.lazy().with_columns(
        status.alias("status"),
        measured.alias("measured"),
        limit.alias("limit"),
        margin.alias("margin"),
        pl.lit(f"{rule.measure} ({unit})").alias("measure_name"),
        pl.lit(f"maximum {unit}").alias("limit_name"),
        pl.col("ref").alias("subject"),
        refs(pl.col("ref"), pl.when(extended).then(pl.col("grant_ref"))).alias("evidence"),
        explanation.alias("explanation"),
    )
    return finish(out, context)
