"""The UC claim as the DWP portal shows it (a change is a change of circumstances),
and the award statement of each assessment period (docs/rules.md#third-party-deductions)."""

from datetime import datetime
from decimal import Decimal

from domain.case import commands as c
from domain.case import events as e
from domain.case.evolve import evolve
from domain.case.model import AwardStatement, CaseState, ClaimStatus
from domain.case.rules.contact import change_of_circumstances
from domain.case.rules.deductions import period_of, rates_date, stop_rule
from domain.dates import business_date
from domain.errors import DomainError
from domain.rates import work_allowance


def record_claim_status(state: CaseState, cmd: c.RecordClaimStatus, now: datetime) -> list[e.Event]:
    claim = ClaimStatus(
        claim_stage=cmd.claim_stage,
        first_ap_start=cmd.first_ap_start,
        housing_element=cmd.housing_element,
        sanctions=cmd.sanctions,
        conditionality_regime=cmd.conditionality_regime,
        recorded_at=now,
        still_in_occupation=cmd.still_in_occupation,
        exempt_accommodation_with_hb=cmd.exempt_accommodation_with_hb,
    )
    events: list[e.Event] = [e.ClaimStatusRecorded(at=now, by=cmd.by, claim=claim)]
    previous = state.claim
    if previous is not None and _changed(previous, claim):
        # A change of circumstances must never go without a case control (docs/rules.md#safeguards).
        events += change_of_circumstances(
            state, now, cmd.by, "claim status changed on the DWP portal"
        )
    return events


def _changed(previous: ClaimStatus, claim: ClaimStatus) -> bool:
    """A change of circumstances: a fact the portal showed before shows differently
    (whether the resident lives there counts once both statuses say)."""
    said = previous.still_in_occupation is not None and claim.still_in_occupation is not None
    moved = said and previous.still_in_occupation != claim.still_in_occupation
    return moved or _claim_facts(previous) != _claim_facts(claim)


def _claim_facts(claim: ClaimStatus) -> tuple[object, ...]:
    return (
        claim.claim_stage,
        claim.first_ap_start,
        claim.housing_element,
        claim.sanctions,
        claim.conditionality_regime,
        claim.exempt_accommodation_with_hb,
    )


def record_award_statement(
    state: CaseState, cmd: c.RecordAwardStatement, now: datetime
) -> list[e.Event]:
    """An AP's award statement, recorded against the claim's APs with the work
    allowance that applies to it; with a deduction granted, the 3-AP stop rule is
    applied (domain/case/rules/deductions.py)."""
    claim = state.claim
    if claim is None:
        raise DomainError(
            "ap_start",
            "an AP is counted from the claim's first AP: record the claim status first",
        )
    period = period_of(claim, cmd.ap_start, "ap_start")
    if period.end >= business_date(now):
        raise DomainError(
            "ap_start",
            f"the AP {period.start.isoformat()} to {period.end.isoformat()} has not ended; "
            "its award statement comes after it ends",
        )
    applies = cmd.responsible_for_child or cmd.limited_capability_for_work
    allowance = (
        work_allowance(rates_date(state, period.start), cmd.housing_costs_element)
        if applies
        else Decimal("0.00")
    )
    statement = AwardStatement(
        ap_start=period.start,
        housing_costs_element=cmd.housing_costs_element,
        earned_income=cmd.earned_income,
        work_allowance=allowance,
        responsible_for_child=cmd.responsible_for_child,
        limited_capability_for_work=cmd.limited_capability_for_work,
        recorded_at=now,
    )
    recorded = e.AwardStatementRecorded(at=now, by=cmd.by, statement=statement)
    return [recorded, *stop_rule(evolve(state, recorded), now)]
