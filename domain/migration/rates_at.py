"""The UC rates and earnings threshold for an AP on the migration's calendar (shifted
by whole 28-year cycles in a simulation; the rates follow the real date)."""

from datetime import date
from typing import Any

from domain.errors import DomainError
from domain.migration.model import MigrationState
from domain.rates import RateSet, earnings_threshold, rates_for


def rates_at(state: MigrationState, day: date) -> RateSet:
    """Rates for an AP starting on `day` of the workflow's calendar. In a simulation
    the calendar is shifted by whole 28-year cycles; rates follow the real date."""
    real = day.replace(year=day.year - state.year_shift)
    try:
        return rates_for(real)
    except ValueError:
        raise DomainError(
            "rates",
            f"no UC rates are held for an AP starting {real.isoformat()}; "
            "add that year's rate set to domain/rates.py",
        ) from None


def threshold_at(state: MigrationState, day: date, couple: bool) -> Any:
    return earnings_threshold(day.replace(year=day.year - state.year_shift), couple)
