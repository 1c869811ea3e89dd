"""The Work Available Report: for a UK day D, every case and IPR needing action, by
team. Built from the reporting tables and `ipr_activities`, stored per day in
`work_available_reports` (rebuilding a day replaces its lines in one transaction),
read back by `starter.py work-available` (backoffice/reporting.py).

A line is one of:
- an open task due on or before D (overdue if due before D; escalated if it was);
- a deadline within the horizon, D to D + N days (N: CASEWORK_WORK_AVAILABLE_DAYS):
  a migration's deadline day and final deadline while no claim is made, a UC50 due
  back, the end of an arrangement's objection window, an APA review, the end of a
  DHP award, the end date of an arrears plan;
- an IPR's agreed activity past its due date and not yet assured (the IPR group).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.db import IprActivityRecord
from activities.reporting.summary import WorkAvailableSummary
from activities.reporting.tables import (
    ReportArrangement,
    ReportMigration,
    ReportPlan,
    ReportSustainment,
    ReportTask,
    WorkAvailableItem,
    WorkAvailableRun,
)
from domain import teams
from domain.dates import business_date, start_of_day, uk_date
from infra.logs import get_logger

log = get_logger(__name__)

# Tasks that are a deadline in themselves: listed as soon as they fall in the horizon.
DEADLINE_TASKS = ("uc50_return",)
# A migration still waiting for a claim.
AWAITING_CLAIM = ("notice_issued", "extended")


@dataclass(frozen=True)
class Line:
    ref: str
    item: str
    ref_kind: str
    team: str
    what: str
    why: str
    due_on: date
    due_at: datetime | None = None
    escalated: bool = False

    def row(self, day: date) -> dict[str, Any]:
        return {
            "day": day,
            "ref": self.ref,
            "item": self.item,
            "ref_kind": self.ref_kind,
            "team": self.team,
            "what": self.what,
            "why": self.why,
            "due_on": self.due_on,
            "due_at": self.due_at,
            "overdue": self.due_on < day,
            "escalated": self.escalated,
        }


def build(session: Session, day: date, horizon_days: int) -> list[Line]:
    """The day's lines, worked out from the read model (nothing stored)."""
    until = day + timedelta(days=horizon_days)
    lines: list[Line] = []
    lines += _tasks(session, day, until)
    lines += _migrations(session, day, until)
    lines += _arrangements(session, day, until)
    lines += _sustainment(session, day, until)
    lines += _plans(session, day, until)
    lines += _ipr_activities(session, day)
    return sorted(lines, key=lambda x: (teams.TEAMS.index(x.team), x.due_on, x.ref, x.item))


# The first key of PostgreSQL's two-key advisory locks taken here ("WAR"); the second
# is the day.
_ADVISORY_SPACE = 0x574152


def store(engine: Engine, day: date, horizon_days: int) -> WorkAvailableSummary:
    """Build the day's report and store it in place of any earlier run for the day.

    Builders of one day take turns (operators reading a day nobody has built yet, the
    daily Schedule): on PostgreSQL each takes a lock on the day for its transaction, so
    the second replaces the first's rows instead of colliding with them; SQLite takes
    one writer at a time anyway."""
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(
                text("SELECT pg_advisory_xact_lock(:space, :day)"),
                {"space": _ADVISORY_SPACE, "day": day.toordinal()},
            )
        lines = build(session, day, horizon_days)
        session.execute(delete(WorkAvailableItem).where(WorkAvailableItem.day == day))
        session.execute(delete(WorkAvailableRun).where(WorkAvailableRun.day == day))
        if lines:
            session.execute(insert(WorkAvailableItem), [x.row(day) for x in lines])
        session.add(
            WorkAvailableRun(
                day=day, built_at=datetime.now(UTC), horizon_days=horizon_days, total=len(lines)
            )
        )
    return summarise(day, horizon_days, lines)


def summarise(day: date, horizon_days: int, lines: list[Line]) -> WorkAvailableSummary:
    counts = Counter(x.team for x in lines)
    return WorkAvailableSummary(
        day=day.isoformat(),
        horizon_days=horizon_days,
        total=len(lines),
        overdue=sum(1 for x in lines if x.due_on < day),
        escalated=sum(1 for x in lines if x.escalated),
        by_team={t: counts.get(t, 0) for t in teams.TEAMS},
    )


class WorkAvailableActivities:
    def __init__(self, engine: Engine, horizon_days: int) -> None:
        self._engine = engine
        self._horizon = horizon_days

    @activity.defn(name="work_available_report")
    def work_available_report(self, day: str) -> WorkAvailableSummary:
        """Build and store the Work Available Report for `day` (an ISO date);
        idempotent: a re-run replaces the day's lines. Returns counts by team."""
        try:
            on = date.fromisoformat(day)
        except (TypeError, ValueError) as error:
            raise ApplicationError(
                f"day: must be an ISO date YYYY-MM-DD, not {day!r}",
                type="BadInput",
                non_retryable=True,
            ) from error
        summary = store(self._engine, on, self._horizon)
        log.info(
            "work available report stored",
            day=summary.day,
            total=summary.total,
            overdue=summary.overdue,
            escalated=summary.escalated,
        )
        return summary


# --- the lines -------------------------------------------------------------------------


def _tasks(session: Session, day: date, until: date) -> list[Line]:
    t = ReportTask
    rows = session.scalars(
        select(t).where(t.status == "open", t.due_at < start_of_day(until + timedelta(days=1)))
    )
    lines = []
    for task in rows:
        due_on = business_date(task.due_at)
        if due_on > day and task.kind not in DEADLINE_TASKS:
            continue
        subject = f" ({task.subject})" if task.subject else ""
        lines.append(
            Line(
                ref=task.case_id,
                item=f"task:{task.task_id}",
                ref_kind="case",
                team=task.team,
                what=task.kind.replace("_", " "),
                why=f"{task.why}{subject}",
                due_on=due_on,
                due_at=task.due_at,
                escalated=task.escalated_at is not None,
            )
        )
    return lines


def _migrations(session: Session, day: date, until: date) -> list[Line]:
    m = ReportMigration
    lines = []
    for mig in session.scalars(select(m).where(m.active.is_(True))):
        waiting = mig.status in AWAITING_CLAIM
        if waiting and day <= mig.deadline_day <= until:
            lines.append(
                Line(
                    ref=mig.case_id,
                    item="migration:deadline_day",
                    ref_kind="case",
                    team=teams.INCOME,
                    what="migration deadline day",
                    why=(
                        f"no UC claim yet: the deadline day is {uk_date(mig.deadline_day)} "
                        f"(final deadline {uk_date(mig.final_deadline)})"
                    ),
                    due_on=mig.deadline_day,
                )
            )
        if (waiting or mig.status == "deadline_missed") and day <= mig.final_deadline <= until:
            lines.append(
                Line(
                    ref=mig.case_id,
                    item="migration:final_deadline",
                    ref_kind="case",
                    team=teams.INCOME,
                    what="migration final deadline",
                    why=(
                        f"no UC claim yet: a claim by {uk_date(mig.final_deadline)} keeps "
                        "transitional protection; none after it"
                    ),
                    due_on=mig.final_deadline,
                    escalated=mig.status == "deadline_missed",
                )
            )
    return lines


def _arrangements(session: Session, day: date, until: date) -> list[Line]:
    a = ReportArrangement
    lines = []
    for arr in session.scalars(select(a).where(a.active.is_(True))):
        name = f"{arr.kind.upper()} {arr.arrangement_id}"
        if (
            arr.objection_until is not None
            and arr.status == "submitted"
            and day <= arr.objection_until <= until
        ):
            lines.append(
                Line(
                    ref=arr.case_id,
                    item=f"arrangement:{arr.arrangement_id}:objection",
                    ref_kind="case",
                    team=teams.INCOME,
                    what="objection window ends",
                    why=f"{name}: the claimant may object until {uk_date(arr.objection_until)}",
                    due_on=arr.objection_until,
                )
            )
        if arr.status != "granted":
            continue
        for raw in arr.review_dates or ():
            on = date.fromisoformat(str(raw)[:10])
            if day <= on <= until:
                lines.append(
                    Line(
                        ref=arr.case_id,
                        item=f"arrangement:{arr.arrangement_id}:review:{on.isoformat()}",
                        ref_kind="case",
                        team=teams.INCOME,
                        what="arrangement review",
                        why=f"{name} is due a review on {uk_date(on)}",
                        due_on=on,
                    )
                )
    return lines


def _sustainment(session: Session, day: date, until: date) -> list[Line]:
    s = ReportSustainment
    rows = session.scalars(
        select(s).where(
            s.kind == "dhp", s.status == "awarded", s.award_to >= day, s.award_to <= until
        )
    )
    return [
        Line(
            ref=x.case_id,
            item=f"sustainment:{x.action_id}:dhp_ends",
            ref_kind="case",
            team=x.team,
            what="DHP award ends",
            why=(
                f"DHP {x.action_id}"
                + (f" of £{x.amount}" if x.amount is not None else "")
                + f" ends {uk_date(x.award_to)}: consider a renewal"  # type: ignore[arg-type]
            ),
            due_on=x.award_to,  # type: ignore[arg-type]
        )
        for x in rows
    ]


def _plans(session: Session, day: date, until: date) -> list[Line]:
    p = ReportPlan
    rows = session.scalars(
        select(p).where(
            p.standing.in_(("on_track", "behind")), p.by_date >= day, p.by_date <= until
        )
    )
    return [
        Line(
            ref=x.case_id,
            item="plan:by_date",
            ref_kind="case",
            team=teams.INCOME,
            what="arrears plan ends",
            why=(
                f"the arrears plan ends {uk_date(x.by_date)} (target £{x.target_balance}"
                + (", behind" if x.standing == "behind" else "")
                + ")"
            ),
            due_on=x.by_date,
            escalated=x.standing == "behind",
        )
        for x in rows
    ]


def _ipr_activities(session: Session, day: date) -> list[Line]:
    a = IprActivityRecord
    rows = session.scalars(select(a).where(a.status != "assured", a.due_on < day))
    return [
        Line(
            ref=x.ipr_id,
            item=f"ipr_activity:{x.activity_id}",
            ref_kind="ipr",
            team=teams.IPRG,
            what="agreed activity overdue",
            why=(
                f"{x.service_line}'s agreed {x.activity_id.replace('-', ' ')} was due "
                f"{uk_date(x.due_on)}"
                f" and is not assured ({x.escalations} escalation(s))"
            ),
            due_on=x.due_on,
            escalated=x.escalations > 0,
        )
        for x in rows
    ]
