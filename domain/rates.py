"""UC rates, caps and thresholds as dated parameters (docs/rules.md#rates).

A rate set applies to assessment periods that start on or after its
`applies_from` date, the uprating day (uprating takes effect from the first AP
starting on or after it). Monthly amounts. Adding a year is a data change:
append a RateSet to RATE_SETS; a figure not yet sourced is None and is refused
by name when asked for. The administrative earnings threshold, the National
Living Wage and the overall deduction cap change on their own days, so each is
a dated table of its own.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from domain.errors import DomainError

D = Decimal
ONE_DAY = timedelta(days=1)


# Figures a year may hold as None because they are not sourced yet. Read through
# the properties below, a None is refused by name (DomainError naming the figure
# and the tax year), never returned.
UNSOURCED_REFUSED = (
    "disabled_child_lower",
    "disabled_child_higher",
    "work_allowance_with_housing",
    "work_allowance_without_housing",
)


@dataclass(frozen=True)
class RateSet:
    applies_from: date  # the uprating day: APs starting on or after it
    tax_year: str
    standard_allowance: dict[str, Decimal]
    child_first_born_before_6_april_2017: Decimal
    child_other: Decimal
    lcw: Decimal
    # The LCWRA element; from 2026/27 the amount for new claims, with those
    # protected from the 2026 reduction (claims from before April 2026, severe
    # conditions, terminal illness) keeping lcwra_protected. None: one rate only.
    lcwra: Decimal
    carer: Decimal
    benefit_cap: dict[str, Decimal]
    lcwra_protected: Decimal | None = None
    # Held as None until sourced; read them through the properties of the same
    # name without the underscore.
    _disabled_child_lower: Decimal | None = None
    _disabled_child_higher: Decimal | None = None
    # Work allowance, monthly: the lower amount when the award includes the
    # housing costs element.
    _work_allowance_with_housing: Decimal | None = None
    _work_allowance_without_housing: Decimal | None = None
    capital_upper_limit: Decimal = D("16000")
    capital_lower_limit: Decimal = D("6000")
    tariff_income_per_250: Decimal = D("4.35")

    def figure(self, name: str) -> Decimal:
        """A figure that may not be sourced for this year: refused by name."""
        if name not in UNSOURCED_REFUSED:
            raise KeyError(name)
        value: Decimal | None = getattr(self, f"_{name}")
        if value is None:
            raise DomainError(
                name,
                f"no {name.replace('_', ' ')} figure is held for tax year {self.tax_year} "
                "(not yet sourced); add it to that year's rate set in domain/rates.py",
            )
        return value

    @property
    def disabled_child_lower(self) -> Decimal:
        return self.figure("disabled_child_lower")

    @property
    def disabled_child_higher(self) -> Decimal:
        return self.figure("disabled_child_higher")

    @property
    def work_allowance_with_housing(self) -> Decimal:
        return self.figure("work_allowance_with_housing")

    @property
    def work_allowance_without_housing(self) -> Decimal:
        return self.figure("work_allowance_without_housing")

    def lcwra_for(self, protected: bool) -> Decimal:
        """The LCWRA element: `protected` is a claimant protected from the 2026
        reduction; in a year with one rate both get the same."""
        if protected and self.lcwra_protected is not None:
            return self.lcwra_protected
        return self.lcwra


BENEFIT_CAP_FROM_2023 = {
    "outside_london_single": D("1229.42"),
    "outside_london_family": D("1835.00"),
    "london_single": D("1413.92"),
    "london_family": D("2110.25"),
}

RATE_SETS: tuple[RateSet, ...] = (
    RateSet(
        applies_from=date(2023, 4, 10),
        tax_year="2023/24",
        standard_allowance={
            "single_under_25": D("292.11"),
            "single_25_or_over": D("368.74"),
            "couple_both_under_25": D("458.51"),
            "couple_either_25_or_over": D("578.82"),
        },
        child_first_born_before_6_april_2017=D("315.00"),
        child_other=D("269.58"),
        _disabled_child_lower=D("146.31"),
        _disabled_child_higher=D("456.89"),
        lcw=D("146.31"),
        lcwra=D("390.06"),
        carer=D("185.86"),
        benefit_cap=BENEFIT_CAP_FROM_2023,
        _work_allowance_with_housing=D("379"),
        _work_allowance_without_housing=D("631"),
    ),
    RateSet(
        applies_from=date(2024, 4, 8),
        tax_year="2024/25",
        standard_allowance={
            "single_under_25": D("311.68"),
            "single_25_or_over": D("393.45"),
            "couple_both_under_25": D("489.23"),
            "couple_either_25_or_over": D("617.60"),
        },
        child_first_born_before_6_april_2017=D("333.33"),
        child_other=D("287.92"),
        _disabled_child_lower=D("156.11"),
        _disabled_child_higher=D("487.58"),
        lcw=D("156.11"),
        lcwra=D("416.19"),
        carer=D("198.31"),
        benefit_cap=BENEFIT_CAP_FROM_2023,
        _work_allowance_with_housing=D("404"),
        _work_allowance_without_housing=D("673"),
    ),
    RateSet(
        applies_from=date(2025, 4, 7),
        tax_year="2025/26",
        standard_allowance={
            "single_under_25": D("316.98"),
            "single_25_or_over": D("400.14"),
            "couple_both_under_25": D("497.55"),
            "couple_either_25_or_over": D("628.10"),
        },
        child_first_born_before_6_april_2017=D("339.00"),
        child_other=D("292.81"),
        _disabled_child_lower=D("158.76"),
        _disabled_child_higher=D("495.87"),
        lcw=D("158.76"),
        lcwra=D("423.27"),
        carer=D("201.68"),
        benefit_cap=BENEFIT_CAP_FROM_2023,
        _work_allowance_with_housing=D("411"),
        _work_allowance_without_housing=D("684"),
    ),
    RateSet(
        # The first Monday on or after 6 April, as in every year held; press
        # reports gave 13 April 2026 (6 April was Easter Monday). Confirm against
        # the 2026 Up-rating Order (docs/rules.md#rates).
        applies_from=date(2026, 4, 6),
        tax_year="2026/27",
        standard_allowance={
            "single_under_25": D("338.58"),
            "single_25_or_over": D("424.90"),
            "couple_both_under_25": D("528.34"),
            "couple_either_25_or_over": D("666.97"),
        },
        child_first_born_before_6_april_2017=D("351.88"),
        child_other=D("303.94"),
        lcw=D("158.76"),
        # New claims; £429.80 for those protected from the 2026 reduction.
        lcwra=D("217.26"),
        lcwra_protected=D("429.80"),
        carer=D("209.34"),
        benefit_cap=BENEFIT_CAP_FROM_2023,
        # Work allowances rise each April by the previous September's CPI (6.7% in
        # 2024, 1.7% in 2025, as the figures above show); September 2025's 3.8% on
        # £411 / £684 gives £427 / £710, the figures benefit calculators publish.
        # Confirm against the 2026 Up-rating Order (docs/rules.md#rates).
        _work_allowance_with_housing=D("427"),
        _work_allowance_without_housing=D("710"),
    ),
)


def _tax_year_of(day: date) -> str:
    start = day.year if day >= date(day.year, 4, 6) else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _rate_year_of(ap_start: date) -> str:
    """The year of rates an AP starting on `ap_start` needs: its tax year, except
    between 6 April and the first uprating day held, which still need last year's."""
    first = RATE_SETS[0].applies_from
    if date(first.year, 4, 6) <= ap_start < first:
        return _tax_year_of(date(first.year, 4, 5))
    return _tax_year_of(ap_start)


def rates_for(ap_start: date) -> RateSet:
    """The rate set for an assessment period starting on `ap_start`. Before the
    first year held, or beyond the last, there is no answer rather than a stale
    one (and adding a year later changes nothing already decided)."""
    applicable = [r for r in RATE_SETS if r.applies_from <= ap_start]
    last = RATE_SETS[-1]
    if not applicable or ap_start >= last.applies_from.replace(year=last.applies_from.year + 1):
        raise DomainError(
            "rates",
            f"no UC rates are held for an AP starting {ap_start.isoformat()} "
            f"(tax year {_rate_year_of(ap_start)}); held from "
            f"{RATE_SETS[0].applies_from.isoformat()} ({RATE_SETS[0].tax_year}) "
            f"to {last.tax_year}; add that year's rate set to domain/rates.py",
        )
    return applicable[-1]


def work_allowance(ap_start: date, with_housing_costs: bool) -> Decimal:
    """Monthly work allowance for the AP (docs/rules.md#rates): the lower amount
    when the award includes the housing costs element."""
    rates = rates_for(ap_start)
    if with_housing_costs:
        return rates.work_allowance_with_housing
    return rates.work_allowance_without_housing


# Overall cap on third party deductions, % of the standard allowance, by the
# start of the AP (DWP policy; docs/rules.md#rates). (from, percent), ascending.
# DWP gives "October 2019" and "April 2021": held from 1 October 2019 and from
# the 2021 uprating day, 12 April 2021; 15% for APs starting on or after
# 30 April 2025 (the Fair Repayment Rate).
DEDUCTION_CAPS: tuple[tuple[date, Decimal], ...] = (
    (date.min, D(40)),
    (date(2019, 10, 1), D(30)),
    (date(2021, 4, 12), D(25)),
    (date(2025, 4, 30), D(15)),
)


def deduction_cap_percent(ap_start: date) -> Decimal:
    """The overall deduction cap for an AP starting on `ap_start`."""
    return [pct for since, pct in DEDUCTION_CAPS if since <= ap_start][-1]


# National Living Wage (the adult rate of the National Minimum Wage), hourly, from
# the day each rate took effect (1 April). A rate is held until the next 1 April;
# past that the next year's rate must be added, so an AP after it is refused.
NATIONAL_LIVING_WAGE: tuple[tuple[date, Decimal], ...] = (
    (date(2022, 4, 1), D("9.50")),
    (date(2023, 4, 1), D("10.42")),
    (date(2024, 4, 1), D("11.44")),
    (date(2025, 4, 1), D("12.21")),
    (date(2026, 4, 1), D("12.71")),
)

# The administrative earnings threshold (UC Regs reg 99(6)): weekly hours at the
# National Living Wage, single / couple, by the amending regulations' dates.
# (from, hours single, hours couple), ascending.
AET_HOURS: tuple[tuple[date, int, int], ...] = (
    (date(2022, 9, 26), 12, 19),
    (date(2023, 1, 30), 15, 24),
    (date(2024, 5, 13), 18, 29),
)


def _nlw_year_of(day: date) -> str:
    start = day.year if day >= date(day.year, 4, 1) else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def national_living_wage(day: date) -> Decimal:
    """The hourly National Living Wage in force on `day`."""
    first, last = NATIONAL_LIVING_WAGE[0][0], NATIONAL_LIVING_WAGE[-1][0]
    if day < first or day >= last.replace(year=last.year + 1):
        raise DomainError(
            "national_living_wage",
            f"no National Living Wage is held for {day.isoformat()} "
            f"(the {_nlw_year_of(day)} rate, from 1 April); held from "
            f"{first.isoformat()} to {last.replace(year=last.year + 1, day=1) - ONE_DAY}; "
            "add that year's rate to domain/rates.py",
        )
    return [rate for since, rate in NATIONAL_LIVING_WAGE if since <= day][-1]


def aet_hours(ap_start: date, couple: bool) -> int:
    """Weekly hours of the AET in force for an AP starting on `ap_start`."""
    held = [(single, pair) for since, single, pair in AET_HOURS if since <= ap_start]
    if not held:
        raise DomainError(
            "earnings_threshold",
            f"no administrative earnings threshold is held for an AP starting "
            f"{ap_start.isoformat()} (tax year {_tax_year_of(ap_start)}); held from "
            f"{AET_HOURS[0][0].isoformat()}",
        )
    single, pair = held[-1]
    return pair if couple else single


def earnings_threshold(ap_start: date, couple: bool) -> Decimal:
    """Administrative earnings threshold for an AP starting on `ap_start`, monthly:
    the hours in force on that day x the National Living Wage in force on that day
    x 52 / 12, rounded down to whole pounds as DWP states it (docs/rules.md#rates).
    Independent of the UC rate sets: the AET and the NLW change on their own days."""
    hours = aet_hours(ap_start, couple)
    try:
        nlw = national_living_wage(ap_start)
    except DomainError:
        raise DomainError(
            "national_living_wage",
            f"the administrative earnings threshold for an AP starting {ap_start.isoformat()} "
            f"needs the {_nlw_year_of(ap_start)} National Living Wage (from 1 April), which "
            "is not held; add it to domain/rates.py",
        ) from None
    monthly = nlw * hours * 52 / 12
    return monthly.quantize(D(1), rounding=ROUND_FLOOR).quantize(D("0.01"))
