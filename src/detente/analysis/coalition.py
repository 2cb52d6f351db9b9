"""The coalition builder: rank every state by how likely it is to join a lead against a target, and say why.

The model learns from history (:mod:`detente.analysis.coalition_cases`): in multilateral militarised
disputes and inter-state wars, which states joined the side of the leads, given what tied them to the leads
and to the targets the year before. It is scikit-learn's histogram gradient boosting (depth-limited trees;
missing values -- a source's years not covering a case -- are handled as their own branch, never read as
0), with a fixed seed and no early stopping, so the same data give the same model, bit for bit.

:func:`backtest` fits on the cases that began before ``split`` and scores the cases that began in or after
it; the features of a case come from the year before it began, and the co-participation record counts only
disputes that began earlier, so nothing of the test period enters the fit (a test proves it by fitting on a
store truncated at the split year). It reports ROC AUC over every candidate of every test case, precision
at 5 and 10 (the share of joiners among the top 5 / 10 of each test case that had a joiner), and the same
for the baseline that ranks by a defence pact with a lead alone (ties broken by COW code).

:func:`rank` fits on every case that began before the date's year, and scores the candidates of the date:
each with its probability, what it could bring (COW NMC capabilities) and the contribution of each factor
(the change in probability when that factor's features are set to the typical -- median -- candidate of
the training cases). Features come from the year before the date, or from 2014 for later dates: the last
year the disputes, alliances and capabilities all cover (the answer says which year it used).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from pydantic import BaseModel

from detente.analysis.alliance_conditions import obligations
from detente.analysis.capabilities import CATEGORIES, CapabilityNeed, holdings, meets
from detente.analysis.coalition_cases import FACTORS, FEATURES, case_participants, cases, features, history
from detente.analysis.common import CitedSource, StateRef, StateResolver, cite, cite_sources
from detente.analysis.relations import Relations, relations
from detente.store.database import Store

__all__ = ["SPLIT", "Backtest", "Candidate", "Metrics", "Ranking", "backtest", "fit", "rank", "training_frame"]

SPLIT = 1990
"""Backtest: fit on cases that began 1816-1989, test on those that began 1990-2014 (chosen before looking)."""
FEATURE_LAST_YEAR = 2014
SEED = 0
MODEL_VERSION = "v3"
"""Bumped whenever the features change, so a model pickled by an older version is never read."""
CASE_SOURCES = ("peacesciencer",)


class Metrics(BaseModel):
    """How well a score ranks the joiners of the test cases."""

    roc_auc: float
    precision_at_5: float
    precision_at_10: float


class Backtest(BaseModel):
    """The held-out evaluation of the coalition model beside the defence-pact baseline."""

    split: int
    train_cases: int
    test_cases: int
    test_cases_with_joiners: int
    train_rows: int
    test_rows: int
    test_joiners: int
    model: Metrics
    baseline: Metrics
    target_met: bool
    """AUC >= 0.90 on the held-out period and >= 0.10 above the baseline."""
    feature_importance: dict[str, float]
    """Permutation-free importance: the drop in held-out AUC when each factor is set to its training median."""
    citations: list[CitedSource]


class Candidate(BaseModel):
    """One state's chance of joining, what it could bring, and why."""

    state: StateRef
    probability: float
    capabilities: dict[str, float | None]
    factors: dict[str, float]
    """Factor -> change in probability it accounts for (positive: makes joining likelier)."""
    features: dict[str, float | None]
    brings: dict[str, float | None] = {}
    """Required capability -> what the state could bring (see :mod:`detente.analysis.capabilities`)."""
    meets_requirements: bool | None = None
    """Every requirement known and met (True), one known and short (False), or unknown (None); None too
    when nothing is required."""


class Ranking(BaseModel):
    """Every candidate for a coalition of ``leads`` against ``targets`` at ``date``: with no requirements,
    most likely first; with requirements, those that meet them first, then those not known to, then those
    that fall short, each group most likely first."""

    leads: list[StateRef]
    targets: list[StateRef]
    date: date
    features_year: int
    trained_on: str
    requirements: list[CapabilityNeed] = []
    candidates: list[Candidate]
    citations: list[CitedSource]


@dataclass(frozen=True)
class Fitted:
    """A fitted model with the medians used to explain its answers."""

    model: object
    medians: np.ndarray
    unused: np.ndarray
    """Features with no known value in the training cases (DCAs before 1980 ...): the model cannot use them,
    so they are held constant."""


def training_frame(store: Store, table: Relations | None = None) -> pl.DataFrame:
    """Every case's candidates with their features and label (see :mod:`detente.analysis.coalition_cases`)."""
    table = table or relations(store)
    participants = case_participants(store)
    return features(cases(participants, table), table, history(participants), pacts=obligations(store))


def fit(frame: pl.DataFrame) -> Fitted:
    """Fit the model on ``frame`` (rows of :func:`training_frame`); deterministic."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = frame.select(FEATURES).to_numpy().astype(np.float64)
    y = frame["joined"].to_numpy()
    unused = np.isnan(x).all(axis=0)
    x[:, unused] = 0.0
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=150,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )
    model.fit(x, y)
    return Fitted(model, np.nanmedian(x, axis=0), unused)


def _predict(fitted: Fitted, x: np.ndarray) -> np.ndarray:
    return _predict_masked(fitted, x)[0]


def _predict_masked(fitted: Fitted, x: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The probabilities for ``x``, and for ``x`` with each factor's features set to the training medians.

    All thirteen variants go through the trees in one call, on one thread: the trees are small and the rows
    few (a ranking scores about 190 states), so one call costs a thirteenth of thirteen, and OpenMP's
    threads would only wait for each other on a shared machine.
    """
    from threadpoolctl import threadpool_limits

    blocks = [x]
    for names in FACTORS.values():
        masked = x.copy()
        for name in names:
            index = FEATURES.index(name)
            masked[:, index] = fitted.medians[index]
        blocks.append(masked)
    stacked = np.vstack(blocks)
    stacked[:, fitted.unused] = 0.0
    with threadpool_limits(limits=1, user_api="openmp"):
        proba: np.ndarray = fitted.model.predict_proba(stacked)[:, 1]  # type: ignore[attr-defined]
    parts = np.split(proba, len(blocks))
    return parts[0], dict(zip(FACTORS, parts[1:], strict=True))


def _precision(frame: pl.DataFrame, score: str, k: int) -> float:
    ranked = frame.sort(["case", "side", score, "ccode"], descending=[False, False, True, False])
    top = ranked.group_by("case", "side", maintain_order=True).agg(
        pl.col("joined").head(k).sum().alias("hits"), pl.col("joined").sum().alias("joiners")
    )
    top = top.filter(pl.col("joiners") > 0)
    return float(top["hits"].sum()) / (k * top.height) if top.height else float("nan")


def _metrics(frame: pl.DataFrame, score: str) -> Metrics:
    from sklearn.metrics import roc_auc_score

    return Metrics(
        roc_auc=float(roc_auc_score(frame["joined"].to_numpy(), frame[score].to_numpy())),
        precision_at_5=_precision(frame, score, 5),
        precision_at_10=_precision(frame, score, 10),
    )


_BACKTESTS: dict[tuple[str, int], Backtest] = {}
_TRAINING: dict[str, pl.DataFrame] = {}
"""Backtests already run, per relations table (the loaded data) and split: the answer is deterministic."""


def backtest(store: Store, split: int = SPLIT, frame: pl.DataFrame | None = None) -> Backtest:
    """Fit on cases that began before ``split``, score those that began from it on (see the module docstring).

    Without ``frame`` the cases come from the store; they and the answer are kept for the process (the same
    loaded data and split give the same figures, bit for bit).
    """
    if frame is None:
        table = relations(store)
        key = (str(table.path), split)
        if key not in _BACKTESTS:
            if str(table.path) not in _TRAINING:
                _TRAINING.clear()  # one store's cases at a time: about 90,000 rows
                _TRAINING[str(table.path)] = training_frame(store, table)
            _BACKTESTS[key] = _backtest(store, split, _TRAINING[str(table.path)])
        return _BACKTESTS[key].model_copy(deep=True)
    return _backtest(store, split, frame)


def _backtest(store: Store, split: int, frame: pl.DataFrame) -> Backtest:
    from sklearn.metrics import roc_auc_score

    train = frame.filter(pl.col("start") < split)
    test = frame.filter(pl.col("start") >= split)
    if train.is_empty() or test.is_empty():
        raise ValueError(f"no cases on one side of {split}: the disputes run 1816-2014")
    for period, rows in (("before", train), ("from", test)):
        if rows["joined"].n_unique() < 2:
            raise ValueError(
                f"no state joined a case {period} {split} (or every candidate did): that period cannot be "
                "fitted or scored; choose a split between 1850 and 2005"
            )
    fitted = fit(train)
    x_test = test.select(FEATURES).to_numpy().astype(np.float64)
    predicted, masked_by_factor = _predict_masked(fitted, x_test)
    scored = test.with_columns(
        pl.Series("model", predicted),
        pl.col("lead_defense").fill_null(0).alias("baseline"),
    )
    model, baseline = _metrics(scored, "model"), _metrics(scored, "baseline")
    importance: dict[str, float] = {}
    y = scored["joined"].to_numpy()
    for factor, masked_proba in masked_by_factor.items():
        importance[factor] = model.roc_auc - float(roc_auc_score(y, masked_proba))
    cases_with_joiners = scored.group_by("case", "side").agg(pl.col("joined").sum()).filter(pl.col("joined") > 0)
    return Backtest(
        split=split,
        train_cases=train.select("case", "side").n_unique(),
        test_cases=test.select("case", "side").n_unique(),
        test_cases_with_joiners=cases_with_joiners.height,
        train_rows=train.height,
        test_rows=test.height,
        test_joiners=int(scored["joined"].sum()),
        model=model,
        baseline=baseline,
        target_met=model.roc_auc >= 0.90 and model.roc_auc - baseline.roc_auc >= 0.10,
        feature_importance=dict(sorted(importance.items(), key=lambda kv: -kv[1])),
        citations=_citations(store),
    )


def _citations(store: Store) -> list[CitedSource]:
    keys = ["atop", "cow_mid", "nmc", "contiguity", "capitals", "igo", "vdem"]
    found = {c.key: c for c in cite(relations(store).citations)}
    return (
        [found[k] for k in keys if k in found]
        + [c for c in cite(relations(store).citations) if c.key.startswith("source:")]
        + [c for c in cite_sources(store, *CASE_SOURCES) if c.key not in {f.key for f in found.values()}]
    )


_FITTED: dict[tuple[str, int], tuple[Fitted, int]] = {}
_HISTORY: dict[str, pl.DataFrame] = {}
"""Co-participation records per relations table (the store's state), kept for the process."""


def _fitted_before(store: Store, table: Relations, year: int) -> tuple[Fitted, int]:
    """The model fitted on the cases that began before ``year``: from memory, from the cache directory
    (a pickle written by this process's own code, beside the relations table it was fitted from), or fitted."""
    key = (str(table.path), year)
    if key in _FITTED:
        return _FITTED[key]
    path = table.path.with_name(f"{table.path.stem}-coalition-{MODEL_VERSION}-{year}.pkl")
    found: tuple[Fitted, int] | None = None
    if path.is_file():
        try:
            with path.open("rb") as handle:
                found = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            found = None
    if found is None:
        frame = training_frame(store, table).filter(pl.col("start") < year)
        found = (fit(frame), frame.select("case", "side").n_unique())
        try:
            temporary = path.with_suffix(".tmp")
            with temporary.open("wb") as handle:
                pickle.dump(found, handle)
            temporary.replace(path)
        except OSError:
            pass  # a read-only cache only costs time
    _FITTED.clear()
    _FITTED[key] = found
    return found


def rank(
    store: Store, leads: list[str], targets: list[str], when: date, *, require: Sequence[CapabilityNeed] = ()
) -> Ranking:
    """Rank every other state by its chance of joining ``leads`` against ``targets`` at ``when``, and, given
    required capabilities (:func:`detente.analysis.capabilities.parse_need`), by whether it can bring them."""
    table = relations(store)
    year = min(when.year - 1, FEATURE_LAST_YEAR)
    resolver = StateResolver.open(store)
    lead_refs = [resolver.resolve(name, year) for name in leads]
    target_refs = [resolver.resolve(name, year) for name in targets]
    for ref in (*lead_refs, *target_refs):
        if ref.ccode is None:
            raise LookupError(f"{ref.name} is not a state of the COW system in {year}: no ties are known for it")
    lead_codes = [r.ccode for r in lead_refs if r.ccode is not None]
    target_codes = [r.ccode for r in target_refs if r.ccode is not None]
    states = table.of_year(year)["ccode1"].unique()
    excluded = set(lead_codes) | set(target_codes)
    candidates = pl.DataFrame(
        {"ccode": sorted(int(c) for c in states if c not in excluded)}, schema={"ccode": pl.Int64}
    ).with_columns(
        pl.lit("query").alias("case"),
        pl.lit(1, pl.Int64).alias("side"),
        pl.lit(year + 1, pl.Int64).alias("start"),
        pl.lit(year, pl.Int64).alias("year"),
        pl.lit(0, pl.Int64).alias("joined"),
        pl.lit(lead_codes, pl.List(pl.Int64)).alias("leads"),
        pl.lit(target_codes, pl.List(pl.Int64)).alias("targets"),
    )
    key = str(table.path)
    if key not in _HISTORY:
        _HISTORY.clear()
        _HISTORY[key] = history(case_participants(store))
    past = _HISTORY[key].filter(pl.col("start") <= year)
    pacts = obligations(store).filter(pl.col("year") == year)
    frame = features(candidates, table, past, pacts=pacts, only_year=year)
    fitted, trained = _fitted_before(store, table, when.year)
    x = frame.select(FEATURES).to_numpy().astype(np.float64)
    probability, masked_by_factor = _predict_masked(fitted, x)
    contributions = {factor: probability - masked for factor, masked in masked_by_factor.items()}
    capabilities = (
        table.of_year(year)
        .filter(pl.col("ccode1").is_in(frame["ccode"].implode()))
        .group_by("ccode1")
        .agg(pl.col("cinc1").first(), pl.col("milper1").first(), pl.col("milex1").first())
    )
    own = {int(r["ccode1"]): r for r in capabilities.iter_rows(named=True)}
    refs = resolver.by_code(year)
    codes = frame["ccode"].to_list()
    held_by = (
        holdings(store, table.of_year(year), {c: refs[c].state_id for c in codes if c in refs}, year, require)
        if require
        else {}
    )
    out = []
    for i, code in enumerate(codes):
        held = own.get(code, {})
        out.append(
            Candidate(
                state=refs.get(code) or resolver.ref_of_code(code, year),
                probability=float(probability[i]),
                capabilities={"cinc": held.get("cinc1"), "milper": held.get("milper1"), "milex": held.get("milex1")},
                factors={f: round(float(v[i]), 4) for f, v in contributions.items()},
                features={n: None if np.isnan(x[i, j]) else float(x[i, j]) for j, n in enumerate(FEATURES)},
                brings=held_by.get(code, dict.fromkeys(n.capability for n in require)),
                meets_requirements=meets(held_by.get(code, {}), require) if require else None,
            )
        )
    group = {True: 0, None: 1, False: 2}
    out.sort(key=lambda c: (group[c.meets_requirements] if require else 0, -c.probability, c.state.name))
    return Ranking(
        leads=lead_refs,
        targets=target_refs,
        date=when,
        features_year=year,
        trained_on=f"{trained} cases (multilateral COW MIDs and inter-state wars) that began before {when.year}",
        requirements=list(require),
        candidates=out,
        citations=_citations(store)
        + (cite_sources(store, "sipri_register") if any(n.capability in CATEGORIES for n in require) else []),
    )
