"""Rules of one Internal Process Review, driven through check_referral, initial_state,
decide and evolve, and its targets as time passes (docs/rules.md#ipr-criteria,
docs/rules.md#ipr-investigation)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.case.parsing import InvalidCommand, parse
from domain.dates import start_of_day
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.decide import (
    check_referral,
    decide,
    describe,
    next_wakeup,
    on_time_passed,
)
from domain.ipr.model import SERVICE_LINES, Customer, IprPolicy, IprState, Referrer

# The domain's initial_state and evolve, keeping beside each state the journal the
# workflow would serve (tests/journals.py).
from tests.journals import ipr_evolve as evolve
from tests.journals import ipr_initial_state as initial_state
from tests.journals import journal
from workflows.ids import ipr_children

# 09:00 UTC on 1 June 2026 is 10:00 BST: the UK day is 1 June.
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)
REFERRED_ON = date(2026, 5, 28)
REFERENCE = "IPR-2026-017"
LEAD = "acs-lead-3"
INVESTIGATOR = "investigator-9"

REFERRER = Referrer(name="Sam Colleague", role="ACS team leader", email="sam.colleague@dwp.gov.uk")
CUSTOMER = Customer(
    full_name="Alex Testperson",
    date_of_birth=date(1961, 3, 4),
    ni_number="AB123456C",
    address="12 Example Road, Testtown, TT1 1AA",
)


# --- driving an IPR ---------------------------------------------------------------


def referral(**overrides: Any) -> c.Referral:
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "referrer": REFERRER,
        "received_on": REFERRED_ON,
        "customer": CUSTOMER,
        "summary": "Customer died; family say UC journal messages went unanswered.",
        "service_lines": ("UC",),
    }
    fields.update(overrides)
    return c.Referral(**fields)


def raw_referral(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "reference": REFERENCE,
        "referrer": {"name": "Sam Colleague", "role": "ACS", "email": "sam@dwp.gov.uk"},
        "received_on": "2026-05-28",
        "customer": {"full_name": "Alex Testperson"},
        "summary": "Journal messages unanswered.",
        "service_lines": ["UC"],
    }
    raw.update(overrides)
    return raw


def new_ipr(policy: IprPolicy | None = None, **overrides: Any) -> IprState:
    made = referral(**overrides)
    check_referral(made, NOW)
    return initial_state(made, NOW, policy or IprPolicy(), ipr_children(made.reference, None))


def fold(state: IprState, events: list[e.IprEvent]) -> IprState:
    for event in events:
        state = evolve(state, event)
    return state


def run(state: IprState, command: Any, now: datetime = NOW) -> tuple[IprState, list[e.IprEvent]]:
    events = decide(state, command, now)
    return fold(state, events), events


def tick(state: IprState, now: datetime) -> tuple[IprState, list[e.IprEvent]]:
    events = on_time_passed(state, now)
    return fold(state, events), events


def refused(state: IprState, command: Any, now: datetime = NOW) -> DomainError:
    """The refusal, having checked that it changed nothing."""
    before = state
    snapshot = (state.version, state.stage, journal(state), state.activities)
    with pytest.raises(DomainError) as info:
        decide(state, command, now)
    assert state is before
    assert (state.version, state.stage, journal(state), state.activities) == snapshot
    return info.value


def screening(**overrides: Any) -> c.RecordScreening:
    fields: dict[str, Any] = {"by": LEAD, "allegation": True, "harm": "death"}
    fields.update(overrides)
    return c.RecordScreening(**fields)


def evidence(service_line: str = "UC") -> c.RecordEvidence:
    return c.RecordEvidence(by=INVESTIGATOR, service_line=service_line, description="journal")


def fact_finding(held_on: date = TODAY, service_line: str = "UC") -> c.RecordFactFinding:
    return c.RecordFactFinding(
        by=INVESTIGATOR,
        service_line=service_line,
        stakeholder_role="work coach",
        held_on=held_on,
        summary="messages were not routed",
    )


def findings(*learning: tuple[str, str], identified: bool | None = None) -> c.RecordFindings:
    return c.RecordFindings(
        by=INVESTIGATOR,
        learning_identified=bool(learning) if identified is None else identified,
        learning=tuple(c.LearningItem(service_line=sl, text=text) for sl, text in learning),
    )


def agreement(
    *due: date, agreed_on: date = TODAY, service_line: str = "UC"
) -> c.RecordIprgAgreement:
    return c.RecordIprgAgreement(
        by=LEAD,
        agreed_on=agreed_on,
        activities=tuple(
            c.ActivityItem(service_line=service_line, description=f"assure IPRG {n}", due_on=d)
            for n, d in enumerate(due or (TODAY + timedelta(days=30),))
        ),
    )


def outcome(service_line: str = "UC") -> c.RecordLearningOutcome:
    return c.RecordLearningOutcome(by=LEAD, service_line=service_line, outcome="guidance updated")


def assured(activity_id: str) -> c.RecordActivityProgress:
    return c.RecordActivityProgress(
        activity_id=activity_id, kind="assured", evidence="new guidance issued", assured_on=TODAY
    )


def close() -> c.CloseIpr:
    return c.CloseIpr(by=LEAD)


def investigating(**overrides: Any) -> IprState:
    state, _ = run(new_ipr(**overrides), screening())
    state, _ = run(state, c.AssignInvestigator(by=LEAD, investigator=INVESTIGATOR))
    return state


def with_findings(*learning: tuple[str, str]) -> IprState:
    state, _ = run(investigating(), evidence())
    state, _ = run(state, findings(*learning))
    return state


def not_accepted() -> IprState:
    state, _ = run(new_ipr(), screening(allegation=False, harm="none"))
    return state


# --- the referral ---------------------------------------------------------------


def test_a_referral_opens_an_ipr_at_screening() -> None:
    state = new_ipr(service_lines=("UC", "PIP", "UC"))
    assert state.stage == "screening"
    assert state.reference == REFERENCE
    assert state.referred_on == REFERRED_ON
    assert state.received_at == NOW
    assert state.service_lines == ("UC", "PIP")
    assert state.accepted is None
    assert state.finished is False
    assert state.version == 1
    assert [(j.kind, j.author, j.text) for j in journal(state)] == [
        ("referral", "Sam Colleague", "referred")
    ]


def test_a_referral_names_where_the_concern_came_from() -> None:
    state = new_ipr(source="local_authority")
    assert state.source == "local_authority"
    assert journal(state)[0].text == "referred (raised by: local authority)"


@pytest.mark.parametrize(
    "email",
    [
        "councillor@example.gov.uk",
        "family@gmail.com",
        "someone@dwp.gov.uk.example.com",
        "someone@notdwp.gov.uk",
        "dwp.gov.uk",
    ],
)
def test_a_referral_from_outside_dwp_is_refused(email: str) -> None:
    outsider = Referrer(name="Pat Outsider", role="caseworker", email=email)
    with pytest.raises(DomainError) as info:
        check_referral(referral(referrer=outsider), NOW)
    assert info.value.field == "referrer"


def test_a_referral_from_an_upper_case_dwp_address_is_accepted() -> None:
    colleague = Referrer(name="Sam Colleague", role="ACS", email="Sam.Colleague@DWP.GOV.UK")
    check_referral(referral(referrer=colleague), NOW)


def test_a_referral_received_today_is_accepted_and_tomorrow_refused() -> None:
    check_referral(referral(received_on=TODAY), NOW)
    with pytest.raises(DomainError) as info:
        check_referral(referral(received_on=TODAY + timedelta(days=1)), NOW)
    assert info.value.field == "received_on"


def test_received_on_is_judged_by_the_uk_day() -> None:
    # 23:30 UTC on 31 May is 00:30 BST on 1 June.
    check_referral(referral(received_on=TODAY), datetime(2026, 5, 31, 23, 30, tzinfo=UTC))


def test_a_well_formed_raw_referral_parses() -> None:
    parsed = parse(c.Referral, raw_referral(service_lines=["UC", "Multiple Service Lines"]))
    assert isinstance(parsed, c.Referral)
    assert parsed.service_lines == ("UC", "Multiple Service Lines")
    assert parsed.received_on == REFERRED_ON
    assert parsed.source == "dwp"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service_lines": ["Housing Benefit"]}, "service_lines.0"),
        ({"service_lines": ["UC", "uc"]}, "service_lines.1"),
        ({"service_lines": []}, "service_lines"),
        ({"reference": "AB123456C"}, "reference"),
        ({"reference": "ab-12-34-56-c"}, "reference"),
        ({"reference": "QQ123456C"}, "reference"),
        ({"reference": "IPR 17"}, "reference"),
        ({"reference": "-IPR17"}, "reference"),
        ({"colour": "red"}, "colour"),
        ({"source": "newspaper"}, "source"),
        ({"summary": ""}, "summary"),
        ({"received_on": "yesterday"}, "received_on"),
    ],
)
def test_a_referral_that_does_not_fit_is_refused_naming_its_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidCommand) as info:
        parse(c.Referral, raw_referral(**overrides))
    assert info.value.field == field


def test_the_nino_refusal_says_why() -> None:
    with pytest.raises(InvalidCommand) as info:
        parse(c.Referral, raw_referral(reference="AB123456C"))
    assert "not a National Insurance number" in info.value.rule


def test_an_unknown_field_inside_the_referrer_is_refused() -> None:
    raw = raw_referral()
    raw["referrer"] = {**raw["referrer"], "phone": "07700 900123"}
    with pytest.raises(InvalidCommand) as info:
        parse(c.Referral, raw)
    assert info.value.field == "referrer.phone"


def test_every_published_service_line_is_accepted() -> None:
    parsed = parse(c.Referral, raw_referral(service_lines=list(SERVICE_LINES)))
    assert parsed.service_lines == SERVICE_LINES
    assert len(SERVICE_LINES) == 19


# --- screening ------------------------------------------------------------------


def test_an_accepted_screening_starts_the_investigation() -> None:
    state, events = run(new_ipr(), screening())
    [screened] = events
    assert isinstance(screened, e.Screened)
    assert screened.decision.criteria == ("A",)
    assert state.stage == "investigation"
    assert state.accepted is True
    assert state.investigation_started_on == TODAY
    assert state.screening is not None
    assert (state.screening.screened_by, state.screening.screened_on) == (LEAD, TODAY)
    assert journal(state)[-1].kind == "screening"
    assert journal(state)[-1].text.startswith("criteria met: Criterion (A) is met")


def test_a_screening_not_accepted_moves_to_not_accepted_but_is_not_finished() -> None:
    state = not_accepted()
    assert state.stage == "not_accepted"
    assert state.accepted is False
    assert state.closed_on is None
    assert state.finished is False
    assert state.investigation_started_on is None
    assert journal(state)[-1].text.startswith("criteria not met: ")
    assert journal(state)[-1].text.endswith("so that any learning is not lost.")


def test_feedback_closes_an_ipr_not_accepted() -> None:
    later = NOW + timedelta(days=2)
    state, events = run(not_accepted(), c.RecordFeedback(feedback_path="out/f.pdf"), later)
    assert [type(ev) for ev in events] == [e.FeedbackSent, e.Closed]
    assert state.stage == "not_accepted"
    assert state.closed_on == date(2026, 6, 3)
    assert state.finished is True
    assert state.feedback_path == "out/f.pdf"
    assert state.shared_with_acssl is True
    assert [j.text for j in journal(state)[-2:]] == [
        "feedback sent to the referrer and the case shared with the ACSSL list",
        "closed: not accepted",
    ]


def test_feedback_on_an_accepted_ipr_is_refused() -> None:
    state, _ = run(new_ipr(), screening())
    assert refused(state, c.RecordFeedback(feedback_path="out/f.pdf")).field == "feedback_path"


def test_feedback_before_screening_is_refused() -> None:
    assert refused(new_ipr(), c.RecordFeedback(feedback_path="f.pdf")).field == "feedback_path"


def test_screening_twice_is_refused() -> None:
    state, _ = run(new_ipr(), screening())
    assert refused(state, screening()).field == "stage"
    assert refused(not_accepted(), screening()).field == "stage"


# --- stages ---------------------------------------------------------------------


WHILE_SCREENING = [
    c.AssignInvestigator(by=LEAD, investigator=INVESTIGATOR),
    evidence(),
    fact_finding(),
    findings(),
    agreement(),
    outcome(),
    close(),
]


@pytest.mark.parametrize("command", WHILE_SCREENING, ids=lambda cmd: type(cmd).__name__)
def test_nothing_but_screening_is_possible_while_screening(command: Any) -> None:
    error = refused(new_ipr(), command)
    assert error.field == "stage"
    assert "stage screening" in error.rule


@pytest.mark.parametrize("command", WHILE_SCREENING, ids=lambda cmd: type(cmd).__name__)
def test_nothing_of_an_investigation_is_possible_when_not_accepted(command: Any) -> None:
    assert refused(not_accepted(), command).field == "stage"


def test_findings_before_screening_names_the_stages_allowed() -> None:
    error = refused(new_ipr(), findings())
    assert (
        error.rule
        == "recording findings is not possible at stage screening (only at: investigation)"
    )


@pytest.mark.parametrize(
    "command", [evidence(), fact_finding(), findings()], ids=lambda cmd: type(cmd).__name__
)
def test_investigating_needs_an_investigator_first(command: Any) -> None:
    state, _ = run(new_ipr(), screening())
    assert refused(state, command).field == "investigator"


def test_assigning_an_investigator() -> None:
    state = investigating()
    assert state.investigator == INVESTIGATOR
    assert journal(state)[-1].text == f"investigator assigned: {INVESTIGATOR}"


def test_an_investigator_can_be_reassigned_during_the_investigation() -> None:
    state, _ = run(investigating(), c.AssignInvestigator(by=LEAD, investigator="investigator-2"))
    assert state.investigator == "investigator-2"


def test_assigning_an_investigator_after_findings_is_refused() -> None:
    state = with_findings()
    assert refused(state, c.AssignInvestigator(by=LEAD, investigator="x")).field == "stage"


@pytest.mark.parametrize(
    "command", [evidence(), fact_finding(), findings()], ids=lambda cmd: type(cmd).__name__
)
def test_the_investigation_takes_nothing_more_after_findings(command: Any) -> None:
    assert refused(with_findings(), command).field == "stage"


def test_fact_finding_cannot_be_in_the_future_or_before_the_referral() -> None:
    state = investigating()
    assert refused(state, fact_finding(held_on=TODAY + timedelta(days=1))).field == "held_on"
    assert refused(state, fact_finding(held_on=REFERRED_ON - timedelta(days=1))).field == "held_on"
    state, _ = run(state, fact_finding(held_on=REFERRED_ON))
    assert state.discussions[0].held_on == REFERRED_ON


# --- findings -------------------------------------------------------------------


def test_findings_need_evidence_or_a_discussion_first() -> None:
    assert refused(investigating(), findings()).field == "findings"


@pytest.mark.parametrize("first", [evidence(), fact_finding()], ids=["evidence", "fact_finding"])
def test_findings_after_evidence_or_a_discussion(first: Any) -> None:
    state, _ = run(investigating(), first)
    state, _ = run(state, findings(("UC", "route journal messages")))
    assert state.stage == "findings"
    assert state.learning_identified is True
    assert [(x.service_line, x.text) for x in state.learning] == [("UC", "route journal messages")]
    assert journal(state)[-1].text == "learning identified: UC: route journal messages"


def test_learning_identified_needs_the_learning() -> None:
    state, _ = run(investigating(), evidence())
    assert refused(state, findings(identified=True)).field == "learning"


def test_no_learning_identified_must_have_no_learning() -> None:
    state, _ = run(investigating(), evidence())
    assert refused(state, findings(("UC", "x"), identified=False)).field == "learning"


def test_no_learning_identified() -> None:
    state = with_findings()
    assert (state.stage, state.learning_identified, state.learning) == ("findings", False, ())
    assert journal(state)[-1].text == "no learning identified"


# --- the IPRG agreement ------------------------------------------------------------


def test_an_iprg_agreement_before_findings_is_refused() -> None:
    assert refused(investigating(), agreement()).field == "stage"


@pytest.mark.parametrize("days", [0, -1])
def test_an_activity_due_on_or_before_the_agreement_is_refused(days: int) -> None:
    command = agreement(TODAY + timedelta(days=5), TODAY + timedelta(days=days))
    assert refused(with_findings(), command).field == "activities.1.due_on"


def test_the_first_activity_due_on_the_agreement_day_is_named() -> None:
    assert refused(with_findings(), agreement(TODAY)).field == "activities.0.due_on"


def test_an_agreement_in_the_future_is_refused() -> None:
    command = agreement(TODAY + timedelta(days=30), agreed_on=TODAY + timedelta(days=1))
    assert refused(with_findings(), command).field == "agreed_on"


def test_activity_ids_continue_across_agreements() -> None:
    due = TODAY + timedelta(days=30)
    state, [agreed] = run(with_findings(), agreement(due, due))
    assert isinstance(agreed, e.ActivitiesAgreed)
    assert state.stage == "agreed_activities"
    state, _ = run(state, agreement(due + timedelta(days=1)))
    assert [a.activity_id for a in state.activities] == [
        f"ipr-{REFERENCE}-activity-1",
        f"ipr-{REFERENCE}-activity-2",
        f"ipr-{REFERENCE}-activity-3",
    ]
    first = state.activities[0]
    assert (first.status, first.due_on, first.agreed_on, first.escalations) == (
        "open",
        due,
        TODAY,
        0,
    )


def test_an_agreement_is_journalled_with_each_activity() -> None:
    due = date(2026, 7, 1)
    state, _ = run(with_findings(), agreement(due))
    assert journal(state)[-1].kind == "iprg_agreement"
    assert journal(state)[-1].text == (
        f"ipr-{REFERENCE}-activity-1 (UC, due 2026-07-01): assure IPRG 0"
    )


# --- activity progress ---------------------------------------------------------------


def test_progress_on_an_unknown_activity_is_refused() -> None:
    state, _ = run(with_findings(), agreement())
    assert refused(state, assured("ipr-other-activity-1")).field == "activity_id"


def test_activity_progress_sets_status_escalations_and_assurance() -> None:
    state, _ = run(with_findings(), agreement())
    activity_id = state.activities[0].activity_id
    state, _ = run(state, c.RecordActivityProgress(activity_id=activity_id, kind="reminder"))
    assert state.activities[0].status == "open"
    assert journal(state)[-1].text == f"{activity_id} due soon: its owner to be reminded"
    state, _ = run(
        state, c.RecordActivityProgress(activity_id=activity_id, kind="overdue", escalations=2)
    )
    assert (state.activities[0].status, state.activities[0].escalations) == ("overdue", 2)
    assert state.overdue_activities == 1
    assert journal(state)[-1].text == f"{activity_id} overdue: escalated to the IPRG (escalation 2)"
    state, _ = run(state, assured(activity_id))
    done = state.activities[0]
    assert (done.status, done.escalations, done.evidence, done.assured_on) == (
        "assured",
        2,
        "new guidance issued",
        TODAY,
    )
    assert state.open_activities == ()
    assert state.overdue_activities == 0


# --- closing --------------------------------------------------------------------


def test_closing_before_findings_is_refused() -> None:
    assert refused(investigating(), close()).field == "stage"


def test_closing_with_no_learning_and_no_activities() -> None:
    later = NOW + timedelta(days=1)
    state, [closed] = run(with_findings(), close(), later)
    assert isinstance(closed, e.Closed) and closed.accepted is True
    assert (state.stage, state.closed_on, state.finished) == ("closed", date(2026, 6, 2), True)
    assert journal(state)[-1].text == "closed"


def test_closing_is_refused_while_an_activity_is_open_and_names_the_open_ones() -> None:
    due = TODAY + timedelta(days=30)
    state, _ = run(with_findings(), agreement(due, due, due))
    second = f"ipr-{REFERENCE}-activity-2"
    state, _ = run(state, assured(second))
    error = refused(state, close())
    assert error.field == "activities"
    assert error.rule == (
        "cannot close while agreed activities are open: "
        f"ipr-{REFERENCE}-activity-1, ipr-{REFERENCE}-activity-3"
    )


def test_an_overdue_activity_still_blocks_closing() -> None:
    state, _ = run(with_findings(), agreement())
    activity_id = state.activities[0].activity_id
    state, _ = run(
        state, c.RecordActivityProgress(activity_id=activity_id, kind="overdue", escalations=1)
    )
    assert refused(state, close()).field == "activities"


def test_closing_after_every_activity_is_assured() -> None:
    state, _ = run(with_findings(), agreement())
    state, _ = run(state, assured(state.activities[0].activity_id))
    state, _ = run(state, close())
    assert state.stage == "closed"


def test_closing_with_learning_identified_needs_a_learning_outcome() -> None:
    state = with_findings(("UC", "route journal messages"))
    error = refused(state, close())
    assert error.field == "learning_outcomes"
    state, _ = run(state, outcome())
    assert state.stage == "learning_outcomes"
    assert state.outcomes[0].recorded_on == TODAY
    state, _ = run(state, close())
    assert state.stage == "closed"


def test_the_full_path_to_closure() -> None:
    state = with_findings(("UC", "route journal messages"))
    state, _ = run(state, agreement())
    state, _ = run(state, assured(state.activities[0].activity_id))
    state, _ = run(state, outcome())
    state, _ = run(state, close())
    assert (state.stage, state.finished, state.closed_on) == ("closed", True, TODAY)
    assert [j.seq for j in journal(state)] == list(range(1, state.version + 1))


def test_an_outcome_before_findings_is_refused() -> None:
    assert refused(investigating(), outcome()).field == "stage"


def test_closing_twice_is_refused() -> None:
    state, _ = run(with_findings(), close())
    assert refused(state, close()).field == "ipr"


# --- a finished IPR ----------------------------------------------------------------


def closed_accepted() -> IprState:
    state, _ = run(with_findings(), close())
    return state


def closed_not_accepted() -> IprState:
    state, _ = run(not_accepted(), c.RecordFeedback(feedback_path="f.pdf"))
    return state


@pytest.mark.parametrize(
    "command",
    [
        screening(),
        outcome(),
        close(),
        c.RecordFeedback(feedback_path="again.pdf"),
        c.RecordExternalScrutiny(by=LEAD, kind="domestic_homicide_review"),
        assured(f"ipr-{REFERENCE}-activity-1"),
    ],
    ids=lambda cmd: type(cmd).__name__,
)
@pytest.mark.parametrize("finished", [closed_accepted, closed_not_accepted])
def test_a_finished_ipr_takes_no_more(finished: Any, command: Any) -> None:
    state = finished()
    error = refused(state, command)
    assert error.field == "ipr"
    assert error.rule.startswith(f"this IPR is {state.stage.replace('_', ' ')}")


def test_an_unknown_command_is_refused() -> None:
    assert refused(new_ipr(), object()).field == "command"


# --- service lines --------------------------------------------------------------


def test_lines_reached_by_the_investigation_never_become_primary_lines() -> None:
    state, _ = run(investigating(), evidence("PIP"))
    state, _ = run(state, fact_finding(service_line="Complaints"))
    state, _ = run(state, evidence("UC"))
    assert state.service_lines == ("UC",)
    state, _ = run(state, findings(("Debt Management", "check vulnerability first")))
    state, _ = run(state, agreement(service_line="ESA"))
    state, _ = run(state, outcome("Counter Fraud and Compliance"))
    assert state.service_lines == ("UC",)
    assert state.finding_lines == ("Debt Management", "ESA", "Counter Fraud and Compliance")
    # What the ServiceLines search attribute of a review from before held.
    assert state.lines_merged == (
        "UC",
        "PIP",
        "Complaints",
        "Debt Management",
        "ESA",
        "Counter Fraud and Compliance",
    )


# --- external scrutiny --------------------------------------------------------------


def test_external_scrutiny_comes_from_the_screenings_reviews() -> None:
    state, _ = run(
        new_ipr(),
        screening(
            allegation=False,
            harm="none",
            external_reviews=("domestic_homicide_review", "inquest_interested_party"),
        ),
    )
    assert state.stage == "investigation"
    assert state.external_scrutiny == ("domestic_homicide_review", "inquest_interested_party")


def test_a_scottish_significant_case_review_is_external_scrutiny() -> None:
    state, _ = run(
        new_ipr(),
        screening(
            allegation=False,
            harm="none",
            external_reviews=("significant_case_review",),
            nation="scotland",
        ),
    )
    assert state.stage == "investigation"
    assert state.external_scrutiny == ("significant_case_review",)


def test_an_english_significant_case_review_is_not_external_scrutiny() -> None:
    state, _ = run(
        new_ipr(),
        screening(external_reviews=("significant_case_review",), nation="england"),
    )
    assert state.stage == "investigation"  # accepted on criterion (A)
    assert state.external_scrutiny == ()


def test_external_scrutiny_recorded_later_and_a_duplicate_refused() -> None:
    state, _ = run(new_ipr(), screening(external_reviews=("safeguarding_adults_review",)))
    state, [recorded] = run(
        state, c.RecordExternalScrutiny(by=LEAD, kind="inquest_interested_party")
    )
    assert isinstance(recorded, e.ExternalScrutinyRecorded)
    assert state.external_scrutiny == ("safeguarding_adults_review", "inquest_interested_party")
    assert journal(state)[-1].text == "inquest interested party"
    for kind in ("safeguarding_adults_review", "inquest_interested_party"):
        error = refused(state, c.RecordExternalScrutiny(by=LEAD, kind=kind))
        assert error.field == "kind"


def test_a_review_recorded_before_screening_meets_criterion_b() -> None:
    state, _ = run(new_ipr(), c.RecordExternalScrutiny(by=LEAD, kind="domestic_homicide_review"))
    state, _ = run(state, screening(allegation=False, harm="none"))
    assert state.stage == "investigation"
    assert state.screening is not None and state.screening.decision.criteria == ("B",)
    assert any("Criterion (B) is met" in r for r in state.screening.decision.reasons)


def test_an_scr_recorded_before_an_english_screening_is_not_external_scrutiny() -> None:
    state, _ = run(new_ipr(), c.RecordExternalScrutiny(by=LEAD, kind="significant_case_review"))
    state, _ = run(state, screening(nation="england"))
    assert state.external_scrutiny == ()
    assert state.screening is not None
    assert any("Scotland only" in r for r in state.screening.decision.reasons)


def test_an_scr_after_an_english_screening_is_refused_and_a_scottish_one_kept() -> None:
    english, _ = run(new_ipr(), screening(nation="england"))
    error = refused(english, c.RecordExternalScrutiny(by=LEAD, kind="significant_case_review"))
    assert error.field == "kind" and "Scotland only" in error.rule
    scottish, _ = run(new_ipr(), screening(nation="scotland"))
    scottish, _ = run(scottish, c.RecordExternalScrutiny(by=LEAD, kind="significant_case_review"))
    assert scottish.external_scrutiny == ("significant_case_review",)


def test_external_scrutiny_during_screening_is_kept_through_the_screening() -> None:
    state, _ = run(new_ipr(), c.RecordExternalScrutiny(by=LEAD, kind="domestic_homicide_review"))
    state, _ = run(state, screening(external_reviews=("domestic_homicide_review",)))
    assert state.external_scrutiny == ("domestic_homicide_review",)


# --- targets --------------------------------------------------------------------


def test_the_screening_target_wakes_at_the_start_of_the_uk_day_after_it() -> None:
    state = new_ipr()
    # 28 May + 10 days = 7 June; the wake-up is 00:00 BST on 8 June.
    assert next_wakeup(state) == (
        datetime(2026, 6, 7, 23, 0, tzinfo=UTC),
        "screening target ends Sun 7 Jun 2026: escalate if not met",
    )
    assert next_wakeup(state) == (
        start_of_day(date(2026, 6, 8)),
        "screening target ends Sun 7 Jun 2026: escalate if not met",
    )


def test_the_screening_target_follows_the_policy() -> None:
    state = new_ipr(IprPolicy(screening_target_days=3))
    wake = next_wakeup(state)
    assert wake is not None and wake[0] == start_of_day(REFERRED_ON + timedelta(days=4))


def test_the_screening_target_is_breached_once() -> None:
    state = new_ipr()
    for now in (NOW, datetime(2026, 6, 7, 22, 59, 59, tzinfo=UTC)):
        assert on_time_passed(state, now) == []
    wake = datetime(2026, 6, 7, 23, 0, tzinfo=UTC)
    state, events = tick(state, wake)
    assert events == [
        e.TargetBreached(at=wake, by=e.SYSTEM, target="screening", due_on=date(2026, 6, 7))
    ]
    assert state.screening_escalated is True
    assert state.stage == "screening"
    assert journal(state)[-1].kind == "target_breached"
    assert journal(state)[-1].text == "screening target of 2026-06-07 missed: escalated"
    assert on_time_passed(state, wake) == []
    assert on_time_passed(state, wake + timedelta(days=30)) == []
    assert next_wakeup(state) is None


def test_screening_in_time_meets_the_screening_target() -> None:
    state, _ = run(new_ipr(), screening(), datetime(2026, 6, 7, 12, 0, tzinfo=UTC))
    assert on_time_passed(state, datetime(2026, 6, 8, 12, 0, tzinfo=UTC)) == []
    assert state.screening_escalated is False


def test_a_screening_not_accepted_has_no_targets() -> None:
    state = not_accepted()
    assert next_wakeup(state) is None
    assert on_time_passed(state, NOW + timedelta(days=365)) == []


def test_the_investigation_target_counts_from_the_screening_date() -> None:
    screened_at = datetime(2026, 6, 3, 15, 0, tzinfo=UTC)
    state, _ = run(new_ipr(), screening(), screened_at)
    # 3 June + 90 days = 1 September; the wake-up is 00:00 BST on 2 September.
    assert state.investigation_started_on == date(2026, 6, 3)
    assert next_wakeup(state) == (
        datetime(2026, 9, 1, 23, 0, tzinfo=UTC),
        "investigation target ends Tue 1 Sep 2026: escalate if not met",
    )
    assert on_time_passed(state, datetime(2026, 9, 1, 22, 59, tzinfo=UTC)) == []
    wake = datetime(2026, 9, 1, 23, 0, tzinfo=UTC)
    state, events = tick(state, wake)
    assert events == [
        e.TargetBreached(at=wake, by=e.SYSTEM, target="investigation", due_on=date(2026, 9, 1))
    ]
    assert state.investigation_escalated is True
    assert state.screening_escalated is False
    assert state.stage == "investigation"
    assert on_time_passed(state, wake + timedelta(days=1)) == []
    assert next_wakeup(state) is None


def test_a_late_screening_breaches_the_screening_target_only() -> None:
    state, _ = tick(new_ipr(), datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    assert state.screening_escalated
    state, _ = run(state, screening(), datetime(2026, 6, 10, 10, 0, tzinfo=UTC))
    wake = next_wakeup(state)
    assert (
        wake is not None
        and wake[1] == "investigation target ends Tue 8 Sep 2026: escalate if not met"
    )


def test_findings_stop_the_investigation_target() -> None:
    state = with_findings()
    assert next_wakeup(state) is None
    assert on_time_passed(state, NOW + timedelta(days=365)) == []


def test_the_investigation_target_follows_the_policy() -> None:
    state, _ = run(new_ipr(IprPolicy(investigation_target_days=30)), screening())
    assert (
        on_time_passed(state, start_of_day(TODAY + timedelta(days=31)) - timedelta(seconds=1)) == []
    )
    [breach] = on_time_passed(state, start_of_day(TODAY + timedelta(days=31)))
    assert isinstance(breach, e.TargetBreached)
    assert breach.due_on == TODAY + timedelta(days=30)


def _follow_wakeups(state: IprState, now: datetime) -> tuple[IprState, datetime]:
    """Wake whenever next_wakeup says, until it says nothing more."""
    while (wake := next_wakeup(state)) is not None:
        assert wake[0] > now
        assert on_time_passed(state, wake[0] - timedelta(seconds=1)) == []
        now = wake[0]
        state, events = tick(state, now)
        assert len(events) == 1
    return state, now


def test_following_the_wakeups_breaches_each_target_once_never_in_the_past() -> None:
    state, now = _follow_wakeups(new_ipr(), NOW)
    assert state.screening_escalated and not state.investigation_escalated
    state, _ = run(state, screening(), now + timedelta(hours=1))
    state, _ = _follow_wakeups(state, now + timedelta(hours=1))
    assert state.investigation_escalated
    assert [j.text for j in journal(state) if j.kind == "target_breached"] == [
        "screening target of 2026-06-07 missed: escalated",
        "investigation target of 2026-09-06 missed: escalated",
    ]


# --- the journal ------------------------------------------------------------------


def test_every_event_writes_one_journal_entry_and_bumps_the_version() -> None:
    state = new_ipr()
    state2, events = run(state, screening())
    assert state2.version == state.version + len(events)
    entry = journal(state2)[-1]
    assert (entry.seq, entry.at, entry.author) == (state2.version, NOW, LEAD)
    assert (entry.kind, entry.text) == describe(events[0])


def test_a_later_iprg_meeting_adds_activities_after_a_learning_outcome() -> None:
    state = with_findings(("UC", "route journal messages"))
    state, _ = run(state, agreement())
    state, _ = run(state, outcome())
    assert state.stage == "learning_outcomes"
    state, _ = run(state, agreement(TODAY + timedelta(days=60), service_line="PIP"))
    assert [a.activity_id.rsplit("-", 1)[-1] for a in state.activities] == ["1", "2"]
    assert state.stage == "agreed_activities"
    assert refused(state, close()).field == "activities"


@pytest.mark.parametrize(
    "reference", ["Testperson-J-2026", "IPR-ALEX-1", "SmithJ1961", "IPR-19610304", "IPR-04-03-61"]
)
def test_a_reference_carrying_the_customer_is_refused(reference: str) -> None:
    made = referral(
        reference=reference,
        customer={"full_name": "Alex Smith Testperson", "date_of_birth": "1961-03-04"},
    )
    with pytest.raises(DomainError) as info:
        check_referral(made, NOW)
    assert info.value.field == "reference" and "workflow id" in info.value.rule


@pytest.mark.parametrize("reference", ["IPR-2026-017", "IPR-SAMPLE-1", "IPR-1abe2"])
def test_a_reference_sharing_only_letters_with_the_name_is_accepted(reference: str) -> None:
    made = referral(reference=reference, customer={"full_name": "Abe Samples"})
    check_referral(made, NOW)
