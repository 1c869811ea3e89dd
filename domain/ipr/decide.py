"""decide(state, command, now) -> events; evolve; the IPR's targets as time passes.
Pure: time comes in as `now`. Refusals name the field and the rule."""

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from domain import child_ids
from domain.dates import business_date, end_of_day
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.criteria import ScreeningFacts, counted_reviews, screen
from domain.ipr.model import (
    ActivityStatus,
    AgreedActivity,
    EvidenceItem,
    FactFinding,
    IprPolicy,
    IprState,
    JournalEntry,
    Learning,
    LearningOutcome,
    Screening,
)
from domain.notices import NotFromTheChild
from domain.shared.dispatch import handler_for
from domain.values import birth_rule, check_horizon

INTERNAL_DOMAIN = "@dwp.gov.uk"
STAGES_AFTER_FINDINGS = ("findings", "agreed_activities", "learning_outcomes")


def check_referral(referral: c.Referral, now: datetime) -> None:
    """Referrals come only from DWP colleagues (DOMAIN.md 3.1)."""
    if not referral.referrer.email.lower().endswith(INTERNAL_DOMAIN):
        raise DomainError(
            "referrer",
            "an IPR referral comes only from a DWP colleague (an @dwp.gov.uk address); "
            "an MP, a local authority, a family or a coroner raises the concern with a "
            "colleague, who refers it and names them as the source",
        )
    if referral.received_on > business_date(now):
        raise DomainError("received_on", "cannot be in the future")
    born = referral.customer.date_of_birth
    # Any age: a DLA customer may be a child (domain/bounds.py).
    rule = birth_rule(born, business_date(now), 0) if born is not None else None
    if rule:
        raise DomainError("customer.date_of_birth", rule)
    _reference_names_nobody(referral)


def _reference_names_nobody(referral: c.Referral) -> None:
    """The reference becomes the workflow id: it must not carry the customer's name or
    date of birth (ids and search attributes hold no personal data)."""
    reference = referral.reference.lower()
    customer = referral.customer
    names = [p for p in re.split(r"[\s,'’-]+", customer.full_name.lower()) if len(p) > 2]
    born = customer.date_of_birth
    dates = [born.strftime(f) for f in ("%Y%m%d", "%d%m%Y", "%d%m%y")] if born else []
    tokens = set(re.split(r"[^0-9a-z]+", reference))
    compact = re.sub(r"[^0-9a-z]", "", reference)
    named = any(n in tokens or (len(n) >= 5 and n in compact) for n in names)
    if named or any(d in compact for d in dates):
        raise DomainError(
            "reference",
            "must not contain the customer's name or date of birth: it becomes the "
            "workflow id; use DWP's IPR reference",
        )


def initial_state(
    referral: c.Referral, now: datetime, policy: IprPolicy, id_scope: str | None = None
) -> IprState:
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
        id_scope=id_scope,
    )
    source = (
        "" if referral.source == "dwp" else f" (raised by: {referral.source.replace('_', ' ')})"
    )
    return _journal(state, now, referral.referrer.name, "referral", f"referred{source}")


def decide(state: IprState, command: Any, now: datetime) -> list[e.IprEvent]:
    if state.finished:
        raise DomainError("ipr", f"this IPR is {state.stage.replace('_', ' ')} and takes no more")
    handler = handler_for(_HANDLERS, command)
    if type(command) in _FROM_OUTSIDE:
        check_horizon(command, business_date(now))
    return handler(state, command, now)


# Commands a back office sends: their dates are checked against the IPR's clock.
_FROM_OUTSIDE = frozenset(c.COMMANDS.values())


def _stage(state: IprState, allowed: tuple[str, ...], action: str) -> None:
    if state.stage not in allowed:
        raise DomainError(
            "stage",
            f"{action} is not possible at stage {state.stage.replace('_', ' ')} "
            f"(only at: {', '.join(s.replace('_', ' ') for s in allowed)})",
        )


def _not_future(field: str, day: date, now: datetime) -> None:
    if day > business_date(now):
        raise DomainError(field, "cannot be in the future")


def _screen(state: IprState, cmd: c.RecordScreening, now: datetime) -> list[e.IprEvent]:
    _stage(state, ("screening",), "screening")
    # Reviews DWP was asked into before screening count under (B) as much as those
    # named now.
    facts = ScreeningFacts(
        allegation=cmd.allegation,
        harm=cmd.harm,
        external_reviews=tuple(dict.fromkeys((*state.external_scrutiny, *cmd.external_reviews))),
        nation=cmd.nation,
    )
    return [e.Screened(at=now, by=cmd.by, facts=facts, decision=screen(facts), notes=cmd.notes)]


def _assign(state: IprState, cmd: c.AssignInvestigator, now: datetime) -> list[e.IprEvent]:
    _stage(state, ("investigation",), "assigning an investigator")
    return [e.InvestigatorAssigned(at=now, by=cmd.by, investigator=cmd.investigator)]


def _investigating(state: IprState, action: str) -> None:
    _stage(state, ("investigation",), action)
    if state.investigator is None:
        raise DomainError("investigator", f"{action} needs an investigator assigned first")


def _evidence(state: IprState, cmd: c.RecordEvidence, now: datetime) -> list[e.IprEvent]:
    _investigating(state, "recording evidence")
    return [
        e.EvidenceRecorded(
            at=now, by=cmd.by, service_line=cmd.service_line, description=cmd.description
        )
    ]


def _fact_finding(state: IprState, cmd: c.RecordFactFinding, now: datetime) -> list[e.IprEvent]:
    _investigating(state, "a fact-finding discussion")
    _not_future("held_on", cmd.held_on, now)
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


def _findings(state: IprState, cmd: c.RecordFindings, now: datetime) -> list[e.IprEvent]:
    _investigating(state, "recording findings")
    if not state.evidence and not state.discussions:
        raise DomainError(
            "findings", "need at least one evidence item or fact-finding discussion first"
        )
    if cmd.learning_identified and not cmd.learning:
        raise DomainError("learning", "learning identified: say what, for which service line")
    if not cmd.learning_identified and cmd.learning:
        raise DomainError("learning", "must be empty when no learning is identified")
    learning = tuple(Learning(item.service_line, item.text) for item in cmd.learning)
    return [
        e.FindingsRecorded(
            at=now, by=cmd.by, learning_identified=cmd.learning_identified, learning=learning
        )
    ]


def _agreement(state: IprState, cmd: c.RecordIprgAgreement, now: datetime) -> list[e.IprEvent]:
    _stage(state, STAGES_AFTER_FINDINGS, "an IPRG agreement")
    _not_future("agreed_on", cmd.agreed_on, now)
    for n, item in enumerate(cmd.activities):
        if item.due_on <= cmd.agreed_on:
            raise DomainError(f"activities.{n}.due_on", "must be after the day it was agreed")
    first = len(state.activities) + 1
    activities = tuple(
        AgreedActivity(
            activity_id=child_ids.activity_id(state.reference, state.id_scope, first + n),
            service_line=item.service_line,
            description=item.description,
            due_on=item.due_on,
            agreed_on=cmd.agreed_on,
        )
        for n, item in enumerate(cmd.activities)
    )
    return [e.ActivitiesAgreed(at=now, by=cmd.by, activities=activities)]


def _outcome(state: IprState, cmd: c.RecordLearningOutcome, now: datetime) -> list[e.IprEvent]:
    _stage(state, STAGES_AFTER_FINDINGS, "a learning outcome")
    return [
        e.LearningOutcomeRecorded(
            at=now,
            by=cmd.by,
            service_line=cmd.service_line,
            text=cmd.outcome,
            recorded_on=business_date(now),
        )
    ]


def _scrutiny(state: IprState, cmd: c.RecordExternalScrutiny, now: datetime) -> list[e.IprEvent]:
    if cmd.kind in state.external_scrutiny:
        raise DomainError("kind", f"{cmd.kind} is already recorded")
    screened = state.screening.facts.nation if state.screening else None
    if cmd.kind == "significant_case_review" and screened not in (None, "scotland"):
        raise DomainError(
            "kind",
            f"a Significant Case Review is held in Scotland only; this review was screened "
            f"for {screened.title()}: is it a Safeguarding Adults Review?",
        )
    return [e.ExternalScrutinyRecorded(at=now, by=cmd.by, kind=cmd.kind)]


def _close(state: IprState, cmd: c.CloseIpr, now: datetime) -> list[e.IprEvent]:
    _stage(state, STAGES_AFTER_FINDINGS, "closing")
    if state.open_activities:
        ids = ", ".join(a.activity_id for a in state.open_activities)
        raise DomainError("activities", f"cannot close while agreed activities are open: {ids}")
    if state.learning_identified and not state.outcomes:
        raise DomainError(
            "learning_outcomes", "learning was identified: record its learning outcomes first"
        )
    return [e.Closed(at=now, by=cmd.by, closed_on=business_date(now), accepted=True)]


def _activity_progress(
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


def _feedback(state: IprState, cmd: c.RecordFeedback, now: datetime) -> list[e.IprEvent]:
    if state.accepted is not False or state.feedback_path is not None:
        raise DomainError("feedback_path", "feedback goes only with a referral not accepted")
    return [
        e.FeedbackSent(at=now, by=e.SYSTEM, feedback_path=cmd.feedback_path),
        e.Closed(at=now, by=e.SYSTEM, closed_on=business_date(now), accepted=False),
    ]


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
    c.RecordScreening: _screen,
    c.AssignInvestigator: _assign,
    c.RecordEvidence: _evidence,
    c.RecordFactFinding: _fact_finding,
    c.RecordFindings: _findings,
    c.RecordIprgAgreement: _agreement,
    c.RecordLearningOutcome: _outcome,
    c.RecordExternalScrutiny: _scrutiny,
    c.CloseIpr: _close,
    c.RecordActivityProgress: _activity_progress,
    c.RecordFeedback: _feedback,
}


# --- targets -----------------------------------------------------------------------


def _targets(state: IprState) -> list[tuple[str, date]]:
    """(target, the last day within it) not yet met nor breached."""
    found = []
    if state.stage == "screening" and not state.screening_escalated:
        found.append(
            ("screening", state.referred_on + timedelta(days=state.policy.screening_target_days))
        )
    if (
        state.stage == "investigation"
        and state.investigation_started_on is not None
        and not state.investigation_escalated
    ):
        days = state.policy.investigation_target_days
        found.append(("investigation", state.investigation_started_on + timedelta(days=days)))
    return found


def next_wakeup(state: IprState) -> tuple[datetime, str] | None:
    soonest = min(((d, t) for t, d in _targets(state)), default=None)
    if soonest is None:
        return None
    day, target = soonest
    return end_of_day(day), f"{target} target ends {day.isoformat()}"


def on_time_passed(state: IprState, now: datetime) -> list[e.IprEvent]:
    today = business_date(now)
    return [
        e.TargetBreached(at=now, by=e.SYSTEM, target=target, due_on=day)
        for target, day in _targets(state)
        if today > day
    ]


# --- evolve ------------------------------------------------------------------------


def evolve(s: IprState, ev: e.IprEvent) -> IprState:
    return _journal(_apply(s, ev), ev.at, ev.by, *describe(ev))


def _apply(s: IprState, ev: e.IprEvent) -> IprState:
    match ev:
        case e.Screened():
            screening = Screening(ev.facts, ev.decision, ev.by, business_date(ev.at))
            # The facts hold every review recorded before screening too; what counts
            # depends on the nation (an SCR outside Scotland goes).
            scrutiny = counted_reviews(ev.facts)
            if ev.decision.met:
                return replace(
                    s,
                    screening=screening,
                    stage="investigation",
                    investigation_started_on=business_date(ev.at),
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
    """A service line the investigation reached is one of the IPR's."""
    if service_line in s.service_lines:
        return s
    return replace(s, service_lines=(*s.service_lines, service_line))


def _journal(s: IprState, at: datetime, by: str, kind: str, text: str) -> IprState:
    seq = s.version + 1
    entry = JournalEntry(seq=seq, at=at, author=by, kind=kind, text=text)
    return replace(s, journal=(*s.journal, entry), version=seq)


def describe(ev: e.IprEvent) -> tuple[str, str]:
    """(kind, text) of the journal entry an event writes."""
    match ev:
        case e.Screened():
            verdict = "criteria met" if ev.decision.met else "criteria not met"
            return ("screening", f"{verdict}: {' '.join(ev.decision.reasons)}")
        case e.InvestigatorAssigned():
            return ("investigation", f"investigator assigned: {ev.investigator}")
        case e.EvidenceRecorded():
            return ("evidence", f"{ev.service_line}: {ev.description}")
        case e.FactFindingRecorded():
            return (
                "fact_finding",
                f"{ev.service_line}, {ev.stakeholder_role}, {ev.held_on.isoformat()}: {ev.summary}",
            )
        case e.FindingsRecorded():
            if not ev.learning_identified:
                return ("findings", "no learning identified")
            return (
                "findings",
                "learning identified: "
                + "; ".join(f"{x.service_line}: {x.text}" for x in ev.learning),
            )
        case e.ActivitiesAgreed():
            return (
                "iprg_agreement",
                "; ".join(
                    f"{a.activity_id} ({a.service_line}, due {a.due_on.isoformat()}): "
                    f"{a.description}"
                    for a in ev.activities
                ),
            )
        case e.ActivityProgressed():
            if ev.kind == "assured":
                return ("activity", f"{ev.activity_id} assured: {ev.evidence}")
            if ev.kind == "overdue":
                return (
                    "activity",
                    f"{ev.activity_id} overdue: escalated to the IPRG "
                    f"(escalation {ev.escalations})",
                )
            return ("activity", f"{ev.activity_id} due soon: its owner to be reminded")
        case e.LearningOutcomeRecorded():
            return ("learning_outcome", f"{ev.service_line}: {ev.text}")
        case e.ExternalScrutinyRecorded():
            return ("external_scrutiny", ev.kind.replace("_", " "))
        case e.TargetBreached():
            return (
                "target_breached",
                f"{ev.target} target of {ev.due_on.isoformat()} missed: escalated",
            )
        case e.ReadModelNoted():
            return ("read_model", ev.text)
        case e.FeedbackSent():
            return (
                "feedback",
                "feedback sent to the referrer and the case shared with the ACSSL list",
            )
        case e.Closed():
            return ("closed", "closed" if ev.accepted else "closed: not accepted")
        case e.ProgressNoticeRefused():
            return ("progress_notice", f"{ev.notice} refused: {ev.rule}")
        case e.ChildNotStarted():
            return (
                "activity",
                f"{ev.workflow_id} not started: {ev.reason}; nothing reminds its owner "
                "or escalates it: the IPRG to follow it up",
            )
    raise TypeError(f"describe: no rule for {type(ev).__name__}")
