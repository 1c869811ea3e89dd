"""Enforcement steps: only on an open case, a living resident and a recent vulnerability review."""

from datetime import datetime

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.guards import (
    must_be_alive,
    must_be_open,
    vulnerability_review_must_be_recent,
)


def record_enforcement_step(
    state: CaseState, cmd: c.RecordEnforcementStep, now: datetime
) -> list[e.Event]:
    must_be_open(state, "an enforcement step")
    must_be_alive(state, "an enforcement step")
    vulnerability_review_must_be_recent(state, now)
    return [e.EnforcementStepRecorded(at=now, by=cmd.by, step=cmd.step, note=cmd.note)]
