"""Value types and state of one UC case. Frozen: evolve returns a new state."""

import re
from dataclasses import dataclass as record
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass

from domain.policy import CasePolicy
from domain.rent import RentFrequency
from domain.values import (
    ONE_LINE,
    STORABLE,
    Balance,
    BirthDate,
    Label,
    PositiveAmount,
    TenancyDate,
)
from domain.values import Actor as Actor
from domain.vulnerability import VulnerabilityTier

Stage = Literal[
    "logged",
    "claim_status",
    "vulnerability_assessment",
    "payment_arrangement",
    "tenancy_sustainment",
    "managed_migration",
    "recovery",
    "closed",
]
Status = Literal["open", "bereavement", "closed", "completed"]
OpeningReason = Literal[
    "claim_notification",
    "arrears_trigger",
    "apa_request",
    "migration_appointment",
    "portal_contact",
]
TaskKind = Literal[
    "call_back",
    "re_establish_contact",
    "complaint_follow_up",
    "case_control",
    "message_response",
    "bereavement_handling",
    "reopened_review",
    "migration_outreach",
    "migration_follow_up",
    "arrangement_chase",
    "arrangement_follow_up",
    "arrangement_review",
    "uc50_return",
    "uc50_reminder",
    "sustainment_follow_up",
    "recovery_behind_plan",
    "recovery_plan_missed",
]
SustainmentKind = Literal[
    "welfare_benefit_referral", "foodbank_voucher", "energy_support", "dhp", "debt_advice"
]
SustainmentStatus = Literal[
    "requested", "in_progress", "awaiting_decision", "completed", "declined", "awarded", "refused"
]
FINAL_SUSTAINMENT = ("completed", "declined", "awarded", "refused")
TaskStatus = Literal["open", "done", "cancelled"]

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

_NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")


def _nino(value: str | None) -> str | None:
    if value is None:
        return None
    compact = value.replace(" ", "").upper()
    if not _NINO.match(compact):
        raise ValueError("must be a National Insurance number such as AB123456C")
    return compact


def _tenancy_ref(value: str) -> str:
    if _NINO.match(value.replace("-", "").upper()):
        # It becomes the workflow id, which is stored in plain text.
        raise ValueError(
            "must be the landlord's tenancy reference, not a National Insurance number"
        )
    if not _REF.match(value):
        raise ValueError("must be 3-40 letters, digits or hyphens, starting with a letter or digit")
    return value


TenancyRef = Annotated[str, AfterValidator(_tenancy_ref)]
NiNumber = Annotated[str | None, AfterValidator(_nino)]
# Bounds: domain/bounds.py (README, "Bounds on input").
Money = Balance
PositiveMoney = PositiveAmount


@dataclass(frozen=True, config=STRICT)
class Resident:
    full_name: Label
    date_of_birth: BirthDate | None = None
    ni_number: NiNumber = None
    phone: Annotated[str, Field(max_length=40), ONE_LINE] | None = None
    email: Annotated[str, Field(max_length=200), ONE_LINE] | None = None


@dataclass(frozen=True, config=STRICT)
class Tenancy:
    address: Annotated[str, Field(min_length=1, max_length=400), STORABLE]
    start_date: TenancyDate
    landlord_ref: Annotated[str, Field(max_length=64), ONE_LINE] | None = None


@dataclass(frozen=True, config=STRICT)
class Rent:
    amount: PositiveMoney
    frequency: RentFrequency = "weekly"


@record(frozen=True)
class ClaimStatus:
    claim_stage: str
    first_ap_start: date
    housing_element: Decimal
    sanctions: bool
    conditionality_regime: str
    recorded_at: datetime


@record(frozen=True)
class VulnerabilityRecord:
    factors: tuple[str, ...]
    tier: VulnerabilityTier
    assessed_at: datetime
    assessed_by: str


@record(frozen=True)
class Task:
    task_id: str
    kind: TaskKind
    due_at: datetime
    opened_at: datetime
    note: str = ""
    owner: str = "income_team"
    status: TaskStatus = "open"
    escalated_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    # What the task follows up (an arrangement or sustainment action id).
    subject: str | None = None


@record(frozen=True)
class ChecklistStep:
    step: str
    done_at: datetime | None = None
    done_by: str | None = None


@record(frozen=True)
class Representative:
    kind: str
    name: str
    contact: str


@record(frozen=True)
class Closure:
    outcome: str
    closed_at: datetime
    closed_by: str
    balance_at_closure: Decimal
    watch_until: date


@record(frozen=True)
class MigrationSummary:
    notice_issued: date
    deadline_day: date
    workflow_id: str
    tax_credits: bool
    reissued: bool
    status: str = "notice_issued"
    protection: str = "pending"
    active: bool = True


@record(frozen=True)
class RentLine:
    """One movement on the rent account, as a UC47 extract shows it."""

    on: date
    kind: str
    amount: Decimal
    balance_after: Decimal
    reference: str | None = None


# Movements kept on the case for the rent account extract a UC47 carries.
RENT_LINES_KEPT = 12


@record(frozen=True)
class RequestFacts:
    """What a payment arrangement request rests on, fixed when it is decided: the
    forms are rendered from these, never from the case as it is later."""

    requested_by: str
    requested_on: date
    balance: Decimal
    monthly_rent: Decimal
    rent_extract: tuple[RentLine, ...]
    factors: tuple[str, ...]
    grounds: tuple[str, ...]
    assessed_on: date | None = None
    assessed_by: str | None = None
    # The forms it produces in order; the last goes to DWP, the others are kept.
    forms: tuple[str, ...] = ()
    standard_allowance: Decimal | None = None
    deduction_amount: Decimal | None = None
    correspondent: Representative | None = None


@record(frozen=True)
class ArrangementSummary:
    arrangement_id: str
    kind: str
    apa_type: str | None
    requested_at: datetime
    status: str = "requested"
    deduction_rate: Decimal | None = None
    # The form submitted for it, stored once by content hash.
    form_sha256: str | None = None
    form_path: str | None = None
    active: bool = True
    # Once DWP has decided: when it starts, the rate granted, the review dates.
    start_date: date | None = None
    granted_rate: Decimal | None = None
    review_dates: tuple[date, ...] = ()
    facts: RequestFacts | None = None
    # Ended by the case (a death, arrears cleared, DWP stopped it): the date and why.
    ended_on: date | None = None
    ended_reason: str | None = None
    # Forms kept with the request but not sent (the APA1 pack beside a UC47).
    pack_sha256: str | None = None
    pack_path: str | None = None


@record(frozen=True)
class SustainmentAction:
    action_id: str
    kind: str
    owner: str
    status: str
    opened_at: datetime
    note: str = ""
    award_from: date | None = None
    award_to: date | None = None
    amount: Decimal | None = None
    applied_on: date | None = None
    decided_on: date | None = None


@record(frozen=True)
class ArrearsPlan:
    """Arrears to fall in a straight line from the start balance to the target by a date."""

    start_balance: Decimal
    start_date: date
    target_balance: Decimal
    by_date: date
    tolerance: Decimal
    behind: bool = False
    outcome: str | None = None

    def expected_on(self, day: date) -> Decimal:
        if day >= self.by_date:
            return self.target_balance
        if day <= self.start_date:
            return self.start_balance
        done = Decimal((day - self.start_date).days) / (self.by_date - self.start_date).days
        return (self.start_balance - (self.start_balance - self.target_balance) * done).quantize(
            Decimal("0.01")
        )


@record(frozen=True)
class JournalEntry:
    seq: int
    at: datetime
    author: str
    kind: str
    outcome: str
    text: str


@record(frozen=True)
class CaseState:
    tenancy_ref: str
    opening_reason: OpeningReason
    opened_at: datetime
    opened_by: str
    resident: Resident
    tenancy: Tenancy
    rent: Rent
    monthly_rent: Decimal
    balance: Decimal
    policy: CasePolicy
    rent_account: tuple[RentLine, ...] = ()
    stage: Stage = "logged"
    stage_before_closure: Stage | None = None
    status: Status = "open"
    claim: ClaimStatus | None = None
    vulnerability: VulnerabilityRecord | None = None
    tasks: tuple[Task, ...] = ()
    six_point_plan: tuple[ChecklistStep, ...] = ()
    deceased_on: date | None = None
    representative: Representative | None = None
    last_enforcement_step: str | None = None
    closure: Closure | None = None
    reopen_count: int = 0
    migration: MigrationSummary | None = None
    arrangements: tuple[ArrangementSummary, ...] = ()
    sustainment: tuple[SustainmentAction, ...] = ()
    arrears_plan: ArrearsPlan | None = None
    journal: tuple[JournalEntry, ...] = ()
    version: int = 0
    # What makes this case's child workflow ids its own (domain/ids.py); None in a
    # case opened before ids were per case, whose children keep the old ids.
    id_scope: str | None = None

    @property
    def open_tasks(self) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.status == "open")

    @property
    def open_plan_steps(self) -> tuple[str, ...]:
        return tuple(s.step for s in self.six_point_plan if s.done_at is None)
