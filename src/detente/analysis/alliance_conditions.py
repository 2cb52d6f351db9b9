"""Alliance obligations with their conditions, read against a coalition case: would the promise apply here?

The yearly alliance panel (peacesciencer's ATOP dyad-years) says *that* two states had a defence pact; ATOP's
member file says *on which conditions* each member promised (:mod:`detente.sources.atop.obligations`): only
against a specific adversary, only in a location, only in an ongoing conflict, only if the ally does not
provoke, ... A defence pact limited to an adversary other than the case's target does not apply to the case;
one whose named adversary *is* the target applies squarely. So the coalition builder reads each candidate's
own ``defense`` and ``offense`` provisions (the promises *it* made to a lead or a target), as the ATOP mapper
stored them, and turns them into features relative to the case (:func:`condition_features`):

``lead_defense_unconditional``
    the candidate promised a lead unconditional defence (ATOP ``defcon = 0``);
``lead_pact_names_target``
    a defence or offence promise to a lead limited to a specific adversary, and ATOP names a target
    (``statthr1``/``statthr2``): a pact *against* the target;
``lead_pact_names_other``
    a defence promise to a lead limited to specific adversaries, none of them a target: not invoked here;
``lead_defense_conditional``
    a defence promise to a lead with conditions ATOP's codes cannot check against a case (location, an
    ongoing conflict, the number of adversaries, the ally's demands or provocation, "other"): ATOP codes
    *that* a location is named, not which, so it stays its own value rather than a guessed match;
``lead_offense_unconditional``
    an unconditional offence promise to a lead;
``lead_wartime_pact``
    a pact with a lead formed in wartime (ATOP ``wartime``), i.e. already fighting together;
``target_defense_unconditional`` / ``target_pact_names_lead``
    the same seen from the targets: an unconditional defence promise to a target, or one to a target
    limited to an adversary ATOP names among the leads.

Each is 1/0 in the years ATOP covers (1815-2018) and missing after them (unknown, not "no pact"). Obligations
count in a year when the provision and both members' spells are in force on some day of it; features use
the year before the case, like every other feature.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import select

from detente.panels.cache import derived_table
from detente.store.database import Store
from detente.store.models import Agreement, AgreementParty, Provision

__all__ = ["ATOP_YEARS", "CONDITION_FEATURES", "condition_features", "obligations"]

ATOP_YEARS = (1815, 2018)
"""The years ATOP 5.1 covers: outside them every condition feature is unknown."""
CONDITION_FEATURES = [
    "lead_defense_unconditional",
    "lead_pact_names_target",
    "lead_pact_names_other",
    "lead_defense_conditional",
    "lead_offense_unconditional",
    "lead_wartime_pact",
    "target_defense_unconditional",
    "target_pact_names_lead",
]
_UNCHECKABLE = ("location", "ongoing_conflict", "number_of_adversaries", "ally_meets_demands", "ally_does_not_provoke")
_SCHEMA = pl.Schema(
    {
        "ccode": pl.Int64(),
        "other": pl.Int64(),
        "year": pl.Int64(),
        "code": pl.String(),
        "unconditional": pl.Boolean(),
        "adversary": pl.Boolean(),
        "uncheckable": pl.Boolean(),
        "named": pl.List(pl.Int64()),
        "wartime": pl.Boolean(),
    }
)


def _year(value: Any, default: int) -> int:
    return int(value.year) if value is not None else default


def _build(store: Store) -> pl.DataFrame:
    """One row per promisor, partner, year and ATOP defence/offence obligation, with its conditions."""
    provisions = (
        select(
            Provision.agreement_id,
            Provision.party_id,
            Provision.code,
            Provision.conditions,
            Provision.valid_from,
            Provision.valid_to,
        )
        .join(Agreement, Agreement.id == Provision.agreement_id)
        .where(Agreement.source_key.like("atop:%"), Provision.code.in_(("defense", "offense")))
    )
    parties = (
        select(AgreementParty.id, AgreementParty.agreement_id, AgreementParty.original)
        .add_columns(AgreementParty.valid_from, AgreementParty.valid_to)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(Agreement.source_key.like("atop:%"))
    )
    alliances = select(Agreement.id, Agreement.original).where(Agreement.source_key.like("atop:%"))
    with store.engine.connect() as connection:
        promise_rows = connection.execute(provisions).all()
        party_rows = connection.execute(parties).all()
        alliance_rows = connection.execute(alliances).all()
    last = ATOP_YEARS[1]
    members: dict[int, list[tuple[int, int, int, int]]] = {}
    code_of: dict[int, int] = {}
    for party_id, agreement_id, original, start, end in party_rows:
        member = (original or {}).get("member")
        if member is None:
            continue
        code_of[int(party_id)] = int(member)
        span = (int(party_id), int(member), _year(start, ATOP_YEARS[0]), min(_year(end, last), last))
        members.setdefault(int(agreement_id), []).append(span)
    named: dict[int, list[int]] = {}
    wartime: dict[int, bool] = {}
    for agreement_id, original in alliance_rows:
        held = original or {}
        named[int(agreement_id)] = sorted({int(t) for t in (held.get("statthr1"), held.get("statthr2")) if t})
        wartime[int(agreement_id)] = held.get("wartime") == 1
    rows: list[dict[str, Any]] = []
    for agreement_id, party_id, code, conditions, start, end in promise_rows:
        own = code_of.get(int(party_id))
        if own is None:
            continue
        held = conditions or {}
        flags = held.get("conditions") or {}
        first, final = _year(start, ATOP_YEARS[0]), min(_year(end, last), last)
        for other_party, other, other_first, other_last in members.get(int(agreement_id), []):
            if other_party == party_id or other == own:
                continue
            for year in range(max(first, other_first), min(final, other_last) + 1):
                rows.append(
                    {
                        "ccode": own,
                        "other": other,
                        "year": year,
                        "code": code,
                        "unconditional": held.get("conditional") is False and not held.get("other_condition"),
                        "adversary": bool(flags.get("adversary")),
                        "uncheckable": any(flags.get(n) for n in _UNCHECKABLE) or bool(held.get("other_condition")),
                        "named": named.get(int(agreement_id), []),
                        "wartime": wartime.get(int(agreement_id), False),
                    }
                )
    return pl.DataFrame(rows, schema=_SCHEMA).sort("ccode", "other", "year", "code")


def obligations(store: Store) -> pl.DataFrame:
    """Every ATOP defence and offence promise per promisor (``ccode``), partner (``other``) and year, with
    ``unconditional``, ``adversary`` (limited to specific adversaries), ``uncheckable`` (other conditions),
    ``named`` (the adversaries ATOP names) and ``wartime``. Empty when ATOP is not loaded.

    The rows come from what the ATOP mapper wrote, which only an ATOP load changes (rows loaded from a source
    are read-only to users), so the frame is cached under ATOP's stored member table: a coalition ranking
    reads it in milliseconds, however often users write elsewhere.
    """
    try:
        return derived_table(
            store, "atop-obligations-v1", [("atop", "members"), ("atop", "alliances")], lambda: _build(store)
        )
    except LookupError:
        return pl.DataFrame(schema=_SCHEMA)


def condition_features(keyed: pl.DataFrame, pacts: pl.DataFrame) -> pl.DataFrame:
    """Per ``_row`` of ``keyed`` (``_row``, ``year``, ``ccode``, ``leads``, ``targets``): the columns of
    :data:`CONDITION_FEATURES` (1/0 in ATOP's years, missing outside them)."""
    covered = pl.col("year").is_between(*ATOP_YEARS)
    out = keyed.select("_row", covered.alias("_covered"))
    for role, against in (("leads", "targets"), ("targets", "leads")):
        pairs = keyed.select("_row", "year", "ccode", pl.col(role).alias("other"), pl.col(against).alias("_against"))
        joined = pairs.explode("other").join(pacts, on=["ccode", "other", "year"], how="inner")
        hits = pl.col("named").list.set_intersection(pl.col("_against")).list.len() > 0
        defence, offence = pl.col("code") == "defense", pl.col("code") == "offense"
        if role == "leads":
            aggregated = joined.group_by("_row").agg(
                (defence & pl.col("unconditional")).any().alias("lead_defense_unconditional"),
                (pl.col("adversary") & hits).any().alias("lead_pact_names_target"),
                (defence & pl.col("adversary") & ~hits & (pl.col("named").list.len() > 0))
                .any()
                .alias("lead_pact_names_other"),
                (defence & pl.col("uncheckable")).any().alias("lead_defense_conditional"),
                (offence & pl.col("unconditional")).any().alias("lead_offense_unconditional"),
                pl.col("wartime").any().alias("lead_wartime_pact"),
            )
        else:
            aggregated = joined.group_by("_row").agg(
                (defence & pl.col("unconditional")).any().alias("target_defense_unconditional"),
                (pl.col("adversary") & hits).any().alias("target_pact_names_lead"),
            )
        out = out.join(aggregated, on="_row", how="left")
    return out.select(
        "_row",
        *(
            pl.when(pl.col("_covered")).then(pl.col(name).fill_null(False).cast(pl.Float64)).alias(name)
            for name in CONDITION_FEATURES
        ),
    )
