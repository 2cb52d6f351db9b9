"""The 2021 SIPRI registers of four suppliers as arms transfers delivered before 1995.

The SIPRI trade register (:mod:`detente.sources.sipri_register`) covers every supplier's deliveries
from 1995 on. These four older registers (United Kingdom, France, Germany: ``deals``; United States:
``us_deals``) go back to orders of 1940, so what they add is the deliveries before 1995. Only those are
mapped, so that no delivery is counted twice:

- a deal whose delivery years all fall before 1995 becomes one ``arms_transfers`` row;
- a deal with deliveries in 1995 or later is left to the register (its 1995+ years are there); deals
  that *straddle* 1995 (284 of them) cannot be split, because the registers give the number and TIV
  delivered per deal, not per year: they are reported with their count and stay in the dataset tables;
- a deal with no delivery recorded is not a transfer and is not mapped.

One row per deal, not per delivery year: ``delivery_year`` is the year when the deal was delivered in
one year, else NULL, with the years as SIPRI writes them in ``original.delivery_years`` and the first
and last year beside it. ``number_delivered`` and ``tiv_delivered`` are the deal's totals;
``tiv_per_unit`` is SIPRI's "TIV per unit" (UK, France, Germany; the US layout has no TIV, so NULL);
``number_ordered`` is given. ``category`` is NULL (these registers have a description, not SIPRI's
armament category). Names are matched in the first delivery year; a name that is neither in the
crosswalk nor in ``crosswalk/aliases.yml`` stops the load (:mod:`detente.sources.unknowns`).

Where the two releases overlap (deliveries 1995-2020), the tests compare them: most deals agree on the
numbers delivered; the rest were revised by SIPRI between the 2021 and 2025 releases.
"""

from __future__ import annotations

import polars as pl

from detente.sources.mapping import MapContext
from detente.sources.unknowns import check_names
from detente.store.models import ArmsTransfer

INPUTS = ("sipri_registers_by_supplier",)
NEEDS_STATES = True

SOURCE = "sipri_registers_by_supplier"
REGISTER_START = 1995
"""The first delivery year of the full SIPRI trade register: deliveries from then on are mapped from it."""

US = "United States"


def delivery_span(column: str) -> list[pl.Expr]:
    """First and last four-digit year in SIPRI's delivery-years text ("1977; 1978", "2011-2012")."""
    years = pl.col(column).str.extract_all(r"\d{4}").list.eval(pl.element().cast(pl.Int64))
    return [years.list.min().alias("first_delivery"), years.list.max().alias("last_delivery")]


def deals(ctx: MapContext) -> pl.DataFrame:
    """Both layouts as one frame: supplier, recipient, register, deal number and the shared columns."""
    european = ctx.table(SOURCE, "deals").with_columns(
        pl.col("supplier").alias("register"),
        pl.int_range(pl.len()).over("supplier").alias("deal"),
    )
    american = ctx.table(SOURCE, "us_deals").with_columns(
        pl.lit(US).alias("supplier"),
        pl.lit(US).alias("register"),
        pl.int_range(pl.len()).alias("deal"),
        *[pl.lit(None, pl.Float64).alias(c) for c in ("tiv_per_unit", "tiv_total_order", "tiv_delivered")],
        pl.lit(None, pl.String).alias("status"),
    )
    columns = [
        "register", "deal", "supplier", "recipient", "order_year", "number_ordered", "designation", "description",
        "number_delivered", "delivery_years", "status", "comments", "tiv_per_unit", "tiv_total_order",
        "tiv_delivered", "aid",
    ]  # fmt: skip
    return pl.concat([european.select(columns), american.select(columns)]).with_columns(delivery_span("delivery_years"))


def _match(ctx: MapContext, frame: pl.DataFrame, role: str) -> pl.DataFrame:
    matched, unmatched, not_states = ctx.crosswalk.match_names(frame, role, year_col="first_delivery")
    ctx.report_unmatched(f"{role} names that are not states", not_states)
    raw = ["Recipient", "country"] if role == "recipient" else ["Supplier"]
    check_names(ctx, unmatched, source=SOURCE, table="deals", columns=raw, what=f"SIPRI register {role}")
    ids = pl.DataFrame(
        {"state_key": list(ctx.state_ids), f"{role}_state_id": list(ctx.state_ids.values())},
        schema={"state_key": pl.String, f"{role}_state_id": pl.Int64},
    )
    return matched.join(ids, on="state_key", how="left", maintain_order="left").select(
        pl.all().exclude("state_key", "name_match"), pl.col("name_match").alias(f"{role}_match")
    )


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Replace the transfers written from these registers; return rows written."""
    frame = deals(ctx)
    delivered = frame.filter(pl.col("first_delivery").is_not_null())
    straddling = delivered.filter(
        (pl.col("first_delivery") < REGISTER_START) & (pl.col("last_delivery") >= REGISTER_START)
    )
    ctx.report_unmatched(
        "deals delivered across 1995 (left to the dataset tables: not split by year)",
        dict(straddling.group_by("register").len().iter_rows()),
    )
    early = delivered.filter(pl.col("last_delivery") < REGISTER_START)
    for role in ("supplier", "recipient"):
        early = _match(ctx, early, role)
    out = early.select(
        "supplier_state_id",
        "recipient_state_id",
        pl.col("supplier").alias("supplier_name"),
        pl.col("recipient").alias("recipient_name"),
        pl.col("designation").str.slice(0, 200),
        pl.col("description").str.slice(0, 300),
        pl.lit(None, pl.String).alias("category"),
        "order_year",
        pl.lit(None, pl.Boolean).alias("order_year_estimated"),
        "number_ordered",
        pl.when(pl.col("first_delivery") == pl.col("last_delivery"))
        .then(pl.col("first_delivery"))
        .alias("delivery_year"),
        "number_delivered",
        "status",
        "tiv_per_unit",
        "tiv_delivered",
        pl.format("sipri2021:{}:{}", "register", "deal").alias("source_key"),
        pl.struct(
            "register",
            "delivery_years",
            "first_delivery",
            "last_delivery",
            "comments",
            "aid",
            "tiv_total_order",
            "supplier_match",
            "recipient_match",
        ).alias("original"),
    )
    ctx.clear(ArmsTransfer)
    return {"arms_transfers": ctx.insert(ArmsTransfer, out)}
