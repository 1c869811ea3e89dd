"""A migration's rates and AET are chosen by the real date of the AP's start, also on a
simulation's calendar shifted by whole 28-year cycles (docs/rules.md#rates). The
figures themselves are tested in tests/domain/test_rates.py."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.migration.rates_at import rates_at, real_date, threshold_at
from tests.domain.migration import new_migration

D = Decimal


@pytest.mark.parametrize("shift", [0, 28, 56])
def test_rates_follow_the_real_date_of_a_shifted_calendar(shift: int) -> None:
    state = replace(new_migration(), year_shift=shift)
    day = date(2024, 4, 8 - 1)  # the day before the 2024 uprating day
    shifted = day.replace(year=day.year + shift)
    assert real_date(state, shifted) == day
    assert rates_at(state, shifted).tax_year == "2023/24"
    assert rates_at(state, shifted.replace(day=8)).tax_year == "2024/25"


@pytest.mark.parametrize("shift", [0, 28])
def test_the_aet_follows_the_real_date_of_a_shifted_calendar(shift: int) -> None:
    state = replace(new_migration(), year_shift=shift)
    # 12 May 2024: 15 x 11.44 x 52 / 12 = 743.60 -> 743; 13 May 2024: 18 hours,
    # 892.32 -> 892.
    assert threshold_at(state, date(2024 + shift, 5, 12), couple=False) == D("743")
    assert threshold_at(state, date(2024 + shift, 5, 13), couple=False) == D("892")


def test_a_year_not_held_is_refused_naming_the_real_date_and_tax_year() -> None:
    state = replace(new_migration(), year_shift=28)
    with pytest.raises(DomainError) as refused:
        rates_at(state, date(2027 + 28, 5, 1))
    assert refused.value.field == "rates"
    assert "AP starting 2027-05-01" in refused.value.rule
    assert "tax year 2027/28" in refused.value.rule
