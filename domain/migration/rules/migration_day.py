"""Facts fixed on migration day: the day itself, capital, and the transitional amounts
(docs/rules.md#capital-disregard)."""

from datetime import datetime

from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.model import MigrationState
from domain.migration.rates_at import rates_at
from domain.migration.rules.claim import needs_qualifying_claim
from domain.migration.transitional_element import initial_transitional_element


def record_migration_day(
    state: MigrationState, cmd: c.RecordMigrationDay, now: datetime
) -> list[e.MigrationEvent]:
    needs_qualifying_claim(state, "migration_day")
    first = state.award_starts[0]
    if cmd.migration_day >= first:
        raise DomainError("migration_day", f"must be before the award starts ({first.isoformat()})")
    return [e.MigrationDayRecorded(at=now, by=cmd.by, migration_day=cmd.migration_day)]


def record_capital_on_migration_day(
    state: MigrationState, cmd: c.RecordCapitalOnMigrationDay, now: datetime
) -> list[e.MigrationEvent]:
    needs_qualifying_claim(state, "capital")
    if state.aps:
        raise DomainError("capital", "capital on migration day cannot change once APs are assessed")
    limit = rates_at(state, state.award_starts[0]).capital_upper_limit
    # The disregard is for tax credit claimants over the limit on migration day
    # (docs/rules.md#capital-disregard).
    applies = state.tax_credits and cmd.capital > limit
    return [
        e.CapitalOnMigrationDayRecorded(
            at=now, by=cmd.by, capital=cmd.capital, disregard_applies=applies
        )
    ]


def record_transitional_amounts(
    state: MigrationState, cmd: c.RecordTransitionalAmounts, now: datetime
) -> list[e.MigrationEvent]:
    needs_qualifying_claim(state, "legacy_total")
    if state.aps:
        raise DomainError(
            "legacy_total", "transitional amounts cannot change once APs are assessed"
        )
    rates = rates_at(state, state.award_starts[0])
    cap = rates.benefit_cap[cmd.benefit_cap] if cmd.benefit_cap else None
    te = initial_transitional_element(cmd.legacy_total, cmd.indicative_uc, cap)
    return [
        e.TransitionalAmountsRecorded(
            at=now,
            by=cmd.by,
            legacy_total=cmd.legacy_total,
            indicative_uc=cmd.indicative_uc,
            benefit_cap=cap,
            te_initial=te,
            state_pension_deferral=cmd.state_pension_deferral,
        )
    ]
