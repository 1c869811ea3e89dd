"""One agreed activity (docs/rules.md#ipr-investigation, step 3): owned by a service
line, due on a date, followed up until the owner gives the IPRG assurance. A reminder
before the due date; once overdue, an escalation to the IPRG, repeated (weekly by
default) until assured."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass as validated

from domain.bounds import ACTOR_CHARS, TEXT_CHARS
from domain.dates import business_date, start_of_day, uk_date
from domain.errors import DomainError
from domain.shared.actors import SYSTEM as SYSTEM
from domain.values import ONE_LINE, STORABLE, BusinessDate, at_most_chars


@dataclass(frozen=True)
class ActivityState:
    activity_id: str
    service_line: str
    description: str
    due_on: date
    agreed_on: date
    reminder_days: int = 7
    repeat_days: int = 7
    status: Literal["open", "overdue", "assured"] = "open"
    reminded: bool = False
    escalations: int = 0
    last_escalated_on: date | None = None
    assured_on: date | None = None
    evidence: str | None = None
    version: int = 0

    @property
    def finished(self) -> bool:
        return self.status == "assured"


@validated(frozen=True, config=ConfigDict(extra="forbid", str_strip_whitespace=True))
class RecordAssurance:
    by: Annotated[str, ONE_LINE, at_most_chars(ACTOR_CHARS)]
    evidence: Annotated[str, STORABLE, at_most_chars(TEXT_CHARS)]
    assured_on: BusinessDate


@dataclass(frozen=True)
class Reminded:
    at: datetime
    by: str
    late: bool = False


@dataclass(frozen=True)
class Escalated:
    at: datetime
    by: str
    number: int


@dataclass(frozen=True)
class Assured:
    at: datetime
    by: str
    evidence: str
    assured_on: date


ActivityEvent = Reminded | Escalated | Assured


def decide(state: ActivityState, command: Any, now: datetime) -> list[ActivityEvent]:
    if state.finished:
        raise DomainError("activity", "this activity is already assured")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise DomainError("command", f"unknown command {type(command).__name__}")
    return handler(state, command, now)


def _assure(state: ActivityState, cmd: RecordAssurance, now: datetime) -> list[ActivityEvent]:
    if not cmd.evidence.strip():
        raise DomainError("evidence", "assurance needs the evidence the owner gave")
    if cmd.assured_on > business_date(now):
        raise DomainError("assured_on", "cannot be in the future")
    if cmd.assured_on < state.agreed_on:
        raise DomainError(
            "assured_on", f"is before the activity was agreed ({state.agreed_on.isoformat()})"
        )
    return [Assured(at=now, by=cmd.by, evidence=cmd.evidence.strip(), assured_on=cmd.assured_on)]


_HANDLERS: dict[type, Callable[[ActivityState, Any, datetime], list[ActivityEvent]]] = {
    RecordAssurance: _assure,
}


def _reminder_on(state: ActivityState) -> date:
    return max(state.due_on - timedelta(days=state.reminder_days), state.agreed_on)


def _next_escalation_on(state: ActivityState) -> date:
    if state.last_escalated_on is None:
        return state.due_on + timedelta(days=1)
    return state.last_escalated_on + timedelta(days=state.repeat_days)


def next_wakeup(state: ActivityState) -> tuple[datetime, str] | None:
    if state.finished:
        return None
    escalation = _next_escalation_on(state)
    if not state.reminded and _reminder_on(state) < escalation:
        reminder = _reminder_on(state)
        return start_of_day(reminder), f"remind the owner: due {uk_date(state.due_on)}"
    return start_of_day(escalation), f"not assured: escalate to the IPRG on {uk_date(escalation)}"


def on_time_passed(state: ActivityState, now: datetime) -> list[ActivityEvent]:
    if state.finished:
        return []
    today = business_date(now)
    events: list[ActivityEvent] = []
    if not state.reminded and today >= _reminder_on(state):
        # Past the due day already (a worker down for days): no "due soon" reminder.
        events.append(Reminded(at=now, by=SYSTEM, late=today > state.due_on))
    if today >= _next_escalation_on(state):
        events.append(Escalated(at=now, by=SYSTEM, number=state.escalations + 1))
    return events


def evolve(s: ActivityState, ev: ActivityEvent) -> ActivityState:
    s = replace(s, version=s.version + 1)
    match ev:
        case Reminded():
            return replace(s, reminded=True)
        case Escalated():
            return replace(
                s,
                status="overdue",
                escalations=ev.number,
                last_escalated_on=business_date(ev.at),
            )
        case Assured():
            return replace(s, status="assured", evidence=ev.evidence, assured_on=ev.assured_on)
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")


def notice_for(ev: ActivityEvent) -> dict[str, Any] | None:
    """What the IPR hears (a RecordActivityProgress payload, without the id)."""
    match ev:
        case Reminded():
            return None if ev.late else {"kind": "reminder"}
        case Escalated():
            return {"kind": "overdue", "escalations": ev.number}
        case Assured():
            return {"kind": "assured", "evidence": ev.evidence, "assured_on": ev.assured_on}
    raise TypeError(f"notice_for: no rule for {type(ev).__name__}")
