"""Partial dates and the "in force at T" rules at year, month and day precision."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.domain.dates import DateRangeError, Interval, PartialDate, Precision


def test_partial_dates_cover_their_whole_period() -> None:
    assert PartialDate.parse("1949").first_day() == date(1949, 1, 1)
    assert PartialDate.parse("1949").last_day() == date(1949, 12, 31)
    assert PartialDate.parse("2024-02").last_day() == date(2024, 2, 29)
    assert PartialDate.parse("2023-02").last_day() == date(2023, 2, 28)
    assert PartialDate.parse("2023-02-14").first_day() == PartialDate.parse("2023-02-14").last_day()
    assert [PartialDate.parse(t).precision for t in ("1990", "1990-05", "1990-05-17")] == [
        Precision.YEAR,
        Precision.MONTH,
        Precision.DAY,
    ]


@pytest.mark.parametrize("text", ["1990-13", "1990-02-30", "1990-00", "90", "1990/05/01", "", "2023-02-29"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(DateRangeError):
        PartialDate.parse(text)


def test_interval_bounds_keep_their_precision() -> None:
    nato = Interval.between("1949-08-24", None)
    assert nato.valid_from == date(1949, 8, 24)
    assert nato.valid_to is None
    assert str(nato.start) == "1949-08-24"
    spell = Interval.between("1955", "1991-07")
    assert (spell.valid_from, spell.valid_to) == (date(1955, 1, 1), date(1991, 7, 31))
    assert (spell.from_precision, spell.to_precision) == (Precision.YEAR, Precision.MONTH)
    assert str(spell.start) == "1955" and str(spell.end) == "1991-07"


def test_end_before_start_is_refused() -> None:
    with pytest.raises(DateRangeError):
        Interval.between("2000", "1999")


def test_in_force_at_year_precision() -> None:
    warsaw_pact = Interval.between("1955-05-14", "1991-07-01")
    assert warsaw_pact.in_force(1955)
    assert warsaw_pact.in_force("1991")
    assert not warsaw_pact.in_force(1954)
    assert not warsaw_pact.in_force(1992)
    assert not warsaw_pact.in_force(1955, match="all")
    assert warsaw_pact.in_force(1960, match="all")


def test_in_force_at_month_precision() -> None:
    spell = Interval.between("2001-03-15", "2001-06-10")
    assert spell.in_force("2001-03")
    assert not spell.in_force("2001-03", match="all")
    assert spell.in_force("2001-04", match="all")
    assert spell.in_force("2001-06")
    assert not spell.in_force("2001-07")
    assert not spell.in_force("2001-02")


def test_in_force_at_day_precision() -> None:
    spell = Interval.between("2001-03-15", "2001-06-10")
    assert spell.in_force("2001-03-15") and spell.in_force(date(2001, 6, 10))
    assert not spell.in_force("2001-03-14")
    assert not spell.in_force("2001-06-11")


def test_open_and_unknown_ends() -> None:
    open_ended = Interval.between("2010", None)
    assert open_ended.in_force("2999-12-31")
    assert not open_ended.in_force(2009)
    unknown_start = Interval.between(None, "1980")
    assert unknown_start.in_force(1816)
    assert not unknown_start.in_force(1981)
    assert Interval.between(None, None).in_force("1900-01-01")


days = st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31))


@given(a=days, b=days, t=days)
def test_day_precision_any_and_all_agree(a: date, b: date, t: date) -> None:
    low, high = min(a, b), max(a, b)
    interval = Interval(low, high)
    expected = low <= t <= high
    assert interval.in_force(t) is expected
    assert interval.in_force(t, match="all") is expected


@given(a=days, b=days, year=st.integers(1800, 2100))
def test_year_any_means_some_day_of_the_year(a: date, b: date, year: int) -> None:
    interval = Interval(min(a, b), max(a, b))
    some_day = any(interval.in_force(date(year, m, d)) for m in range(1, 13) for d in (1, 15, 28))
    if some_day:
        assert interval.in_force(year)
    if not interval.in_force(year):
        assert not some_day
