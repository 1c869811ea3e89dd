"""The state of one UC case. Frozen: evolve returns a new state."""

from dataclasses import dataclass as record
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from domain.case.model.arrangements import ArrangementSummary
from domain.case.model.arrears import ArrearsPlan, RentLine
from domain.case.model.claim import AwardStatement, ClaimStatus
from domain.case.model.contact import Representative
from domain.case.model.migration import MigrationSummary
from domain.case.model.safeguarding import ChecklistStep, VulnerabilityRecord
from domain.case.model.sustainment import SustainmentAction
from domain.case.model.tasks import Task
from domain.case.model.tenancy import Rent, Resident, Tenancy
from domain.policy import CasePolicy
from domain.shared.children import ChildNames

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


@record(frozen=True)
class Closure:
    outcome: str
    closed_at: datetime
    closed_by: str
    balance_at_closure: Decimal
    watch_until: date


@record(frozen=True)
class JournalEntry:
    """One line of the case's journal: what event `seq` says (domain/case/journal.py).
    Not part of the state: the workflow keeps the entries it serves."""

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
    # The latest APs' award statements, oldest first (AWARD_STATEMENTS_KEPT).
    award_statements: tuple[AwardStatement, ...] = ()
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
    # The events applied so far (each event's sequence number; its journal entry's).
    version: int = 0
    # The ids of its children (its migration, its payment arrangements), as the
    # workflow names them (workflows/ids.py); set when the case is built.
    children: ChildNames = ChildNames()

    @property
    def open_tasks(self) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.status == "open")

    @property
    def open_plan_steps(self) -> tuple[str, ...]:
        return tuple(s.step for s in self.six_point_plan if s.done_at is None)
