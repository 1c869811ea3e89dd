"""Events of a UC case, past tense. Each carries when and by whom."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.case.model import ClaimStatus, Rent, RequestFacts, Resident, Tenancy
from domain.notices import ChildNotStarted, ProgressNoticeRefused
from domain.shared.actors import SYSTEM as SYSTEM


@dataclass(frozen=True)
class CaseOpened:
    at: datetime
    by: str
    tenancy_ref: str
    opening_reason: str
    resident: Resident
    tenancy: Tenancy
    rent: Rent
    monthly_rent: Decimal
    balance: Decimal


@dataclass(frozen=True)
class ClaimStatusRecorded:
    at: datetime
    by: str
    claim: ClaimStatus


@dataclass(frozen=True)
class RentMovementRecorded:
    at: datetime
    by: str
    kind: str
    amount: Decimal
    on: date
    reference: str | None
    balance_after: Decimal


@dataclass(frozen=True)
class VulnerabilityAssessed:
    at: datetime
    by: str
    factors: tuple[str, ...]
    tier: str
    notes: str


@dataclass(frozen=True)
class JournalNoteAdded:
    at: datetime
    by: str
    kind: str
    text: str
    outcome: str


@dataclass(frozen=True)
class StageMoved:
    at: datetime
    by: str
    stage: str
    reason: str


@dataclass(frozen=True)
class CaseClosed:
    at: datetime
    by: str
    outcome: str
    reason: str
    balance_at_closure: Decimal
    watch_until: date


@dataclass(frozen=True)
class CaseReopened:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class WatchEnded:
    at: datetime
    by: str


@dataclass(frozen=True)
class SafeguardingDeclared:
    at: datetime
    by: str
    kind: str
    note: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class PlanStepCompleted:
    at: datetime
    by: str
    step: str
    note: str


@dataclass(frozen=True)
class DeathRecorded:
    at: datetime
    by: str
    date_of_death: date
    informant: str


@dataclass(frozen=True)
class InteractionRecorded:
    """Returned post, a complaint, a change of circumstances or an incoming message."""

    at: datetime
    by: str
    kind: str
    summary: str


@dataclass(frozen=True)
class RepresentativeRecorded:
    at: datetime
    by: str
    kind: str
    name: str
    contact: str


@dataclass(frozen=True)
class EnforcementStepRecorded:
    at: datetime
    by: str
    step: str
    note: str


@dataclass(frozen=True)
class TaskOpened:
    at: datetime
    by: str
    task_id: str
    kind: str
    due_at: datetime
    owner: str
    note: str
    subject: str | None = None


@dataclass(frozen=True)
class TaskCompleted:
    at: datetime
    by: str
    task_id: str
    outcome: str


@dataclass(frozen=True)
class TaskEscalated:
    at: datetime
    by: str
    task_id: str


@dataclass(frozen=True)
class TasksCancelled:
    at: datetime
    by: str
    task_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class MigrationNoticeRecorded:
    at: datetime
    by: str
    notice_issued: date
    deadline_day: date
    reissued: bool
    tax_credits: bool
    workflow_id: str


@dataclass(frozen=True)
class MigrationProgressed:
    at: datetime
    by: str
    kind: str
    text: str
    status: str
    protection: str
    active: bool = True


@dataclass(frozen=True)
class PaymentArrangementRequested:
    at: datetime
    by: str
    arrangement_id: str
    kind: str
    apa_type: str | None
    deduction_rate: Decimal | None
    reasons: tuple[str, ...]
    facts: RequestFacts | None = None


@dataclass(frozen=True)
class ArrangementEnded:
    """The case ends a request or a running arrangement: withdrawn before DWP's
    decision, ended after it (a death, arrears cleared, DWP stopped it)."""

    at: datetime
    by: str
    arrangement_id: str
    ended_on: date
    reason: str
    status: str  # "withdrawn" or "ended"


@dataclass(frozen=True)
class ArrangementRenumbered:
    """An earlier case of this tenancy already used the arrangement's id."""

    at: datetime
    by: str
    arrangement_id: str
    new_id: str


@dataclass(frozen=True)
class ArrangementProgressed:
    at: datetime
    by: str
    arrangement_id: str
    kind: str
    text: str
    status: str
    form_sha256: str | None = None
    form_path: str | None = None
    active: bool = True
    start_date: date | None = None
    granted_rate: Decimal | None = None
    review_dates: tuple[date, ...] = ()
    pack_sha256: str | None = None
    pack_path: str | None = None


@dataclass(frozen=True)
class SustainmentStarted:
    at: datetime
    by: str
    action_id: str
    kind: str
    owner: str
    note: str


@dataclass(frozen=True)
class SustainmentUpdated:
    at: datetime
    by: str
    action_id: str
    status: str
    note: str
    award_from: date | None
    award_to: date | None
    amount: Decimal | None
    applied_on: date | None = None
    decided_on: date | None = None


@dataclass(frozen=True)
class ArrearsPlanAgreed:
    at: datetime
    by: str
    start_balance: Decimal
    start_date: date
    target_balance: Decimal
    by_date: date
    tolerance: Decimal


@dataclass(frozen=True)
class ArrearsPlanChecked:
    """The plan's standing changed: behind (or back on track), met or missed."""

    at: datetime
    by: str
    standing: str
    expected: Decimal
    balance: Decimal


Event = (
    CaseOpened
    | ClaimStatusRecorded
    | RentMovementRecorded
    | VulnerabilityAssessed
    | JournalNoteAdded
    | StageMoved
    | CaseClosed
    | CaseReopened
    | WatchEnded
    | SafeguardingDeclared
    | PlanStepCompleted
    | DeathRecorded
    | InteractionRecorded
    | RepresentativeRecorded
    | EnforcementStepRecorded
    | TaskOpened
    | TaskCompleted
    | TaskEscalated
    | TasksCancelled
    | MigrationNoticeRecorded
    | MigrationProgressed
    | PaymentArrangementRequested
    | ArrangementProgressed
    | ArrangementEnded
    | ArrangementRenumbered
    | SustainmentStarted
    | SustainmentUpdated
    | ArrearsPlanAgreed
    | ArrearsPlanChecked
    | ProgressNoticeRefused
    | ChildNotStarted
)
