"""DCAD v1.0 into the domain model: each bilateral defence cooperation agreement and its two parties.

``agreements`` (kind ``dca``, ``source_key`` the DCAid, e.g. ``DCADv1.0-0002``)
    ``signed_on`` is the signature date at the precision the file gives (day, month or year). The interval
    runs from entry into force to DCAD's end year:

    * start: the entry-into-force date; where DCAD gives none (about half the agreements) the signature
      date stands in, since an agreement is not in force before it is signed, and ``original`` says
      ``valid_from_basis: "signature"``;
    * end: ``endYearEstimate`` as the last year in force (year precision). DCAD caps that estimate at
      2010, the last year it covers (agreements that entered into force in 2011-13 still carry 2010), so
      an estimate of 2010 means "in force at the end of coverage": an open end, said in ``original``.
      The estimate is DCAD's own (terminated agreements use the actual duration, others the stated span
      and renewal terms, or an imputed length); ``original`` keeps ``terminated``, ``duration_actual``,
      ``span``, ``renew_*`` and their sentinel codes so a user can tell which.

    The title names the two states and the categories; ``notes`` and ``original`` carry type, categories,
    asymmetry, UNTS number, sources and the other attributes.
``agreement_parties`` (two per agreement, role ``party``, ``source_key`` ``<DCAid>:1`` / ``<DCAid>:2``)
    The state of each COW code in the signing year (see :mod:`detente.sources.cow_codes` for the
    fallbacks and what is reported); each party's interval is the agreement's. Three agreements give the
    same code on both sides (DCADv1.0-0297 has 145 with the letters BOL and VEN): kept as given, reported.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import polars as pl

from detente.sources.cow_codes import map_cow, unmatched_counts
from detente.sources.mapping import MapContext, rows_frame
from detente.sources.partial_dates import first_day, precision
from detente.sources.unknowns import check_codes
from detente.store.models import Agreement, AgreementParty

INPUTS = ("dcad",)
NEEDS_STATES = True

END_OF_COVERAGE_YEAR = 2010
"""The last year DCAD v1.0 covers; its end-year estimates stop there."""

_TEMPORAL = ["valid_from", "valid_from_precision", "valid_to", "valid_to_precision"]
_KEPT = (
    "type", "category1", "category2", "category3", "span", "span_code", "renew_type", "renew_type_code",
    "renew_years", "renew_years_code", "terminated", "terminated_code", "duration_actual", "end_year_estimate",
    "asymmetry", "category_conf", "unts", "full_text", "source_type", "source", "factiva_conf", "factiva_sign",
    "factiva_sign_code", "factiva_eif", "sign_year", "sign_month", "sign_day", "eif_year", "eif_month", "eif_day",
)  # fmt: skip
"""DCAD columns kept in ``original`` (raw codes; negatives are DCAD's coded non-values)."""


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _framed(agreements: pl.DataFrame) -> pl.DataFrame:
    """Add signature, start and end columns (see the module docstring)."""
    sign = ("sign_year", "sign_month", "sign_day")
    eif = ("eif_year", "eif_month", "eif_day")
    has_eif = pl.col("eif_year").is_not_null()
    open_end = pl.col("end_year_estimate").is_null() | (pl.col("end_year_estimate") >= END_OF_COVERAGE_YEAR)
    return agreements.with_columns(
        first_day(*sign).alias("signed_on"),
        precision(*sign).alias("signed_precision"),
        pl.when(has_eif).then(first_day(*eif)).otherwise(first_day(*sign)).alias("valid_from"),
        pl.when(has_eif).then(precision(*eif)).otherwise(precision(*sign)).alias("valid_from_precision"),
        pl.when(has_eif).then(pl.lit("entry_into_force")).otherwise(pl.lit("signature")).alias("valid_from_basis"),
        pl.when(open_end).then(None).otherwise(pl.date(pl.col("end_year_estimate"), 12, 31)).alias("valid_to"),
        pl.when(open_end).then(pl.lit("day")).otherwise(pl.lit("year")).alias("valid_to_precision"),
        open_end.alias("in_force_at_end_of_coverage"),
    )


def _names(ctx: MapContext, mapped: pl.DataFrame, side: int) -> list[str]:
    """The crosswalk's name of each row's party ``side`` (1 or 2), or DCAD's COW letters when unmapped."""
    names = dict(zip(ctx.crosswalk.states["state_key"], ctx.crosswalk.states["name"], strict=True))
    keys, letters = mapped.get_column(f"state_key{side}").to_list(), mapped.get_column(f"cow_name{side}").to_list()
    return [names.get(k, abbr) if k else abbr for k, abbr in zip(keys, letters, strict=True)]


def _notes(row: dict[str, Any]) -> str:
    categories = ", ".join(c for c in (row["category1"], row["category2"], row["category3"]) if c)
    parts = [f"DCAD {row['dca_id']}: {row['type']} agreement ({categories})."]
    if row["valid_from_basis"] == "signature":
        parts.append("Entry into force not given by DCAD; the interval starts at signature.")
    if row["in_force_at_end_of_coverage"]:
        parts.append(f"DCAD's end-year estimate reaches {END_OF_COVERAGE_YEAR}, the end of its coverage: open end.")
    else:
        parts.append(f"Ends in {row['end_year_estimate']} by DCAD's estimate.")
    if row["terminated"] == 1:
        parts.append("DCAD codes it as terminated.")
    return " ".join(parts)


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Replace DCAD's agreements and parties; return rows written per table."""
    ctx.clear(AgreementParty, Agreement)
    frame = _framed(ctx.table("dcad", "agreements"))
    fallback: Counter[str] = Counter()
    for side in (1, 2):
        mapped = map_cow(ctx.crosswalk, frame, code_col=f"ccode{side}", year_col="sign_year")
        check_codes(
            ctx,
            mapped,
            system="cow",
            code_col=f"ccode{side}",
            year_col="sign_year",
            source="dcad",
            table="agreements",
            raw_column=f"ccode{side}",
            raw_year_column="signYear",
            what=f"DCAD side {side}",
        )
        fallback.update(unmatched_counts(mapped, f"ccode{side}", "sign_year")[1])
        frame = mapped.rename({"state_key": f"state_key{side}", "state_match": f"state_match{side}"})
    ctx.report_unmatched("DCAD ccode not a COW state in its signing year (mapped by the code)", fallback)
    same = frame.filter(pl.col("ccode1") == pl.col("ccode2")).get_column("dca_id")
    ctx.report_unmatched("DCAD agreement whose two sides have the same ccode (kept as given)", dict.fromkeys(same, 1))
    names = list(zip(_names(ctx, frame, 1), _names(ctx, frame, 2), strict=True))
    agreements, parties = [], []
    for row, (name1, name2) in zip(frame.iter_rows(named=True), names, strict=True):
        categories = "/".join(c for c in (row["category1"], row["category2"], row["category3"]) if c)
        original = {k: _plain(row[k]) for k in _KEPT if row[k] is not None}
        original |= {
            "valid_from_basis": row["valid_from_basis"],
            "in_force_at_end_of_coverage": row["in_force_at_end_of_coverage"],
            "end_of_coverage_year": END_OF_COVERAGE_YEAR,
        }
        interval = {k: row[k] for k in _TEMPORAL}
        agreements.append(
            {
                "kind": "dca",
                "title": f"{name1} - {name2} defence cooperation agreement ({categories}), {row['sign_year']}",
                "short_name": row["dca_id"],
                "signed_on": row["signed_on"],
                "signed_precision": row["signed_precision"],
                "notes": _notes(row),
                "source_key": row["dca_id"],
                "original": original,
                **interval,
            }
        )
        for side in (1, 2):
            parties.append(
                {
                    "dca_id": row["dca_id"],
                    "state_key": row[f"state_key{side}"],
                    "role": "party",
                    "source_key": f"{row['dca_id']}:{side}",
                    "original": {
                        "ccode": row[f"ccode{side}"],
                        "cow_name": row[f"cow_name{side}"],
                        "sign_year": row["sign_year"],
                        "state_match": row[f"state_match{side}"],
                    },
                    **interval,
                }
            )
    columns = ["kind", "title", "short_name", "signed_on", "signed_precision", "notes", "source_key", "original"]
    written = {"agreements": ctx.insert(Agreement, rows_frame(agreements, [*columns, *_TEMPORAL], ["original"]))}
    agreement_ids, state_ids = ctx.ids(Agreement), ctx.state_ids
    for party in parties:
        party["agreement_id"] = agreement_ids[party.pop("dca_id")]
        key = party.pop("state_key")
        party["state_id"] = state_ids.get(key) if key else None
    columns = ["agreement_id", "state_id", "role", "source_key", "original", *_TEMPORAL]
    party_frame = rows_frame(parties, columns, ["original"]).with_columns(pl.col("state_id").cast(pl.Int64))
    written["agreement_parties"] = ctx.insert(AgreementParty, party_frame)
    return written
