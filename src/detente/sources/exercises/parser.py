"""Multinational (MME v7) and Joint (JME v3) Military Exercises, with participants by name.

Participants are kept exactly as coded (names in MME, mostly ISO3-like letters in JME, plus non-states
such as "NATO"); mapping them to state codes goes through detente's reviewed alias table later.

``mme_exercises`` (mme_v7.csv, one row per record; ``mme_id`` repeats for 3 ids, so ``record`` is the key)
    ``record`` (1-based row number), ``mme_id``, ``ex_name`` (null where coded -9), ``series_name``,
    ``location``, ``lat``, ``lon``, ``start_year``/``start_month``/``start_day`` and ``start_date``,
    ``end_*`` and ``end_date`` (day "xx" = unknown: the day is null and so is the date), domain dummies
    ``cpx``, ``air``, ``land``, ``sea``, ``amphibious``, ``cyber``, mission dummies ``warfighting``,
    ``peacekeeping``, ``humanitarian``, ``focus_description``, ``additional_participant_info``.
``mme_participants``: ``record``, ``mme_id``, ``position`` (1 = StateA), ``participant`` (name).
``jme_exercises`` (jme_v3.xls, the raw coding sheet): ``record`` (sheet row), ``jme_number``,
    ``exercise_name``, ``location1``, ``location2``, ``start_year``/``start_month``/``start_day``,
    ``end_*`` (-9 and "xx" are unknown -> null; parts are kept as coded, no date is built because the
    sheet holds values such as day 171), ``jme_type`` (FTX, CPX ...), ``host``, ``purpose``,
    ``institutions``, ``sources`` and the other sheet columns snake_cased.
``jme_participants``: ``record``, ``position`` (1 = State A), ``participant``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.dates import date_from_parts
from detente.sources.rawtable import Col, Kind, RawTable
from detente.sources.workbook import read_sheet

_UNKNOWN = frozenset({"", "NA", "-9", "xx", "XX", "xxxx"})
_DUMMIES = ["CPX", "Air", "Land", "Sea", "Amphibious", "Cyber", "Warfighting", "Peacekeeping", "Humanitarian"]


def _participants(table: RawTable, columns: list[str], keys: pl.DataFrame) -> pl.DataFrame:
    """Long table of the non-missing participant cells, in column order."""
    wide = keys.with_columns(
        table.frame.select(columns).rename({c: str(i + 1) for i, c in enumerate(columns)}).get_columns()
    )
    long = wide.unpivot(index=keys.columns, variable_name="position", value_name="participant")
    return (
        long.with_columns(pl.col("position").cast(pl.Int64), pl.col("participant").str.strip_chars())
        .filter(pl.col("participant").is_not_null() & ~pl.col("participant").is_in(["", "-9"]))
        .sort(["record", "position"])
    )


def _mme(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    table = read_csv(path, "utf-8")
    parts = [
        Col(f"{p}.{unit}", f"{prefix}_{unit}", Kind.INT, nulls=_UNKNOWN)
        for p, prefix in (("s", "start"), ("e", "end"))
        for unit in ("year", "month", "day")
    ]
    frame = table.typed(
        [
            Col("MMEID", "mme_id"),
            Col("Ex_Name", "ex_name", nulls=frozenset({"", "-9"})),
            Col("Series_Name", "series_name"),
            Col("Location", "location"),
            Col("lat", kind=Kind.FLOAT),
            Col("lon", kind=Kind.FLOAT),
            *parts,
            *[Col(d, d.lower(), Kind.INT) for d in _DUMMIES],
            Col("FocusDescription", "focus_description"),
            Col("AdditionalParticipantInfo", "additional_participant_info"),
        ]
    ).with_row_index("record", offset=1)
    frame = frame.with_columns(pl.col("record").cast(pl.Int64))
    for prefix, raw in (("start", "s"), ("end", "e")):
        names = (f"{prefix}_year", f"{prefix}_month", f"{prefix}_day")
        raws = (f"{raw}.year", f"{raw}.month", f"{raw}.day")
        frame = frame.with_columns(date_from_parts(table, frame, names, raws, f"{prefix}_date"))
    state_columns = [c for c in table.frame.columns if c.startswith("State")]
    participants = _participants(table, state_columns, frame.select("record", "mme_id"))
    return frame, participants


def _jme(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    table = read_sheet(path, "Sheet1_2")
    parts = [
        Col(f"{p}.{unit}", f"{prefix}_{unit}", Kind.INT, nulls=_UNKNOWN)
        for p, prefix in (("s", "start"), ("e", "end"))
        for unit in ("year", "month", "day")
    ]
    state_columns = [c for c in table.frame.columns if c.startswith("State ")]
    renamed = {
        "unnamed_2": "jme_number",
        "Which state hosted the exercise?": "host",
        "What is the purpose of the JME?": "purpose",
        "Institution(s) involved": "institutions",
        "Anything interesting to note about this exercise?": "note",
        "Part of the Reforger Exercise?": "reforger",
        "Source(s)": "sources",
        "AUS": "aus_flag",
    }
    cols = [
        Col("unnamed_2", "jme_number", Kind.INT),
        Col("Exercise Name", "exercise_name", nulls=frozenset({"", "-9"})),
        *parts,
        Col("JME Type", "jme_type"),
        *[Col(raw, out) for raw, out in renamed.items() if out not in {"jme_number"}],
    ]
    declared = {c.source for c in cols} | set(state_columns)
    rest = [Col(c) for c in table.frame.columns if c not in declared]
    frame = table.typed([*cols, *rest])
    frame = frame.with_columns(pl.Series("record", list(table.lines), dtype=pl.Int64)).select(
        "record", pl.exclude("record")
    )
    participants = _participants(table, state_columns, frame.select("record"))
    return frame, participants


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse MME v7 and JME v3 (see the module docstring)."""
    mme, mme_participants = _mme(files["mme_v7.csv"])
    jme, jme_participants = _jme(files["jme_v3.xls"])
    return {
        "mme_exercises": mme,
        "mme_participants": mme_participants,
        "jme_exercises": jme,
        "jme_participants": jme_participants,
    }
