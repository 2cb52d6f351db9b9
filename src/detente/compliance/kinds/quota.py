"""QUOTA: how many selected events a party (or a pair, or a subject) has had in the period that holds each
as-of date, against a maximum (quota left) or a minimum (events still needed).

Periods recur every ``months`` from an anchor (a treaty year from entry into force, a calendar year). For
a minimum, the period just ended is judged too: ending it short is ``overdue``.
"""

from __future__ import annotations

import polars as pl

from detente.compliance.kinds.common import Context, ceiling_margin_status, finish, grid, num, select
from detente.compliance.packs import ObligationSpec
from detente.compliance.rules import QuotaRule, Recurrence

__all__ = ["evaluate_quota", "period_start"]


def period_start(day: pl.Expr, recurrence: Recurrence) -> pl.Expr:
    """The first day of the period (of ``months`` from ``anchor``) that holds ``day``."""
    anchor = recurrence.anchor
    months = (day.dt.year() - anchor.year) * 12 + (day.dt.month().cast(pl.Int32) - anchor.month)
    months = months - (day.dt.day() < anchor.day).cast(pl.Int32)
    index = months.floordiv(recurrence.months)
    total = anchor.year * 12 + (anchor.month - 1) + index * recurrence.months
    return pl.date(total.floordiv(12), total.mod(12) + 1, anchor.day)


def _counted(events: pl.DataFrame, wanted: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """The events of each party (and ``key``) in the period of each as-of date, up to that date: how many
    (``used``) and which (``evidence``)."""
    return (
        events.join(wanted, on="period_from")
        .filter(pl.col("day") <= pl.col("as_of"))
        .group_by("party", "party_code", *key, "as_of", "current")
        .agg(pl.len().alias("used"), pl.col("ref").sort_by("id").str.join(" ").alias("evidence"))
    )


def evaluate_quota(spec: ObligationSpec, rule: QuotaRule, context: Context) -> pl.LazyFrame:
    """Findings of a QUOTA obligation for every bound party (or pair) at every as-of date."""
    events = select(context, rule.select).filter(pl.col("party").is_not_null())
    key = {"party": [], "counterpart": ["counterpart", "counterpart_code"], "subject": ["subject"]}[rule.per]
    months = f"{rule.period.months}mo"
    dates = context.dates_frame.with_columns(period_start(pl.col("as_of"), rule.period).alias("period_from"))
    periods = [dates.with_columns(pl.lit(True).alias("current"))]
    if rule.min is not None:
        previous = dates.with_columns(pl.col("period_from").dt.offset_by(f"-{months}").alias("period_from"))
        periods.append(previous.with_columns(pl.lit(False).alias("current")))
    wanted = pl.concat(periods).with_columns(
        pl.col("period_from").dt.offset_by(months).dt.offset_by("-1d").alias("period_to")
    )
    events = events.with_columns(pl.col("time").dt.date().alias("day")).with_columns(
        period_start(pl.col("day"), rule.period).alias("period_from")
    )
    if not key:
        base = grid(context.bound_parties(spec, events), context).join(
            wanted.select("as_of", "current", "period_from", "period_to"), on="as_of"
        )
        if events.is_empty():  # nothing counted: each party used none (the rows the join would give, sooner)
            rows = base.with_columns(
                pl.lit(None, dtype=pl.UInt32).alias("used"), pl.lit(None, dtype=pl.String).alias("evidence")
            )
        else:
            rows = base.join(_counted(events, wanted, key), on=["party", "party_code", "as_of", "current"], how="left")
    else:
        rows = _counted(events, wanted, key).join(
            wanted.select("as_of", "current", "period_from", "period_to"), on=["as_of", "current"]
        )
    rows = rows.with_columns(
        pl.col("used").fill_null(0).cast(pl.Float64),
        pl.col("evidence").fill_null(""),
    )
    who = pl.col("party_code")
    if rule.per == "counterpart":
        who = pl.format("{} from {}", pl.col("party_code"), pl.col("counterpart_code"))
    elif rule.per == "subject":
        who = pl.format("{} at {}", pl.col("party_code"), pl.col("subject"))
    used = pl.col("used")
    if rule.max is not None:
        limit = pl.lit(float(rule.max))
        margin = limit - used
        status = ceiling_margin_status(margin, limit, context.at_risk_pct)
        explanation = (
            pl.when(margin < 0)
            .then(
                pl.format(
                    "{}: {} {} in the period {} to {}, {} over the maximum of {}.",
                    who,
                    num(used),
                    pl.lit(rule.measure),
                    pl.col("period_from"),
                    pl.col("period_to"),
                    num(-margin),
                    num(limit),
                )
            )
            .when(used == 0)
            .then(
                pl.format(
                    "{}: no {} on record in the period {} to {} so far; {} of {} left.",
                    who,
                    pl.lit(rule.measure),
                    pl.col("period_from"),
                    pl.col("period_to"),
                    num(margin),
                    num(limit),
                )
            )
            .otherwise(
                pl.format(
                    "{}: {} {} in the period {} to {} so far; {} of {} left.",
                    who,
                    num(used),
                    pl.lit(rule.measure),
                    pl.col("period_from"),
                    pl.col("period_to"),
                    num(margin),
                    num(limit),
                )
            )
        )
        limit_name = "maximum"
    else:
        limit = pl.lit(float(rule.min or 0))
        margin = used - limit
        status = (
            pl.when(margin >= 0)
            .then(pl.lit("compliant"))
            .when(pl.col("current"))
            .then(pl.lit("at_risk"))
            .otherwise(pl.lit("overdue"))
        )
        explanation = (
            pl.when(margin >= 0)
            .then(
                pl.format(
                    "{}: {} {} in the period {} to {}; at least {} required.",
                    who,
                    num(used),
                    pl.lit(rule.measure),
                    pl.col("period_from"),
                    pl.col("period_to"),
                    num(limit),
                )
            )
            .when(pl.col("current"))
            .then(
                pl.format(
                    "{}: {} {} so far in the period {} to {}; {} more needed by its end.",
                    who,
                    num(used),
                    pl.lit(rule.measure),
                    pl.col("period_from"),
                    pl.col("period_to"),
                    num(-margin),
                )
            )
            .otherwise(
                pl.format(
                    "{}: the period {} to {} ended with {} {}; at least {} were required.",
                    who,
                    pl.col("period_from"),
                    pl.col("period_to"),
                    num(used),
                    pl.lit(rule.measure),
                    num(limit),
                )
            )
        )
        limit_name = "minimum"
    # a finding is about one period (a minimum judges the period just ended as well as the current one)
    subject = pl.format("period:{}", pl.col("period_from"))
    if rule.per == "counterpart":
        subject = pl.format("counterpart {} period:{}", pl.col("counterpart_code"), pl.col("period_from"))
    elif rule.per == "subject":
        subject = pl.format("{} period:{}", pl.col("subject"), pl.col("period_from"))
    out = rows.lazy().with_columns(
        used.alias("measured"),
        limit.alias("limit"),
        margin.alias("margin"),
        status.alias("status"),
        explanation.alias("explanation"),
        pl.lit(rule.measure).alias("measure_name"),
        pl.lit(limit_name).alias("limit_name"),
        (pl.col("period_to").cast(pl.Datetime("us")) + pl.duration(days=1)).dt.replace_time_zone("UTC").alias("due"),
        subject.alias("subject"),
    )
    return finish(out, context)
