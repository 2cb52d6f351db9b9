"""The compliance board: per treaty, a parties x obligations grid of statuses, margins over time, what is due
next, the evidence behind it and the latest findings.

The grid, margins and latest findings are not the stored findings filtered by the user's markings (a
user kept from one record behind a party's latest finding would see an older one instead) but the findings
at the stored as-of dates evaluated on the evidence the user may see
(:mod:`detente.web.viewmodels.board_findings`); evidence tables, which the catalog does not list, are read
through the same :func:`~detente.services.access.visible` clause. The due calendar
(and its iCalendar feed, and the home page's deadlines) comes from :func:`detente.compliance.due_items`
evaluated on the evidence the user may see (:func:`due_for`), so no item rests on or names a record hidden
from them. Evidence is imported through :func:`detente.compliance.import_evidence`, which re-evaluates
what the new records touch; :func:`detente.compliance.evaluate` evaluates a treaty in full; both audited under
the user's name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import Table, select

from detente.compliance.calendar import DueItem, DueList, due_list, to_ical
from detente.compliance.engine import STATUSES
from detente.compliance.importer import TYPES, ImportReport, import_evidence
from detente.compliance.packs import Pack, get_pack, load_packs
from detente.compliance.registry import agreement_ids
from detente.compliance.service import evaluate, today
from detente.domain.markings import Role
from detente.services.access import Principal, Scope, require_role, visible
from detente.store.database import Store
from detente.store.models import Activity, Approval, Declaration, Inspection, Notification
from detente.web.viewmodels.board_findings import board_findings, data_state
from detente.web.viewmodels.common import Choice, Context, every

__all__ = [
    "EVIDENCE_TYPES",
    "Board",
    "Cell",
    "DueEntry",
    "EvidenceEntry",
    "FindingEntry",
    "MarginSeries",
    "ObligationHead",
    "PartyRow",
    "board",
    "calendar_ics",
    "due_for",
    "evaluate_treaty",
    "import_file",
]

EVIDENCE_TYPES = TYPES
STATUS_LABELS = {
    "compliant": "Compliant",
    "at_risk": "At risk",
    "breach": "Breach",
    "overdue": "Overdue",
    "not_in_force": "Not in force yet",
    "insufficient_data": "Insufficient data",
}
SEVERITY = ("not_in_force", "compliant", "insufficient_data", "at_risk", "overdue", "breach")
"""Statuses from least to most serious: a cell shows the most serious of its findings."""
_EVIDENCE_MODELS: dict[str, Any] = {
    "declaration": Declaration,
    "notification": Notification,
    "inspection": Inspection,
    "activity": Activity,
    "approval": Approval,
}


@dataclass(frozen=True)
class ObligationHead:
    """A column of the grid: one obligation."""

    id: int
    code: str
    title: str
    kind: str
    article: str | None
    verified: bool


@dataclass(frozen=True)
class Cell:
    """One party under one obligation: the most serious of its findings of the latest evaluated date on or
    before the board's date (status ``None``: no finding yet)."""

    status: str | None
    label: str
    as_of: date | None
    margin: float | None
    explanation: str
    verified: bool
    findings: int


@dataclass(frozen=True)
class PartyRow:
    party: str
    cells: list[Cell]


@dataclass(frozen=True)
class MarginSeries:
    """The margin of one party under one LIMIT obligation at each evaluated date (the margin timeline)."""

    obligation: str
    party: str
    points: list[tuple[date, float]]


@dataclass(frozen=True)
class DueEntry:
    due: date
    code: str
    title: str
    party: str
    what: str
    left: float | None
    verified: bool


@dataclass(frozen=True)
class EvidenceEntry:
    type: str
    id: int
    day: date | None
    party: str
    summary: str
    reference: str | None


@dataclass(frozen=True)
class FindingEntry:
    as_of: date
    code: str
    party: str
    status: str
    label: str
    measured: float | None
    limit: float | None
    margin: float | None
    explanation: str
    verified: bool


@dataclass
class Board:
    """Everything the compliance board page shows for one treaty and one date."""

    treaties: list[Choice]
    treaty: str
    title: str
    citation: str
    as_of: date
    evaluated: bool
    obligations: list[ObligationHead] = field(default_factory=list)
    rows: list[PartyRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    margins: list[MarginSeries] = field(default_factory=list)
    due: list[DueEntry] = field(default_factory=list)
    evidence: list[EvidenceEntry] = field(default_factory=list)
    findings: list[FindingEntry] = field(default_factory=list)
    evidence_types: tuple[str, ...] = EVIDENCE_TYPES
    status_labels: dict[str, str] = field(default_factory=lambda: dict(STATUS_LABELS))


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def treaty_choices() -> list[Choice]:
    return [Choice(code, pack.title) for code, pack in sorted(load_packs().items())]


def board(ctx: Context, treaty: str | None = None, as_of: date | None = None, *, within_days: int = 90) -> Board:
    """The board of ``treaty`` (default: the first pack) as of ``as_of`` (default: today), as the user sees it.

    The grid, margins, counts and latest findings are the treaty's findings at the as-of dates the store
    holds findings for (on or before ``as_of``), evaluated on the evidence the user may see
    (:func:`~detente.web.viewmodels.board_findings.board_findings`): for a user who may see every record,
    exactly the stored findings; for another, what the evidence they may see says on those dates, never an
    older stored finding in place of one they may not see. The read of marked evidence behind it is audited
    each time the board is shown.
    """
    choices = treaty_choices()
    pack = get_pack(treaty or choices[0].value)
    day = as_of or datetime.now(UTC).date()
    agreements = agreement_ids(ctx.store, pack)
    result = Board(choices, pack.code, pack.title, pack.citation, day, evaluated=False)
    heads: list[ObligationHead] = []
    for agreement_id in agreements:
        for row in every(ctx.reader, ctx.principal, "obligations", filters={"agreement_id": agreement_id}):
            heads.append(
                ObligationHead(row["id"], row["code"], row["title"], row["kind"], row["article"], bool(row["verified"]))
            )
    heads.sort(key=lambda h: h.code)
    result.obligations = heads
    with ctx.store.engine.connect() as connection:
        scope = Scope.of(connection, ctx.principal)
    found = board_findings(ctx.store, pack, {head.code: head.id for head in heads}, day, scope)
    found.audit(ctx.store, scope, pack.code)
    _arrange(ctx, result, found.rows)
    result.evidence = evidence(ctx, agreements)
    result.due = due(ctx, pack, day, within_days)
    return result


def _arrange(ctx: Context, result: Board, findings: Sequence[Mapping[str, Any]]) -> None:
    """Fill the board's grid, counts, margin timeline and latest findings from ``findings``: rows with the
    values of stored findings and the obligation's ``code``, ascending by as-of date (as
    :class:`~detente.web.viewmodels.board_findings.BoardFindings` holds them). A cell shows the findings of
    the latest date its party has under its obligation."""
    kinds = {head.id: head.kind for head in result.obligations}
    latest: dict[tuple[int | None, int], list[Mapping[str, Any]]] = {}
    series: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
    for finding in findings:
        obligation = int(finding["obligation_id"])
        if obligation not in kinds:
            continue
        key = (finding["party_state_id"], obligation)
        if key in latest and latest[key][0]["as_of"] != finding["as_of"]:
            del latest[key]  # ascending dates: only the findings of the latest date count
        latest.setdefault(key, []).append(finding)
        if kinds[obligation] == "LIMIT" and finding["margin"] is not None and finding["status"] != "not_in_force":
            series[(finding["code"], ctx.state_name(finding["party_state_id"]))].append(
                (_day(finding["as_of"]) or result.as_of, float(finding["margin"]))
            )
    result.evaluated = bool(latest)
    parties = sorted({party for party, _ in latest}, key=lambda p: ctx.state_name(p))
    counts = dict.fromkeys(STATUSES, 0)
    for party in parties:
        cells = []
        for head in result.obligations:
            found = latest.get((party, head.id))
            if not found:
                cells.append(Cell(None, "not evaluated", None, None, "no finding on or before this date", False, 0))
                continue
            for one in found:
                counts[one["status"]] = counts.get(one["status"], 0) + 1
            cells.append(_cell(found))
        result.rows.append(PartyRow(ctx.state_name(party), cells))
    result.counts = counts
    result.margins = [MarginSeries(code, party, points) for (code, party), points in sorted(series.items())]
    shown = [f for f in findings if int(f["obligation_id"]) in kinds]
    recent = sorted(shown, key=lambda f: _day(f["as_of"]) or date.min, reverse=True)  # stable: by code, party
    result.findings = [_finding(ctx, f) for f in recent[:50]]


def _cell(found: list[Mapping[str, Any]]) -> Cell:
    """The worst of a party's findings under one obligation on one date (several events may be judged)."""
    worst = max(found, key=lambda f: SEVERITY.index(f["status"]) if f["status"] in SEVERITY else -1)
    more = f" ({len(found)} findings; the worst shown)" if len(found) > 1 else ""
    return Cell(
        worst["status"],
        STATUS_LABELS.get(worst["status"], worst["status"]),
        _day(worst["as_of"]),
        worst["margin"],
        worst["explanation"] + more,
        bool(worst["verified"]),
        len(found),
    )


def _finding(ctx: Context, row: Mapping[str, Any]) -> FindingEntry:
    return FindingEntry(
        _day(row["as_of"]) or date.min,
        row["code"],
        ctx.state_name(row["party_state_id"]),
        row["status"],
        STATUS_LABELS.get(row["status"], row["status"]),
        row["measured"],
        row["limit_value"],
        row["margin"],
        row["explanation"],
        bool(row["verified"]),
    )


def _figures(values: dict[str, Any] | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted((values or {}).items()) if v is not None)


def evidence(ctx: Context, agreements: list[int], limit: int = 50) -> list[EvidenceEntry]:
    """The newest evidence records of the treaty's agreements that the user may see."""
    out: list[EvidenceEntry] = []
    with ctx.store.engine.connect() as connection:
        scope = Scope.of(connection, ctx.principal)
        for name, model in _EVIDENCE_MODELS.items():
            table = model.__table__
            assert isinstance(table, Table)
            query = (
                select(table)
                .where(table.c.agreement_id.in_(agreements), visible(model, scope))
                .order_by(table.c.id.desc())
                .limit(limit)
            )
            for row in connection.execute(query).mappings():
                out.append(_evidence_entry(ctx, name, dict(row)))
    out.sort(key=lambda e: (e.day or date.min, e.id), reverse=True)
    return out[:limit]


def _evidence_entry(ctx: Context, name: str, row: dict[str, Any]) -> EvidenceEntry:
    name_of = ctx.state_name
    if name == "declaration":
        return EvidenceEntry(
            name,
            row["id"],
            _day(row["as_of"]),
            name_of(row["party_state_id"]),
            _figures(row["counts"]),
            row["reference"],
        )
    if name == "notification":
        to = f" to {name_of(row['receiver_state_id'])}" if row["receiver_state_id"] else ""
        return EvidenceEntry(
            name,
            row["id"],
            _day(row["sent_at"]),
            name_of(row["sender_state_id"]),
            f"{row['kind']}{to}",
            row["reference"],
        )
    if name == "inspection":
        summary = f"{row['kind']} of {name_of(row['inspected_state_id'])}: {_figures(row['observed'])}"
        return EvidenceEntry(
            name, row["id"], _day(row["valid_from"]), name_of(row["inspecting_state_id"]), summary, row["site"]
        )
    if name == "activity":
        summary = f"{row['kind']} {row['title']}: {_figures(row['figures'])}"
        return EvidenceEntry(
            name, row["id"], _day(row["valid_from"]), name_of(row["state_id"]), summary, row["subject"]
        )
    summary = f"{row['kind']} of {row['subject']}: {row['result']}"
    return EvidenceEntry(
        name, row["id"], _day(row["decided_on"]), name_of(row["party_state_id"]), summary, row["reference"]
    )


_DUE_CACHE: dict[tuple[str, str, date, int, int, frozenset[int]], DueList] = {}
_DUE_CACHE_SIZE = 64


def due_for(
    store: Store, principal: Principal, day: date, within_days: int, treaty: str | None = None
) -> list[DueItem]:
    """What is due within ``within_days`` of ``day`` (under one treaty, or every treaty the store tracks) as
    ``principal`` sees it: :func:`~detente.compliance.due_items` on the evidence their markings let them see.

    Every treaty the store tracks: those with an agreement in the store (loaded, or made when evidence was
    imported or the treaty evaluated); a treaty the store knows nothing about has no evidence to judge.

    Each treaty's list is kept while the store's data are unchanged (the engine is deterministic): it is
    reused only for the same treaty, date, horizon, newest write and visible markings. The read of marked
    evidence behind a list is audited every time it is shown, kept or not.
    """
    with store.engine.connect() as connection:
        scope = Scope.of(connection, principal)
    codes = [treaty] if treaty else [code for code, pack in load_packs().items() if agreement_ids(store, pack)]
    state = data_state(store)
    items: list[DueItem] = []
    for code in codes:
        key = (store.url, code, day, within_days, state, scope.marking_ids)
        found = _DUE_CACHE.get(key)
        if found is None:
            found = due_list(store, within_days=within_days, treaty=code, as_of=day, scope=scope)
            if len(_DUE_CACHE) >= _DUE_CACHE_SIZE:
                _DUE_CACHE.pop(next(iter(_DUE_CACHE)))
            _DUE_CACHE[key] = found
        found.audit(store, scope)
        items += found.items
    items.sort(key=lambda i: (i.due, i.treaty, i.code, i.party or "", i.subject or ""))
    return items


def _shown_items(ctx: Context, pack: Pack, day: date, within_days: int) -> list[DueItem]:
    return due_for(ctx.store, ctx.principal, day, within_days, pack.code)


def due(ctx: Context, pack: Pack, day: date, within_days: int) -> list[DueEntry]:
    """What is due within ``within_days`` of ``day`` under the treaty, soonest first."""
    return [
        DueEntry(i.due, i.code, i.title, i.party or "—", i.what, i.left, i.verified)
        for i in _shown_items(ctx, pack, day, within_days)
    ]


def calendar_ics(ctx: Context, treaty: str, day: date | None = None, within_days: int = 365) -> bytes:
    """The treaty's due items as an iCalendar file (what the board's subscribe link serves)."""
    pack = get_pack(treaty)
    return to_ical(_shown_items(ctx, pack, day or datetime.now(UTC).date(), within_days))


def evaluate_treaty(ctx: Context, treaty: str, as_of: date | None = None) -> dict[str, int]:
    """Evaluate the treaty at ``as_of`` (default today) and store the findings under the user's name."""
    require_role(ctx.principal, Role.ANALYST, "evaluating compliance")
    return evaluate(ctx.store, treaty=get_pack(treaty).code, as_of=as_of, actor=ctx.principal.actor).counts()


def import_file(
    ctx: Context,
    treaty: str,
    filename: str,
    content: bytes,
    *,
    evidence_type: str | None = None,
    as_of: date | None = None,
) -> ImportReport:
    """Import an uploaded CSV or JSON evidence file for ``treaty`` and bring its findings up to date: only
    what the new records touch is evaluated again, and the whole treaty at ``as_of`` (default today) if no
    findings are stored for that date yet.

    Every row is checked first; on any problem :class:`~detente.compliance.importer.EvidenceImportError` lists
    them all (file, row, field) and nothing is stored. Editors and admins only.
    """
    require_role(ctx.principal, Role.EDITOR, "importing compliance evidence")
    pack = get_pack(treaty)
    safe = Path(filename or "evidence.csv").name or "evidence.csv"
    if Path(safe).suffix.lower() not in (".csv", ".json"):
        raise ValueError(f"{safe}: give a .csv or .json file")
    with TemporaryDirectory(prefix="detente-upload-") as folder:
        path = Path(folder) / safe
        path.write_bytes(content)
        report = import_evidence(
            ctx.store,
            path,
            pack,
            evidence_type=evidence_type or None,
            as_of=as_of,
            evaluate_at=[as_of or today()],
            actor=ctx.principal.actor,
        )
    return report
