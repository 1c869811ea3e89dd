"""An Internal Process Review's state (docs/rules.md#ipr). Frozen: evolve returns a new one."""

import re
from dataclasses import dataclass as record
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass as validated

from domain.ipr.criteria import CriteriaDecision, ExternalReview, ScreeningFacts
from domain.shared.children import ChildNames
from domain.values import ONE_LINE, STORABLE, CustomerBirthDate, Label
from domain.values import Actor as Actor
from domain.values import Short as Short
from domain.values import Text as Text

SERVICE_LINES: tuple[str, ...] = (
    "ACS",
    "Bereavement Services",
    "Carer's Allowance",
    "CMS",
    "Complaints",
    "Contract Management Partner Delivery",
    "Counter Fraud and Compliance",
    "Debt Management",
    "DLA",
    "ESA",
    "JSA",
    "Pension Credit",
    "PIP",
    "UC",
    "Attendance Allowance",
    "Income Support",
    "Incapacity Benefit",
    "State Pension",
    "Multiple Service Lines",
)
IprStage = Literal[
    "screening",
    "not_accepted",
    "investigation",
    "findings",
    "agreed_activities",
    "learning_outcomes",
    "closed",
]
ActivityStatus = Literal["open", "overdue", "assured"]
ReferralSource = Literal["dwp", "mp", "local_authority", "family", "coroner", "other_external"]

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
_NINO = re.compile(r"^[A-Z]{2}\d{6}[A-D]$")  # any prefix: test and unissued ones too


def _reference(value: str) -> str:
    if _NINO.match(value.replace("-", "").upper()):
        raise ValueError("must be the IPR reference, not a National Insurance number")
    if not _REFERENCE.match(value):
        raise ValueError("must be 3-40 letters, digits or hyphens, starting with one of them")
    return value


def _service_line(value: str) -> str:
    if value not in SERVICE_LINES:
        raise ValueError(f"must be one of the service lines: {', '.join(SERVICE_LINES)}")
    return value


Reference = Annotated[str, AfterValidator(_reference)]
ServiceLine = Annotated[str, AfterValidator(_service_line)]


class Referrer(BaseModel):
    """A DWP colleague. Others (an MP, a local authority, a family, a coroner) raise
    the concern with a colleague, who refers it; `source` says where it came from."""

    model_config = STRICT
    name: Label
    role: Label
    email: Annotated[str, Field(max_length=200), ONE_LINE]


class Customer(BaseModel):
    """Personal data: held by the workflow for the investigation, never in a workflow
    id, a search attribute, a log line, the read model or the publication."""

    model_config = STRICT
    full_name: Label
    date_of_birth: CustomerBirthDate | None = None
    ni_number: Annotated[str, Field(max_length=13), ONE_LINE] | None = None
    address: Annotated[str, Field(max_length=400), STORABLE] | None = None


@record(frozen=True)
class Screening:
    facts: ScreeningFacts
    decision: CriteriaDecision
    screened_by: str
    screened_on: date


@record(frozen=True)
class EvidenceItem:
    service_line: str
    description: str
    by: str
    at: datetime


@record(frozen=True)
class FactFinding:
    service_line: str
    stakeholder_role: str
    held_on: date
    summary: str
    by: str


@record(frozen=True)
class Learning:
    service_line: str
    text: str


@record(frozen=True)
class AgreedActivity:
    activity_id: str
    service_line: str
    description: str
    due_on: date
    agreed_on: date
    status: ActivityStatus = "open"
    escalations: int = 0
    assured_on: date | None = None
    evidence: str | None = None


@record(frozen=True)
class LearningOutcome:
    service_line: str
    text: str
    recorded_on: date


@validated(frozen=True, config=ConfigDict(extra="forbid"))
class IprPolicy:
    """Targets and follow-up intervals (days); the `ipr` section of the operator's
    policy file (CASEWORK_POLICY_FILE), read when a review is referred."""

    screening_target_days: int = Field(default=10, ge=1, le=365)
    investigation_target_days: int = Field(default=90, ge=1, le=730)
    activity_reminder_days: int = Field(default=7, ge=0, le=90)
    activity_escalation_repeat_days: int = Field(default=7, ge=1, le=90)


@record(frozen=True)
class JournalEntry:
    """One line of the review's journal (domain/ipr/journal.py). Not part of the
    state: the workflow keeps the entries it serves."""

    seq: int
    at: datetime
    author: str
    kind: str
    text: str


@record(frozen=True)
class IprState:
    reference: str
    referred_on: date
    received_at: datetime
    referrer: Referrer
    source: str
    customer: Customer
    summary: str
    service_lines: tuple[str, ...]
    policy: IprPolicy
    stage: IprStage = "screening"
    external_scrutiny: tuple[ExternalReview, ...] = ()
    screening: Screening | None = None
    screening_escalated: bool = False
    investigator: str | None = None
    investigation_started_on: date | None = None
    investigation_escalated: bool = False
    evidence: tuple[EvidenceItem, ...] = ()
    discussions: tuple[FactFinding, ...] = ()
    learning_identified: bool | None = None
    learning: tuple[Learning, ...] = ()
    activities: tuple[AgreedActivity, ...] = ()
    outcomes: tuple[LearningOutcome, ...] = ()
    closed_on: date | None = None
    feedback_path: str | None = None
    shared_with_acssl: bool = False
    # The referral and the events applied so far (the latest journal entry's seq).
    version: int = 0
    # The ids of its agreed activities, as the workflow names them (workflows/ids.py);
    # set when the review is built.
    children: ChildNames = ChildNames()

    @property
    def accepted(self) -> bool | None:
        return None if self.screening is None else self.screening.decision.met

    @property
    def open_activities(self) -> tuple[AgreedActivity, ...]:
        return tuple(a for a in self.activities if a.status != "assured")

    @property
    def overdue_activities(self) -> int:
        return sum(1 for a in self.activities if a.status == "overdue")

    @property
    def finished(self) -> bool:
        # Not accepted, the IPR closes once the referrer's feedback has gone.
        return self.closed_on is not None
