"""Monthly rent equivalents, arrears bands in months of rent, and APA vulnerability tiers."""

from decimal import Decimal

import pytest

from domain.rent import arrears_band, monthly_equivalent
from domain.vulnerability import TIER_1_FACTORS, TIER_2_FACTORS, tier_for, unknown_factors

# --- monthly equivalent: UC housing costs are assessed monthly ---------------------


@pytest.mark.parametrize(
    ("frequency", "periods_per_year"),
    [("weekly", 52), ("fortnightly", 26), ("four_weekly", 13), ("monthly", 12)],
)
def test_monthly_equivalent_is_the_yearly_rent_divided_by_twelve(
    frequency: str, periods_per_year: int
) -> None:
    # £120 a period divides exactly for every frequency, so no rounding is involved.
    expected = Decimal(120 * periods_per_year) / 12
    assert monthly_equivalent(Decimal("120.00"), frequency) == expected  # type: ignore[arg-type]


def test_weekly_rent_of_120_is_520_a_month() -> None:
    assert monthly_equivalent(Decimal("120.00"), "weekly") == Decimal("520.00")


def test_four_weekly_rent_is_more_than_the_same_amount_monthly() -> None:
    # Thirteen four-week periods a year, not twelve.
    assert monthly_equivalent(Decimal("400.00"), "four_weekly") > Decimal("400.00")


def test_monthly_equivalent_of_a_weekly_rent_is_rounded_to_the_penny() -> None:
    result = monthly_equivalent(Decimal("100.00"), "weekly")
    assert result.as_tuple().exponent == -2
    assert abs(result - Decimal(100 * 52) / 12) < Decimal("0.005")
    assert result == Decimal("433.33")


def test_monthly_rent_is_its_own_monthly_equivalent() -> None:
    assert monthly_equivalent(Decimal("612.47"), "monthly") == Decimal("612.47")


# --- arrears bands (months of rent, the unit of the MPTL thresholds) -------------

MONTHLY_RENT = Decimal("400.00")


@pytest.mark.parametrize(
    ("balance", "band"),
    [
        (Decimal("0.01"), "under_1_month"),
        (Decimal("399.99"), "under_1_month"),
        (Decimal("400.00"), "1_to_2_months"),
        (Decimal("799.99"), "1_to_2_months"),
        (Decimal("800.00"), "2_to_3_months"),
        (Decimal("1199.99"), "2_to_3_months"),
        (Decimal("1200.00"), "3_months_plus"),
        (Decimal("9000.00"), "3_months_plus"),
    ],
)
def test_arrears_band_counts_whole_months_of_rent(balance: Decimal, band: str) -> None:
    assert arrears_band(balance, MONTHLY_RENT) == band


def test_arrears_of_exactly_one_month_are_in_the_one_to_two_month_band() -> None:
    assert arrears_band(MONTHLY_RENT, MONTHLY_RENT) == "1_to_2_months"


def test_arrears_of_exactly_two_months_reach_the_mptl_band() -> None:
    # docs/rules.md#mptl: arrears "equal to or more than 2 months'" rent.
    assert arrears_band(MONTHLY_RENT * 2, MONTHLY_RENT) == "2_to_3_months"


def test_arrears_of_exactly_three_months_are_in_the_top_band() -> None:
    assert arrears_band(MONTHLY_RENT * 3, MONTHLY_RENT) == "3_months_plus"


def test_a_clear_account_has_no_arrears_band() -> None:
    assert arrears_band(Decimal("0"), MONTHLY_RENT) == "none"


@pytest.mark.parametrize("credit", [Decimal("-0.01"), Decimal("-400.00"), Decimal("-5000.00")])
def test_an_account_in_credit_has_no_arrears_band(credit: Decimal) -> None:
    assert arrears_band(credit, MONTHLY_RENT) == "none"


# --- vulnerability tiers (docs/rules.md#vulnerability-tiers) --------------------------


def test_tier_1_wins_over_tier_2_when_both_are_present() -> None:
    assert tier_for(["no_bank_account", "homeless", "physical_disability"]) == "tier_1"


def test_tier_2_factors_alone_give_tier_2() -> None:
    assert tier_for(["no_bank_account", "ex_service_personnel"]) == "tier_2"


def test_a_single_tier_1_factor_gives_tier_1() -> None:
    assert tier_for(["domestic_abuse"]) == "tier_1"


def test_no_factors_give_tier_none() -> None:
    assert tier_for([]) == "none"


def test_unrecognised_factors_alone_give_tier_none() -> None:
    assert tier_for(["likes_cats"]) == "none"


def test_unknown_factors_lists_only_the_unrecognised_ones_in_order() -> None:
    factors = ["homeless", "pirate", "no_bank_account", "astronaut"]
    assert unknown_factors(factors) == ["pirate", "astronaut"]


def test_unknown_factors_is_empty_for_recognised_factors() -> None:
    assert unknown_factors([*TIER_1_FACTORS, *TIER_2_FACTORS]) == []


def test_every_tier_1_factor_gives_tier_1_and_every_tier_2_factor_gives_tier_2() -> None:
    for factor in TIER_1_FACTORS:
        assert tier_for([factor]) == "tier_1", factor
    for factor in TIER_2_FACTORS:
        assert tier_for([factor]) == "tier_2", factor


def test_domain_lists_ten_factors_in_each_tier_and_none_in_both() -> None:
    # docs/rules.md#vulnerability-tiers names ten Tier 1 and ten Tier 2 factors.
    assert len(TIER_1_FACTORS) == 10
    assert len(TIER_2_FACTORS) == 10
    assert not TIER_1_FACTORS.keys() & TIER_2_FACTORS.keys()
