"""Capital: tariff income and the transitional capital disregard
(docs/rules.md#capital-disregard)."""

from datetime import date
from decimal import Decimal

import pytest

from domain.migration.capital import assess_capital, tariff_income
from domain.rates import rates_for

D = Decimal
RATES = rates_for(date(2026, 6, 1))


# --- tariff income: £4.35 a month for each £250 (or part) above £6,000 ---------------


@pytest.mark.parametrize("capital", [D("0"), D("5999.99"), D("6000"), D("6000.00")])
def test_no_tariff_income_at_or_under_6000(capital: Decimal) -> None:
    assert tariff_income(capital, RATES) == D("0")


@pytest.mark.parametrize(
    ("capital", "expected"),
    [
        (D("6000.01"), D("4.35")),  # part of a £250
        (D("6250"), D("4.35")),  # exactly one £250
        (D("6250.01"), D("8.70")),  # one £250 and part of another
        (D("6500"), D("8.70")),
        (D("10000"), D("69.60")),  # 16 x £4.35
        (D("15999.99"), D("174.00")),  # part of the 40th £250
        (D("16000"), D("174.00")),  # 40 x £4.35
    ],
)
def test_tariff_income_is_4_35_for_each_250_or_part_above_6000(
    capital: Decimal, expected: Decimal
) -> None:
    assert tariff_income(capital, RATES) == expected


def test_tariff_income_is_stated_to_the_penny() -> None:
    assert tariff_income(D("6000.01"), RATES).as_tuple().exponent == -2


# --- the transitional capital disregard ---------------------------------------------


@pytest.mark.parametrize("aps_used", range(12))
def test_excess_over_16000_is_disregarded_in_each_of_the_first_12_aps(aps_used: int) -> None:
    result = assess_capital(D("25000"), RATES, disregard_live=True, disregard_aps_used=aps_used)
    assert result.entitled
    assert result.disregard_applies
    assert result.disregarded == D("9000")
    # Capital up to £16,000 still produces tariff income: 40 x £4.35.
    assert result.tariff_income == D("174.00")
    assert not result.ends_disregard


def test_capital_over_16000_in_the_13th_ap_ends_entitlement() -> None:
    result = assess_capital(D("25000"), RATES, disregard_live=True, disregard_aps_used=12)
    assert not result.entitled
    assert not result.disregard_applies
    assert result.disregarded == D("0")


def test_capital_just_over_16000_is_disregarded_by_the_penny() -> None:
    result = assess_capital(D("16000.01"), RATES, disregard_live=True, disregard_aps_used=0)
    assert result.entitled
    assert result.disregarded == D("0.01")


@pytest.mark.parametrize("capital", [D("15999.99"), D("10000"), D("3000")])
def test_capital_dropping_below_16000_ends_the_disregard_for_good(capital: Decimal) -> None:
    result = assess_capital(capital, RATES, disregard_live=True, disregard_aps_used=3)
    assert result.entitled
    assert result.ends_disregard
    assert not result.disregard_applies
    assert result.tariff_income == tariff_income(capital, RATES)


def test_capital_between_6000_and_16000_under_a_live_disregard_gives_tariff_income() -> None:
    result = assess_capital(D("10000"), RATES, disregard_live=True, disregard_aps_used=0)
    assert result.tariff_income == D("69.60")


def test_capital_of_exactly_16000_is_not_below_16000_so_the_disregard_stays_live() -> None:
    result = assess_capital(D("16000"), RATES, disregard_live=True, disregard_aps_used=3)
    assert result.entitled
    assert not result.ends_disregard
    assert result.tariff_income == D("174.00")


def test_capital_over_16000_with_no_live_disregard_ends_entitlement() -> None:
    result = assess_capital(D("16000.01"), RATES, disregard_live=False, disregard_aps_used=3)
    assert not result.entitled
    assert not result.disregard_applies


def test_capital_over_16000_after_the_disregard_ended_is_not_disregarded_even_in_ap_1() -> None:
    result = assess_capital(D("20000"), RATES, disregard_live=False, disregard_aps_used=0)
    assert not result.entitled


def test_capital_of_16000_without_a_disregard_is_within_normal_rules() -> None:
    result = assess_capital(D("16000"), RATES, disregard_live=False, disregard_aps_used=0)
    assert result.entitled
    assert not result.disregard_applies
    assert result.tariff_income == D("174.00")
