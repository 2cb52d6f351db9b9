"""The issue's scenarios, each from evidence files through the importer to the engine's findings, on SQLite and
PostgreSQL: Vienna Document notice and observation, New START inspection quotas, the CWC 48-hour notice,
AECA 36(b) gates (general and NATO), and a RECONCILE discrepancy."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from detente.compliance.gates import check_gate, check_gates
from detente.compliance.service import evaluate_frames
from detente.store.database import Store
from tests.compliance.conftest import Importer


def _one(found: pl.DataFrame, code: str, **where: Any) -> dict[str, Any]:
    rows = found.filter(pl.col("code") == code, *[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, f"{code} {where}: expected one finding, got {rows.height}\n{rows}"
    return rows.row(0, named=True)


def _exercise(ref: str, troops: int, start: str, **figures: int) -> dict[str, Any]:
    return {
        "ref": ref,
        "kind": "exercise",
        "party": "DEU",
        "title": ref,
        "start": start,
        "end": start,
        "troops": troops,
        **figures,
    }


def test_vienna_document_notice_and_observation(world: Store, put: Importer) -> None:
    day = date(2024, 7, 1)
    put(
        "vienna-document-2011",
        "activity",
        [
            _exercise("EX-30", 10_000, "2024-05-01"),
            _exercise("EX-45", 10_000, "2024-06-01"),
            _exercise("EX-13500", 13_500, "2024-06-10"),
            _exercise("EX-8000", 8_000, "2024-06-15"),
        ],
        day,
    )
    notices = [
        ("EX-30", "2024-04-01T00:00:00Z"),
        ("EX-45", "2024-04-17T00:00:00Z"),
        ("EX-13500", "2024-04-20T00:00:00Z"),
    ]
    put(
        "vienna-document-2011",
        "notification",
        [
            {
                "kind": "prior_notification",
                "sender": "DEU",
                "receiver": "FRA",
                "sent_at": sent,
                "received_at": sent,
                "trigger": f"activity:{ref}",
            }
            for ref, sent in notices
        ],
        day,
    )
    found = evaluate_frames(world, treaty="vienna-document-2011", dates=[day])
    ids = {row["subject"]: row for row in found.filter(pl.col("code") == "VD-PRIOR-NOTICE").iter_rows(named=True)}
    assert len(ids) == 4
    by_days = {round(r["measured"]) if r["measured"] is not None else None: r for r in ids.values()}
    late = by_days[30]
    assert late["status"] == "breach" and late["limit"] == 42 and late["margin"] == -12
    assert "30 days before" in late["explanation"] and "short of the 42 days" in late["explanation"]
    assert by_days[45]["status"] == "compliant" and by_days[45]["margin"] == 3
    quiet = [r for r in ids.values() if r["measure_name"] == "troops"]
    assert len(quiet) == 1 and quiet[0]["status"] == "compliant" and quiet[0]["measured"] == 8000
    assert "no duty arises" in quiet[0]["explanation"]
    observed = found.filter(pl.col("code") == "VD-OBSERVATION")
    big = observed.filter(pl.col("status") == "breach")
    assert big.height == 1
    assert "no the invitation of observers on record" not in big["explanation"][0]
    assert "invitation of observers" in big["explanation"][0] and "2024-06-10" in big["explanation"][0]
    assert observed.filter(pl.col("status") == "compliant").height == 3
    assert not found.filter(pl.col("code") == "VD-PRIOR-NOTICE")["verified"].any()
    assert "not yet verified" in late["explanation"]


def _inspections(count: int, type_one: int, start: date) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        day = date.fromordinal(start.toordinal() + 10 * n)
        kind = "type_one" if n < type_one else "type_two"
        rows.append(
            {
                "ref": f"I{n}",
                "kind": kind,
                "inspecting": "USA",
                "inspected": "RUS",
                "start": day.isoformat(),
                "end": day.isoformat(),
                "site": f"site {n}",
            }
        )
    return rows


def test_new_start_inspection_quotas(world: Store, put: Importer) -> None:
    put("new-start", "inspection", _inspections(19, 11, date(2019, 2, 10)), date(2020, 1, 31))
    found = evaluate_frames(world, treaty="new-start", party="RUS", dates=[date(2019, 6, 1), date(2020, 1, 31)])
    total = _one(found, "NST-INSP-TOTAL", as_of=date(2020, 1, 31))
    assert total["status"] == "breach" and total["measured"] == 19 and total["limit"] == 18 and total["margin"] == -1
    assert len(total["evidence"]) == 19 and total["period_from"] == date(2019, 2, 5)
    type_one = _one(found, "NST-INSP-TYPE-ONE", as_of=date(2020, 1, 31))
    assert type_one["status"] == "breach" and type_one["measured"] == 11
    assert _one(found, "NST-INSP-TYPE-TWO", as_of=date(2020, 1, 31))["status"] == "at_risk"
    mid = _one(found, "NST-INSP-TOTAL", as_of=date(2019, 6, 1))
    used = sum(1 for n in range(19) if date.fromordinal(date(2019, 2, 10).toordinal() + 10 * n) <= date(2019, 6, 1))
    assert mid["status"] == "compliant" and mid["measured"] == used and mid["margin"] == 18 - used
    assert f"{18 - used} of 18 left" in mid["explanation"]


def test_cwc_schedule_2_notice(world: Store, put: Importer) -> None:
    day = date(2024, 4, 1)
    put(
        "cwc",
        "inspection",
        [
            {
                "ref": "S2-A",
                "kind": "schedule_2",
                "inspecting": "DEU",
                "inspected": "USA",
                "start": "2024-03-10",
                "end": "2024-03-12",
                "arrived_at": "2024-03-10T12:00:00Z",
                "departed_at": "2024-03-12T12:00:00Z",
                "site": "plant A",
            },
            {
                "ref": "S2-B",
                "kind": "schedule_2",
                "inspecting": "DEU",
                "inspected": "USA",
                "start": "2024-03-20",
                "end": "2024-03-25",
                "arrived_at": "2024-03-20T12:00:00Z",
                "departed_at": "2024-03-25T12:00:00Z",
                "site": "plant B",
            },
        ],
        day,
    )
    put(
        "cwc",
        "notification",
        [
            {
                "kind": "inspection_notice",
                "sender": "DEU",
                "receiver": "USA",
                "sent_at": "2024-03-08T19:00:00Z",
                "received_at": "2024-03-08T20:00:00Z",
                "trigger": "inspection:S2-A",
            },
            {
                "kind": "inspection_notice",
                "sender": "DEU",
                "receiver": "USA",
                "sent_at": "2024-03-17T12:00:00Z",
                "received_at": "2024-03-17T12:00:00Z",
                "trigger": "inspection:S2-B",
            },
        ],
        day,
    )
    found = evaluate_frames(world, treaty="cwc", dates=[day])
    notices = found.filter(pl.col("code") == "CWC-S2-NOTICE").sort("measured")
    assert notices["status"].to_list() == ["breach", "compliant"]
    assert notices["measured"].to_list() == [40.0, 72.0] and notices["limit"].to_list() == [48.0, 48.0]
    assert "40 hours before" in notices["explanation"][0]
    durations = found.filter(pl.col("code") == "CWC-S2-DURATION").sort("measured")
    assert durations["status"].to_list() == ["compliant", "breach"] and durations["measured"].to_list() == [48.0, 120.0]


def test_aeca_36b_gates(world: Store, put: Importer) -> None:
    day = date(2024, 4, 15)
    put(
        "aeca-36b",
        "notification",
        [
            {
                "kind": "congressional_notification_36b",
                "sender": "USA",
                "sent_at": "2024-03-01T15:00:00Z",
                "reference": case,
            }
            for case in ("SA-D-QAA", "PL-D-QAB", "SA-D-QAC")
        ],
        day,
    )
    put(
        "aeca-36b",
        "activity",
        [
            {
                "ref": "offer-sau",
                "kind": "assistance_offer",
                "party": "USA",
                "counterpart": "SAU",
                "subject": "SA-D-QAA",
                "start": "2024-03-20",
                "mde_usd": 30_000_000,
            },
            {
                "ref": "offer-pol",
                "kind": "assistance_offer",
                "party": "USA",
                "counterpart": "POL",
                "subject": "PL-D-QAB",
                "start": "2024-03-20",
                "mde_usd": 30_000_000,
            },
            {
                "ref": "offer-sau-2",
                "kind": "assistance_offer",
                "party": "USA",
                "counterpart": "SAU",
                "subject": "SA-D-QAC",
                "start": "2024-04-05",
                "mde_usd": 30_000_000,
            },
        ],
        day,
    )
    found = evaluate_frames(world, treaty="aeca-36b", dates=[day])
    general = found.filter(pl.col("code") == "AECA-36B-GENERAL").sort("margin")
    assert general["status"].to_list() == ["breach", "compliant"]
    assert "before the period after the" in general["explanation"][0] and "2024-03-31" in general["explanation"][0]
    nato = found.filter(pl.col("code") == "AECA-36B-NATO")
    assert nato.height == 1 and nato["status"][0] == "compliant" and "2024-03-16" in nato["explanation"][0]
    assert not nato["verified"][0] and general["verified"].all()
    early = check_gate(
        world,
        "AECA-36B-NATO",
        party="USA",
        counterpart="POL",
        subject="PL-D-QAB",
        on=date(2024, 3, 10),
        figures={"mde_usd": 30_000_000},
    )
    assert early.applies and not early.allowed and early.opens is not None and early.opens.date() == date(2024, 3, 16)
    decisions = {
        d.code: d
        for d in check_gates(
            world,
            action="assistance_offer",
            party="USA",
            counterpart="POL",
            subject="PL-D-QAB",
            on=date(2024, 3, 20),
            figures={"mde_usd": 30_000_000},
        )
    }
    assert decisions["AECA-36B-NATO"].allowed and not decisions["AECA-36B-GENERAL"].applies
    small = check_gate(
        world,
        "AECA-36B-GENERAL",
        party="USA",
        counterpart="SAU",
        subject="X",
        on=date(2024, 3, 2),
        figures={"mde_usd": 1_000_000},
    )
    assert small.allowed and not small.applies


def test_vetting_gate(world: Store, put: Importer) -> None:
    day = date(2024, 6, 1)
    put(
        "aeca-36b",
        "approval",
        [
            {
                "kind": "vetting",
                "party": "USA",
                "counterpart": "SAU",
                "subject": "3rd Brigade",
                "decided_on": "2024-05-10",
                "result": "cleared",
            }
        ],
        day,
    )
    assert not check_gate(world, "AECA-VETTING", party="USA", subject="3rd Brigade", on=date(2024, 5, 1)).allowed
    assert check_gate(world, "AECA-VETTING", party="USA", subject="3rd Brigade", on=date(2024, 5, 12)).allowed
    assert not check_gate(world, "AECA-VETTING", party="USA", subject="4th Brigade", on=date(2024, 5, 12)).allowed


def test_reconcile_declaration_against_inspection(world: Store, put: Importer) -> None:
    day = date(2024, 5, 1)
    put("new-start", "declaration", [{"party": "RUS", "as_of": "2024-03-01", "deployed_icbm_slbm_hb": 527}], day)
    put(
        "new-start",
        "inspection",
        [
            {
                "kind": "type_one",
                "inspecting": "USA",
                "inspected": "RUS",
                "start": "2024-04-10",
                "end": "2024-04-10",
                "site": "Kozelsk",
                "deployed_icbm_slbm_hb": 530,
            }
        ],
        day,
    )
    found = evaluate_frames(world, treaty="new-start", party="RUS", dates=[day, date(2024, 4, 1)])
    row = _one(found, "NST-AGGREGATE-RECONCILE", as_of=day)
    assert row["status"] == "breach" and row["limit"] == 527 and row["measured"] == 530 and row["margin"] == -3
    assert "527" in row["explanation"] and "530" in row["explanation"] and "Kozelsk" in row["explanation"]
    assert len(row["evidence"]) == 2
    before = _one(found, "NST-AGGREGATE-RECONCILE", as_of=date(2024, 4, 1))
    assert before["status"] == "insufficient_data"


def test_cfe_state_and_group_limits(world: Store, put: Importer) -> None:
    day = date(2024, 1, 1)
    put("cfe", "declaration", [{"party": "DEU", "as_of": "2023-12-01", "tanks": 14_000, "acvs": 3_000}], day)
    found = evaluate_frames(world, treaty="cfe", dates=[day])
    assert _one(found, "CFE-STATE-TANKS", party_code="DEU")["status"] == "breach"
    assert _one(found, "CFE-STATE-ACVS", party_code="DEU")["status"] == "compliant"
    assert _one(found, "CFE-STATE-AIRCRAFT", party_code="DEU")["status"] == "insufficient_data"
    group = _one(found, "CFE-GROUP-TANKS", subject="group western")
    assert group["status"] == "insufficient_data" and "USA" in group["explanation"]
