"""The state of one payment arrangement request (APA, MPTL or rent arrears TPD),
and the policy it follows."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

ArrangementKind = Literal["apa", "mptl", "tpd"]
ArrangementStatus = Literal[
    "requested",
    "submitted",
    "awaiting_outcome",
    "granted",
    "refused",
    "withdrawn",
    "objected",
    "ended",
    "failed",
]
Decision = Literal["granted", "refused", "withdrawn"]
# APAs are reviewed; typical review points, in months from the start.
REVIEW_MONTHS = (3, 6, 9, 12, 15, 18, 24)


@dataclass(frozen=True)
class ArrangementPolicy:
    objection_days: int = 14
    chase_days: int = 14
    escalate_days: int = 28
    review_months: tuple[int, ...] = REVIEW_MONTHS


@dataclass(frozen=True)
class Review:
    months: int
    on: date
    reminded: bool = False


@dataclass(frozen=True)
class ArrangementState:
    arrangement_id: str
    kind: ArrangementKind
    requested_on: date
    policy: ArrangementPolicy
    status: ArrangementStatus = "requested"
    submitted_on: date | None = None
    submission_reference: str | None = None
    form_sha256: str | None = None
    form_path: str | None = None
    pack_sha256: str | None = None
    pack_path: str | None = None
    chased: bool = False
    escalated: bool = False
    decision: Decision | None = None
    start_date: date | None = None
    deduction_rate: Decimal | None = None
    reviews: tuple[Review, ...] = ()
    version: int = 0

    @property
    def objection_window_ends(self) -> date | None:
        if self.submitted_on is None:
            return None
        return self.submitted_on + timedelta(days=self.policy.objection_days)

    @property
    def finished(self) -> bool:
        final = self.status in ("refused", "withdrawn", "objected", "ended", "failed")
        reviewed = self.status == "granted" and all(r.reminded for r in self.reviews)
        return final or reviewed
