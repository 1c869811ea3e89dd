"""Rules fixed after review: month-end periods, late-recorded notices, re-claims."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce

import pytest

from domain.dates import period_end
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration.deadlines import earliest_deadline_day
from domain.migration.decide import decide, evolve, start_migration
from domain.migration.model import MigrationState


def test_three_months_beginning_with_a_month_end_day_end_on_the_last_day_of_a_month() -> None:
    assert period_end(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert earliest_deadline_day(date(2025, 11, 30)) == date(2026, 3, 1)
    assert earliest_deadline_day(date(2026, 1, 31)) == date(2026, 5, 1)
    assert earliest_deadline_day(date(2026, 5, 9)) == date(2026, 8, 9)


def _late_recorded() -> MigrationState:
    # Notice issued 1 Jan, reaching the case on 20 Mar: earlier reminders are not sent.
    return start_migration(
        tenancy_ref="T-1",
        case_workflow_id="uc-case-T-1",
        notice_issued=date(2026, 1, 1),
        deadline_day=date(2026, 5, 1),
        reissued=False,
        tax_credits=True,
        reminder_days_after_notice=14,
        reminder_days_before_deadline=(28, 7, 1),
        year_shift=0,
        recorded_on=date(2026, 3, 20),
    )


def test_a_late_recorded_notice_skips_reminders_already_past() -> None:
    assert [r.on for r in _late_recorded().reminders] == [
        date(2026, 4, 3),
        date(2026, 4, 24),
        date(2026, 4, 30),
    ]


def test_an_extension_never_plans_a_reminder_in_the_past() -> None:
    state = _late_recorded()
    now = datetime(2026, 3, 21, 9, tzinfo=UTC)
    events = decide(
        state,
        c.GrantExtension(by="o", asked_on=date(2026, 3, 21), new_deadline_day=date(2026, 5, 29)),
        now,
    )
    state = reduce(evolve, events, state)
    assert all(r.on >= date(2026, 3, 21) for r in state.reminders)
    assert [r.on for r in state.reminders] == [
        date(2026, 5, 1),
        date(2026, 5, 22),
        date(2026, 5, 28),
    ]


def test_an_extension_asked_before_the_notice_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        decide(
            _late_recorded(),
            c.GrantExtension(
                by="o", asked_on=date(2025, 12, 1), new_deadline_day=date(2026, 5, 29)
            ),
            datetime(2026, 3, 21, 9, tzinfo=UTC),
        )
    assert info.value.field == "asked_on"


def test_a_reclaim_dated_before_the_award_ended_is_refused() -> None:
    state = _late_recorded()
    now = datetime(2026, 3, 25, 9, tzinfo=UTC)
    for command in [
        c.RecordClaim(by="o", claim_date=date(2026, 3, 25)),
        c.RecordCapitalOnMigrationDay(by="o", capital=Decimal("1000")),
        c.RecordTransitionalAmounts(
            by="o", legacy_total=Decimal("900"), indicative_uc=Decimal("800"), benefit_cap=None
        ),
    ]:
        state = reduce(evolve, decide(state, command, now), state)
    later = now + timedelta(days=35)
    statement = c.RecordAwardStatement(
        by="o",
        ap=1,
        household="single",
        elements={"standard_allowance": Decimal("424.90")},
        award_ended="excess_earnings",
    )
    state = reduce(evolve, decide(state, statement, later), state)
    assert state.protection == "suspended"
    with pytest.raises(DomainError) as info:
        decide(state, c.RecordReclaim(by="o", claim_date=date(2026, 4, 1)), later)
    assert info.value.field == "claim_date"
