"""The rent account, enforcement steps and the plan to bring the arrears down."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class RentMovementRecorded:
    at: datetime
    by: str
    kind: str
    amount: Decimal
    on: date
    reference: str | None
    balance_after: Decimal


@dataclass(frozen=True)
class EnforcementStepRecorded:
    at: datetime
    by: str
    step: str
    note: str


@dataclass(frozen=True)
class ArrearsPlanAgreed:
    at: datetime
    by: str
    start_balance: Decimal
    start_date: date
    target_balance: Decimal
    by_date: date
    tolerance: Decimal


@dataclass(frozen=True)
class ArrearsPlanChecked:
    """The plan's standing changed: behind (or back on track), met or missed."""

    at: datetime
    by: str
    standing: str
    expected: Decimal
    balance: Decimal
