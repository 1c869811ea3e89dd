"""The journal prose of an IPR: what the referral and each event say, as (kind,
text). A projection of the events, kept by the workflow beside the review's state; no
rule reads it, so it is not in the state."""

from datetime import date, datetime

from domain.dates import business_date
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.model import JournalEntry

# The referral's entry opens the journal (the review's first version).
REFERRAL_SEQ = 1


def referred(referral: c.Referral, now: datetime) -> JournalEntry:
    """The journal's first entry: the referral, received at `now` (no event records
    it; domain/ipr/evolve.py `initial_state`)."""
    source = (
        "" if referral.source == "dwp" else f" (raised by: {referral.source.replace('_', ' ')})"
    )
    return JournalEntry(
        seq=REFERRAL_SEQ,
        at=now,
        author=referral.referrer.name,
        kind="referral",
        text=f"referred{source}"
        + (" (imported: completed before the engine)" if referral.imported else ""),
    )


def entry(ev: e.IprEvent, seq: int) -> JournalEntry:
    """The journal entry of the event that made version `seq` of the review."""
    kind, text = describe(ev)
    return JournalEntry(seq=seq, at=ev.at, author=ev.by, kind=kind, text=text)


def describe(ev: e.IprEvent) -> tuple[str, str]:
    """(kind, text) of the journal entry an event writes."""
    match ev:
        case e.Screened():
            verdict = "criteria met" if ev.decision.met else "criteria not met"
            text = f"{verdict}: {' '.join(ev.decision.reasons)}"
            if ev.service_lines:
                text += f"; primary service lines: {', '.join(ev.service_lines)}"
            return ("screening", text + _on("screened", ev.screened_on, ev.at))
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
            dated = _on("made", ev.recorded_on, ev.at)
            if not ev.learning_identified:
                return ("findings", "no learning identified" + dated)
            return (
                "findings",
                "learning identified: "
                + "; ".join(f"{x.service_line}: {x.text}" for x in ev.learning)
                + dated,
            )
        case e.ActivitiesAgreed():
            return (
                "iprg_agreement",
                "; ".join(
                    f"{a.activity_id} ({a.service_line}, due {a.due_on.isoformat()}): "
                    f"{a.description}"
                    + (f" (assured on {a.assured_on.isoformat()})" if a.assured_on else "")
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
            text = f"{ev.service_line}: {ev.text}"
            return ("learning_outcome", text + _on("recorded", ev.recorded_on, ev.at))
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
            if not ev.accepted:
                return ("closed", "closed: not accepted")
            return ("closed", "closed" + _on("completed", ev.closed_on, ev.at))
        case e.ProgressNoticeRefused():
            return ("progress_notice", f"{ev.notice} refused: {ev.rule}")
        case e.ChildNotStarted():
            return (
                "activity",
                f"{ev.workflow_id} not started: {ev.reason}; nothing reminds its owner "
                "or escalates it: the IPRG to follow it up",
            )
    raise TypeError(f"describe: no rule for {type(ev).__name__}")


def _on(what: str, day: date | None, at: datetime) -> str:
    """The business day staff gave, when it is not the day it was entered."""
    if day is None or day == business_date(at):
        return ""
    return f" ({what} on {day.isoformat()})"
