"""The shared bounds on input (domain/bounds.py, domain/values.py): what they refuse,
what a client's `today` adds, and that a payload read back from history skips them."""

from datetime import date

import pytest

from domain.case.commands import AddJournalNote, OpenCase, RecordRentMovement, RequestCallBack
from domain.case.parsing import InvalidCommand, parse
from domain.errors import DomainError
from domain.ipr.commands import ActivityItem, RecordIprgAgreement
from domain.values import birth_rule, check_horizon

TODAY = date(2026, 6, 1)
OPENING = {
    "tenancy_ref": "HA-1",
    "opening_reason": "arrears_trigger",
    "opened_by": "officer-1",
    "resident": {"full_name": "Ann Example", "date_of_birth": "2015-01-01"},
    "tenancy": {"address": "1 Row", "start_date": "2020-01-01"},
    "rent": {"amount": "90"},
}


@pytest.mark.parametrize(
    ("text", "named"),
    [("a\x00b", "NUL"), ("a\x1bb", "ESC"), ("a\x7fb", "DEL"), ("a\x85b", "U+0085")],
)
def test_a_control_character_in_text_is_refused_naming_it(text: str, named: str) -> None:
    with pytest.raises(InvalidCommand) as info:
        parse(AddJournalNote, {"by": "o", "text": text})
    assert info.value.field == "text" and named in info.value.rule


def test_tab_and_newlines_are_text_but_not_an_actor() -> None:
    assert parse(AddJournalNote, {"by": "o", "text": "a\tb\r\nc"}).text == "a\tb\r\nc"
    with pytest.raises(InvalidCommand) as info:
        parse(AddJournalNote, {"by": "o\tp", "text": "x"})
    assert info.value.field == "by" and "one line" in info.value.rule


def test_the_limits_relative_to_today_apply_only_when_a_client_gives_today() -> None:
    assert parse(OpenCase, OPENING).resident.date_of_birth == date(2015, 1, 1)
    with pytest.raises(InvalidCommand) as info:
        parse(OpenCase, OPENING, today=TODAY)
    assert info.value.field == "resident.date_of_birth"
    assert "gives an age of 11 today; it must be 16 to 120" in info.value.rule
    call_back = {"by": "o", "due_at": "2029-01-01T09:00:00Z", "reason": "x"}
    assert parse(RequestCallBack, call_back).reason == "x"
    with pytest.raises(InvalidCommand, match="at most 2 years ahead"):
        parse(RequestCallBack, call_back, today=TODAY)


def test_a_stored_payload_is_read_back_without_the_new_bounds() -> None:
    movement = {"by": "o\x1b", "kind": "balance", "amount": "-5000000", "on": "9999-12-31"}
    with pytest.raises(InvalidCommand):
        parse(RecordRentMovement, movement)
    assert parse(RecordRentMovement, movement, stored=True).on == date(9999, 12, 31)


def test_a_date_of_birth_is_past_and_an_age_from_the_minimum_to_120() -> None:
    assert birth_rule(date(1980, 1, 1), TODAY, 16) is None
    assert birth_rule(date(2090, 1, 1), TODAY, 16) == "must be in the past (today is 2026-06-01)"
    assert "age of 125" in (birth_rule(date(1901, 1, 1), TODAY, 0) or "")
    assert birth_rule(date(2020, 1, 1), TODAY, 0) is None  # a DLA child


def test_every_date_of_a_command_is_at_most_5_years_ahead_of_the_workflows_day() -> None:
    agreement = RecordIprgAgreement(
        by="iprg",
        agreed_on=TODAY,
        activities=(ActivityItem(service_line="UC", description="x", due_on=date(2031, 6, 2)),),
    )
    with pytest.raises(DomainError) as info:
        check_horizon(agreement, TODAY)
    assert info.value.field == "activities.0.due_on"
    assert info.value.rule.endswith("on or before 2031-06-01")
    check_horizon(agreement, date(2026, 6, 2))
