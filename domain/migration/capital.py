"""Capital: tariff income and the transitional capital disregard
(docs/rules.md#capital-disregard)."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from domain.rates import RateSet

DISREGARD_APS = 12


def tariff_income(capital: Decimal, rates: RateSet) -> Decimal:
    """£4.35 a month for each £250, or part, above £6,000 (up to the upper limit)."""
    if capital <= rates.capital_lower_limit:
        return Decimal("0.00")
    counted = min(capital, rates.capital_upper_limit) - rates.capital_lower_limit
    steps = (counted / 250).to_integral_value(rounding=ROUND_CEILING)
    return (steps * rates.tariff_income_per_250).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class CapitalResult:
    capital: Decimal
    disregard_applies: bool
    disregarded: Decimal
    tariff_income: Decimal
    entitled: bool
    ends_disregard: bool
    note: str


def assess_capital(
    capital: Decimal, rates: RateSet, disregard_live: bool, disregard_aps_used: int
) -> CapitalResult:
    """One AP's capital. `disregard_live`: the disregard has not ended for good;
    `disregard_aps_used`: APs of the 12 already elapsed before this one (across a
    re-claim after excess earnings, which resumes the remaining APs)."""
    upper = rates.capital_upper_limit
    zero = Decimal("0.00")
    if capital < upper and disregard_live:
        return CapitalResult(
            capital,
            False,
            zero,
            tariff_income(capital, rates),
            True,
            True,
            "capital below £16,000: the capital disregard ends for good",
        )
    if capital <= upper:
        return CapitalResult(
            capital,
            False,
            zero,
            tariff_income(capital, rates),
            True,
            False,
            "capital £16,000 or less: normal rules",
        )
    if disregard_live and disregard_aps_used < DISREGARD_APS:
        number = disregard_aps_used + 1
        return CapitalResult(
            capital,
            True,
            capital - upper,
            tariff_income(upper, rates),
            True,
            False,
            f"excess over £16,000 disregarded (AP {number} of {DISREGARD_APS})",
        )
    return CapitalResult(
        capital,
        False,
        zero,
        zero,
        False,
        disregard_live,
        "capital over £16,000 with no disregard: no entitlement",
    )
