"""One case event, as stored (`case_events.type` and `.data`), applied to the
reporting tables. The same function serves the live projection (`project_case`, in
its transaction, after the event rows) and the backfill over `case_events`
(`rebuild`), so both give the same rows.

Idempotent: a row keeps the sequence of the last event applied to it and takes an
event only when it is newer; creating events insert nothing twice. The rent balance
on the move onto UC is recomputed from the case's stored events, so it does not
depend on the order in which a rent movement and the claim status arrive.

Reads the JSON leniently (`.get`): older payloads lack later fields
(domain/upcast.py), and a field erasure scrubbed reads as absent where it matters."""

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, delete, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from activities.db import CaseEventRecord
from activities.reporting.tables import (
    REPORT_TABLES,
    ReportArrangement,
    ReportMigration,
    ReportPlan,
    ReportSustainment,
    ReportTask,
    ReportUcMove,
)
from domain.dates import business_date
from domain.migration.deadlines import final_deadline
from domain.teams import sustainment_team, task_team, task_why

Data = dict[str, Any]
FINAL_SUSTAINMENT = ("completed", "declined", "awarded", "refused")
DECIDED = ("granted", "refused")
# The events whose stored rows decide the balance on the move onto UC.
BALANCE_EVENTS = ("CaseOpened", "ClaimStatusRecorded", "RentMovementRecorded")
ISO_DATE = r"(\d{4}-\d{2}-\d{2})"


def inserter(engine_or_session: Engine | Session) -> Any:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else None
    dialect = (bind or engine_or_session).dialect.name  # type: ignore[union-attr]
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def apply_event(
    session: Session, case_id: str, seq: int, type_: str, at: datetime, data: Data
) -> None:
    """Apply one stored event of `case_id` to the reporting tables (see module doc)."""
    handler = _HANDLERS.get(type_)
    if handler is not None:
        handler(_Event(session, inserter(session), case_id, seq, at, data))
    if type_ in BALANCE_EVENTS:
        refresh_uc_move(session, case_id)


def apply_events(session: Session, case_id: str, events: Iterable[Any]) -> None:
    """`events`: anything with seq, type, at and data (EventRecord, CaseEventRecord)."""
    for ev in events:
        apply_event(session, case_id, ev.seq, ev.type, _instant(ev.at), ev.data)


def rebuild(engine: Engine, case_ids: Iterable[str] | None = None) -> int:
    """Refill the reporting tables from `case_events` alone (all cases, or these):
    each case's rows are deleted and rebuilt in one transaction. Returns the cases."""
    with Session(engine) as session:
        if case_ids is None:
            case_ids = list(session.scalars(select(CaseEventRecord.case_id).distinct()))
        else:
            case_ids = list(case_ids)
    done = 0
    for case_id in case_ids:
        with Session(engine) as session, session.begin():
            for table in REPORT_TABLES:
                session.execute(delete(table).where(table.case_id == case_id))
            events = session.scalars(
                select(CaseEventRecord)
                .where(CaseEventRecord.case_id == case_id)
                .order_by(CaseEventRecord.seq)
            )
            apply_events(session, case_id, list(events))
        done += 1
    return done


class _Event:
    def __init__(
        self, session: Session, insert: Any, case_id: str, seq: int, at: datetime, data: Data
    ) -> None:
        self.session, self.insert = session, insert
        self.case_id, self.seq, self.at, self.data = case_id, seq, at, data

    @property
    def on(self) -> date:
        return business_date(self.at)

    def create(self, table: Any, **values: Any) -> None:
        """Insert the row once; a replay of its creating event changes nothing."""
        stmt = self.insert(table.__table__).values(case_id=self.case_id, seq=self.seq, **values)
        self.session.execute(stmt.on_conflict_do_nothing())

    def replace(self, table: Any, **values: Any) -> None:
        """Insert or, when this event is newer than the row's last, overwrite it."""
        t = table.__table__
        stmt = self.insert(t).values(case_id=self.case_id, seq=self.seq, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c for c in t.primary_key.columns],
            set_={k: stmt.excluded[k] for k in [*values, "seq"]},
            where=t.c.seq < stmt.excluded.seq,
        )
        self.session.execute(stmt)

    def change(self, table: Any, where: Any, **values: Any) -> None:
        """Update the case's row(s) `where` holds, if this event is newer."""
        self.session.execute(
            update(table)
            .where(table.case_id == self.case_id, table.seq < self.seq, where)
            .values(seq=self.seq, **values)
        )


# --- tasks ---------------------------------------------------------------------------


def _task_opened(ev: _Event) -> None:
    d = ev.data
    kind, owner, subject = d["kind"], str(d.get("owner") or ""), d.get("subject")
    action_kind = None
    if kind == "sustainment_follow_up" and subject:
        action_kind = ev.session.scalar(
            select(ReportSustainment.kind).where(
                ReportSustainment.case_id == ev.case_id, ReportSustainment.action_id == subject
            )
        )
    ev.create(
        ReportTask,
        task_id=d["task_id"],
        kind=kind,
        team=task_team(kind, owner, action_kind),
        owner=owner,
        subject=subject,
        why=task_why(kind),
        status="open",
        due_at=_instant(d["due_at"]),
        opened_at=ev.at,
        closed_at=None,
        escalated_at=None,
    )


def _task_completed(ev: _Event) -> None:
    ev.change(ReportTask, ReportTask.task_id == ev.data["task_id"], status="done", closed_at=ev.at)


def _tasks_cancelled(ev: _Event) -> None:
    ids = list(ev.data.get("task_ids") or ())
    ev.change(ReportTask, ReportTask.task_id.in_(ids), status="cancelled", closed_at=ev.at)


def _task_escalated(ev: _Event) -> None:
    ev.change(ReportTask, ReportTask.task_id == ev.data["task_id"], escalated_at=ev.at)


# --- payment arrangements --------------------------------------------------------------


def _arrangement_requested(ev: _Event) -> None:
    d = ev.data
    ev.create(
        ReportArrangement,
        arrangement_id=d["arrangement_id"],
        kind=d["kind"],
        apa_type=d.get("apa_type"),
        requested_on=ev.on,
        submitted_on=None,
        objection_until=None,
        status="requested",
        active=True,
        outcome=None,
        decided_on=None,
        start_date=None,
        deduction_rate=_money(d.get("deduction_rate")),
        granted_rate=None,
        review_dates=[],
        ended_on=None,
    )


def _arrangement_progressed(ev: _Event) -> None:
    d = ev.data
    status = d.get("status") or "requested"
    values: dict[str, Any] = {"status": status, "active": bool(d.get("active", True))}
    if status in DECIDED:
        values |= {"outcome": status, "decided_on": ev.on}
    if d.get("kind") == "arrangement_submitted":
        values["submitted_on"] = ev.on
        until = _date_after(r"object until ", d.get("text"))
        if until is not None:
            values["objection_until"] = until
    if d.get("start_date"):
        values["start_date"] = _day(d["start_date"])
    if d.get("granted_rate") is not None:
        values["granted_rate"] = _money(d["granted_rate"])
    if d.get("review_dates"):
        values["review_dates"] = [str(x) for x in d["review_dates"]]
    ev.change(ReportArrangement, ReportArrangement.arrangement_id == d["arrangement_id"], **values)


def _arrangement_ended(ev: _Event) -> None:
    d = ev.data
    status = d.get("status") or "ended"
    where = ReportArrangement.arrangement_id == d["arrangement_id"]
    ev.change(ReportArrangement, where, status=status, active=False, ended_on=_day(d["ended_on"]))
    if status == "withdrawn":
        ev.session.execute(
            update(ReportArrangement)
            .where(
                ReportArrangement.case_id == ev.case_id,
                where,
                ReportArrangement.outcome.is_(None),
            )
            .values(outcome="withdrawn")
        )


def _arrangement_renumbered(ev: _Event) -> None:
    d = ev.data
    ev.change(
        ReportArrangement,
        ReportArrangement.arrangement_id == d["arrangement_id"],
        arrangement_id=d["new_id"],
    )


# --- managed migration -----------------------------------------------------------------


def _migration_notice(ev: _Event) -> None:
    d = ev.data
    deadline = date.fromisoformat(str(d["deadline_day"])[:10])
    ev.replace(
        ReportMigration,
        notice_on=_day(d["notice_issued"]),
        deadline_day=deadline,
        final_deadline=final_deadline(deadline),
        reissued=bool(d.get("reissued")),
        tax_credits=bool(d.get("tax_credits")),
        status="notice_issued",
        protection="pending",
        claim_on=None,
        active=True,
    )


def _migration_progressed(ev: _Event) -> None:
    d = ev.data
    values: dict[str, Any] = {
        "status": d.get("status") or "notice_issued",
        "protection": d.get("protection") or "pending",
        "active": bool(d.get("active", True)),
    }
    text = d.get("text")
    if d.get("kind") == "migration_extension":
        # The child's wording (domain/migration/journal.py) carries the new dates.
        deadline = _date_after(r"extended to ", text)
        if deadline is not None:
            values["deadline_day"] = deadline
            values["final_deadline"] = _date_after(r"final deadline ", text) or final_deadline(
                deadline
            )
    if d.get("kind") == "migration_claim":
        values["claim_on"] = _date_after(r"claim made ", text) or ev.on
    ev.change(ReportMigration, true(), **values)


def _child_not_started(ev: _Event) -> None:
    if ev.data.get("child") == "managed_migration":
        ev.change(ReportMigration, true(), status="not_started", active=False)


# --- tenancy sustainment ---------------------------------------------------------------


def _sustainment_started(ev: _Event) -> None:
    d = ev.data
    ev.create(
        ReportSustainment,
        action_id=d["action_id"],
        kind=d["kind"],
        team=sustainment_team(d["kind"]),
        status="requested",
        started_on=ev.on,
        applied_on=None,
        decided_on=None,
        ended_on=None,
        award_from=None,
        award_to=None,
        amount=None,
    )


def _sustainment_updated(ev: _Event) -> None:
    d = ev.data
    status = d.get("status") or "in_progress"
    ev.change(
        ReportSustainment,
        ReportSustainment.action_id == d["action_id"],
        status=status,
        award_from=_day(d.get("award_from")),
        award_to=_day(d.get("award_to")),
        amount=_money(d.get("amount")),
        applied_on=_day(d.get("applied_on")),
        decided_on=_day(d.get("decided_on")),
        ended_on=ev.on if status in FINAL_SUSTAINMENT else None,
    )


# --- arrears plan ----------------------------------------------------------------------


def _plan_agreed(ev: _Event) -> None:
    d = ev.data
    ev.replace(
        ReportPlan,
        start_date=_day(d["start_date"]),
        by_date=_day(d["by_date"]),
        start_balance=_money(d["start_balance"]),
        target_balance=_money(d["target_balance"]),
        standing="on_track",
    )


def _plan_checked(ev: _Event) -> None:
    ev.change(ReportPlan, true(), standing=ev.data.get("standing") or "on_track")


# --- the move onto UC ------------------------------------------------------------------


def refresh_uc_move(session: Session, case_id: str) -> None:
    """The balance on the day the resident moved onto UC (the claim's first assessment
    period start): after every rent movement dated before that day, or, with none,
    the balance the case opened with. Recomputed from the stored events."""
    rows = session.execute(
        select(CaseEventRecord.seq, CaseEventRecord.type, CaseEventRecord.at, CaseEventRecord.data)
        .where(CaseEventRecord.case_id == case_id, CaseEventRecord.type.in_(BALANCE_EVENTS))
        .order_by(CaseEventRecord.seq)
    ).all()
    opening: Decimal | None = None
    opened_on: date | None = None
    moved_on: date | None = None
    movements: list[tuple[date, Decimal]] = []
    for _seq, type_, at, data in rows:
        if type_ == "CaseOpened":
            opening, opened_on = _money(data.get("balance")), business_date(_instant(at))
        elif type_ == "ClaimStatusRecorded":
            moved_on = _day((data.get("claim") or {}).get("first_ap_start")) or moved_on
        else:
            balance = _money(data.get("balance_after"))
            day = _day(data.get("on"))
            if balance is not None and day is not None:
                movements.append((day, balance))
    if opening is None or opened_on is None:
        return  # the opening event was set aside: nothing to measure from
    current, balance_on = (
        (movements[-1][1], movements[-1][0]) if movements else (opening, opened_on)
    )
    on_move: Decimal | None = None
    if moved_on is not None:
        before = [b for day, b in movements if day < moved_on]
        on_move = before[-1] if before else opening
    values = {
        "moved_on": moved_on,
        "balance_on_move": on_move,
        "opening_balance": opening,
        "current_balance": current,
        "balance_on": balance_on,
        "seq": rows[-1][0],
    }
    insert = inserter(session)
    stmt = insert(ReportUcMove.__table__).values(case_id=case_id, **values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ReportUcMove.__table__.c.case_id],
            set_={k: stmt.excluded[k] for k in values},
        )
    )


# --- values ----------------------------------------------------------------------------


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date_after(prefix: str, text: Any) -> date | None:
    if not isinstance(text, str):
        return None
    found = re.search(prefix + ISO_DATE, text)
    return _day(found.group(1)) if found else None


_HANDLERS: dict[str, Callable[[_Event], None]] = {
    "TaskOpened": _task_opened,
    "TaskCompleted": _task_completed,
    "TasksCancelled": _tasks_cancelled,
    "TaskEscalated": _task_escalated,
    "PaymentArrangementRequested": _arrangement_requested,
    "ArrangementProgressed": _arrangement_progressed,
    "ArrangementEnded": _arrangement_ended,
    "ArrangementRenumbered": _arrangement_renumbered,
    "MigrationNoticeRecorded": _migration_notice,
    "MigrationProgressed": _migration_progressed,
    "ChildNotStarted": _child_not_started,
    "SustainmentStarted": _sustainment_started,
    "SustainmentUpdated": _sustainment_updated,
    "ArrearsPlanAgreed": _plan_agreed,
    "ArrearsPlanChecked": _plan_checked,
}
