"""Evidence as Polars frames: one frame per evidence type, one row per record, in a shape every rule reads.

Every frame has the same base columns, whatever the table it came from:

``id`` and ``ref`` (``"activity:12"``), ``kind``, ``agreement``, ``party`` / ``party_code`` (the state whose
record it is: the declaring, sending, inspected or acting state), ``counterpart`` / ``counterpart_code``
(receiver, inspecting state, recipient), ``subject`` (a case reference, unit or site: what gates and
deadlines match on), ``time`` (as-of day, sent, arrival or start, UTC), ``end`` (departure or end),
``received``, ``trigger`` (the ``ref`` of the event a notification answers) and ``result`` (of an
approval); then one Float64 column per counted category or figure (declared counts, observed counts,
exercise sizes, values). A figure a record does not give is null, never 0.

The engine evaluates these frames in bulk; nothing here goes row by row through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Table, select

from detente.store.database import Store
from detente.store.models import Activity, Approval, Declaration, Inspection, Notification, State

__all__ = ["BASE_SCHEMA", "EVIDENCE_TYPES", "Evidence", "empty_frame", "frame_from_rows", "load_evidence", "midnight"]

EVIDENCE_TYPES = ("declaration", "notification", "inspection", "activity", "approval")

UTC_TIME = pl.Datetime("us", "UTC")
BASE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "ref": pl.String(),
    "kind": pl.String(),
    "agreement": pl.Int64(),
    "party": pl.Int64(),
    "counterpart": pl.Int64(),
    "subject": pl.String(),
    "time": UTC_TIME,
    "end": UTC_TIME,
    "received": UTC_TIME,
    "trigger": pl.String(),
    "result": pl.String(),
}


def midnight(day: date) -> datetime:
    """The first moment of a day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def empty_frame() -> pl.DataFrame:
    """A frame with the base columns and no rows (with party codes)."""
    return pl.DataFrame(schema={**BASE_SCHEMA, "party_code": pl.String(), "counterpart_code": pl.String()})


def frame_from_rows(rows: Sequence[Mapping[str, Any]], codes: Mapping[int, str]) -> pl.DataFrame:
    """Rows of base fields plus a ``figures`` mapping each -> one evidence frame with party codes."""
    if not rows:
        return empty_frame()
    figure_names = sorted({name for row in rows for name in (row.get("figures") or {})})
    data: dict[str, list[Any]] = {name: [row.get(name) for row in rows] for name in BASE_SCHEMA}
    for name in figure_names:
        data[f"f:{name}"] = [_number((row.get("figures") or {}).get(name)) for row in rows]
    frame = pl.DataFrame(data, schema={**BASE_SCHEMA, **{f"f:{n}": pl.Float64() for n in figure_names}}, strict=False)
    frame = frame.rename({f"f:{n}": n for n in figure_names})
    return with_codes(frame, codes)


def with_codes(frame: pl.DataFrame, codes: Mapping[int, str]) -> pl.DataFrame:
    """Add ``party_code`` and ``counterpart_code`` (ISO3) from the state ids."""
    lookup = pl.DataFrame(
        {"id": list(codes), "code": list(codes.values())}, schema={"id": pl.Int64(), "code": pl.String()}
    )
    return (
        frame.drop("party_code", "counterpart_code", strict=False)
        .join(lookup.rename({"id": "party", "code": "party_code"}), on="party", how="left")
        .join(lookup.rename({"id": "counterpart", "code": "counterpart_code"}), on="counterpart", how="left")
    )


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


@dataclass
class Evidence:
    """The evidence of one treaty, one frame per evidence type, and the state codes it uses."""

    frames: dict[str, pl.DataFrame]
    codes: dict[int, str]
    ids: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = {code: state for state, code in self.codes.items()}

    def frame(self, evidence_type: str) -> pl.DataFrame:
        """The frame of one evidence type (an empty one if there is none)."""
        return self.frames.get(evidence_type, empty_frame())

    def append(self, evidence_type: str, rows: pl.DataFrame) -> None:
        """Add records of one type (columns the frame lacks are added as nulls)."""
        current = self.frame(evidence_type)
        self.frames[evidence_type] = pl.concat([current, rows], how="diagonal_relaxed")


def _day_end(day: date | None) -> datetime | None:
    return None if day is None else midnight(day) + timedelta(days=1)


def state_codes(store: Store) -> dict[int, str]:
    """State id -> ISO3 code, for every state that has one."""
    with store.engine.connect() as connection:
        rows = connection.execute(select(State.id, State.iso3).where(State.iso3.is_not(None))).all()
    return {int(state): str(code) for state, code in rows}


def load_evidence(store: Store, agreement_ids: Iterable[int], codes: Mapping[int, str] | None = None) -> Evidence:
    """Read every evidence record of the given agreements from the store into frames."""
    ids = sorted(set(agreement_ids))
    codes = dict(codes) if codes is not None else state_codes(store)
    frames: dict[str, pl.DataFrame] = {}
    with store.engine.connect() as connection:
        for name, model in _MODELS.items():
            table = model.__table__
            assert isinstance(table, Table)
            result = connection.execute(select(table).where(table.c.agreement_id.in_(ids)).order_by(table.c.id))
            frames[name] = frame_from_rows([_ROW[name](dict(row._mapping)) for row in result], codes)
    return Evidence(frames, codes)


def _declaration(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "ref": f"declaration:{row['id']}",
        "kind": "declaration",
        "agreement": row["agreement_id"],
        "party": row["party_state_id"],
        "time": midnight(row["as_of"]),
        "subject": row["reference"],
        "figures": row["counts"],
    }


def _notification(row: dict[str, Any]) -> dict[str, Any]:
    trigger = f"{row['trigger_type']}:{row['trigger_id']}" if row["trigger_type"] and row["trigger_id"] else None
    return {
        "id": row["id"],
        "ref": f"notification:{row['id']}",
        "kind": row["kind"],
        "agreement": row["agreement_id"],
        "party": row["sender_state_id"],
        "counterpart": row["receiver_state_id"],
        "subject": row["reference"],
        "time": row["sent_at"],
        "received": row["received_at"],
        "end": midnight(row["effective_on"]) if row["effective_on"] else None,
        "trigger": trigger,
    }


def _inspection(row: dict[str, Any]) -> dict[str, Any]:
    start = row["arrived_at"] or (midnight(row["valid_from"]) if row["valid_from"] else None)
    return {
        "id": row["id"],
        "ref": f"inspection:{row['id']}",
        "kind": row["kind"],
        "agreement": row["agreement_id"],
        "party": row["inspected_state_id"],
        "counterpart": row["inspecting_state_id"],
        "subject": row["site"],
        "time": start,
        "end": row["departed_at"] or _day_end(row["valid_to"]),
        "figures": row["observed"],
    }


def _activity(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "ref": f"activity:{row['id']}",
        "kind": row["kind"],
        "agreement": row["agreement_id"],
        "party": row["state_id"],
        "counterpart": row["counterpart_state_id"],
        "subject": row["subject"] or row["title"],
        "time": midnight(row["valid_from"]) if row["valid_from"] else None,
        "end": _day_end(row["valid_to"]),
        "figures": row["figures"],
    }


def _approval(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "ref": f"approval:{row['id']}",
        "kind": row["kind"],
        "agreement": row["agreement_id"],
        "party": row["party_state_id"],
        "counterpart": row["counterpart_state_id"],
        "subject": row["subject"],
        "time": midnight(row["decided_on"]),
        "result": row["result"],
        "figures": (row["original"] or {}).get("figures"),
    }


_MODELS = {
    "declaration": Declaration,
    "notification": Notification,
    "inspection": Inspection,
    "activity": Activity,
    "approval": Approval,
}
_ROW = {
    "declaration": _declaration,
    "notification": _notification,
    "inspection": _inspection,
    "activity": _activity,
    "approval": _approval,
}
