"""The UK days a payment arrangement acts on its own: the end of the objection window,
the chase, the escalation and the reviews."""

from datetime import date, datetime, timedelta

from domain.arrangements import events as e
from domain.arrangements.model import ArrangementState
from domain.dates import business_date, start_of_day, uk_date
from domain.shared.actors import SYSTEM


def deadlines(state: ArrangementState) -> list[tuple[date, str]]:
    """The UK days on which this request must act, with a readable summary."""
    if state.submitted_on is None or state.finished:
        return []
    days: list[tuple[date, str]] = []
    window = state.objection_window_ends
    if state.status == "submitted" and window is not None:
        days.append((window + timedelta(days=1), f"objection window ends {uk_date(window)}"))
    if state.status in ("submitted", "awaiting_outcome"):
        if not state.chased:
            chase = state.submitted_on + timedelta(days=state.policy.chase_days)
            days.append((chase, f"chase DWP for the outcome on {uk_date(chase)}"))
        if not state.escalated:
            late = state.submitted_on + timedelta(days=state.policy.escalate_days)
            days.append((late, f"escalate: no outcome by {uk_date(late)}"))
    if state.status == "granted":
        days += [
            (r.on, f"{r.months}-month review due {uk_date(r.on)}")
            for r in state.reviews
            if not r.reminded
        ]
    return days


def next_wakeup(state: ArrangementState) -> tuple[datetime, str] | None:
    soonest = min(deadlines(state), default=None)
    return (start_of_day(soonest[0]), soonest[1]) if soonest else None


def on_time_passed(state: ArrangementState, now: datetime) -> list[e.ArrangementEvent]:
    if state.submitted_on is None or state.finished:
        return []
    today = business_date(now)
    events: list[e.ArrangementEvent] = []
    window = state.objection_window_ends
    if state.status == "submitted" and window is not None and today > window:
        events.append(e.ObjectionWindowClosed(at=now, by=SYSTEM))
    if state.status in ("submitted", "awaiting_outcome"):
        if not state.chased and today >= state.submitted_on + timedelta(
            days=state.policy.chase_days
        ):
            events.append(e.Chased(at=now, by=SYSTEM))
        late = state.submitted_on + timedelta(days=state.policy.escalate_days)
        if not state.escalated and today >= late:
            events.append(e.OutcomeOverdue(at=now, by=SYSTEM))
    if state.status == "granted":
        events += [
            e.ReviewDue(at=now, by=SYSTEM, months=r.months)
            for r in state.reviews
            if not r.reminded and today >= r.on
        ]
    return events
