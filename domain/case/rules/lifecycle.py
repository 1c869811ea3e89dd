"""A case's stage, closure and re-opening (docs/rules.md#case-lifecycle)."""

from datetime import datetime, timedelta
from decimal import Decimal

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.guards import must_be_open
from domain.case.rules.tasks import new_task
from domain.dates import add_months, business_date
from domain.errors import DomainError


def reopen_for_follow_up(state: CaseState, events: list[e.Event], now: datetime) -> list[e.Event]:
    """A closed case that gains a task or a Six-Point Plan re-opens: a case is never
    closed (or completed) with follow-up work open."""
    if state.status != "closed" or any(isinstance(x, e.CaseReopened) for x in events):
        return events
    opens = [x for x in events if isinstance(x, e.TaskOpened | e.SafeguardingDeclared)]
    if not opens:
        return events
    what = opens[0].kind.replace("_", " ")
    return [e.CaseReopened(at=now, by=e.SYSTEM, reason=f"re-opened automatically: {what}"), *events]


def move_stage(state: CaseState, cmd: c.MoveStage, now: datetime) -> list[e.Event]:
    must_be_open(state, "moving stage")
    if cmd.stage == state.stage:
        raise DomainError("stage", f"the case is already at stage {cmd.stage}")
    return [e.StageMoved(at=now, by=cmd.by, stage=cmd.stage, reason=cmd.reason)]


def close_case(state: CaseState, cmd: c.CloseCase, now: datetime) -> list[e.Event]:
    if state.status == "closed":
        raise DomainError("case", "the case is already closed")
    if cmd.outcome not in state.policy.outcome_categories:
        allowed = ", ".join(state.policy.outcome_categories)
        raise DomainError("outcome", f"must be one of {allowed}")
    if cmd.outcome == "resident_deceased" and state.deceased_on is None:
        raise DomainError(
            "outcome",
            "resident_deceased needs the death recorded first "
            "(record_death), so that communications are suppressed",
        )
    if state.open_plan_steps:
        raise DomainError(
            "six_point_plan",
            "the case cannot close while a Six-Point Plan step is "
            f"open: {', '.join(state.open_plan_steps)}",
        )
    if (
        cmd.outcome != "resident_deceased"
        and state.migration
        and state.migration.status
        in (
            "notice_issued",
            "extended",
            "deadline_missed",
        )
    ):
        raise DomainError(
            "migration",
            "the case cannot close while a migration notice awaits "
            f"its claim (status {state.migration.status})",
        )
    if state.open_tasks:
        listed = ", ".join(f"{t.task_id} ({t.kind})" for t in state.open_tasks)
        raise DomainError("tasks", f"the case cannot close while tasks are open: {listed}")
    closed_on = business_date(now)
    watch_until = add_months(closed_on, state.policy.watch_months_after_closure)
    events: list[e.Event] = [
        e.CaseClosed(
            at=now,
            by=cmd.by,
            outcome=cmd.outcome,
            reason=cmd.reason,
            balance_at_closure=state.balance,
            watch_until=watch_until,
        )
    ]
    if cmd.outcome == "resident_deceased":
        # No watch after a death: nothing may chase the estate automatically.
        events.append(e.WatchEnded(at=now, by=e.SYSTEM))
    return events


def reopen_case(state: CaseState, cmd: c.ReopenCase, now: datetime) -> list[e.Event]:
    if state.status != "closed":
        raise DomainError("case", "only a closed case can be reopened")
    due = now + timedelta(days=state.policy.reopened_review_days)
    return [
        e.CaseReopened(at=now, by=cmd.by, reason=cmd.reason),
        new_task(state, now, cmd.by, "reopened_review", due, cmd.reason),
    ]


def material_movement(state: CaseState, kind: str, balance: Decimal) -> str | None:
    """Why a closed case must re-open after this movement, or None
    (docs/rules.md#case-lifecycle)."""
    closure = state.closure
    if state.status != "closed" or closure is None or state.deceased_on is not None:
        return None
    if kind == "missed_uc_payment":
        return "re-opened automatically: an expected UC payment was missed after closure"
    threshold = state.monthly_rent * state.policy.material_rise_fraction
    # Arrears, not the signed balance: a credit shrinking is not arrears rising.
    rise = max(balance, Decimal(0)) - max(closure.balance_at_closure, Decimal(0))
    if rise >= threshold:
        return (
            f"re-opened automatically: arrears rose by £{rise:.2f} since closure "
            f"(threshold £{threshold:.2f})"
        )
    return None
