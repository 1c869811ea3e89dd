"""Contact with the resident and those acting for them: notes, call-backs, returned
post, complaints, messages and changes of circumstances."""

from datetime import datetime, timedelta

from domain.bounds import CALL_BACK_YEARS
from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.guards import must_be_alive, must_be_open
from domain.case.rules.tasks import new_task
from domain.dates import add_months, business_date
from domain.errors import DomainError


def add_journal_note(state: CaseState, cmd: c.AddJournalNote, now: datetime) -> list[e.Event]:
    return [
        e.JournalNoteAdded(at=now, by=cmd.by, kind=cmd.kind, text=cmd.text, outcome=cmd.outcome)
    ]


def request_call_back(state: CaseState, cmd: c.RequestCallBack, now: datetime) -> list[e.Event]:
    must_be_open(state, "a call-back")
    must_be_alive(state, "a call-back")
    if cmd.due_at <= now:
        raise DomainError("due_at", "a call-back must be due in the future")
    latest = add_months(business_date(now), 12 * CALL_BACK_YEARS)
    if business_date(cmd.due_at) > latest:
        raise DomainError(
            "due_at",
            f"a call-back is due at most {CALL_BACK_YEARS} years ahead: on or before {latest}",
        )
    return [new_task(state, now, cmd.by, "call_back", cmd.due_at, cmd.reason)]


def record_returned_post(
    state: CaseState, cmd: c.RecordReturnedPost, now: datetime
) -> list[e.Event]:
    events: list[e.Event] = [
        e.InteractionRecorded(at=now, by=cmd.by, kind="returned_post", summary=cmd.item)
    ]
    if state.deceased_on is None:
        due = now + timedelta(days=state.policy.returned_post_days)
        events.append(
            new_task(
                state,
                now,
                cmd.by,
                "re_establish_contact",
                due,
                f"post returned undelivered: {cmd.item}",
            )
        )
    return events


def record_complaint(state: CaseState, cmd: c.RecordComplaint, now: datetime) -> list[e.Event]:
    due = now + timedelta(days=state.policy.complaint_follow_up_days)
    return [
        e.InteractionRecorded(at=now, by=cmd.by, kind="complaint", summary=cmd.summary),
        new_task(
            state, now, cmd.by, "complaint_follow_up", due, cmd.summary, owner="complaints_team"
        ),
    ]


def change_of_circumstances(
    state: CaseState, now: datetime, by: str, summary: str
) -> list[e.Event]:
    due = now + timedelta(days=state.policy.case_control_days)
    return [
        e.InteractionRecorded(at=now, by=by, kind="change_of_circumstances", summary=summary),
        new_task(state, now, by, "case_control", due, f"case control after change: {summary}"),
    ]


def record_change_of_circumstances(
    state: CaseState, cmd: c.RecordChangeOfCircumstances, now: datetime
) -> list[e.Event]:
    return change_of_circumstances(state, now, cmd.by, cmd.description)


def record_incoming_message(
    state: CaseState, cmd: c.RecordIncomingMessage, now: datetime
) -> list[e.Event]:
    due = now + timedelta(hours=state.policy.message_response_hours)
    return [
        e.InteractionRecorded(
            at=now, by=cmd.by, kind=f"incoming_{cmd.channel}", summary=cmd.summary
        ),
        new_task(state, now, cmd.by, "message_response", due, f"respond to: {cmd.summary}"),
    ]
