"""The incremental evaluator gives exactly what a full evaluation of the same evidence gives.

For every pack, evidence is drawn (seeded) from the selections its own rules read -- every evidence type,
kind and figure they name, triggers that point at earlier records, subjects that repeat -- and then
records are added one at a time, of every type. After each addition the evaluator's findings, sentences
included, must equal :func:`evaluate_pack` run from scratch on all the evidence; and obligations that do
not read the added record must not be evaluated again.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from detente.compliance import engine
from detente.compliance.engine import Evaluator, evaluate_pack
from detente.compliance.evidence import Evidence, frame_from_rows
from detente.compliance.packs import Pack, load_packs
from detente.compliance.rules import LimitRule, ReconcileRule, Select, ThresholdRule, reads

CODES = ["USA", "RUS", "DEU", "POL", "FRA", "UKR", "JPN"]
START = datetime(2019, 1, 1, tzinfo=UTC)
DATES = [date(2019, 4, 1), date(2019, 9, 15), date(2020, 1, 1), date(2020, 6, 30), date(2020, 12, 31)]


def _figures(pack: Pack) -> dict[str, float]:
    """Every figure the pack's rules name, with a scale near the value that matters for it."""
    found: dict[str, float] = {}
    for spec in pack.obligations:
        rule = spec.rule
        if isinstance(rule, LimitRule):
            for counting in rule.count:
                found.update(dict.fromkeys(counting, rule.limit))
        if isinstance(rule, ReconcileRule):
            for name in [rule.category, rule.observed_category, rule.tolerance_category, *(rule.parts or [])]:
                if name:
                    found.setdefault(name, 100.0)
        if isinstance(rule, ThresholdRule):
            found.update(rule.any_at_least)
        for select in reads(rule):
            found.update(select.any_at_least or {})
            found.update(select.any_over or {})
            found.update(dict.fromkeys(getattr(select, "require", None) or [], 10.0))
    return found


def _selections(pack: Pack) -> list[Select]:
    return [select for spec in pack.obligations for select in reads(spec.rule)]


class Drawer:
    """Seeded evidence records in the shape the engine reads, drawn from a pack's own selections."""

    def __init__(self, pack: Pack, seed: int) -> None:
        self.rng = random.Random(seed)
        self.selections = _selections(pack)
        self.figures = _figures(pack)
        self.next_id = 1
        self.refs: list[str] = []

    def row(self, select: Select | None = None) -> tuple[str, dict[str, Any]]:
        rng = self.rng
        select = select or rng.choice(self.selections)
        kind = rng.choice(select.kind) if select.kind else ("declaration" if select.evidence == "declaration" else "x")
        party, counterpart = rng.sample(range(1, len(CODES) + 1), 2)
        time = START + timedelta(hours=rng.randrange(0, 2 * 365 * 24))
        if select.evidence == "declaration":
            time = time.replace(day=1, hour=0)
        names = rng.sample(sorted(self.figures), k=min(len(self.figures), rng.randint(0, 4)))
        record = {
            "id": self.next_id,
            "ref": f"{select.evidence}:{self.next_id}",
            "kind": kind,
            "agreement": 1,
            "party": party,
            "counterpart": counterpart,
            "subject": f"S{rng.randrange(6)}",
            "time": time,
            "end": time + timedelta(hours=rng.randrange(1, 24 * 40)),
            "received": time + timedelta(minutes=rng.randrange(0, 600)),
            "trigger": rng.choice(self.refs) if self.refs and rng.random() < 0.7 else None,
            "result": rng.choice(["cleared", "denied"]),
            "figures": {name: round(rng.uniform(0, 2 * self.figures[name]), 1) for name in names},
        }
        self.refs.append(record["ref"])
        self.next_id += 1
        return select.evidence, record

    def evidence(self, count: int) -> Evidence:
        rows: dict[str, list[dict[str, Any]]] = {}
        for _ in range(count):
            evidence_type, record = self.row()
            rows.setdefault(evidence_type, []).append(record)
        codes = dict(enumerate(CODES, 1))
        return Evidence({name: frame_from_rows(found, codes) for name, found in rows.items()}, codes)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


@pytest.mark.parametrize("code", sorted(load_packs()))
def test_adding_records_one_by_one_equals_a_full_evaluation(code: str) -> None:
    pack = load_packs()[code]
    drawer = Drawer(pack, seed=len(code))
    evidence = drawer.evidence(300)
    evaluator = Evaluator(pack, evidence, DATES)
    full = evaluate_pack(pack, evidence, DATES)
    assert _sorted(evaluator.evaluate()).equals(_sorted(full))
    # each finding is stored under obligation, party, date and subject: no two may share them
    assert full.height and not full.select("code", "party", "as_of", "subject").is_duplicated().any()
    for select in [*{s.evidence: s for s in drawer.selections}.values(), *drawer.rng.sample(drawer.selections, 6)]:
        evidence_type, record = drawer.row(select)
        evaluator.add(evidence_type, frame_from_rows([record], evidence.codes))
        again = evaluator.evaluate()
        full = evaluate_pack(pack, evidence, DATES)
        assert _sorted(again).equals(_sorted(full)), (code, evidence_type, record["kind"])


def test_a_record_no_rule_reads_evaluates_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = load_packs()["vienna-document-2011"]
    drawer = Drawer(pack, seed=3)
    evidence = drawer.evidence(200)
    evaluator = Evaluator(pack, evidence, DATES)
    before = evaluator.evaluate()
    evaluated: list[str] = []
    original = engine.evaluate_obligation

    def counting(spec: Any, context: Any) -> pl.DataFrame:
        evaluated.append(spec.code)
        return original(spec, context)

    monkeypatch.setattr(engine, "evaluate_obligation", counting)
    _, record = drawer.row(Select(evidence="notification", kind=["unrelated_kind"]))
    evaluator.add("notification", frame_from_rows([record], evidence.codes))
    assert evaluator.evaluate().equals(before) and evaluated == []
    _, record = drawer.row(Select(evidence="notification", kind=["annual_calendar"]))
    evaluator.add("notification", frame_from_rows([record], evidence.codes))
    evaluator.evaluate()
    assert evaluated == ["VD-ANNUAL-CALENDAR"]
