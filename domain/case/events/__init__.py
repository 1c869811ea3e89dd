"""Events of a UC case, past tense, in a module per concern; every name is importable
from here. Each carries when and by whom."""

from domain.case.events.arrangements import (
    ArrangementEnded,
    ArrangementProgressed,
    ArrangementRenumbered,
    PaymentArrangementRequested,
)
from domain.case.events.arrears import (
    ArrearsPlanAgreed,
    ArrearsPlanChecked,
    EnforcementStepRecorded,
    RentMovementRecorded,
)
from domain.case.events.claim import AwardStatementRecorded, ClaimStatusRecorded
from domain.case.events.contact import (
    InteractionRecorded,
    JournalNoteAdded,
    RepresentativeRecorded,
    RepresentativeVerified,
)
from domain.case.events.lifecycle import (
    CaseClosed,
    CaseOpened,
    CaseReopened,
    DeathRecorded,
    StageMoved,
    WatchEnded,
)
from domain.case.events.migration import MigrationNoticeRecorded, MigrationProgressed
from domain.case.events.safeguarding import (
    PlanStepCompleted,
    SafeguardingDeclared,
    VulnerabilityAssessed,
)
from domain.case.events.sustainment import SustainmentStarted, SustainmentUpdated
from domain.case.events.tasks import TaskCompleted, TaskEscalated, TaskOpened, TasksCancelled
from domain.notices import ChildNotStarted, ProgressNoticeRefused
from domain.shared.actors import SYSTEM

Event = (
    CaseOpened
    | ClaimStatusRecorded
    | AwardStatementRecorded
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
    | RepresentativeVerified
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

__all__ = [
    "SYSTEM",
    "Event",
    "CaseOpened",
    "StageMoved",
    "CaseClosed",
    "CaseReopened",
    "WatchEnded",
    "DeathRecorded",
    "ClaimStatusRecorded",
    "AwardStatementRecorded",
    "RentMovementRecorded",
    "EnforcementStepRecorded",
    "ArrearsPlanAgreed",
    "ArrearsPlanChecked",
    "JournalNoteAdded",
    "InteractionRecorded",
    "RepresentativeRecorded",
    "RepresentativeVerified",
    "TaskOpened",
    "TaskCompleted",
    "TaskEscalated",
    "TasksCancelled",
    "VulnerabilityAssessed",
    "SafeguardingDeclared",
    "PlanStepCompleted",
    "MigrationNoticeRecorded",
    "MigrationProgressed",
    "PaymentArrangementRequested",
    "ArrangementEnded",
    "ArrangementRenumbered",
    "ArrangementProgressed",
    "SustainmentStarted",
    "SustainmentUpdated",
    "ProgressNoticeRefused",
    "ChildNotStarted",
]
