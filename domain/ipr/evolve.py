"""evolve(state, event) -> state: the facts each event changes, and the count of
versions (`version`: the referral is the first, each event one more). What each says
in the journal is a projection of it (domain/ipr/journal.py), kept by the workflow."""

from dataclasses import replace
from datetime import datetime

from domain.dates import business_date
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.criteria import counted_reviews
from domain.ipr.model import (
    ActivityStatus,
    EvidenceItem,
    FactFinding,
    IprPolicy,
    IprState,
    LearningOutcome,
    Screening,
)
from domain.shared.children import ChildNames


def initial_state(
    referral: c.Referral, now: datetime, policy: IprPolicy, children: ChildNames
) -> IprState:
    """`children`: what the review's agreed activities are called (workflows/ids.py)."""
    state = IprState(
        reference=referral.reference,
        referred_on=referral.received_on,
        received_at=now,
        referrer=referral.referrer,
        source=referral.source,
        customer=referral.customer,
        summary=referral.summary,
        service_lines=tuple(dict.fromkeys(referral.service_lines)),
        policy=policy,
        children=children,
        imported=referral.imported,
    )
    # The referral is the review's first version (its journal's first entry:
    # domain/ipr/journal.py `referred`).
    return _counted(state)


def evolve(s: IprState, ev: e.IprEvent) -> IprState:
    return _counted(_apply(s, ev))


def _apply(s: IprState, ev: e.IprEvent) -> IprState:
    match ev:
        case e.Screened():
            day = ev.screened_on or business_date(ev.at)
            screening = Screening(ev.facts, ev.decision, ev.by, day)
            # The facts hold every review recorded before screening too; what counts
            # depends on the nation (an SCR outside Scotland goes).
            scrutiny = counted_reviews(ev.facts)
            s = _primary(s, ev.service_lines) if ev.service_lines else s
            if ev.decision.met:
                return replace(
                    s,
                    screening=screening,
                    stage="investigation",
                    investigation_started_on=day,
                    external_scrutiny=scrutiny,
                )
            return replace(s, screening=screening, stage="not_accepted", external_scrutiny=scrutiny)
        case e.InvestigatorAssigned():
            return replace(s, investigator=ev.investigator)
        case e.EvidenceRecorded():
            item = EvidenceItem(ev.service_line, ev.description, ev.by, ev.at)
            return _touch(replace(s, evidence=(*s.evidence, item)), ev.service_line)
        case e.FactFindingRecorded():
            talk = FactFinding(ev.service_line, ev.stakeholder_role, ev.held_on, ev.summary, ev.by)
            return _touch(replace(s, discussions=(*s.discussions, talk)), ev.service_line)
        case e.FindingsRecorded():
            state = replace(
                s,
                stage="findings",
                learning_identified=ev.learning_identified,
                learning=ev.learning,
                findings_on=ev.recorded_on or business_date(ev.at),
                findings_day_given=ev.recorded_on is not None,
            )
            for learnt in ev.learning:
                state = _touch(state, learnt.service_line)
            return state
        case e.ActivitiesAgreed():
            state = replace(
                s, stage="agreed_activities", activities=(*s.activities, *ev.activities)
            )
            for activity in ev.activities:
                state = _touch(state, activity.service_line)
            return state
        case e.ActivityProgressed():
            status: ActivityStatus | None = {
                "reminder": None,
                "overdue": "overdue",
                "assured": "assured",
            }[ev.kind]
            activities = tuple(
                replace(
                    a,
                    status=status or a.status,
                    escalations=max(a.escalations, ev.escalations),
                    evidence=ev.evidence or a.evidence,
                    assured_on=ev.assured_on or a.assured_on,
                )
                if a.activity_id == ev.activity_id
                else a
                for a in s.activities
            )
            return replace(s, activities=activities)
        case e.LearningOutcomeRecorded():
            outcome = LearningOutcome(ev.service_line, ev.text, ev.recorded_on)
            return _touch(
                replace(s, outcomes=(*s.outcomes, outcome), stage="learning_outcomes"),
                ev.service_line,
            )
        case e.ExternalScrutinyRecorded():
            return replace(s, external_scrutiny=(*s.external_scrutiny, ev.kind))
        case e.TargetBreached():
            if ev.target == "screening":
                return replace(s, screening_escalated=True)
            return replace(s, investigation_escalated=True)
        case e.FeedbackSent():
            return replace(s, feedback_path=ev.feedback_path, shared_with_acssl=True)
        case e.ReadModelNoted():
            return s
        case e.Closed():
            return replace(
                s, closed_on=ev.closed_on, stage="closed" if ev.accepted else "not_accepted"
            )
        case e.ProgressNoticeRefused() | e.ChildNotStarted():
            # Not started: the activity stays open (it is not assured) and the journal
            # says why nothing reminds anyone of it.
            return s
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")


def _touch(s: IprState, service_line: str) -> IprState:
    """A line the investigation reached: never a primary line of the case for that
    (docs/rules.md#ipr-publication); noted for the search attribute of older reviews."""
    if service_line in s.service_lines or service_line in s.lines_reached:
        return s
    return replace(s, lines_reached=(*s.lines_reached, service_line))


def _primary(s: IprState, lines: tuple[str, ...]) -> IprState:
    """Screening's primary lines replace the referral's."""
    primary = tuple(dict.fromkeys(lines))
    reached = tuple(x for x in s.lines_reached if x not in primary)
    return replace(s, service_lines=primary, lines_reached=reached)


def _counted(s: IprState) -> IprState:
    """One more version: the referral or an event applied."""
    return replace(s, version=s.version + 1)
