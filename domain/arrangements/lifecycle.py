"""One payment arrangement request (APA, MPTL or rent arrears TPD) from submission
to outcome and reviews (docs/rules.md#apa, issue 4): the names its workflow, the case
and the tests use, gathered from the modules beside this one. Pure: time comes in
as `now`."""

from domain.arrangements.case_notice import CaseNotice, notice_for
from domain.arrangements.commands import (
    RecordObjection,
    RecordOutcome,
    RecordSubmission,
    RecordSubmissionFailure,
    StopArrangement,
)
from domain.arrangements.deadlines import next_wakeup, on_time_passed
from domain.arrangements.decide import decide
from domain.arrangements.events import (
    ArrangementEvent,
    Chased,
    Decided,
    Objected,
    ObjectionWindowClosed,
    OutcomeOverdue,
    ReviewDue,
    Stopped,
    SubmissionFailed,
    Submitted,
)
from domain.arrangements.evolve import evolve
from domain.arrangements.model import (
    REVIEW_MONTHS,
    ArrangementKind,
    ArrangementPolicy,
    ArrangementState,
    ArrangementStatus,
    Decision,
    Review,
)
from domain.shared.actors import SYSTEM
from domain.values import Actor

__all__ = [
    "REVIEW_MONTHS",
    "SYSTEM",
    "Actor",
    "ArrangementEvent",
    "ArrangementKind",
    "ArrangementPolicy",
    "ArrangementState",
    "ArrangementStatus",
    "CaseNotice",
    "Chased",
    "Decided",
    "Decision",
    "Objected",
    "ObjectionWindowClosed",
    "OutcomeOverdue",
    "RecordObjection",
    "RecordOutcome",
    "RecordSubmission",
    "RecordSubmissionFailure",
    "Review",
    "ReviewDue",
    "StopArrangement",
    "Stopped",
    "SubmissionFailed",
    "Submitted",
    "decide",
    "evolve",
    "next_wakeup",
    "notice_for",
    "on_time_passed",
]
