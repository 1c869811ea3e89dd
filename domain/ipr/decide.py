"""decide(state, command, now) -> events: the dispatch to the rules in domain/ipr/rules/.
Pure: time comes in as `now`. Refusals name the field and the rule. The referral check,
evolve, the journal and the targets live beside it and are importable from here."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.dates import business_date
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.deadlines import next_wakeup as next_wakeup
from domain.ipr.deadlines import on_time_passed as on_time_passed
from domain.ipr.evolve import evolve as evolve
from domain.ipr.evolve import initial_state as initial_state
from domain.ipr.journal import describe as describe
from domain.ipr.model import IprState
from domain.ipr.rules.activities import record_activity_progress, record_iprg_agreement
from domain.ipr.rules.closure import close_ipr, record_feedback, record_learning_outcome
from domain.ipr.rules.investigation import (
    assign_investigator,
    record_evidence,
    record_fact_finding,
    record_findings,
)
from domain.ipr.rules.referral import check_referral as check_referral
from domain.ipr.rules.screening import record_external_scrutiny, record_screening
from domain.notices import NotFromTheChild
from domain.shared.dispatch import handler_for
from domain.values import check_horizon


def decide(state: IprState, command: Any, now: datetime) -> list[e.IprEvent]:
    if state.finished:
        raise DomainError("ipr", f"this IPR is {state.stage.replace('_', ' ')} and takes no more")
    handler = handler_for(_HANDLERS, command)
    if type(command) in _FROM_OUTSIDE:
        check_horizon(command, business_date(now))
    return handler(state, command, now)


# Commands a back office sends: their dates are checked against the IPR's clock.
_FROM_OUTSIDE = frozenset(c.COMMANDS.values())


def activity_not_started(activity_id: str, reason: str, now: datetime) -> list[e.IprEvent]:
    """An agreed activity's workflow was refused (its id is taken): journalled, never
    swallowed."""
    return [
        e.ChildNotStarted(
            at=now, by=e.SYSTEM, child="agreed_activity", workflow_id=activity_id, reason=reason
        )
    ]


def notice_refused(notice: str, refusal: NotFromTheChild, now: datetime) -> list[e.IprEvent]:
    """A progress notice not from the child the IPR started: journalled, naming the
    rule and never what it said; nothing else changes."""
    return [e.ProgressNoticeRefused(at=now, by=e.SYSTEM, notice=notice, rule=refusal.rule)]


_HANDLERS: dict[type, Callable[[IprState, Any, datetime], list[e.IprEvent]]] = {
    c.RecordScreening: record_screening,
    c.AssignInvestigator: assign_investigator,
    c.RecordEvidence: record_evidence,
    c.RecordFactFinding: record_fact_finding,
    c.RecordFindings: record_findings,
    c.RecordIprgAgreement: record_iprg_agreement,
    c.RecordLearningOutcome: record_learning_outcome,
    c.RecordExternalScrutiny: record_external_scrutiny,
    c.CloseIpr: close_ipr,
    c.RecordActivityProgress: record_activity_progress,
    c.RecordFeedback: record_feedback,
}
