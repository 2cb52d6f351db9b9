"""The declarative base and the column groups that many tables share.

Three ideas recur across the domain and each is a mixin here, so that every table spells them the same way:

* :class:`Temporal` - an inclusive day range (``valid_from``/``valid_to``) plus the precision each bound was
  known to (see :mod:`detente.domain.dates`). Query it with :func:`detente.store.temporal.in_force`.
* :class:`Sourced` - where an ingested fact came from: the source version that loaded it, the record's key in
  that source, and the original values wherever detente mapped or cleaned one.
* :class:`Versioned` - the record's version, which every change through the services raises by one
  (optimistic concurrency: an update that names an older version is refused, so two editors of one record
  cannot silently overwrite each other). Every record users change carries it.
* :class:`Marked` - the releasability marking a user's record carries (``NULL`` = public data, releasable to
  every user), on top of its version. A child record (a case's line, an engagement's objective) has no marking
  of its own (it takes its parent's) but is :class:`Versioned` all the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from detente.domain.dates import Interval, Precision

__all__ = ["Base", "Marked", "Money", "Sourced", "Temporal", "UTCDateTime", "Versioned"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, always UTC: naive values are refused, and reads come back time-zone aware.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the UTC wall time is stored there.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no time zone; give times in UTC (e.g. 2024-05-01T12:00:00Z)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """An amount with two decimals: exact ``numeric(18, 2)`` on PostgreSQL; on SQLite, which has no decimal
    type, stored as a number and read back rounded to the cent."""

    impl = Numeric(18, 2)
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(18, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(18, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(value).quantize(CENT)
        return float(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT)


class JSONObject(TypeDecorator[dict[str, Any]]):
    """A JSON object (``json`` on PostgreSQL, text on SQLite)."""

    impl = JSON
    cache_ok = True

    @property
    def python_type(self) -> type[dict[str, Any]]:
        return dict


class JSONList(TypeDecorator[list[Any]]):
    """A JSON array (``json`` on PostgreSQL, text on SQLite)."""

    impl = JSON
    cache_ok = True

    @property
    def python_type(self) -> type[list[Any]]:
        return list


class Base(DeclarativeBase):
    """Base class of every detente table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012  (SQLAlchemy reads it as a class attribute)
        str: String(),
        datetime: UTCDateTime(),
        Decimal: Money(),
        dict[str, Any]: JSONObject(),
        list[Any]: JSONList(),
    }


def _precision() -> Mapped[str]:
    return mapped_column(String(5), default=Precision.DAY.value, server_default=Precision.DAY.value)


class Temporal:
    """An interval in force from ``valid_from`` to ``valid_to`` (both inclusive, ``NULL`` = open)."""

    valid_from: Mapped[date | None] = mapped_column(index=True)
    valid_from_precision: Mapped[str] = _precision()
    valid_to: Mapped[date | None] = mapped_column(index=True)
    valid_to_precision: Mapped[str] = _precision()

    @property
    def interval(self) -> Interval:
        """The row's interval as a domain value."""
        return Interval(
            self.valid_from,
            self.valid_to,
            Precision(self.valid_from_precision),
            Precision(self.valid_to_precision),
        )

    def set_interval(self, interval: Interval) -> None:
        """Store a domain interval in the four columns."""
        self.valid_from, self.valid_to = interval.valid_from, interval.valid_to
        self.valid_from_precision = interval.from_precision.value
        self.valid_to_precision = interval.to_precision.value


class Sourced:
    """Provenance of an ingested row; all ``NULL`` for a user's own record."""

    source_version_id: Mapped[int | None] = mapped_column(ForeignKey("source_versions.id"), index=True)
    source_key: Mapped[str | None] = mapped_column(String(200))
    original: Mapped[dict[str, Any] | None]


class Versioned:
    """A record's version for optimistic concurrency: 1 when created, one more after each change.

    An update names the version it was made against and the services compare it in the ``UPDATE ... WHERE``
    itself (:func:`detente.store.driver_statements.update_versioned_row`), so of two writers who read the
    same version exactly one wins and the other is told to read again.
    """

    version: Mapped[int] = mapped_column(default=1, server_default="1")


class Marked(Versioned):
    """The releasability marking of a user's record (and, as every user-changed record, its version)."""

    marking_id: Mapped[int | None] = mapped_column(ForeignKey("markings.id"), index=True)
