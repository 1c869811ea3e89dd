"""Value types and state of one UC case, one concern a module; every name is importable
from here. Frozen: evolve returns a new state."""

from domain.case.model.arrangements import ArrangementSummary, RequestFacts
from domain.case.model.arrears import RENT_LINES_KEPT, ArrearsPlan, RentLine
from domain.case.model.claim import (
    AWARD_STATEMENTS_KEPT,
    AwardStatement,
    ClaimStatus,
    with_statement,
)
from domain.case.model.contact import Representative
from domain.case.model.migration import MigrationSummary
from domain.case.model.safeguarding import ChecklistStep, VulnerabilityRecord
from domain.case.model.state import CaseState, Closure, JournalEntry, OpeningReason, Stage, Status
from domain.case.model.sustainment import (
    FINAL_SUSTAINMENT,
    SustainmentAction,
    SustainmentKind,
    SustainmentStatus,
)
from domain.case.model.tasks import Task, TaskKind, TaskStatus
from domain.case.model.tenancy import (
    STRICT,
    Money,
    NiNumber,
    PositiveMoney,
    Rent,
    Resident,
    Tenancy,
    TenancyRef,
)
from domain.values import Actor as Actor

__all__ = [
    "Actor",
    "STRICT",
    "TenancyRef",
    "NiNumber",
    "Money",
    "PositiveMoney",
    "Resident",
    "Tenancy",
    "Rent",
    "ClaimStatus",
    "AwardStatement",
    "AWARD_STATEMENTS_KEPT",
    "with_statement",
    "VulnerabilityRecord",
    "ChecklistStep",
    "Representative",
    "TaskKind",
    "TaskStatus",
    "Task",
    "MigrationSummary",
    "RentLine",
    "RENT_LINES_KEPT",
    "ArrearsPlan",
    "RequestFacts",
    "ArrangementSummary",
    "SustainmentKind",
    "SustainmentStatus",
    "FINAL_SUSTAINMENT",
    "SustainmentAction",
    "Stage",
    "Status",
    "OpeningReason",
    "Closure",
    "JournalEntry",
    "CaseState",
]
