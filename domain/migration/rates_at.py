"""The UC rates and earnings threshold for an AP on the migration's calendar (shifted
by whole 28-year cycles in a simulation; the rates follow the real date)
(docs/rules.md#rates)."""

from datetime import date
from decimal import Decimal

from domain.migration.model import MigrationState
from domain.rates import RateSet, earnings_threshold, rates_for


def real_date(state: MigrationState, day: date) -> date:
    """`day` of the workflow's calendar as the real date the rates are chosen by."""
    return day.replace(year=day.year - state.year_shift)


def rates_at(state: MigrationState, day: date) -> RateSet:
    """Rates for an AP starting on `day` of the workflow's calendar. A year not
    held is refused by rates_for, naming the real AP start and its tax year."""
    return rates_for(real_date(state, day))


def threshold_at(state: MigrationState, day: date, couple: bool) -> Decimal:
    """The administrative earnings threshold for an AP starting on `day`."""
    return earnings_threshold(real_date(state, day), couple)
