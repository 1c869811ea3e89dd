from datetime import date
from decimal import Decimal

import pytest

from domain.arrangements.rules import (
    Deduction,
    apa_need,
    check_mptl_eligible,
    check_overall_cap,
    earnings_allow_a_start,
    earnings_reach_allowance,
    mptl_conditions,
    overall_cap,
    recommended_apa_types,
    rent_arrears_deduction,
    stops_after,
)
from domain.errors import DomainError

D = Decimal
RENT = D("500.00")
SA = D("424.90")


def test_tier_1_makes_an_apa_highly_likely_and_tier_2_possible() -> None:
    assert apa_need(["homeless", "no_bank_account"]) == "highly_likely"
    assert apa_need(["no_bank_account"]) == "possible"
    assert apa_need([]) == "none"


def test_managed_payment_is_considered_first_then_frequency_then_split() -> None:
    assert recommended_apa_types(["domestic_abuse", "mental_health_condition"], couple=True) == (
        "managed_payment_to_landlord",
        "more_frequent_payments",
        "split_payments",
    )
    assert recommended_apa_types(["homeless"], couple=False) == ("managed_payment_to_landlord",)
    assert recommended_apa_types(["domestic_abuse"], couple=False) == (
        "managed_payment_to_landlord",
    )  # no partner to split with
    assert recommended_apa_types([], couple=True) == ()


def _conditions(**overrides: object) -> dict[str, bool]:
    facts: dict[str, object] = {
        "monthly_rent": RENT,
        "arrears": D("0"),
        "months_underpaid": 0,
        "factors": (),
        "hb_paid_to_landlord_before": False,
    }
    facts.update(overrides)
    return {c.name: c.met for c in mptl_conditions(**facts)}  # type: ignore[arg-type]


def test_arrears_of_two_months_rent_qualify_for_a_managed_payment() -> None:
    assert _conditions(arrears=D("1000.00"))["arrears_two_months"]
    assert not _conditions(arrears=D("999.99"))["arrears_two_months"]


def test_continual_underpayment_needs_more_than_two_months_and_a_month_of_arrears() -> None:
    assert _conditions(arrears=RENT, months_underpaid=3)["continual_underpayment"]
    # 2 months or more by default (docs/rules.md#mptl), configurable.
    assert _conditions(arrears=RENT, months_underpaid=2)["continual_underpayment"]
    assert not _conditions(arrears=RENT, months_underpaid=1)["continual_underpayment"]
    assert not _conditions(arrears=RENT, months_underpaid=2, underpayment_months=3)[
        "continual_underpayment"
    ]
    assert not _conditions(arrears=D("499.99"), months_underpaid=5)["continual_underpayment"]


def test_a_tier_factor_qualifies_and_hb_paid_direct_needs_one_too() -> None:
    assert _conditions(factors=("no_bank_account",))["tier_1_or_2_factor"]
    assert not _conditions(hb_paid_to_landlord_before=True)["housing_benefit_paid_direct"]
    assert _conditions(hb_paid_to_landlord_before=True, factors=("homeless",))[
        "housing_benefit_paid_direct"
    ]


def test_a_managed_payment_meeting_no_condition_is_refused_listing_each_failure() -> None:
    conditions = mptl_conditions(
        monthly_rent=RENT,
        arrears=D("100"),
        months_underpaid=1,
        factors=(),
        hb_paid_to_landlord_before=False,
    )
    with pytest.raises(DomainError) as info:
        check_mptl_eligible(conditions)
    assert info.value.field == "mptl"
    for name in (
        "arrears_two_months",
        "continual_underpayment",
        "tier_1_or_2_factor",
        "housing_benefit_paid_direct",
    ):
        assert name in info.value.rule


@pytest.mark.parametrize("rate", [D("9.99"), D("20.01"), D("0")])
def test_a_rent_arrears_deduction_outside_10_to_20_percent_is_refused(rate: Decimal) -> None:
    with pytest.raises(DomainError) as info:
        rent_arrears_deduction(
            rate_percent=rate, standard_allowance=SA, existing=(), ap_start=date(2026, 5, 1)
        )
    assert info.value.field == "deduction_rate"


def test_a_rent_arrears_deduction_is_a_share_of_the_standard_allowance() -> None:
    deduction = rent_arrears_deduction(
        rate_percent=D("10"), standard_allowance=SA, existing=(), ap_start=date(2026, 5, 1)
    )
    assert deduction.monthly_amount == D("42.49")  # 10% of £424.90, to the penny


def test_a_fourth_third_party_deduction_is_refused() -> None:
    three = tuple(Deduction("other", D("10")) for _ in range(3))
    with pytest.raises(DomainError) as info:
        rent_arrears_deduction(
            rate_percent=D("10"), standard_allowance=SA, existing=three, ap_start=date(2026, 5, 1)
        )
    assert info.value.field == "third_party_deductions"


def test_the_award_never_falls_below_a_penny() -> None:
    with pytest.raises(DomainError) as info:
        rent_arrears_deduction(
            rate_percent=D("20"),
            standard_allowance=SA,
            existing=(),
            ap_start=date(2026, 5, 1),
            award_before_deductions=D("84.98"),
        )
    assert info.value.field == "award"
    ok = rent_arrears_deduction(
        rate_percent=D("20"),
        standard_allowance=SA,
        existing=(),
        ap_start=date(2026, 5, 1),
        award_before_deductions=D("84.99"),
    )
    assert ok.monthly_amount == D("84.98")


@pytest.mark.parametrize(
    ("ap_start", "percent", "pounds"),
    [
        (date(2019, 9, 30), 40, D("169.96")),
        (date(2019, 10, 1), 30, D("127.47")),
        (date(2021, 4, 11), 30, D("127.47")),
        (date(2021, 4, 12), 25, D("106.23")),
        (date(2025, 4, 29), 25, D("106.23")),
        (date(2025, 4, 30), 15, D("63.74")),
    ],
)
def test_the_overall_cap_is_a_dated_parameter_by_the_aps_start(
    ap_start: date, percent: int, pounds: Decimal
) -> None:
    """15% from 30 April 2025, 25% from April 2021, 30% from October 2019, 40% before
    (docs/rules.md#third-party-deductions)."""
    assert overall_cap(SA, ap_start) == (percent, pounds)


def test_earnings_allow_a_start_up_to_the_work_allowance_and_a_nil_one_allows_none() -> None:
    assert earnings_allow_a_start(D("411.00"), D("411.00"))
    assert not earnings_allow_a_start(D("411.01"), D("411.00"))
    assert earnings_allow_a_start(D("0"), D("0"))
    assert not earnings_allow_a_start(D("0.01"), D("0"))  # no work allowance: any earnings


def test_earnings_reach_the_allowance_at_it_and_a_nil_one_only_with_earnings() -> None:
    assert earnings_reach_allowance(D("411.00"), D("411.00"))
    assert not earnings_reach_allowance(D("410.99"), D("411.00"))
    assert earnings_reach_allowance(D("0.01"), D("0"))
    assert not earnings_reach_allowance(D("0"), D("0"))  # no earnings never stop it


def test_deductions_stop_after_3_aps_reaching_the_allowance_not_2() -> None:
    assert not stops_after((True, True))
    assert stops_after((True, True, True))
    assert stops_after((False, True, True, True))
    assert not stops_after((True, True, False))
    assert not stops_after((True, False, True))


def test_other_deductions_over_the_cap_are_refused_but_rent_arrears_may_exceed_it() -> None:
    existing = (Deduction("rent_arrears", D("63.74")),)  # 15% of £424.90 = £63.74
    with pytest.raises(DomainError) as info:
        check_overall_cap(
            Deduction("council_tax_arrears", D("0.01")), existing, SA, date(2026, 5, 1)
        )
    assert info.value.field == "overall_cap"
    check_overall_cap(Deduction("rent_arrears", D("84.98")), existing, SA, date(2026, 5, 1))
    check_overall_cap(Deduction("fuel_arrears", D("40.00")), existing, SA, date(2026, 5, 1))
    # Before 30 April 2025 the cap was 25%: £106.23 of £424.90.
    check_overall_cap(Deduction("water", D("40.00")), existing, SA, date(2025, 4, 1))
    # ...and before 12 April 2021, 30%: £127.47.
    check_overall_cap(Deduction("water", D("63.73")), existing, SA, date(2021, 4, 11))
    with pytest.raises(DomainError) as info:
        check_overall_cap(Deduction("water", D("63.74")), existing, SA, date(2021, 4, 11))
    assert "30% cap of £127.47" in info.value.rule
