"""Joint military exercises (MME v7, 1980-2010; JME v3, 1974-2010) on dyad-years and state-years.

Source: the store's engagements of kind ``exercise`` and their participants, as the exercises mapper wrote
them (:mod:`detente.sources.exercises.domain`): one engagement per exercise record, one participant per
named state (names and ISO3 codes matched to states in the exercise's start year; organisations such as
"NATO" and groups such as "8 NATO members" name no state and so count for none).

An exercise counts in the year it starts. Three counts, for the pair (dyad-years: both states took part)
or for the state (state-years: it took part):

``mme_exercises``
    exercises of the Multinational Military Exercises dataset (MME v7), 1980-2010;
``jme_exercises``
    exercises of the Joint Military Exercises dataset (JME v3), 1974-2010. JME's raw coding sheet leaves
    310 of its 1,790 rows without a year; those cannot be placed in a year and count nowhere;
``exercises``
    distinct exercises known to either, 1980-2010: every MME exercise plus each JME exercise that the
    mapper did not flag as a possible duplicate of an MME one (same start month and participants, or the
    same name and year). The two datasets were coded independently and share many exercises (RIMPAC,
    Cobra Gold ...), so adding the first two columns would count those twice.

Coverage: each dataset codes every multinational exercise it could find, for all states, in its years:
there a pair or state without one gets 0; outside them the count is missing.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from detente.panels.citations import source_citation
from detente.panels.codebook import CodeBook, code_book
from detente.panels.pairs import fill_covered, pair_counts
from detente.panels.panel import Panel
from detente.panels.stored import read_source_rows
from detente.panels.unit_tables import attach_unit_table
from detente.store.database import Store

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["EXERCISE_COLUMNS", "EXERCISE_YEARS", "add_joint_exercises", "exercise_participations"]

EXERCISE_YEARS: dict[str, tuple[int, int]] = {
    "mme_exercises": (1980, 2010),
    "jme_exercises": (1974, 2010),
    "exercises": (1980, 2010),
}
"""The years each count covers."""
EXERCISE_COLUMNS = list(EXERCISE_YEARS)


def _exercises() -> tuple[Select[Any], Any]:
    from sqlalchemy import JSON, select, type_coerce

    from detente.panels.tables import engagements

    # The JME-MME duplicate flag lives in ``original``; read just that key, in SQL (JSON on both backends).
    engagement = engagements.c
    flag = type_coerce(engagement.original, JSON)["possible_mme_duplicates"].as_string()
    query = select(engagement.id, engagement.valid_from, engagement.source_key, flag).where(
        engagement.kind == "exercise", engagement.valid_from.is_not(None)
    )
    return query, engagement.source_version_id


def _participants() -> tuple[Select[Any], Any]:
    from sqlalchemy import select

    from detente.panels.tables import engagement_participants

    participant = engagement_participants.c
    query = select(participant.engagement_id, participant.state_id).where(participant.state_id.is_not(None))
    return query, participant.source_version_id


def exercise_participations(store: Store) -> pl.DataFrame:
    """One row per exercise and participating state: ``exercise``, ``state_id``, ``year``, and the flags
    ``mme``, ``jme`` and ``distinct`` (counted in ``exercises``)."""
    schema = {"exercise": pl.Int64, "start": pl.Date, "source_key": pl.String, "duplicates": pl.String}
    exercises = read_source_rows(store, "exercises", "exercises-v1", _exercises, schema)
    schema = {"exercise": pl.Int64, "state_id": pl.Int64}
    participants = read_source_rows(store, "exercises", "participants-v1", _participants, schema)
    duplicate = pl.col("duplicates").is_not_null() & ~pl.col("duplicates").is_in(["[]", "null"])
    flagged = exercises.select(
        "exercise",
        pl.col("start").dt.year().cast(pl.Int64).alias("year"),
        pl.col("source_key").str.starts_with("mme:").alias("mme"),
        pl.col("source_key").str.starts_with("jme:").alias("jme"),
        duplicate.alias("_duplicate"),
    ).with_columns((pl.col("mme") | (pl.col("jme") & ~pl.col("_duplicate"))).alias("distinct"))
    return participants.join(flagged.drop("_duplicate"), on="exercise", how="inner").unique(["exercise", "state_id"])


def _table(store: Store, book: CodeBook, panel: Panel) -> pl.DataFrame:
    """The three counts per (code, year) for state-years, per (code1, code2, year) for dyad-years."""
    rows = book.panel_code(
        exercise_participations(store), state="state_id", year="year", system=panel.system, out="code"
    ).drop_nulls("code")
    flags = {"mme_exercises": "mme", "jme_exercises": "jme", "exercises": "distinct"}
    if panel.unit == "state_year":
        return rows.group_by("code", "year").agg(
            pl.col("exercise").filter(pl.col(flag)).n_unique().cast(pl.Int64).alias(name)
            for name, flag in flags.items()
        )
    tables = [
        pair_counts(rows.filter(pl.col(flag)), group="exercise", code="code", out=name) for name, flag in flags.items()
    ]
    pairs = tables[0]
    for table in tables[1:]:
        pairs = pairs.join(table, on=["code1", "code2", "year"], how="full", coalesce=True)
    return pairs


def add_joint_exercises(panel: Panel) -> Panel:
    """Add ``mme_exercises``, ``jme_exercises`` and ``exercises`` (see the module docstring) to a panel.

    The counts are computed once per state of the store (audit head) and then read from the columnar cache.
    """
    store = panel.require("add_joint_exercises")
    book = code_book(store)
    name = f"exercises-{panel.unit}-{panel.system}-v1"
    build = partial(_table, store, book, panel)
    frame = attach_unit_table(
        panel, store, book, name, build, EXERCISE_COLUMNS, "add_joint_exercises", domain_rows=True
    )
    for name, years in EXERCISE_YEARS.items():
        frame = fill_covered(frame, [name], years)
    return panel.with_frame(frame, source_citation(store, "exercises"))
