"""LIMIT: a party's counted holdings, from its latest declaration at each as-of date, against a ceiling.

The latest declaration is found with one as-of join for every party and date at once. A declaration that
does not give the counted categories (Russia's of 1 March 2023) makes the finding ``insufficient_data``:
the latest account is what the party owes, and a figure is never assumed.
"""

from __future__ import annotations

import polars as pl

from detente.compliance.kinds.common import Context, ceiling_margin_status, finish, num, refs, select
from detente.compliance.packs import ObligationSpec
from detente.compliance.rules import DECLARATIONS, LimitRule

__all__ = ["ceiling_status", "counted", "evaluate_limit"]


def counted(frame: pl.DataFrame, rule: LimitRule) -> pl.Expr:
    """The counted figure: the first counting whose categories the record all gives (else null)."""
    result: pl.Expr | None = None
    for counting in rule.count:
        if not all(name in frame.columns for name in counting):
            continue
        terms = [pl.col(name) * weight for name, weight in counting.items()]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        result = total if result is None else pl.coalesce(result, total)
    return result if result is not None else pl.lit(None, dtype=pl.Float64())


def ceiling_status(measured: pl.Expr, limit: pl.Expr, pct: float) -> pl.Expr:
    """compliant, at_risk (margin within ``pct`` % of the limit), breach; insufficient_data when unknown."""
    return (
        pl.when(measured.is_null())
        .then(pl.lit("insufficient_data"))
        .otherwise(ceiling_margin_status(limit - measured, limit, pct))
    )


def latest_declarations(context: Context, rule: LimitRule, parties: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """For each party and as-of date, its latest declaration (or none) and the counted figure in it."""
    records = select(context, DECLARATIONS)
    declared = (
        records.lazy()
        .select(
            "party",
            pl.col("time").dt.date().alias("declared_on"),
            pl.col("ref").alias("declaration"),
            pl.col("id").alias("declaration_id"),
            counted(records, rule).alias("measured"),
        )
        .filter(pl.col("party").is_not_null())
        .sort("declared_on", "declaration_id")
    )
    wanted = parties.lazy().join(context.dates_frame.lazy(), how="cross").sort("as_of")
    joined = wanted.join_asof(
        declared, left_on="as_of", right_on="declared_on", by="party", strategy="backward", check_sortedness=False
    )
    if rule.max_age is not None:
        too_old = pl.col("declared_on").dt.offset_by(rule.max_age) < pl.col("as_of")
        return joined.with_columns(
            pl.when(too_old).then(None).otherwise(pl.col("measured")).alias("measured"),
            too_old.fill_null(False).alias("stale"),
        )
    return joined.with_columns(pl.lit(False).alias("stale"))


def evaluate_limit(spec: ObligationSpec, rule: LimitRule, context: Context) -> pl.LazyFrame:
    """Findings of a LIMIT obligation for every bound party (or group) at every as-of date, as one lazy
    plan (the bound parties, the latest declaration of each at each date, the verdict)."""
    if rule.groups:
        return _evaluate_groups(spec, rule, context)
    parties = context.bound_plan(spec, select(context, DECLARATIONS))
    rows = latest_declarations(context, rule, parties)
    return _explain(rows.with_columns(pl.col("party_code").alias("who")), rule, context)


def _evaluate_groups(spec: ObligationSpec, rule: LimitRule, context: Context) -> pl.LazyFrame:
    members = pl.DataFrame(
        [
            {"group": name, "party_code": code, "party": context.evidence.ids.get(code)}
            for name in rule.groups or []
            for code in context.group(name)
        ],
        schema={"group": pl.String(), "party_code": pl.String(), "party": pl.Int64()},
    )
    saved, context.only_parties = context.only_parties, None
    try:
        rows = latest_declarations(context, rule, members)
    finally:
        context.only_parties = saved
    summed = rows.group_by("group", "as_of").agg(
        pl.col("measured").sum().alias("total"),
        pl.col("measured").null_count().alias("missing"),
        pl.col("declaration").sort_by("party_code").drop_nulls().str.join(" ").alias("evidence"),
        pl.col("declared_on").max().alias("declared_on"),
        pl.col("party_code").filter(pl.col("measured").is_null()).alias("without"),
    )
    summed = summed.with_columns(
        pl.when(pl.col("missing") > 0).then(None).otherwise(pl.col("total")).alias("measured"),
        pl.lit(None, dtype=pl.Int64()).alias("party"),
        pl.lit(None, dtype=pl.String()).alias("party_code"),
        pl.format("group {}", pl.col("group")).alias("subject"),
        pl.format("the {} group", pl.col("group")).alias("who"),
        pl.lit(False).alias("stale"),
    )
    return _explain(summed, rule, context, grouped=True)


def _explain(rows: pl.LazyFrame, rule: LimitRule, context: Context, *, grouped: bool = False) -> pl.LazyFrame:
    limit = pl.lit(float(rule.limit))
    status = ceiling_status(pl.col("measured"), limit, context.at_risk_pct)
    margin = limit - pl.col("measured")
    evidence = pl.col("evidence") if grouped else refs(pl.col("declaration"))
    out = rows.lazy().with_columns(
        status.alias("status"),
        limit.alias("limit"),
        margin.alias("margin"),
        pl.lit(rule.measure).alias("measure_name"),
        pl.lit("limit").alias("limit_name"),
        pl.col("declared_on").alias("period_from"),
        pl.col("as_of").alias("period_to"),
        evidence.alias("evidence"),
        *([_sentence(rule, limit, margin, grouped)] if context.explain else []),
    )
    return finish(out, context)


def _sentence(rule: LimitRule, limit: pl.Expr, margin: pl.Expr, grouped: bool) -> pl.Expr:
    """The one-sentence explanation of a LIMIT finding."""
    share = (margin / limit * 100).round(1).cast(pl.String)
    missing_text = (
        pl.format(
            "{} lacks figures from {} as of {}.", pl.col("who"), pl.col("without").list.join(", "), pl.col("as_of")
        )
        if grouped
        else pl.when(pl.col("declared_on").is_null())
        .then(pl.format("{} has no declaration on record as of {}.", pl.col("who"), pl.col("as_of")))
        .when(pl.col("stale"))
        .then(
            pl.format(
                "{}'s latest declaration ({}) is too old to judge {} as of {}.",
                pl.col("who"),
                pl.col("declared_on"),
                pl.lit(rule.measure),
                pl.col("as_of"),
            )
        )
        .otherwise(
            pl.format(
                "{}'s latest declaration ({}) gives no figure for {}.",
                pl.col("who"),
                pl.col("declared_on"),
                pl.lit(rule.measure),
            )
        )
    )
    explanation = (
        pl.when(pl.col("measured").is_null())
        .then(missing_text)
        .when(margin < 0)
        .then(
            pl.format(
                "{} declared {} {} as of {}, {} over the limit of {}.",
                pl.col("who"),
                num(pl.col("measured")),
                pl.lit(rule.measure),
                pl.col("declared_on"),
                num(-margin),
                num(limit),
            )
        )
        .otherwise(
            pl.format(
                "{} declared {} {} as of {}, within the limit of {} by {} ({}%).",
                pl.col("who"),
                num(pl.col("measured")),
                pl.lit(rule.measure),
                pl.col("declared_on"),
                num(limit),
                num(margin),
                share,
            )
        )
    )
    return explanation.alias("explanation")
