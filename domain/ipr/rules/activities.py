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
    for n, item in enumerate(cmd.activities):
        if item.due_on <= cmd.agreed_on:
            raise DomainError(f"activities.{n}.due_on", "must be after the day it was agreed")
    # One event agrees them all: numbered on from the activities the review holds.
    numbers = count(len(state.activities) + 1)
    activities = tuple(
        AgreedActivity(
            activity_id=state.children.nth(number),
            service_line=item.service_line,
            description=item.description,
            due_on=item.due_on,
            agreed_on=cmd.agreed_on,
        )
        for number, item in zip(numbers, cmd.activities, strict=False)
    )
    return [e.ActivitiesAgreed(at=now, by=cmd.by, activities=activities)]


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
