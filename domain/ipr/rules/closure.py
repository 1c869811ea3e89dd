"""How an IPR ends: learning outcomes, then closing; or feedback on a referral not
accepted."""

from datetime import datetime

from domain.dates import business_date
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.model import IprState
from domain.ipr.rules.guards import STAGES_AFTER_FINDINGS, business_day, must_be_at_stage


def record_learning_outcome(
    state: IprState, cmd: c.RecordLearningOutcome, now: datetime
) -> list[e.IprEvent]:
    must_be_at_stage(state, STAGES_AFTER_FINDINGS, "a learning outcome")
    findings = state.findings_on or state.referred_on
    recorded_on = business_day(
        "recorded_on", cmd.recorded_on, now, on_or_after=("the findings", findings)
    )
    return [
        e.LearningOutcomeRecorded(
            at=now,
            by=cmd.by,
            service_line=cmd.service_line,
            text=cmd.outcome,
            recorded_on=recorded_on,
        )
    ]


def close_ipr(state: IprState, cmd: c.CloseIpr, now: datetime) -> list[e.IprEvent]:
    must_be_at_stage(state, STAGES_AFTER_FINDINGS, "closing")
    if state.open_activities:
        ids = ", ".join(a.activity_id for a in state.open_activities)
        raise DomainError("activities", f"cannot close while agreed activities are open: {ids}")
    if state.learning_identified and not state.outcomes:
        raise DomainError(
            "learning_outcomes", "learning was identified: record its learning outcomes first"
        )
    completed_on = business_day(
        "completed_on",
        cmd.completed_on,
        now,
        on_or_after=("the review's last recorded step", state.last_business_day),
    )
    return [e.Closed(at=now, by=cmd.by, closed_on=completed_on, accepted=True)]


def record_feedback(state: IprState, cmd: c.RecordFeedback, now: datetime) -> list[e.IprEvent]:
    if state.accepted is not False or state.feedback_path is not None:
        raise DomainError("feedback_path", "feedback goes only with a referral not accepted")
    return [
        e.FeedbackSent(at=now, by=e.SYSTEM, feedback_path=cmd.feedback_path),
        e.Closed(at=now, by=e.SYSTEM, closed_on=business_date(now), accepted=False),
    ]
