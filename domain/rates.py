"""UC rates, caps and thresholds as dated parameters (docs/rules.md#rates).

A rate set applies to assessment periods that start on or after its
`applies_from` date (uprating takes effect from the first AP starting on or
after the uprating day). Monthly amounts. Add a year by appending a RateSet.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class RateSet:
    applies_from: date
    tax_year: str
    standard_allowance: dict[str, Decimal]
    child_first_born_before_6_april_2017: Decimal
    child_other: Decimal
    lcw: Decimal
    lcwra: Decimal
    carer: Decimal
    benefit_cap: dict[str, Decimal]
    # National Living Wage, hourly: the administrative earnings threshold is
    # 18 hours (single) or 29 hours (couple) x NLW x 52 / 12.
    national_living_wage: Decimal
    capital_upper_limit: Decimal = D("16000")
    capital_lower_limit: Decimal = D("6000")
    tariff_income_per_250: Decimal = D("4.35")


RATE_SETS: tuple[RateSet, ...] = (
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
        lcw=D("158.76"),
        lcwra=D("423.27"),
        carer=D("201.68"),
        benefit_cap={
            "outside_london_single": D("1229.42"),
            "outside_london_family": D("1835.00"),
            "london_single": D("1413.92"),
            "london_family": D("2110.25"),
        },
        national_living_wage=D("12.21"),
    ),
    RateSet(
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
        carer=D("209.34"),
        benefit_cap={
            "outside_london_single": D("1229.42"),
            "outside_london_family": D("1835.00"),
            "london_single": D("1413.92"),
            "london_family": D("2110.25"),
        },
        national_living_wage=D("12.71"),
    ),
)


def rates_for(ap_start: date) -> RateSet:
    """The rate set for an assessment period starting on `ap_start`. Beyond the
    last year held there is no answer rather than a stale one (and adding the next
    year later changes nothing that was already decided)."""
    applicable = [r for r in RATE_SETS if r.applies_from <= ap_start]
    last = RATE_SETS[-1]
    if not applicable or ap_start >= last.applies_from.replace(year=last.applies_from.year + 1):
        raise ValueError(f"ap_start: no UC rates are held for {ap_start.isoformat()}")
    return applicable[-1]


def earnings_threshold(ap_start: date, couple: bool) -> Decimal:
    """Administrative earnings threshold for the AP, monthly, to the penny."""
    hours = 29 if couple else 18
    return (rates_for(ap_start).national_living_wage * hours * 52 / 12).quantize(D("0.01"))
