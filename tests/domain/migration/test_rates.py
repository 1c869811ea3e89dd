"""UC rates as dated parameters (docs/rules.md#rates): the set in force is chosen by the AP's
start."""

from datetime import date
from decimal import Decimal

import pytest

from domain.rates import earnings_threshold, rates_for

D = Decimal


def test_ap_starting_on_5_april_2026_uses_the_2025_26_rates() -> None:
    assert rates_for(date(2026, 4, 5)).tax_year == "2025/26"


def test_ap_starting_on_6_april_2026_uses_the_2026_27_rates() -> None:
    assert rates_for(date(2026, 4, 6)).tax_year == "2026/27"


def test_ap_starting_on_7_april_2025_uses_the_2025_26_rates() -> None:
    assert rates_for(date(2025, 4, 7)).tax_year == "2025/26"


def test_the_last_rate_set_covers_its_year_and_no_further() -> None:
    assert rates_for(date(2027, 4, 5)).tax_year == "2026/27"
    with pytest.raises(ValueError, match=r"^ap_start"):
        rates_for(date(2027, 4, 6))  # no stale figures: the 2027/28 set must be added


def test_ap_starting_before_7_april_2025_has_no_rates_and_names_ap_start() -> None:
    with pytest.raises(ValueError, match=r"^ap_start"):
        rates_for(date(2025, 4, 6))


def test_2025_26_figures_match_the_published_table() -> None:
    r = rates_for(date(2025, 6, 1))
    assert r.standard_allowance["single_under_25"] == D("316.98")
    assert r.standard_allowance["single_25_or_over"] == D("400.14")
    assert r.standard_allowance["couple_both_under_25"] == D("497.55")
    assert r.standard_allowance["couple_either_25_or_over"] == D("628.10")
    assert r.child_first_born_before_6_april_2017 == D("339.00")
    assert r.child_other == D("292.81")
    assert (r.lcw, r.lcwra) == (D("158.76"), D("423.27"))
    assert r.carer == D("201.68")


def test_2026_27_figures_match_the_published_table() -> None:
    r = rates_for(date(2026, 6, 1))
    assert r.standard_allowance["single_under_25"] == D("338.58")
    assert r.standard_allowance["single_25_or_over"] == D("424.90")
    assert r.standard_allowance["couple_both_under_25"] == D("528.34")
    assert r.standard_allowance["couple_either_25_or_over"] == D("666.97")
    assert r.child_first_born_before_6_april_2017 == D("351.88")
    assert r.child_other == D("303.94")
    assert (r.lcw, r.lcwra) == (D("158.76"), D("217.26"))
    assert r.carer == D("209.34")


@pytest.mark.parametrize("ap_start", [date(2025, 6, 1), date(2026, 6, 1)])
def test_benefit_cap_is_unchanged_between_2025_26_and_2026_27(ap_start: date) -> None:
    assert rates_for(ap_start).benefit_cap == {
        "outside_london_single": D("1229.42"),
        "outside_london_family": D("1835.00"),
        "london_single": D("1413.92"),
        "london_family": D("2110.25"),
    }


@pytest.mark.parametrize("ap_start", [date(2025, 6, 1), date(2026, 6, 1)])
def test_capital_limits_and_tariff_step_are_6000_16000_and_4_35(ap_start: date) -> None:
    r = rates_for(ap_start)
    assert (r.capital_lower_limit, r.capital_upper_limit) == (D("6000"), D("16000"))
    assert r.tariff_income_per_250 == D("4.35")


@pytest.mark.parametrize(
    ("couple", "hours"),
    [(False, 18), (True, 29)],
    ids=["single_18_hours", "couple_29_hours"],
)
@pytest.mark.parametrize("ap_start", [date(2025, 6, 1), date(2026, 6, 1)])
def test_earnings_threshold_is_hours_times_nlw_times_52_over_12(
    ap_start: date, couple: bool, hours: int
) -> None:
    nlw = rates_for(ap_start).national_living_wage
    expected = (nlw * hours * 52 / 12).quantize(D("0.01"))
    assert earnings_threshold(ap_start, couple) == expected


def test_single_earnings_threshold_2025_26_is_952_38() -> None:
    # 18 x £12.21 x 52 / 12 = £952.38
    assert earnings_threshold(date(2025, 6, 1), couple=False) == D("952.38")


def test_couple_earnings_threshold_2026_27_is_1597_22() -> None:
    # 29 x £12.71 x 52 / 12 = £1,597.2233...
    assert earnings_threshold(date(2026, 6, 1), couple=True) == D("1597.22")


def test_couple_threshold_is_higher_than_single_threshold() -> None:
    day = date(2026, 6, 1)
    assert earnings_threshold(day, couple=True) > earnings_threshold(day, couple=False)
