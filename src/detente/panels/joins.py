"""Row-preserving joins for enrichers: a left join that never adds, drops or reorders a panel's rows.

Every enricher adds columns by joining a source table to the panel. Two rules keep that honest:

* the source side must have at most one row per key -- :func:`attach` checks, and raises rather than let a
  duplicated key silently multiply panel rows (enrichers must never change the row count);
* the panel keeps its row order (Polars joins do not promise an order unless asked).

Keys are packed into one 64-bit integer (``code * 10**4 + year`` for a state-year, ``code1 * 10**7 + code2 *
10**4 + year`` for a dyad-year; codes are below 1000, years below 10000). A join on one integer column is
several times faster than on three, which matters on a busy two-core machine and a million-row panel.
"""

from __future__ import annotations

import polars as pl

__all__ = ["attach", "dyad_key", "in_years", "state_key"]

KEY = "_key"


def state_key(code: str, year: str = "year") -> pl.Expr:
    """The packed key of a (state code, year) pair."""
    return (pl.col(code).cast(pl.Int64) * 10_000 + pl.col(year).cast(pl.Int64)).alias(KEY)


def dyad_key(code1: str, code2: str, year: str = "year") -> pl.Expr:
    """The packed key of a (code1, code2, year) triple; (a, b) and (b, a) get different keys."""
    return (
        pl.col(code1).cast(pl.Int64) * 10_000_000 + pl.col(code2).cast(pl.Int64) * 10_000 + pl.col(year).cast(pl.Int64)
    ).alias(KEY)


def attach(frame: pl.DataFrame, panel_key: pl.Expr, values: pl.DataFrame, what: str) -> pl.DataFrame:
    """``frame`` with the columns of ``values`` (which carries its key in ``_key``) joined on ``panel_key``.

    Raises:
        ValueError: ``values`` has a key twice (the join would duplicate panel rows).
    """
    if not values[KEY].is_sorted():
        values = values.sort(KEY)
    if (values[KEY].diff() == 0).any():
        raise ValueError(f"{what}: the source has more than one row for some unit; refusing to duplicate rows")
    values = values.with_columns(pl.col(KEY).set_sorted())
    # Join only the key column, then put the new columns beside the panel's: the panel's own columns are
    # never gathered or copied. When the panel's keys are sorted too (a non-directed dyad-year panel is),
    # flagging both sides lets Polars merge instead of hashing: 30x faster against a million-row source.
    keys = frame.select(panel_key)
    if keys[KEY].is_sorted():
        keys = keys.with_columns(pl.col(KEY).set_sorted())
    looked_up = keys.join(values, on=KEY, how="left", maintain_order="left").drop(KEY)
    return frame.hstack(looked_up.get_columns())


def in_years(first: int, last: int, year: str = "year") -> pl.Expr:
    """True in the source's coverage years (where a missing value means "none", not "unknown")."""
    return pl.col(year).is_between(first, last)
