"""The rent account's movements and the plan to bring the arrears down."""

from dataclasses import dataclass as record
from datetime import date
from decimal import Decimal


@record(frozen=True)
class RentLine:
    """One movement on the rent account, as a UC47 extract shows it."""

    on: date
    kind: str
    amount: Decimal
    balance_after: Decimal
    reference: str | None = None


# Movements kept on the case for the rent account extract a UC47 carries.
RENT_LINES_KEPT = 12


@record(frozen=True)
class ArrearsPlan:
    """Arrears to fall in a straight line from the start balance to the target by a date."""

    start_balance: Decimal
    start_date: date
    target_balance: Decimal
    by_date: date
    tolerance: Decimal
    behind: bool = False
    outcome: str | None = None

    def expected_on(self, day: date) -> Decimal:
        if day >= self.by_date:
            return self.target_balance
        if day <= self.start_date:
            return self.start_balance
        done = Decimal((day - self.start_date).days) / (self.by_date - self.start_date).days
        return (self.start_balance - (self.start_balance - self.target_balance) * done).quantize(
            Decimal("0.01")
        )
