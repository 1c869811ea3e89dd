"""UC rates, the administrative earnings threshold and the deduction cap as dated
parameters (docs/rules.md#rates): each figure is chosen by the AP's start against
the day it took effect; a year or a figure not held is refused by name."""

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.rates import (
    AET_HOURS,
    DEDUCTION_CAPS,
    NATIONAL_LIVING_WAGE,
    RATE_SETS,
    UNSOURCED_REFUSED,
    RateSet,
    deduction_cap_percent,
    earnings_threshold,
    national_living_wage,
    rates_for,
    work_allowance,
)

D = Decimal

# --- which year's set an AP gets: the uprating day -------------------------------------

UPRATING_DAYS = [
    (date(2023, 4, 10), "2023/24"),
    (date(2024, 4, 8), "2024/25"),
    (date(2025, 4, 7), "2025/26"),
    (date(2026, 4, 6), "2026/27"),
]


@pytest.mark.parametrize(("day", "tax_year"), UPRATING_DAYS)
def test_an_ap_starting_on_the_uprating_day_gets_that_years_rates(day: date, tax_year: str) -> None:
    assert rates_for(day).tax_year == tax_year


@pytest.mark.parametrize(("day", "tax_year"), UPRATING_DAYS[1:])
def test_an_ap_starting_the_day_before_the_uprating_day_keeps_last_years_rates(
    day: date, tax_year: str
) -> None:
    before = [y for d, y in UPRATING_DAYS if d < day][-1]
    assert rates_for(date.fromordinal(day.toordinal() - 1)).tax_year == before


def test_an_ap_starting_in_the_new_tax_year_before_the_uprating_day_keeps_the_old_rates() -> None:
    # 6 April 2024 is in tax year 2024/25, but the uprating day was 8 April.
    assert rates_for(date(2024, 4, 7)).tax_year == "2023/24"
    assert rates_for(date(2025, 4, 6)).tax_year == "2024/25"


def test_before_the_first_year_held_is_refused_naming_the_tax_year() -> None:
    with pytest.raises(DomainError) as refused:
        rates_for(date(2023, 4, 9))
    assert refused.value.field == "rates"
    assert "2023-04-09" in refused.value.rule
    assert "tax year 2022/23" in refused.value.rule


def test_after_the_last_year_held_is_refused_naming_the_tax_year() -> None:
    assert rates_for(date(2027, 4, 5)).tax_year == "2026/27"
    with pytest.raises(DomainError) as refused:
        rates_for(date(2027, 4, 6))  # no stale figures: the 2027/28 set must be added
    assert refused.value.field == "rates"
    assert "tax year 2027/28" in refused.value.rule


def test_rate_sets_are_in_order_one_a_year_and_labelled_by_their_tax_year() -> None:
    days = [r.applies_from for r in RATE_SETS]
    assert days == sorted(days)
    for r in RATE_SETS:
        start = r.applies_from.year
        assert r.tax_year == f"{start}/{(start + 1) % 100:02d}"
        assert date(start, 4, 6) <= r.applies_from <= date(start, 4, 13)


def test_adding_a_year_is_appending_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """A RateSet needs no code: the same constructor, a later day, and rates_for finds it."""
    extra = RateSet(
        applies_from=date(2027, 4, 12),
        tax_year="2027/28",
        standard_allowance=dict(RATE_SETS[-1].standard_allowance),
        child_first_born_before_6_april_2017=D("1"),
        child_other=D("1"),
        lcw=D("1"),
        lcwra=D("1"),
        carer=D("1"),
        benefit_cap=dict(RATE_SETS[-1].benefit_cap),
    )
    monkeypatch.setattr("domain.rates.RATE_SETS", (*RATE_SETS, extra))
    assert rates_for(date(2027, 4, 12)).tax_year == "2027/28"
    assert rates_for(date(2027, 4, 11)).tax_year == "2026/27"


# --- the figures of every year (the published tables) -----------------------------------

TABLE = {
    # tax year: (SA single <25, single 25+, couple <25, couple 25+,
    #            child first pre-2017, child other, disabled child lower, higher,
    #            LCW, LCWRA, carer)
    "2023/24": ("292.11", "368.74", "458.51", "578.82", "315.00", "269.58",
                "146.31", "456.89", "146.31", "390.06", "185.86"),
    "2024/25": ("311.68", "393.45", "489.23", "617.60", "333.33", "287.92",
                "156.11", "487.58", "156.11", "416.19", "198.31"),
    "2025/26": ("316.98", "400.14", "497.55", "628.10", "339.00", "292.81",
                "158.76", "495.87", "158.76", "423.27", "201.68"),
    "2026/27": ("338.58", "424.90", "528.34", "666.97", "351.88", "303.94",
                None, None, "158.76", "217.26", "209.34"),
}  # fmt: skip
DAY_IN = {"2023/24": date(2023, 6, 1), "2024/25": date(2024, 6, 1),
          "2025/26": date(2025, 6, 1), "2026/27": date(2026, 6, 1)}  # fmt: skip


@pytest.mark.parametrize("tax_year", sorted(TABLE))
def test_every_figure_of_the_year_matches_the_published_table(tax_year: str) -> None:
    r = rates_for(DAY_IN[tax_year])
    sa1, sa2, sa3, sa4, c1, c2, dl, dh, lcw, lcwra, carer = TABLE[tax_year]
    assert r.tax_year == tax_year
    assert r.standard_allowance == {
        "single_under_25": D(sa1),
        "single_25_or_over": D(sa2),
        "couple_both_under_25": D(sa3),
        "couple_either_25_or_over": D(sa4),
    }
    assert (r.child_first_born_before_6_april_2017, r.child_other) == (D(c1), D(c2))
    if dl is not None and dh is not None:
        assert (r.disabled_child_lower, r.disabled_child_higher) == (D(dl), D(dh))
    assert (r.lcw, r.lcwra, r.carer) == (D(lcw), D(lcwra), D(carer))


@pytest.mark.parametrize("tax_year", sorted(TABLE))
def test_the_benefit_cap_is_the_2023_level_in_every_year_held(tax_year: str) -> None:
    assert rates_for(DAY_IN[tax_year]).benefit_cap == {
        "outside_london_single": D("1229.42"),
        "outside_london_family": D("1835.00"),
        "london_single": D("1413.92"),
        "london_family": D("2110.25"),
    }


@pytest.mark.parametrize("tax_year", sorted(TABLE))
def test_capital_limits_and_tariff_step_are_6000_16000_and_4_35(tax_year: str) -> None:
    r = rates_for(DAY_IN[tax_year])
    assert (r.capital_lower_limit, r.capital_upper_limit) == (D("6000"), D("16000"))
    assert r.tariff_income_per_250 == D("4.35")


def test_2026_27_lcwra_has_a_new_claims_rate_and_a_protected_rate() -> None:
    r = rates_for(date(2026, 6, 1))
    assert r.lcwra_for(protected=False) == D("217.26")
    assert r.lcwra_for(protected=True) == D("429.80")


@pytest.mark.parametrize("tax_year", ["2023/24", "2024/25", "2025/26"])
def test_before_2026_there_is_one_lcwra_rate(tax_year: str) -> None:
    r = rates_for(DAY_IN[tax_year])
    assert r.lcwra_for(protected=True) == r.lcwra_for(protected=False) == r.lcwra


@pytest.mark.parametrize("name", ["disabled_child_lower", "disabled_child_higher"])
def test_a_2026_27_disabled_child_addition_is_refused_by_name_until_sourced(name: str) -> None:
    with pytest.raises(DomainError) as refused:
        getattr(rates_for(date(2026, 6, 1)), name)
    assert refused.value.field == name
    assert "2026/27" in refused.value.rule
    assert "not yet sourced" in refused.value.rule


def test_only_the_listed_figures_may_be_unsourced() -> None:
    for r in RATE_SETS:
        for name in UNSOURCED_REFUSED:
            value = getattr(r, f"_{name}")
            assert value is None or value > 0
    with pytest.raises(KeyError):
        RATE_SETS[0].figure("carer")


# --- work allowance ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ap_start", "with_housing", "without_housing"),
    [
        (date(2023, 4, 10), "379", "631"),
        (date(2024, 4, 7), "379", "631"),  # the day before the 2024 uprating day
        (date(2024, 4, 8), "404", "673"),
        (date(2025, 4, 7), "411", "684"),
        (date(2026, 4, 5), "411", "684"),
        (date(2026, 4, 6), "427", "710"),
    ],
)
def test_work_allowance_by_the_ap_start(
    ap_start: date, with_housing: str, without_housing: str
) -> None:
    assert work_allowance(ap_start, with_housing_costs=True) == D(with_housing)
    assert work_allowance(ap_start, with_housing_costs=False) == D(without_housing)


def test_a_work_allowance_for_a_year_not_held_is_refused_by_the_year() -> None:
    with pytest.raises(DomainError, match=r"^rates: .*tax year 2022/23"):
        work_allowance(date(2023, 3, 1), with_housing_costs=True)


# --- the overall deduction cap -------------------------------------------------------------


@pytest.mark.parametrize(
    ("ap_start", "percent"),
    [
        (date(2019, 9, 30), 40),
        (date(2019, 10, 1), 30),
        (date(2021, 4, 11), 30),
        (date(2021, 4, 12), 25),
        (date(2025, 4, 29), 25),
        (date(2025, 4, 30), 15),
        (date(2030, 1, 1), 15),
    ],
)
def test_deduction_cap_by_the_ap_start(ap_start: date, percent: int) -> None:
    assert deduction_cap_percent(ap_start) == D(percent)


def test_deduction_caps_are_data_in_order_and_only_fall() -> None:
    days = [d for d, _ in DEDUCTION_CAPS]
    percents = [p for _, p in DEDUCTION_CAPS]
    assert days == sorted(days)
    assert percents == sorted(percents, reverse=True)


# --- the administrative earnings threshold ------------------------------------------------


@pytest.mark.parametrize(
    ("ap_start", "single", "couple"),
    [
        # The figures DWP stated when each change came in, at the NLW then in force:
        # 26 Sep 2022: 12 h x £9.50 x 52 / 12 = £494.00; 19 h -> £782.166.. -> £782.
        (date(2022, 9, 26), "494", "782"),
        # 30 Jan 2023: 15 h x £9.50 x 52 / 12 = £617.50 -> £617 (rounded down, not
        # to the nearest pound, which would give £618); 24 h -> £988.00.
        (date(2023, 1, 30), "617", "988"),
        # 13 May 2024: 18 h x £11.44 x 52 / 12 = £892.32 -> £892; 29 h ->
        # £1,437.626.. -> £1,437.
        (date(2024, 5, 13), "892", "1437"),
    ],
)
def test_the_aet_figures_dwp_stated_come_out_exactly(
    ap_start: date, single: str, couple: str
) -> None:
    assert earnings_threshold(ap_start, couple=False) == D(single)
    assert earnings_threshold(ap_start, couple=True) == D(couple)


@pytest.mark.parametrize(
    ("ap_start", "single", "couple"),
    [
        (date(2022, 9, 25), None, None),  # before the first range held
        (date(2023, 1, 29), "494", "782"),  # last day of 12 / 19 hours
        # NLW £10.42 from 1 April 2023, hours still 15 / 24:
        # 15 x 10.42 x 52 / 12 = 677.30 -> 677; 24 x 10.42 x 52 / 12 = 1,083.68 -> 1,083.
        (date(2023, 4, 1), "677", "1083"),
        # NLW £11.44 from 1 April 2024, hours 15 / 24 until 12 May 2024:
        # 15 x 11.44 x 52 / 12 = 743.60 -> 743; 24 x 11.44 x 52 / 12 = 1,189.76 -> 1,189.
        (date(2024, 5, 12), "743", "1189"),
        # 2025/26: 18 x 12.21 x 52 / 12 = 952.38 -> 952; 29 x 12.21 x 52 / 12 = 1,534.39 -> 1,534.
        (date(2025, 4, 1), "952", "1534"),
        # 2026/27: 18 x 12.71 x 52 / 12 = 991.38 -> 991; 29 x 12.71 x 52 / 12 = 1,597.22 -> 1,597.
        (date(2026, 4, 1), "991", "1597"),
        (date(2027, 3, 31), "991", "1597"),
    ],
)
def test_the_aet_is_the_hours_in_force_times_the_nlw_in_force_rounded_down(
    ap_start: date, single: str | None, couple: str | None
) -> None:
    if single is None or couple is None:
        with pytest.raises(DomainError) as refused:
            earnings_threshold(ap_start, couple=False)
        assert refused.value.field == "earnings_threshold"
        return
    assert earnings_threshold(ap_start, couple=False) == D(single)
    assert earnings_threshold(ap_start, couple=True) == D(couple)


@pytest.mark.parametrize("ap_start", [date(2023, 2, 1), date(2024, 6, 1), date(2026, 6, 1)])
def test_the_aet_is_whole_pounds_and_at_most_the_exact_monthly_figure(ap_start: date) -> None:
    for couple in (False, True):
        hours = [(s, c) for d, s, c in AET_HOURS if d <= ap_start][-1][1 if couple else 0]
        exact = national_living_wage(ap_start) * hours * 52 / 12
        aet = earnings_threshold(ap_start, couple)
        assert aet == aet.to_integral_value()
        assert exact - 1 < aet <= exact


def test_the_nlw_is_held_to_the_end_of_its_year_and_refused_after_naming_the_year() -> None:
    assert national_living_wage(date(2027, 3, 31)) == D("12.71")
    with pytest.raises(DomainError) as refused:
        earnings_threshold(date(2027, 4, 1), couple=False)
    assert refused.value.field == "national_living_wage"
    assert "AP starting 2027-04-01" in refused.value.rule
    assert "2027/28 National Living Wage" in refused.value.rule
    with pytest.raises(DomainError, match=r"^national_living_wage: .*the 2027/28 rate"):
        national_living_wage(date(2027, 4, 1))


@pytest.mark.parametrize(
    ("day", "nlw"),
    [
        (date(2023, 3, 31), "9.50"),
        (date(2023, 4, 1), "10.42"),
        (date(2024, 4, 1), "11.44"),
        (date(2025, 4, 1), "12.21"),
        (date(2026, 4, 1), "12.71"),
    ],
)
def test_the_nlw_changes_on_1_april(day: date, nlw: str) -> None:
    assert national_living_wage(day) == D(nlw)


def test_nlw_and_aet_tables_are_in_order() -> None:
    assert [d for d, _ in NATIONAL_LIVING_WAGE] == sorted(d for d, _ in NATIONAL_LIVING_WAGE)
    assert [d for d, _, _ in AET_HOURS] == sorted(d for d, _, _ in AET_HOURS)


def test_couple_threshold_is_higher_than_single_threshold() -> None:
    for day in (date(2022, 10, 1), date(2023, 6, 1), date(2024, 6, 1), date(2026, 6, 1)):
        assert earnings_threshold(day, couple=True) > earnings_threshold(day, couple=False)
