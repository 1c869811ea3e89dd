"""The UC claim as the DWP portal last showed it, and the award statements of its
assessment periods (the facts a rent arrears deduction rests on:
docs/rules.md#third-party-deductions)."""

from dataclasses import dataclass as record
from datetime import date, datetime
from decimal import Decimal

# Award statements a case keeps (the latest APs): the 3-AP stop rule reads 3.
AWARD_STATEMENTS_KEPT = 6


@record(frozen=True)
class ClaimStatus:
    claim_stage: str
    first_ap_start: date
    housing_element: Decimal
    sanctions: bool
    conditionality_regime: str
    recorded_at: datetime
    # Whether the resident still lives in the home the rent account is for; None
    # where the claim status recorded did not say (never taken as met).
    still_in_occupation: bool | None = None
    # The resident lives in exempt accommodation with Housing Benefit paying the rent
    # (the award then has no housing costs element for it).
    exempt_accommodation_with_hb: bool = False


@record(frozen=True)
class AwardStatement:
    """One assessment period's award statement, as recorded: the AP (by its start),
    whether the award includes the housing costs element, the earned income (a
    couple's combined) and the work allowance that applies, worked out when it was
    recorded (nil where the resident is neither responsible for a child nor has
    limited capability for work)."""

    ap_start: date
    housing_costs_element: bool
    earned_income: Decimal
    work_allowance: Decimal
    responsible_for_child: bool
    limited_capability_for_work: bool
    recorded_at: datetime

    @property
    def work_allowance_applies(self) -> bool:
        return self.responsible_for_child or self.limited_capability_for_work


def with_statement(
    statements: tuple[AwardStatement, ...], statement: AwardStatement
) -> tuple[AwardStatement, ...]:
    """The statements kept once `statement` is recorded: one per AP (a later one for
    the same AP replaces it), oldest first, the latest AWARD_STATEMENTS_KEPT."""
    kept = [s for s in statements if s.ap_start != statement.ap_start]
    return tuple(sorted((*kept, statement), key=lambda s: s.ap_start))[-AWARD_STATEMENTS_KEPT:]
