"""IPI peacekeeping into the domain model: one ``Mission`` per IPI mission code, and ``Contribution`` rows.

What goes where, and why:

``missions``
    One row per mission code in ``mission_months`` (78 codes, a superset of the 75 in missions.json).
    ``code`` is IPI's acronym, as IPI spells it: ONUCI and UNOCI are the same operation under its French and
    English acronyms, coded by IPI in different months (never both in one month), so they stay two rows
    and ``original.same_operation_as`` links them. ``name`` comes from :data:`MISSION_NAMES` (the files
    carry acronyms only). ``kind`` comes from the reviewed table in :mod:`.missions`:
    peacekeeping_operation -> ``un_pko``; special_political_mission -> ``un_spm``; support_office ->
    ``un_support`` (UNSOS, which supports AMISOM/ATMIS and UNSOM rather than being an operation of its own).
    The UN's own totals count ``un_pko`` only.

    The interval is the *coverage of the data*, not the mandate: from the first month-end the mission
    appears in ``mission_months`` (month precision); to its last month, or open (``NULL``) when it still
    appears in IPI's last month, 2017-03, because it was running when the data end -- the same rule as
    ATOP's "endyr 0". ``original`` keeps both months and says which side is censored (IPI starts in
    1990-11, so UNTSO's 1948 start is "before 1990-11").

    The host state is ``host_iso3`` mapped by year through the crosswalk, taking the latest year of the
    mission's data in which the code denotes a state (so Timor-Leste's missions from before 2002 get
    Timor-Leste). A code that denotes no state in any of those years must be a reviewed unmappable code of
    ``crosswalk/aliases.yml`` (Western Sahara, ESH): it leaves ``host_state_id`` NULL and is reported; any
    other code stops the load with an error naming file, row and column. The HQ
    coordinates are those of the mission's latest month in ``mission_months`` (already un-swapped by the
    parser): missions.json has MINUSMA's Bamako swapped (latitude -8.0), so it is only a fallback, and
    ``original.hq_missions_json`` records where it disagrees.

``contributions`` from ``contributor_missions_2014_03``
    One row per contributor x mission for the month 2014-03 (the strength reported at 31 March 2014, as a
    month interval). ``police`` = individual police + formed police units, ``experts`` = experts on
    mission, with the split kept in ``police_individual`` (IPO) and ``police_formed_units`` (FPU);
    ``troops`` and ``total`` as given; a count IPI wrote as NA stays ``None`` (not reported),
    never 0. The file has no sex breakdown, so ``women`` is ``None``. The gender source
    (:mod:`detente.sources.ipi_peacekeeping_gender.domain`) adds 2009-11..2014-02; the double-counting rule
    is there.

Kept only as stored dataset tables (``ds_ipi_peacekeeping__<table>``):
``mission_months`` (mission totals, not per contributor: they are the yardstick the contributions are
checked against), ``monthly`` (world totals), and ``contributor_months`` -- each contributor's monthly
troops, police and experts summed over *all* missions, with no mission column, so it cannot be split
between missions; where a mission breakdown exists (2009-11..2014-03) the contributions above already
carry it.

Missions are updated in place by ``source_key`` rather than deleted and re-inserted, because the gender
mapper's contributions refer to them; a mission that disappears from a new version is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import delete, insert, select

from detente.sources.ipi_peacekeeping.missions import PEACEKEEPING, POLITICAL, SUPPORT
from detente.sources.mapping import MapContext
from detente.sources.unknowns import check_codes
from detente.store.models import Contribution, Mission

INPUTS = ("ipi_peacekeeping",)
NEEDS_STATES = True

SOURCE = "ipi_peacekeeping"
KEY_PREFIX = f"{SOURCE}:"
"""``missions.source_key`` is ``ipi_peacekeeping:<code>``: the gender mapper finds missions by it."""

KINDS: Mapping[str, str] = {PEACEKEEPING: "un_pko", POLITICAL: "un_spm", SUPPORT: "un_support"}
"""IPI mission kind (:mod:`.missions`) -> ``missions.kind``."""

SAME_OPERATION: Mapping[str, str] = {"ONUCI": "UNOCI", "UNOCI": "ONUCI"}

MISSION_NAMES: Mapping[str, str] = {
    "BINUB": "United Nations Integrated Office in Burundi",
    "BNUB": "United Nations Office in Burundi",
    "BONUCA": "United Nations Peacebuilding Support Office in the Central African Republic",
    "IPTF": "United Nations International Police Task Force",
    "LBB": "United Nations Logistics Base at Brindisi",
    "MICAH": "International Civilian Support Mission in Haiti",
    "MINUCI": "United Nations Mission in Cote d'Ivoire",
    "MINUGUA": "United Nations Verification Mission in Guatemala",
    "MINURCA": "United Nations Mission in the Central African Republic",
    "MINURCAT": "United Nations Mission in the Central African Republic and Chad",
    "MINURSO": "United Nations Mission for the Referendum in Western Sahara",
    "MINUSCA": "United Nations Multidimensional Integrated Stabilization Mission in the Central African Republic",
    "MINUSMA": "United Nations Multidimensional Integrated Stabilization Mission in Mali",
    "MINUSTAH": "United Nations Stabilization Mission in Haiti",
    "MIPONUH": "United Nations Civilian Police Mission in Haiti",
    "MONUA": "United Nations Observer Mission in Angola",
    "MONUC": "United Nations Organization Mission in the Democratic Republic of the Congo",
    "MONUSCO": "United Nations Organization Stabilization Mission in the Democratic Republic of the Congo",
    "ONUB": "United Nations Operation in Burundi",
    "ONUCA": "United Nations Observer Group in Central America",
    "ONUCI": "United Nations Operation in Cote d'Ivoire",
    "ONUMOZ": "United Nations Operation in Mozambique",
    "ONUSAL": "United Nations Observer Mission in El Salvador",
    "UNAMA": "United Nations Assistance Mission in Afghanistan",
    "UNAMET": "United Nations Mission in East Timor",
    "UNAMI": "United Nations Assistance Mission for Iraq",
    "UNAMIC": "United Nations Advance Mission in Cambodia",
    "UNAMID": "African Union-United Nations Hybrid Operation in Darfur",
    "UNAMIR": "United Nations Assistance Mission for Rwanda",
    "UNAMSIL": "United Nations Mission in Sierra Leone",
    "UNAVEM": "United Nations Angola Verification Mission",
    "UNAVEM II": "United Nations Angola Verification Mission II",
    "UNCRO": "United Nations Confidence Restoration Operation in Croatia",
    "UNDOF": "United Nations Disengagement Observer Force",
    "UNFICYP": "United Nations Peacekeeping Force in Cyprus",
    "UNIFIL": "United Nations Interim Force in Lebanon",
    "UNIIMOG": "United Nations Iran-Iraq Military Observer Group",
    "UNIKOM": "United Nations Iraq-Kuwait Observation Mission",
    "UNIOSIL": "United Nations Integrated Office in Sierra Leone",
    "UNISFA": "United Nations Interim Security Force for Abyei",
    "UNMA": "United Nations Mission in Angola",
    "UNMC": "United Nations Mission in Colombia",
    "UNMEE": "United Nations Mission in Ethiopia and Eritrea",
    "UNMIBH": "United Nations Mission in Bosnia and Herzegovina",
    "UNMIH": "United Nations Mission in Haiti",
    "UNMIK": "United Nations Interim Administration Mission in Kosovo",
    "UNMIL": "United Nations Mission in Liberia",
    "UNMIN": "United Nations Mission in Nepal",
    "UNMIS": "United Nations Mission in the Sudan",
    "UNMISET": "United Nations Mission of Support in East Timor",
    "UNMISS": "United Nations Mission in the Republic of South Sudan",
    "UNMIT": "United Nations Integrated Mission in Timor-Leste",
    "UNMOGIP": "United Nations Military Observer Group in India and Pakistan",
    "UNMOP": "United Nations Mission of Observers in Prevlaka",
    "UNMOT": "United Nations Mission of Observers in Tajikistan",
    "UNOA": "United Nations Office in Angola",
    "UNOCI": "United Nations Operation in Cote d'Ivoire",
    "UNOMIG": "United Nations Observer Mission in Georgia",
    "UNOMIL": "United Nations Observer Mission in Liberia",
    "UNOMSIL": "United Nations Observer Mission in Sierra Leone",
    "UNOMUR": "United Nations Observer Mission Uganda-Rwanda",
    "UNOSOM": "United Nations Operation in Somalia",
    "UNOSOM II": "United Nations Operation in Somalia II",
    "UNOTIL": "United Nations Office in Timor-Leste",
    "UNPF": "United Nations Peace Forces",
    "UNPREDEP": "United Nations Preventive Deployment Force",
    "UNPROFOR": "United Nations Protection Force",
    "UNPSG": "United Nations Civilian Police Support Group",
    "UNSMIH": "United Nations Support Mission in Haiti",
    "UNSMIS": "United Nations Supervision Mission in Syria",
    "UNSOM": "United Nations Assistance Mission in Somalia",
    "UNSOS": "United Nations Support Office in Somalia",
    "UNTAC": "United Nations Transitional Authority in Cambodia",
    "UNTAES": "United Nations Transitional Administration for Eastern Slavonia, Baranja and Western Sirmium",
    "UNTAET": "United Nations Transitional Administration in East Timor",
    "UNTMIH": "United Nations Transition Mission in Haiti",
    "UNTSO": "United Nations Truce Supervision Organization",
}
"""Mission acronym -> full name (UN DPO/DPPA lists). IPI's UNFOR (Zagreb, 1996-01..02) matches no UN mission
name and keeps its code as its name; any code missing here is reported as ``mission name``."""


def _month_interval(column: str) -> list[pl.Expr]:
    """A month-end date as the month it stands for: first to last day, month precision."""
    return [
        pl.col(column).dt.month_start().alias("valid_from"),
        pl.lit("month").alias("valid_from_precision"),
        pl.col(column).dt.month_end().alias("valid_to"),
        pl.lit("month").alias("valid_to_precision"),
    ]


def mission_ids(ctx: MapContext) -> dict[str, int]:
    """IPI mission code -> ``missions.id`` (the rows this mapper wrote, in any version)."""
    rows = ctx.connection.execute(
        select(Mission.source_key, Mission.id).where(Mission.source_key.like(f"{KEY_PREFIX}%"))
    )
    return {str(key).removeprefix(KEY_PREFIX): int(row_id) for key, row_id in rows}


def _host_states(ctx: MapContext, months: pl.DataFrame) -> dict[str, int]:
    """Mission code -> host ``states.id``: the latest year of the mission's data where the code is a state."""
    years = months.select("mission", "host_iso3", pl.col("date").dt.year().alias("year")).unique()
    mapped = ctx.crosswalk.map_codes(years, system="iso3", code_col="host_iso3", year_col="year")
    found = mapped.filter(pl.col("state_key").is_not_null()).sort("year").group_by("mission").last()
    hosts = {m: ctx.state_ids[k] for m, k in found.select("mission", "state_key").iter_rows() if k in ctx.state_ids}
    check_codes(
        ctx,
        mapped.filter(~pl.col("mission").is_in(list(hosts))),
        system="iso3",
        code_col="host_iso3",
        source=SOURCE,
        table="mission_months",
        raw_column="Country of Mission ISO-3",
        what="mission host",
    )
    return hosts


def _missions(ctx: MapContext) -> list[dict[str, Any]]:
    """One dict per mission, with the ``missions`` columns (see the module docstring)."""
    months = ctx.table(SOURCE, "mission_months")
    listed = ctx.table(SOURCE, "missions")
    data_end = months.get_column("date").max()
    data_start = months.get_column("date").min()
    hosts = _host_states(ctx, months)
    latest = (
        months.sort("date")
        .group_by("mission")
        .agg(
            pl.col("date").first().alias("first_month"),
            pl.col("date").last().alias("last_month"),
            pl.col("mission_kind").last(),
            pl.col("host_iso3").last(),
            pl.col("host_country").last(),
            pl.col("hq").last(),
            pl.col("hq_latitude").last(),
            pl.col("hq_longitude").last(),
        )
    )
    from_json = {r["mission"]: r for r in listed.iter_rows(named=True)}
    unnamed: dict[str, int] = {}
    rows = []
    for r in latest.sort("mission").iter_rows(named=True):
        code, first, last = r["mission"], r["first_month"], r["last_month"]
        json_row = from_json.get(code)
        lat, lon = r["hq_latitude"], r["hq_longitude"]
        if lat is None and json_row is not None:
            lat, lon = json_row["hq_latitude"], json_row["hq_longitude"]
        original: dict[str, Any] = {
            "interval": "coverage of the IPI data (months with reported personnel), not the mandate dates",
            "first_month_in_data": first.isoformat(),
            "last_month_in_data": last.isoformat(),
            "started_before_data": first == data_start,
            "running_at_data_end": last == data_end,
            "mission_kind": r["mission_kind"],
            "host_iso3": r["host_iso3"],
            "host_country": r["host_country"],
            "hq": r["hq"],
        }
        if json_row is not None and (json_row["hq_latitude"], json_row["hq_longitude"]) != (lat, lon):
            original["hq_missions_json"] = [json_row["hq_latitude"], json_row["hq_longitude"]]
        if code in SAME_OPERATION:
            original["same_operation_as"] = SAME_OPERATION[code]
        if code not in MISSION_NAMES:
            unnamed[code] = 1
        rows.append(
            {
                "code": code,
                "name": MISSION_NAMES.get(code, code),
                "kind": KINDS[r["mission_kind"]],
                "host_state_id": hosts.get(code),
                "hq_latitude": lat,
                "hq_longitude": lon,
                "valid_from": first.replace(day=1),
                "valid_from_precision": "month",
                "valid_to": None if last == data_end else last,
                "valid_to_precision": "month",
                "source_key": KEY_PREFIX + code,
                "original": original,
            }
        )
    ctx.report_unmatched("mission name (code used as name)", unnamed)
    return rows


def _write_missions(ctx: MapContext) -> int:
    """Insert new missions, update known ones in place, delete those no longer in the source."""
    rows = _missions(ctx)
    known = mission_ids(ctx)
    stamped = [dict(r, source_version_id=ctx.source_version_id) for r in rows]
    new = [r for r in stamped if r["code"] not in known]
    if new:  # dicts, not a frame: each mission's ``original`` has its own keys
        ctx.connection.execute(insert(Mission), new)
    ctx.update_rows(Mission, "source_key", [r for r in stamped if r["code"] in known])
    stale = [known[code] for code in set(known) - {r["code"] for r in rows}]
    if stale:
        ctx.connection.execute(delete(Mission).where(Mission.id.in_(stale)))
    return len(rows)


def write_contributions(
    ctx: MapContext, frame: pl.DataFrame, *, origin: str, table: str, iso3_column: str, extra: list[str]
) -> int:
    """Insert contributor x mission x month rows; report (and leave out) rows that cannot be placed.

    ``frame`` has ``date`` (month-end), ``contributor``, ``contributor_iso3``, ``mission`` and the counts
    ``troops``, ``police``, ``police_individual``, ``police_formed_units``, ``experts``, ``total``,
    ``women``; the columns named in ``extra`` go into ``original`` beside the contributor as given.
    ``origin`` names the source, ``table`` its parsed table and ``iso3_column`` the raw header of the
    contributor's ISO3 code. A contributor code that denotes no
    state in its year stops the load unless it is a reviewed unmappable code
    (:func:`detente.sources.unknowns.check_codes`); the rows of such reviewed codes are reported and not
    written (a contribution needs a state).
    """
    missions = pl.DataFrame(
        {"mission": list(mission_ids(ctx)), "mission_id": list(mission_ids(ctx).values())},
        schema={"mission": pl.String, "mission_id": pl.Int64},
    )
    states = pl.DataFrame(
        {"state_key": list(ctx.state_ids), "state_id": list(ctx.state_ids.values())},
        schema={"state_key": pl.String, "state_id": pl.Int64},
    )
    work = ctx.crosswalk.map_codes(
        frame.with_columns(pl.col("date").dt.year().alias("year")),
        system="iso3",
        code_col="contributor_iso3",
        year_col="year",
    )
    work = work.join(states, on="state_key", how="left").join(missions, on="mission", how="left")
    no_mission = work.filter(pl.col("mission_id").is_null())
    ctx.report_unmatched(
        f"{origin} mission code (rows not written)", dict(no_mission.group_by("mission").len().iter_rows())
    )
    no_state = work.filter(pl.col("mission_id").is_not_null() & pl.col("state_id").is_null())
    check_codes(
        ctx,
        no_state,
        system="iso3",
        code_col="contributor_iso3",
        year_col="year",
        source=origin,
        table=table,
        raw_column=iso3_column,
        what="contributor",
    )
    label = pl.format("{} {} ({})", pl.col("contributor_iso3").fill_null("?"), "year", "contributor")
    ctx.report_unmatched(
        f"{origin} contributor ISO3 in year (rows not written)",
        dict(no_state.group_by(label.alias("label")).len().iter_rows()),
    )
    placed = work.filter(pl.col("mission_id").is_not_null() & pl.col("state_id").is_not_null())
    out = placed.select(
        "mission_id",
        "state_id",
        "troops",
        "police",
        "police_individual",
        "police_formed_units",
        "experts",
        "total",
        pl.col("women").cast(pl.Int64),
        *_month_interval("date"),
        pl.format(
            "{}:{}:{}:{}", pl.lit(origin), "mission", "contributor_iso3", pl.col("date").dt.strftime("%Y-%m")
        ).alias("source_key"),
        pl.struct(
            pl.lit(origin).alias("source"),
            pl.col("date").dt.strftime("%Y-%m-%d").alias("as_of"),
            "contributor",
            "contributor_iso3",
            *extra,
        ).alias("original"),
    )
    return ctx.insert(Contribution, out)


def police(individual: str, formed_units: str) -> pl.Expr:
    """Police = individual police + formed police units; ``None`` only when neither is reported."""
    a, b = pl.col(individual), pl.col(formed_units)
    return pl.when(a.is_null() & b.is_null()).then(None).otherwise(a.fill_null(0) + b.fill_null(0))


def detail_months(ctx: MapContext) -> list[date]:
    """The months the contributor x mission file of this source covers (2014-03 today)."""
    return ctx.table(SOURCE, "contributor_missions_2014_03").get_column("date").unique().sort().to_list()


def to_domain(ctx: MapContext) -> dict[str, int]:
    """Write missions and the 2014-03 contributions; return rows written per table."""
    ctx.clear(Contribution)
    written = {"missions": _write_missions(ctx)}
    detail = ctx.table(SOURCE, "contributor_missions_2014_03").select(
        "date",
        "contributor",
        "contributor_iso3",
        "mission",
        "troops",
        police("individual_police", "formed_police_units").alias("police"),
        pl.col("individual_police").alias("police_individual"),
        pl.col("formed_police_units").alias("police_formed_units"),
        pl.col("experts_on_mission").alias("experts"),
        "total",
        pl.lit(None, dtype=pl.Int64).alias("women"),
        "individual_police",
        "formed_police_units",
    )
    written["contributions"] = write_contributions(
        ctx,
        detail,
        origin=SOURCE,
        table="contributor_missions_2014_03",
        iso3_column="Contributor_ISO-3",
        extra=["individual_police", "formed_police_units"],
    )
    return written
