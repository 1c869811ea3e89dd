"""Reporting tables on the read model's `Base` (migration 0006_reporting). Keyed by
the case id ("<workflow id>/<first run id>"); no names, addresses or free-text notes
(those stay with the case and are erased with it), so every row outlives erasure.

`seq` on each case row is the sequence of the last event applied to it: an event
is applied only when newer, so a retried or replayed batch changes nothing.

Teams are `domain.teams.TEAMS`. Money is Numeric(12, 2); business dates are dates;
instants are tz-aware UTC."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from activities.db import Base


class ReportTask(Base):
    """A case's task: what, whose, due when, and what became of it."""

    __tablename__ = "report_tasks"

    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    team: Mapped[str] = mapped_column(String(30), index=True)
    owner: Mapped[str] = mapped_column(String(200))
    # What the task follows up: an arrangement or sustainment action id.
    subject: Mapped[str | None] = mapped_column(String(200))
    # Fixed wording for the kind (domain/teams.py), never the operator's note.
    why: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), index=True)  # open, done, cancelled
    due_at: Mapped[datetime] = mapped_column(index=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    seq: Mapped[int]


class ReportArrangement(Base):
    """An APA, MPTL or rent arrears TPD request, from request to decision and end."""

    __tablename__ = "report_arrangements"

    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    arrangement_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), index=True)  # apa, mptl, tpd
    apa_type: Mapped[str | None] = mapped_column(String(40))
    requested_on: Mapped[date] = mapped_column(index=True)
    submitted_on: Mapped[date | None]
    # The last day the claimant may object (a TPD or MPTL once submitted).
    objection_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), index=True)
    active: Mapped[bool]
    # granted or refused, once DWP decided (withdrawn: ended before a decision).
    outcome: Mapped[str | None] = mapped_column(String(20))
    decided_on: Mapped[date | None]
    start_date: Mapped[date | None]
    deduction_rate: Mapped[Decimal | None]
    granted_rate: Mapped[Decimal | None]
    review_dates: Mapped[list[Any]] = mapped_column(JSON)  # ISO dates
    ended_on: Mapped[date | None]
    seq: Mapped[int]


class ReportMigration(Base):
    """The case's managed migration: notice, deadlines, claim and protection."""

    __tablename__ = "report_migrations"

    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    notice_on: Mapped[date] = mapped_column(index=True)
    deadline_day: Mapped[date]
    final_deadline: Mapped[date]
    reissued: Mapped[bool]
    tax_credits: Mapped[bool]
    # notice_issued, extended, deadline_missed, claimed, claimed_after_deadline,
    # claimed_not_qualifying, lapsed, ended, not_started
    status: Mapped[str] = mapped_column(String(30), index=True)
    protection: Mapped[str] = mapped_column(String(20))  # pending, active, suspended, ended, none
    claim_on: Mapped[date | None]
    active: Mapped[bool]
    seq: Mapped[int]


class ReportSustainment(Base):
    """A tenancy sustainment action (a DHP with its award period and amount)."""

    __tablename__ = "report_sustainment"

    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    action_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    team: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    started_on: Mapped[date]
    applied_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    # When the action reached a final status (completed, declined, awarded, refused).
    ended_on: Mapped[date | None]
    award_from: Mapped[date | None]
    award_to: Mapped[date | None]
    amount: Mapped[Decimal | None]
    seq: Mapped[int]


class ReportUcMove(Base):
    """The rent balance on the day the resident moved onto UC (the first assessment
    period's start, from the claim status), and the balance now."""

    __tablename__ = "report_uc_moves"
    # Covers the KPI board's one scan (activities/reporting/kpis.py arrears_figures):
    # the figures read the index, never the table.
    __table_args__ = (
        Index("ix_report_uc_moves_kpi", "moved_on", "balance_on_move", "current_balance"),
    )

    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    moved_on: Mapped[date | None] = mapped_column(index=True)
    balance_on_move: Mapped[Decimal | None]
    opening_balance: Mapped[Decimal]
    current_balance: Mapped[Decimal]
    balance_on: Mapped[date]  # the day of the latest movement (or the opening)
    seq: Mapped[int]


class ReportPlan(Base):
    """The arrears plan agreed with the resident."""

    __tablename__ = "report_plans"

    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    start_date: Mapped[date]
    by_date: Mapped[date] = mapped_column(index=True)
    start_balance: Mapped[Decimal]
    target_balance: Mapped[Decimal]
    standing: Mapped[str] = mapped_column(String(12))  # on_track, behind, met, missed
    seq: Mapped[int]


class WorkAvailableItem(Base):
    """One line of a day's Work Available Report. Rebuilding a day replaces its lines."""

    __tablename__ = "work_available_reports"

    day: Mapped[date] = mapped_column(primary_key=True)
    # A case id, or an IPR id for the IPR group's overdue activities.
    ref: Mapped[str] = mapped_column(String(120), primary_key=True)
    # "task:<task id>", "migration:deadline_day", "ipr_activity:<activity id>", ...
    item: Mapped[str] = mapped_column(String(100), primary_key=True)
    ref_kind: Mapped[str] = mapped_column(String(8))  # case, ipr
    team: Mapped[str] = mapped_column(String(30), index=True)
    what: Mapped[str] = mapped_column(String(120))
    why: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date]
    due_at: Mapped[datetime | None]
    overdue: Mapped[bool]
    escalated: Mapped[bool]


class WorkAvailableRun(Base):
    """That a day's report was built, when and over what horizon (a day with nothing to
    do has a run and no lines)."""

    __tablename__ = "work_available_runs"

    day: Mapped[date] = mapped_column(primary_key=True)
    built_at: Mapped[datetime]
    horizon_days: Mapped[int]
    total: Mapped[int]


REPORT_TABLES = (
    ReportTask,
    ReportArrangement,
    ReportMigration,
    ReportSustainment,
    ReportUcMove,
    ReportPlan,
)
