"""A resident's death: arrangements end, chases stop, bereavement handling begins
(docs/rules.md#safeguards)."""

from datetime import datetime, timedelta

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.arrangements import LIVE, ending
from domain.case.rules.tasks import new_task
from domain.dates import business_date
from domain.errors import DomainError


def record_death(state: CaseState, cmd: c.RecordDeath, now: datetime) -> list[e.Event]:
    if state.deceased_on is not None:
        raise DomainError("date_of_death", "a death is already recorded on this case")
    if cmd.date_of_death > business_date(now):
        raise DomainError("date_of_death", "cannot be in the future")
    born = state.resident.date_of_birth
    if born is not None and cmd.date_of_death < born:
        raise DomainError(
            "date_of_death",
            f"cannot be before the resident's date of birth ({born.isoformat()})",
        )
    events: list[e.Event] = [
        e.DeathRecorded(at=now, by=cmd.by, date_of_death=cmd.date_of_death, informant=cmd.informant)
    ]
    # Nothing more is asked of DWP, and nothing taken, for a resident who has died.
    for arrangement in state.arrangements:
        if arrangement.status in LIVE:
            # Recorded as ending no earlier than it was asked for.
            on = max(cmd.date_of_death, business_date(arrangement.requested_at))
            died = ending(state, arrangement, now, cmd.by, on, "the resident died")
            events.append(died[0])  # its tasks are cancelled with the rest below
    open_ids = tuple(t.task_id for t in state.open_tasks)
    if open_ids:
        events.append(
            e.TasksCancelled(
                at=now,
                by=cmd.by,
                task_ids=open_ids,
                reason="resident deceased: reminders and chases stopped",
            )
        )
    if state.status == "closed":
        # A closed case is routed to bereavement handling too (docs/rules.md#safeguards).
        events.append(
            e.CaseReopened(
                at=now, by=cmd.by, reason="death recorded: re-opened for bereavement handling"
            )
        )
    due = now + timedelta(days=state.policy.bereavement_handling_days)
    events.append(
        new_task(
            state,
            now,
            cmd.by,
            "bereavement_handling",
            due,
            "bereavement handling: tenancy, estate and DWP notification",
            owner="bereavement_team",
        )
    )
    return events
