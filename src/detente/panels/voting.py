"""UN General Assembly voting (1946-2020) on dyad-years and state-years: how often two states vote alike.

Source: ``unvotes`` (Voeten, Strezhnev and Bailey's roll-call data as the R package unvotes ships it):
``roll_calls`` (one row per recorded vote of the Assembly, with its date) and ``votes`` (one row per
state voting in it: ``yes``, ``no`` or ``abstain``; absences and non-members have no row).

Dyad-years:

``unvote_common``
    the number of roll calls in the year in which both states voted;
``unvote_agree``
    the share of those in which both voted the same way (yes-yes, no-no or abstain-abstain), 0..1 --
    the simplest affinity measure (the S-score and ideal points are refinements of it). Missing when the
    two had no roll call in common.

State-years: ``unvote_votes``, the roll calls the state voted in, and ``unvote_rollcalls``, the roll
calls the Assembly held that year (so ``unvote_votes / unvote_rollcalls`` is its participation).

Coverage. A year is covered when the Assembly held at least one recorded vote (none in 1964, when the
19th session avoided every vote; one in 2020, where the data end). Within a year, a state is covered
when it voted at least once: the data cannot tell a member absent all year from a non-member, so a
state with no vote has missing values that year, never 0 -- and so does every pair it is in. Countries
are matched by name in the year of the vote (Federal Republic of Germany, Yemen Arab Republic ...); the
Ukrainian and Byelorussian SSRs, UN members but never states of either system before 1991, and the
Republic of China's votes of 1946-1948 (recorded as "Taiwan", before COW's Taiwan exists) reach no row.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import polars as pl

from detente.panels.cache import read_table
from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.joins import attach
from detente.panels.pairs import PAIR_ORDER, attach_symmetric
from detente.panels.panel import Panel
from detente.panels.sides import attach_per_state
from detente.store.database import Store

if TYPE_CHECKING:
    import numpy as np

__all__ = ["add_un_voting_agreement", "pair_agreement", "state_votes"]

_VOTE_CODE = {"yes": 1, "no": 2, "abstain": 3}


def state_votes(store: Store, panel: Panel, book: CodeBook | None = None) -> pl.DataFrame:
    """Every vote as ``rcid``, ``year``, ``code`` (the panel's code of the voter) and ``vote`` (1 yes, 2 no,
    3 abstain); one vote per state and roll call. ``book`` defaults to the store's code book."""
    roll_calls = read_table(store, "unvotes", "roll_calls", columns=["rcid", "date"]).select(
        pl.col("rcid").cast(pl.Int64), pl.col("date").dt.year().cast(pl.Int64).alias("year")
    )
    votes = read_table(store, "unvotes", "votes").select(
        pl.col("rcid").cast(pl.Int64),
        "country",
        pl.col("vote").replace_strict(_VOTE_CODE, default=None, return_dtype=pl.Int8).alias("vote"),
    )
    votes = votes.join(roll_calls, on="rcid", how="inner").drop_nulls("vote")
    book = book or code_book(store)
    voters = votes.select("country", "year").unique()
    voters, _ = book.names_to_states(voters, column="country", year="year", out="state_id")
    voters = book.panel_code(voters, state="state_id", year="year", system=panel.system, out="code")
    coded = votes.join(voters.drop_nulls("code").select("country", "year", "code"), on=["country", "year"])
    return coded.unique(["rcid", "code"], keep="first").select("rcid", "year", "code", "vote")


def _bitsets(rows: np.ndarray, cols: np.ndarray, states: int, words: int) -> np.ndarray:
    """A states x words array of 64-bit words with bit ``col`` of row ``row`` set for each (row, col)."""
    import numpy as np

    bits = np.zeros((states, words), dtype=np.uint64)
    np.bitwise_or.at(bits, (rows, cols // 64), np.left_shift(np.uint64(1), (cols % 64).astype(np.uint64)))
    return bits


def _shared(bits: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """For each pair (first[k], second[k]) of rows, how many bits both rows have set."""
    import numpy as np

    counts: np.ndarray = np.bitwise_count(bits[first] & bits[second]).sum(axis=1, dtype=np.int64)
    return counts


def pair_agreement(votes: pl.DataFrame) -> pl.DataFrame:
    """Per unordered pair of voters (``code1`` < ``code2``) and year in which both voted at all:
    ``unvote_common`` and ``unvote_agree`` (see the module docstring).

    Each state's votes in a year are kept as bit sets over the year's roll calls (one for "voted", one for
    each answer), so that the roll calls two states share are the set bits of an AND: a few hundred
    thousand word operations a year, rather than a join of every vote with every other. (numpy is
    imported here: only a cache miss computes this.)
    """
    import numpy as np

    ordered = votes.sort("year")
    year_of, code_of = ordered["year"].to_numpy(), ordered["code"].to_numpy()
    rcid_of, ballot_of = ordered["rcid"].to_numpy(), ordered["vote"].to_numpy()
    starts = np.concatenate(([0], np.flatnonzero(np.diff(year_of)) + 1, [len(year_of)]))
    out = []
    for begin, end in itertools.pairwise(starts.tolist()):
        if begin == end:
            continue
        codes, rows = np.unique(code_of[begin:end], return_inverse=True)
        _calls, cols = np.unique(rcid_of[begin:end], return_inverse=True)
        ballot = ballot_of[begin:end]
        states, words = len(codes), int(cols.max()) // 64 + 1
        first, second = np.triu_indices(states, k=1)
        common = _shared(_bitsets(rows, cols, states, words), first, second)
        same = np.zeros_like(common)
        for answer in _VOTE_CODE.values():
            chose = ballot == answer
            same += _shared(_bitsets(rows[chose], cols[chose], states, words), first, second)
        out.append(
            pl.DataFrame(
                {
                    "code1": codes[first],
                    "code2": codes[second],
                    "year": np.full(first.shape, year_of[begin], dtype=np.int64),
                    "unvote_common": common,
                    "_same": same,
                }
            )
        )
    empty = {"code1": pl.Int64, "code2": pl.Int64, "year": pl.Int64, "unvote_common": pl.Int64, "_same": pl.Int64}
    table = pl.concat(out) if out else pl.DataFrame(schema=empty)
    agree = pl.when(pl.col("unvote_common") > 0).then(pl.col("_same") / pl.col("unvote_common"))
    return table.with_columns(agree.alias("unvote_agree")).drop("_same")


def add_un_voting_agreement(panel: Panel) -> Panel:
    """Add ``unvote_agree`` and ``unvote_common`` (dyad-years) or ``unvote_votes`` and ``unvote_rollcalls``
    (state-years): UN General Assembly roll-call votes (see the module docstring)."""
    store = panel.require("add_un_voting_agreement")
    book = code_book(store)
    inputs = [("unvotes", "votes"), ("unvotes", "roll_calls")]
    version = f"{panel.system}-v2"

    def votes() -> pl.DataFrame:
        return book.cached(store, f"unvote-votes-{version}", inputs, lambda: state_votes(store, panel, book))

    if panel.unit == "state_year":
        per_state = votes().group_by("code", "year").agg(pl.len().cast(pl.Int64).alias("unvote_votes"))
        frame = attach_per_state(panel, per_state, "code", ["unvote_votes"], "add_un_voting_agreement")
        held = read_table(store, "unvotes", "roll_calls", columns=["date"]).group_by(
            pl.col("date").dt.year().cast(pl.Int64).alias("year")
        )
        per_year = held.agg(pl.len().cast(pl.Int64).alias("unvote_rollcalls"))
        years = per_year.select(pl.col("year").cast(pl.Int64).alias("_key"), "unvote_rollcalls")
        frame = attach(frame, pl.col("year").cast(pl.Int64).alias("_key"), years, "add_un_voting_agreement")
    else:
        # On a warm cache only the pairs are read: the 0.9 million votes they were counted from stay on disk.
        name = f"unvote-pairs-{version}"
        pairs = book.cached(store, name, inputs, lambda: pair_agreement(votes()), order=PAIR_ORDER)
        frame = attach_symmetric(panel, pairs, ["unvote_agree", "unvote_common"], "add_un_voting_agreement")
    return panel.with_frame(frame, source_citation(store, "unvotes"), source_citation(store, "countrycode"))
