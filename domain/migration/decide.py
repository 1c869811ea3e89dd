"""decide(state, command, now) -> events for a managed migration: the dispatch to the
rules in domain/migration/rules/. Raises DomainError naming the rule.

The workflow and the tests import the rest of a migration's core from here too."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.dates import business_date
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.evolve import evolve as evolve
from domain.migration.model import MigrationState
from domain.migration.rules.award_statement import record_award_statement
from domain.migration.rules.claim import record_claim, record_reclaim
from domain.migration.rules.death import resident_died
from domain.migration.rules.extension import grant_extension
from domain.migration.rules.migration_day import (
    record_capital_on_migration_day,
    record_migration_day,
    record_transitional_amounts,
)
from domain.migration.start import start_migration as start_migration
from domain.migration.timers import LATE_CLAIM_MONTHS as LATE_CLAIM_MONTHS
from domain.migration.timers import next_wakeup as next_wakeup
from domain.migration.timers import on_time_passed as on_time_passed
from domain.shared.dispatch import handler_for
from domain.values import check_horizon


def decide(state: MigrationState, command: Any, now: datetime) -> list[e.MigrationEvent]:
    if state.completed:
        raise DomainError("migration", "this migration is complete and takes no more commands")
    handler = handler_for(_HANDLERS, command)
    if type(command) in _FROM_OUTSIDE:
        check_horizon(command, business_date(now))
    return handler(state, command, now)


# Commands a back office sends (not the case's stop): dates checked against the clock.
_FROM_OUTSIDE = frozenset(c.MIGRATION_COMMANDS.values())


_HANDLERS: dict[type, Callable[[MigrationState, Any, datetime], list[e.MigrationEvent]]] = {
    c.GrantExtension: grant_extension,
    c.ResidentDied: resident_died,
    c.RecordClaim: record_claim,
    c.RecordMigrationDay: record_migration_day,
    c.RecordCapitalOnMigrationDay: record_capital_on_migration_day,
    c.RecordTransitionalAmounts: record_transitional_amounts,
    c.RecordAwardStatement: record_award_statement,
    c.RecordReclaim: record_reclaim,
}
