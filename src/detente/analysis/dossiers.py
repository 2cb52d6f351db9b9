"""Country and pair dossiers: every tie between a state and the others, or between two states, over time.

A dossier answers "what binds us to this country, and on what evidence?". Its yearly figures come from the
relations table (:mod:`detente.analysis.relations`, i.e. the panel enrichers): alliance obligations (ATOP),
defence cooperation agreements (DCAD), joint exercises (MME/JME), arms deliveries in SIPRI TIV both ways,
UN peacekeeping co-deployment (IPI), UN voting agreement, shared IGO memberships (COW IGO), disputes (COW
MID) and capabilities (COW NMC). What each party promised, and on which conditions, comes from the domain
tables (:mod:`detente.analysis.ties`), as do the weapon systems delivered and the user's released records.

Every :class:`Figure` says the year it is for and the citation keys of its source. A figure is for the year
of ``as_of``; where the source does not cover that year (SIPRI TIV ends in 2021, DCAD in 2010, the MIDs
in 2014), the figure is the source's latest value before it, and its ``year`` says so. Where no value is
known at all it is ``None``: unknown, never 0.

Compliance status comes from :mod:`detente.analysis.compliance_status`: the treaties binding the state (or
both states of a pair) and their findings, stored or evaluated at the dossier's date. The user's records come
from :mod:`detente.analysis.user_records`. Both pass the reader's markings: given a ``principal`` (the REST
API), only what it may see; without one (command line, Python API), only unmarked records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from pydantic import BaseModel

from detente.analysis.armed_conflicts import (
    ArmedConflict,
    ConflictRecord,
    PairConflictRecord,
    ending_text,
    intensity_text,
    pair_conflicts,
    state_conflicts,
)
from detente.analysis.common import CitedSource, StateRef, StateResolver, cite, cite_sources
from detente.analysis.compliance_status import ComplianceStatus, compliance_status
from detente.analysis.relations import RELATION_YEARS, Relations, relations
from detente.analysis.ties import AgreementTie, ArmsSystem, ConflictTie, agreement_ties, arms_systems, conflict_ties
from detente.analysis.user_records import UserRecord, reader_scope, user_records
from detente.services.access import Principal
from detente.store.database import Store

__all__ = [
    "COLUMN_SOURCES",
    "CountryDossier",
    "Figure",
    "PairDossier",
    "PairYear",
    "PartnerTies",
    "country_dossier",
    "pair_dossier",
    "to_markdown",
]

COLUMN_SOURCES: dict[str, list[str]] = {
    "atop_alliance": ["atop", "source:peacesciencer"],
    "atop_defense": ["atop", "source:peacesciencer"],
    "atop_offense": ["atop", "source:peacesciencer"],
    "atop_neutral": ["atop", "source:peacesciencer"],
    "atop_nonagg": ["atop", "source:peacesciencer"],
    "atop_consul": ["atop", "source:peacesciencer"],
    "dca_count": ["source:dcad"],
    "exercises": ["source:exercises"],
    "tiv12": ["source:sipri_tiv"],
    "tiv21": ["source:sipri_tiv"],
    "pko_shared_missions": ["source:ipi_peacekeeping", "source:ipi_peacekeeping_gender"],
    "unvote_agree": ["source:unvotes"],
    "dyadigos": ["igo", "source:peacesciencer"],
    "cowmidongoing": ["cow_mid", "source:peacesciencer"],
    "hostlev": ["cow_mid", "source:peacesciencer"],
    "conttype": ["contiguity", "source:peacesciencer"],
    "capdist": ["capitals", "source:peacesciencer"],
    "cinc": ["nmc", "source:peacesciencer"],
    "milex": ["nmc", "source:peacesciencer"],
    "milper": ["nmc", "source:peacesciencer"],
    "tpop": ["nmc", "source:peacesciencer"],
    "v2x_polyarchy": ["vdem", "source:isard"],
    "polity2": ["polity", "source:isard"],
}
"""Which citations stand behind each figure (keys of the dossier's ``citations``)."""

PAIR_COLUMNS = [c for c in COLUMN_SOURCES if c not in ("cinc", "milex", "milper", "tpop", "v2x_polyarchy", "polity2")]
PARTNER_FIGURES = ["exercises", "tiv12", "tiv21", "pko_shared_missions", "unvote_agree", "dyadigos", "dca_count"]
STATE_FIGURES = {"cinc": "cinc1", "milex": "milex1", "milper": "milper1", "tpop": "tpop1"}
STATE_FIGURES_DEMOCRACY = {"v2x_polyarchy": "v2x_polyarchy1", "polity2": "polity21"}
SYSTEMS_SHOWN = 5
"""How many weapon systems a country dossier lists per partner (the largest by TIV)."""
DOMAIN_SOURCES = ("atop", "dcad", "sipri_register", "peacesciencer", "ucdp")


class Figure(BaseModel):
    """A value, the year it is for, and the citation keys of its source; ``value=None`` means unknown."""

    value: float | None
    year: int | None
    sources: list[str]


class PartnerTies(BaseModel):
    """Everything that ties the dossier's state to one partner as of the dossier's date."""

    partner: StateRef
    agreements: list[AgreementTie]
    figures: dict[str, Figure]
    """``exercises``, ``tiv12`` (TIV delivered to the partner), ``tiv21`` (received from it),
    ``pko_shared_missions``, ``unvote_agree``, ``dyadigos`` (shared IGOs), ``dca_count``."""
    arms_systems: list[ArmsSystem]
    conflicts: list[ConflictTie]
    strength: int
    """How many kinds of tie are present (alliance, DCA, exercises, arms either way, co-deployment): the order."""


class CountryDossier(BaseModel):
    """Every tie between a state and the others as of a date, with its capabilities and sources."""

    state: StateRef
    as_of: date
    year: int
    capabilities: dict[str, Figure]
    partners: list[PartnerTies]
    armed_conflicts: ConflictRecord
    """The UCDP/PRIO armed conflicts the state took part in, 1946 to the dossier's year (:mod:`.armed_conflicts`)."""
    user_records: list[UserRecord]
    compliance: ComplianceStatus
    citations: list[CitedSource]


class PairYear(BaseModel):
    """One year of a pair's relations (``None``: unknown that year)."""

    year: int
    values: dict[str, float | None]


class PairDossier(BaseModel):
    """Every tie between two states over time, with sources."""

    first: StateRef
    second: StateRef
    as_of: date
    series: list[PairYear]
    column_sources: dict[str, list[str]]
    agreements: list[AgreementTie]
    arms_systems: list[ArmsSystem]
    conflicts: list[ConflictTie]
    armed_conflicts: PairConflictRecord
    """The UCDP/PRIO armed conflicts both took part in, on the same or opposite sides (:mod:`.armed_conflicts`)."""
    user_records: list[UserRecord]
    compliance: ComplianceStatus
    citations: list[CitedSource]


def _year_of(as_of: date) -> int:
    return min(as_of.year, RELATION_YEARS[1])


def _latest(rows: pl.DataFrame, columns: list[str], by: str | None = None) -> pl.DataFrame:
    """Each column's latest known value and the year of it (``<column>__year``): per ``by``, or one row for
    the whole frame when ``by`` is ``None``."""
    present = [c for c in columns if c in rows.columns]
    aggregates = [
        *(pl.col(c).drop_nulls().last().cast(pl.Float64).alias(c) for c in present),
        *(pl.col("year").filter(pl.col(c).is_not_null()).last().alias(f"{c}__year") for c in present),
    ]
    ordered = rows.sort("year")
    return ordered.select(aggregates) if by is None else ordered.group_by(by).agg(aggregates)


def _figure_fields(row: dict[str, Any], column: str, sources: list[str] | None = None) -> dict[str, Any]:
    """The fields of the :class:`Figure` of ``column`` in a row of :func:`_latest` (its sources:
    ``COLUMN_SOURCES[column]`` unless given). A country dossier has more than a thousand figures: handed to
    the model that holds them as plain fields, they are validated in one pass with it."""
    value = row.get(column)
    return {
        "value": None if value is None else float(value),
        "year": row.get(f"{column}__year"),
        "sources": COLUMN_SOURCES.get(column, []) if sources is None else sources,
    }


def _figure(row: dict[str, Any], column: str, sources: list[str] | None = None) -> Figure:
    """The figure of ``column`` in a row of :func:`_latest` (see :func:`_figure_fields`)."""
    return Figure(**_figure_fields(row, column, sources))


def _state_rows(table: Relations, ccode: int, year: int) -> pl.DataFrame:
    """The relations rows of COW ``ccode`` up to ``year``, with only the columns a country dossier reads (the
    table has some seventy: reading the dozen needed from the Parquet file is most of the saving)."""
    wanted = ["year", "ccode2", *STATE_FIGURES.values(), *STATE_FIGURES_DEMOCRACY.values(), *PARTNER_FIGURES]
    present = set(table.columns())
    return table.of_state(ccode, [c for c in wanted if c in present], until=year)


def _citations(store: Store, keys: list[str], panel_citations: list[CitedSource]) -> list[CitedSource]:
    domain = cite_sources(store, *DOMAIN_SOURCES)
    known = {c.key: c for c in [*panel_citations, *domain]}
    wanted = [k for k in dict.fromkeys([*keys, *(c.key for c in domain)]) if k in known]
    return [known[k] for k in wanted]


def country_dossier(
    store: Store, state: str, as_of: date | None = None, *, principal: Principal | None = None
) -> CountryDossier:
    """The dossier of ``state`` (ISO3, COW abbreviation or number, or name) as of ``as_of`` (default today);
    the user's records and compliance findings as ``principal`` may see them (unmarked ones without one)."""
    as_of = as_of or date.today()
    scope = reader_scope(store, principal)
    year = _year_of(as_of)
    resolver = StateResolver.open(store)
    subject = resolver.resolve(state, year)
    table = relations(store)
    rows = _state_rows(table, subject.ccode, year) if subject.ccode is not None else pl.DataFrame()
    capabilities: dict[str, Figure] = {}
    per_partner: dict[int, dict[str, Any]] = {}
    if rows.height:
        found = _latest(rows, [*STATE_FIGURES.values(), *STATE_FIGURES_DEMOCRACY.values()]).row(0, named=True)
        for name, column in {**STATE_FIGURES, **STATE_FIGURES_DEMOCRACY}.items():
            capabilities[name] = _figure(found, column, COLUMN_SOURCES[name])
        recent = rows.filter(pl.col("year") == year)
        latest = _latest(rows.filter(pl.col("year") >= year - 15), PARTNER_FIGURES, "ccode2")
        if recent.height:
            latest = latest.filter(pl.col("ccode2").is_in(recent["ccode2"].implode()))
        per_partner = {int(r["ccode2"]): r for r in latest.iter_rows(named=True)}
    refs = resolver.by_code(year)
    by_id = {ref.state_id: code for code, ref in refs.items()}
    agreements = agreement_ties(store, subject.state_id, when=as_of, scope=scope)
    systems = arms_systems(store, subject.state_id, years=(year - 9, year), per_partner=SYSTEMS_SHOWN)
    conflicts = conflict_ties(store, subject.state_id, years=(year - 9, year))
    partners: list[PartnerTies] = []
    ties_of: dict[int, list[AgreementTie]] = {}
    for tie in agreements:
        ties_of.setdefault(tie.partner_id, []).append(tie)
    systems_of: dict[int, list[ArmsSystem]] = {}
    for system in systems:  # largest TIV first, so each partner's list is too
        other = system.recipient_id if system.supplier_id == subject.state_id else system.supplier_id
        systems_of.setdefault(other, []).append(system)
    conflicts_of: dict[int, list[ConflictTie]] = {}
    for conflict in conflicts:
        conflicts_of.setdefault(conflict.partner_id, []).append(conflict)
    codes = set(per_partner) | {by_id[a.partner_id] for a in agreements if a.partner_id in by_id}
    for code in sorted(codes):
        ref = refs.get(code) or resolver.ref_of_code(code, year)
        row = per_partner.get(code, {})
        ties = ties_of.get(ref.state_id, [])
        present = [
            any(a.kind == "alliance" for a in ties),
            any(a.kind == "dca" for a in ties),
            *(bool(row.get(c)) for c in ("exercises", "tiv12", "tiv21", "pko_shared_missions")),
        ]
        if not any(present):
            continue  # decided before the figures are made: most of the state's pairs hold no tie
        partners.append(
            PartnerTies(
                partner=ref,
                agreements=ties,
                figures={c: _figure_fields(row, c) for c in PARTNER_FIGURES},
                arms_systems=systems_of.get(ref.state_id, []),
                conflicts=conflicts_of.get(ref.state_id, []),
                strength=sum(present),
            )
        )
    partners.sort(key=lambda p: (-p.strength, p.partner.name))
    # every partner has every figure of PARTNER_FIGURES: their sources, in order, once
    keys = [k for f in capabilities.values() for k in f.sources]
    keys += [k for c in PARTNER_FIGURES for k in COLUMN_SOURCES[c]] if partners else []
    # compliance first: showing a marked record appends an audit entry, which would make its evaluation stale
    compliance = compliance_status(store, [subject], as_of, scope=scope)
    return CountryDossier(
        state=subject,
        as_of=as_of,
        year=year,
        capabilities=capabilities,
        partners=partners,
        armed_conflicts=state_conflicts(store, subject.state_id, as_of.year),
        user_records=user_records(store, subject.state_id, principal=principal, scope=scope),
        compliance=compliance,
        citations=_citations(store, keys, cite(table.citations)),
    )


def pair_dossier(
    store: Store, first: str, second: str, as_of: date | None = None, *, principal: Principal | None = None
) -> PairDossier:
    """The dossier of the pair ``first`` and ``second``: every year of their relations up to ``as_of``; the
    user's records and compliance findings as ``principal`` may see them (unmarked ones without one)."""
    as_of = as_of or date.today()
    scope = reader_scope(store, principal)
    year = _year_of(as_of)
    resolver = StateResolver.open(store)
    a, b = resolver.resolve(first, year), resolver.resolve(second, year)
    if a.state_id == b.state_id:
        raise ValueError(f"a pair dossier needs two different states, and {first!r} and {second!r} are the same")
    table = relations(store)
    series: list[PairYear] = []
    a_codes = {c for c in (a.ccode, *_codes(resolver, a.state_id)) if c is not None}
    b_codes = {c for c in (b.ccode, *_codes(resolver, b.state_id)) if c is not None}
    present = set(table.columns())
    columns = [c for c in PAIR_COLUMNS if c in present]
    for code in sorted(a_codes):
        rows = table.of_state(code, ["year", "ccode2", *columns], until=year)
        rows = rows.filter(pl.col("ccode2").is_in(sorted(b_codes)))
        for row in rows.sort("year").iter_rows(named=True):
            values = {c: None if row[c] is None else float(row[c]) for c in columns}
            series.append(PairYear(year=row["year"], values=values))
    series.sort(key=lambda y: y.year)
    keys = [k for c in PAIR_COLUMNS for k in COLUMN_SOURCES[c]]
    compliance = compliance_status(store, [a, b], as_of, scope=scope)  # before the audited read of records
    return PairDossier(
        first=a,
        second=b,
        as_of=as_of,
        series=series,
        column_sources={c: COLUMN_SOURCES[c] for c in PAIR_COLUMNS},
        agreements=[
            t for t in agreement_ties(store, a.state_id, partner_id=b.state_id, scope=scope) if _began(t, as_of)
        ],
        arms_systems=[s for s in arms_systems(store, a.state_id, partner_id=b.state_id) if (s.first_year or 0) <= year],
        conflicts=[c for c in conflict_ties(store, a.state_id, partner_id=b.state_id) if (c.first_year or 0) <= year],
        armed_conflicts=pair_conflicts(
            store, a.state_id, b.state_id, as_of.year, {s.state_id: _gw_codes(resolver, s.state_id) for s in (a, b)}
        ),
        user_records=user_records(store, a.state_id, partner_id=b.state_id, principal=principal, scope=scope),
        compliance=compliance,
        citations=_citations(store, keys, cite(table.citations)),
    )


def _began(tie: AgreementTie, as_of: date) -> bool:
    return tie.valid_from is None or tie.valid_from <= as_of


def _codes(resolver: StateResolver, state_id: int) -> list[int]:
    """Every COW code the state ever held (Germany: 255 and 260)."""
    codes = resolver.book.codes
    held = codes.filter((codes["state_id"] == state_id) & (codes["system"] == "cow"))["code"]
    return sorted({int(c) for c in held})


def _gw_codes(resolver: StateResolver, state_id: int) -> set[str]:
    """Every Gleditsch-Ward code the state ever held (UCDP's files name states by them)."""
    codes = resolver.book.codes
    return set(codes.filter((codes["state_id"] == state_id) & (codes["system"] == "gw"))["code"].to_list())


def _text(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "unknown"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.{digits}f}"


def _obligations(tie: AgreementTie) -> str:
    def one(side: list[Any]) -> str:
        return ", ".join(o.code + (f" (if {', '.join(o.conditions)})" if o.conditions else "") for o in side) or "-"

    return f"{tie.title} ({tie.kind}, from {tie.valid_from}): promises {one(tie.own_obligations)}; " + (
        f"partner promises {one(tie.partner_obligations)}"
    )


def _armed_conflict_lines(dossier: CountryDossier | PairDossier) -> list[str]:
    """The UCDP/PRIO section of the Markdown dossier."""
    record = dossier.armed_conflicts
    lines = ["", "## Armed conflicts (UCDP/PRIO ACD)", "", record.note]
    if record.conflicts is None:
        return lines
    if not record.conflicts:
        return [*lines, "- none recorded in the covered years [source:ucdp]"]
    for c in record.conflicts:
        if isinstance(c, ArmedConflict):
            role = "secondary party" if c.secondary else "primary party"
            lines.append(
                f"- {c.conflict_id} {c.name} ({c.type}, {c.incompatibility or 'incompatibility unknown'}; "
                f"{', '.join(c.region) or 'region unknown'}): side {c.side}, {role}, "
                f"{c.first_year}-{c.last_year} ({len(c.years)} active years), "
                f"intensity at most {intensity_text(c.max_intensity)}, against {', '.join(c.opponents) or 'unknown'}; "
                f"ended {ending_text(c.episodes)} [source:ucdp]"
            )
        else:
            relation = "same side" if c.same_side else "opposite sides"
            direct = f", fought each other directly in {', '.join(map(str, c.direct_years))}" if c.direct_years else ""
            lines.append(
                f"- {c.conflict_id} {c.name} ({c.type}): {relation} (side {c.first.side}"
                f"{' secondary' if c.first.secondary else ''} / side {c.second.side}"
                f"{' secondary' if c.second.secondary else ''}) in {', '.join(map(str, c.years))}{direct}, "
                f"intensity at most {intensity_text(c.max_intensity)}; ended {ending_text(c.episodes)} [source:ucdp]"
            )
    return lines


def to_markdown(dossier: CountryDossier | PairDossier) -> str:
    """The dossier as Markdown, for a briefing note (every figure with its year; citations at the end)."""
    lines: list[str] = []
    if isinstance(dossier, CountryDossier):
        state = dossier.state
        lines += [f"# {state.name} ({state.iso3 or state.ccode}) as of {dossier.as_of}", ""]
        lines.append("## Capabilities")
        for name, figure in dossier.capabilities.items():
            lines.append(
                f"- {name}: {_text(figure.value, 4)} ({figure.year or 'no year'}) [{', '.join(figure.sources)}]"
            )
        lines += ["", f"## Partners ({len(dossier.partners)})"]
        for partner in dossier.partners:
            lines.append(f"### {partner.partner.name}")
            for tie in partner.agreements:
                lines.append(f"- {_obligations(tie)} [source:{tie.source}]")
            for name, figure in partner.figures.items():
                if figure.value:
                    lines.append(f"- {name}: {_text(figure.value)} ({figure.year}) [{', '.join(figure.sources)}]")
            for system in partner.arms_systems:
                lines.append(
                    f"- arms: {system.designation} ({system.description}), {system.first_year}-{system.last_year}, "
                    f"TIV {_text(system.tiv)} [source:sipri_register]"
                )
            for conflict in partner.conflicts:
                side = "same side" if conflict.same_side else "opposite sides"
                lines.append(f"- {conflict.kind} {conflict.number} ({conflict.first_year}): {side} [cow_mid]")
    else:
        lines += [f"# {dossier.first.name} and {dossier.second.name} as of {dossier.as_of}", "", "## Agreements"]
        lines += [f"- {_obligations(t)} [source:{t.source}]" for t in dossier.agreements] or ["- none recorded"]
        lines += ["", "## Years", ""]
        shown = [
            "atop_defense",
            "dca_count",
            "exercises",
            "tiv12",
            "tiv21",
            "unvote_agree",
            "dyadigos",
            "cowmidongoing",
        ]
        lines.append("| year | " + " | ".join(shown) + " |")
        lines.append("|---" * (len(shown) + 1) + "|")
        for entry in dossier.series:
            cells = [_text(entry.values.get(c)) for c in shown]
            lines.append(f"| {entry.year} | " + " | ".join(cells) + " |")
        lines += ["", "## Arms systems (SIPRI register)"]
        for system in dossier.arms_systems[:15]:
            lines.append(f"- {system.designation}: {system.first_year}-{system.last_year}, TIV {_text(system.tiv)}")
        lines += ["", "## Disputes and wars"]
        for conflict in dossier.conflicts:
            side = "same side" if conflict.same_side else "opposite sides"
            lines.append(f"- {conflict.kind} {conflict.number} ({conflict.first_year}-{conflict.last_year}): {side}")
    lines += _armed_conflict_lines(dossier)
    lines += ["", "## Your records"]
    lines += [
        f"- {r.kind} {r.record_id}: {r.title} ({r.valid_from or 'no date'})"
        + (f" [{r.marking.classification} // REL TO {', '.join(r.marking.releasable_to)}]" if r.marking else "")
        for r in dossier.user_records
    ] or ["- none you may see"]
    lines += ["", "## Compliance", "", dossier.compliance.note]
    for treaty in dossier.compliance.treaties:
        bound = ", ".join(f"{k} ({v})" for k, v in treaty.bound.items())
        lines.append(f"### {treaty.title}: {treaty.status} (binds {bound})")
        for f in treaty.findings:
            figures = f"measured {_text(f.measured)}, limit {_text(f.limit)}, margin {_text(f.margin)}"
            evidence = ", ".join(f.evidence) or "no evidence"
            lines.append(
                f"- {f.party} {f.obligation} {f.status} as of {f.as_of} ({f.origin}; {figures}; {evidence})"
                + (f": {f.explanation}" if f.explanation else "")
            )
    lines += ["", "## Sources"]
    lines += [f"- [{c.key}] {c.text}" for c in dossier.citations]
    return "\n".join(lines) + "\n"
