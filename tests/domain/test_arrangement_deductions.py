"""Rent arrears deductions by law and guidance (docs/rules.md#third-party-deductions):
the facts the case records from the claim status and the award statements, each
condition of C&P Regs Schedule 6 paragraph 7 refused by name (and as "not recorded"
where the fact was never recorded), the guidance level of arrears with its recorded
reason, and the 3-AP stop rule ending a granted deduction."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

import pytest

from domain.case import commands as c
from domain.case import events as e
from domain.case.decide import decide, open_case
from domain.case.model import ArrangementSummary, CaseState, ClaimStatus, RequestFacts
from domain.case.parsing import parse
from domain.case.view import view_of
from domain.errors import DomainError
from domain.policy import CasePolicy
from tests.factories import claim_status, deduction_facts, opening
from tests.journals import case_evolve as evolve
from tests.journals import case_initial_state as initial_state
from tests.journals import journal
from workflows.ids import case_children

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
TODAY = NOW.date()
BY = "officer-9"
D = Decimal
# £100 a week is £433.33 a month: 2 months' rent is £866.66.
TWO_MONTHS = D("866.66")


def _case(balance: str = "1200.00", policy: CasePolicy | None = None) -> CaseState:
    [opened] = open_case(opening("R-1", balance=D(balance)), NOW)
    children = case_children(opened.tenancy_ref, None)
    return initial_state(opened, policy or CasePolicy(), children)  # type: ignore[arg-type]


def _run(state: CaseState, command: Any, now: datetime = NOW) -> CaseState:
    return reduce(evolve, decide(state, command, now), state)


def _refused(state: CaseState, command: Any, now: datetime = NOW) -> DomainError:
    with pytest.raises(DomainError) as info:
        decide(state, command, now)
    return info.value


def _tpd(**fields: Any) -> c.RequestPaymentArrangement:
    return c.RequestPaymentArrangement(
        **{"by": BY, "kind": "tpd", "deduction_rate": D("15"), **fields}
    )


def _with(state: CaseState, *commands: Any, now: datetime = NOW) -> CaseState:
    for command in commands:
        state = _run(state, command, now)
    return state


def _facts(earned_income: str = "0.00", **statement: Any) -> tuple[Any, ...]:
    """Claim status (first AP 2025-12-22) and the statement of the AP before today's
    (2026-01-22 to 2026-02-21)."""
    return deduction_facts(TODAY, earned_income=earned_income, statement=statement or None)


def _award(ap: date, earned: str, **fields: Any) -> c.RecordAwardStatement:
    return c.RecordAwardStatement(
        by=BY,
        ap_start=ap,
        housing_costs_element=fields.pop("housing_costs_element", True),
        earned_income=D(earned),
        **fields,
    )


def _only(state: CaseState) -> ArrangementSummary:
    [arrangement] = state.arrangements
    return arrangement


def _request_facts(state: CaseState) -> RequestFacts:
    facts = _only(state).facts
    assert facts is not None
    return facts


# --- the facts recorded ----------------------------------------------------------------


def test_an_award_statement_is_recorded_against_the_claims_ap_with_its_work_allowance() -> None:
    status, _ = _facts()
    state = _with(_case(), status)
    # Any day of the AP names it; the AP's start is recorded.
    state = _run(state, _award(date(2026, 2, 3), "120.50", responsible_for_child=True))
    [statement] = state.award_statements
    assert statement.ap_start == date(2026, 1, 22)
    assert statement.earned_income == D("120.50")
    # 2025/26, with the housing costs element (docs/rules.md#rates).
    assert statement.work_allowance == D("411")
    assert "award statement for the AP starting 2026-01-22" in journal(state)[-1].text
    assert view_of(state, NOW, 0).award_statements == state.award_statements


@pytest.mark.parametrize(
    ("fields", "allowance"),
    [
        ({"responsible_for_child": True}, D("411")),
        ({"limited_capability_for_work": True, "housing_costs_element": False}, D("684")),
        ({}, D("0.00")),  # neither: a nil work allowance
    ],
)
def test_the_work_allowance_applies_only_with_a_child_or_lcw(
    fields: dict[str, Any], allowance: Decimal
) -> None:
    state = _with(_case(), _facts()[0], _award(date(2026, 1, 22), "0", **fields))
    assert state.award_statements[-1].work_allowance == allowance


def test_the_work_allowance_is_the_aps_own_years() -> None:
    """An AP in 2024/25 takes that year's allowance (£404), not today's (£411)."""
    state = _with(_case(), claim_status("2024-05-10", still_in_occupation=True))
    state = _run(state, _award(date(2024, 6, 10), "0", responsible_for_child=True))
    assert state.award_statements[-1].work_allowance == D("404")


def test_a_statement_of_a_year_whose_rates_are_not_held_is_refused_naming_it() -> None:
    state = _with(_case(), claim_status("2020-01-10", still_in_occupation=True))
    error = _refused(state, _award(date(2020, 2, 10), "0", responsible_for_child=True))
    assert error.field == "rates"
    assert "2019/20" in error.rule


def test_a_statement_needs_the_claim_status_and_an_ended_ap() -> None:
    assert _refused(_case(), _award(date(2026, 1, 22), "0")).field == "ap_start"
    state = _with(_case(), _facts()[0])
    error = _refused(state, _award(date(2026, 2, 25), "0"))  # today's AP, not ended
    assert error.field == "ap_start" and "has not ended" in error.rule
    error = _refused(state, _award(date(2025, 11, 1), "0"))
    assert error.field == "ap_start" and "before the claim's first AP" in error.rule


def test_a_statement_recorded_again_for_its_ap_replaces_the_first() -> None:
    state = _with(_case(), _facts()[0], _award(date(2026, 1, 22), "50"))
    state = _run(state, _award(date(2026, 1, 30), "75"))
    assert [(s.ap_start, s.earned_income) for s in state.award_statements] == [
        (date(2026, 1, 22), D("75"))
    ]


def test_the_claim_status_records_occupation_and_a_move_out_is_a_change() -> None:
    state = _with(_case(), claim_status("2025-12-22"))
    assert state.claim is not None and state.claim.still_in_occupation is None
    # Saying it for the first time is not a change of circumstances...
    state = _run(state, claim_status("2025-12-22", still_in_occupation=True))
    assert state.open_tasks == ()
    assert "still living there yes" in journal(state)[-1].text
    # ...moving out is.
    state = _run(state, claim_status("2025-12-22", still_in_occupation=False))
    assert [t.kind for t in state.open_tasks] == ["case_control"]


def test_a_claim_status_and_request_facts_stored_before_these_facts_still_read() -> None:
    claim = {
        "claim_stage": "in_payment",
        "first_ap_start": "2026-01-30",
        "housing_element": "400",
        "sanctions": False,
        "conditionality_regime": "work_preparation",
        "recorded_at": "2026-02-01T10:00:00Z",
    }
    old = parse(ClaimStatus, claim, stored=True)
    assert (old.still_in_occupation, old.exempt_accommodation_with_hb) == (None, False)
    facts = {
        "requested_by": "o",
        "requested_on": "2026-02-01",
        "balance": "900",
        "monthly_rent": "433.33",
        "rent_extract": [],
        "factors": [],
        "grounds": ["rent arrears of £900"],
    }
    read = parse(RequestFacts, facts, stored=True)
    assert (read.earned_income, read.below_guidance_reason) == (None, None)
    assert parse(CaseState, {**_state_json(), "award_statements": []}, stored=True)


def _state_json() -> dict[str, Any]:
    from pydantic_core import to_jsonable_python

    data: dict[str, Any] = to_jsonable_python(_case())
    data.pop("award_statements")
    return data


# --- each paragraph 7 condition, refused by name -----------------------------------------


def test_with_every_fact_recorded_a_deduction_is_requested_on_its_grounds() -> None:
    state = _with(_case(), *_facts())
    facts = _request_facts(_run(state, _tpd()))
    assert facts.grounds == (
        f"arrears of £1200.00, at least 2 months' rent (£{TWO_MONTHS})",
        "the award for the AP 2026-01-22 to 2026-02-21 includes the housing costs element",
        "the resident still lives in the home the arrears are for",
        "earned income of £0.00 in the AP 2026-01-22 to 2026-02-21 is not above the nil work "
        "allowance (neither responsible for a child nor with limited capability for work)",
    )
    assert (facts.earnings_ap_start, facts.earned_income, facts.work_allowance) == (
        date(2026, 1, 22),
        D("0.00"),
        D("0.00"),
    )


def test_without_a_claim_status_the_housing_costs_element_is_not_recorded() -> None:
    error = _refused(_case(), _tpd())
    assert error.field == "housing_costs_element"
    assert error.rule.startswith("not recorded")


def test_without_the_previous_aps_statement_the_housing_costs_element_is_not_recorded() -> None:
    state = _with(_case(), _facts()[0])
    error = _refused(state, _tpd())
    assert error.field == "housing_costs_element"
    assert error.rule.startswith("not recorded: no award statement for the AP 2026-01-22")


def test_a_statement_of_another_ap_does_not_stand_for_the_previous_one() -> None:
    state = _with(_case(), _facts()[0], _award(date(2025, 12, 22), "0"))
    assert _refused(state, _tpd()).rule.startswith("not recorded")


def test_an_award_without_the_housing_costs_element_is_refused() -> None:
    state = _with(_case(), *_facts(housing_costs_element=False))
    error = _refused(state, _tpd())
    assert error.field == "housing_costs_element"
    assert "has no housing costs element" in error.rule
    assert "paragraph 7" in error.rule


def test_exempt_accommodation_with_housing_benefit_stands_for_the_element() -> None:
    status, award = _facts(housing_costs_element=False)
    state = _with(_case(), replace(status, exempt_accommodation_with_hb=True), award)
    facts = _request_facts(_run(state, _tpd()))
    assert "exempt accommodation with Housing Benefit" in facts.grounds[1]


def test_occupation_never_recorded_is_refused_as_not_recorded() -> None:
    status, award = _facts()
    state = _with(_case(), replace(status, still_in_occupation=None), award)
    error = _refused(state, _tpd())
    assert error.field == "still_in_occupation"
    assert error.rule.startswith("not recorded")


def test_a_resident_who_has_moved_out_is_refused() -> None:
    status, award = _facts()
    state = _with(_case(), replace(status, still_in_occupation=False), award)
    error = _refused(state, _tpd())
    assert error.field == "still_in_occupation"
    assert "no longer lives" in error.rule


def test_earnings_never_recorded_are_refused_as_not_recorded() -> None:
    """Exempt accommodation answers the housing costs condition without a statement;
    the earnings test still needs one."""
    status, _ = _facts()
    state = _with(_case(), replace(status, exempt_accommodation_with_hb=True))
    error = _refused(state, _tpd())
    assert error.field == "earned_income"
    assert error.rule.startswith("not recorded")


@pytest.mark.parametrize(("earned", "accepted"), [("411.00", True), ("411.01", False)])
def test_earnings_in_the_previous_ap_may_not_exceed_the_work_allowance(
    earned: str, accepted: bool
) -> None:
    state = _with(_case(), *_facts(earned, responsible_for_child=True))
    if accepted:
        assert _only(_run(state, _tpd())).kind == "tpd"
        return
    error = _refused(state, _tpd())
    assert error.field == "earned_income"
    assert "£411.01" in error.rule and "work allowance of £411" in error.rule


def test_without_a_work_allowance_any_earnings_refuse_a_start() -> None:
    state = _with(_case(), *_facts("0.01"))
    error = _refused(state, _tpd())
    assert error.field == "earned_income"
    assert "nil work allowance" in error.rule


def test_a_deduction_in_the_claims_first_ap_has_no_previous_ap_to_test() -> None:
    state = _with(_case(), claim_status("2026-02-20", still_in_occupation=True))
    error = _refused(state, _tpd())
    assert error.field == "earned_income"
    assert "first AP" in error.rule


def test_the_previous_ap_is_the_one_before_the_ap_the_deduction_applies_to() -> None:
    state = _with(_case(), *_facts())
    command = _tpd(standard_allowance=D("400.14"), ap_start=date(2026, 3, 22))
    # The AP from 22 March: the AP before it (22 February) has no statement yet.
    error = _refused(state, command)
    assert error.field == "housing_costs_element"
    assert "2026-02-22" in error.rule


# --- the amounts and limits ---------------------------------------------------------------


@pytest.mark.parametrize("rate", ["9.99", "20.01"])
def test_a_rate_outside_10_to_20_percent_is_refused(rate: str) -> None:
    state = _with(_case(), *_facts())
    error = _refused(state, _tpd(deduction_rate=D(rate)))
    assert error.field == "deduction_rate"


def test_a_fourth_deduction_is_refused() -> None:
    state = _with(_case(), *_facts())
    error = _refused(state, _tpd(existing_deductions=3))
    assert error.field == "third_party_deductions"


def test_the_award_never_falls_below_a_penny() -> None:
    state = _with(_case(), *_facts())
    command = _tpd(standard_allowance=D("400.00"), award_before_deductions=D("60.00"))
    error = _refused(state, command)
    assert error.field == "award" and "1p" in error.rule


# --- the guidance level of arrears --------------------------------------------------------


def test_arrears_below_two_months_rent_need_a_recorded_reason() -> None:
    state = _with(_case(balance="866.65"), *_facts())
    error = _refused(state, _tpd())
    assert error.field == "below_guidance_reason"
    assert f"below 2 months' rent (£{TWO_MONTHS})" in error.rule
    assert "tpd_arrears_months" in error.rule  # the setting that sets it
    reason = "eviction hearing listed; the resident asked for the deduction"
    facts = _request_facts(_run(state, _tpd(below_guidance_reason=reason)))
    assert facts.below_guidance_reason == reason
    assert facts.grounds[0].endswith(f"asked for below the guidance level because {reason}")


def test_arrears_of_two_months_rent_need_no_reason() -> None:
    state = _with(_case(balance=str(TWO_MONTHS)), *_facts())
    facts = _request_facts(_run(state, _tpd(below_guidance_reason="not needed")))
    assert facts.below_guidance_reason is None  # kept only where it was needed


def test_the_guidance_level_is_a_policy_setting() -> None:
    one_month = CasePolicy(tpd_arrears_months=D(1))
    state = _with(_case(balance="433.33", policy=one_month), *_facts())
    assert _only(_run(state, _tpd())).kind == "tpd"
    assert _refused(_with(_case("433.32", one_month), *_facts()), _tpd()).field == (
        "below_guidance_reason"
    )


def test_a_reason_below_the_guidance_level_is_only_for_a_deduction() -> None:
    error = _refused(
        _case(), c.RequestPaymentArrangement(by=BY, kind="mptl", below_guidance_reason="x")
    )
    assert error.field == "below_guidance_reason"


def test_a_request_replayed_from_before_the_conditions_is_decided_as_it_was() -> None:
    """The case workflow decides a request accepted before the conditions were
    enforced without them (workflows/uc_case_core.py, patch tpd-legal-conditions)."""
    events = decide(_case(balance="250.00"), _tpd(), NOW, tpd_conditions=False)
    [requested] = [x for x in events if isinstance(x, e.PaymentArrangementRequested)]
    assert requested.reasons == ("rent arrears of £250.00",)
    with pytest.raises(DomainError):
        decide(_case(balance="250.00"), _tpd(), NOW)


# --- the 3-AP stop rule --------------------------------------------------------------------

# A claim from 10 June 2025; the deduction asked for on 1 October 2025 (its AP starts
# 10 September, the AP before on 10 August), granted; statements recorded in March 2026.
REQUESTED = datetime(2025, 10, 1, 9, tzinfo=UTC)
LATER = NOW
AP = [date(2025, 10, 10), date(2025, 11, 10), date(2025, 12, 10), date(2026, 1, 10)]


def _granted() -> CaseState:
    state = _case()
    state = _with(
        state,
        claim_status("2025-06-10", still_in_occupation=True),
        _award(date(2025, 8, 10), "0", responsible_for_child=True),
        now=REQUESTED,
    )
    state = _run(state, _tpd(), REQUESTED)
    arrangement_id = _only(state).arrangement_id
    outcome = c.RecordArrangementProgress(
        arrangement_id=arrangement_id,
        kind="arrangement_outcome",
        text="granted",
        status="granted",
        start_date=date(2025, 10, 10),
    )
    return _run(state, outcome, REQUESTED + timedelta(days=20))


def _earnings(state: CaseState, *aps: tuple[date, str]) -> CaseState:
    for ap, earned in aps:
        state = _run(state, _award(ap, earned, responsible_for_child=True), LATER)
    return state


def test_two_aps_at_the_work_allowance_do_not_stop_a_deduction_three_do() -> None:
    state = _earnings(_granted(), (AP[0], "500.00"), (AP[1], "411.00"))
    assert _only(state).status == "granted"
    assert state.open_tasks == ()
    arrangement_id = _only(state).arrangement_id
    events = decide(state, _award(AP[2], "411.00", responsible_for_child=True), LATER)
    assert [type(x) for x in events] == [
        e.AwardStatementRecorded,
        e.ArrangementEnded,
        e.TaskOpened,
    ]
    state = reduce(evolve, events, state)
    stopped = _only(state)
    assert stopped.status == "ended" and not stopped.active
    assert stopped.ended_reason is not None
    assert stopped.ended_reason.startswith("earnings_3_aps: ")
    assert "2025-10-10, 2025-11-10 and 2025-12-10" in stopped.ended_reason
    [task] = state.open_tasks
    assert (task.kind, task.subject) == ("arrangement_follow_up", arrangement_id)
    assert "DWP stops the rent arrears deduction" in task.note
    assert any(
        entry.kind == "payment_arrangement"
        and "ended" in entry.text
        and "earnings_3_aps" in entry.text
        for entry in journal(state)
    )
    # Stopped: a further statement stops nothing more.
    again = decide(state, _award(AP[3], "900", responsible_for_child=True), LATER)
    assert [type(x) for x in again] == [e.AwardStatementRecorded]


def test_an_ap_below_the_allowance_starts_the_count_again() -> None:
    state = _earnings(_granted(), (AP[0], "500"), (AP[1], "410.99"), (AP[2], "500"), (AP[3], "500"))
    assert _only(state).status == "granted"


def test_an_ap_without_a_statement_starts_the_count_again() -> None:
    state = _earnings(_granted(), (AP[0], "500"), (AP[1], "500"), (AP[3], "500"))
    assert _only(state).status == "granted"
    # The missing AP recorded late completes 3 in a row.
    state = _earnings(state, (AP[2], "500"))
    assert _only(state).status == "ended"


def test_no_earnings_never_reach_a_nil_work_allowance() -> None:
    state = _granted()
    for ap in AP[:3]:
        state = _run(state, _award(ap, "0"), LATER)
    assert _only(state).status == "granted"


def test_a_request_not_yet_granted_is_not_ended_by_the_stop_rule() -> None:
    state = _case()
    state = _with(
        state,
        claim_status("2025-06-10", still_in_occupation=True),
        _award(date(2025, 8, 10), "0", responsible_for_child=True),
        now=REQUESTED,
    )
    state = _earnings(_run(state, _tpd(), REQUESTED), *((ap, "900") for ap in AP[:3]))
    assert _only(state).status == "requested"


def test_after_the_stop_a_new_deduction_needs_an_ap_under_the_allowance() -> None:
    state = _earnings(_granted(), *((ap, "900") for ap in AP))
    assert _only(state).status == "ended"
    # Today (2 March 2026) is in the AP from 10 February; the AP before earned £900.
    error = _refused(state, _tpd(), LATER)
    assert error.field == "earned_income"
    state = _earnings(state, (AP[3], "100"))
    assert len(_run(state, _tpd(), LATER).arrangements) == 2
