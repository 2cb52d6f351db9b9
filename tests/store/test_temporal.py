"""The SQL "in force at T" helper answers exactly as the domain helper does, on both backends."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, bindparam, select

from detente.domain.dates import Interval
from detente.services.records import Records
from detente.store.database import Store
from detente.store.models import Agreement
from detente.store.temporal import in_force

BOUNDS = [
    ("1949-08-24", None),
    ("1955-05-14", "1991-07-01"),
    ("1955", "1991"),
    ("2001-03", "2001-06"),
    ("2001-03-15", "2001-06-10"),
    (None, "1980"),
    (None, None),
    ("2010-02-28", "2010-02-28"),
]
WHEN = [
    1816,
    1949,
    1955,
    1991,
    1992,
    "1991-07",
    "1991-08",
    "2001-03",
    "2001-06-10",
    "2001-06-11",
    "2010-02",
    "2010-02-28",
    date(2010, 3, 1),
    "2999",
]


def _agreements_over_bounds(store: Store) -> dict[int, Interval]:
    """One agreement per pair of :data:`BOUNDS`, stored: its id -> its interval."""
    records = Records(store)
    intervals = {}
    for start, end in BOUNDS:
        row = records.create(
            "agreement", {"kind": "treaty", "title": f"{start}..{end}", "valid_from": start, "valid_to": end}, actor="t"
        )
        intervals[row["id"]] = Interval.between(start, end)
    return intervals


def test_sql_and_python_agree_at_every_precision(store: Store) -> None:
    intervals = _agreements_over_bounds(store)
    with store.sessions() as session:
        for when in WHEN:
            for match in ("any", "all"):
                found = set(session.scalars(select(Agreement.id).where(in_force(Agreement, when, match))))
                expected = {i for i, interval in intervals.items() if interval.in_force(when, match)}
                assert found == expected, (when, match)


def test_alliance_year_counting(store: Store) -> None:
    records = Records(store)
    records.create(
        "agreement",
        {"kind": "alliance", "title": "Warsaw Pact", "valid_from": "1955-05-14", "valid_to": "1991-07-01"},
        actor="t",
    )
    with store.sessions() as session:
        years = [
            y
            for y in range(1950, 1995)
            if session.scalar(select(Agreement.id).where(in_force(Agreement, y))) is not None
        ]
    assert years == list(range(1955, 1992))


def test_a_bound_day_is_that_day(store: Store) -> None:
    """A statement built once with ``bindparam("when")`` finds, for every day it runs with, what the day as a
    literal finds (and what the Python interval says)."""
    intervals = _agreements_over_bounds(store)
    days = [date(1816, 1, 1), date(1955, 5, 14), date(1991, 7, 1), date(1991, 7, 2), date(2001, 6, 10)]
    days += [date(2001, 6, 11), date(2010, 2, 28), date(2010, 3, 1), date(2999, 12, 31)]
    bound = select(Agreement.id).where(in_force(Agreement, bindparam("when", type_=Date)))
    with store.sessions() as session:
        for day in days:
            found = set(session.scalars(bound, {"when": day}))
            assert found == set(session.scalars(select(Agreement.id).where(in_force(Agreement, day)))), day
            assert found == {i for i, interval in intervals.items() if interval.in_force(day, "any")}, day
            assert found == {i for i, interval in intervals.items() if interval.in_force(day, "all")}, day
