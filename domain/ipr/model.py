"""An Internal Process Review's state (docs/rules.md#ipr). Frozen: evolve returns a new one."""

import re
from dataclasses import dataclass as record
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass as validated

from domain.bounds import MAX_ITEMS
from domain.ipr.criteria import CriteriaDecision, ExternalReview, ScreeningFacts
from domain.shared.children import ChildNames
from domain.values import ONE_LINE, STORABLE, CustomerBirthDate, Label, at_most_items
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
    # Everyone else the review's narratives may name: family, representatives,
    # informants, professionals ("Mary Jones", "Dr Patel"), and the towns, districts
    # or estates it may mention. Held so redaction removes them wherever they appear
    # (docs/privacy.md#redaction); never projected.
    people: Annotated[tuple[Label, ...], at_most_items(MAX_ITEMS)] = ()
    localities: Annotated[tuple[Label, ...], at_most_items(MAX_ITEMS)] = ()


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
    # The case's primary service lines (docs/rules.md#ipr-publication): the benefits
    # or services the review is about, recorded at referral and amendable at
    # screening. A finding under another line never adds to them.
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
    # Lines the investigation reached (evidence, discussions, findings) that are not
    # primary lines, in the order reached: only for the `ServiceLines` search
    # attribute of reviews from before primary lines were kept apart.
    lines_reached: tuple[str, ...] = ()
    # The business dates staff gave (docs/rules.md#ipr-dates): the day the findings
    # were recorded.
    findings_on: date | None = None
    # Whether staff gave that day (`recorded_on`): only then does it bound the IPRG's
    # agreement, so an agreement accepted before days were given still replays.
    findings_day_given: bool = False
    # Completed before the engine existed, recorded with its real dates: no target is
    # watched (docs/ipr-publication.md).
    imported: bool = False

    @property
    def finding_lines(self) -> tuple[str, ...]:
        """The service line of each finding (learning, agreed activities, outcomes),
        each once, in the order first found."""
        lines = [x.service_line for x in self.learning]
        lines += [a.service_line for a in self.activities]
        lines += [o.service_line for o in self.outcomes]
        return tuple(dict.fromkeys(lines))

    @property
    def lines_merged(self) -> tuple[str, ...]:
        """Primary lines then every line reached: what `ServiceLines` held before
        primary lines were kept apart."""
        return tuple(dict.fromkeys((*self.service_lines, *self.lines_reached)))

    @property
    def last_business_day(self) -> date:
        """The latest business date the review holds: a completion is on or after it."""
        days = [self.referred_on]
        if self.screening is not None:
            days.append(self.screening.screened_on)
        if self.findings_on is not None:
            days.append(self.findings_on)
        days += [a.agreed_on for a in self.activities]
        days += [a.assured_on for a in self.activities if a.assured_on is not None]
        days += [o.recorded_on for o in self.outcomes]
        return max(days)

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
