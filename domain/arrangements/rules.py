"""APA need, MPTL eligibility and third party deduction limits
(docs/rules.md#apa, docs/rules.md#third-party-deductions)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from domain.errors import DomainError
from domain.rates import deduction_cap_percent
from domain.vulnerability import tier_for

ApaType = Literal["managed_payment_to_landlord", "more_frequent_payments", "split_payments"]
# DWP considers the types in this order.
APA_ORDER: tuple[ApaType, ...] = (
    "managed_payment_to_landlord",
    "more_frequent_payments",
    "split_payments",
)
ApaNeed = Literal["highly_likely", "possible", "none"]

# Factors that point to difficulty budgeting a monthly payment, and to a need to
# split payments between partners.
_BUDGETING = frozenset(
    {
        "addiction",
        "learning_difficulties",
        "severe_or_multiple_debt",
        "mental_health_condition",
        "aged_16_17_or_care_leaver",
        "multiple_complex_needs_family",
        "no_bank_account",
        "language_or_esol_needs",
        "recently_left_prison_or_hospital",
    }
)
_SPLIT = frozenset({"domestic_abuse", "addiction"})


def apa_need(factors: Iterable[str]) -> ApaNeed:
    """Tier 1 factors make an APA "highly likely" needed, Tier 2 "possible"."""
    tier = tier_for(factors)
    return {"tier_1": "highly_likely", "tier_2": "possible"}.get(tier, "none")  # type: ignore[return-value]


def recommended_apa_types(factors: Iterable[str], couple: bool) -> tuple[ApaType, ...]:
    """The APA types that fit, in DWP's order of consideration; the first is the
    recommendation. Rent paid to the landlord comes first whenever there is a need."""
    found = set(factors)
    if apa_need(found) == "none":
        return ()
    types: list[ApaType] = ["managed_payment_to_landlord"]
    if found & _BUDGETING:
        types.append("more_frequent_payments")
    if couple and found & _SPLIT:
        types.append("split_payments")
    return tuple(types)


@dataclass(frozen=True)
class MptlCondition:
    name: str
    met: bool
    explanation: str


def mptl_conditions(
    *,
    monthly_rent: Decimal,
    arrears: Decimal,
    months_underpaid: int,
    factors: Iterable[str],
    hb_paid_to_landlord_before: bool,
    underpayment_months: int = 2,
) -> tuple[MptlCondition, ...]:
    """Each condition under which a landlord may ask for a managed payment; continual
    underpayment counts from `underpayment_months` (the case policy's
    `mptl_underpayment_months`, 2 by default) with at least 1 month's rent of arrears."""
    tiered = tier_for(factors) in ("tier_1", "tier_2")
    return (
        MptlCondition(
            "arrears_two_months",
            arrears >= 2 * monthly_rent,
            f"arrears £{arrears} against 2 months' rent £{2 * monthly_rent}",
        ),
        MptlCondition(
            "continual_underpayment",
            months_underpaid >= underpayment_months and arrears >= monthly_rent,
            f"underpaid for {months_underpaid} months ({underpayment_months} or more "
            f"needed) with arrears "
            f"£{arrears} against 1 month's rent £{monthly_rent}",
        ),
        MptlCondition(
            "tier_1_or_2_factor",
            tiered,
            "a Tier 1 or Tier 2 factor applies" if tiered else "no Tier 1 or 2 factor",
        ),
        MptlCondition(
            "housing_benefit_paid_direct",
            hb_paid_to_landlord_before and tiered,
            "Housing Benefit was paid direct before and Tier 1/2 factors still apply"
            if hb_paid_to_landlord_before and tiered
            else "Housing Benefit was not paid direct with Tier 1/2 factors applying",
        ),
    )


def check_mptl_eligible(conditions: tuple[MptlCondition, ...]) -> None:
    if not any(c.met for c in conditions):
        failed = "; ".join(f"{c.name} ({c.explanation})" for c in conditions)
        raise DomainError("mptl", f"no condition for a managed payment is met: {failed}")


DeductionKind = Literal["rent_arrears", "fuel_arrears", "council_tax_arrears", "water", "other"]
PENNY = Decimal("0.01")
# Deductions that may go above the overall cap as a last resort (eviction, disconnection).
LAST_RESORT: frozenset[str] = frozenset({"rent_arrears", "fuel_arrears"})
MAX_DEDUCTIONS = 3
# C&P Regs Schedule 6 paragraph 7 (docs/rules.md#third-party-deductions).
PARA_7 = "C&P Regs Schedule 6 paragraph 7"


@dataclass(frozen=True)
class Deduction:
    kind: DeductionKind
    monthly_amount: Decimal


def check_deduction_request(rate_percent: Decimal, existing_count: int) -> None:
    """The limits a rent arrears deduction request must meet
    (docs/rules.md#third-party-deductions): the rate (para 7(5)) and the number of
    deductions at once (para 3)."""
    if not Decimal(10) <= rate_percent <= Decimal(20):
        raise DomainError(
            "deduction_rate",
            "a rent arrears deduction is at least 10% and at most "
            f"20% of the standard allowance ({PARA_7}(5)), not {rate_percent}%",
        )
    if existing_count >= MAX_DEDUCTIONS:
        raise DomainError(
            "third_party_deductions",
            f"at most {MAX_DEDUCTIONS} third party deductions at once (C&P Regs Schedule 6 "
            f"paragraph 3); {existing_count} already in place",
        )


def rent_arrears_deduction(
    *,
    rate_percent: Decimal,
    standard_allowance: Decimal,
    existing: tuple[Deduction, ...],
    ap_start: date,
    award_before_deductions: Decimal | None = None,
) -> Deduction:
    """A rent arrears third party deduction, refused naming the rule it breaks."""
    check_deduction_request(rate_percent, len(existing))
    amount = (standard_allowance * rate_percent / 100).quantize(PENNY, ROUND_HALF_UP)
    if award_before_deductions is not None:
        left = award_before_deductions - sum((d.monthly_amount for d in existing), Decimal(0))
        if left - amount < PENNY:
            raise DomainError(
                "award",
                "the award may never fall below 1p after deductions (C&P Regs Schedule 6 "
                f"paragraph 3): £{left} is left after the other deductions and this one "
                f"is £{amount}",
            )
    return Deduction("rent_arrears", amount)


def overall_cap(standard_allowance: Decimal, ap_start: date) -> tuple[Decimal, Decimal]:
    """(percent, pounds) of the overall cap on deductions for an AP starting on
    `ap_start`: a dated parameter (domain/rates.py `deduction_cap_percent`)."""
    percent = deduction_cap_percent(ap_start)
    return percent, (standard_allowance * percent / 100).quantize(PENNY, ROUND_HALF_UP)


def check_overall_cap(
    new: Deduction, existing: tuple[Deduction, ...], standard_allowance: Decimal, ap_start: date
) -> None:
    """Deductions together stay within the overall cap; rent and fuel arrears may exceed it."""
    if new.kind in LAST_RESORT:
        return
    percent, cap = overall_cap(standard_allowance, ap_start)
    total = sum((d.monthly_amount for d in existing), Decimal(0)) + new.monthly_amount
    if total > cap:
        raise DomainError(
            "overall_cap",
            f"deductions would total £{total}, over the {percent}% cap of £{cap} "
            f"for an AP starting {ap_start.isoformat()}",
        )


def earnings_allow_a_start(earned_income: Decimal, work_allowance: Decimal) -> bool:
    """Before deductions start or restart, earned income in the previous AP may not
    exceed the work allowance (nil without one: then any earnings stop it)."""
    return earned_income <= work_allowance


def earnings_reach_allowance(earned_income: Decimal, work_allowance: Decimal) -> bool:
    """Earned income equal to or above the work allowance, for the 3-AP stop rule. A
    nil allowance is reached by any earnings, never by none."""
    return earned_income > 0 and earned_income >= work_allowance


def stops_after(reached: tuple[bool, ...]) -> bool:
    """The 3-AP stop rule over consecutive APs, oldest first: deductions stop once
    earned income has reached the work allowance in each of the last 3."""
    return len(reached) >= 3 and all(reached[-3:])
