"""The activities the IPRG agrees, and the progress their workflows report."""

from datetime import datetime
from itertools import count

from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.model import AgreedActivity, IprState
from domain.ipr.rules.guards import STAGES_AFTER_FINDINGS, must_be_at_stage, must_not_be_future


def record_iprg_agreement(
    state: IprState, cmd: c.RecordIprgAgreement, now: datetime
) -> list[e.IprEvent]:
    must_be_at_stage(state, STAGES_AFTER_FINDINGS, "an IPRG agreement")
    must_not_be_future("agreed_on", cmd.agreed_on, now)
    if state.findings_day_given and state.findings_on and cmd.agreed_on < state.findings_on:
        raise DomainError(
            "agreed_on", f"cannot be before the findings ({state.findings_on.isoformat()})"
        )
    for n, item in enumerate(cmd.activities):
        if item.due_on <= cmd.agreed_on:
            raise DomainError(f"activities.{n}.due_on", "must be after the day it was agreed")
        _assured_before_the_engine(state, n, item, cmd, now)
    # One event agrees them all: numbered on from the activities the review holds.
    numbers = count(len(state.activities) + 1)
    activities = tuple(
        AgreedActivity(
            activity_id=state.children.nth(number),
            service_line=item.service_line,
            description=item.description,
            due_on=item.due_on,
            agreed_on=cmd.agreed_on,
            status="assured" if item.assured_on is not None else "open",
            assured_on=item.assured_on,
            evidence=item.evidence,
        )
        for number, item in zip(numbers, cmd.activities, strict=False)
    )
    return [e.ActivitiesAgreed(at=now, by=cmd.by, activities=activities)]


def _assured_before_the_engine(
    state: IprState, n: int, item: c.ActivityItem, cmd: c.RecordIprgAgreement, now: datetime
) -> None:
    """An activity agreed already assured: only on an imported review, with the day and
    the owner's evidence, between its agreement and today."""
    if item.assured_on is None and item.evidence is None:
        return
    field = f"activities.{n}.assured_on"
    if not state.imported:
        raise DomainError(
            field,
            "only a review imported with its real dates records an activity already "
            "assured; the owner's assurance goes to the activity (record_assurance)",
        )
    if item.assured_on is None or not (item.evidence or "").strip():
        raise DomainError(field, "an activity assured needs both its day and the evidence")
    must_not_be_future(field, item.assured_on, now)
    if item.assured_on < cmd.agreed_on:
        raise DomainError(field, f"cannot be before the day it was agreed ({cmd.agreed_on})")


def record_activity_progress(
    state: IprState, cmd: c.RecordActivityProgress, now: datetime
) -> list[e.IprEvent]:
    if cmd.activity_id not in {a.activity_id for a in state.activities}:
        raise DomainError("activity_id", "no such agreed activity on this IPR")
    return [
        e.ActivityProgressed(
            at=now,
            by="agreed_activity",
            activity_id=cmd.activity_id,
            kind=cmd.kind,
            escalations=cmd.escalations,
            evidence=cmd.evidence,
            assured_on=cmd.assured_on,
        )
    ]
