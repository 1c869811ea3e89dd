"""A death recorded on the case ends its migration: no reminder or deadline of it
chases the estate (docs/rules.md#safeguards), and protection ends with the award."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import reduce

import pytest

from domain.dates import start_of_day
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.decide import decide, evolve, next_wakeup
from domain.migration.journal import notice_for
from domain.migration.model import MigrationState, ProtectionStatus
from tests.domain.migration import new_migration

DIED = date(2026, 2, 2)
NOW = start_of_day(date(2026, 2, 9))


def _died(state: MigrationState, now: datetime = NOW) -> MigrationState:
    events = decide(state, c.ResidentDied(by="income-09", date_of_death=DIED), now)
    assert [type(x) for x in events] == [e.MigrationEnded]
    return reduce(evolve, events, state)


def test_a_death_before_any_claim_ends_the_migration_and_its_reminders() -> None:
    state = new_migration()
    assert next_wakeup(state) is not None  # reminders and deadlines were armed
    state = _died(state)
    assert state.status == "ended" and state.protection == "none" and state.completed
    assert state.protection_ended_reason is None  # there was no protection to end


@pytest.mark.parametrize("protection", ["active", "suspended"])
def test_a_death_ends_protection_that_was_running(protection: ProtectionStatus) -> None:
    claimed = replace(new_migration(), status="claimed", protection=protection)
    state = _died(claimed)
    assert state.status == "ended" and state.protection == "ended"
    assert state.protection_ended_reason == "the resident died on 2026-02-02"


def test_the_case_hears_that_the_migration_ended_without_any_outreach() -> None:
    event = e.MigrationEnded(at=NOW, by="income-09", date_of_death=DIED)
    notice = notice_for(event)
    assert notice is not None and notice.kind == "migration_closed"
    assert "2026-02-02" in notice.text
    assert not notice.outreach and not notice.escalate


def test_a_date_of_death_in_the_future_is_refused() -> None:
    later = DIED + timedelta(days=30)
    with pytest.raises(DomainError) as info:
        decide(new_migration(), c.ResidentDied(by="o", date_of_death=later), NOW)
    assert info.value.field == "date_of_death"


def test_an_ended_migration_takes_no_more_commands() -> None:
    state = _died(new_migration())
    with pytest.raises(DomainError) as info:
        decide(state, c.RecordClaim(by="o", claim_date=date(2026, 2, 9)), NOW)
    assert info.value.field == "migration"
