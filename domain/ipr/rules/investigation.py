"""The investigation: its investigator, evidence, fact-finding discussions and findings."""

from datetime import datetime

from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.model import IprState, Learning
from domain.ipr.rules.guards import (
    business_day,
    must_be_at_stage,
    must_be_investigating,
    must_not_be_future,
)


def assign_investigator(
    state: IprState, cmd: c.AssignInvestigator, now: datetime
) -> list[e.IprEvent]:
    must_be_at_stage(state, ("investigation",), "assigning an investigator")
    return [e.InvestigatorAssigned(at=now, by=cmd.by, investigator=cmd.investigator)]


def record_evidence(state: IprState, cmd: c.RecordEvidence, now: datetime) -> list[e.IprEvent]:
    must_be_investigating(state, "recording evidence")
    return [
        e.EvidenceRecorded(
            at=now, by=cmd.by, service_line=cmd.service_line, description=cmd.description
        )
    ]


def record_fact_finding(
    state: IprState, cmd: c.RecordFactFinding, now: datetime
) -> list[e.IprEvent]:
    must_be_investigating(state, "a fact-finding discussion")
    must_not_be_future("held_on", cmd.held_on, now)
    if cmd.held_on < state.referred_on:
        raise DomainError("held_on", f"is before the referral ({state.referred_on.isoformat()})")
    return [
        e.FactFindingRecorded(
            at=now,
            by=cmd.by,
            service_line=cmd.service_line,
            stakeholder_role=cmd.stakeholder_role,
            held_on=cmd.held_on,
            summary=cmd.summary,
        )
    ]


def record_findings(state: IprState, cmd: c.RecordFindings, now: datetime) -> list[e.IprEvent]:
    must_be_investigating(state, "recording findings")
    if not state.evidence and not state.discussions:
        raise DomainError(
            "findings", "need at least one evidence item or fact-finding discussion first"
        )
    if cmd.learning_identified and not cmd.learning:
        raise DomainError("learning", "learning identified: say what, for which service line")
    if not cmd.learning_identified and cmd.learning:
        raise DomainError("learning", "must be empty when no learning is identified")
    started = state.investigation_started_on or state.referred_on
    business_day("recorded_on", cmd.recorded_on, now, on_or_after=("the screening", started))
    learning = tuple(Learning(item.service_line, item.text) for item in cmd.learning)
    return [
        e.FindingsRecorded(
            at=now,
            by=cmd.by,
            learning_identified=cmd.learning_identified,
            learning=learning,
            recorded_on=cmd.recorded_on,
        )
    ]
