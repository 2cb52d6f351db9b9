"""The name matcher on the real name-only sources, and the hygiene of the reviewed alias table."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from detente.sources.crosswalk import Crosswalk, CrosswalkError, normalise

UN_MEMBERS = [
    "AFG",
    "ALB",
    "DZA",
    "AND",
    "AGO",
    "ATG",
    "ARG",
    "ARM",
    "AUS",
    "AUT",
    "AZE",
    "BHS",
    "BHR",
    "BGD",
    "BRB",
    "BLR",
    "BEL",
    "BLZ",
    "BEN",
    "BTN",
    "BOL",
    "BIH",
    "BWA",
    "BRA",
    "BRN",
    "BGR",
    "BFA",
    "BDI",
    "CPV",
    "KHM",
    "CMR",
    "CAN",
    "CAF",
    "TCD",
    "CHL",
    "CHN",
    "COL",
    "COM",
    "COG",
    "CRI",
    "CIV",
    "HRV",
    "CUB",
    "CYP",
    "CZE",
    "PRK",
    "COD",
    "DNK",
    "DJI",
    "DMA",
    "DOM",
    "ECU",
    "EGY",
    "SLV",
    "GNQ",
    "ERI",
    "EST",
    "SWZ",
    "ETH",
    "FJI",
    "FIN",
    "FRA",
    "GAB",
    "GMB",
    "GEO",
    "DEU",
    "GHA",
    "GRC",
    "GRD",
    "GTM",
    "GIN",
    "GNB",
    "GUY",
    "HTI",
    "HND",
    "HUN",
    "ISL",
    "IND",
    "IDN",
    "IRN",
    "IRQ",
    "IRL",
    "ISR",
    "ITA",
    "JAM",
    "JPN",
    "JOR",
    "KAZ",
    "KEN",
    "KIR",
    "KWT",
    "KGZ",
    "LAO",
    "LVA",
    "LBN",
    "LSO",
    "LBR",
    "LBY",
    "LIE",
    "LTU",
    "LUX",
    "MDG",
    "MWI",
    "MYS",
    "MDV",
    "MLI",
    "MLT",
    "MHL",
    "MRT",
    "MUS",
    "MEX",
    "FSM",
    "MCO",
    "MNG",
    "MNE",
    "MAR",
    "MOZ",
    "MMR",
    "NAM",
    "NRU",
    "NPL",
    "NLD",
    "NZL",
    "NIC",
    "NER",
    "NGA",
    "MKD",
    "NOR",
    "OMN",
    "PAK",
    "PLW",
    "PAN",
    "PNG",
    "PRY",
    "PER",
    "PHL",
    "POL",
    "PRT",
    "QAT",
    "KOR",
    "MDA",
    "ROU",
    "RUS",
    "RWA",
    "KNA",
    "LCA",
    "VCT",
    "WSM",
    "SMR",
    "STP",
    "SAU",
    "SEN",
    "SRB",
    "SYC",
    "SLE",
    "SGP",
    "SVK",
    "SVN",
    "SLB",
    "SOM",
    "ZAF",
    "SSD",
    "ESP",
    "LKA",
    "SDN",
    "SUR",
    "SWE",
    "CHE",
    "SYR",
    "TJK",
    "THA",
    "TLS",
    "TGO",
    "TON",
    "TTO",
    "TUN",
    "TUR",
    "TKM",
    "TUV",
    "UGA",
    "UKR",
    "ARE",
    "GBR",
    "TZA",
    "USA",
    "URY",
    "UZB",
    "VUT",
    "VEN",
    "VNM",
    "YEM",
    "ZMB",
    "ZWE",
]


def test_un_members_are_states(cw: Crosswalk) -> None:
    assert len(set(UN_MEMBERS)) == 193
    keys = set(cw.states.get_column("state_key").to_list())
    assert set(UN_MEMBERS) <= keys


def _un_member_names(cw: Crosswalk) -> set[str]:
    names = cw.codes.filter((pl.col("system") == "name") & pl.col("state_key").is_in(UN_MEMBERS))
    return {normalise(n) for n in names.get_column("code").to_list()}


@pytest.mark.parametrize("column", ["supplier", "recipient"])
def test_sipri_register_names(cw: Crosswalk, parsed: Callable[[str], dict[str, pl.DataFrame]], column: str) -> None:
    transfers = parsed("sipri_register")["transfers"]
    frame, unmatched, not_states = cw.match_names(transfers, column, year_col="delivery_year")
    assert frame.height == transfers.height
    # every name is either a state or a reviewed non-state: nothing unknown is left
    assert unmatched == {}
    counts = frame.group_by("name_match").len()
    assert counts.get_column("len").sum() == transfers.height
    # no UN member state hides among the names reported as not states
    member_names = _un_member_names(cw)
    assert not [n for n in not_states if normalise(n) in member_names]
    # the reported non-states are the SIPRI organisations, actors and unknowns
    matched = frame.filter(pl.col("state_key").is_not_null()).height
    assert matched + sum(not_states.values()) == transfers.height
    if column == "supplier":
        assert not_states["unknown supplier(s)"] == 194
    else:
        assert not_states["NATO**"] == 26
        assert not_states["Hezbollah (Lebanon)*"] == 37
        assert not_states["unknown recipient(s)"] == 66


def test_sipri_register_hard_names(cw: Crosswalk, parsed: Callable[[str], dict[str, pl.DataFrame]]) -> None:
    transfers = parsed("sipri_register")["transfers"]
    frame = cw.match_names(transfers, "recipient", year_col="delivery_year").frame
    pairs = dict(frame.select("recipient", "state_key").unique().drop_nulls().iter_rows())
    assert pairs["DR Congo"] == "COD"
    assert pairs["Germany"] == "DEU"
    assert pairs["Viet Nam"] == "VNM"
    assert pairs["Palestine"] == "PSE"
    assert pairs["Kosovo"] == "COW-347"
    assert pairs["Turkiye"] == "TUR"


@pytest.mark.parametrize(
    ("source", "table", "column", "year_col"),
    [
        ("sipri_tiv", "tiv", "supplier", "year"),
        ("sipri_tiv", "tiv", "recipient", "year"),
        ("sipri_milex", "milex", "country", "year"),
        ("sipri_registers_by_supplier", "deals", "recipient", "order_year"),
        ("sipri_registers_by_supplier", "us_deals", "recipient", "order_year"),
        ("sipri_registers_by_supplier", "us_tiv", "recipient", "year"),
        ("exercises", "mme_participants", "participant", None),
        ("exercises", "jme_participants", "participant", None),
        ("troopdata", "deployments", "countryname", "year"),
        ("troopdata", "construction", "countryname", "year"),
        ("usaid", "aid", "country_name", "year"),
        ("us_arms_sales", "sales", "country", "year"),
        ("ipi_peacekeeping", "contributor_months", "contributor", None),
        ("ipi_peacekeeping_gender", "contributor_mission_months", "contributor", None),
    ],
)
def test_name_sources_fully_classified(
    cw: Crosswalk,
    parsed: Callable[[str], dict[str, pl.DataFrame]],
    source: str,
    table: str,
    column: str,
    year_col: str | None,
) -> None:
    frame = parsed(source)[table]
    result = cw.match_names(frame, column, year_col=year_col)
    assert result.unmatched == {}
    member_names = _un_member_names(cw)
    assert not [n for n in result.not_states if normalise(n) in member_names]


def test_historical_names_by_year(cw: Crosswalk) -> None:
    frame = pl.DataFrame(
        {
            "name": ["Soviet Union", "East Germany (GDR)", "North Yemen", "South Vietnam", "Yugoslavia", "Korea"],
            "year": [1980, 1980, 1980, 1970, 1980, 1900],
        }
    )
    out = cw.match_names(frame, "name", year_col="year").frame
    assert out.get_column("state_key").to_list() == ["RUS", "COW-265", "YEM", "COW-817", "SRB", "COW-730"]
    assert out.get_column("name_match").to_list() == ["alias", "alias", "alias", "alias", "name", "name"]


def test_nothing_is_dropped(cw: Crosswalk) -> None:
    frame = pl.DataFrame({"name": ["Atlantis", "Atlantis", None, "NATO", "germany", "C\u00f4te d\u2019Ivoire"]})
    out, unmatched, not_states = cw.match_names(frame, "name")
    assert out.height == 6
    assert unmatched == {"Atlantis": 2}
    assert not_states == {"NATO": 1}
    assert out.get_column("name_match").to_list() == [
        "unmatched",
        "unmatched",
        "missing",
        "not_a_state",
        "name",
        "name",
    ]
    assert out.get_column("state_key").to_list()[4:] == ["DEU", "CIV"]


def test_match_names_refuses_to_overwrite(cw: Crosswalk) -> None:
    with pytest.raises(CrosswalkError, match="already has"):
        cw.match_names(pl.DataFrame({"name": ["France"], "state_key": ["x"]}), "name")


def test_normalise() -> None:
    assert normalise("Côte d'Ivoire") == "cote d ivoire"
    assert normalise("Hezbollah (Lebanon)*") == "hezbollah lebanon"
    assert normalise("Bosnia & Herzegovina") == "bosnia and herzegovina"
    assert normalise("The Gambia") == "gambia"


def test_alias_table_hygiene(cw: Crosswalk) -> None:
    keys = set(cw.states.get_column("state_key").to_list())
    assert set(cw.aliases.get_column("state_key").to_list()) <= keys
    # each alias spelling appears once, and is not also listed as a non-state
    assert cw.aliases.get_column("norm").is_unique().all()
    assert cw.not_a_state.get_column("norm").is_unique().all()
    assert set(cw.aliases.get_column("norm")).isdisjoint(cw.not_a_state.get_column("norm"))
    # an alias never contradicts the crosswalk's own names (it would be shadowed silently)
    own = cw.codes.filter(pl.col("system") == "name").select(
        pl.col("code").map_elements(normalise, return_dtype=pl.String).alias("norm"), "state_key"
    )
    clash = cw.aliases.join(own, on="norm", suffix="_own").filter(pl.col("state_key") != pl.col("state_key_own"))
    assert clash.is_empty(), clash
    # a non-state never carries the name of a UN member state
    member_names = _un_member_names(cw)
    assert not [n for n in cw.not_a_state.get_column("norm").to_list() if n in member_names]
