"""UC50 tracking, tenancy sustainment actions and the arrears recovery plan."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

import pytest

from domain.case import commands as c
from domain.case import events as e
from domain.case.deadlines import next_wakeup
from domain.case.decide import decide, on_time_passed, open_case
from domain.case.evolve import evolve, initial_state
from domain.case.model import CaseState
from domain.dates import start_of_day
from domain.errors import DomainError
from domain.policy import CasePolicy
from tests.factories import opening
from workflows.ids import case_children

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
BY = "officer-3"


def _case(balance: str = "1200.00") -> CaseState:
    [opened] = open_case(opening("S-1", balance=Decimal(balance)), NOW)
    return initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]


def _run(state: CaseState, command: Any, now: datetime = NOW) -> tuple[CaseState, list[e.Event]]:
    events = decide(state, command, now)
    return reduce(evolve, events, state), events


def _tasks(state: CaseState, kind: str) -> list[Any]:
    return [t for t in state.open_tasks if t.kind == kind]


def test_a_uc50_is_due_back_in_4_weeks_with_a_reminder_a_week_before() -> None:
    state, _ = _run(_case(), c.RecordUc50Issued(by=BY, issued_on=date(2026, 3, 2)))
    [due] = _tasks(state, "uc50_return")
    [reminder] = _tasks(state, "uc50_reminder")
    assert due.due_at == start_of_day(date(2026, 3, 30))
    assert reminder.due_at == start_of_day(date(2026, 3, 23))
    assert due.task_id != reminder.task_id


def test_a_sustainment_action_has_a_status_owner_and_follow_up() -> None:
    state, _ = _run(
        _case(),
        c.StartSustainmentAction(
            by=BY, kind="foodbank_voucher", owner="sustainment_team", follow_up_days=7
        ),
    )
    [action] = state.sustainment
    assert (action.action_id, action.kind, action.status) == (
        "action-1",
        "foodbank_voucher",
        "requested",
    )
    assert state.stage == "tenancy_sustainment"
    [follow_up] = _tasks(state, "sustainment_follow_up")
    assert follow_up.owner == "sustainment_team"
    assert follow_up.due_at == NOW + timedelta(days=7)
    state, _ = _run(
        state,
        c.UpdateSustainmentAction(
            by=BY, action_id="action-1", status="completed", note="voucher issued"
        ),
    )
    assert state.sustainment[0].status == "completed"
    assert not _tasks(state, "sustainment_follow_up")


def test_a_dhp_award_records_its_period_and_amount() -> None:
    state, _ = _run(_case(), c.StartSustainmentAction(by=BY, kind="dhp"))
    state, _ = _run(
        state,
        c.UpdateSustainmentAction(
            by=BY,
            action_id="action-1",
            status="awaiting_decision",
            follow_up_days=21,
            applied_on=date(2026, 2, 20),
        ),
    )
    assert len(_tasks(state, "sustainment_follow_up")) == 1  # the old one closed, a new one open
    with pytest.raises(DomainError) as info:
        _run(
            state,
            c.UpdateSustainmentAction(
                by=BY, action_id="action-1", status="awarded", decided_on=date(2026, 3, 1)
            ),
        )
    assert info.value.field == "award_from"
    state, _ = _run(
        state,
        c.UpdateSustainmentAction(
            by=BY,
            action_id="action-1",
            status="awarded",
            decided_on=date(2026, 3, 1),
            award_from=date(2026, 4, 1),
            award_to=date(2026, 9, 30),
            amount=Decimal("60.00"),
        ),
    )
    action = state.sustainment[0]
    assert (action.status, action.award_from, action.amount) == (
        "awarded",
        date(2026, 4, 1),
        Decimal("60.00"),
    )
    assert (action.applied_on, action.decided_on) == (date(2026, 2, 20), date(2026, 3, 1))
    # Before the award ends: a follow-up to review the shortfall and apply again.
    [review] = _tasks(state, "sustainment_follow_up")
    assert review.due_at == start_of_day(date(2026, 9, 2))
    assert review.subject == "action-1"
    assert "ends 2026-09-30" in review.note


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"status": "awaiting_decision"}, "applied_on"),
        ({"status": "awaiting_decision", "applied_on": date(2026, 3, 3)}, "applied_on"),
        ({"status": "refused", "applied_on": date(2026, 2, 1)}, "decided_on"),
        ({"status": "refused", "decided_on": date(2026, 3, 1)}, "applied_on"),
        (
            {"status": "refused", "applied_on": date(2026, 2, 10), "decided_on": date(2026, 2, 1)},
            "decided_on",
        ),
        (
            {"status": "refused", "applied_on": date(2026, 2, 10), "decided_on": date(2026, 3, 9)},
            "decided_on",
        ),
    ],
)
def test_dhp_application_and_decision_dates_are_checked(update: dict[str, Any], field: str) -> None:
    state, _ = _run(_case(), c.StartSustainmentAction(by=BY, kind="dhp"))
    before = state
    with pytest.raises(DomainError) as info:
        _run(state, c.UpdateSustainmentAction(by=BY, action_id="action-1", **update))
    assert info.value.field == field
    assert state == before


def test_dhp_dates_belong_to_a_dhp_only() -> None:
    state, _ = _run(_case(), c.StartSustainmentAction(by=BY, kind="debt_advice"))
    with pytest.raises(DomainError) as info:
        _run(
            state,
            c.UpdateSustainmentAction(
                by=BY, action_id="action-1", status="in_progress", applied_on=date(2026, 3, 1)
            ),
        )
    assert info.value.field == "applied_on"


def test_a_uc50_issued_more_than_4_weeks_ago_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        _run(_case(), c.RecordUc50Issued(by=BY, issued_on=date(2026, 2, 1)))
    assert info.value.field == "issued_on"
    state, _ = _run(_case(), c.RecordUc50Issued(by=BY, issued_on=date(2026, 2, 2)))
    assert _tasks(state, "uc50_return")


def test_a_dhp_decision_on_another_action_is_refused() -> None:
    state, _ = _run(_case(), c.StartSustainmentAction(by=BY, kind="debt_advice"))
    with pytest.raises(DomainError) as info:
        _run(state, c.UpdateSustainmentAction(by=BY, action_id="action-1", status="refused"))
    assert info.value.field == "status"


def _planned() -> CaseState:
    # £1,200 down to £0 over 120 days: £10 a day; tolerance £50.
    state, _ = _run(
        _case(), c.AgreeArrearsPlan(by=BY, target_balance=Decimal("0"), by_date=date(2026, 6, 30))
    )
    return state


def test_an_agreed_plan_moves_the_case_to_recovery() -> None:
    state = _planned()
    assert state.stage == "recovery" and state.arrears_plan is not None
    assert state.arrears_plan.expected_on(date(2026, 4, 1)) == Decimal("900.00")


def test_falling_behind_the_plan_by_more_than_the_tolerance_escalates() -> None:
    state = _planned()
    # 30 days in, the plan expects £900; a TPD credit of £240 leaves £960: £60 behind.
    state, events = _run(
        state,
        c.RecordRentMovement(by=BY, kind="tpd_credit", amount=Decimal("240"), on=date(2026, 4, 1)),
        datetime(2026, 4, 1, 9, tzinfo=UTC),  # the plan is judged as it stands today
    )
    assert any(isinstance(x, e.ArrearsPlanChecked) and x.standing == "behind" for x in events)
    assert _tasks(state, "recovery_behind_plan")[0].escalated_at is not None
    # Catching up is journalled, and escalates nothing further.
    state, events = _run(
        state,
        c.RecordRentMovement(by=BY, kind="payment", amount=Decimal("100"), on=date(2026, 4, 2)),
        datetime(2026, 4, 2, 9, tzinfo=UTC),
    )
    assert [x.standing for x in events if isinstance(x, e.ArrearsPlanChecked)] == ["on_track"]


def test_a_plan_ends_met_or_missed_on_its_date() -> None:
    state = _planned()
    wake = next_wakeup(state)
    assert wake is not None and wake[0] == start_of_day(date(2026, 7, 1))
    events = on_time_passed(state, wake[0])
    state = reduce(evolve, events, state)
    assert state.arrears_plan is not None and state.arrears_plan.outcome == "missed"
    assert _tasks(state, "recovery_plan_missed")[0].escalated_at is not None


def test_a_plan_target_above_the_balance_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        _run(
            _case(),
            c.AgreeArrearsPlan(by=BY, target_balance=Decimal("1500"), by_date=date(2026, 6, 30)),
        )
    assert info.value.field == "target_balance"
