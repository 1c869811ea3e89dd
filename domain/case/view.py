"""What operators and back-office systems read: the case view and its search attributes."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.case.deadlines import next_action_due
from domain.case.model import (
    ArrangementSummary,
    ArrearsPlan,
    AwardStatement,
    CaseState,
    ChecklistStep,
    ClaimStatus,
    Closure,
    MigrationSummary,
    Rent,
    Representative,
    Resident,
    SustainmentAction,
    Task,
    Tenancy,
)
from domain.dates import ap_end, ap_index, ap_start, business_date
from domain.rent import arrears_band


@dataclass(frozen=True)
class AssessmentPeriod:
    number: int
    starts: date
    ends: date


@dataclass(frozen=True)
class CaseView:
    tenancy_ref: str
    status: str
    stage: str
    opening_reason: str
    opened_at: datetime
    resident: Resident
    tenancy: Tenancy
    rent: Rent
    monthly_rent: Decimal
    balance: Decimal
    arrears_band: str
    vulnerability_tier: str
    vulnerability_factors: tuple[str, ...]
    claim: ClaimStatus | None
    current_assessment_period: AssessmentPeriod | None
    escalated: bool
    next_action_due: datetime | None
    open_tasks: tuple[Task, ...]
    six_point_plan: tuple[ChecklistStep, ...]
    deceased_on: date | None
    last_enforcement_step: str | None
    representative: Representative | None
    correspondent: str
    closure: Closure | None
    reopen_count: int
    migration: MigrationSummary | None
    arrangements: tuple[ArrangementSummary, ...]
    sustainment: tuple[SustainmentAction, ...]
    arrears_plan: ArrearsPlan | None
    journal_entries: int
    version: int
    # The latest APs' award statements (docs/rules.md#third-party-deductions).
    award_statements: tuple[AwardStatement, ...] = ()


def is_escalated(state: CaseState) -> bool:
    return bool(state.open_plan_steps) or any(t.escalated_at for t in state.open_tasks)


def current_ap(state: CaseState, today: date) -> AssessmentPeriod | None:
    if state.claim is None or today < state.claim.first_ap_start:
        return None
    first = state.claim.first_ap_start
    index = ap_index(first, today)
    return AssessmentPeriod(
        number=index + 1, starts=ap_start(first, index), ends=ap_end(first, index)
    )


def view_of(state: CaseState, now: datetime, journal_entries: int) -> CaseView:
    """`journal_entries`: how many entries the journal the workflow keeps holds (the
    journal is not in the state: domain/case/journal.py)."""
    rep = state.representative
    return CaseView(
        tenancy_ref=state.tenancy_ref,
        status=state.status,
        stage=state.stage,
        opening_reason=state.opening_reason,
        opened_at=state.opened_at,
        resident=state.resident,
        tenancy=state.tenancy,
        rent=state.rent,
        monthly_rent=state.monthly_rent,
        balance=state.balance,
        arrears_band=arrears_band(state.balance, state.monthly_rent),
        vulnerability_tier=state.vulnerability.tier if state.vulnerability else "unassessed",
        vulnerability_factors=state.vulnerability.factors if state.vulnerability else (),
        claim=state.claim,
        current_assessment_period=current_ap(state, business_date(now)),
        escalated=is_escalated(state),
        next_action_due=next_action_due(state),
        open_tasks=state.open_tasks,
        six_point_plan=state.six_point_plan,
        deceased_on=state.deceased_on,
        last_enforcement_step=state.last_enforcement_step,
        representative=rep,
        # Once an appointee or attorney is recorded, we write to them (docs/rules.md#safeguards).
        correspondent=f"{rep.kind}: {rep.name}" if rep else "resident",
        closure=state.closure,
        reopen_count=state.reopen_count,
        migration=state.migration,
        arrangements=state.arrangements,
        sustainment=state.sustainment,
        arrears_plan=state.arrears_plan,
        journal_entries=journal_entries,
        version=state.version,
        award_statements=state.award_statements,
    )


def search_attributes(state: CaseState) -> dict[str, Any]:
    """Operator-facing search attributes. No personal data: they are stored in plain text."""
    return {
        "CaseStage": state.stage,
        "CaseStatus": state.status,
        "ArrearsBand": arrears_band(state.balance, state.monthly_rent),
        "VulnerabilityTier": state.vulnerability.tier if state.vulnerability else "unassessed",
        "NextActionDue": next_action_due(state),
        "Escalated": is_escalated(state),
        # Unset until the case has a payment arrangement.
        "APAStatus": state.arrangements[-1].status if state.arrangements else None,
        "TPDActive": True
        if any(a.kind == "tpd" and a.status == "granted" for a in state.arrangements)
        else None,
    }
