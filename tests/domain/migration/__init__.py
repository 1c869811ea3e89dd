"""A migration to start from: notice 5 January 2026, deadline day 6 April 2026."""

from datetime import date

from domain.migration.decide import start_migration
from domain.migration.model import MigrationState


def new_migration() -> MigrationState:
    return start_migration(
        tenancy_ref="T-1",
        case_workflow_id="uc-case-T-1",
        notice_issued=date(2026, 1, 5),
        deadline_day=date(2026, 4, 6),
        reissued=False,
        tax_credits=False,
        reminder_days_after_notice=14,
        reminder_days_before_deadline=(28, 7, 1),
        year_shift=0,
    )
