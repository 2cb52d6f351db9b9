"""IPI Peacekeeping Database: UN uniformed personnel contributions, 1990-11 to 2017-03.

Dates are month-ends (``date``). Contributors are ISO3 codes (or names in per-country files).
"NA" in IPI files means "none reported" and is read as null.

``mission_months`` (data_mission.csv, one row per mission x month)
    ``date``, ``mission``, ``mission_kind`` (peacekeeping_operation | special_political_mission |
    support_office, see :mod:`.missions`), ``host_country``, ``host_iso3``, ``hq``, ``hq_latitude``,
    ``hq_longitude``, ``mission_continent``, ``mission_region``, host memberships (``host_nam``,
    ``host_g77``, ``host_au`` ...), ``contributors``, ``troops``, ``police``, ``observers``, ``total``.
    IPI's headers "Mission HQ Longitude" and "Mission HQ Latitude" are swapped (Tegucigalpa has
    "Longitude" 14.1); the parser un-swaps them, and checks against missions.json that the swap is
    still there, so that a corrected future file is not swapped back.
``monthly`` (data_monthly.csv): global month summary -- ``contributors``, ``troops``, ``police``,
    ``eom`` (experts on mission), ``total`` and their mean/median/SD per contributor.
``contributor_missions_2014_03`` (current_month.csv): contributor x mission detail for 2014-03-31.
``contributor_months`` (countries/<Country>.csv): ``contributor`` (name, from the file name), ``date``,
    ``troops``, ``police``, ``experts`` (1990-11 .. 2014-03).
``missions`` (missions.json): ``mission``, ``mission_kind``, ``host_country``, ``host_iso3``, ``hq``,
    ``hq_latitude``, ``hq_longitude``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from detente.sources.csvfile import read_csv
from detente.sources.errors import SourceDataError
from detente.sources.ipi_peacekeeping.missions import MISSION_KINDS, PEACEKEEPING
from detente.sources.rawtable import Col, Kind, RawTable, snake_case
from detente.sources.textfile import read_text

_KIND = pl.col("mission").replace_strict(MISSION_KINDS, default=PEACEKEEPING).alias("mission_kind")


def _missions(path: Path) -> pl.DataFrame:
    try:
        data = json.loads(read_text(path, "utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceDataError(
            path, exc.lineno, None, f"is not valid JSON ({exc.msg}).", "Re-download the file."
        ) from exc
    rows = []
    for code, item in data.items():
        try:
            rows.append(
                {
                    "mission": code,
                    "host_country": item["country"],
                    "host_iso3": item["country_id"],
                    "hq": item["hq"],
                    "hq_latitude": float(item["mission_loc"]["y"]),
                    "hq_longitude": float(item["mission_loc"]["x"]),
                }
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceDataError(
                path, None, code, f"mission entry lacks or mistypes {exc}.", "Re-download the file."
            ) from exc
    return pl.DataFrame(rows).with_columns(_KIND).sort("mission")


def _mission_months(table: RawTable, missions: pl.DataFrame) -> pl.DataFrame:
    memberships = [c for c in table.frame.columns if c.startswith("Mission - ")]
    frame = table.typed(
        [
            Col("Date", "date", Kind.DATE),
            Col("Mission", "mission"),
            Col("Country of Mission", "host_country"),
            Col("Country of Mission ISO-3", "host_iso3"),
            Col("Mission HQ", "hq"),
            # Swapped in the source: the "Longitude" header holds the latitude and vice versa.
            Col("Mission HQ Longitude", "hq_latitude", Kind.FLOAT),
            Col("Mission HQ Latitude", "hq_longitude", Kind.FLOAT),
            Col("Mission Continent", "mission_continent"),
            Col("Mission Region", "mission_region"),
            *[Col(c, "host_" + snake_case(c.removeprefix("Mission - ")), Kind.INT) for c in memberships],
            Col("Number of Contributors", "contributors", Kind.INT),
            Col("Troops", "troops", Kind.INT),
            Col("Police", "police", Kind.INT),
            Col("Observers", "observers", Kind.INT),
            Col("Total", "total", Kind.INT),
        ]
    )
    _check_swap(table, frame, missions)
    return frame.with_columns(_KIND).select(
        "date", "mission", "mission_kind", pl.exclude("date", "mission", "mission_kind")
    )


def _check_swap(table: RawTable, frame: pl.DataFrame, missions: pl.DataFrame) -> None:
    """Fail if data_mission.csv no longer has its latitude/longitude headers swapped."""
    joined = frame.join(missions.select("mission", "hq_latitude"), on="mission", suffix="_json")
    close = (joined["hq_latitude"] - joined["hq_latitude_json"]).abs() < 0.5
    if joined.height and close.mean() < 0.5:  # type: ignore[operator]
        raise SourceDataError(
            table.file,
            table.header_line,
            "Mission HQ Longitude",
            "the HQ latitude/longitude headers are no longer swapped (they agree with missions.json as labelled).",
            "The publisher fixed the file: remove the swap in the ipi_peacekeeping parser and declare the "
            "new version in source.yml.",
        )


def _contributor_months(files: Mapping[str, Path]) -> pl.DataFrame:
    frames = []
    for key in sorted(k for k in files if k.startswith("countries/")):
        table = read_csv(files[key], "utf-8")
        frame = table.typed(
            [
                Col("Date", "date", Kind.DATE),
                Col("Troops", "troops", Kind.INT),
                Col("Police", "police", Kind.INT),
                Col("Experts", "experts", Kind.INT),
            ]
        )
        contributor = key.removeprefix("countries/").removesuffix(".csv")
        frames.append(frame.select(pl.lit(contributor).alias("contributor"), pl.all()))
    return pl.concat(frames)


def _monthly(table: RawTable) -> pl.DataFrame:
    """Global month summary; "Troop Contributions" -> ``troops``, "Average Troop Contribution" ->
    ``troops_mean``, "Median ..." -> ``troops_median``, "... - SD" -> ``troops_sd`` (same for police,
    eom, total)."""
    cols = [Col("Date", "date", Kind.DATE), Col("Number of Contributors", "contributors", Kind.INT)]
    for raw, out in (("Troop", "troops"), ("Police", "police"), ("EOM", "eom"), ("Total", "total")):
        cols += [
            Col(f"{raw} Contributions", out, Kind.INT),
            Col(f"Average {raw} Contribution", f"{out}_mean", Kind.FLOAT),
            Col(f"Median {raw} Contribution", f"{out}_median", Kind.FLOAT),
            Col(f"{raw} Contributions - SD", f"{out}_sd", Kind.FLOAT),
        ]
    return table.typed(cols)


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Parse the IPI files (see the module docstring)."""
    missions = _missions(files["missions.json"])
    mission_months = _mission_months(read_csv(files["data_mission.csv"], "utf-8"), missions)
    monthly_frame = _monthly(read_csv(files["data_monthly.csv"], "utf-8"))
    current = read_csv(files["current_month.csv"], "utf-8").typed(
        [
            Col("Date", "date", Kind.DATE),
            Col("Contributor", "contributor"),
            Col("Contributor_ISO-3", "contributor_iso3"),
            Col("Mission", "mission"),
            Col("Mission_Country_ISO-3", "host_iso3"),
            # Same swap as data_mission.csv.
            Col("Mission_HQ_Longitude", "hq_latitude", Kind.FLOAT),
            Col("Mission_HQ_Latitude", "hq_longitude", Kind.FLOAT),
            Col("Inidividual_Police", "individual_police", Kind.INT),
            Col("Troops", "troops", Kind.INT),
            Col("Total", "total", Kind.INT),
        ],
        rest=Kind.AUTO,
    )
    return {
        "mission_months": mission_months,
        "monthly": monthly_frame,
        "contributor_missions_2014_03": current.with_columns(_KIND),
        "contributor_months": _contributor_months(files),
        "missions": missions,
    }
