"""Alliance reliability: when a member of a defence pact was attacked in a war, did its allies fight for it?

Cases (1816-1944 by default, the period of Leeds, Long & Mitchell 2000). For each COW inter-state war
(``cow_war_inter``, stored from peacesciencer) that began in the period, the *attacked* states are the
states on the side without an initiator that fought from the war's first year. For each of them, every
ally with an ATOP **defence** obligation to it -- the ally's own ``defense`` provision, in an alliance both
belonged to, in force on 1 January of the war's first year (COW's war years carry no month here, so a pact
signed in the war's first year does not count) -- is one promise. The promise was **kept** when the ally
fought in the same war on the attacked state's side (in any year of the war).

Two estimates:

``naive``
    every such promise, whatever its conditions (the way earlier work, e.g. Sabrosky 1980, counted: about
    25% kept).
``conditional``
    only promises whose conditions ATOP shows to be met. An unconditional defence obligation always is. One
    limited to a *specific adversary* is met when ATOP names the attacker (``statthr1``/``statthr2``) and
    excluded as *not invoked* when it names someone else. Conditions on location, an ongoing conflict, the
    number of adversaries, the ally's demands or provocation, or "other" conditions cannot be checked from
    ATOP's codes (the treaty text says where, which conflict, which demands); such promises are left out as
    *unknown* rather than guessed. Leeds, Long & Mitchell (2000) read the treaties and judged every
    obligation type (defence, offence, neutrality, consultation) against them: 74.5% kept.

The answer lists every promise with its war, states, conditions and verdict, so each figure can be traced.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from pydantic import BaseModel
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from detente.analysis.common import CitedSource, StateResolver, cite_sources
from detente.panels.cache import read_table
from detente.panels.citations import DATASETS
from detente.store.database import Store
from detente.store.models import Agreement, AgreementParty, Provision
from detente.store.temporal import in_force

__all__ = ["PUBLISHED", "Estimate", "Promise", "Reliability", "reliability"]

PUBLISHED = {
    "earlier work ignoring conditions (Sabrosky 1980, about)": 0.25,
    "Leeds, Long & Mitchell 2000, 1816-1944, specific obligations": 0.745,
}
"""The published anchors the estimates are put beside."""
LLM_CITATION = CitedSource(
    key="leeds_long_mitchell_2000",
    text="Leeds, Brett Ashley, Andrew G. Long and Sara McLaughlin Mitchell. 2000. Reevaluating Alliance "
    "Reliability: Specific Threats, Specific Promises. Journal of Conflict Resolution 44(5): 686-699.",
)
SABROSKY_CITATION = CitedSource(
    key="sabrosky_1980",
    text="Sabrosky, Alan Ned. 1980. Interstate Alliances: Their Reliability and the Expansion of War. In J. David "
    "Singer (ed.), The Correlates of War II: Testing Some Realpolitik Models. New York: Free Press.",
)
UNCHECKABLE = ("location", "ongoing_conflict", "number_of_adversaries", "ally_meets_demands", "ally_does_not_provoke")


class Promise(BaseModel):
    """One ally's defence promise to a state attacked in a war, and whether it was kept."""

    war: int
    year: int
    attacked: str
    ally: str
    alliance: str
    conditions: list[str]
    kept: bool
    verdict: str
    """``invoked`` (conditions met or none), ``not_invoked`` (another adversary named) or ``unknown``."""


class Estimate(BaseModel):
    """A share of promises kept."""

    promises: int
    kept: int
    share: float | None


class Reliability(BaseModel):
    """Naive and condition-respecting reliability beside the published anchors, with every promise."""

    years: tuple[int, int]
    wars: int
    attacked_states: int
    naive: Estimate
    conditional: Estimate
    not_invoked: int
    unknown_conditions: int
    published: dict[str, float]
    explanation: list[str]
    promises: list[Promise]
    citations: list[CitedSource]


def _estimate(promises: list[Promise]) -> Estimate:
    kept = sum(p.kept for p in promises)
    return Estimate(promises=len(promises), kept=kept, share=kept / len(promises) if promises else None)


def _wars(store: Store, years: tuple[int, int]) -> pl.DataFrame:
    """Per war and belligerent: side, initiator, first year, and the war's first year."""
    wars = read_table(store, "peacesciencer", "cow_war_inter")
    people = wars.group_by("warnum", pl.col("ccode1").alias("ccode")).agg(
        # the side it entered on (France fought on side 1 from 1939; Vichy France is coded on side 2 later)
        pl.col("sidea1").sort_by("year").first().alias("side"),
        pl.col("initiator1").max().alias("initiator"),
        pl.col("year").min(),
    )
    people = people.with_columns(pl.col("year").min().over("warnum").alias("start"))
    return people.filter(pl.col("start").is_between(*years))


def reliability(store: Store, years: tuple[int, int] = (1816, 1944)) -> Reliability:
    """Alliance reliability in the wars that began in ``years`` (see the module docstring)."""
    belligerents = _wars(store, years)
    resolver = StateResolver.open(store)
    own, ally = aliased(AgreementParty), aliased(AgreementParty)
    promises: list[Promise] = []
    attacked_count = 0
    for warnum in sorted(belligerents["warnum"].unique().to_list()):
        war = belligerents.filter(pl.col("warnum") == warnum)
        start = int(war["start"][0])
        initiating = war.filter(pl.col("initiator") == 1)["side"].unique().to_list()
        if len(initiating) != 1:
            continue  # no single initiating side: no one was "attacked"
        attackers = set(war.filter(pl.col("side") == initiating[0])["ccode"].to_list())
        sides = dict(zip(war["ccode"].to_list(), war["side"].to_list(), strict=True))
        attacked = war.filter((pl.col("side") != initiating[0]) & (pl.col("year") == start))["ccode"].to_list()
        first_day = date(start, 1, 1)
        for code in sorted(attacked):
            state_id = resolver.state_of_code(int(code), start)
            if state_id is None:
                continue
            attacked_count += 1
            query = (
                select(Agreement.title, Agreement.original, ally.state_id, Provision.conditions)
                .join(own, and_(own.agreement_id == Agreement.id, own.state_id == state_id))
                .join(ally, and_(ally.agreement_id == Agreement.id, ally.state_id != state_id))
                .join(Provision, and_(Provision.party_id == ally.id, Provision.code == "defense"))
                .where(Agreement.kind == "alliance", ally.state_id.is_not(None))
                .where(in_force(own, first_day), in_force(ally, first_day), in_force(Provision, first_day))
            )
            with store.engine.connect() as connection:
                rows = connection.execute(query).all()
            seen: set[tuple[str, int]] = set()
            for title, original, ally_id, conditions in rows:
                if (title, ally_id) in seen:
                    continue
                seen.add((title, ally_id))
                ally_code = resolver.cow_code(int(ally_id), start)
                held = conditions or {}
                named = sorted(k for k, v in (held.get("conditions") or {}).items() if v)
                if held.get("other_condition"):
                    named.append("other")
                threats = {int(t) for t in ((original or {}).get(k) for k in ("statthr1", "statthr2")) if t}
                if any(n in UNCHECKABLE or n == "other" for n in named):
                    verdict = "unknown"
                elif "adversary" in named:
                    verdict = "unknown" if not threats else ("invoked" if threats & attackers else "not_invoked")
                else:
                    verdict = "invoked"
                ally_ref = resolver.refs([int(ally_id)], start).get(int(ally_id))
                promises.append(
                    Promise(
                        war=int(warnum),
                        year=start,
                        attacked=resolver.refs([state_id], start)[state_id].name,
                        ally=ally_ref.name if ally_ref else f"state {ally_id}",
                        alliance=title,
                        conditions=named,
                        kept=ally_code is not None and sides.get(ally_code) == sides[code],
                        verdict=verdict,
                    )
                )
    naive = _estimate(promises)
    conditional = _estimate([p for p in promises if p.verdict == "invoked"])
    return Reliability(
        years=years,
        wars=belligerents["warnum"].n_unique(),
        attacked_states=attacked_count,
        naive=naive,
        conditional=conditional,
        not_invoked=sum(p.verdict == "not_invoked" for p in promises),
        unknown_conditions=sum(p.verdict == "unknown" for p in promises),
        published=PUBLISHED,
        explanation=_explain(naive, conditional),
        promises=promises,
        citations=[
            CitedSource(key="atop", text=DATASETS["atop"].text),
            *cite_sources(store, "atop", "peacesciencer"),
            LLM_CITATION,
            SABROSKY_CITATION,
        ],
    )


def _explain(naive: Estimate, conditional: Estimate) -> list[str]:
    """The differences between these estimates and the published ones, in words built from the numbers."""

    def pct(value: float | None) -> str:
        return "unknown" if value is None else f"{value:.1%}"

    higher = naive.share is not None and naive.share > 0.25
    return [
        f"Naive: {pct(naive.share)} of {naive.promises} defence promises kept, beside about 25% in earlier work. "
        + (
            "It is higher because only allies with a defence obligation to a state that was attacked count here; "
            "the earlier figures counted every alliance (neutrality and consultation pacts too) in every war an "
            "ally joined, including wars the ally started, where no promise applied."
            if higher
            else "Both count any pact as a promise to fight, whatever its conditions."
        ),
        f"Respecting conditions: {pct(conditional.share)} of {conditional.promises} promises whose conditions ATOP "
        "shows met (unconditional, or limited to an adversary ATOP names and that adversary attacked), beside "
        "74.5% in Leeds, Long & Mitchell (2000).",
        "Why it differs from 74.5%: (1) only defence obligations are judged here; LLM also judge offence, "
        "neutrality and consultation promises, which are often kept by staying out of a war; (2) conditions on "
        "location, a particular conflict, the number of adversaries, demands or provocation need the treaty "
        "text, so those promises are left out as unknown (most of them) rather than judged, and the few left "
        "are mostly small unconditional pacts; (3) 'kept' here means fighting on the ally's side in COW's war "
        "data, while LLM judged from the historical record whether the ally did what it promised; (4) the "
        "cases here are COW inter-state wars only, with 'attacked' read from COW's initiator codes.",
    ]
