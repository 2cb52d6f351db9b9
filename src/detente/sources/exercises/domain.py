"""Multinational exercises (MME v7 and JME v3) as engagements of kind ``exercise`` with their participants.

Every exercise record becomes one :class:`~detente.store.models.Engagement` (status ``executed``: both
datasets code exercises that took place) and every participant cell one
:class:`~detente.store.models.EngagementParticipant`; nothing is dropped.

Keys
    MME: ``source_key = "mme:<MMEID>"`` (``"mme:mme87"``). MME v7 gives three ids to two different exercises
    each (``mme3457``, ``mme3458``, ``mme3460``: different years, places and participants, so a coding slip,
    not a repeated record). Both records of such an id are kept, keyed ``"mme:<MMEID>:row<record>"``, with
    ``original.duplicated_mme_id = true``. JME: ``"jme:<JME number>"``; 337 sheet rows have no number and are
    keyed by their sheet row, ``"jme:row<record>"``.
Dates
    The interval runs from the start to the end date at the precision the source gives: a day coded
    ``xx`` (MME) or missing (JME) gives month precision (first / last day of the month), a missing month
    year precision, a missing year an open bound. An impossible day (JME codes day 171 twice) is read as
    unknown, so month precision; the raw parts stay in ``original``.
Participants
    MME writes country names, JME mostly ISO3 codes (some in mixed case). Both go through the crosswalk's
    name matcher (own names, ISO3 codes, then the reviewed alias table) in the exercise's start year.
    Organisations ("NATO") and groups ("8 NATO members") keep ``state_id`` NULL and ``name_as_given``;
    every name not matched to a state is reported with its row count.
MME and JME overlap
    The two datasets were coded independently and share many exercises (RIMPAC, Cobra Gold ...). Neither
    is dropped -- their codings differ (dates, participants) and each is a record of its own source -- but
    a JME exercise that looks like an MME one is flagged, not silently double counted: it gets
    ``original.possible_mme_duplicates`` (the MME keys) when it has the same start year and month and the
    same set of (at least two) participating states, or the same normalised name and start year. Count
    exercises with ``source_key LIKE 'mme:%'`` plus JME rows without that flag.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from datetime import date
from typing import Any

import polars as pl

from detente.sources.mapping import MapContext
from detente.sources.unknowns import check_names
from detente.store.models import Engagement, EngagementParticipant

INPUTS = ("exercises",)
NEEDS_STATES = True

DOMAINS = ("cpx", "air", "land", "sea", "amphibious", "cyber")
"""MME domain dummies: command-post exercise, air, land, sea, amphibious, cyber."""
MISSIONS = ("warfighting", "peacekeeping", "humanitarian")
"""MME mission dummies."""

_MISSING_TEXT = frozenset({"", "-9", "NA"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def bound(year: int | None, month: int | None, day: int | None, *, end: bool) -> tuple[date | None, str]:
    """One bound of an interval from date parts, and its precision.

    A missing or impossible day gives month precision (first or last day of the month), a missing month
    year precision, a missing year no bound (the precision then says ``year``, the coarsest).

        >>> bound(1980, 1, None, end=True)
        (datetime.date(1980, 1, 31), 'month')
    """
    if year is None:
        return None, "year"
    if month is None or not 1 <= month <= 12:
        return (date(year, 12, 31) if end else date(year, 1, 1)), "year"
    if day is not None:
        try:
            return date(year, month, day), "day"
        except ValueError:
            pass
    if end:
        return date(year, month, calendar.monthrange(year, month)[1]), "month"
    return date(year, month, 1), "month"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in _MISSING_TEXT else text


def _norm(name: str | None) -> str | None:
    return None if name is None else _NON_ALNUM.sub("", name.lower()) or None


def _engagement(
    row: dict[str, Any], key: str, title: str, place: str | None, original: dict[str, Any]
) -> dict[str, Any]:
    start, start_precision = bound(row["start_year"], row["start_month"], row["start_day"], end=False)
    end, end_precision = bound(row["end_year"], row["end_month"], row["end_day"], end=True)
    parts = ("start_year", "start_month", "start_day", "end_year", "end_month", "end_day")
    original = {**original, "date_parts": {p: row[p] for p in parts}}
    if start is not None and end is not None and end < start:
        original["end_before_start"] = True
    return {
        "kind": "exercise",
        "status": "executed",
        "title": title[:300],
        "place": None if place is None else place[:200],
        "valid_from": start,
        "valid_from_precision": start_precision,
        "valid_to": end,
        "valid_to_precision": end_precision,
        "source_key": key,
        "original": original,
    }


def _mme(exercises: pl.DataFrame) -> pl.DataFrame:
    duplicated = set(exercises.filter(pl.col("mme_id").is_duplicated()).get_column("mme_id").to_list())
    rows = []
    for row in exercises.iter_rows(named=True):
        mme_id = row["mme_id"]
        key = f"mme:{mme_id}" + (f":row{row['record']}" if mme_id in duplicated else "")
        name = _text(row["ex_name"]) or _text(row["series_name"])
        original: dict[str, Any] = {
            "dataset": "MME v7",
            "mme_id": mme_id,
            "record": row["record"],
            "ex_name": row["ex_name"],
            "series_name": row["series_name"],
            "domains": [d for d in DOMAINS if row[d] == 1],
            "missions": [m for m in MISSIONS if row[m] == 1],
            "additional_participant_info": row["additional_participant_info"],
        }
        if mme_id in duplicated:
            original["duplicated_mme_id"] = True
        record = _engagement(row, key, name or f"Unnamed exercise {mme_id}", _text(row["location"]), original)
        record.update(latitude=row["lat"], longitude=row["lon"], description=row["focus_description"])
        record["record"] = row["record"]
        rows.append(record)
    return pl.DataFrame(rows, schema_overrides={"original": pl.Object}, infer_schema_length=None)


def _jme(exercises: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for row in exercises.iter_rows(named=True):
        number = row["jme_number"]
        key = f"jme:{number}" if number is not None else f"jme:row{row['record']}"
        places = [p for p in (_text(row["location1"]), _text(row["location2"])) if p]
        original: dict[str, Any] = {
            "dataset": "JME v3",
            "jme_number": number,
            "record": row["record"],
            "exercise_name": row["exercise_name"],
            "jme_type": row["jme_type"],
            "host": row["host"],
            "institutions": row["institutions"],
            "sources": row["sources"],
        }
        title = _text(row["exercise_name"]) or f"Unnamed exercise (JME sheet row {row['record']})"
        record = _engagement(row, key, title, "; ".join(places) or None, original)
        record.update(latitude=None, longitude=None, description=_text(row["purpose"]))
        record["record"] = row["record"]
        rows.append(record)
    return pl.DataFrame(rows, schema_overrides={"original": pl.Object}, infer_schema_length=None)


def _match(ctx: MapContext, participants: pl.DataFrame, label: str, table: str) -> pl.DataFrame:
    """Participants with ``state_id`` (null for non-states, reported); an unknown name stops the load."""
    matched, unmatched, not_states = ctx.crosswalk.match_names(participants, "participant", year_col="start_year")
    ctx.report_unmatched(f"{label} participants: not states (kept, state_id NULL)", not_states)
    check_names(ctx, unmatched, source="exercises", table=table, columns=None, what=f"{label} participant")
    ids = pl.DataFrame(
        {"state_key": list(ctx.state_ids), "state_id": list(ctx.state_ids.values())},
        schema={"state_key": pl.String, "state_id": pl.Int64},
    )
    return matched.join(ids, on="state_key", how="left")


def _hosts(ctx: MapContext, jme: pl.DataFrame) -> dict[int, set[int]]:
    """JME record -> host state ids, from the (rarely filled) host column; ``;`` separates two hosts."""
    cells = (
        jme.select("record", "start_year", pl.col("host").str.split(";"))
        .explode("host")
        .with_columns(pl.col("host").str.strip_chars())
        .filter(pl.col("host").is_not_null() & (pl.col("host") != ""))
        .rename({"host": "participant"})
    )
    found = _match(ctx, cells, "JME host", "jme_exercises")
    hosts: dict[int, set[int]] = defaultdict(set)
    for record, state_id in found.filter(pl.col("state_id").is_not_null()).select("record", "state_id").iter_rows():
        hosts[int(record)].add(int(state_id))
    return hosts


def _flag_overlap(
    mme: pl.DataFrame, jme: pl.DataFrame, mme_states: pl.DataFrame, jme_states: pl.DataFrame
) -> pl.DataFrame:
    """``jme`` with ``original.possible_mme_duplicates`` on the exercises that look like MME ones."""

    def signatures(frame: pl.DataFrame, states: pl.DataFrame) -> tuple[dict[Any, set[str]], dict[Any, set[str]]]:
        sets: dict[int, set[int]] = defaultdict(set)
        for record, state_id in states.drop_nulls("state_id").select("record", "state_id").iter_rows():
            sets[record].add(state_id)
        by_states: dict[Any, set[str]] = defaultdict(set)
        by_name: dict[Any, set[str]] = defaultdict(set)
        for row in frame.iter_rows(named=True):
            parts = row["original"]["date_parts"]
            members = frozenset(sets.get(row["record"], ()))
            if len(members) >= 2 and parts["start_year"] and parts["start_month"]:
                by_states[(parts["start_year"], parts["start_month"], members)].add(row["source_key"])
            name = _norm(row["original"].get("ex_name") or row["original"].get("exercise_name"))
            if name and parts["start_year"]:
                by_name[(parts["start_year"], name)].add(row["source_key"])
        return by_states, by_name

    mme_by_states, mme_by_name = signatures(mme, mme_states)
    jme_by_states, jme_by_name = signatures(jme, jme_states)
    links: dict[str, set[str]] = defaultdict(set)
    for mine, theirs in ((jme_by_states, mme_by_states), (jme_by_name, mme_by_name)):
        for signature, keys in mine.items():
            for key in keys:
                links[key] |= theirs.get(signature, set())
    originals = [
        {**original, "possible_mme_duplicates": sorted(links[key])} if links.get(key) else original
        for key, original in jme.select("source_key", "original").iter_rows()
    ]
    return jme.with_columns(pl.Series("original", originals, dtype=pl.Object))


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write MME and JME exercises and their participants; return rows written per table."""
    ctx.clear(EngagementParticipant, Engagement)
    mme_raw, jme_raw = ctx.table("exercises", "mme_exercises"), ctx.table("exercises", "jme_exercises")
    mme, jme = _mme(mme_raw), _jme(jme_raw)
    years = {
        "mme": mme_raw.select("record", "start_year"),
        "jme": jme_raw.select("record", "start_year"),
    }
    mme_people = _match(
        ctx, ctx.table("exercises", "mme_participants").join(years["mme"], on="record"), "MME", "mme_participants"
    )
    jme_people = _match(
        ctx, ctx.table("exercises", "jme_participants").join(years["jme"], on="record"), "JME", "jme_participants"
    )
    jme = _flag_overlap(mme, jme, mme_people, jme_people)
    hosts = _hosts(ctx, jme_raw)
    jme = jme.with_columns(
        pl.Series(
            "host_state_id",
            [next(iter(hosts[r])) if len(hosts.get(r, ())) == 1 else None for r in jme.get_column("record")],
            dtype=pl.Int64,
        )
    )
    written = 0
    for frame in (mme, jme):
        written += ctx.insert(Engagement, frame.drop("record"))
    engagement_ids = ctx.ids(Engagement)
    participants = []
    for prefix, frame, people in (("mme", mme, mme_people), ("jme", jme, jme_people)):
        keys = frame.select("record", "source_key")
        rows = people.join(keys, on="record").with_columns(
            pl.col("source_key").replace_strict(engagement_ids, return_dtype=pl.Int64).alias("engagement_id"),
            (pl.col("source_key") + ":p" + pl.col("position").cast(pl.String)).alias("source_key"),
            pl.lit("participant").alias("role"),
        )
        if prefix == "jme":
            host_pairs = {(r, s) for r, ids in hosts.items() for s in ids}
            rows = rows.with_columns(
                pl.Series(
                    "role",
                    [
                        "host" if (r, s) in host_pairs else "participant"
                        for r, s in rows.select("record", "state_id").iter_rows()
                    ],
                    dtype=pl.String,
                )
            )
        participants.append(
            rows.select(
                "engagement_id",
                "state_id",
                pl.col("participant").str.slice(0, 200).alias("name_as_given"),
                "role",
                "source_key",
                pl.struct(pl.col("name_match"), pl.col("position")).alias("original"),
            )
        )
    people_written = ctx.insert(EngagementParticipant, pl.concat(participants))
    return {"engagements": written, "engagement_participants": people_written}
