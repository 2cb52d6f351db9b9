"""peacesciencer (Steven V. Miller's R package) data tables, read from the package's .rda files.

Every ``<name>.rda`` becomes the table ``<name>`` (column names are the package's, already snake_case),
with R's whole-number doubles as integers. The tables detente uses:

state systems and places
    ``cow_states`` (COW 2016: ``ccode``, ``stateabb``, ``statenme``, ``styear``..``endday``),
    ``gw_states`` (``gwcode``, ``startdate``, ``enddate``), ``cow_capitals`` / ``gw_capitals``,
    ``cow_majors``, ``maoz_powers``, ``false_cow_dyads`` / ``false_gw_dyads``.
dyad-year frames and distances
    ``cow_ddy``, ``gw_ddy`` (directed dyad-years used by ``create_dyad_years``), ``cow_mindist``,
    ``gw_mindist``, ``cow_contdir`` (direct contiguity 3.2).
alliances, capabilities, IGOs, trade
    ``atop_alliance`` (ATOP 5.1 directed dyad-years), ``cow_nmc`` (NMC 7.0; ``milex`` in thousands
    of current US$), ``cow_igo_sy``, ``cow_igo_ndy``, ``cow_trade_sy``.
conflict
    ``cow_mid_disps``, ``cow_mid_dirdisps``, ``cow_mid_ddydisps``, ``gml_mid_disps``, ``gml_dirdisp``,
    ``gml_mid_ddydisps``, ``gml_part``, ``ucdp_acd``, ``ucdp_onsets``, ``cow_war_inter``,
    ``cow_war_intra``, ``td_rivalries``, ``tss_rivalries``, ``grh_arms_races``, ``terrthreat``.
leaders and society
    ``archigos``, ``archigossums``, ``LEAD`` (as ``lead``), ``leader_codes``, ``lwuf``, ``creg``, ``hief``,
    ``rugged``.

Coded missing values: in the MID and war tables COW/GML write -9 for "unknown" (and -8 for "not
applicable" in war deaths). Those columns (:data:`SENTINEL_COLUMNS`) get null there; nowhere else is a
negative number touched (a Polity score of -9 is a real score).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import polars as pl

from detente.sources.rdata import read_rda

TABLES: Final = (
    "cow_states", "gw_states", "cow_capitals", "gw_capitals", "cow_majors", "maoz_powers",
    "false_cow_dyads", "false_gw_dyads", "cow_ddy", "gw_ddy", "cow_mindist", "gw_mindist", "cow_contdir",
    "atop_alliance", "cow_nmc", "cow_igo_sy", "cow_igo_ndy", "cow_trade_sy",
    "cow_mid_disps", "cow_mid_dirdisps", "cow_mid_ddydisps", "gml_mid_disps", "gml_dirdisp",
    "gml_mid_ddydisps", "gml_mid_ddlydisps", "gml_mid_dirleaderdisps", "gml_part", "ucdp_acd", "ucdp_onsets",
    "cow_war_inter", "cow_war_intra", "td_rivalries", "tss_rivalries", "grh_arms_races", "terrthreat",
    "archigos", "archigossums", "LEAD", "leader_codes", "lwuf", "creg", "hief", "rugged",
)  # fmt: skip

_MID = ("fatality", "fatality1", "fatality2", "fatalpre", "fatalpre1", "fatalpre2", "outcome", "settle")
SENTINEL_COLUMNS: Final[dict[str, tuple[tuple[str, ...], tuple[int, ...]]]] = {
    "cow_mid_disps": (_MID, (-9,)),
    "cow_mid_dirdisps": (_MID, (-9,)),
    "cow_mid_ddydisps": (_MID, (-9,)),
    "gml_mid_disps": (_MID, (-9,)),
    "gml_dirdisp": (
        (*_MID, "revstate1", "revstate2", "revtype11", "revtype12", "revtype21", "revtype22"),
        (-9,),
    ),
    "gml_mid_ddydisps": (_MID, (-9,)),
    "gml_part": (("stday", "endday", "fatality", "fatalpre"), (-9,)),
    "cow_war_inter": (("batdeath1", "batdeath2"), (-9, -8)),
    "cow_war_intra": (("sideadeaths", "sidebdeaths"), (-9, -8)),
}
"""Table -> (columns, codes): numeric codes that mean unknown / not applicable in those columns."""


def _without_sentinels(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    columns, codes = SENTINEL_COLUMNS.get(name, ((), ()))
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(
        pl.when(pl.col(c).is_in(list(codes))).then(None).otherwise(pl.col(c)).alias(c) for c in present
    )


def parse(files: Mapping[str, Path]) -> dict[str, pl.DataFrame]:
    """Read each declared ``.rda`` into the table of the same name (lower-case), sentinels nulled."""
    return {name.lower(): _without_sentinels(name, read_rda(files[f"{name}.rda"], name)) for name in TABLES}
