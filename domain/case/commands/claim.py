"""What the DWP portal shows of the UC claim, the award statement of each assessment
period, and the UC50 questionnaire."""

from typing import Literal

from pydantic.dataclasses import dataclass

from domain.case.model import STRICT, Actor
from domain.values import Amount, BusinessDate, UcDate


@dataclass(frozen=True, config=STRICT)
class RecordClaimStatus:
    by: Actor
    claim_stage: Literal[
        "claim_made", "awaiting_first_payment", "in_payment", "nil_award", "claim_closed"
    ]
    first_ap_start: UcDate
    housing_element: Amount
    conditionality_regime: Literal[
        "no_work_requirements",
        "work_focused_interview",
        "work_preparation",
        "all_work_requirements",
    ]
    sanctions: bool = False
    # Whether the resident still lives in the home the rent account is for (a rent
    # arrears deduction needs it: docs/rules.md#third-party-deductions). Left out,
    # it is not recorded, and a deduction request is refused until it is.
    still_in_occupation: bool | None = None
    # Exempt accommodation with Housing Benefit paying the rent (stands in for the
    # housing costs element for a rent arrears deduction).
    exempt_accommodation_with_hb: bool = False


@dataclass(frozen=True, config=STRICT)
class RecordAwardStatement:
    """One assessment period's UC award statement (the portal's or the resident's
    copy): what a rent arrears deduction's conditions and the 3-AP stop rule read
    (docs/rules.md#third-party-deductions). `ap_start` names the AP by its first
    day; any later day of the same AP names it too, and the AP's start is recorded.
    A statement recorded again for the same AP replaces the earlier one."""

    by: Actor
    ap_start: UcDate
    # The award includes the housing costs element (for rent).
    housing_costs_element: bool
    # Earned income in the AP; for a couple, both partners' together.
    earned_income: Amount
    # A work allowance applies only to a resident responsible for a child or with
    # limited capability for work; with neither it is nil and any earnings count.
    responsible_for_child: bool = False
    limited_capability_for_work: bool = False


@dataclass(frozen=True, config=STRICT)
class RecordUc50Issued:
    """The capability-for-work questionnaire, due back within 4 weeks."""

    by: Actor
    issued_on: BusinessDate
