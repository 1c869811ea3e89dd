"""The rent account, enforcement steps and the plan to bring the arrears down."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from domain.bounds import MAX_AMOUNT
from domain.case.model import STRICT, Actor, Money
from domain.values import ONE_LINE, Amount, BusinessDate, Note, stored


@dataclass(frozen=True, config=STRICT)
class RecordRentMovement:
    by: Actor
    # tpd_credit: a third party deduction paid to the landlord by DWP.
    kind: Literal["charge", "payment", "tpd_credit", "balance", "missed_uc_payment"]
    amount: Money
    on: BusinessDate
    reference: Annotated[str, Field(max_length=64), ONE_LINE] | None = None

    @field_validator("amount")
    @classmethod
    def _one_movement(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        # `balance` sets the balance (within ±£100,000); anything else moves it.
        moves = info.data.get("kind", "balance") != "balance"
        if moves and abs(amount) > MAX_AMOUNT and not stored(info):
            raise ValueError(f"one movement is at most £{MAX_AMOUNT:,}")
        return amount


@dataclass(frozen=True, config=STRICT)
class RecordEnforcementStep:
    by: Actor
    step: Literal[
        "notice_of_seeking_possession", "possession_claim", "eviction_warrant", "payment_suspension"
    ]
    note: Note = ""


@dataclass(frozen=True, config=STRICT)
class AgreeArrearsPlan:
    by: Actor
    target_balance: Annotated[Money, Field(ge=0)]
    by_date: BusinessDate
    tolerance: Amount = Decimal("50.00")
