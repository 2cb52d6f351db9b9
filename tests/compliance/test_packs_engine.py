"""Packs as declared data, the incremental evaluator, user-defined obligations, and the due calendar."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from detente.cli.main import app
from detente.compliance.calendar import due_items, to_ical
from detente.compliance.engine import Evaluator, evaluate_pack
from detente.compliance.evidence import frame_from_rows
from detente.compliance.packs import PackError, get_pack, load_packs, parse_pack
from detente.compliance.registry import define_obligation
from detente.compliance.service import evaluate_frames, pack_evidence
from detente.store.database import Store
from tests.compliance.conftest import Importer

CATALOGUE = Path(__file__).resolve().parents[2] / ".." / "shared" / "rules-catalogue.md"


def test_every_pack_loads_with_every_kind() -> None:
    packs = load_packs()
    assert set(packs) == {"new-start", "cfe", "vienna-document-2011", "cwc", "ctbt", "aeca-36b", "un-pcrs", "iaea"}
    kinds = {spec.kind for pack in packs.values() for spec in pack.obligations}
    assert kinds == {"LIMIT", "QUOTA", "DEADLINE", "THRESHOLD", "WINDOW", "GATE", "RECONCILE"}
    limits = {s.code: s.parameters["limit"] for s in get_pack("new-start").obligations if s.kind == "LIMIT"}
    assert limits == {"NST-LIMIT-DEPLOYED": 700, "NST-LIMIT-WARHEADS": 1550, "NST-LIMIT-LAUNCHERS": 800}


def test_values_the_catalogue_marks_t_are_unverified() -> None:
    if not CATALOGUE.is_file():
        pytest.skip("no rules catalogue next to the checkout")
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "| telemetry exchange | QUOTA | up to 5 launches a year | T |" in text
    unverified = {s.code for p in load_packs().values() for s in p.obligations if not s.verified}
    assert "NST-TELEMETRY" in unverified and "AECA-36B-NATO" in unverified
    assert {"VD-PRIOR-NOTICE", "VD-OBSERVATION", "VD-ANNUAL-CALENDAR", "VD-CONSTRAINT-LARGE"} <= unverified
    assert not {"VD-ANNUAL-EXCHANGE", "VD-EVALUATION-VISITS", "NST-LIMIT-DEPLOYED", "CWC-S2-NOTICE"} & unverified


def test_a_bad_pack_is_refused_with_its_file_and_field() -> None:
    text = """
code: bad
title: Bad
short_name: Bad
citation: none
parties: [USA]
obligations:
  - {code: BAD-1, title: x, article: x, kind: QUOTA, verified: true, source: x,
     parameters: {measure: x, select: {evidence: inspection}, period: {anchor: 2020-01-01, months: 12}}}
"""
    with pytest.raises(PackError, match=r"^packs/bad.yaml: obligation BAD-1: parameters: a QUOTA needs max or min$"):
        parse_pack(text, "packs/bad.yaml")
    window = text.replace("kind: QUOTA", "kind: WINDOW").replace(
        "period: {anchor: 2020-01-01, months: 12}", "max: soon"
    )
    with pytest.raises(PackError, match=r"obligation BAD-1: parameters.max: .*'soon' is not a duration"):
        parse_pack(window, "packs/bad.yaml")


def test_incremental_evaluation_matches_a_full_one(world: Store, put: Importer) -> None:
    day = date(2020, 1, 31)
    put(
        "new-start",
        "declaration",
        [{"party": p, "as_of": "2019-09-01", "deployed_icbm_slbm_hb": n} for p, n in (("USA", 650), ("RUS", 520))],
        day,
    )
    pack = get_pack("new-start")
    evidence = pack_evidence(world, pack)
    dates = [date(2019, 10, 1), day]
    evaluator = Evaluator(pack, evidence, dates)
    first = evaluator.evaluate()
    assert first.filter(pl.col("code") == "NST-INSP-TOTAL", pl.col("party_code") == "RUS")["measured"].to_list() == [
        0.0,
        0.0,
    ]
    rows = [
        {
            "id": 10_000,
            "ref": "inspection:10000",
            "kind": "type_one",
            "party": evidence.ids["RUS"],
            "counterpart": evidence.ids["USA"],
            "time": __import__("datetime").datetime(2019, 12, 1, tzinfo=__import__("datetime").UTC),
            "figures": {"deployed_icbm_slbm_hb": 530},
        }
    ]
    evaluator.add("inspection", frame_from_rows(rows, evidence.codes))
    again = evaluator.evaluate().sort("code", "party_code", "as_of", "subject", nulls_last=True)
    full = evaluate_pack(pack, evidence, dates).sort("code", "party_code", "as_of", "subject", nulls_last=True)
    assert again.equals(full)
    assert (
        again.filter(pl.col("code") == "NST-INSP-TOTAL", pl.col("party_code") == "RUS", pl.col("as_of") == day)[
            "measured"
        ].item()
        == 1
    )
    assert (
        again.filter(
            pl.col("code") == "NST-AGGREGATE-RECONCILE", pl.col("party_code") == "RUS", pl.col("as_of") == day
        )["status"].item()
        == "breach"
    )


def test_a_user_defined_obligation_is_evaluated_with_its_treaty(world: Store, put: Importer) -> None:
    put(
        "new-start",
        "declaration",
        [{"party": "USA", "as_of": "2024-03-01", "deployed_icbm_slbm_hb": 650}],
        date(2024, 6, 1),
    )
    stored = define_obligation(
        world,
        {
            "code": "MY-NST-650",
            "title": "Our tighter planning ceiling",
            "article": "internal",
            "kind": "LIMIT",
            "verified": False,
            "source": "planning staff",
            "treaty": "new-start",
            "parameters": {"measure": "deployed launchers", "limit": 640, "count": [{"deployed_icbm_slbm_hb": 1}]},
        },
        actor="analyst",
    )
    assert stored["code"] == "MY-NST-650" and stored["parameters"]["user"] is True
    found = evaluate_frames(world, treaty="new-start", party="USA", dates=[date(2024, 6, 1)])
    mine = found.filter(pl.col("code") == "MY-NST-650").row(0, named=True)
    assert mine["status"] == "breach" and mine["margin"] == -10 and "not yet verified" in mine["explanation"]
    with pytest.raises(PackError, match="shipped obligation"):
        define_obligation(world, {**stored["parameters"]["declaration"], "code": "NST-LIMIT-DEPLOYED"}, actor="analyst")


def test_due_lists_upcoming_deadlines_and_quotas_left(
    world: Store, put: Importer, database_url: str, tmp_path: Path
) -> None:
    day = date(2024, 5, 1)
    put(
        "vienna-document-2011",
        "activity",
        [
            {"ref": "BIG", "kind": "exercise", "party": "DEU", "start": "2024-06-05", "troops": 20000},
            {"ref": "LATER", "kind": "exercise", "party": "DEU", "start": "2024-06-20", "troops": 10000},
        ],
        day,
    )
    items = due_items(world, within_days=30, party="DEU", as_of=day)
    notice = [i for i in items if i.code == "VD-PRIOR-NOTICE"]
    assert [(i.due, i.party) for i in notice] == [(date(2024, 5, 9), "DEU")]
    assert "is due by 2024-05-09" in notice[0].what and not notice[0].verified
    assert not [i for i in items if i.code == "VD-OBSERVATION"]
    late = evaluate_frames(world, treaty="vienna-document-2011", party="DEU", dates=[day])
    assert late.filter(pl.col("code") == "VD-PRIOR-NOTICE", pl.col("status") == "overdue").height == 1
    quotas = [i for i in items if i.code == "VD-CONSTRAINT-MEDIUM"]
    assert [(q.left, q.due) for q in quotas] == [(6, date(2024, 12, 31))]
    later = due_items(world, within_days=45, party="DEU", as_of=day)
    assert [i.due for i in later if i.code == "VD-OBSERVATION"] == [date(2024, 6, 5)]
    calendar = Calendar.from_ical(to_ical(items))
    assert len(calendar.walk("VEVENT")) == len(items)
    result = CliRunner().invoke(
        app,
        [
            "compliance",
            "due",
            "--within",
            "45d",
            "--party",
            "DEU",
            "--as-of",
            "2024-05-01",
            "--ical",
            str(tmp_path / "due.ics"),
            "--json",
            "--database",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "VD-OBSERVATION" in result.output and (tmp_path / "due.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


EVALUATE = ["compliance", "evaluate", "--treaty", "new-start", "--party", "USA", "--as-of", "2024-06-01", "--no-save"]


def test_the_at_risk_margin_is_configurable(world: Store, put: Importer, database_url: str) -> None:
    put(
        "new-start",
        "declaration",
        [{"party": "USA", "as_of": "2024-03-01", "deployed_icbm_slbm_hb": 660}],
        date(2024, 6, 1),
    )

    def status(*options: str) -> str:
        result = CliRunner().invoke(
            app,
            [*EVALUATE, *options, "--json", "--database", database_url],
        )
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)["findings"]
        return str(next(r["status"] for r in rows if r["code"] == "NST-LIMIT-DEPLOYED"))

    # 40 below the limit of 700 is a margin of 5.7 %: compliant at the default 5 %, at risk at 6 %
    assert status() == "compliant"
    assert status("--at-risk", "6") == "at_risk"
    bad = CliRunner().invoke(app, ["compliance", "evaluate", "--at-risk", "150", "--database", database_url])
    assert bad.exit_code != 0 and "--at-risk" in bad.output
