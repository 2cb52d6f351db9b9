"""New START: the treaty, its two parties, and each party's aggregate figures as declarations.

The agreement row (``source_key = "new_start:treaty"``) is the treaty itself: signed in Prague on
8 April 2010, in force from 5 February 2011, extended in February 2021 to 4 February 2026 (the end of the
interval; ``notes`` says so). Its parties are the United States and Russia from entry into force. A reload
updates that row in place (its id stays), since the compliance pack's obligations, the evidence users
imported and the stored findings point to it; the parties and declarations are replaced. Once a reload has
committed, the loader re-evaluates the stored findings of the treaty (:mod:`detente.sources.load`).

Each row of ``aggregate_numbers`` becomes one :class:`~detente.store.models.Declaration` (``as_of`` the
data-exchange date, ``reference`` the URL the figures were transcribed from, ``agreement_id`` the treaty,
``source_key = "new_start:<party>:<date>"``). ``counts`` holds the declared categories under the
source's column names -- ``deployed_icbm_slbm_hb`` (deployed ICBMs, SLBMs and heavy bombers; limit 700),
``warheads_deployed`` (warheads on deployed ICBMs and SLBMs, one per deployed heavy bomber; limit 1,550),
``launchers_deployed_and_nondeployed`` (deployed and non-deployed ICBM/SLBM launchers and heavy bombers;
limit 800) -- and only those that were published: a blank figure is left out of ``counts`` and listed in
``original.not_published`` (Russia gave no figures for 1 March 2023), never stored as 0.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from detente.sources.mapping import MapContext
from detente.sources.unknowns import check_codes
from detente.store.models import Agreement, AgreementParty, Declaration

INPUTS = ("new_start",)
NEEDS_STATES = True

CATEGORIES = ("deployed_icbm_slbm_hb", "warheads_deployed", "launchers_deployed_and_nondeployed")
TITLE = "Treaty on Measures for the Further Reduction and Limitation of Strategic Offensive Arms (New START)"
SIGNED = date(2010, 4, 8)
IN_FORCE = date(2011, 2, 5)
EXTENDED_TO = date(2026, 2, 4)
TREATY_KEY = "new_start:treaty"
NOTES = (
    "Signed in Prague on 8 April 2010; in force 5 February 2011; extended by both parties in February 2021 "
    "for five years, to 4 February 2026. Russia announced it was 'suspending' its participation on "
    "21 February 2023 and supplied no aggregate data from then on."
)


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write the treaty, its parties and the declarations; return rows written per table."""
    ctx.clear(Declaration, AgreementParty)  # the treaty row itself is kept (ctx.keep): obligations point to it
    figures = ctx.table("new_start", "aggregate_numbers").with_columns(pl.col("as_of_date").dt.year().alias("year"))
    figures = ctx.crosswalk.map_codes(figures, system="iso3", code_col="party", year_col="year")
    check_codes(
        ctx,
        figures,
        system="iso3",
        code_col="party",
        year_col="year",
        source="new_start",
        table="aggregate_numbers",
        raw_column="party",
        what="New START party",
    )
    figures = figures.drop_nulls("state_key")  # only reviewed unmappable codes (reported above) are left out
    agreement = {
        "kind": "arms_control",
        "title": TITLE,
        "short_name": "New START",
        "signed_on": SIGNED,
        "signed_precision": "day",
        "valid_from": IN_FORCE,
        "valid_from_precision": "day",
        "valid_to": EXTENDED_TO,
        "valid_to_precision": "day",
        "notes": NOTES,
        "source_key": TREATY_KEY,
    }
    agreement_id = ctx.keep(Agreement, agreement)
    written = {"agreements": 1}
    parties = figures.select("party", "state_key").unique().sort("party")
    written["agreement_parties"] = ctx.insert(
        AgreementParty,
        pl.DataFrame(
            [
                {
                    "agreement_id": agreement_id,
                    "state_id": ctx.state_ids[key],
                    "role": "party",
                    "valid_from": IN_FORCE,
                    "valid_from_precision": "day",
                    "valid_to": EXTENDED_TO,
                    "valid_to_precision": "day",
                    "source_key": f"new_start:party:{party}",
                }
                for party, key in parties.iter_rows()
            ]
        ),
    )
    declarations = []
    for row in figures.iter_rows(named=True):
        counts = {c: row[c] for c in CATEGORIES if row[c] is not None}
        missing = [c for c in CATEGORIES if row[c] is None]
        declarations.append(
            {
                "agreement_id": agreement_id,
                "party_state_id": ctx.state_ids[row["state_key"]],
                "as_of": row["as_of_date"],
                "counts": counts,
                "reference": row["source_url"],
                "source_key": f"new_start:{row['party']}:{row['as_of_date'].isoformat()}",
                "original": {"party": row["party"], "not_published": missing} if missing else None,
            }
        )
    frame = pl.DataFrame(
        declarations, schema_overrides={"counts": pl.Object, "original": pl.Object}, infer_schema_length=None
    )
    written["declarations"] = ctx.insert(Declaration, frame)
    return written
