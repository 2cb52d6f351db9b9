"""The real New START timeline, 2011-2023, from the declarations the new_start source loads from the mirror.

Expectations come from the raw CSV (read with the standard library), never typed in: before 5 February
2018 the central limits are not in force (even where a figure exceeds them); from then on each party is
within all three limits at every exchange with data, with the margin computed; Russia's 2023 exchange
without data is insufficient data for the limits and, once the update is due, overdue -- never compliant.
Findings are stored through the audited services, and evaluating twice stores the same.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import func, select
from typer.testing import CliRunner

from detente.cli.main import app
from detente.compliance import engine
from detente.compliance.engine import evaluate_pack
from detente.compliance.evidence import state_codes
from detente.compliance.kinds.common import Context
from detente.compliance.packs import get_pack, load_packs
from detente.compliance.report import build_report, render
from detente.compliance.service import evaluate, evaluate_frames, pack_evidence
from detente.sources.load import LOAD_ORDER
from detente.store.database import Store
from detente.store.models import AuditEntry, Finding
from tests.conftest import BACKENDS, loaded_database

MIRROR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets").resolve()
RAW = MIRROR / "new_start" / "new_start_aggregate_numbers.csv"
IN_FORCE = date(2018, 2, 5)
LIMITS = {
    "NST-LIMIT-DEPLOYED": ("deployed_icbm_slbm_hb", 700),
    "NST-LIMIT-WARHEADS": ("warheads_deployed", 1550),
    "NST-LIMIT-LAUNCHERS": ("launchers_deployed_and_nondeployed", 800),
}


@pytest.fixture(scope="module", params=BACKENDS)
def new_start(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """A store with the crosswalk and the new_start source loaded from the mirror; and its URL."""
    with loaded_database(str(request.param), tmp_path_factory.mktemp("new-start"), (*LOAD_ORDER, "new_start")) as url:
        store = Store.open(url)
        try:
            yield store, url
        finally:
            store.close()


def _raw() -> list[dict[str, Any]]:
    with RAW.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "as_of": date.fromisoformat(r["as_of_date"]),
                "party": r["party"],
                **{k: (int(v) if v else None) for k, v in r.items() if k not in ("as_of_date", "party", "source_url")},
            }
            for r in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def timeline(new_start: tuple[Store, str]) -> pl.DataFrame:
    dates = sorted({r["as_of"] for r in _raw()})
    return evaluate_frames(new_start[0], treaty="new-start", dates=dates)


def test_every_exchange_is_judged_against_all_three_limits(timeline: pl.DataFrame) -> None:
    raw = _raw()
    for code, (column, limit) in LIMITS.items():
        for row in raw:
            found = timeline.filter(
                pl.col("code") == code, pl.col("party_code") == row["party"], pl.col("as_of") == row["as_of"]
            )
            assert found.height == 1, (code, row)
            finding = found.row(0, named=True)
            figure = row[column]
            if row["as_of"] < IN_FORCE:
                assert finding["status"] == "not_in_force"
                assert finding["measured"] == figure and "Not in force" in finding["explanation"]
            elif figure is None:
                assert finding["status"] == "insufficient_data", finding
                assert finding["measured"] is None
            else:
                assert finding["status"] in ("compliant", "at_risk"), finding
                assert finding["measured"] == figure and finding["margin"] == limit - figure
                assert str(figure) in finding["explanation"]
            assert finding["verified"] is True


def test_a_figure_over_the_limit_before_2018_is_not_a_breach(timeline: pl.DataFrame) -> None:
    over = [r for r in _raw() if r["as_of"] < IN_FORCE and (r["deployed_icbm_slbm_hb"] or 0) > 700]
    assert over, "the mirror has the 2011 US figure above 700"
    found = timeline.filter(pl.col("code") == "NST-LIMIT-DEPLOYED", pl.col("as_of") < IN_FORCE)
    assert "breach" not in found["status"].to_list()
    assert found.filter(pl.col("margin") < 0).height == len(over)


def test_russia_2023_is_not_compliant(new_start: tuple[Store, str]) -> None:
    store = new_start[0]
    missing = [r for r in _raw() if r["party"] == "RUS" and r["deployed_icbm_slbm_hb"] is None]
    assert [r["as_of"] for r in missing] == [date(2023, 3, 1)]
    found = evaluate_frames(store, treaty="new-start", party="RUS", dates=[date(2023, 3, 1), date(2023, 6, 1)])
    limits = found.filter(pl.col("code").is_in(list(LIMITS)))
    assert set(limits["status"]) == {"insufficient_data"}
    update = found.filter(pl.col("code") == "NST-DATA-UPDATE", pl.col("subject") == "period:2023-03-01")
    assert update.sort("as_of")["status"].to_list() == ["at_risk", "overdue"]
    assert "gives none of the figures owed" in update.sort("as_of")["explanation"][1]
    usa = evaluate_frames(store, treaty="new-start", party="USA", dates=[date(2023, 6, 1)])
    assert usa.filter(pl.col("code") == "NST-DATA-UPDATE", pl.col("subject") == "period:2023-03-01")[
        "status"
    ].to_list() == ["compliant"]
    assert (
        "compliant"
        not in found.filter(
            pl.col("as_of") == date(2023, 6, 1),
            pl.col("code").is_in([*LIMITS, "NST-DATA-UPDATE"]),
            pl.col("subject").is_null() | (pl.col("subject") == "period:2023-03-01"),
        )["status"].to_list()
    )


def test_findings_are_stored_once_and_audited(new_start: tuple[Store, str]) -> None:
    store = new_start[0]

    def counts() -> tuple[int, int]:
        with store.engine.connect() as connection:
            return (
                int(connection.scalar(select(func.count()).select_from(Finding)) or 0),
                int(connection.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            )

    before = counts()
    first = evaluate(store, treaty="new-start", as_of=date(2021, 9, 1), actor="test")
    after_first = counts()
    assert first.stored is not None and first.stored.created == first.findings.height > 0
    assert after_first[0] - before[0] == first.findings.height
    assert after_first[1] - before[1] >= first.findings.height
    second = evaluate(store, treaty="new-start", as_of=date(2021, 9, 1), actor="test")
    assert second.stored is not None and second.stored.as_dict() == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": first.findings.height,
    }
    assert counts() == after_first
    with store.engine.connect() as connection:
        stored = connection.execute(
            select(Finding.status, Finding.margin, Finding.evidence, Finding.figures).where(
                Finding.as_of == date(2021, 9, 1)
            )
        ).all()
    assert sorted(s for s, *_ in stored) == sorted(first.findings["status"].to_list())
    assert any(isinstance(e, list) and e and e[0].startswith("declaration:") for _, _, e, _ in stored)


def test_report_renders_in_three_formats(new_start: tuple[Store, str], tmp_path: Path) -> None:
    store, url = new_start
    report = build_report(store, treaty="new-start", party="RUS", as_of=date(2023, 3, 1))
    data = json.loads(render(report, "json"))
    assert data["party"] == "RUS" and data["counts"]["insufficient_data"] >= 3
    exchanges = {r["as_of"] for r in _raw() if r["party"] == "RUS"}
    timeline_dates = {row["as_of"] for row in data["timeline"] if row["code"] == "NST-LIMIT-DEPLOYED"}
    assert timeline_dates == {d.isoformat() for d in exchanges}
    assert any("state.gov" in (e.get("reference") or "") for e in data["evidence"])
    markdown = render(report, "md")
    assert (
        "## Timeline of margins" in markdown
        and "| 2021-09-01 | NST-LIMIT-DEPLOYED | RUS | compliant | 527 | 700 | 173 |" in markdown
    )
    html = render(report, "html")
    assert html.startswith("<!doctype html>") and "http" not in html.split("<body>")[0]
    result = CliRunner().invoke(
        app,
        [
            "compliance",
            "report",
            "--treaty",
            "new-start",
            "--party",
            "RUS",
            "--as-of",
            "2023-03-01",
            "--format",
            "html",
            "--out",
            str(tmp_path / "r.html"),
            "--database",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "NST-LIMIT-WARHEADS" in (tmp_path / "r.html").read_text(encoding="utf-8")


# The cold path (a dossier's compliance status evaluated afresh): the engine skips the rules with nothing to
# judge and builds smaller plans on a few rows; none of that may change a finding.

EXPECTED = Path(__file__).parent / "expected" / "new_start_findings.json"
"""The engine's findings on the real declarations, written once by the engine before that work."""


def test_findings_equal_those_the_engine_gave_before(new_start: tuple[Store, str]) -> None:
    store = new_start[0]
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    pack = get_pack("new-start")
    dates = [date.fromisoformat(d) for d in expected["dates"]]
    found = evaluate_pack(pack, pack_evidence(store, pack), dates).drop("party")
    assert {name: str(dtype) for name, dtype in found.schema.items()} == expected["schema"]
    assert json.loads(found.write_json()) == expected["findings"]  # the same rows, in the same order


@pytest.mark.parametrize("party", [None, "USA", "RUS"])
def test_skipping_rules_with_nothing_to_judge_changes_no_finding(
    new_start: tuple[Store, str], party: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every pack, on the real store, for a dossier's one party at one date and for all parties over years:
    the findings (rows, order, types) equal an evaluation that runs every rule's kind."""
    store = new_start[0]
    ids = {code: state for state, code in state_codes(store).items()}
    only = {ids[party]} if party else None
    monthly = pl.date_range(date(2010, 1, 1), date(2026, 12, 1), "1mo", eager=True).to_list()
    skipped = 0
    for pack in load_packs().values():
        evidence = pack_evidence(store, pack)
        for dates in ([date(2019, 6, 1)], monthly):
            fast = evaluate_pack(pack, evidence, dates, only_parties=only)
            with monkeypatch.context() as patch:
                patch.setattr(engine, "_nothing_to_judge", lambda spec, context: False)
                full = evaluate_pack(pack, evidence, dates, only_parties=only)
            context = Context(pack, evidence, dates, only_parties=only)
            skipped += sum(engine._nothing_to_judge(spec, context) for spec in pack.obligations)
            assert fast.schema == full.schema, pack.code
            # group limits come out in no set order (a group_by), either way: compare them sorted
            order = [*fast.columns]
            assert_frame_equal(fast.sort(order, nulls_last=True), full.sort(order, nulls_last=True))
            if pack.code == "new-start":
                assert_frame_equal(fast, full)
    assert skipped > 0, "the real store leaves rules with nothing to judge (AECA 36(b) gates, New START changes)"
