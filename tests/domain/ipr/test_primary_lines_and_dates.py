"""The case's primary service lines (referral, amended at screening) kept apart from
the line of each finding, and the business dates staff give for what happened
earlier, each bounded (docs/rules.md#ipr-publication, docs/rules.md#ipr-dates)."""

from datetime import date, timedelta
from typing import Any

import pytest

from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.decide import describe, next_wakeup
from tests.domain.ipr.test_ipr_rules import (
    INVESTIGATOR,
    LEAD,
    NOW,
    REFERRED_ON,
    TODAY,
    agreement,
    assured,
    evidence,
    findings,
    investigating,
    new_ipr,
    refused,
    run,
    screening,
    tick,
)
from tests.journals import ipr_evolve


def test_screening_may_amend_the_primary_lines_of_the_referral() -> None:
    state, events = run(new_ipr(service_lines=("UC",)), screening(service_lines=("PIP", "ESA")))
    assert state.service_lines == ("PIP", "ESA")
    [screened] = events
    assert isinstance(screened, e.Screened) and screened.service_lines == ("PIP", "ESA")


def test_screening_without_lines_keeps_the_referrals() -> None:
    state, events = run(new_ipr(service_lines=("UC", "PIP")), screening())
    assert state.service_lines == ("UC", "PIP")
    assert events[0].service_lines is None  # type: ignore[union-attr]


def test_a_finding_under_a_primary_line_adds_nothing() -> None:
    state, _ = run(investigating(), evidence("UC"))
    state, _ = run(state, findings(("UC", "journal not read"), ("ACS", "no referral")))
    assert state.service_lines == ("UC",)
    assert state.finding_lines == ("UC", "ACS")


def test_an_old_screened_event_without_dates_or_lines_still_evolves() -> None:
    """Events written before business dates: the day of `at`, the referral's lines."""
    state = new_ipr()
    [event] = run(state, screening())[1]
    assert isinstance(event, e.Screened)
    old = e.Screened(at=event.at, by=event.by, facts=event.facts, decision=event.decision)
    after = ipr_evolve(state, old)
    assert after.screening is not None and after.screening.screened_on == TODAY
    assert after.service_lines == ("UC",) and after.investigation_started_on == TODAY


# --- business dates -----------------------------------------------------------------


def test_the_screening_day_staff_give_is_the_days_the_review_uses() -> None:
    day = REFERRED_ON + timedelta(days=1)
    state, _ = run(new_ipr(), screening(screened_on=day))
    assert state.screening is not None and state.screening.screened_on == day
    assert state.investigation_started_on == day


@pytest.mark.parametrize(
    ("day", "rule"),
    [
        (TODAY + timedelta(days=1), "cannot be in the future"),
        (REFERRED_ON - timedelta(days=1), f"cannot be before the referral ({REFERRED_ON})"),
    ],
)
def test_a_screening_day_out_of_bounds_is_refused_naming_the_field(day: date, rule: str) -> None:
    error = refused(new_ipr(), screening(screened_on=day))
    assert (error.field, error.rule) == ("screened_on", rule)


def _screened_on(day: date) -> Any:
    state, _ = run(new_ipr(), screening(screened_on=day))
    state, _ = run(state, c.AssignInvestigator(by=LEAD, investigator=INVESTIGATOR))
    state, _ = run(state, evidence())
    return state


def _findings_on(day: date) -> c.RecordFindings:
    return c.RecordFindings(by=INVESTIGATOR, learning_identified=False, recorded_on=day)


def test_findings_take_their_day_and_may_not_precede_the_screening() -> None:
    screened = REFERRED_ON + timedelta(days=2)
    state = _screened_on(screened)
    error = refused(state, _findings_on(screened - timedelta(days=1)))
    assert error.field == "recorded_on"
    assert error.rule == f"cannot be before the screening ({screened})"
    error = refused(state, _findings_on(TODAY + timedelta(days=1)))
    assert (error.field, error.rule) == ("recorded_on", "cannot be in the future")
    state, _ = run(state, _findings_on(screened))
    assert state.findings_on == screened


def test_a_learning_outcome_takes_its_day_within_bounds() -> None:
    state = _screened_on(REFERRED_ON)
    found = REFERRED_ON + timedelta(days=1)
    state, _ = run(
        state,
        c.RecordFindings(
            by=INVESTIGATOR,
            learning_identified=True,
            learning=(c.LearningItem(service_line="UC", text="x"),),
            recorded_on=found,
        ),
    )
    early = c.RecordLearningOutcome(
        by=LEAD, service_line="UC", outcome="o", recorded_on=REFERRED_ON
    )
    error = refused(state, early)
    assert (error.field, error.rule) == ("recorded_on", f"cannot be before the findings ({found})")
    ok = c.RecordLearningOutcome(by=LEAD, service_line="UC", outcome="o", recorded_on=found)
    state, events = run(state, ok)
    assert state.outcomes[0].recorded_on == found
    assert isinstance(events[0], e.LearningOutcomeRecorded) and events[0].recorded_on == found


def test_an_agreement_cannot_precede_the_findings() -> None:
    found = REFERRED_ON + timedelta(days=2)
    state = _screened_on(REFERRED_ON)
    state, _ = run(state, _findings_on(found))
    error = refused(state, agreement(agreed_on=found - timedelta(days=1)))
    assert (error.field, error.rule) == ("agreed_on", f"cannot be before the findings ({found})")


def test_completion_takes_its_day_and_sets_the_reporting_year() -> None:
    state = _screened_on(REFERRED_ON)
    state, _ = run(state, _findings_on(REFERRED_ON + timedelta(days=1)))
    state, _ = run(state, c.CloseIpr(by=LEAD, completed_on=REFERRED_ON + timedelta(days=2)))
    assert state.closed_on == REFERRED_ON + timedelta(days=2)
    assert state.stage == "closed"


def test_completion_before_the_last_step_or_in_the_future_is_refused() -> None:
    state = _screened_on(REFERRED_ON)
    found = REFERRED_ON + timedelta(days=2)
    state, _ = run(state, _findings_on(found))
    state, _ = run(state, agreement(agreed_on=found, service_line="ACS"))
    state, _ = run(state, assured(state.activities[0].activity_id))  # assured TODAY
    error = refused(state, c.CloseIpr(by=LEAD, completed_on=found))
    assert error.field == "completed_on"
    assert error.rule == f"cannot be before the review's last recorded step ({TODAY})"
    error = refused(state, c.CloseIpr(by=LEAD, completed_on=TODAY + timedelta(days=1)))
    assert (error.field, error.rule) == ("completed_on", "cannot be in the future")


def test_without_days_the_review_uses_the_workflow_today() -> None:
    state, _ = run(new_ipr(), screening())
    assert state.screening is not None and state.screening.screened_on == NOW.date()


# --- reviews imported with their real dates ----------------------------------------


def _imported_with_findings() -> Any:
    state = new_ipr(imported=True)
    state, _ = run(state, screening(screened_on=REFERRED_ON))
    state, _ = run(state, c.AssignInvestigator(by=LEAD, investigator=INVESTIGATOR))
    state, _ = run(state, evidence())
    state, _ = run(state, _findings_on(REFERRED_ON))
    return state


def _assured_item(assured_on: date | None, evidence: str | None = "guidance issued") -> Any:
    return c.RecordIprgAgreement(
        by=LEAD,
        agreed_on=REFERRED_ON,
        activities=(
            c.ActivityItem(
                service_line="ACS",
                description="assure the IPRG",
                due_on=REFERRED_ON + timedelta(days=2),
                assured_on=assured_on,
                evidence=evidence,
            ),
        ),
    )


def test_an_imported_review_watches_no_target() -> None:
    state = new_ipr(imported=True)
    assert state.imported and next_wakeup(state) is None
    assert tick(state, NOW + timedelta(days=400))[1] == []
    screened, _ = run(state, screening(screened_on=REFERRED_ON))
    assert next_wakeup(screened) is None
    # A live review referred as long ago is escalated as its targets pass.
    assert next_wakeup(new_ipr()) is not None


def test_an_imported_review_agrees_activities_already_assured() -> None:
    state, _ = run(_imported_with_findings(), _assured_item(REFERRED_ON + timedelta(days=1)))
    [activity] = state.activities
    assert (activity.status, activity.assured_on, activity.evidence) == (
        "assured",
        REFERRED_ON + timedelta(days=1),
        "guidance issued",
    )
    assert state.open_activities == ()


@pytest.mark.parametrize(
    ("assured_on", "evidence", "rule"),
    [
        (REFERRED_ON - timedelta(days=1), "x", "cannot be before the day it was agreed"),
        (TODAY + timedelta(days=1), "x", "cannot be in the future"),
        (REFERRED_ON, None, "an activity assured needs both its day and the evidence"),
        (None, "x", "an activity assured needs both its day and the evidence"),
    ],
)
def test_an_assurance_given_with_the_agreement_is_bounded(
    assured_on: date | None, evidence: str | None, rule: str
) -> None:
    error = refused(_imported_with_findings(), _assured_item(assured_on, evidence))
    assert error.field == "activities.0.assured_on" and error.rule.startswith(rule)


def test_a_live_review_cannot_agree_an_activity_already_assured() -> None:
    state = _screened_on(REFERRED_ON)
    state, _ = run(state, _findings_on(REFERRED_ON))
    error = refused(state, _assured_item(REFERRED_ON))
    assert error.field == "activities.0.assured_on"
    assert error.rule.startswith("only a review imported with its real dates")


def test_findings_recorded_without_a_day_do_not_bound_an_earlier_agreement() -> None:
    """As before days were given: an agreement dated before the day the findings were
    entered is accepted (an accepted update must replay the same)."""
    state = _screened_on(REFERRED_ON)
    state, _ = run(state, c.RecordFindings(by=INVESTIGATOR, learning_identified=False))
    assert state.findings_on == TODAY and not state.findings_day_given
    state, _ = run(state, agreement(agreed_on=REFERRED_ON))
    assert state.activities[0].agreed_on == REFERRED_ON


def test_the_journal_says_the_days_staff_gave() -> None:
    day = REFERRED_ON + timedelta(days=1)
    state, events = run(new_ipr(), screening(screened_on=day, service_lines=("PIP",)))
    [(kind, text)] = [describe(ev) for ev in events]
    assert kind == "screening"
    assert text.endswith(f"; primary service lines: PIP (screened on {day})")
    # Today's day, or none given: as before.
    _, events = run(new_ipr(), screening(screened_on=TODAY))
    assert "screened on" not in describe(events[0])[1]
