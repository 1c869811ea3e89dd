"""An agreed arrears plan: agreed, checked as the balance moves, met or missed at its end."""

from datetime import date, datetime
from decimal import Decimal

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.guards import must_be_alive, must_be_open
from domain.case.rules.tasks import escalation
from domain.dates import business_date, end_of_day
from domain.errors import DomainError


def agree_arrears_plan(state: CaseState, cmd: c.AgreeArrearsPlan, now: datetime) -> list[e.Event]:
    must_be_open(state, "an arrears plan")
    must_be_alive(state, "an arrears plan")
    today = business_date(now)
    if cmd.by_date <= today:
        raise DomainError("by_date", "must be in the future")
    if cmd.target_balance >= state.balance:
        raise DomainError("target_balance", f"must be below the current balance £{state.balance}")
    return [
        e.ArrearsPlanAgreed(
            at=now,
            by=cmd.by,
            start_balance=state.balance,
            start_date=today,
            target_balance=cmd.target_balance,
            by_date=cmd.by_date,
            tolerance=cmd.tolerance,
        )
    ]


def plan_standing(state: CaseState, balance: Decimal, day: date, now: datetime) -> list[e.Event]:
    """Falling behind an arrears plan by more than its tolerance escalates the case;
    catching up is journalled too. `state`: as it stands after the events decided
    before these (the escalation's task is numbered after theirs)."""
    plan = state.arrears_plan
    if plan is None or plan.outcome is not None or state.deceased_on is not None:
        return []
    expected = plan.expected_on(day)
    behind = balance > expected + plan.tolerance
    if behind == plan.behind:
        return []
    checked = e.ArrearsPlanChecked(
        at=now,
        by=e.SYSTEM,
        standing="behind" if behind else "on_track",
        expected=expected,
        balance=balance,
    )
    if not behind:
        return [checked]
    note = f"arrears £{balance} against £{expected} expected by the plan on {day.isoformat()}"
    return [checked, *escalation(state, now, "recovery_behind_plan", note)]


def plan_end_reached(state: CaseState, now: datetime) -> list[e.Event]:
    """The day after a plan's end: met or missed; a missed plan escalates the case."""
    plan = state.arrears_plan
    if (
        plan is None
        or plan.outcome is not None
        or state.deceased_on is not None
        or now < end_of_day(plan.by_date)
    ):
        return []
    met = state.balance <= plan.target_balance
    checked = e.ArrearsPlanChecked(
        at=now,
        by=e.SYSTEM,
        standing="met" if met else "missed",
        expected=plan.target_balance,
        balance=state.balance,
    )
    if met:
        return [checked]
    note = f"arrears plan missed: £{state.balance} against a target of £{plan.target_balance}"
    return [checked, *escalation(state, now, "recovery_plan_missed", note)]
