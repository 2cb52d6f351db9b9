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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, select

from detente.compliance.visibility import ALL_EVIDENCE, Viewer, evidence_clause
from detente.store.database import Store
from detente.store.models import Activity, Approval, Declaration, Inspection, Notification, State

__all__ = [
    "BASE_SCHEMA",
    "EVIDENCE_TYPES",
    "Evidence",
    "empty_frame",
    "evidence_rows",
    "frame_from_rows",
    "load_evidence",
    "midnight",
]

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


def state_codes(store: Store | Connection) -> dict[int, str]:
    """State id -> ISO3 code, for every state that has one (read on a connection given, or a new one)."""
    if isinstance(store, Connection):
        rows = store.execute(select(State.id, State.iso3).where(State.iso3.is_not(None))).all()
        return {int(state): str(code) for state, code in rows}
    with store.engine.connect() as connection:
        return state_codes(connection)


def load_evidence(
    store: Store, agreement_ids: Iterable[int], codes: Mapping[int, str] | None = None, viewer: Viewer = ALL_EVIDENCE
) -> Evidence:
    """Read every evidence record of the given agreements from the store into frames: one query per
    evidence type, the columns turned into the frame's shape by Polars expressions, not row by row.

    With a ``viewer`` other than :data:`~detente.compliance.visibility.ALL_EVIDENCE`, only the records that
    viewer may see are read (see :mod:`detente.compliance.visibility`)."""
    ids = sorted(set(agreement_ids))
    codes = dict(codes) if codes is not None else state_codes(store)
    frames: dict[str, pl.DataFrame] = {}
    if not ids:  # no agreement, no evidence (a pack whose treaty the store does not hold)
        return Evidence({name: empty_frame() for name in _SHAPES}, codes)
    with store.engine.connect() as connection:
        for name, shape in _SHAPES.items():
            table = shape.model.__table__
            assert isinstance(table, Table)
            wanted = [table.c[column] for column in shape.columns]
            query = select(*wanted).where(table.c.agreement_id.in_(ids)).order_by(table.c.id)
            clause = evidence_clause(shape.model, viewer)
            if clause is not None:
                query = query.where(clause)
            frames[name] = shape.frame(connection.execute(query).all(), codes)
    return Evidence(frames, codes)


def evidence_rows(
    connection: Connection, evidence_type: str, ids: Iterable[int], codes: Mapping[int, str]
) -> pl.DataFrame:
    """Some records of one evidence type as a frame in the shape :func:`load_evidence` gives, read on an
    open ``connection`` -- inside the transaction about to change or delete them, so that the frame shows
    them exactly as they were (what :mod:`~detente.compliance.refresh` needs to know whose findings they
    held up). Records that do not exist are left out."""
    shape = _SHAPES[evidence_type]
    table = shape.model.__table__
    assert isinstance(table, Table)
    wanted = [table.c[column] for column in shape.columns]
    query = select(*wanted).where(table.c.id.in_(sorted(set(ids)))).order_by(table.c.id)
    return shape.frame(connection.execute(query).all(), codes)


def _moment(column: str) -> pl.Expr:
    """A date column as its first moment (UTC)."""
    return pl.col(column).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _ref(kind: str) -> pl.Expr:
    return pl.format(f"{kind}:{{}}", pl.col("id"))


_SQL_TYPES: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "agreement_id": pl.Int64(),
    "party_state_id": pl.Int64(),
    "sender_state_id": pl.Int64(),
    "receiver_state_id": pl.Int64(),
    "inspected_state_id": pl.Int64(),
    "inspecting_state_id": pl.Int64(),
    "state_id": pl.Int64(),
    "counterpart_state_id": pl.Int64(),
    "trigger_id": pl.Int64(),
    "as_of": pl.Date(),
    "effective_on": pl.Date(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
    "decided_on": pl.Date(),
    "sent_at": UTC_TIME,
    "received_at": UTC_TIME,
    "arrived_at": UTC_TIME,
    "departed_at": UTC_TIME,
}


@dataclass(frozen=True)
class _Shape:
    """How one evidence table becomes a frame: the columns read, the figures column, the base columns."""

    model: type[Any]
    columns: tuple[str, ...]
    figures: str | None
    base: Callable[[], dict[str, pl.Expr]]

    def frame(self, rows: Sequence[Sequence[Any]], codes: Mapping[int, str]) -> pl.DataFrame:
        if not rows:
            return empty_frame()
        data = dict(zip(self.columns, map(list, zip(*rows, strict=True)), strict=True))
        dicts = data.pop(self.figures) if self.figures else []
        if self.figures == "original":
            dicts = [(d or {}).get("figures") if isinstance(d, dict) else None for d in dicts]
        raw = pl.DataFrame(data, schema={c: _SQL_TYPES.get(c, pl.String()) for c in data}, strict=False)
        base = raw.select(**{name: expr.cast(BASE_SCHEMA[name]) for name, expr in self.base().items()})
        names = sorted({name for d in dicts if isinstance(d, dict) for name in d})
        figures = pl.DataFrame(
            {name: [_number(d.get(name)) if isinstance(d, dict) else None for d in dicts] for name in names},
            schema=dict.fromkeys(names, pl.Float64()),
        )
        return with_codes(pl.concat([base, figures], how="horizontal") if names else base, codes)


def _declaration() -> dict[str, pl.Expr]:
    return {
        "id": pl.col("id"),
        "ref": _ref("declaration"),
        "kind": pl.lit("declaration"),
        "agreement": pl.col("agreement_id"),
        "party": pl.col("party_state_id"),
        "counterpart": pl.lit(None),
        "subject": pl.col("reference"),
        "time": _moment("as_of"),
        "end": pl.lit(None),
        "received": pl.lit(None),
        "trigger": pl.lit(None),
        "result": pl.lit(None),
    }


def _notification() -> dict[str, pl.Expr]:
    both = pl.col("trigger_type").is_not_null() & pl.col("trigger_id").is_not_null()
    return {
        "id": pl.col("id"),
        "ref": _ref("notification"),
        "kind": pl.col("kind"),
        "agreement": pl.col("agreement_id"),
        "party": pl.col("sender_state_id"),
        "counterpart": pl.col("receiver_state_id"),
        "subject": pl.col("reference"),
        "time": pl.col("sent_at"),
        "end": _moment("effective_on"),
        "received": pl.col("received_at"),
        "trigger": pl.when(both).then(pl.format("{}:{}", pl.col("trigger_type"), pl.col("trigger_id"))),
        "result": pl.lit(None),
    }


def _inspection() -> dict[str, pl.Expr]:
    return {
        "id": pl.col("id"),
        "ref": _ref("inspection"),
        "kind": pl.col("kind"),
        "agreement": pl.col("agreement_id"),
        "party": pl.col("inspected_state_id"),
        "counterpart": pl.col("inspecting_state_id"),
        "subject": pl.col("site"),
        "time": pl.coalesce(pl.col("arrived_at"), _moment("valid_from")),
        "end": pl.coalesce(pl.col("departed_at"), _moment("valid_to") + pl.duration(days=1)),
        "received": pl.lit(None),
        "trigger": pl.lit(None),
        "result": pl.lit(None),
    }


def _activity() -> dict[str, pl.Expr]:
    return {
        "id": pl.col("id"),
        "ref": _ref("activity"),
        "kind": pl.col("kind"),
        "agreement": pl.col("agreement_id"),
        "party": pl.col("state_id"),
        "counterpart": pl.col("counterpart_state_id"),
        "subject": pl.coalesce(pl.col("subject"), pl.col("title")),
        "time": _moment("valid_from"),
        "end": _moment("valid_to") + pl.duration(days=1),
        "received": pl.lit(None),
        "trigger": pl.lit(None),
        "result": pl.lit(None),
    }


def _approval() -> dict[str, pl.Expr]:
    return {
        "id": pl.col("id"),
        "ref": _ref("approval"),
        "kind": pl.col("kind"),
        "agreement": pl.col("agreement_id"),
        "party": pl.col("party_state_id"),
        "counterpart": pl.col("counterpart_state_id"),
        "subject": pl.col("subject"),
        "time": _moment("decided_on"),
        "end": pl.lit(None),
        "received": pl.lit(None),
        "trigger": pl.lit(None),
        "result": pl.col("result"),
    }


_SHAPES = {
    "declaration": _Shape(
        Declaration, ("id", "agreement_id", "party_state_id", "as_of", "reference", "counts"), "counts", _declaration
    ),
    "notification": _Shape(
        Notification,
        (
            "id",
            "agreement_id",
            "kind",
            "sender_state_id",
            "receiver_state_id",
            "reference",
            "sent_at",
            "received_at",
            "effective_on",
            "trigger_type",
            "trigger_id",
        ),
        None,
        _notification,
    ),
    "inspection": _Shape(
        Inspection,
        (
            "id",
            "agreement_id",
            "kind",
            "inspected_state_id",
            "inspecting_state_id",
            "site",
            "arrived_at",
            "valid_from",
            "departed_at",
            "valid_to",
            "observed",
        ),
        "observed",
        _inspection,
    ),
    "activity": _Shape(
        Activity,
        (
            "id",
            "agreement_id",
            "kind",
            "state_id",
            "counterpart_state_id",
            "subject",
            "title",
            "valid_from",
            "valid_to",
            "figures",
        ),
        "figures",
        _activity,
    ),
    "approval": _Shape(
        Approval,
        (
            "id",
            "agreement_id",
            "kind",
            "party_state_id",
            "counterpart_state_id",
            "subject",
            "decided_on",
            "result",
            "original",
        ),
        "original",
        _approval,
    ),
}
