"""UCDP/PRIO armed conflicts with their sides, and UCDP peace agreements with their negotiations.

Conflicts (``conflict_years``, ACD 25.1)
    One :class:`~detente.store.models.Conflict` per ``conflict_id`` (``source_key = "ucdp:conflict:<id>"``).
    The interval runs from the first to the last year of activity at year precision (1 January, 31
    December): the ACD records active years only, so a conflict active in 2024, the last coverage year,
    ends there and nothing is claimed after it (``original.active_in_last_coverage_year``). ``kind`` is the
    type of conflict in its latest year (``extrasystemic``, ``interstate``, ``intrastate``,
    ``internationalized_intrastate``; ``original.types`` lists every type it had), ``incompatibility``
    ``territory``, ``government`` or ``territory and government``, ``max_intensity`` the highest
    intensity level (1: 25-999 battle deaths in a year, 2: 1,000 or more). ``name`` follows UCDP's
    convention, "<location>: <territory>" or "<location>: Government".
Sides (``conflict_years`` side columns)
    One :class:`~detente.store.models.ConflictParty` per conflict, side (A or B), role (primary or
    ``secondary`` supporter) and actor, from the first to the last year the actor held that place. Cells
    listing several actors are split when the G-W codes or actor ids line up with the names; a
    government gets its state from its G-W code in that year (the actor name is kept as written); a
    non-state actor keeps ``state_id`` NULL. ``dyad_years`` gives each conflict's dyad count
    (``original.dyads``).
Peace agreements (v22.1)
    One :class:`~detente.store.models.Agreement` of kind ``peace_agreement`` per ``paid``
    (``"ucdp:pa:<paid>"``), signed and in force from ``pa_date``; it ends where UCDP codes it ended
    (``ended`` true and a ``duration`` date), else stays open. Its states (``gwno``) become
    :class:`~detente.store.models.AgreementParty` rows, and so do its non-state signatories
    (``actor_name`` entries that are not "Government of ..."; no state, the name in ``actor_name``);
    each provision dummy coded 1 (ceasefire, DDR, PKO, amnesty ...) a
    :class:`~detente.store.models.Provision`. Agreements are grouped into one
    :class:`~detente.store.models.Negotiation` per conflict (the first listed when an agreement names
    several; all stay in ``original.conflict_ids``) with its signatories as negotiation parties. UCDP
    codes no negotiation status: it is ``concluded`` when a full peace agreement (type 1) was signed,
    else ``ongoing`` -- a reading of the agreements, as ``outcome`` says.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import polars as pl

from detente.sources.mapping import MapContext
from detente.sources.unknowns import check_codes, unknown_error
from detente.store.models import (
    Agreement,
    AgreementParty,
    Conflict,
    ConflictParty,
    Negotiation,
    NegotiationParty,
    Provision,
)

INPUTS = ("ucdp",)
NEEDS_STATES = True

KINDS = {1: "extrasystemic", 2: "interstate", 3: "intrastate", 4: "internationalized_intrastate"}
INCOMPATIBILITIES = {1: "territory", 2: "government", 3: "territory and government"}
PA_TYPES = {1: "full", 2: "partial", 3: "peace process"}
PROVISIONS = {
    "military": ("cease", "intarmy", "ddr", "withd", "pko"),
    "political": ("pp", "intgov", "intciv", "elections", "interim", "natalks", "shagov"),
    "territorial": ("aut", "fed", "ind", "shaloc", "regdev", "cul", "demarcation", "locgov"),
    "justice": ("amn", "pris", "recon"),
    "implementation": ("reaffirm", "outlin", "gender", "co_impl", "ref", "return"),
}
"""UCDP's provision dummies by UCDP's own grouping (the ``*_prov`` columns summarise these)."""

_SIDES = (
    ("A", False, "side_a", "side_a_id", "gwno_a"),
    ("A", True, "side_a_2nd", None, "gwno_a_2nd"),
    ("B", False, "side_b", "side_b_id", "gwno_b"),
    ("B", True, "side_b_2nd", None, "gwno_b_2nd"),
)


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in cell.split(",") if part.strip()] if cell else []


def _year_interval(first: int, last: int) -> dict[str, Any]:
    return {
        "valid_from": date(first, 1, 1),
        "valid_from_precision": "year",
        "valid_to": date(last, 12, 31),
        "valid_to_precision": "year",
    }


def _conflicts(years: pl.DataFrame, dyads: pl.DataFrame) -> pl.DataFrame:
    last_year = years.get_column("year").cast(pl.Int64).max()
    dyad_counts = dict(dyads.group_by("conflict_id").agg(pl.col("dyad_id").n_unique()).iter_rows())
    rows = []
    for (conflict_id,), group in years.sort("year").group_by(["conflict_id"], maintain_order=True):
        latest = group.row(-1, named=True)
        year_list = group.get_column("year").to_list()
        first, last = min(year_list), max(year_list)
        territory = latest["territory_name"] if latest["incompatibility"] in (1, 3) else None
        rows.append(
            {
                "name": f"{latest['location']}: {territory or 'Government'}"[:300],
                "kind": KINDS[latest["type_of_conflict"]],
                "incompatibility": INCOMPATIBILITIES.get(latest["incompatibility"]),
                "location": latest["location"],
                "max_intensity": max(group.get_column("intensity_level").drop_nulls().to_list(), default=None),
                **_year_interval(first, last),
                "source_key": f"ucdp:conflict:{conflict_id}",
                "original": {
                    "conflict_id": conflict_id,
                    "types": sorted(set(group["type_of_conflict"].to_list())),
                    "active_years": group["year"].n_unique(),
                    "active_in_last_coverage_year": last == last_year,
                    "start_date": str(latest["start_date"]),
                    "start_prec": latest["start_prec"],
                    "territory_name": latest["territory_name"],
                    "gwno_loc": latest["gwno_loc"],
                    "region": latest["region"],
                    "dyads": dyad_counts.get(conflict_id, 0),
                },
            }
        )
    return pl.DataFrame(rows, schema_overrides={"original": pl.Object}, infer_schema_length=None)


def _sides(years: pl.DataFrame) -> pl.DataFrame:
    """Long table: one row per conflict-year-side-actor.

    ``gwno`` is the actor's G-W code when its cell names one actor with one code; ``codes`` holds the
    cell's codes when it names several governments (UCDP does not list those codes in the order of the
    names, so they are matched by name later).
    """
    rows = []
    for row in years.iter_rows(named=True):
        for side, secondary, name_col, id_col, gw_col in _SIDES:
            names, codes = _split(row[name_col]), _split(row[gw_col])
            ids = _split(row[id_col]) if id_col else []
            if not names:
                continue
            if codes and len(codes) != len(names):
                names = [row[name_col].strip()]
            elif not codes and ids and len(ids) != len(names):
                names, ids = [row[name_col].strip()], [", ".join(ids)]
            for i, name in enumerate(names):
                rows.append(
                    {
                        "conflict_id": row["conflict_id"],
                        "year": row["year"],
                        "side": side,
                        "secondary": secondary,
                        "actor_name": name,
                        "gwno": codes[0] if len(codes) == 1 and len(names) == 1 else None,
                        "codes": codes if len(codes) > 1 else [],
                        "actor_id": ids[i] if i < len(ids) else None,
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"codes": pl.List(pl.String)}, infer_schema_length=None)


def _by_name(ctx: MapContext, spells: pl.DataFrame) -> pl.DataFrame:
    """Governments in multi-state cells: the state named "Government of X (Y)", if its code is in the cell."""
    country = pl.col("actor_name").str.strip_prefix("Government of ").str.replace(r"\s*\(.*\)$", "").alias("country")
    candidates = spells.filter(pl.col("state_key").is_null() & (pl.col("codes").list.len() > 0)).with_columns(country)
    found, _, _ = ctx.crosswalk.match_names(candidates.drop("state_key"), "country", year_col="first")
    gw = ctx.crosswalk.codes.filter(pl.col("system") == "gw").group_by("state_key").agg(pl.col("code"))
    state_codes = {key: set(codes) for key, codes in gw.iter_rows()}
    keep = {}
    for row in found.drop_nulls("state_key").iter_rows(named=True):
        # any G-W code the state has borne: UCDP writes 345 for Serbia after 2006, when G-W has 340
        if state_codes.get(row["state_key"], set()) & set(row["codes"]):
            keep[(row["conflict_id"], row["side"], row["secondary"], row["actor_name"])] = row["state_key"]
    if not keep:
        return spells
    resolved = pl.DataFrame(
        [
            {"conflict_id": k[0], "side": k[1], "secondary": k[2], "actor_name": k[3], "by_name": v}
            for k, v in keep.items()
        ]
    )
    return (
        spells.join(resolved, on=["conflict_id", "side", "secondary", "actor_name"], how="left")
        .with_columns(pl.coalesce("state_key", "by_name").alias("state_key"))
        .drop("by_name")
    )


def _parties(ctx: MapContext, years: pl.DataFrame, conflict_ids: dict[Any, int]) -> pl.DataFrame:
    spells = (
        _sides(years)
        .group_by("conflict_id", "side", "secondary", "actor_name", maintain_order=True)
        .agg(
            pl.col("year").min().alias("first"),
            pl.col("year").max().alias("last"),
            pl.col("gwno").drop_nulls().first(),
            pl.col("codes").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
            pl.col("actor_id").drop_nulls().first(),
        )
    )
    spells = _by_name(ctx, ctx.crosswalk.map_codes(spells, system="gw", code_col="gwno", year_col="first"))
    governments = pl.col("actor_name").str.starts_with("Government of")
    lost = spells.filter(pl.col("state_key").is_null() & governments)
    check_codes(
        ctx,
        lost,
        system="gw",
        code_col="gwno",
        year_col="first",
        source="ucdp",
        table="conflict_years",
        raw_column=[f"gwno_{side}" for side in ("a", "a_2nd", "b", "b_2nd")],
        raw_year_column="year",
        what="conflict side (government)",
    )
    unresolved = lost.filter(pl.col("gwno").is_null())
    if unresolved.height:
        names = sorted(set(unresolved.get_column("actor_name")))
        raise unknown_error(
            ctx,
            source="ucdp",
            table="conflict_years",
            value=names[0],
            label="conflict side: the government",
            count=unresolved.filter(pl.col("actor_name") == names[0]).height,
            columns=[f"side_{side}" for side in ("a", "a_2nd", "b", "b_2nd")],
            others=names[1:],
        )
    rows = []
    for spell in spells.iter_rows(named=True):
        who = spell["gwno"] or spell["actor_id"] or spell["actor_name"]
        role = "2" if spell["secondary"] else ""
        rows.append(
            {
                "conflict_id": conflict_ids[f"ucdp:conflict:{spell['conflict_id']}"],
                "state_id": ctx.state_ids.get(spell["state_key"]) if spell["state_key"] else None,
                "actor_name": spell["actor_name"][:300],
                "side": spell["side"],
                "secondary": spell["secondary"],
                **_year_interval(spell["first"], spell["last"]),
                "source_key": f"ucdp:conflict:{spell['conflict_id']}:{spell['side']}{role}:{who}"[:200],
                "original": {"gwno": spell["gwno"] or ", ".join(spell["codes"]) or None, "actor_id": spell["actor_id"]},
            }
        )
    return pl.DataFrame(rows, schema_overrides={"original": pl.Object}, infer_schema_length=None)


def _actor_parties(pas: pl.DataFrame, agreement_ids: dict[Any, int]) -> pl.DataFrame:
    """Non-state signatories (rebel groups, the UN ...) as parties with ``actor_name`` and no state.

    Governments are left out here: they are the agreement's states, from ``gwno``. ``actor_id`` lines up
    with ``actor_name`` when both list the same number of actors.
    """
    rows = []
    for pa in pas.select("paid", "actor_id", "actor_name").iter_rows(named=True):
        names, ids = _split(pa["actor_name"]), _split(pa["actor_id"])
        aligned = len(ids) == len(names)
        for i, name in enumerate(names):
            if name.startswith("Government of"):
                continue
            actor_id = ids[i] if aligned else None
            key = f"ucdp:pa:{pa['paid']}:actor:{actor_id or name}"[:200]
            rows.append(
                {
                    "agreement_id": agreement_ids[f"ucdp:pa:{pa['paid']}"],
                    "actor_name": name[:300],
                    "role": "party",
                    "source_key": key,
                    "original": {"actor_id": actor_id, "actor_name": name},
                }
            )
    unique = {row["source_key"]: row for row in rows}
    return pl.DataFrame(list(unique.values()), schema_overrides={"original": pl.Object}, infer_schema_length=None)


def _agreements(ctx: MapContext, pas: pl.DataFrame, conflict_ids: dict[Any, int]) -> dict[str, int]:
    """Negotiations, agreements, their parties and provisions from the peace-agreement table."""
    by_conflict: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pa in pas.sort("pa_date").iter_rows(named=True):
        first = _split(pa["conflict_id"])[0] if pa["conflict_id"] else None
        if first is not None and f"ucdp:conflict:{first}" in conflict_ids:
            by_conflict[first].append(pa)
    negotiations = []
    for conflict, items in by_conflict.items():
        full = any(p["pa_type"] == 1 for p in items)
        negotiations.append(
            {
                "conflict_id": conflict_ids[f"ucdp:conflict:{conflict}"],
                "title": f"Peace process: {items[0]['conflict_name'] or conflict}"[:300],
                "status": "concluded" if full else "ongoing",
                "outcome": f"{len(items)} agreement(s) coded by UCDP; status read from the agreements: "
                + ("a full peace agreement was signed" if full else "no full peace agreement coded"),
                "valid_from": items[0]["pa_date"],
                "valid_from_precision": "day",
                "valid_to": None,
                "valid_to_precision": "day",
                "source_key": f"ucdp:negotiation:{conflict}",
            }
        )
    written = {"negotiations": ctx.insert(Negotiation, pl.DataFrame(negotiations, infer_schema_length=None))}
    negotiation_ids = ctx.ids(Negotiation)
    agreements, actors = [], []
    for pa in pas.iter_rows(named=True):
        first = _split(pa["conflict_id"])[0] if pa["conflict_id"] else None
        negotiation = negotiation_ids.get(f"ucdp:negotiation:{first}")
        ended = pa["ended"] == "True" and pa["duration"] and len(pa["duration"]) == 10
        agreements.append(
            {
                "kind": "peace_agreement",
                "title": pa["pa_name"][:500],
                "signed_on": pa["pa_date"],
                "signed_precision": "day",
                "negotiation_id": negotiation,
                "notes": pa["pa_comment"],
                "valid_from": pa["pa_date"],
                "valid_from_precision": "day",
                "valid_to": date.fromisoformat(pa["duration"]) if ended else None,
                "valid_to_precision": "day",
                "source_key": f"ucdp:pa:{pa['paid']}",
                "original": {
                    "paid": pa["paid"],
                    "pa_type": PA_TYPES.get(pa["pa_type"]),
                    "conflict_ids": _split(pa["conflict_id"]),
                    "dyad_ids": _split(pa["dyad_id"]),
                    "actor_name": pa["actor_name"],
                    "pa_3rd": pa["pa_3rd"],
                    "ended": pa["ended"],
                    "duration": pa["duration"],
                    "proc_id": pa["proc_id"],
                    "link": pa["linktofulltextagreement"],
                },
            }
        )
        if negotiation is not None:
            for name in dict.fromkeys(_split(pa["actor_name"])):
                actors.append({"negotiation_id": negotiation, "actor_name": name[:300], "year": pa["year"]})
    frame = pl.DataFrame(agreements, schema_overrides={"original": pl.Object}, infer_schema_length=None)
    written["agreements"] = ctx.insert(Agreement, frame)
    agreement_ids = ctx.ids(Agreement)
    states = (
        pas.select("paid", "year", pl.col("gwno").str.split(","))
        .explode("gwno")
        .with_columns(pl.col("gwno").str.strip_chars())
        .filter(pl.col("gwno").is_not_null() & (pl.col("gwno") != ""))
    )
    states = ctx.crosswalk.map_codes(states, system="gw", code_col="gwno", year_col="year")
    check_codes(
        ctx,
        states,
        system="gw",
        code_col="gwno",
        year_col="year",
        source="ucdp",
        table="peace_agreements",
        raw_column="gwno",
        raw_year_column="year",
        what="peace agreement party",
    )
    parties = [
        {
            "agreement_id": agreement_ids[f"ucdp:pa:{paid}"],
            "state_id": ctx.state_ids[key],
            "role": "party",
            "source_key": f"ucdp:pa:{paid}:{gwno}",
        }
        for paid, gwno, key in states.drop_nulls("state_key").select("paid", "gwno", "state_key").iter_rows()
    ]
    written["agreement_parties"] = ctx.insert(AgreementParty, pl.DataFrame(parties))
    written["agreement_parties"] += ctx.insert(AgreementParty, _actor_parties(pas, agreement_ids))
    provisions = [
        {
            "agreement_id": agreement_ids[f"ucdp:pa:{pa['paid']}"],
            "code": code,
            "kind": kind,
            "source_key": f"ucdp:pa:{pa['paid']}:{code}",
        }
        for pa in pas.iter_rows(named=True)
        for kind, codes in PROVISIONS.items()
        for code in codes
        if pa[code] == 1
    ]
    written["provisions"] = ctx.insert(Provision, pl.DataFrame(provisions))
    unique_actors = pl.DataFrame(actors).unique(["negotiation_id", "actor_name"], keep="first", maintain_order=True)
    written["negotiation_parties"] = ctx.insert(
        NegotiationParty,
        unique_actors.select("negotiation_id", "actor_name", pl.lit("party").alias("role")),
    )
    return written


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write conflicts, their sides, and the peace agreements; return rows written per table."""
    ctx.clear(Provision, AgreementParty, Agreement, NegotiationParty, Negotiation, ConflictParty, Conflict)
    years, dyads = ctx.table("ucdp", "conflict_years"), ctx.table("ucdp", "dyad_years")
    written = {"conflicts": ctx.insert(Conflict, _conflicts(years, dyads))}
    conflict_ids = ctx.ids(Conflict)
    written["conflict_parties"] = ctx.insert(ConflictParty, _parties(ctx, years, conflict_ids))
    written.update(_agreements(ctx, ctx.table("ucdp", "peace_agreements"), conflict_ids))
    return written
