"""A managed migration as its notice starts it, with its outreach reminders."""

from datetime import date, timedelta

from domain.migration.deadlines import check_deadline_day, final_deadline
from domain.migration.model import MigrationState, Reminder


def start_migration(
    *,
    tenancy_ref: str,
    case_workflow_id: str,
    notice_issued: date,
    deadline_day: date,
    reissued: bool,
    tax_credits: bool,
    reminder_days_after_notice: int,
    reminder_days_before_deadline: tuple[int, ...],
    year_shift: int,
    recorded_on: date | None = None,
) -> MigrationState:
    check_deadline_day(notice_issued, deadline_day, reissued)
    return MigrationState(
        tenancy_ref=tenancy_ref,
        case_workflow_id=case_workflow_id,
        notice_issued=notice_issued,
        deadline_day=deadline_day,
        final_deadline=final_deadline(deadline_day),
        tax_credits=tax_credits,
        year_shift=year_shift,
        reminder_days_after_notice=reminder_days_after_notice,
        reminder_days_before_deadline=reminder_days_before_deadline,
        # Reminders already past when the notice reaches the case are not sent late.
        reminders=tuple(
            r
            for r in reminder_schedule(
                notice_issued,
                deadline_day,
                reminder_days_after_notice,
                reminder_days_before_deadline,
            )
            if recorded_on is None or r.on >= recorded_on
        ),
    )


def reminder_schedule(
    notice_issued: date,
    deadline_day: date,
    after_notice: int,
    before_deadline: tuple[int, ...],
    sent: tuple[Reminder, ...] = (),
    today: date | None = None,
) -> tuple[Reminder, ...]:
    """Outreach reminders between the notice and the deadline day; those already
    sent are kept; none is planned on or before the last one sent, nor before
    `today` (a missed reminder is never sent late)."""
    last_sent = max((r.on for r in sent), default=notice_issued)
    if today is not None:
        last_sent = max(last_sent, today - timedelta(days=1))
    planned = [
        Reminder(
            notice_issued + timedelta(days=after_notice),
            f"{after_notice} days after the migration notice",
        )
    ]
    planned += [
        Reminder(deadline_day - timedelta(days=d), f"{d} days before the deadline day")
        for d in before_deadline
    ]
    fresh = [r for r in planned if last_sent < r.on < deadline_day]
    # Sorted by date then label: set order differs between processes.
    return tuple(sorted({*sent, *fresh}, key=lambda r: (r.on, r.label)))
