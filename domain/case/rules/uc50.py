"""The UC50 capability questionnaire: issued, reminded, due back within 4 weeks."""

from datetime import datetime, timedelta

from domain.case import commands as c
from domain.case import events as e
from domain.case.evolve import evolve
from domain.case.model import CaseState
from domain.case.rules.guards import must_be_alive
from domain.case.rules.tasks import new_task
from domain.dates import business_date, start_of_day
from domain.errors import DomainError
from domain.shared.decision import Decision


def record_uc50_issued(state: CaseState, cmd: c.RecordUc50Issued, now: datetime) -> list[e.Event]:
    must_be_alive(state, "a UC50")
    if cmd.issued_on > business_date(now):
        raise DomainError("issued_on", "cannot be in the future")
    if cmd.issued_on < business_date(now) - timedelta(days=28):
        raise DomainError(
            "issued_on",
            "is more than 4 weeks ago, so the UC50 is already due back: "
            "record what happened to it as a journal note",
        )
    due = cmd.issued_on + timedelta(days=28)  # returned within 4 weeks
    d: Decision[CaseState, e.Event] = Decision(state, evolve)
    d.emit(
        e.InteractionRecorded(
            at=now,
            by=cmd.by,
            kind="uc50_issued",
            summary=f"UC50 issued {cmd.issued_on.isoformat()}; due back {due.isoformat()}",
        )
    )
    d.emit(
        new_task(
            d.state,
            now,
            cmd.by,
            "uc50_reminder",
            start_of_day(due - timedelta(days=7)),
            f"UC50 due {due.isoformat()}: remind the resident and offer help",
        )
    )
    d.emit(
        new_task(
            d.state,
            now,
            cmd.by,
            "uc50_return",
            start_of_day(due),
            f"UC50 due back {due.isoformat()}",
        )
    )
    return d.events
