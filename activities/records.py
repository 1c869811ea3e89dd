"""What the workflow hands the projection activity. No SQLAlchemy here: the
workflow sandbox imports this module."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.case.model import CaseState
from domain.case.view import search_attributes


@dataclass(frozen=True)
class EventRecord:
    seq: int
    type: str
    at: datetime
    author: str
    journal_kind: str
    journal_outcome: str
    journal_text: str
    data: dict[str, Any]


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    workflow_id: str
    tenancy_ref: str
    # Sent only in the batch that opens the case (None: keep what the row holds), so
    # activity inputs do not repeat the resident's name and address (docs/rules.md#personal-data).
    resident_name: str | None
    address: str | None
    opening_reason: str
    stage: str
    status: str
    arrears_band: str
    vulnerability_tier: str
    balance: Decimal
    monthly_rent: Decimal
    escalated: bool
    next_action_due: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    version: int


@dataclass(frozen=True)
class ProjectionBatch:
    case: CaseRow
    events: list[EventRecord]


@dataclass(frozen=True)
class SetAside:
    """An event the read model refused for what it holds (not an outage): kept by the
    case, retried later, reported by its sequence and the error's class, never its
    content."""

    seq: int
    type: str
    reason: str


@dataclass(frozen=True)
class ProjectionResult:
    """What `project_case` stored. Every event of the batch is either stored (or was
    already) or set aside; the case row is skipped (and reported) only when the read
    model cannot hold one of its values."""

    stored: int
    set_aside: list[SetAside]
    row_stored: bool = True


def case_row(case_id: str, workflow_id: str, s: CaseState, with_identity: bool = True) -> CaseRow:
    attrs = search_attributes(s)
    return CaseRow(
        case_id=case_id,
        workflow_id=workflow_id,
        tenancy_ref=s.tenancy_ref,
        resident_name=s.resident.full_name if with_identity else None,
        address=s.tenancy.address if with_identity else None,
        opening_reason=s.opening_reason,
        stage=s.stage,
        status=s.status,
        arrears_band=attrs["ArrearsBand"],
        vulnerability_tier=attrs["VulnerabilityTier"],
        balance=s.balance,
        monthly_rent=s.monthly_rent,
        escalated=attrs["Escalated"],
        next_action_due=attrs["NextActionDue"],
        opened_at=s.opened_at,
        closed_at=s.closure.closed_at if s.closure else None,
        outcome=s.closure.outcome if s.closure else None,
        version=s.version,
    )
