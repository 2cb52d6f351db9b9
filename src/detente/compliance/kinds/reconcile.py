"""RECONCILE: a party's declared figure against the other party's inspection results and against the sum of
its declared parts.

At each as-of date the party's latest declaration giving the category is compared with (a) the sum of its
parts, when the declaration gives them all, and (b) every inspection of the party since that declaration
(``each``: no site may hold more than the declared total; ``equal``: the latest observation must equal it,
within the tolerance). Any difference is a ``breach`` that names both figures; with nothing to compare, the
finding is ``insufficient_data``.
"""

from __future__ import annotations

import polars as pl

from detente.compliance.kinds.common import Context, finish, grid, num, refs, select
from detente.compliance.packs import ObligationSpec
from detente.compliance.rules import DECLARATIONS, ReconcileRule

__all__ = ["evaluate_reconcile"]


def evaluate_reconcile(spec: ObligationSpec, rule: ReconcileRule, context: Context) -> pl.LazyFrame:
    """Findings of a RECONCILE obligation for every bound party at every as-of date."""
    declarations = select(context, DECLARATIONS)
    category = rule.category
    if category not in declarations.columns:
        declarations = declarations.with_columns(pl.lit(None, dtype=pl.Float64()).alias(category))
    parts = rule.parts or []
    part_sum: pl.Expr = pl.lit(None, dtype=pl.Float64())
    if parts and all(p in declarations.columns for p in parts):
        part_sum = pl.sum_horizontal(parts).cast(pl.Float64)
        part_sum = pl.when(pl.all_horizontal(pl.col(p).is_not_null() for p in parts)).then(part_sum)
    tolerance = pl.lit(rule.tolerance)
    if rule.tolerance_category and rule.tolerance_category in declarations.columns:
        tolerance = pl.col(rule.tolerance_category).fill_null(0.0) * rule.tolerance_factor + rule.tolerance
    declared = (
        declarations.filter(pl.col(category).is_not_null())
        .select(
            "party",
            pl.col("time").alias("declared_at"),
            pl.col("ref").alias("declaration"),
            pl.col("id").alias("declaration_id"),
            pl.col(category).alias("declared"),
            part_sum.alias("parts"),
            tolerance.alias("tolerance"),
        )
        .sort("declared_at", "declaration_id")
    )
    parties = context.bound_parties(spec, declarations)
    rows = grid(parties, context).with_columns(pl.col("as_of_end").alias("t")).sort("t")
    rows = rows.join_asof(
        declared, left_on="t", right_on="declared_at", by="party", strategy="backward", check_sortedness=False
    )
    rows = rows.with_columns(pl.col("as_of_end").dt.offset_by("-1d").alias("t")).with_columns(
        pl.when(pl.col("declared_at") < pl.col("as_of_end")).then(pl.col("declared")).alias("declared")
    )
    observed_category = rule.observed_category or category
    observations = select(context, rule.observed)
    if observed_category not in observations.columns:
        observations = observations.with_columns(pl.lit(None, dtype=pl.Float64()).alias(observed_category))
    observations = observations.filter(pl.col(observed_category).is_not_null()).select(
        "party",
        pl.col("time").alias("seen_at"),
        pl.col("ref").alias("seen_ref"),
        pl.col("id").alias("seen_id"),
        pl.col(observed_category).alias("seen"),
        pl.col("subject").alias("site"),
        pl.col("counterpart_code").alias("inspector"),
    )
    matched = (
        rows.select("party", "as_of", "as_of_end", "declared_at")
        .join(observations, on="party", how="inner")
        .filter((pl.col("seen_at") >= pl.col("declared_at")) & (pl.col("seen_at") < pl.col("as_of_end")))
    )
    if rule.observed_mode == "each":
        picked = matched.sort("seen", "seen_at", "seen_id", descending=True)
    else:
        picked = matched.sort("seen_at", "seen_id", descending=True)
    best = picked.group_by("party", "as_of").agg(
        pl.col("seen").first(),
        pl.col("seen_ref").first(),
        pl.col("site").first(),
        pl.col("inspector").first(),
        pl.col("seen_ref").str.join(" ").alias("seen_refs"),
    )
    rows = rows.join(best, on=["party", "as_of"], how="left")
    seen_off = (pl.col("seen") - pl.col("declared")) > pl.col("tolerance")
    if rule.observed_mode == "equal":
        seen_off = (pl.col("seen") - pl.col("declared")).abs() > pl.col("tolerance")
    parts_off = (pl.col("parts") - pl.col("declared")).abs() > pl.col("tolerance")
    has_seen = pl.col("seen").is_not_null()
    has_parts = pl.col("parts").is_not_null()
    bad_seen = has_seen & seen_off
    bad_parts = has_parts & parts_off
    status = (
        pl.when(pl.col("declared").is_null())
        .then(pl.lit("insufficient_data"))
        .when(bad_seen | bad_parts)
        .then(pl.lit("breach"))
        .when(has_seen | has_parts)
        .then(pl.lit("compliant"))
        .otherwise(pl.lit("insufficient_data"))
    )
    measured = pl.when(bad_seen | (has_seen & ~bad_parts)).then(pl.col("seen")).otherwise(pl.col("parts"))
    out = rows.lazy().with_columns(
        status.alias("status"),
        measured.alias("measured"),
        pl.col("declared").alias("limit"),
        (pl.col("declared") - measured).alias("margin"),
        pl.lit(f"observed {rule.measure}").alias("measure_name"),
        pl.lit(f"declared {rule.measure}").alias("limit_name"),
        pl.col("declared_at").dt.date().alias("period_from"),
        pl.col("as_of").alias("period_to"),
        refs(pl.col("declaration"), pl.col("seen_refs")).alias("evidence"),
        *([_sentence(rule, bad_seen, bad_parts, has_seen, has_parts)] if context.explain else []),
    )
    return finish(out, context)


def _sentence(
    rule: ReconcileRule, bad_seen: pl.Expr, bad_parts: pl.Expr, has_seen: pl.Expr, has_parts: pl.Expr
) -> pl.Expr:
    """The one-sentence explanation of a RECONCILE finding: both figures, and where they come from."""
    who = pl.col("party_code")
    seen_text = pl.format(
        "{} counted {} at {} ({})", pl.col("inspector"), num(pl.col("seen")), pl.col("site"), pl.col("seen_ref")
    )

    def declared(text: str, *more: pl.Expr) -> pl.Expr:
        """A sentence that starts from the declared figure: ``text`` has the party, the figure, the measure
        and the declaration's reference as its first four places, then ``more``."""
        return pl.format(text, who, num(pl.col("declared")), pl.lit(rule.measure), pl.col("declaration"), *more)

    return (
        pl.when(pl.col("declared").is_null())
        .then(pl.format("{}: no declared {} on record as of {}.", who, pl.lit(rule.measure), pl.col("as_of")))
        .when(bad_seen)
        .then(declared("{}: discrepancy: declared {} {} ({}), but {}.", seen_text))
        .when(bad_parts)
        .then(declared("{}: discrepancy: declared {} {} ({}), but its parts add up to {}.", num(pl.col("parts"))))
        .when(has_seen)
        .then(declared("{}: declared {} {} ({}); {}, consistent with it.", seen_text))
        .when(has_parts)
        .then(declared("{}: declared {} {} ({}) equals the sum of its parts."))
        .otherwise(declared("{}: declared {} {} ({}), but no inspection or parts since to compare it with."))
        .alias("explanation")
    )
