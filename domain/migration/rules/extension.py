"""An extension of the deadline day, asked for before it (docs/rules.md#migration-deadlines)."""

from datetime import datetime

from domain.dates import business_date
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.deadlines import check_extension, final_deadline
from domain.migration.model import MigrationState
from domain.migration.rules.claim import no_claim_yet
from domain.migration.start import reminder_schedule


def grant_extension(
    state: MigrationState, cmd: c.GrantExtension, now: datetime
) -> list[e.MigrationEvent]:
    no_claim_yet(state, "new_deadline_day")
    if business_date(now) >= state.deadline_day:
        raise DomainError(
            "new_deadline_day",
            "an extension cannot be granted on or after the "
            f"deadline day ({state.deadline_day.isoformat()}); it must be asked "
            "for before it",
        )
    if not state.notice_issued <= cmd.asked_on <= business_date(now):
        raise DomainError("asked_on", "must be between the notice and today")
    check_extension(state.deadline_day, cmd.asked_on, cmd.new_deadline_day)
    sent = tuple(r for r in state.reminders if r.sent)
    reminders = reminder_schedule(
        state.notice_issued,
        cmd.new_deadline_day,
        state.reminder_days_after_notice,
        state.reminder_days_before_deadline,
        sent,
        today=business_date(now),
    )
    return [
        e.ExtensionGranted(
            at=now,
            by=cmd.by,
            asked_on=cmd.asked_on,
            deadline_day=cmd.new_deadline_day,
            final_deadline=final_deadline(cmd.new_deadline_day),
            reminders=reminders,
        )
    ]
