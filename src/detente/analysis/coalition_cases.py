"""Cases and features for the coalition builder: who joined whom, in history, and what tied them beforehand.

**Cases** come from the COW militarised interstate disputes with three or more participants and from the COW
inter-state wars (peacesciencer's ``cow_mid_dirdisps`` and ``cow_war_inter`` as stored):

* a dispute gives one case per side: its *leads* are the side's originators (in the dispute from its first
  day), its *targets* the other side's originators, and a candidate *joined* when it entered later on the
  leads' side (MID's ``orig = 0``; a state that changed sides counts on the side it entered on);
* a war gives two cases: its initiators lead against the states they fought in the war's first year, and
  those states lead against the initiators; the other states on each side joined it.

Every other state in the system in the case's first year is a candidate (the leads and targets excepted).

**Features** of a candidate come from the relations table (:mod:`detente.analysis.relations`, i.e. the
panel enrichers) in the year *before* the case starts, so nothing of the case itself (its own dispute
dyads) enters its features: alliance obligations with the leads and with the targets (ATOP), defence
cooperation (DCAD), exercises (MME/JME), arms deliveries both ways (SIPRI TIV), UN voting agreement,
shared IGOs, contiguity and capital distance to the targets and leads, capabilities (NMC), regime
similarity (V-Dem polyarchy), an ongoing dispute with the targets (hostility); and, from the disputes
that *began before* the case, how often the candidate stood beside the leads or against the targets; and
the *conditions* of the candidate's own ATOP defence and offence promises read against the case (a pact with a
lead naming the target as the adversary, one limited to another adversary, unconditional ...; see
:mod:`detente.analysis.alliance_conditions`).
Several leads or targets are summarised by the strongest tie (the most, the nearest). Outside a source's
years a feature is missing (NaN), and the model treats missing as its own value, never as 0.
"""

from __future__ import annotations

import polars as pl

from detente.analysis.alliance_conditions import CONDITION_FEATURES, condition_features
from detente.analysis.relations import Relations
from detente.panels.cache import read_table
from detente.store.database import Store

__all__ = ["FACTORS", "FEATURES", "case_participants", "cases", "features", "history"]

FACTORS: dict[str, list[str]] = {
    "alliance with leads": ["lead_defense", "lead_offense", "lead_alliance", "lead_nonagg_neutral"],
    "alliance with targets": ["target_defense", "target_alliance"],
    "defence cooperation": ["lead_dca"],
    "exercises": ["lead_exercises"],
    "arms supply": ["arms_from_lead", "arms_to_lead", "arms_from_target"],
    "UN voting agreement": ["lead_unvote", "target_unvote"],
    "shared IGOs": ["lead_igos", "target_igos"],
    "distance and contiguity to the target": [
        "target_contiguity",
        "target_distance",
        "lead_contiguity",
        "lead_distance",
    ],
    "capabilities": ["cinc", "cinc_share"],
    "regime similarity": ["polyarchy", "polyarchy_gap"],
    "past co-participation": ["past_with_lead", "past_with_target"],
    "hostility toward the target": ["target_dispute_ongoing", "past_against_target", "past_against_lead"],
    "alliance conditions": CONDITION_FEATURES,
}
"""The factors a ranking explains itself by, and the features behind each."""
FEATURES = [f for names in FACTORS.values() for f in names]

_CONTIGUITY = pl.when(pl.col("conttype").is_between(1, 5)).then(6 - pl.col("conttype")).otherwise(pl.col("conttype"))
"""COW contiguity 1 (land) .. 5 (400 miles of water), 0 none -> 5 (land) .. 1, 0 none: larger is closer."""


def _known_sum(column: str) -> pl.Expr:
    """The sum of the known values, or missing when none is known (a sum of unknowns is not 0)."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum())


def case_participants(store: Store) -> pl.DataFrame:
    """Per dispute (``mid:<n>``) or war (``war:<n>``) and state: ``side`` (1/0), ``origin`` (an originator or
    first-year belligerent), ``initiator`` (wars), ``entry`` (first year), ``start`` (the case's first year)."""
    mids = read_table(store, "peacesciencer", "cow_mid_dirdisps")
    disputes = (
        mids.group_by("dispnum", pl.col("ccode1").alias("ccode"))
        .agg(
            # the side it entered on: a state that changed sides (Italy in 1943) joined the first one
            pl.col("sidea1").sort_by("year").first().alias("side"),
            pl.col("orig1").max().alias("orig"),
            pl.col("year").min(),
        )
        .select(
            pl.format("mid:{}", "dispnum").alias("case"),
            "ccode",
            "side",
            (pl.col("orig") == 1).alias("origin"),
            pl.lit(False).alias("initiator"),
            pl.col("year").alias("entry"),
        )
    )
    wars = read_table(store, "peacesciencer", "cow_war_inter")
    belligerents = wars.group_by("warnum", pl.col("ccode1").alias("ccode")).agg(
        pl.col("sidea1").sort_by("year").first().alias("side"),
        pl.col("initiator1").max().alias("init"),
        pl.col("year").min(),
    )
    first_year = pl.col("year").min().over("warnum")
    fought = belligerents.select(
        pl.format("war:{}", "warnum").alias("case"),
        "ccode",
        (pl.col("side") == 1).cast(pl.Int64).alias("side"),
        (pl.col("year") == first_year).alias("origin"),
        (pl.col("init") == 1).alias("initiator"),
        pl.col("year").alias("entry"),
    )
    both = pl.concat([disputes.with_columns(pl.col("side").cast(pl.Int64)), fought])
    return both.with_columns(pl.col("entry").min().over("case").alias("start"))


def cases(participants: pl.DataFrame, relations: Relations) -> pl.DataFrame:
    """One row per (case, side, candidate): ``case``, ``side``, ``start``, ``year`` (features' year),
    ``ccode``, ``joined`` (0/1), ``leads`` and ``targets`` (lists of COW codes)."""
    counts = participants.group_by("case").len()
    multilateral = counts.filter((pl.col("len") > 2) | pl.col("case").str.starts_with("war:"))["case"]
    rows = participants.filter(pl.col("case").is_in(multilateral.implode()))
    is_war = pl.col("case").str.starts_with("war:")
    # Wars: the initiators lead; the first-year belligerents they fought lead the other side.
    lead_flag = pl.when(is_war).then(
        pl.col("initiator") | (pl.col("origin") & ~pl.col("initiator").any().over("case", "side"))
    )
    rows = rows.with_columns(lead_flag.otherwise(pl.col("origin")).alias("lead"))
    sides = rows.group_by("case", "side").agg(
        pl.col("start").first(),
        pl.col("ccode").filter(pl.col("lead")).alias("leads"),
        pl.col("ccode").filter(~pl.col("lead") & ~pl.col("origin")).alias("joiners"),
        pl.col("ccode").filter(~pl.col("lead") & pl.col("origin") & is_war).alias("co_first"),
    )
    opposite = sides.select("case", (1 - pl.col("side")).alias("side"), pl.col("leads").alias("targets"))
    framed = (
        sides.join(opposite, on=["case", "side"], how="inner")
        .filter((pl.col("leads").list.len() > 0) & (pl.col("targets").list.len() > 0))
        .with_columns((pl.col("start") - 1).alias("year"))
    )
    # Wars: a first-year belligerent beside the leads who did not initiate joined too.
    framed = framed.with_columns(pl.concat_list("joiners", "co_first").alias("joiners")).drop("co_first")
    involved = rows.group_by("case").agg(pl.col("ccode").alias("_all"))
    states = relations.frame(["ccode1", "year"]).unique().rename({"ccode1": "ccode"})
    candidates = (
        framed.join(states, on="year", how="inner")
        .join(involved, on="case", how="left")
        .filter(~pl.col("ccode").is_in(pl.col("leads")) & ~pl.col("ccode").is_in(pl.col("targets")))
        .with_columns(pl.col("ccode").is_in(pl.col("joiners")).cast(pl.Int64).alias("joined"))
    )
    # A state in the dispute on the other side is a candidate that did not join (label 0), kept as such.
    return candidates.select("case", "side", "start", "year", "ccode", "joined", "leads", "targets").sort(
        "start", "case", "side", "ccode"
    )


def history(participants: pl.DataFrame) -> pl.DataFrame:
    """Pairs of states in the same dispute or war: ``ccode``, ``other``, ``start`` (of that dispute) and
    ``same_side`` -- the record the co-participation features count from (only what began earlier)."""
    left = participants.select("case", "ccode", "side", "start")
    pairs = left.join(left.rename({"ccode": "other", "side": "other_side"}), on=["case", "start"])
    return pairs.filter(pl.col("ccode") != pl.col("other")).select(
        "ccode", "other", "start", (pl.col("side") == pl.col("other_side")).alias("same_side")
    )


_PAIR_COLUMNS = [
    "ccode1", "ccode2", "year", "atop_alliance", "atop_defense", "atop_offense", "atop_neutral", "atop_nonagg",
    "dca_count", "exercises", "tiv12", "tiv21", "unvote_agree", "dyadigos", "conttype", "capdist", "cowmidongoing",
]  # fmt: skip
_STATE_COLUMNS = ["ccode1", "year", "cinc1", "v2x_polyarchy1"]


def features(
    candidates: pl.DataFrame,
    relations: Relations,
    past: pl.DataFrame,
    *,
    pacts: pl.DataFrame,
    only_year: int | None = None,
) -> pl.DataFrame:
    """``candidates`` (from :func:`cases`) with one column per name in :data:`FEATURES`; ``pacts`` are the
    ATOP obligations with their conditions (:func:`detente.analysis.alliance_conditions.obligations`);
    ``only_year`` reads just that year of the relations table (a ranking needs one year, the backtest all)."""
    available = set(relations.columns())
    pair_columns = [c for c in _PAIR_COLUMNS if c in available]
    wanted = sorted(set(pair_columns) | {c for c in _STATE_COLUMNS if c in available})
    table = relations.frame(wanted) if only_year is None else relations.of_year(only_year).select(wanted)
    table = table.with_columns(*(pl.lit(None, pl.Float64).alias(c) for c in _PAIR_COLUMNS if c not in available))
    keyed = candidates.select("case", "side", "year", "ccode", "leads", "targets").with_row_index("_row")
    out = keyed.select("_row")
    for role in ("leads", "targets"):
        exploded = keyed.select("_row", "year", "ccode", pl.col(role).alias("other")).explode("other")
        joined = exploded.join(
            table.select(_PAIR_COLUMNS),
            left_on=["ccode", "other", "year"],
            right_on=["ccode1", "ccode2", "year"],
            how="left",
        ).with_columns(_CONTIGUITY.alias("_contig"))
        prefix = "lead" if role == "leads" else "target"
        aggregated = joined.group_by("_row").agg(
            pl.col("atop_defense").max().alias(f"{prefix}_defense"),
            pl.col("atop_offense").max().alias(f"{prefix}_offense"),
            pl.col("atop_alliance").max().alias(f"{prefix}_alliance"),
            pl.max_horizontal("atop_nonagg", "atop_neutral").max().alias(f"{prefix}_nonagg_neutral"),
            pl.col("dca_count").max().alias(f"{prefix}_dca"),
            pl.col("exercises").max().alias(f"{prefix}_exercises"),
            _known_sum("tiv21").alias(f"arms_from_{prefix}"),
            _known_sum("tiv12").alias(f"arms_to_{prefix}"),
            pl.col("unvote_agree").max().alias(f"{prefix}_unvote"),
            pl.col("dyadigos").max().alias(f"{prefix}_igos"),
            pl.col("_contig").max().alias(f"{prefix}_contiguity"),
            pl.col("capdist").min().alias(f"{prefix}_distance"),
            pl.col("cowmidongoing").max().alias(f"{prefix}_dispute_ongoing"),
        )
        out = out.join(aggregated, on="_row", how="left")
    # Capabilities and regime: the candidate's own, its share beside the targets', its gap to the leads.
    state = table.select(_STATE_COLUMNS).unique(["ccode1", "year"])
    own = keyed.join(state, left_on=["ccode", "year"], right_on=["ccode1", "year"], how="left")
    lead_state = (
        keyed.select("_row", "year", pl.col("leads").alias("other"))
        .explode("other")
        .join(state, left_on=["other", "year"], right_on=["ccode1", "year"], how="left")
        .group_by("_row")
        .agg(pl.col("v2x_polyarchy1").mean().alias("_lead_poly"))
    )
    target_state = (
        keyed.select("_row", "year", pl.col("targets").alias("other"))
        .explode("other")
        .join(state, left_on=["other", "year"], right_on=["ccode1", "year"], how="left")
        .group_by("_row")
        .agg(_known_sum("cinc1").alias("_target_cinc"))
    )
    own = own.join(lead_state, on="_row", how="left").join(target_state, on="_row", how="left")
    own = own.select(
        "_row",
        pl.col("cinc1").alias("cinc"),
        (pl.col("cinc1") / (pl.col("cinc1") + pl.col("_target_cinc"))).alias("cinc_share"),
        pl.col("v2x_polyarchy1").alias("polyarchy"),
        (pl.col("v2x_polyarchy1") - pl.col("_lead_poly")).abs().alias("polyarchy_gap"),
    )
    out = out.join(own, on="_row", how="left")
    out = out.join(_past(keyed, past), on="_row", how="left")
    out = out.join(condition_features(keyed, pacts), on="_row", how="left")
    result = keyed.join(out, on="_row", how="left").sort("_row")
    frame = candidates.with_columns(result.select(FEATURES).get_columns())
    # Rounded, so that sums over several leads or targets (whose order a parallel group-by does not fix)
    # give the same bits every time: the model must see identical inputs to be deterministic.
    return frame.with_columns(pl.col(FEATURES).cast(pl.Float64).round(9))


def _past(keyed: pl.DataFrame, past: pl.DataFrame) -> pl.DataFrame:
    """Disputes and wars that began before the case: beside a lead, beside / against a target, against a lead."""
    start = keyed.select("_row", (pl.col("year") + 1).alias("start"), "ccode", "leads", "targets")
    parts = []
    for role, name_with, name_against in (("leads", "past_with_lead", "past_against_lead"),
                                          ("targets", "past_with_target", "past_against_target")):  # fmt: skip
        exploded = start.select("_row", "start", "ccode", pl.col(role).alias("other")).explode("other")
        joined = exploded.join(past.rename({"start": "_began"}), on=["ccode", "other"], how="inner").filter(
            pl.col("_began") < pl.col("start")
        )
        parts.append(
            joined.group_by("_row").agg(
                pl.col("same_side").sum().cast(pl.Float64).alias(name_with),
                (~pl.col("same_side")).sum().cast(pl.Float64).alias(name_against),
            )
        )
    merged = keyed.select("_row")
    for part in parts:
        merged = merged.join(part, on="_row", how="left")
    names = ["past_with_lead", "past_against_lead", "past_with_target", "past_against_target"]
    return merged.with_columns(pl.col(names).fill_null(0.0))
