"""The coalition builder: deterministic, no test-period data in the fit, honest metrics, explained ranking."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from sqlalchemy import select

from detente.analysis.alliance_conditions import CONDITION_FEATURES, condition_features, obligations
from detente.analysis.capabilities import parse_need
from detente.analysis.coalition import FEATURES, _predict, backtest, fit, rank, training_frame
from detente.analysis.coalition_cases import case_participants, cases, features, history
from detente.analysis.relations import relations
from detente.store.database import Store
from detente.store.models import ArmsTransfer
from tests.panels.conftest import MIRROR

SPLIT = 1990


@pytest.fixture(scope="module")
def frame(analysis_store: Store) -> pl.DataFrame:
    return training_frame(analysis_store)


def test_cases_follow_the_mids(analysis_store: Store, frame: pl.DataFrame) -> None:
    # MID 258 (1939): Poland (290) originated side A against Germany (255); the UK joined Poland's side.
    poland = frame.filter((pl.col("case") == "mid:258") & pl.col("leads").list.contains(290))
    assert poland.filter(pl.col("ccode") == 200)["joined"].to_list() == [1]
    # Italy and the Soviet Union entered on Germany's side (and changed sides later): they did not join Poland.
    assert poland.filter(pl.col("ccode").is_in([325, 365]))["joined"].to_list() == [0, 0]
    assert poland["year"].unique().to_list() == [1938]  # features from the year before the case
    assert not poland["ccode"].is_in([290, 255]).any()


def test_no_test_period_data_enters_the_fit(analysis_store: Store, frame: pl.DataFrame) -> None:
    """Training rows computed from a record cut at the split equal those computed from the whole record."""
    table = relations(analysis_store)
    participants = case_participants(analysis_store)
    cut = participants.filter(pl.col("start") < SPLIT)
    pacts = obligations(analysis_store).filter(pl.col("year") < SPLIT)  # ATOP's promises cut at the split too
    early = features(cases(cut, table), table, history(cut), pacts=pacts)
    train = frame.filter(pl.col("start") < SPLIT)
    assert early.height == train.height
    assert (early["year"] < SPLIT).all()
    assert early.select(FEATURES).equals(train.select(FEATURES))
    assert early["joined"].equals(train["joined"])


def test_fit_is_deterministic(frame: pl.DataFrame) -> None:
    sample = frame.filter(pl.col("start").is_between(1900, 1945))
    x = sample.select(FEATURES).to_numpy().astype(np.float64)
    first, second = fit(sample), fit(sample)
    assert first.unused.any()  # DCAs, exercises, UN votes ... have no value before 1946: not used
    assert np.array_equal(_predict(first, x), _predict(second, x))


def test_backtest_reports_model_and_baseline(analysis_store: Store, frame: pl.DataFrame) -> None:
    result = backtest(analysis_store, SPLIT, frame=frame)
    assert result.train_rows + result.test_rows == frame.height
    assert result.test_joiners == int(frame.filter(pl.col("start") >= SPLIT)["joined"].sum())
    assert 0.5 < result.baseline.roc_auc < result.model.roc_auc <= 1.0
    assert result.target_met == (
        result.model.roc_auc >= 0.90 and result.model.roc_auc - result.baseline.roc_auc >= 0.10
    )
    assert result.citations


def test_rank_explains_each_candidate(analysis_store: Store) -> None:
    result = rank(analysis_store, ["USA"], ["IRQ"], date(1990, 8, 2))
    assert result.features_year == 1989
    codes = [c.state.ccode for c in result.candidates]
    assert 2 not in codes and 645 not in codes
    probabilities = [c.probability for c in result.candidates]
    assert probabilities == sorted(probabilities, reverse=True)
    top = result.candidates[0]
    assert set(top.factors) >= {"alliance with leads", "distance and contiguity to the target", "capabilities"}
    uk = next(c for c in result.candidates if c.state.ccode == 200)
    assert uk.features["lead_defense"] == 1.0  # NATO
    assert uk.features["lead_dca"] is not None and uk.capabilities["cinc"] is not None
    assert {c.key for c in result.citations} >= {"atop", "cow_mid"}


def _delivered(store: Store, state_id: int, category: str, years: tuple[int, int]) -> float:
    """Weapons of a SIPRI category delivered to a state in some years, summed here row by row."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(ArmsTransfer.number_delivered, ArmsTransfer.delivery_year).where(
                ArmsTransfer.recipient_state_id == state_id, ArmsTransfer.category == category
            )
        ).all()
    return float(sum(n or 0 for n, year in rows if year is not None and years[0] <= year <= years[1]))


def test_rank_with_required_capabilities(analysis_store: Store) -> None:
    needs = [parse_need("personnel=100"), parse_need("Aircraft=10")]
    result = rank(analysis_store, ["USA", "GBR", "FRA"], ["LBY"], date(2011, 3, 19), require=needs)
    assert result.features_year == 2010 and result.requirements == needs
    italy = next(c for c in result.candidates if c.state.ccode == 325)
    assert italy.brings["personnel"] == italy.capabilities["milper"]  # COW NMC, thousands
    assert italy.brings["aircraft"] == _delivered(analysis_store, italy.state.state_id, "Aircraft", (2001, 2010))
    expected = (italy.brings["personnel"] or 0) >= 100 and (italy.brings["aircraft"] or 0) >= 10
    assert italy.meets_requirements is expected
    groups = [{True: 0, None: 1, False: 2}[c.meets_requirements] for c in result.candidates]
    assert groups == sorted(groups) and 0 in groups and 2 in groups
    first = [c.probability for c in result.candidates if c.meets_requirements]
    assert first == sorted(first, reverse=True)
    # Before 1995 only four suppliers' registers are stored: no delivery recorded is unknown, not 0.
    early = rank(analysis_store, ["USA"], ["IRQ"], date(1990, 8, 2), require=[parse_need("aircraft")])
    values = [c.brings["aircraft"] for c in early.candidates]
    assert None in values and 0.0 not in values
    assert all(c.meets_requirements is None for c in early.candidates if c.brings["aircraft"] is None)
    with pytest.raises(ValueError, match="aircraft"):
        parse_need("tanks=3")


def _raw_promises(year: int) -> pl.DataFrame:
    """From ATOP's raw member and alliance files: (promisor, partner) pairs with a defence promise in force in
    ``year``, whether it is unconditional (``defcon`` 0, no ``olimob``), limited to specific adversaries, and
    the adversaries the alliance names."""
    members = pl.read_csv(MIRROR / "atop" / "atop5_1m.csv", infer_schema_length=0).select(
        pl.col("atopid", "member", "yrent", "yrexit").cast(pl.Int64), "defense", "defcon", "defcoadv", "olimob"
    )
    alliances = pl.read_csv(MIRROR / "atop" / "atop5_1a.csv", infer_schema_length=0).select(
        pl.col("atopid").cast(pl.Int64), pl.col("statthr1", "statthr2").cast(pl.Int64)
    )
    live = members.filter((pl.col("yrent") <= year) & ((pl.col("yrexit") == 0) | (pl.col("yrexit") >= year))).join(
        alliances, on="atopid"
    )
    own = live.filter(pl.col("defense") == "1").select(
        "atopid",
        pl.col("member").alias("ccode"),
        ((pl.col("defcon") == "0") & (pl.col("olimob") != "1")).alias("unconditional"),
        (pl.col("defcoadv") == "1").alias("adversary"),
        pl.concat_list("statthr1", "statthr2").list.eval(pl.element().filter(pl.element() > 0)).alias("named"),
    )
    partners = live.select("atopid", pl.col("member").alias("other")).unique()
    return own.join(partners, on="atopid").filter(pl.col("ccode") != pl.col("other"))


@pytest.mark.parametrize(("year", "target"), [(1818, 220), (1989, 645), (1960, 2)])
def test_alliance_conditions_follow_the_atop_files(analysis_store: Store, year: int, target: int) -> None:
    """Each candidate-lead pair's condition features equal what ATOP's raw files say for that year."""
    raw = _raw_promises(year)
    pairs = raw.select("ccode", "other").unique().sort("ccode", "other")
    keyed = pairs.select(
        pl.int_range(pl.len()).alias("_row"),
        pl.lit(year, pl.Int64).alias("year"),
        "ccode",
        pl.concat_list("other").alias("leads"),
        pl.lit([target], pl.List(pl.Int64)).alias("targets"),
    ).filter(pl.col("ccode") != target)
    found = condition_features(keyed, obligations(analysis_store).filter(pl.col("year") == year))
    got = keyed.join(found, on="_row")
    expected = (
        raw.group_by("ccode", "other")
        .agg(
            pl.col("unconditional").any().alias("e_unconditional"),
            (pl.col("adversary") & pl.col("named").list.contains(target)).any().alias("e_names_target"),
        )
        .with_columns(pl.col("other").alias("lead"))
    )
    compared = got.with_columns(pl.col("leads").list.first().alias("lead")).join(
        expected, on=["ccode", "lead"], how="left"
    )
    assert compared.height > 0
    assert (compared["lead_defense_unconditional"] == compared["e_unconditional"].cast(pl.Float64)).all()
    assert (compared["lead_pact_names_target"] == compared["e_names_target"].cast(pl.Float64)).all()
    if year == 1818:  # the Quadruple Alliance (ATOP 1035) names France: the UK's promise to Prussia applies
        uk = compared.filter((pl.col("ccode") == 200) & (pl.col("lead") == 255))
        assert uk["lead_pact_names_target"].to_list() == [1.0]
    after = condition_features(keyed.with_columns(pl.lit(2019, pl.Int64).alias("year")), obligations(analysis_store))
    assert after.select(CONDITION_FEATURES).null_count().row(0) == tuple([after.height] * len(CONDITION_FEATURES))
