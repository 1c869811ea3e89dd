"""Events of an IPR, past tense; each carries when and by whom."""

from dataclasses import dataclass
from datetime import date, datetime

from domain.ipr.criteria import CriteriaDecision, ExternalReview, ScreeningFacts
from domain.ipr.model import AgreedActivity, Learning
from domain.notices import ChildNotStarted, ProgressNoticeRefused
from domain.shared.actors import SYSTEM as SYSTEM


@dataclass(frozen=True)
class Screened:
    at: datetime
    by: str
    facts: ScreeningFacts
    decision: CriteriaDecision
    notes: str = ""
    # None from before staff gave the day: the day of `at`.
    screened_on: date | None = None
    # The primary service lines screening recorded; None: those of the referral.
    service_lines: tuple[str, ...] | None = None


@dataclass(frozen=True)
class InvestigatorAssigned:
    at: datetime
    by: str
    investigator: str


@dataclass(frozen=True)
class EvidenceRecorded:
    at: datetime
    by: str
    service_line: str
    description: str


@dataclass(frozen=True)
class FactFindingRecorded:
    at: datetime
    by: str
    service_line: str
    stakeholder_role: str
    held_on: date
    summary: str


@dataclass(frozen=True)
class FindingsRecorded:
    at: datetime
    by: str
    learning_identified: bool
    learning: tuple[Learning, ...]
    # None from before staff gave the day: the day of `at`.
    recorded_on: date | None = None


@dataclass(frozen=True)
class ActivitiesAgreed:
    at: datetime
    by: str
    activities: tuple[AgreedActivity, ...]


@dataclass(frozen=True)
class ActivityProgressed:
    at: datetime
    by: str
    activity_id: str
    kind: str  # reminder, overdue, assured
    escalations: int
    evidence: str | None
    assured_on: date | None


@dataclass(frozen=True)
class LearningOutcomeRecorded:
    at: datetime
    by: str
    service_line: str
    text: str
    recorded_on: date


@dataclass(frozen=True)
class ExternalScrutinyRecorded:
    at: datetime
    by: str
    kind: ExternalReview


@dataclass(frozen=True)
class TargetBreached:
    at: datetime
    by: str
    target: str  # screening, investigation
    due_on: date


@dataclass(frozen=True)
class FeedbackSent:
    at: datetime
    by: str
    feedback_path: str


@dataclass(frozen=True)
class Closed:
    at: datetime
    by: str
    closed_on: date
    accepted: bool


@dataclass(frozen=True)
class ReadModelNoted:
    """The review's own record of its read model lagging, catching up, or refusing a
    projection (workflows/projector.py); changes nothing else."""

    at: datetime
    by: str
    text: str


IprEvent = (
    Screened
    | InvestigatorAssigned
    | EvidenceRecorded
    | FactFindingRecorded
    | FindingsRecorded
    | ActivitiesAgreed
    | ActivityProgressed
    | LearningOutcomeRecorded
    | ExternalScrutinyRecorded
    | TargetBreached
    | FeedbackSent
    | Closed
    | ProgressNoticeRefused
    | ChildNotStarted
    | ReadModelNoted
)
