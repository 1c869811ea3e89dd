"""Screening a referral against the IPR criteria, and the external reviews that count
under (B)."""

from datetime import datetime

from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.criteria import ScreeningFacts, screen
from domain.ipr.model import IprState
from domain.ipr.rules.guards import business_day, must_be_at_stage


def record_screening(state: IprState, cmd: c.RecordScreening, now: datetime) -> list[e.IprEvent]:
    must_be_at_stage(state, ("screening",), "screening")
    screened_on = business_day(
        "screened_on", cmd.screened_on, now, on_or_after=("the referral", state.referred_on)
    )
    # Reviews DWP was asked into before screening count under (B) as much as those
    # named now.
    facts = ScreeningFacts(
        allegation=cmd.allegation,
        harm=cmd.harm,
        external_reviews=tuple(dict.fromkeys((*state.external_scrutiny, *cmd.external_reviews))),
        nation=cmd.nation,
    )
    return [
        e.Screened(
            at=now,
            by=cmd.by,
            facts=facts,
            decision=screen(facts),
            notes=cmd.notes,
            # Given days only: a screening recorded on the day reads as before.
            screened_on=screened_on if cmd.screened_on is not None else None,
            service_lines=tuple(dict.fromkeys(cmd.service_lines)) if cmd.service_lines else None,
        )
    ]


def record_external_scrutiny(
    state: IprState, cmd: c.RecordExternalScrutiny, now: datetime
) -> list[e.IprEvent]:
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
