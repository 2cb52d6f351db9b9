"""Helpers for the enrichers beyond the reference: pair counts, attaching pair values, honest coverage.

Most relations between two states are a shared *group* in a year: a defence cooperation agreement in
force, an exercise, a peacekeeping mission, a side in an armed conflict. :func:`pair_counts` turns group
memberships ``(group, code, year)`` into the number of distinct groups each unordered pair of states shares
each year. Such a count is *symmetric*: :func:`attach_symmetric` gives a directed panel's (a, b) and (b, a)
the very same value, and a non-directed panel its one row. A *directed* value (arms delivered from a to b)
is attached twice by :func:`attach_directed`: once as ``<name>12`` (from the row's first state to its
second) and once as ``<name>21``.

Coverage. A source that covers every state in its years says "nothing happened" by having no row: there a
missing count is 0. Outside its years the source says nothing, and the value stays missing.
:func:`fill_covered` does exactly that, and also *blanks* values outside the years, so that a stray row
never makes an uncovered year look covered.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from detente.panels.joins import KEY, attach, dyad_key, in_years
from detente.panels.panel import Panel

__all__ = [
    "DIRECTED_ORDER",
    "PAIR_ORDER",
    "STATE_ORDER",
    "attach_directed",
    "attach_symmetric",
    "fill_covered",
    "pair_counts",
    "unordered_key",
]

PAIR_ORDER = ("code1", "code2", "year")
"""The key order of a table of unordered pairs (``code1`` < ``code2``): a non-directed panel's own order."""
STATE_ORDER = ("code", "year")
"""The key order of a table of state-years."""
DIRECTED_ORDER = ("source", "target", "year")
"""The key order of a table of directed pairs (:func:`attach_directed`)."""


def unordered_key(code1: str, code2: str, year: str = "year") -> pl.Expr:
    """The packed key of the unordered pair {code1, code2} in a year: (a, b) and (b, a) share it."""
    low = pl.min_horizontal(code1, code2).cast(pl.Int64)
    high = pl.max_horizontal(code1, code2).cast(pl.Int64)
    return (low * 10_000_000 + high * 10_000 + pl.col(year).cast(pl.Int64)).alias(KEY)


def pair_counts(members: pl.DataFrame, *, group: str, code: str, out: str, year: str = "year") -> pl.DataFrame:
    """Per unordered pair of codes and year, the number of distinct ``group`` values both belong to.

    ``members`` holds one row per (group, code, year) membership (duplicates are ignored). Returns columns
    ``code1`` < ``code2``, ``year``, ``out``.
    """
    distinct = members.select(group, pl.col(code).cast(pl.Int64), pl.col(year).cast(pl.Int64)).unique().drop_nulls()
    pairs = distinct.join(distinct, on=[group, year], suffix="_b").filter(pl.col(code) < pl.col(f"{code}_b"))
    return (
        pairs.group_by(pl.col(code).alias("code1"), pl.col(f"{code}_b").alias("code2"), year)
        .agg(pl.col(group).n_unique().cast(pl.Int64).alias(out))
        .rename({year: "year"})
    )


def attach_symmetric(panel: Panel, values: pl.DataFrame, columns: Sequence[str], what: str) -> pl.DataFrame:
    """``panel``'s frame with ``columns`` of ``values`` (keyed by ``code1``, ``code2``, ``year``, either order).

    ``values`` must hold each unordered pair-year once (:func:`pair_counts` does).
    """
    keyed = values.select(unordered_key("code1", "code2"), *columns)
    code = panel.code
    return attach(panel.frame, unordered_key(f"{code}1", f"{code}2"), keyed, what)


def attach_directed(
    panel: Panel, values: pl.DataFrame, columns: Sequence[str], what: str
) -> tuple[pl.DataFrame, list[str]]:
    """``panel``'s frame with each of ``columns`` twice: ``<c>12`` (first -> second state) and ``<c>21``.

    ``values`` is keyed by ``source``, ``target`` and ``year`` (one row each). Returns the frame and the
    names of the new columns, in order.
    """
    code = panel.code
    frame = panel.frame
    added: list[str] = []
    for suffix, key in (("12", dyad_key(f"{code}1", f"{code}2")), ("21", dyad_key(f"{code}2", f"{code}1"))):
        renamed = values.select(dyad_key("source", "target"), *(pl.col(c).alias(f"{c}{suffix}") for c in columns))
        frame = attach(frame, key, renamed, what)
        added.extend(f"{c}{suffix}" for c in columns)
    return frame, added


def fill_covered(
    frame: pl.DataFrame, columns: Sequence[str], years: tuple[int, int], covered: pl.Expr | None = None
) -> pl.DataFrame:
    """Missing ``columns`` become 0 in the source's ``years`` (and where ``covered`` holds); outside, null."""
    inside = in_years(*years) if covered is None else in_years(*years) & covered.fill_null(False)
    return frame.with_columns(pl.when(inside).then(pl.col(c).fill_null(0)).otherwise(None).alias(c) for c in columns)
