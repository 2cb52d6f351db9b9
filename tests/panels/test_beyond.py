"""The enrichers beyond peacesciencer, on real data: values checked against the raw files, honest coverage.

Every expected number here is computed from the mirror's raw files with Polars, independently of the
parsers, mappers and crosswalk that built the panel; the checks of coverage ask for missing values outside
each source's years and for zeros only inside them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from detente.cli.panel import app
from detente.panels import Panel, PanelUnitError, create_dyad_years, create_state_years
from detente.sources.ipi_peacekeeping.missions import MISSION_KINDS
from detente.store.database import Store
from tests.panels.conftest import MIRROR

USA, UK, CANADA, AUSTRALIA, IRAN, IRAQ, ICELAND, NEPAL, SWITZERLAND = 2, 200, 20, 900, 630, 645, 395, 790, 225

ENRICHERS = (
    "add_arms_transfers",
    "add_defense_cooperation",
    "add_joint_exercises",
    "add_peacekeeping_codeployment",
    "add_un_voting_agreement",
    "add_ucdp_conflict",
    "add_milex",
)
SYMMETRIC = [
    "dca_any",
    "dca_count",
    "mme_exercises",
    "jme_exercises",
    "exercises",
    "pko_codeployed",
    "pko_shared_missions",
    "unvote_agree",
    "unvote_common",
    "ucdp_opposed",
    "ucdp_allied",
]


def value(panel: Panel, column: str, *key: int) -> object:
    """The value of ``column`` in the row with the given codes and year (exactly one row)."""
    frame = panel.to_polars()
    names = panel.keys
    row = frame.filter(pl.all_horizontal(pl.col(n) == k for n, k in zip(names, key, strict=True)))
    assert row.height == 1, f"no single row for {key}"
    return row[column][0]


@pytest.fixture(scope="module")
def dyads(beyond_store: Store) -> Panel:
    """Non-directed COW dyad-years 1940-2025 with every new enricher (each checked not to change rows)."""
    panel = create_dyad_years(beyond_store, "cow", directed=False, years=(1940, 2025))
    for name in ENRICHERS:
        before = panel.height
        panel = getattr(panel, name)()
        assert panel.height == before, f"{name} changed the row count"
    return panel


@pytest.fixture(scope="module")
def states(beyond_store: Store) -> Panel:
    """COW state-years 1940-2025 with every new enricher."""
    panel = create_state_years(beyond_store, "cow", (1940, 2025))
    for name in ENRICHERS:
        before = panel.height
        panel = getattr(panel, name)()
        assert panel.height == before, f"{name} changed the row count"
    return panel


# -- arms transfers ---------------------------------------------------------------------------------


def test_arms_tiv_matches_the_raw_table_and_the_sipri_fact_sheet(dyads: Panel, states: Panel) -> None:
    raw = pl.read_csv(MIRROR / "sipri_tiv" / "sipri-exports-processed.csv", null_values="NA")
    for year in (1960, 2000, 2015):
        sent = raw.filter((pl.col("supplier") == "United States") & (pl.col("recipient") == "United Kingdom"))
        back = raw.filter((pl.col("supplier") == "United Kingdom") & (pl.col("recipient") == "United States"))
        assert value(dyads, "tiv12", USA, UK, year) == sent.filter(pl.col("year") == year)["value"].sum()
        assert value(dyads, "tiv21", USA, UK, year) == back.filter(pl.col("year") == year)["value"].sum()
    # SIPRI fact sheet (March 2022): the United States made 38.6% of all exports in 2017-21.
    us = states.to_polars().filter((pl.col("ccode") == USA) & pl.col("year").is_between(2017, 2021))
    world = raw.filter(pl.col("year").is_between(2017, 2021))["value"].sum()
    assert round(us["tiv_exports"].sum() / world, 3) == 0.386
    assert value(dyads, "tiv12", ICELAND, NEPAL, 2000) == 0  # covered, nothing delivered
    assert value(dyads, "arms12", ICELAND, NEPAL, 2000) == 0
    assert value(dyads, "tiv12", USA, UK, 1949) is None  # before SIPRI's table
    assert value(dyads, "tiv12", USA, UK, 2022) is None  # after it
    assert value(states, "tiv_imports", UK, 2022) is None


def test_arms_register_option_matches_the_raw_register(beyond_store: Store) -> None:
    raw = pl.read_csv(
        MIRROR / "sipri_register" / "trade_register_1995_2025.csv", skip_rows=11, infer_schema_length=0
    ).filter((pl.col("Supplier") == "United States") & (pl.col("Recipient") == "United Kingdom"))
    panel = create_dyad_years(beyond_store, "cow", directed=True, years=(1994, 2025)).add_arms_transfers(
        source="register"
    )
    expected = raw.filter(pl.col("Delivery year") == "2020")["TIV delivery values"].cast(pl.Float64).sum()
    assert value(panel, "tiv12", USA, UK, 2020) == expected == value(panel, "tiv21", UK, USA, 2020)
    assert value(panel, "tiv12", USA, UK, 1994) is None
    assert value(panel, "tiv12", USA, UK, 2024) is not None
    assert value(panel, "tiv12", USA, UK, 2025) is None
    with pytest.raises(ValueError, match=r"'tiv'.*'register'"):
        panel.add_arms_transfers(source="ledger")  # type: ignore[arg-type]


# -- defence cooperation agreements -----------------------------------------------------------------


def _dcad_in_force(year: int) -> pl.DataFrame:
    """Per unordered COW pair, DCAD agreements in force in ``year``, straight from the raw file.

    A party keeps its state across COW recodings: an agreement West Germany (260) or North Yemen (678)
    signed is, after 1990, an agreement of united Germany (255) or Yemen (679).
    """
    raw = pl.read_csv(MIRROR / "dcad" / "DCAD-v1.0-main.csv", infer_schema_length=None)
    continuing = {260: 255, 678: 679} if year > 1990 else {}
    raw = raw.with_columns(pl.col("ccode1", "ccode2").replace(continuing))
    start = pl.when(pl.col("EIFYear") > 0).then(pl.col("EIFYear")).otherwise(pl.col("signYear"))
    return (
        raw.filter((start <= year) & (pl.col("endYearEstimate") >= year) & (pl.col("ccode1") != pl.col("ccode2")))
        .group_by(
            pl.min_horizontal("ccode1", "ccode2").alias("ccode1"), pl.max_horizontal("ccode1", "ccode2").alias("ccode2")
        )
        .len()
    )


def test_dca_counts_equal_the_raw_file_in_every_pair(dyads: Panel, states: Panel) -> None:
    for year in (1985, 1995, 2005):
        expected = _dcad_in_force(year)
        got = dyads.to_polars().filter(pl.col("year") == year)
        joined = got.join(expected, on=["ccode1", "ccode2"], how="left").with_columns(pl.col("len").fill_null(0))
        assert joined.filter(pl.col("len") != pl.col("dca_count")).is_empty(), year
        # every raw pair reaches the panel, except pairs with a state that no longer exists that year
        assert joined["dca_count"].sum() >= 0.95 * expected["len"].sum()
    assert value(dyads, "dca_any", USA, CANADA, 1995) == 1  # DCADv1.0-0002, in force from 1994
    assert value(dyads, "dca_count", ICELAND, NEPAL, 1995) == 0
    assert value(dyads, "dca_any", USA, CANADA, 1979) is None
    assert value(dyads, "dca_any", USA, CANADA, 2011) is None
    us_2005 = _dcad_in_force(2005).filter((pl.col("ccode1") == USA) | (pl.col("ccode2") == USA))["len"].sum()
    assert value(states, "dca_count", USA, 2005) == us_2005


# -- exercises --------------------------------------------------------------------------------------


def test_mme_counts_equal_the_raw_file(dyads: Panel, states: Panel) -> None:
    raw = pl.read_csv(MIRROR / "exercises" / "mme_v7.csv", infer_schema_length=0)
    cells = [c for c in raw.columns if c.startswith("State")]
    names = pl.concat_list(cells)
    for year in (1990, 2005):
        in_year = raw.filter(pl.col("s.year") == str(year))
        both = in_year.filter(names.list.contains("United States") & names.list.contains("Australia"))
        assert value(dyads, "mme_exercises", USA, AUSTRALIA, year) == both.height
        assert (
            value(states, "mme_exercises", AUSTRALIA, year) == in_year.filter(names.list.contains("Australia")).height
        )
    assert value(dyads, "exercises", USA, AUSTRALIA, 2005) >= value(dyads, "mme_exercises", USA, AUSTRALIA, 2005)  # type: ignore[operator]
    assert value(dyads, "mme_exercises", USA, AUSTRALIA, 1979) is None  # MME starts in 1980
    assert value(dyads, "jme_exercises", USA, AUSTRALIA, 1979) is not None  # JME starts in 1974
    assert value(dyads, "jme_exercises", USA, AUSTRALIA, 1973) is None
    assert value(dyads, "exercises", USA, AUSTRALIA, 2011) is None
    assert value(dyads, "exercises", ICELAND, NEPAL, 2005) == 0


# -- peacekeeping -----------------------------------------------------------------------------------


def test_peacekeeping_codeployment_equals_the_raw_gender_file(dyads: Panel) -> None:
    raw = pl.read_csv(MIRROR / "ipi_peacekeeping_gender" / "contributor_mission_month_gender_2009-11_2014-02.csv")
    operations = raw.filter(
        pl.col("Mission").replace_strict(MISSION_KINDS, default="peacekeeping_operation") == "peacekeeping_operation"
    )
    deployed = operations.filter((pl.col("Total Total") > 0) & pl.col("Date").str.starts_with("2012"))

    def missions(iso3: str) -> set[str]:
        return set(deployed.filter(pl.col("Contributor ISO-3") == iso3)["Mission"].to_list())

    shared = missions("USA") & missions("GBR")
    assert shared, "the US and the UK shared a UN operation in 2012"
    assert value(dyads, "pko_shared_missions", USA, UK, 2012) == len(shared)
    assert value(dyads, "pko_codeployed", USA, UK, 2012) == 1
    assert value(dyads, "pko_codeployed", ICELAND, NEPAL, 2012) == 0
    for year in (2009, 2014, 2000):  # partial years of the detail (Nov-Dec 2009, Jan-Mar 2014), and before it
        assert value(dyads, "pko_codeployed", USA, UK, year) is None


def test_peacekeeping_personnel_equals_the_raw_country_file(states: Panel) -> None:
    raw = pl.read_csv(MIRROR / "ipi_peacekeeping" / "countries" / "Bangladesh.csv", null_values="NA")
    year = raw.filter(pl.col("Date").str.starts_with("2005"))
    total = year.select(pl.sum_horizontal(pl.col("Troops", "Police", "Experts").fill_null(0))).to_series().sum()
    assert value(states, "pko_personnel", 771, 2005) == pytest.approx(total / 12)
    assert value(states, "pko_personnel", ICELAND, 2005) == 0
    assert value(states, "pko_personnel", 771, 1990) is None  # the data start in November 1990
    assert value(states, "pko_personnel", 771, 2014) is None
    assert value(states, "pko_missions", 771, 2012) > 0  # type: ignore[operator]
    assert value(states, "pko_missions", 771, 2005) is None


# -- UN voting --------------------------------------------------------------------------------------


def test_un_voting_agreement_of_the_us_and_the_uk(dyads: Panel, states: Panel) -> None:
    votes = pl.read_csv(MIRROR / "unvotes" / "un_votes.csv.gz", schema_overrides={"country_code": pl.String})
    calls = pl.read_csv(MIRROR / "unvotes" / "un_roll_calls.csv", infer_schema_length=None)
    years = calls.select(pl.col("rcid").cast(pl.Int64), pl.col("date").str.slice(0, 4).cast(pl.Int64).alias("year"))
    votes = votes.with_columns(pl.col("rcid").cast(pl.Int64)).join(years, on="rcid")
    for year in (1975, 2000):
        us = votes.filter((pl.col("country") == "United States") & (pl.col("year") == year))
        uk = votes.filter((pl.col("country") == "United Kingdom") & (pl.col("year") == year))
        both = us.join(uk, on="rcid", suffix="_uk")
        assert value(dyads, "unvote_common", USA, UK, year) == both.height
        agree = both.filter(pl.col("vote") == pl.col("vote_uk")).height / both.height
        assert value(dyads, "unvote_agree", USA, UK, year) == pytest.approx(agree)
        assert value(states, "unvote_votes", USA, year) == us.height
    assert value(dyads, "unvote_agree", USA, UK, 1964) is None  # no recorded vote in 1964
    assert value(dyads, "unvote_agree", USA, UK, 1945) is None
    assert value(dyads, "unvote_common", USA, SWITZERLAND, 1990) is None  # not a UN member then
    assert value(states, "unvote_votes", SWITZERLAND, 1990) is None
    assert value(states, "unvote_votes", SWITZERLAND, 2005) is not None


# -- UCDP -------------------------------------------------------------------------------------------


def _ucdp_sides(year: int) -> pl.DataFrame:
    raw = pl.read_csv(MIRROR / "ucdp" / "ucdp-prio-acd-251.csv", infer_schema_length=0).filter(
        pl.col("year") == str(year)
    )
    side = {"gwno_a": "A", "gwno_a_2nd": "A", "gwno_b": "B", "gwno_b_2nd": "B"}
    return (
        pl.concat(
            raw.select("conflict_id", pl.lit(s).alias("side"), pl.col(c).str.split(",").alias("gw"))
            for c, s in side.items()
        )
        .explode("gw")
        .with_columns(pl.col("gw").str.strip_chars())
        .filter(pl.col("gw") != "")
    )


def test_ucdp_sides_equal_the_raw_file(dyads: Panel, states: Panel) -> None:
    war = _ucdp_sides(1985)
    iran, iraq = war.filter(pl.col("gw") == "630"), war.filter(pl.col("gw") == "645")
    opposed = iran.join(iraq, on="conflict_id").filter(pl.col("side") != pl.col("side_right"))
    assert opposed.height >= 1
    assert value(dyads, "ucdp_opposed", IRAN, IRAQ, 1985) == opposed["conflict_id"].n_unique()
    coalition = _ucdp_sides(2003)
    us, uk = coalition.filter(pl.col("gw") == "2"), coalition.filter(pl.col("gw") == "200")
    allied = us.join(uk, on=["conflict_id", "side"])["conflict_id"].n_unique()
    assert allied >= 1
    assert value(dyads, "ucdp_allied", USA, UK, 2003) == allied
    assert value(dyads, "ucdp_opposed", ICELAND, NEPAL, 2003) == 0
    assert value(dyads, "ucdp_opposed", IRAN, IRAQ, 1945) is None
    assert value(dyads, "ucdp_opposed", IRAN, IRAQ, 2025) is None
    assert value(states, "ucdp_intensity", IRAN, 1985) == 2
    assert value(states, "ucdp_conflicts", ICELAND, 1985) == 0


# -- SIPRI military expenditure ---------------------------------------------------------------------


def test_milex_equals_the_raw_sheet_and_stays_missing_where_sipri_is_blank(dyads: Panel, states: Panel) -> None:
    raw = pl.read_csv(MIRROR / "sipri_milex" / "sipri-milex-data.csv", encoding="latin-1", infer_schema_length=0)
    usa = raw.filter(pl.col("Country") == "USA")
    assert value(states, "sipri_milex", USA, 2018) == float(usa["2018"][0]) == 648798.3  # SIPRI fact sheet 2019
    assert value(dyads, "sipri_milex1", USA, UK, 2018) == float(usa["2018"][0])
    iraq = raw.filter(pl.col("Country") == "Iraq")
    assert iraq["1985"][0].strip() == ""  # a blank cell: SIPRI has no estimate for the war years
    assert value(states, "sipri_milex", IRAQ, 1985) is None
    assert value(states, "sipri_milex", IRAQ, 1980) == float(iraq["1980"][0])
    assert value(states, "sipri_milex", USA, 1948) is None


# -- properties -------------------------------------------------------------------------------------


def test_directed_panels_agree_in_both_directions(beyond_store: Store) -> None:
    panel = create_dyad_years(beyond_store, "cow", directed=True, years=(2005, 2020))
    for name in ENRICHERS:
        before = panel.height
        panel = getattr(panel, name)()
        assert panel.height == before, name
    frame = panel.to_polars()
    back = frame.select(
        pl.col("ccode1").alias("ccode2"),
        pl.col("ccode2").alias("ccode1"),
        "year",
        *SYMMETRIC,
        pl.col("tiv21").alias("tiv12"),
        pl.col("tiv12").alias("tiv21"),
        pl.col("sipri_milex2").alias("sipri_milex1"),
    )
    joined = frame.join(back, on=["ccode1", "ccode2", "year"], suffix="_back")
    assert joined.height == frame.height
    for name in [*SYMMETRIC, "tiv12", "tiv21", "sipri_milex1"]:
        assert joined.filter(pl.col(name).ne_missing(pl.col(f"{name}_back"))).is_empty(), name


def test_gleditsch_ward_panels_and_citations(beyond_store: Store) -> None:
    panel = create_dyad_years(beyond_store, "gw", directed=False, years=(1985, 1985)).add_ucdp_conflict()
    assert value(panel, "ucdp_opposed", IRAN, IRAQ, 1985) >= 1  # type: ignore[operator]
    assert "source:ucdp" in panel.describe()["citations"]
    germany = create_state_years(beyond_store, "gw", (1995, 1995)).add_milex()
    assert value(germany, "sipri_milex", 260, 1995) is not None  # G-W keeps 260 for united Germany
    stateless = Panel(panel.to_polars(), "dyad_year", "gw", False, (1985, 1985))
    with pytest.raises(PanelUnitError, match="store"):
        stateless.add_milex()


def test_cli_adds_the_new_enrichers(beyond_store: Store, tmp_path: Path) -> None:
    out = f"{tmp_path}/dyads.parquet"
    url = beyond_store.engine.url.render_as_string(hide_password=False)
    args = [
        "dyad-years",
        "--database",
        url,
        "--years",
        "2000-2001",
        "--add",
        "arms,dca,exercises,pko,unvotes,ucdp,milex",
    ]
    result = CliRunner().invoke(app, [*args, "--out", out, "--cite"])
    assert result.exit_code == 0, result.output
    assert "Kinne" in result.output and "Voeten" in result.output
    columns = pl.read_parquet(out).columns
    assert {"tiv12", "dca_any", "exercises", "pko_codeployed", "unvote_agree", "ucdp_allied", "sipri_milex2"} <= set(
        columns
    )


def test_cached_domain_rows_last_until_the_next_write(store: Store) -> None:
    from detente.panels.cache import audited_table
    from detente.services.records import Records

    calls: list[int] = []

    def build() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"n": [len(calls)]})

    records = Records(store)
    records.create("agreement", {"kind": "dca", "title": "A first test agreement"}, actor="test")
    first = audited_table(store, "audit-test", build)
    assert audited_table(store, "audit-test", build).equals(first)
    assert len(calls) == 1  # the second read came from the cache
    records.create("agreement", {"kind": "dca", "title": "A second test agreement"}, actor="test")
    assert audited_table(store, "audit-test", build)["n"][0] == 2  # a write moved the audit head
