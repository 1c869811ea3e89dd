"""A migration with no claim lapses at the final deadline but stays open for a
late claim (which keeps no protection) until its late-claim window ends."""

from datetime import datetime, timedelta
from functools import reduce

from domain.dates import add_months, start_of_day
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.decide import (
    LATE_CLAIM_MONTHS,
    decide,
    evolve,
    on_time_passed,
)
from domain.migration.model import MigrationState
from tests.domain.migration import new_migration


def _at(state: MigrationState, now: datetime) -> tuple[MigrationState, list[e.MigrationEvent]]:
    events = on_time_passed(state, now)
    return reduce(evolve, events, state), events


def test_a_late_claim_after_the_lapse_is_recorded_as_not_qualifying() -> None:
    state = new_migration()
    after_final = start_of_day(state.final_deadline + timedelta(days=1))
    state, _ = _at(state, after_final)
    assert state.status == "lapsed" and not state.completed
    now = after_final + timedelta(days=10)
    events = decide(state, c.RecordClaim(by="o", claim_date=now.date()), now)
    state = reduce(evolve, events, state)
    assert state.status == "claimed_not_qualifying" and state.protection == "none"
    assert state.completed


def test_a_lapsed_migration_closes_when_the_late_claim_window_ends() -> None:
    state = new_migration()
    state, _ = _at(state, start_of_day(state.final_deadline + timedelta(days=1)))
    closes = add_months(state.final_deadline, LATE_CLAIM_MONTHS)
    state, events = _at(state, start_of_day(closes))
    assert not events and not state.completed
    state, events = _at(state, start_of_day(closes + timedelta(days=1)))
    assert [type(x) for x in events] == [e.MigrationClosed] and state.completed
