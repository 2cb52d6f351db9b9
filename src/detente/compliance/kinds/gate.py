"""GATE: an action (an assistance offer, training for a unit, a case amendment) is allowed only once a
condition holds (``requires``: a notification period ended, a vetting cleared) or while it does not
(``blocks``: a case in final closure). A ``requires`` gate may be taken back (``revoked_by``: a vetting
``denied`` after one ``cleared``): the later record wins, and the finding names both.

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
    revoked = _no_revocation(keyed)
    if rule.mode == "requires":
        candidates = candidates.filter(pl.col("held_from") <= pl.col("time"))
        if rule.revoked_by is not None:
            candidates, revoked = _revocations(keyed, candidates, rule, context, keys)
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
    judged = judged.join(revoked, on="action_no", how="left")
    day = text_time(pl.col("time"), "%Y-%m-%d")
    condition_kind = "/".join(rule.condition.kind or [rule.condition.evidence])
    revoke_kind = "/".join(rule.revoked_by.kind or [rule.revoked_by.evidence]) if rule.revoked_by else ""
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
            .when(pl.col("revoked_condition_ref").is_not_null())
            .then(
                pl.format(
                    "it came on {}, after the {} ({}) of {} revoked the {} ({}) of {}",
                    day,
                    pl.lit(revoke_kind),
                    pl.col("revoked_ref"),
                    text_time(pl.col("revoked_at"), "%Y-%m-%d"),
                    pl.lit(condition_kind),
                    pl.col("revoked_condition_ref"),
                    text_time(pl.col("revoked_condition_at"), "%Y-%m-%d"),
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


_REVOKED = {
    "action_no": pl.UInt32(),
    "revoked_ref": pl.String(),
    "revoked_at": UTC_TIME,
    "revoked_condition_ref": pl.String(),
    "revoked_condition_at": UTC_TIME,
}
"""The columns :func:`judge_actions` adds about a revocation (null when none took the gate back)."""


def _no_revocation(keyed: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(schema=_REVOKED).cast({"action_no": keyed.schema["action_no"]})


def _revocations(
    keyed: pl.DataFrame, candidates: pl.DataFrame, rule: GateRule, context: Context, keys: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The condition records still standing at each action (those later than the last revocation before it),
    and for each action whose gate a revocation shut: the revoking record and the condition it took back.

    "Later" compares the records' times, then (the same day) their ids: of two decisions recorded for one
    day, the one recorded last stands.
    """
    assert rule.revoked_by is not None
    revokes = (
        select(context, rule.revoked_by)
        .filter(pl.col("time").is_not_null())
        .select(
            *keys,
            pl.col("time").alias("revoked_at"),
            pl.col("ref").alias("revoked_ref"),
            pl.col("id").alias("revoked_id"),
        )
    )
    last = (
        keyed.select("action_no", *keys, "time")
        .join(revokes, on=keys, how="inner")
        .filter(pl.col("revoked_at") <= pl.col("time"))
        .sort("revoked_at", "revoked_id")
        .group_by("action_no")
        .agg(pl.col("revoked_at").last(), pl.col("revoked_ref").last(), pl.col("revoked_id").last())
    )
    joined = candidates.join(last, on="action_no", how="left")
    later = (
        pl.col("revoked_at").is_null()
        | (pl.col("held_from") > pl.col("revoked_at"))
        | ((pl.col("held_from") == pl.col("revoked_at")) & (pl.col("condition_id") > pl.col("revoked_id")))
    )
    standing = joined.filter(later).drop("revoked_at", "revoked_ref", "revoked_id")
    taken_back = (
        joined.filter(~later)
        .sort("held_from", "condition_id")
        .group_by("action_no")
        .agg(
            pl.col("revoked_ref").last(),
            pl.col("revoked_at").last(),
            pl.col("condition_ref").last().alias("revoked_condition_ref"),
            pl.col("held_from").last().alias("revoked_condition_at"),
        )
    )
    shut = taken_back.join(standing.select("action_no").unique(), on="action_no", how="anti")
    return standing, shut.select(list(_REVOKED)).cast(
        {name: dtype for name, dtype in _REVOKED.items() if name != "action_no"}
    )


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
        refs(
            pl.col("ref"),
            pl.when(known_condition).then(pl.col("condition_ref")),
            pl.col("revoked_condition_ref"),
            pl.col("revoked_ref"),
        ).alias("evidence"),
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
