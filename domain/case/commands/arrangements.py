"""Requesting and ending payment arrangements with DWP."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from domain.arrangements.rules import ApaType, DeductionKind
from domain.bounds import MAX_ITEMS
from domain.case.model import STRICT, Actor
from domain.values import (
    Amount,
    BusinessDate,
    Label,
    PositiveAmount,
    Short,
    UcDate,
    at_most,
    at_most_items,
)


@dataclass(frozen=True, config=STRICT)
class OtherDeduction:
    """A third party deduction DWP already takes from the award."""

    kind: DeductionKind
    monthly_amount: PositiveAmount


@dataclass(frozen=True, config=STRICT)
class RequestPaymentArrangement:
    by: Actor
    kind: Literal["apa", "mptl", "tpd"]
    # For an APA: the type wanted; by default the first that fits, in DWP's order.
    apa_type: ApaType | None = None
    # The claim is a couple's (split payments are between partners).
    couple: bool = False
    # For a managed payment (MPTL): the facts behind its conditions.
    months_underpaid: Annotated[int, Field(ge=0), at_most(120)] = 0
    hb_paid_to_landlord_before: bool = False
    # For a rent arrears deduction (TPD): the rate asked for and the deductions DWP
    # takes for others. This case's own TPDs are not listed: the case counts those
    # itself while they are live, so listing them would count them twice.
    deduction_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = None
    existing_deductions: Annotated[int, Field(ge=0), at_most(MAX_ITEMS)] = 0
    # When known (from the award statement): the monthly standard allowance, the
    # award before deductions, the deductions already taken and the AP they apply
    # to. The deduction is then worked out in pounds, the 1p floor and the overall
    # cap checked, and the amount printed on the UC47. The earnings test reads the
    # award statement of the AP before `ap_start`'s (before today's without it):
    # docs/rules.md#third-party-deductions.
    standard_allowance: PositiveAmount | None = None
    award_before_deductions: Amount | None = None
    other_deductions: Annotated[tuple[OtherDeduction, ...], at_most_items(MAX_ITEMS)] = ()
    ap_start: UcDate | None = None
    # Arrears below the level DWP's guidance sets for a rent arrears deduction (the
    # case policy's tpd_arrears_months, 2 months' rent by default): why it is asked
    # for all the same. Printed with the grounds on the UC47.
    below_guidance_reason: Short | None = None


@dataclass(frozen=True, config=STRICT)
class EndPaymentArrangement:
    """Withdraw a request DWP has not decided, or record that a running one ended."""

    by: Actor
    arrangement_id: Label
    ended_on: BusinessDate
    reason: Literal[
        "withdrawn_by_landlord",
        "arrears_cleared",
        "dwp_stopped",
        "claim_ended",
        "tenancy_ended",
    ]
