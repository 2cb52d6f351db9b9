"""ATOP 5.1 into the domain model: alliances as agreements, member spells as parties, obligations as provisions.

What becomes what:

``agreements`` (kind ``alliance``, one per ATOP alliance, ``source_key`` ``atop:<atopid>``)
    The interval is the alliance's life, from signature (``begyr``/``begmo``/``begday``, also
    ``signed_on``) to its end, at the precision the parts give. ATOP codes an alliance still in force on
    31 December 2018, the end of its coverage, with ``endyr = 0``: that is an open end (``valid_to``
    null), and ``original`` says so (``endyr: 0``, ``in_force_at_end_of_coverage: true``). ATOP gives
    alliances no names, so the title is ``ATOP <atopid>``; ``notes`` summarise the alliance in words
    (obligations, secrecy, ratification, phases, Leeds & Anac's military institutionalisation);
    ``original`` keeps every alliance-level code, the member list and the phases with their
    ``milinst``/``formal`` scores.
``agreement_parties`` (role ``party``, ``source_key`` ``atop:<atopid>:<ccode>:<spell>``)
    One per membership spell: a member's rows in consecutive phases merge into one spell when each
    starts no later than the day after the previous one ended (a phase change is not a new membership);
    a gap starts a new spell (Egypt left the Arab League in 1979 and came back in 1989). The state comes
    from the member's COW code in its entry year (see :mod:`detente.sources.cow_codes` for the fallbacks and
    what is reported; a code no rule places stops the load unless ``crosswalk/aliases.yml`` lists it).
``provisions`` (``source_key`` ``atop:<atopid_phase>:<ccode>:<spell>:<code>``)
    One per obligation a member took in a phase (see :mod:`.obligations`), bound to that member's party
    row. The interval is the member's time in that phase: the phase's dates for founding members, from
    its own entry date for a member that joined later (Greece and Turkey in NATO's second phase).
    ``phase`` is ATOP's phase number of the obligation.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from detente.sources.atop.obligations import OBLIGATIONS, provision_rows
from detente.sources.cow_codes import map_cow, unmatched_counts
from detente.sources.mapping import MapContext, MappingError, rows_frame
from detente.sources.partial_dates import first_day, last_day, precision
from detente.sources.unknowns import check_codes
from detente.store.models import Agreement, AgreementParty, Provision

INPUTS = ("atop",)
NEEDS_STATES = True

END_OF_COVERAGE = date(2018, 12, 31)
"""ATOP 5.1 codes what was still in force on this day with end year 0."""

GW_ONLY = {8152: 815}
"""ATOP's code for Annam (a Gleditsch-Ward state without a COW code) -> its G-W code."""

_OPEN = date(9999, 12, 31)
_TEMPORAL = ["valid_from", "valid_from_precision", "valid_to", "valid_to_precision"]
_SECRECY = {0: "public", 1: "public, with secret articles", 2: "entirely secret"}
_RATIFICATION = {1: "a formal treaty requiring ratification", 0: "an agreement not requiring ratification"}


def _phase_id(atop_id: pl.Expr, phase: pl.Expr) -> pl.Expr:
    """ATOP's phase identifier: ``<atopid>`` for a single-phase alliance, ``<atopid>.<phase>`` otherwise."""
    text = atop_id.cast(pl.String)
    return pl.when(phase == 0).then(text).otherwise(pl.concat_str(text, pl.lit("."), phase.cast(pl.String)))


def _with_interval(frame: pl.DataFrame, start: str, end: str) -> pl.DataFrame:
    """Add the four temporal columns from ``<start>_year/_month/_day`` and ``<end>_...`` (null end = open)."""
    s = (f"{start}_year", f"{start}_month", f"{start}_day")
    e = (f"{end}_year", f"{end}_month", f"{end}_day")
    return frame.with_columns(
        first_day(*s).alias("valid_from"),
        precision(*s).alias("valid_from_precision"),
        last_day(*e).alias("valid_to"),
        precision(*e).fill_null("day").alias("valid_to_precision"),
    )


def _plain(value: Any) -> Any:
    """A value JSON can hold (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


# ----------------------------------------------------------------------------------------------- alliances
def _institution_phase_id(column: str) -> pl.Expr:
    """``atopinst5_1.csv``'s phase id in ATOP's form: that file writes ``3180.1`` as ``3180.1001`` (a
    single-precision float printed to four places; 55 phases), so the phase is the first decimal rounded."""
    parts = pl.col(column).str.split(".")
    whole, fraction = parts.list.get(0), parts.list.get(1, null_on_oob=True)
    phase = (pl.lit("0.") + fraction).cast(pl.Float64).mul(10).round(0).cast(pl.Int64).cast(pl.String)
    return pl.when(fraction.is_null()).then(whole).otherwise(whole + pl.lit(".") + phase).alias(column)


def _phase_lists(phases: pl.DataFrame, institutions: pl.DataFrame) -> dict[int, list[dict[str, Any]]]:
    scored = phases.join(
        institutions.select(_institution_phase_id("atop_id_phase"), "milinst", "formal"),
        on="atop_id_phase",
        how="left",
    ).sort("atop_id", "begin_year", "begin_month", "begin_day", "atop_id_phase")
    out: dict[int, list[dict[str, Any]]] = {}
    for row in scored.iter_rows(named=True):
        out.setdefault(row["atop_id"], []).append(
            {
                "atop_id_phase": row["atop_id_phase"],
                "begin": [row["begin_year"], row["begin_month"], row["begin_day"]],
                "end": None if row["ongoing"] else [row["end_year"], row["end_month"], row["end_day"]],
                "milinst": row["milinst"],
                "formal": row["formal"],
            }
        )
    return out


def _notes(row: dict[str, Any], phases: list[dict[str, Any]]) -> str:
    """A short description of the alliance in words (the codes themselves are in ``original``)."""
    obligations = [o.code for o in OBLIGATIONS if row.get(o.code) == 1]
    parts = [f"ATOP alliance {row['atop_id']}: obligations {', '.join(obligations) or 'none coded'}."]
    if row.get("pubsecr") in _SECRECY:
        parts.append(f"Text {_SECRECY[row['pubsecr']]}.")
    if row.get("estmode") in _RATIFICATION:
        parts.append(f"Established by {_RATIFICATION[row['estmode']]}.")
    if row.get("wartime") == 1:
        parts.append("Formed in wartime.")
    scores = ", ".join(f"{p['atop_id_phase']}: {p['milinst']}" for p in phases if p["milinst"] is not None)
    parts.append(f"{len(phases)} phase(s); military institutionalisation (Leeds & Anac MILINST) {scores or 'n/a'}.")
    if row["ongoing"]:
        parts.append(f"In force on {END_OF_COVERAGE.isoformat()}, the end of ATOP 5.1's coverage (endyr = 0).")
    return " ".join(parts)


def _agreements(alliances: pl.DataFrame, phases: pl.DataFrame, institutions: pl.DataFrame) -> pl.DataFrame:
    framed = _with_interval(alliances, "begin", "end")
    phase_lists = _phase_lists(phases, institutions)
    member_columns = [c for c in alliances.columns if c.startswith("mem") and c[3:].isdigit()]
    derived = {"begin_date", "end_date", "ongoing", *member_columns, *_TEMPORAL}
    rows = []
    for row in framed.iter_rows(named=True):
        atop_id = row["atop_id"]
        phase_list = phase_lists.get(atop_id, [])
        original = {k: _plain(v) for k, v in row.items() if k not in derived and v is not None}
        original |= {
            "endyr": 0 if row["ongoing"] else row["end_year"],
            "in_force_at_end_of_coverage": bool(row["ongoing"]),
            "end_of_coverage": END_OF_COVERAGE.isoformat(),
            "members": [row[c] for c in member_columns if row[c] is not None],
            "phases": phase_list,
        }
        rows.append(
            {
                "kind": "alliance",
                "title": f"ATOP {atop_id}",
                "signed_on": row["valid_from"],
                "signed_precision": row["valid_from_precision"],
                "notes": _notes(row, phase_list),
                "source_key": f"atop:{atop_id}",
                "original": original,
                **{k: row[k] for k in _TEMPORAL},
            }
        )
    columns = ["kind", "title", "signed_on", "signed_precision", "notes", "source_key", "original", *_TEMPORAL]
    return rows_frame(rows, columns, ["original"])


# ------------------------------------------------------------------------------------------------- members
def _member_spells(ctx: MapContext, members: pl.DataFrame) -> pl.DataFrame:
    """Member rows with their interval, state, phase id and spell number (see the module docstring)."""
    framed = _with_interval(members, "entry", "exit").with_columns(
        _phase_id(pl.col("atop_id"), pl.col("phase")).alias("atop_id_phase"),
        pl.col("exit_year").fill_null(END_OF_COVERAGE.year).alias("last_year"),
    )
    mapped = map_cow(
        ctx.crosswalk, framed, code_col="member", year_col="entry_year", later_year_col="last_year", gw_only=GW_ONLY
    )
    _, fallback = unmatched_counts(mapped, "member", "entry_year")
    check_codes(
        ctx,
        mapped,
        system="cow",
        code_col="member",
        year_col="entry_year",
        source="atop",
        table="members",
        raw_column="member",
        raw_year_column="yrent",
        what="ATOP member",
    )
    ctx.report_unmatched(
        "ATOP member ccode not a COW state in its entry year (mapped by a later year, the code alone, or G-W)",
        fallback,
    )
    group = ["atop_id", "member"]
    ordered = mapped.sort(*group, "valid_from", "phase")
    reach = pl.col("valid_to").fill_null(_OPEN).cum_max().shift(1).over(group)
    new_spell = reach.is_null() | (pl.col("valid_from") > reach.dt.offset_by("1d"))
    return ordered.with_columns(new_spell.cast(pl.Int64).cum_sum().over(group).alias("spell")).with_columns(
        pl.format("atop:{}:{}:{}", "atop_id", "member", "spell").alias("party_key")
    )


def _parties(spells: pl.DataFrame, agreement_ids: dict[Any, int], state_ids: dict[str, int]) -> pl.DataFrame:
    first = ["atop_id", "member", "cowsys", "state_key", "state_match", "valid_from", "valid_from_precision"]
    last = ["valid_to", "valid_to_precision", "exit_year", "exit_month", "exit_day"]
    merged = spells.group_by("party_key", maintain_order=True).agg(
        *[pl.col(c).first() for c in [*first, "entry_year", "entry_month", "entry_day"]],
        *[pl.col(c).sort_by("valid_to", nulls_last=True).last() for c in last],
        pl.col("ongoing").any(),
        pl.col("atop_id_phase"),
    )
    rows = []
    for row in merged.iter_rows(named=True):
        ongoing = bool(row["ongoing"])
        rows.append(
            {
                "agreement_id": agreement_ids[f"atop:{row['atop_id']}"],
                "state_id": state_ids.get(row["state_key"]) if row["state_key"] else None,
                "role": "party",
                "source_key": row["party_key"],
                "valid_from": row["valid_from"],
                "valid_from_precision": row["valid_from_precision"],
                "valid_to": None if ongoing else row["valid_to"],
                "valid_to_precision": "day" if ongoing else row["valid_to_precision"],
                "original": {
                    "member": row["member"],
                    "cowsys": row["cowsys"],
                    "state_match": row["state_match"],
                    "phases": row["atop_id_phase"],
                    "entry": [row["entry_year"], row["entry_month"], row["entry_day"]],
                    "exit": None if ongoing else [row["exit_year"], row["exit_month"], row["exit_day"]],
                    "yrexit": 0 if ongoing else row["exit_year"],
                    "in_force_at_end_of_coverage": ongoing,
                },
            }
        )
    columns = ["agreement_id", "state_id", "role", "source_key", "original", *_TEMPORAL]
    return rows_frame(rows, columns, ["original"]).with_columns(pl.col("state_id").cast(pl.Int64))


def _provisions(spells: pl.DataFrame, agreement_ids: dict[Any, int], party_ids: dict[Any, int]) -> pl.DataFrame:
    keyed = spells.with_columns(pl.format("{}:{}:{}", "atop_id_phase", "member", "spell").alias("row_key"))
    context = {row["row_key"]: row for row in keyed.iter_rows(named=True)}
    if len(context) != keyed.height:
        raise MappingError("atop: two member rows share atop_id_phase, member and spell; provision keys would clash")
    rows = []
    for provision in provision_rows(keyed):
        member = context[provision.pop("row_key")]
        key = f"atop:{member['row_key']}:{provision['code']}"
        provision["original"] |= {"atop_id_phase": member["atop_id_phase"], "member": member["member"]}
        rows.append(
            provision
            | {
                "agreement_id": agreement_ids[f"atop:{member['atop_id']}"],
                "party_id": party_ids[member["party_key"]],
                "phase": member["phase"],
                "source_key": key,
                **{k: member[k] for k in _TEMPORAL},
            }
        )
    columns = [
        "agreement_id", "party_id", "code", "kind", "phase", "text", "conditions", "source_key", "original",
        *_TEMPORAL,
    ]  # fmt: skip
    return rows_frame(rows, columns, ["conditions", "original"])


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Replace ATOP's agreements, parties and provisions; return rows written per table."""
    ctx.clear(Provision, AgreementParty, Agreement)
    agreements = _agreements(
        ctx.table("atop", "alliances"), ctx.table("atop", "phases"), ctx.table("atop", "institutions")
    )
    written = {"agreements": ctx.insert(Agreement, agreements)}
    agreement_ids = ctx.ids(Agreement)
    spells = _member_spells(ctx, ctx.table("atop", "members"))
    written["agreement_parties"] = ctx.insert(AgreementParty, _parties(spells, agreement_ids, ctx.state_ids))
    written["provisions"] = ctx.insert(Provision, _provisions(spells, agreement_ids, ctx.ids(AgreementParty)))
    return written
