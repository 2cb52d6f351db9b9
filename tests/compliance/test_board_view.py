"""The compliance board as its reader may see it, on the real New START declarations stored at DATES.

A reader who may see every record gets exactly the stored findings' board. A reader kept from one marked
declaration gets the findings the rest of the evidence supports at the same dates -- neither the stored
finding (which rests on the declaration) nor the older stored finding they may see. Each showing of a
board resting on marked evidence is an audited read, whether the findings were kept or evaluated.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select

from detente.compliance.packs import get_pack
from detente.compliance.refresh import prior_evidence, refresh_after_writes
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate
from detente.domain.markings import Role
from detente.services import accounts, audit_trail
from detente.services.access import Principal, Scope
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import AuditEntry, Declaration, Finding, Marking, Obligation, State
from detente.web.viewmodels import compliance
from detente.web.viewmodels.board_findings import board_findings
from detente.web.viewmodels.common import Context
from tests.compliance.conftest import DATES

PASSWORD = "a long enough password"
JULY = date(2022, 7, 1)
BOARD_READ = "compliance board new-start"
COMPARED = (
    "obligation_id",
    "party_state_id",
    "as_of",
    "subject",
    "status",
    "measured",
    "limit_value",
    "margin",
    "evidence",
    "explanation",
    "verified",
    "period_from",
    "period_to",
    "figures",
)
"""Every value of a stored finding but its id and marking."""


def _user(store: Store, name: str, nationality: str, clearance: str = "SECRET") -> Principal:
    accounts.create_user(
        store,
        actor="t",
        username=name,
        password=PASSWORD,
        role=Role.ANALYST,
        nationality=nationality,
        clearance=clearance,
    )
    return accounts.authenticate(store, accounts.login(store, name, PASSWORD, client="tests").secret)


def _scope(store: Store, principal: Principal) -> Scope:
    with store.engine.connect() as connection:
        return Scope.of(connection, principal)


def _stored(store: Store, day: date) -> list[tuple[str, ...]]:
    """The stored New START findings on or before ``day``, as comparable tuples."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(Finding.__table__).where(Finding.obligation_id.in_(_obligations(store)), Finding.as_of <= day)
        )
        return sorted(_comparable(dict(row)) for row in rows.mappings())


def _comparable(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(json.dumps(row[k], sort_keys=True, default=str) for k in COMPARED)


def _obligations(store: Store) -> dict[int, str]:
    agreements = agreement_ids(store, get_pack("new-start"))
    with store.engine.connect() as connection:
        rows = connection.execute(select(Obligation.id, Obligation.code).where(Obligation.agreement_id.in_(agreements)))
        return {int(i): str(code) for i, code in rows}


def _latest_counts(store: Store, day: date) -> dict[str, int]:
    """Findings per status at the latest stored date on or before ``day`` (every party was evaluated there)."""
    with store.engine.connect() as connection:
        latest = connection.scalar(select(func.max(Finding.as_of)).where(Finding.as_of <= day))
        rows = connection.execute(
            select(Finding.status, func.count()).where(Finding.as_of == latest).group_by(Finding.status)
        )
        return {str(status): int(n) for status, n in rows}


def _cell(board: compliance.Board, party: str, code: str) -> compliance.Cell:
    column = [head.code for head in board.obligations].index(code)
    (cell,) = [row.cells[column] for row in board.rows if party in row.party]
    return cell


def _board_reads(store: Store, actor: str) -> list[list[str]]:
    """The evidence named by each audited read of the New START board by ``actor``, oldest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.after)
            .where(AuditEntry.actor == actor, AuditEntry.action == "read", AuditEntry.object_id == BOARD_READ)
            .order_by(AuditEntry.seq)
        ).scalars()
        return [list(json.loads(after)["evidence"]) for after in rows]


def test_a_reader_who_sees_everything_gets_the_stored_findings(new_start: Store) -> None:
    store = new_start
    reader = _user(store, "board-all", "USA", "TOP SECRET")
    ctx = Context(store, reader)
    ids = {code: i for i, code in _obligations(store).items()}
    for day in (*DATES, date(2022, 1, 1), date(2024, 1, 1)):
        found = board_findings(store, get_pack("new-start"), ids, day, _scope(store, reader))
        assert sorted(_comparable(dict(row)) for row in found.rows) == _stored(store, day), day
        assert found.marked == ()  # no marked evidence: nothing to audit
        shown = compliance.board(ctx, "new-start", day)
        assert shown.evaluated and len(shown.rows) == 2
        assert {k: v for k, v in shown.counts.items() if v} == _latest_counts(store, day), day
        latest = max(d for d in DATES if d <= day)
        assert {cell.as_of for row in shown.rows for cell in row.cells if cell.as_of} == {latest}
        assert shown.findings[0].as_of == latest and len(shown.findings) == min(50, len(found.rows))
    before = compliance.board(ctx, "new-start", date(2017, 1, 1))
    assert not before.evaluated and before.rows == [] and before.findings == [] and before.margins == []
    assert _board_reads(store, reader.actor) == []


def _set_marking(store: Store, declaration: int, marking: int | None) -> None:
    """Mark (or unmark) one declaration in an audited batch and refresh the findings it bears on."""
    with Records(store).batch(actor="analyst") as work:
        before = prior_evidence(work.connection, "declaration", [declaration])
        after = [work.update("declaration", declaration, {"marking_id": marking})]
    refresh_after_writes(store, "declaration", after, actor="analyst", before=before)


def test_a_reader_kept_from_a_declaration_sees_the_status_without_it_and_the_read_is_audited(
    new_start: Store,
) -> None:
    store = new_start
    with store.engine.connect() as connection:
        usa = connection.scalar(select(State.id).where(State.iso3 == "USA"))
        declarations = connection.execute(
            select(Declaration.id, Declaration.as_of, Declaration.counts)
            .where(Declaration.party_state_id == usa, Declaration.as_of <= date(2022, 3, 1))
            .order_by(Declaration.as_of.desc())
            .limit(2)
        ).all()
    (march, march_day, march_counts), (_, earlier_day, earlier_counts) = declarations
    assert march_day == date(2022, 3, 1) and earlier_day == date(2021, 9, 1)
    assert march_counts["warheads_deployed"] == 1515 and earlier_counts["warheads_deployed"] == 1389
    ref = f"declaration:{march}"

    secret = Records(store).create(Marking, {"classification": "SECRET", "releasable_to": ["USA"]}, actor="t")
    _set_marking(store, march, secret["id"])
    try:
        cleared = _user(store, "board-usa", "USA")
        kept_out = _user(store, "board-fra", "FRA")
        # the cleared reader: the stored finding on the March 2022 declaration, 1,515 of 1,550 -> at risk
        shown = compliance.board(Context(store, cleared), "new-start", JULY)
        cell = _cell(shown, "United States", "NST-LIMIT-WARHEADS")
        assert (cell.status, cell.as_of, cell.margin) == ("at_risk", JULY, 35.0)
        with store.engine.connect() as connection:
            stored = connection.execute(
                select(Finding.status, Finding.measured, Marking.classification)
                .join(Obligation, Obligation.id == Finding.obligation_id)
                .join(Marking, Marking.id == Finding.marking_id)
                .where(Obligation.code == "NST-LIMIT-WARHEADS", Finding.party_state_id == usa, Finding.as_of == JULY)
            ).one()
            older = connection.execute(
                select(Finding.status, Finding.measured, Finding.marking_id)
                .join(Obligation, Obligation.id == Finding.obligation_id)
                .where(
                    Obligation.code == "NST-LIMIT-WARHEADS",
                    Finding.party_state_id == usa,
                    Finding.as_of == date(2021, 1, 1),
                )
            ).one()
        assert tuple(stored) == ("at_risk", 1515.0, "SECRET")
        # what the old board showed the other reader: the older stored finding they may see
        assert older.marking_id is None and older.measured != 1389.0

        # the reader kept from it: the September 2021 declaration judged as of 1 July 2022, 1,389 -> compliant
        shown = compliance.board(Context(store, kept_out), "new-start", JULY)
        cell = _cell(shown, "United States", "NST-LIMIT-WARHEADS")
        assert (cell.status, cell.as_of, cell.margin) == ("compliant", JULY, 161.0)
        assert "1389" in cell.explanation and "1515" not in cell.explanation and ref not in cell.explanation
        (entry,) = [
            f
            for f in shown.findings
            if f.code == "NST-LIMIT-WARHEADS" and "United States" in f.party and f.as_of == JULY
        ]
        assert (entry.as_of, entry.measured, entry.limit, entry.margin) == (JULY, 1389.0, 1550.0, 161.0)
        assert shown.findings[0].as_of == JULY
        series = [s for s in shown.margins if s.obligation == "NST-LIMIT-WARHEADS" and "United States" in s.party]
        assert [p for p in series[0].points if p[0] == JULY] == [(JULY, 161.0)]
        # Russia's findings rest on public Russian declarations alone: the same for both readers
        assert _cell(shown, "Russia", "NST-LIMIT-WARHEADS") == _cell(
            compliance.board(Context(store, cleared), "new-start", JULY), "Russia", "NST-LIMIT-WARHEADS"
        )

        # audited: each showing of a board resting on the marked declaration, kept or evaluated afresh;
        # nothing for the reader whose board rests on none of it
        assert _board_reads(store, cleared.actor) == [[ref], [ref]]
        assert _board_reads(store, kept_out.actor) == []
        pack, ids = get_pack("new-start"), {code: i for i, code in _obligations(store).items()}
        scope = _scope(store, cleared)
        assert board_findings(store, pack, ids, JULY, scope) is board_findings(store, pack, ids, JULY, scope)
    finally:
        _set_marking(store, march, None)
    # released again: everyone's board is the stored one once more, and the store as the fixture left it
    full = evaluate(store, treaty="new-start", as_of=DATES, actor="test")
    assert full.stored is not None and full.stored.created == full.stored.updated == full.stored.deleted == 0
    assert audit_trail.verify(store).ok
