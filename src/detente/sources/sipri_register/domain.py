"""The SIPRI trade register as arms transfers: one ``arms_transfers`` row per deal and delivery year.

Every row of the parsed ``transfers`` table becomes one :class:`~detente.store.models.ArmsTransfer`;
none is dropped, so TIV sums over the domain table equal SIPRI's own. What each column takes:

==========================  ===================================================================
``supplier_name``           SIPRI's supplier name exactly as written ("Turkiye", "UAE", "NATO**")
``supplier_state_id``       that name matched to a state by the crosswalk in the *delivery year*
``recipient_name`` / ``_state_id``  the same for the recipient
``designation``             the weapon's designation ("F-35A", "S-400 Triumf")
``description``             SIPRI's short description ("FGA aircraft", "SAM system")
``category``                SIPRI's armament category ("Aircraft", "Missiles", "Ships" ...)
``order_year``              year of the order; ``order_year_estimated`` when SIPRI marks it uncertain
                            (NULL where SIPRI leaves the flag blank: unknown, not "no")
``number_ordered``          NULL: this export of the register has no "Number ordered" column
``delivery_year``           the year of this row's deliveries (1995-2024); ``delivery_year_estimated``
``number_delivered``        items delivered in that year; ``number_delivered_estimated``
``local_production``        SIPRI's flag: produced under licence in the recipient
``status``                  "New", "Second hand" or "Second hand but modernized"
``tiv_per_unit``            SIPRI's unit TIV *in this deal* ("TIV deal unit"; second-hand items
                            are valued below new ones)
``tiv_delivered``           TIV of this year's deliveries, millions (a volume measure, not money)
``source_key``              ``sipri:<SIPRI AT Database ID>:<delivery year>``, unique in the register
==========================  ===================================================================

Names are matched in the delivery year because that is when the state received or sent the item (an
order can predate the recipient's independence). Names that are not states (organisations marked
``**``, rebel groups and sub-state actors marked ``*``, "unknown supplier(s)", territories such as
Aruba or Western Sahara, all listed in the reviewed ``crosswalk/aliases.yml``) keep ``state_id`` NULL and
are reported with their row counts. A name in neither the crosswalk nor that file stops the load with an
error naming the file, row and column (:mod:`detente.sources.unknowns`); the 2025 release has none.

``original`` keeps, for every row, the register's values that have no column of their own: the SIPRI
deal id, SIPRI's unit TIV for a new item (``sipri_estimate``), and how each name was matched (``name``
or ``alias``). SIPRI leaves the "order date is estimate" cell blank for 112 rows of 2024 orders; those
rows store ``order_year_estimated`` NULL (the flag is unknown, not "no").
"""

from __future__ import annotations

import polars as pl

from detente.sources.mapping import MapContext, MappingError
from detente.sources.unknowns import check_names
from detente.store.models import ArmsTransfer

INPUTS = ("sipri_register",)
NEEDS_STATES = True

SOURCE_KEY_PREFIX = "sipri"
YEAR_COLUMN = "delivery_year"
"""The year names are matched in (see the module docstring)."""

_ORIGINAL_FIELDS = ("deal_id", "sipri_estimate", "supplier_match", "recipient_match")


def _match_party(ctx: MapContext, transfers: pl.DataFrame, role: str) -> pl.DataFrame:
    """Add ``<role>_state_id`` and ``<role>_match`` for the ``role`` (supplier or recipient) name column.

    Reports names that are not states, and names the crosswalk cannot place, with their row counts.
    """
    matched, unmatched, not_states = ctx.crosswalk.match_names(transfers, role, year_col=YEAR_COLUMN)
    if matched.height != transfers.height:
        raise MappingError(
            f"sipri_register: matching {role} names returned {matched.height} rows for {transfers.height}; "
            "the crosswalk's name matcher must keep every row once (update the crosswalk branch)"
        )
    ids = pl.DataFrame(
        {"state_key": list(ctx.state_ids), f"{role}_state_id": list(ctx.state_ids.values())},
        schema={"state_key": pl.String, f"{role}_state_id": pl.Int64},
    )
    matched = matched.join(ids, on="state_key", how="left", maintain_order="left")
    lost = matched.filter(pl.col("state_key").is_not_null() & pl.col(f"{role}_state_id").is_null())
    if lost.height:
        counts = lost.group_by(role).len().iter_rows()
        ctx.report_unmatched(f"{role} names whose crosswalk state is not in the store", dict(counts))
    ctx.report_unmatched(f"{role} names that are not states", not_states)
    check_names(
        ctx, unmatched, source="sipri_register", table="transfers", columns=[role.capitalize()], what=f"SIPRI {role}"
    )
    return matched.select(pl.all().exclude("state_key", "name_match"), pl.col("name_match").alias(f"{role}_match"))


def transfers_frame(ctx: MapContext) -> pl.DataFrame:
    """The parsed register as ``arms_transfers`` rows (columns named as the model's), one per input row."""
    transfers = ctx.table("sipri_register", "transfers")
    for role in ("supplier", "recipient"):
        transfers = _match_party(ctx, transfers, role)
    return transfers.select(
        "supplier_state_id",
        "recipient_state_id",
        pl.col("supplier").alias("supplier_name"),
        pl.col("recipient").alias("recipient_name"),
        "designation",
        "description",
        pl.col("armament_category").alias("category"),
        "order_year",
        "order_year_estimated",
        pl.lit(None, pl.Int64).alias("number_ordered"),
        "delivery_year",
        "delivery_year_estimated",
        pl.col("numbers_delivered").alias("number_delivered"),
        pl.col("numbers_delivered_estimated").alias("number_delivered_estimated"),
        "status",
        pl.col("tiv_deal_unit").alias("tiv_per_unit"),
        "tiv_delivered",
        "local_production",
        pl.format("{}:{}:{}", pl.lit(SOURCE_KEY_PREFIX), "deal_id", "delivery_year").alias("source_key"),
        pl.struct(*_ORIGINAL_FIELDS).alias("original"),
    )


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Replace the arms transfers written from any SIPRI register version; return rows written."""
    frame = transfers_frame(ctx)
    ctx.clear(ArmsTransfer)
    return {"arms_transfers": ctx.insert(ArmsTransfer, frame)}
