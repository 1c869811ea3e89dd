"""The UC claim as the DWP portal shows it; a change is a change of circumstances."""

from datetime import datetime

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState, ClaimStatus
from domain.case.rules.contact import change_of_circumstances


def record_claim_status(state: CaseState, cmd: c.RecordClaimStatus, now: datetime) -> list[e.Event]:
    claim = ClaimStatus(
        claim_stage=cmd.claim_stage,
        first_ap_start=cmd.first_ap_start,
        housing_element=cmd.housing_element,
        sanctions=cmd.sanctions,
        conditionality_regime=cmd.conditionality_regime,
        recorded_at=now,
    )
    events: list[e.Event] = [e.ClaimStatusRecorded(at=now, by=cmd.by, claim=claim)]
    previous = state.claim
    if previous is not None and _claim_facts(previous) != _claim_facts(claim):
        # A change of circumstances must never go without a case control (docs/rules.md#safeguards).
        events += change_of_circumstances(
            state, now, cmd.by, "claim status changed on the DWP portal"
        )
    return events


def _claim_facts(claim: ClaimStatus) -> tuple[object, ...]:
    return (
        claim.claim_stage,
        claim.first_ap_start,
        claim.housing_element,
        claim.sanctions,
        claim.conditionality_regime,
    )
