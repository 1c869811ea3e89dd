"""Assessment periods under UC Regulations 2013, reg 21 (docs/rules.md#assessment-periods),
and month arithmetic."""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import add_months, ap_end, ap_index, ap_start


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_after(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


# --- first date on the 31st -------------------------------------------------------


def test_first_date_on_31st_starts_later_aps_on_last_day_of_month() -> None:
    first = date(2026, 1, 31)
    for i in range(1, 25):
        start = ap_start(first, i)
        assert start == _last_day(start.year, start.month), f"AP {i} starts {start}"


def test_first_date_on_31st_gives_28_february_in_a_non_leap_year() -> None:
    assert ap_start(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_first_date_on_31st_gives_29_february_in_a_leap_year() -> None:
    assert ap_start(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_first_date_on_31st_gives_30th_in_30_day_months() -> None:
    first = date(2026, 3, 31)
    assert ap_start(first, 1) == date(2026, 4, 30)
    assert ap_start(first, 3) == date(2026, 6, 30)
    assert ap_start(first, 6) == date(2026, 9, 30)
    assert ap_start(first, 8) == date(2026, 11, 30)


def test_first_date_on_31st_returns_to_31st_after_a_short_month() -> None:
    first = date(2026, 1, 31)
    assert ap_start(first, 2) == date(2026, 3, 31)
    assert ap_start(first, 4) == date(2026, 5, 31)


# --- first date on the 29th or 30th ----------------------------------------------


@pytest.mark.parametrize("first_day", [29, 30])
def test_first_date_on_29th_or_30th_starts_february_ap_on_27th_in_a_non_leap_year(
    first_day: int,
) -> None:
    assert ap_start(date(2026, 1, first_day), 1) == date(2026, 2, 27)


@pytest.mark.parametrize("first_day", [29, 30])
def test_first_date_on_29th_or_30th_starts_february_ap_on_28th_in_a_leap_year(
    first_day: int,
) -> None:
    assert ap_start(date(2028, 1, first_day), 1) == date(2028, 2, 28)


@pytest.mark.parametrize("first_day", [29, 30])
def test_first_date_on_29th_or_30th_keeps_that_day_outside_february(first_day: int) -> None:
    first = date(2025, 11, first_day)
    starts = [ap_start(first, i) for i in range(1, 16)]
    for start in starts:
        if start.month != 2:
            assert start.day == first_day, f"{start} should fall on the {first_day}th"


def test_first_date_on_30th_returns_to_30th_in_march_after_february() -> None:
    first = date(2026, 1, 30)
    assert ap_start(first, 1) == date(2026, 2, 27)
    assert ap_start(first, 2) == date(2026, 3, 30)


def test_first_date_on_29_february_uses_27_february_in_the_next_non_leap_year() -> None:
    first = date(2028, 2, 29)
    assert ap_start(first, 1) == date(2028, 3, 29)
    assert ap_start(first, 12) == date(2029, 2, 27)


def test_first_date_on_29th_uses_28th_in_a_leap_february_even_though_29th_exists() -> None:
    # Reg 21 names the 28th for a leap year, not "the same day".
    assert ap_start(date(2027, 12, 29), 2) == date(2028, 2, 28)


# --- plain first dates ------------------------------------------------------------


def test_first_date_on_28th_starts_every_ap_on_the_28th() -> None:
    first = date(2026, 1, 28)
    assert all(ap_start(first, i).day == 28 for i in range(25))
    assert ap_start(first, 1) == date(2026, 2, 28)


def test_first_date_on_1st_starts_every_ap_on_the_1st_of_the_next_months() -> None:
    first = date(2026, 11, 1)
    assert [ap_start(first, i) for i in range(4)] == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]


def test_first_ap_starts_on_the_first_date_of_entitlement() -> None:
    for first in (date(2026, 1, 31), date(2026, 1, 30), date(2026, 5, 1), date(2028, 2, 29)):
        assert ap_start(first, 0) == first


def test_negative_ap_index_is_refused() -> None:
    with pytest.raises(ValueError, match="index"):
        ap_start(date(2026, 1, 1), -1)


# --- ends and indexes -------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [date(2026, 1, 31), date(2026, 1, 30), date(2026, 1, 29), date(2026, 1, 28), date(2026, 1, 1)],
)
def test_ap_end_is_the_day_before_the_next_ap_starts(first: date) -> None:
    for i in range(25):
        assert ap_end(first, i) + timedelta(days=1) == ap_start(first, i + 1)


def test_ap_from_30_january_ends_on_26_february_in_a_non_leap_year() -> None:
    assert ap_end(date(2026, 1, 30), 0) == date(2026, 2, 26)


def test_ap_from_31_january_2028_ends_on_28_february() -> None:
    assert ap_end(date(2028, 1, 31), 0) == date(2028, 2, 28)


@pytest.mark.parametrize(
    "first",
    [date(2026, 1, 31), date(2026, 1, 30), date(2025, 12, 29), date(2028, 2, 29), date(2026, 3, 1)],
)
def test_ap_index_of_every_day_in_a_two_year_span_lies_within_that_ap(first: date) -> None:
    day = first
    last = first + timedelta(days=760)
    while day <= last:
        index = ap_index(first, day)
        assert ap_start(first, index) <= day <= ap_end(first, index), f"{day} -> AP {index}"
        day += timedelta(days=1)


def test_ap_index_of_the_first_date_is_zero() -> None:
    assert ap_index(date(2026, 1, 31), date(2026, 1, 31)) == 0


def test_ap_index_of_a_day_before_the_first_date_is_refused() -> None:
    with pytest.raises(ValueError, match="day"):
        ap_index(date(2026, 1, 31), date(2026, 1, 30))


# --- properties over every start day of a leap and a non-leap year ----------------

START_DAYS = st.one_of(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    st.dates(min_value=date(2028, 1, 1), max_value=date(2028, 12, 31)),
)
INDEXES = st.integers(min_value=0, max_value=24)


@settings(max_examples=400, deadline=None, database=None)
@given(first=START_DAYS, index=INDEXES)
def test_next_ap_starts_strictly_after_this_one(first: date, index: int) -> None:
    assert ap_start(first, index + 1) > ap_start(first, index)


@settings(max_examples=400, deadline=None, database=None)
@given(first=START_DAYS, index=INDEXES)
def test_next_ap_starts_in_the_following_calendar_month(first: date, index: int) -> None:
    this = ap_start(first, index)
    following = ap_start(first, index + 1)
    assert (following.year, following.month) == _month_after(this)


@settings(max_examples=400, deadline=None, database=None)
@given(first=START_DAYS, index=INDEXES)
def test_every_day_of_an_ap_maps_back_to_its_index(first: date, index: int) -> None:
    day = ap_start(first, index)
    end = ap_end(first, index)
    assert day <= end
    while day <= end:
        assert ap_index(first, day) == index, f"{day} in AP {index} of {first}"
        day += timedelta(days=1)


@settings(max_examples=400, deadline=None, database=None)
@given(first=START_DAYS, index=INDEXES)
def test_an_ap_lasts_one_month_between_28_and_31_days(first: date, index: int) -> None:
    length = (ap_end(first, index) - ap_start(first, index)).days + 1
    assert 28 <= length <= 31


def test_every_start_day_of_2026_and_2028_has_monotonic_monthly_aps() -> None:
    # The exhaustive companion to the sampled properties above: cheap enough to run in full.
    for year in (2026, 2028):
        first = date(year, 1, 1)
        while first.year == year:
            starts = [ap_start(first, i) for i in range(26)]
            for this, following in zip(starts, starts[1:], strict=False):
                assert following > this
                assert (following.year, following.month) == _month_after(this)
            first += timedelta(days=1)


# --- month arithmetic -------------------------------------------------------------


def test_add_months_clamps_31_january_to_28_february_in_a_non_leap_year() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_add_months_clamps_31_january_to_29_february_in_a_leap_year() -> None:
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_add_months_clamps_31st_to_30th_in_a_30_day_month() -> None:
    assert add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)


def test_add_months_keeps_the_day_when_it_exists() -> None:
    assert add_months(date(2026, 3, 2), 6) == date(2026, 9, 2)


def test_add_months_crosses_the_year_end() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_add_months_goes_backwards_with_a_negative_count() -> None:
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 10), -1) == date(2025, 12, 10)


def test_add_zero_months_is_the_same_day() -> None:
    assert add_months(date(2028, 2, 29), 0) == date(2028, 2, 29)
