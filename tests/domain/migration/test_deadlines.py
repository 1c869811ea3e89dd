"""Migration notice deadlines (docs/rules.md#migration-deadlines), with final deadlines by
reg 21 (docs/rules.md#assessment-periods)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import add_months, ap_start
from domain.errors import DomainError
from domain.migration.deadlines import (
    award_start,
    check_deadline_day,
    check_extension,
    earliest_deadline_day,
    final_deadline,
)

# --- deadline day -------------------------------------------------------------------


def test_earliest_deadline_day_is_three_calendar_months_after_issue() -> None:
    assert earliest_deadline_day(date(2026, 5, 9)) == date(2026, 8, 9)
    assert earliest_deadline_day(date(2026, 1, 15)) == date(2026, 4, 15)


def test_earliest_deadline_day_runs_across_the_year_end() -> None:
    assert earliest_deadline_day(date(2026, 11, 20)) == date(2027, 2, 20)


def test_add_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 3) == date(2026, 4, 30)


def test_deadline_day_three_months_after_issue_is_accepted() -> None:
    check_deadline_day(date(2026, 5, 9), date(2026, 8, 9), reissued=False)


def test_deadline_day_inside_the_three_months_is_refused_naming_deadline_day() -> None:
    with pytest.raises(DomainError) as raised:
        check_deadline_day(date(2026, 5, 9), date(2026, 8, 8), reissued=False)
    assert raised.value.field == "deadline_day"


def test_reissued_notice_may_set_a_deadline_inside_the_three_months() -> None:
    check_deadline_day(date(2026, 5, 9), date(2026, 6, 9), reissued=True)


def test_deadline_day_on_the_day_of_issue_is_refused_even_when_reissued() -> None:
    with pytest.raises(DomainError) as raised:
        check_deadline_day(date(2026, 5, 9), date(2026, 5, 9), reissued=True)
    assert raised.value.field == "deadline_day"


# --- extensions ---------------------------------------------------------------------


def test_extension_asked_before_the_deadline_day_to_a_later_day_is_accepted() -> None:
    check_extension(date(2026, 8, 9), asked_on=date(2026, 8, 8), new_deadline=date(2026, 9, 6))


def test_extension_asked_on_the_deadline_day_is_refused_naming_asked_on() -> None:
    with pytest.raises(DomainError) as raised:
        check_extension(date(2026, 8, 9), asked_on=date(2026, 8, 9), new_deadline=date(2026, 9, 6))
    assert raised.value.field == "asked_on"


def test_extension_asked_after_the_deadline_day_is_refused_naming_asked_on() -> None:
    with pytest.raises(DomainError) as raised:
        check_extension(date(2026, 8, 9), asked_on=date(2026, 8, 20), new_deadline=date(2026, 9, 6))
    assert raised.value.field == "asked_on"


@pytest.mark.parametrize("new_deadline", [date(2026, 8, 9), date(2026, 8, 1)])
def test_extension_not_later_than_the_current_deadline_is_refused_naming_new_deadline_day(
    new_deadline: date,
) -> None:
    with pytest.raises(DomainError) as raised:
        check_extension(date(2026, 8, 9), asked_on=date(2026, 7, 1), new_deadline=new_deadline)
    assert raised.value.field == "new_deadline_day"


# --- final deadline (last day of the first AP of an award starting on the deadline day) -


@pytest.mark.parametrize(
    ("deadline", "final"),
    [
        # first date on the 31st: next AP starts on the last day of February (28th)
        (date(2027, 1, 31), date(2027, 2, 27)),
        # first date on the 30th, leap year: February's AP starts on the 28th
        (date(2028, 1, 30), date(2028, 2, 27)),
        # first date on the 29th, non-leap year: February's AP starts on the 27th
        (date(2027, 1, 29), date(2027, 2, 26)),
        # first date on the 29th, leap year: February's AP starts on the 28th, not the 29th
        (date(2028, 1, 29), date(2028, 2, 27)),
        # ordinary day: next AP starts on the same day of the next month
        (date(2026, 6, 15), date(2026, 7, 14)),
        # first date on the 31st across the year end: next AP starts 31 January
        (date(2026, 12, 31), date(2027, 1, 30)),
        # first date on the 31st before a 30-day month
        (date(2026, 3, 31), date(2026, 4, 29)),
    ],
)
def test_final_deadline_is_the_last_day_of_the_first_ap_by_reg_21(
    deadline: date, final: date
) -> None:
    assert final_deadline(deadline) == final


_DEADLINES = st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31))


@given(_DEADLINES)
def test_final_deadline_falls_27_to_30_days_after_the_deadline_day(deadline: date) -> None:
    # An AP is a calendar month: 28 days at the shortest (e.g. 30 Jan to 26 Feb in a
    # non-leap year), 31 at the longest.
    assert deadline + timedelta(days=27) <= final_deadline(deadline)
    assert final_deadline(deadline) <= deadline + timedelta(days=30)


@given(_DEADLINES)
def test_day_after_the_final_deadline_starts_the_second_ap(deadline: date) -> None:
    assert final_deadline(deadline) + timedelta(days=1) == ap_start(deadline, 1)


@given(_DEADLINES.filter(lambda d: d.day > 1))
def test_final_deadline_after_a_deadline_past_the_1st_is_in_the_next_month(
    deadline: date,
) -> None:
    # The second AP starts in the next month on the same day, or (29th to 31st) on the
    # 27th or later, never on its 1st, so the day before it is in that month too.
    final = final_deadline(deadline)
    year, month = divmod(deadline.month, 12)
    assert (final.year, final.month) == (deadline.year + year, month + 1)


@given(st.builds(date, st.integers(2026, 2029), st.integers(1, 12), st.just(1)))
def test_final_deadline_after_a_deadline_on_the_1st_is_the_last_day_of_that_month(
    deadline: date,
) -> None:
    following = final_deadline(deadline) + timedelta(days=1)
    assert (following.day, final_deadline(deadline).month) == (1, deadline.month)


# --- award start --------------------------------------------------------------------

DEADLINE = date(2026, 6, 15)
FINAL = date(2026, 7, 14)


def test_claim_before_the_deadline_day_starts_on_the_claim_date() -> None:
    assert award_start(date(2026, 6, 1), DEADLINE, FINAL) == date(2026, 6, 1)


def test_claim_on_the_deadline_day_starts_on_the_deadline_day() -> None:
    assert award_start(DEADLINE, DEADLINE, FINAL) == DEADLINE


def test_claim_the_day_after_the_deadline_is_backdated_to_the_deadline_day() -> None:
    assert award_start(date(2026, 6, 16), DEADLINE, FINAL) == DEADLINE


def test_claim_on_the_final_deadline_is_backdated_to_the_deadline_day() -> None:
    assert award_start(FINAL, DEADLINE, FINAL) == DEADLINE


def test_claim_after_the_final_deadline_is_not_a_qualifying_claim() -> None:
    assert award_start(date(2026, 7, 15), DEADLINE, FINAL) is None
