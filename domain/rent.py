from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

RentFrequency = Literal["weekly", "fortnightly", "four_weekly", "monthly"]

# Periods per year, so a rent charged at any frequency has a monthly equivalent
# (UC housing costs are assessed monthly: weekly x 52 / 12).
_PERIODS_PER_YEAR: dict[str, int] = {
    "weekly": 52,
    "fortnightly": 26,
    "four_weekly": 13,
    "monthly": 12,
}
PENNY = Decimal("0.01")


def monthly_equivalent(amount: Decimal, frequency: RentFrequency) -> Decimal:
    return (amount * _PERIODS_PER_YEAR[frequency] / 12).quantize(PENNY, ROUND_HALF_UP)


ArrearsBand = Literal["none", "under_1_month", "1_to_2_months", "2_to_3_months", "3_months_plus"]


def arrears_band(balance: Decimal, monthly_rent: Decimal) -> ArrearsBand:
    """Arrears expressed in months of rent, the unit docs/rules.md#mptl uses."""
    if balance <= 0:
        return "none"
    months = balance / monthly_rent
    if months < 1:
        return "under_1_month"
    if months < 2:
        return "1_to_2_months"
    if months < 3:
        return "2_to_3_months"
    return "3_months_plus"
