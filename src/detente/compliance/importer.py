"""Import evidence from CSV or JSON: every row checked, every problem reported, nothing stored on error.

One file holds one evidence type (``--type``), or -- JSON only -- an object of lists keyed by type
(``{"activities": [...], "notifications": [...]}``). Columns per type:

* declaration: ``party``, ``as_of``, ``reference``; every other column is a counted category
* notification: ``kind``, ``sender``, ``receiver``, ``sent_at``, ``received_at`` (UTC, with a zone),
  ``effective_on``, ``trigger`` (``activity:REF`` / ``inspection:REF``: the event it answers), ``reference``
* inspection: ``kind``, ``inspecting``, ``inspected``, ``start``, ``end``, ``arrived_at``, ``departed_at``,
  ``site``; every other column is an observed count
* activity: ``kind``, ``party``, ``counterpart``, ``title``, ``subject``, ``start``, ``end``; every other
  column is a figure (troops, tanks, value_usd ...). Activities may be planned, so they may lie ahead.
* approval: ``kind``, ``party``, ``counterpart``, ``subject``, ``decided_on``, ``result``, ``reference``

Every row may carry ``ref``, the user's own key (stored as ``source_key``), which notifications name in
``trigger``. Parties are ISO3 codes of states in the store. A count must be a number >= 0; a blank is
"not given", never 0. Observed facts (declarations, notifications, inspections, approvals) may not be
dated after the as-of date. All rows of all types are written in one transaction (in bulk), one audit entry
each. The treaty's stored findings are then brought up to date, re-evaluating only the obligations and
parties the new records touch (:mod:`detente.compliance.refresh`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from detente.compliance.evidence import state_codes
from detente.compliance.packs import Pack
from detente.compliance.refresh import Refresh, refresh_findings
from detente.compliance.registry import ACTOR, agreement_ids, sync_pack
from detente.services.records import Batch, Records
from detente.store.database import Store
from detente.store.models import Activity, Inspection

__all__ = ["EvidenceImportError", "ImportReport", "RowError", "import_evidence", "read_rows"]

TYPES = ("approval", "declaration", "activity", "inspection", "notification")
"""Evidence types in the order they are written (notifications last: they name activities and inspections)."""
PLURALS = {f"{t}s" if not t.endswith("y") else f"{t[:-1]}ies": t for t in TYPES}

FIELDS: dict[str, tuple[str, ...]] = {
    "declaration": ("ref", "party", "as_of", "reference"),
    "notification": (
        "ref",
        "kind",
        "sender",
        "receiver",
        "sent_at",
        "received_at",
        "effective_on",
        "trigger",
        "reference",
    ),
    "inspection": ("ref", "kind", "inspecting", "inspected", "start", "end", "arrived_at", "departed_at", "site"),
    "activity": ("ref", "kind", "party", "counterpart", "title", "subject", "start", "end"),
    "approval": ("ref", "kind", "party", "counterpart", "subject", "decided_on", "result", "reference"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "declaration": ("party", "as_of"),
    "notification": ("kind", "sender", "sent_at"),
    "inspection": ("kind", "inspecting", "inspected", "start"),
    "activity": ("kind", "party", "start"),
    "approval": ("kind", "party", "subject", "decided_on", "result"),
}
FIGURES = {"declaration": "counts", "inspection": "observed", "activity": "figures"}
NESTED = {"counts", "observed", "figures"}


@dataclass(frozen=True)
class RowError:
    """One problem in one row: file, row (1 = first data row), field, what is wrong and what to do."""

    file: str
    row: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, {self.field}: {self.problem}"


class EvidenceImportError(ValueError):
    """An evidence file with problems; ``errors`` lists every one. Nothing was stored."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        shown = "\n".join(f"  {e}" for e in self.errors[:50])
        more = f"\n  ... and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"{len(self.errors)} problem(s); nothing was stored:\n{shown}{more}")


@dataclass
class ImportReport:
    """What an import stored, by evidence type, and what refreshing the findings did."""

    treaty: str
    stored: dict[str, int] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)
    refresh: Refresh | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"treaty": self.treaty, "stored": self.stored, "ids": self.ids}
        if self.refresh is not None:
            out["findings"] = self.refresh.as_dict()
        return out


def read_rows(path: Path, evidence_type: str | None) -> dict[str, list[dict[str, Any]]]:
    """Rows by evidence type from a CSV or JSON file (CSV needs ``evidence_type``)."""
    text = path.read_text(encoding="utf-8-sig")
    name = path.name
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if isinstance(data, list):
            if evidence_type is None:
                raise EvidenceImportError([RowError(name, 0, "type", "a JSON list needs --type (declaration, ...)")])
            return {evidence_type: data}
        if isinstance(data, dict):
            out: dict[str, list[dict[str, Any]]] = {}
            for key, rows in data.items():
                kind = PLURALS.get(key, key)
                if kind not in TYPES or not isinstance(rows, list):
                    raise EvidenceImportError(
                        [RowError(name, 0, key, f"not an evidence type; use lists under {', '.join(PLURALS)}")]
                    )
                out[kind] = rows
            return out
        raise EvidenceImportError([RowError(name, 0, "-", "JSON evidence is a list of rows or an object of lists")])
    if evidence_type is None:
        raise EvidenceImportError([RowError(name, 0, "type", "a CSV file needs --type (declaration, ...)")])
    reader = csv.DictReader(io.StringIO(text))
    return {evidence_type: [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]}


class _Checker:
    """Checks rows and converts them to record values, collecting every problem."""

    def __init__(self, file: str, codes: Mapping[str, int], as_of: date) -> None:
        self.file, self.codes, self.as_of = file, codes, as_of
        self.errors: list[RowError] = []
        self.limit = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC)

    def error(self, row: int, name: str, problem: str) -> None:
        self.errors.append(RowError(self.file, row, name, problem))

    def party(self, row: int, name: str, value: Any, required: bool = True) -> int | None:
        if value is None:
            if required:
                self.error(row, name, "is required: an ISO3 code such as USA")
            return None
        state = self.codes.get(str(value).strip().upper())
        if state is None:
            self.error(row, name, f"unknown party {value!r}: give the ISO3 code of a state in the store")
        return state

    def day(self, row: int, name: str, value: Any, *, past: bool) -> date | None:
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            self.error(row, name, f"{value!r} is not a date; write YYYY-MM-DD")
            return None
        if past and parsed > self.as_of:
            self.error(
                row, name, f"{parsed} lies after the as-of date {self.as_of}; evidence cannot come from the future"
            )
        return parsed

    def moment(self, row: int, name: str, value: Any, *, past: bool) -> datetime | None:
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            self.error(row, name, f"{value!r} is not a time; write e.g. 2024-05-01T12:00:00Z")
            return None
        if parsed.tzinfo is None:
            self.error(row, name, f"{value!r} has no time zone; notifications are in GMT: add Z (UTC)")
            return None
        parsed = parsed.astimezone(UTC)
        if past and parsed >= self.limit:
            self.error(row, name, f"{parsed.isoformat()} lies after the as-of date {self.as_of}")
        return parsed

    def figures(self, row: int, raw: Mapping[str, Any], known: Sequence[str], nested: str) -> dict[str, float | int]:
        values: dict[str, Any] = {k: v for k, v in raw.items() if k not in known and k not in NESTED and k != "treaty"}
        if isinstance(raw.get(nested), dict):
            values.update(raw[nested])
        out: dict[str, float | int] = {}
        for name, value in values.items():
            if value is None:
                continue
            try:
                number = float(value) if not isinstance(value, int | float) or isinstance(value, bool) else value
                if isinstance(value, bool):
                    raise ValueError
            except (TypeError, ValueError):
                self.error(row, name, f"{value!r} is not a number; a count or figure is a number >= 0, or blank")
                continue
            if number < 0:
                self.error(row, name, f"{value} is negative; counts and figures are >= 0 (blank if not given)")
                continue
            out[name] = int(number) if float(number).is_integer() else float(number)
        return out


def _check_rows(
    checker: _Checker, evidence_type: str, rows: list[dict[str, Any]], agreement_id: int | None
) -> list[dict[str, Any]]:
    """Record values for each row (with ``_ref`` / ``_trigger`` kept aside for the writer)."""
    out = []
    known = FIELDS[evidence_type]
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            checker.error(number, "-", "each row is an object of fields")
            continue
        raw = {str(k).strip(): (None if v == "" else v) for k, v in raw.items()}
        for name in REQUIRED[evidence_type]:
            if raw.get(name) is None:
                checker.error(number, name, "is required")
        values: dict[str, Any] = {"agreement_id": agreement_id, "source_key": raw.get("ref")}
        figures = checker.figures(number, raw, known, FIGURES.get(evidence_type, "figures"))
        if evidence_type == "declaration":
            values |= {
                "party_state_id": checker.party(number, "party", raw.get("party")),
                "as_of": checker.day(number, "as_of", raw.get("as_of"), past=True),
                "counts": figures,
                "reference": raw.get("reference"),
            }
        elif evidence_type == "notification":
            sent = checker.moment(number, "sent_at", raw.get("sent_at"), past=True)
            received = checker.moment(number, "received_at", raw.get("received_at"), past=True)
            if sent and received and received < sent:
                checker.error(
                    number, "received_at", f"{received.isoformat()} is before it was sent ({sent.isoformat()})"
                )
            values |= {
                "kind": raw.get("kind"),
                "sender_state_id": checker.party(number, "sender", raw.get("sender")),
                "receiver_state_id": checker.party(number, "receiver", raw.get("receiver"), required=False),
                "sent_at": sent,
                "received_at": received,
                "effective_on": checker.day(number, "effective_on", raw.get("effective_on"), past=False),
                "reference": raw.get("reference"),
                "_trigger": raw.get("trigger"),
            }
        elif evidence_type == "inspection":
            start = checker.day(number, "start", raw.get("start"), past=True)
            end = checker.day(number, "end", raw.get("end"), past=True)
            arrived = checker.moment(number, "arrived_at", raw.get("arrived_at"), past=True)
            departed = checker.moment(number, "departed_at", raw.get("departed_at"), past=True)
            if start and end and end < start:
                checker.error(number, "end", f"{end} is before the start {start}")
            if arrived and departed and departed < arrived:
                checker.error(number, "departed_at", "is before arrived_at")
            values |= {
                "kind": raw.get("kind"),
                "inspecting_state_id": checker.party(number, "inspecting", raw.get("inspecting")),
                "inspected_state_id": checker.party(number, "inspected", raw.get("inspected")),
                "valid_from": start,
                "valid_to": end,
                "arrived_at": arrived,
                "departed_at": departed,
                "site": raw.get("site"),
                "observed": figures,
            }
        elif evidence_type == "activity":
            start = checker.day(number, "start", raw.get("start"), past=False)
            end = checker.day(number, "end", raw.get("end"), past=False)
            if start and end and end < start:
                checker.error(number, "end", f"{end} is before the start {start}")
            values |= {
                "kind": raw.get("kind"),
                "state_id": checker.party(number, "party", raw.get("party")),
                "counterpart_state_id": checker.party(number, "counterpart", raw.get("counterpart"), required=False),
                "title": raw.get("title") or raw.get("subject") or raw.get("ref") or raw.get("kind"),
                "subject": raw.get("subject"),
                "valid_from": start,
                "valid_to": end,
                "figures": figures,
            }
        else:
            values |= {
                "kind": raw.get("kind"),
                "party_state_id": checker.party(number, "party", raw.get("party")),
                "counterpart_state_id": checker.party(number, "counterpart", raw.get("counterpart"), required=False),
                "subject": raw.get("subject"),
                "decided_on": checker.day(number, "decided_on", raw.get("decided_on"), past=True),
                "result": raw.get("result"),
                "reference": raw.get("reference"),
            }
        values["_row"] = number
        out.append(values)
    return out


def _stored_refs(store: Store, agreement_id: int) -> dict[tuple[str, str], int]:
    refs: dict[tuple[str, str], int] = {}
    with store.engine.connect() as connection:
        for name, model in (("activity", Activity), ("inspection", Inspection)):
            rows = connection.execute(
                select(model.id, model.source_key).where(
                    model.agreement_id == agreement_id, model.source_key.is_not(None)
                )
            ).all()
            refs.update({(name, str(key)): int(i) for i, key in rows})
    return refs


def import_evidence(
    store: Store,
    path: Path,
    pack: Pack,
    *,
    evidence_type: str | None = None,
    as_of: date | None = None,
    actor: str = ACTOR,
    refresh: bool = True,
    evaluate_at: Iterable[date] = (),
) -> ImportReport:
    """Check every row of the file and store them all, or raise :class:`EvidenceImportError` and store none.

    Then, unless ``refresh`` is false, bring the treaty's stored findings up to date
    (:func:`~detente.compliance.refresh.refresh_findings`): at every as-of date that has stored findings,
    only the obligations and parties the new records touch are evaluated again; at the dates of
    ``evaluate_at`` that have none yet, the whole treaty is evaluated. The records and the findings are
    written in two transactions: should the refresh fail, the evidence stays and a full
    ``detente compliance evaluate`` puts the findings right.
    """
    if evidence_type is not None and evidence_type not in TYPES:
        raise EvidenceImportError(
            [RowError(path.name, 0, "type", f"unknown evidence type; use one of {', '.join(TYPES)}")]
        )
    batches = read_rows(path, evidence_type)
    existing = agreement_ids(store, pack)
    agreement_id = existing[0] if existing else None
    codes = {code: state for state, code in state_codes(store).items()}
    checker = _Checker(path.name, codes, as_of or datetime.now(UTC).date())
    checked = {kind: _check_rows(checker, kind, rows, agreement_id) for kind, rows in batches.items()}
    refs = _stored_refs(store, agreement_id) if agreement_id is not None else {}
    batch_refs = {(kind, str(v["source_key"])) for kind, rows in checked.items() for v in rows if v.get("source_key")}
    for values in checked.get("notification", []):
        trigger = values.get("_trigger")
        if trigger is None:
            continue
        kind, _, key = str(trigger).partition(":")
        if kind not in ("activity", "inspection") or not key:
            checker.error(values["_row"], "trigger", f"{trigger!r}: write activity:REF or inspection:REF")
        elif (kind, key) not in refs and (kind, key) not in batch_refs:
            checker.error(
                values["_row"], "trigger", f"no {kind} with ref {key!r} in this file or the store; import it first"
            )
    if checker.errors:
        raise EvidenceImportError(checker.errors)
    agreement_id = sync_pack(store, pack, actor=actor).agreement_id
    for rows in checked.values():
        for values in rows:
            values["agreement_id"] = agreement_id
    report = ImportReport(pack.code)
    # the findings are refreshed below, at the dates asked for (or not at all), not by the batch itself
    with Records(store).batch(actor=actor, refresh_findings=False) as batch:
        for kind in TYPES:
            stored = _write(batch, kind, checked.get(kind, []), refs)
            if stored:
                report.stored[kind] = len(stored)
                report.ids[kind] = stored
    if refresh:
        report.refresh = refresh_findings(store, pack, report.ids, dates=evaluate_at, actor=actor)
    return report


def _write(batch: Batch, kind: str, rows: list[dict[str, Any]], refs: dict[tuple[str, str], int]) -> list[int]:
    """Write the checked rows of one type in bulk; note the ids of those with a ``ref`` for later triggers."""
    records = []
    for values in rows:
        record = {k: v for k, v in values.items() if not k.startswith("_")}
        trigger = values.get("_trigger")
        if trigger:
            trigger_kind, _, key = str(trigger).partition(":")
            record["trigger_type"], record["trigger_id"] = trigger_kind, refs[(trigger_kind, key)]
        records.append(record)
    stored = batch.create_many(kind, records)
    for values, row in zip(rows, stored, strict=True):
        if values.get("source_key"):
            refs[(kind, str(values["source_key"]))] = int(row["id"])
    return [int(row["id"]) for row in stored]
