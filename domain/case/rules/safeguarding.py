"""Safeguarding declarations and the Six-Point Plan."""

from datetime import datetime

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.errors import DomainError


def record_safeguarding_declaration(
    state: CaseState, cmd: c.RecordSafeguardingDeclaration, now: datetime
) -> list[e.Event]:
    if state.open_plan_steps:
        raise DomainError(
            "six_point_plan",
            "a Six-Point Plan is already open on this case; "
            "complete its steps and record further detail as journal notes",
        )
    return [
        e.SafeguardingDeclared(
            at=now, by=cmd.by, kind=cmd.kind, note=cmd.note, steps=state.policy.six_point_plan_steps
        )
    ]


def complete_plan_step(state: CaseState, cmd: c.CompletePlanStep, now: datetime) -> list[e.Event]:
    if cmd.step not in state.open_plan_steps:
        open_steps = ", ".join(state.open_plan_steps) or "none"
        raise DomainError("step", f"not an open Six-Point Plan step; open steps: {open_steps}")
    return [e.PlanStepCompleted(at=now, by=cmd.by, step=cmd.step, note=cmd.note)]
