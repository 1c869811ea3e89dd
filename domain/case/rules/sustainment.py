"""Tenancy sustainment actions, Discretionary Housing Payments among them."""

from datetime import date, datetime, timedelta

from domain.case import commands as c
from domain.case import events as e
from domain.case.evolve import evolve
from domain.case.model import FINAL_SUSTAINMENT, CaseState, SustainmentAction
from domain.case.rules.guards import must_be_alive, must_be_open
from domain.case.rules.tasks import follows, new_task
from domain.dates import business_date, start_of_day
from domain.errors import DomainError
from domain.shared.decision import Decision


def start_sustainment_action(
    state: CaseState, cmd: c.StartSustainmentAction, now: datetime
) -> list[e.Event]:
    must_be_open(state, "a tenancy sustainment action")
    must_be_alive(state, "a tenancy sustainment action")
    d: Decision[CaseState, e.Event] = Decision(state, evolve)
    action_id = f"action-{len(d.state.sustainment) + 1}"
    due = now + timedelta(days=cmd.follow_up_days)
    d.emit(
        e.SustainmentStarted(
            at=now, by=cmd.by, action_id=action_id, kind=cmd.kind, owner=cmd.owner, note=cmd.note
        )
    )
    d.emit(_follow_up(d.state, now, cmd.by, action_id, cmd.kind, cmd.owner, due))
    return d.events


def update_sustainment_action(
    state: CaseState, cmd: c.UpdateSustainmentAction, now: datetime
) -> list[e.Event]:
    action = next((a for a in state.sustainment if a.action_id == cmd.action_id), None)
    if action is None or action.status in FINAL_SUSTAINMENT:
        open_ids = (
            ", ".join(a.action_id for a in state.sustainment if a.status not in FINAL_SUSTAINMENT)
            or "none"
        )
        raise DomainError("action_id", f"not an open sustainment action; open: {open_ids}")
    if cmd.status in ("awarded", "refused") and action.kind != "dhp":
        raise DomainError("status", f"{cmd.status} is a Discretionary Housing Payment decision")
    _check_dhp_dates(action, cmd, business_date(now))
    if cmd.status == "awarded":
        if not (cmd.award_from and cmd.award_to and cmd.amount):
            raise DomainError("award_from", "an awarded DHP needs award_from, award_to and amount")
        if cmd.award_to <= cmd.award_from:
            raise DomainError("award_to", "must be after award_from")
    events: list[e.Event] = [
        e.SustainmentUpdated(
            at=now,
            by=cmd.by,
            action_id=cmd.action_id,
            status=cmd.status,
            note=cmd.note,
            award_from=cmd.award_from,
            award_to=cmd.award_to,
            amount=cmd.amount,
            applied_on=cmd.applied_on,
            decided_on=cmd.decided_on,
        )
    ]
    follow_ups = [t for t in state.open_tasks if follows(t, cmd.action_id)]
    events += [
        e.TaskCompleted(at=now, by=cmd.by, task_id=t.task_id, outcome=cmd.status)
        for t in follow_ups
    ]
    if state.deceased_on is not None:
        return events
    if cmd.status not in FINAL_SUSTAINMENT and cmd.follow_up_days:
        due = now + timedelta(days=cmd.follow_up_days)
        events.append(_follow_up(state, now, cmd.by, cmd.action_id, action.kind, action.owner, due))
    elif cmd.status == "awarded" and cmd.award_to:
        # Before the award runs out: review the household and apply again if needed.
        review = max(
            cmd.award_to - timedelta(days=state.policy.dhp_review_days_before_end),
            business_date(now),
        )
        events.append(
            new_task(
                state,
                now,
                cmd.by,
                "sustainment_follow_up",
                start_of_day(review),
                f"{cmd.action_id} DHP award ends {cmd.award_to.isoformat()}: "
                "review the rent shortfall and apply again if it continues",
                owner=action.owner,
                subject=cmd.action_id,
            )
        )
    return events


def _check_dhp_dates(
    action: SustainmentAction, cmd: c.UpdateSustainmentAction, today: date
) -> None:
    """A DHP's application and decision dates: in the past, in order, and given
    when the step they belong to is recorded."""
    if action.kind != "dhp":
        for name in ("applied_on", "decided_on", "award_from", "award_to", "amount"):
            if getattr(cmd, name) is not None:
                raise DomainError(name, "only a Discretionary Housing Payment takes this")
        return
    applied = cmd.applied_on or action.applied_on
    for name in ("applied_on", "decided_on"):
        day = getattr(cmd, name)
        if day is not None and day > today:
            raise DomainError(name, "cannot be in the future")
    if cmd.status == "awaiting_decision" and applied is None:
        raise DomainError(
            "applied_on", "a DHP awaiting the council's decision needs the date it was applied for"
        )
    if cmd.status in ("awarded", "refused"):
        if applied is None:
            raise DomainError("applied_on", "a DHP decision needs the date it was applied for")
        if cmd.decided_on is None:
            raise DomainError("decided_on", "a DHP decision needs the date the council decided")
    if cmd.decided_on is not None and applied is not None and cmd.decided_on < applied:
        raise DomainError("decided_on", f"is before the application ({applied.isoformat()})")


def _follow_up(
    state: CaseState, now: datetime, by: str, action_id: str, kind: str, owner: str, due: datetime
) -> e.TaskOpened:
    return new_task(
        state,
        now,
        by,
        "sustainment_follow_up",
        due,
        f"{action_id} {kind.replace('_', ' ')}: follow up",
        owner=owner,
        subject=action_id,
    )
