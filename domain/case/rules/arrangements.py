"""The case's payment arrangements once requested: their progress and their ending."""

from datetime import date, datetime, timedelta

from domain.arrangements.progress import progress_fields
from domain.case import commands as c
from domain.case import events as e
from domain.case.model import ArrangementSummary, CaseState
from domain.case.rules.tasks import escalation, follows, new_task
from domain.dates import business_date
from domain.errors import DomainError

LIVE = ("requested", "submitted", "awaiting_outcome", "granted")


def find_arrangement(state: CaseState, arrangement_id: str) -> ArrangementSummary | None:
    return next((a for a in state.arrangements if a.arrangement_id == arrangement_id), None)


def end_payment_arrangement(
    state: CaseState, cmd: c.EndPaymentArrangement, now: datetime
) -> list[e.Event]:
    arrangement = find_arrangement(state, cmd.arrangement_id)
    if arrangement is None or arrangement.status not in LIVE:
        live = ", ".join(a.arrangement_id for a in state.arrangements if a.status in LIVE)
        raise DomainError(
            "arrangement_id", f"not a live payment arrangement; live: {live or 'none'}"
        )
    if cmd.ended_on > business_date(now):
        raise DomainError("ended_on", "cannot be in the future")
    if cmd.ended_on < business_date(arrangement.requested_at):
        raise DomainError(
            "ended_on",
            f"is before the request was made ({business_date(arrangement.requested_at)})",
        )
    decided = arrangement.status == "granted"
    if not decided and cmd.reason != "withdrawn_by_landlord":
        raise DomainError(
            "reason", "a request DWP has not decided can only be withdrawn_by_landlord"
        )
    if decided and cmd.reason == "withdrawn_by_landlord":
        raise DomainError("reason", "a granted arrangement is ended, not withdrawn: say why")
    return ending(state, arrangement, now, cmd.by, cmd.ended_on, cmd.reason.replace("_", " "))


def ending(
    state: CaseState,
    arrangement: ArrangementSummary,
    now: datetime,
    by: str,
    on: date,
    reason: str,
) -> list[e.Event]:
    status = "ended" if arrangement.status == "granted" else "withdrawn"
    events: list[e.Event] = [
        e.ArrangementEnded(
            at=now,
            by=by,
            arrangement_id=arrangement.arrangement_id,
            ended_on=on,
            reason=reason,
            status=status,
        )
    ]
    # Its chases and reviews are done with it.
    events += [
        e.TaskCompleted(at=now, by=e.SYSTEM, task_id=t.task_id, outcome=status)
        for t in state.open_tasks
        if follows(t, arrangement.arrangement_id)
    ]
    return events


def record_arrangement_progress(
    state: CaseState, cmd: c.RecordArrangementProgress, now: datetime
) -> list[e.Event]:
    arrangement = find_arrangement(state, cmd.arrangement_id)
    if arrangement is None:
        raise DomainError("arrangement_id", "no such payment arrangement on this case")
    if arrangement.ended_on is not None:
        # The case ended it first (a death, a withdrawal): the notice is kept in
        # the journal, but neither revives it nor opens a task. Of its progress only
        # the form is passed on; the rest of the case's record stands as it was.
        return [
            e.ArrangementProgressed(
                at=now,
                by="payment_arrangement",
                arrangement_id=cmd.arrangement_id,
                kind=cmd.kind,
                text=f"{cmd.text} (after it was {arrangement.status})",
                status=arrangement.status,
                form_sha256=cmd.form_sha256,
                form_path=cmd.form_path,
                active=False,
            )
        ]
    events: list[e.Event] = [
        e.ArrangementProgressed(
            at=now,
            by="payment_arrangement",
            arrangement_id=cmd.arrangement_id,
            kind=cmd.kind,
            text=cmd.text,
            status=cmd.status,
            active=cmd.active,
            **progress_fields(cmd),
        )
    ]
    if cmd.kind in ("arrangement_outcome", "arrangement_objected", "arrangement_failed"):
        # The answer has come: the chases for it are done.
        events += [
            e.TaskCompleted(at=now, by=e.SYSTEM, task_id=t.task_id, outcome=cmd.status)
            for t in state.open_tasks
            if t.kind in ("arrangement_chase", "arrangement_follow_up")
            and follows(t, cmd.arrangement_id)
        ]
    if cmd.task is not None and state.deceased_on is None:  # no chases after a death
        days = {"arrangement_chase": 2, "arrangement_review": 7, "arrangement_follow_up": 0}
        if cmd.escalate:
            events += escalation(state, now, cmd.task, cmd.text, subject=cmd.arrangement_id)
        else:
            due = now + timedelta(days=days[cmd.task])
            events.append(
                new_task(state, now, e.SYSTEM, cmd.task, due, cmd.text, subject=cmd.arrangement_id)
            )
    return events
