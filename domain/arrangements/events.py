"""Events of a payment arrangement, past tense. Each carries when and by whom."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.arrangements.model import Decision, Review


@dataclass(frozen=True)
class Submitted:
    at: datetime
    by: str
    reference: str
    form_sha256: str = ""
    form_path: str = ""
    pack_sha256: str = ""
    pack_path: str = ""


@dataclass(frozen=True)
class SubmissionFailed:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class Stopped:
    at: datetime
    by: str
    reason: str
    stopped_on: date


@dataclass(frozen=True)
class Objected:
    at: datetime
    by: str
    objected_on: date


@dataclass(frozen=True)
class ObjectionWindowClosed:
    at: datetime
    by: str


@dataclass(frozen=True)
class Chased:
    at: datetime
    by: str


@dataclass(frozen=True)
class OutcomeOverdue:
    at: datetime
    by: str


@dataclass(frozen=True)
class Decided:
    at: datetime
    by: str
    decision: Decision
    decided_on: date
    start_date: date | None
    deduction_rate: Decimal | None
    reviews: tuple[Review, ...]


@dataclass(frozen=True)
class ReviewDue:
    at: datetime
    by: str
    months: int


ArrangementEvent = (
    Submitted
    | SubmissionFailed
    | Stopped
    | Objected
    | ObjectionWindowClosed
    | Chased
    | OutcomeOverdue
    | Decided
    | ReviewDue
)
