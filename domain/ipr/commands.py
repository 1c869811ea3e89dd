"""What a DWP back office sends to an IPR: its referral (the workflow's input) and
updates. Validated on construction, so a payload that does not fit is refused naming
its field before the rules run."""

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from domain.bounds import MAX_ITEMS
from domain.ipr.criteria import ExternalReview, Harm, Nation
from domain.ipr.model import (
    Actor,
    Customer,
    Reference,
    ReferralSource,
    Referrer,
    ServiceLine,
    Short,
    Text,
)
from domain.values import BusinessDate, Note, at_most_items

CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True, config=CONFIG)
class Referral:
    reference: Reference
    referrer: Referrer
    received_on: BusinessDate
    customer: Customer
    summary: Text
    service_lines: Annotated[tuple[ServiceLine, ...], Field(min_length=1), at_most_items(MAX_ITEMS)]
    # Where the concern first came from; the referral itself is always a colleague's.
    source: ReferralSource = "dwp"
    # A review completed before the engine existed, recorded with its real dates
    # (docs/ipr-publication.md): its targets are history, so none is watched, and its
    # agreed activities come already assured.
    imported: bool = False


@dataclass(frozen=True, config=CONFIG)
class RecordScreening:
    by: Actor
    allegation: bool
    harm: Harm
    external_reviews: Annotated[tuple[ExternalReview, ...], at_most_items(MAX_ITEMS)] = ()
    nation: Nation = "england"
    notes: Note = ""
    # The day it was screened (docs/rules.md#ipr-dates); today when not given.
    screened_on: BusinessDate | None = None
    # The case's primary service lines as screening found them, replacing those of
    # the referral; unchanged when not given.
    service_lines: (
        Annotated[tuple[ServiceLine, ...], Field(min_length=1), at_most_items(MAX_ITEMS)] | None
    ) = None


@dataclass(frozen=True, config=CONFIG)
class AssignInvestigator:
    by: Actor
    investigator: Actor


@dataclass(frozen=True, config=CONFIG)
class RecordEvidence:
    by: Actor
    service_line: ServiceLine
    description: Text


@dataclass(frozen=True, config=CONFIG)
class RecordFactFinding:
    by: Actor
    service_line: ServiceLine
    stakeholder_role: Short
    held_on: BusinessDate
    summary: Text


@dataclass(frozen=True, config=CONFIG)
class LearningItem:
    service_line: ServiceLine
    text: Text


@dataclass(frozen=True, config=CONFIG)
class RecordFindings:
    by: Actor
    learning_identified: bool
    learning: Annotated[tuple[LearningItem, ...], at_most_items(MAX_ITEMS)] = ()
    # The day the findings were made (docs/rules.md#ipr-dates); today when not given.
    recorded_on: BusinessDate | None = None


@dataclass(frozen=True, config=CONFIG)
class ActivityItem:
    service_line: ServiceLine
    description: Text
    due_on: BusinessDate
    # An imported review only: the owner's assurance, given before the engine existed.
    assured_on: BusinessDate | None = None
    evidence: Text | None = None


@dataclass(frozen=True, config=CONFIG)
class RecordIprgAgreement:
    by: Actor
    agreed_on: BusinessDate
    activities: Annotated[tuple[ActivityItem, ...], Field(min_length=1, max_length=MAX_ITEMS)]


@dataclass(frozen=True, config=CONFIG)
class RecordLearningOutcome:
    by: Actor
    service_line: ServiceLine
    outcome: Text
    # The day the outcome was recorded (docs/rules.md#ipr-dates); today when not given.
    recorded_on: BusinessDate | None = None


@dataclass(frozen=True, config=CONFIG)
class RecordExternalScrutiny:
    by: Actor
    kind: ExternalReview


@dataclass(frozen=True, config=CONFIG)
class CloseIpr:
    by: Actor
    # The day the review was completed, which sets its reporting year
    # (docs/rules.md#ipr-dates); today when not given.
    completed_on: BusinessDate | None = None


@dataclass(frozen=True, config=CONFIG)
class RecordActivityProgress:
    """Sent by the IPR's AgreedActivity workflows, not by a back office."""

    # From the IPR's own child, read in a signal handler (run again on replay): no rules
    # beyond those it was written under.
    activity_id: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["reminder", "overdue", "assured"]
    escalations: int = 0
    evidence: Annotated[str, Field(max_length=4000)] | None = None
    assured_on: date | None = None
    # The secret the IPR gave the activity it started (domain/notices.py); none from an
    # activity started before secrets existed.
    notice_secret: Annotated[str, Field(max_length=100)] | None = None


@dataclass(frozen=True, config=CONFIG)
class RecordFeedback:
    """Sent by the workflow once its activities have written the referrer's feedback
    and shared the case with the ACSSL list."""

    feedback_path: Annotated[str, Field(max_length=1000)]


# Update name -> command type: the names a back office calls on `ipr-<reference>`.
COMMANDS: dict[str, type] = {
    "record_screening": RecordScreening,
    "assign_investigator": AssignInvestigator,
    "record_evidence": RecordEvidence,
    "record_fact_finding": RecordFactFinding,
    "record_findings": RecordFindings,
    "record_iprg_agreement": RecordIprgAgreement,
    "record_learning_outcome": RecordLearningOutcome,
    "record_external_scrutiny": RecordExternalScrutiny,
    "close_ipr": CloseIpr,
}
