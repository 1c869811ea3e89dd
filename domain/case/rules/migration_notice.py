"""The managed migration notice the case records, and what its migration tells it."""

from datetime import datetime, timedelta

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.guards import must_be_alive, must_be_open
from domain.case.rules.tasks import escalation, new_task
from domain.dates import business_date
from domain.errors import DomainError
from domain.migration.deadlines import check_deadline_day


def record_migration_notice(
    state: CaseState, cmd: c.RecordMigrationNotice, now: datetime
) -> list[e.Event]:
    must_be_open(state, "a migration notice")
    must_be_alive(state, "a migration notice")
    wid = state.children.the_one()
    if state.migration is not None:
        raise DomainError(
            "notice_issued",
            "a migration notice is already recorded; send "
            f"extensions, the claim and award statements to {wid}",
        )
    if cmd.notice_issued > business_date(now):
        raise DomainError("notice_issued", "cannot be in the future")
    check_deadline_day(cmd.notice_issued, cmd.deadline_day, cmd.reissued)
    return [
        e.MigrationNoticeRecorded(
            at=now,
            by=cmd.by,
            notice_issued=cmd.notice_issued,
            deadline_day=cmd.deadline_day,
            reissued=cmd.reissued,
            tax_credits=cmd.tax_credits,
            workflow_id=wid,
        )
    ]


def record_migration_progress(
    state: CaseState, cmd: c.RecordMigrationProgress, now: datetime
) -> list[e.Event]:
    if state.migration is None:
        raise DomainError("migration", "no migration notice is recorded on this case")
    events: list[e.Event] = [
        e.MigrationProgressed(
            at=now,
            by="managed_migration",
            kind=cmd.kind,
            text=cmd.text,
            status=cmd.status,
            protection=cmd.protection,
            active=cmd.active,
        )
    ]
    if state.status == "closed":
        return events  # journalled; a closed case opens no tasks
    if cmd.escalate:
        events += escalation(state, now, "migration_follow_up", cmd.text)
    elif cmd.outreach and state.deceased_on is None:
        # No chasing a resident who has died (docs/rules.md#safeguards).
        due = now + timedelta(days=state.policy.migration_outreach_days)
        events.append(new_task(state, now, e.SYSTEM, "migration_outreach", due, cmd.text))
    return events
