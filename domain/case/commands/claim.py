"""What the DWP portal shows of the UC claim, and the UC50 questionnaire."""

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


@dataclass(frozen=True, config=STRICT)
class RecordUc50Issued:
    """The capability-for-work questionnaire, due back within 4 weeks."""

    by: Actor
    issued_on: BusinessDate
