"""Payment arrangement requests on the case: the APA type, the age of the vulnerability
assessment, the deduction in pounds, the facts fixed at request, the forms, ending a
request or arrangement, and what a death, a late notice or cleared arrears do."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

import pytest

from domain.case import commands as c
from domain.case import events as e
from domain.case.decide import decide, open_case
from domain.case.model import (
    RENT_LINES_KEPT,
    ArrangementSummary,
    CaseState,
    RentLine,
    Resident,
)
from domain.errors import DomainError
from domain.policy import CasePolicy
from tests.factories import claim_status, deduction_facts, opening

# The domain's initial_state and evolve, keeping beside each state the journal the
# workflow would serve (tests/journals.py).
from tests.journals import case_evolve as evolve
from tests.journals import case_initial_state as initial_state
from tests.journals import journal
from workflows.ids import case_children

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
TODAY = date(2026, 3, 2)
BY = "officer-9"  # not the officer who opened the case (officer-17)
# £100 a week is £433.33 a month, so two months' rent is £866.66.
MONTHLY_RENT = Decimal("433.33")


def _case(ref: str = "R-1", balance: str = "1200.00", **overrides: Any) -> CaseState:
    [opened] = open_case(opening(ref, balance=Decimal(balance), **overrides), NOW)
    return initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]


def _tpd_case(ref: str = "R-1", balance: str = "1200.00", **overrides: Any) -> CaseState:
    """A case with the facts a rent arrears deduction rests on recorded
    (tests/factories.py `deduction_facts`): housing costs element, still living
    there, no earnings in the AP before."""
    state = _case(ref, balance, **overrides)
    for command in deduction_facts(TODAY):
        state = _run(state, command)
    return state


def _decide(state: CaseState, command: Any, now: datetime = NOW) -> list[e.Event]:
    return decide(state, command, now)


def _run(state: CaseState, command: Any, now: datetime = NOW) -> CaseState:
    return reduce(evolve, decide(state, command, now), state)


def _refused(state: CaseState, command: Any, now: datetime = NOW) -> DomainError:
    before = state
    with pytest.raises(DomainError) as info:
        decide(state, command, now)
    assert state == before  # a refusal changes nothing
    return info.value


def _assessed(
    state: CaseState, *factors: str, at: datetime = NOW, by: str = "assessor-2"
) -> CaseState:
    return _run(state, c.RecordVulnerabilityAssessment(by=by, factors=factors), at)


def _request(kind: str, **fields: Any) -> c.RequestPaymentArrangement:
    return c.RequestPaymentArrangement(by=BY, kind=kind, **fields)  # type: ignore[arg-type]


def _tpd(**fields: Any) -> c.RequestPaymentArrangement:
    return _request("tpd", deduction_rate=Decimal("15"), **fields)


def _only(state: CaseState) -> ArrangementSummary:
    [arrangement] = state.arrangements
    return arrangement


def _progress(arrangement_id: str, kind: str, status: str, **fields: Any) -> Any:
    return c.RecordArrangementProgress(
        arrangement_id=arrangement_id,
        kind=kind,
        text=fields.pop("text", f"{arrangement_id}: {kind} ({status})"),
        status=status,
        **fields,
    )


def _grant(state: CaseState, arrangement_id: str) -> CaseState:
    return _run(
        state,
        _progress(arrangement_id, "arrangement_outcome", "granted", start_date=date(2026, 3, 31)),
    )


def _end(arrangement_id: str, reason: str, ended_on: date = TODAY) -> c.EndPaymentArrangement:
    return c.EndPaymentArrangement(
        by=BY,
        arrangement_id=arrangement_id,
        ended_on=ended_on,
        reason=reason,  # type: ignore[arg-type]
    )


def _movement(kind: str, amount: str, on: date = TODAY, reference: str | None = None) -> Any:
    return c.RecordRentMovement(
        by="rents",
        kind=kind,  # type: ignore[arg-type]
        amount=Decimal(amount),
        on=on,
        reference=reference,
    )


def _task_ids_are_distinct(state: CaseState) -> None:
    ids = [t.task_id for t in state.tasks]
    assert len(ids) == len(set(ids)), ids


# --- 1. the APA type must fit ------------------------------------------------------


def test_split_payments_without_a_couple_is_refused_naming_the_types_that_fit() -> None:
    state = _assessed(_case(), "domestic_abuse", "addiction")
    error = _refused(state, _request("apa", apa_type="split_payments"))
    assert error.field == "apa_type"
    assert "set couple" in error.rule
    assert error.rule.endswith(
        "in DWP's order of consideration these fit: "
        "managed_payment_to_landlord, more_frequent_payments"
    )
    assert state.arrangements == ()


def test_split_payments_for_a_couple_with_domestic_abuse_is_accepted() -> None:
    state = _assessed(_case(), "domestic_abuse")
    arrangement = _only(_run(state, _request("apa", apa_type="split_payments", couple=True)))
    assert (arrangement.kind, arrangement.apa_type) == ("apa", "split_payments")
    assert arrangement.status == "requested" and arrangement.active
    assert arrangement.facts is not None
    assert arrangement.facts.forms == ("APA1",)


def test_more_frequent_payments_needs_a_budgeting_factor() -> None:
    state = _assessed(_case(), "homeless")
    error = _refused(state, _request("apa", apa_type="more_frequent_payments"))
    assert error.field == "apa_type"
    assert error.rule.startswith("more_frequent_payments does not fit the factors on this case")
    assert error.rule.endswith("these fit: managed_payment_to_landlord")


def test_more_frequent_payments_with_a_budgeting_factor_is_accepted() -> None:
    state = _assessed(_case(), "no_bank_account")  # a Tier 2 budgeting factor
    arrangement = _only(_run(state, _request("apa", apa_type="more_frequent_payments")))
    assert arrangement.apa_type == "more_frequent_payments"


def test_the_default_apa_type_is_the_first_in_dwps_order() -> None:
    # All three types fit; a managed payment to the landlord comes first.
    state = _assessed(_case(), "domestic_abuse", "addiction")
    arrangement = _only(_run(state, _request("apa", couple=True)))
    assert arrangement.apa_type == "managed_payment_to_landlord"
    assert state.stage != "payment_arrangement"
    assert _run(state, _request("apa")).stage == "payment_arrangement"


@pytest.mark.parametrize(
    "command",
    [
        _request("mptl", apa_type="managed_payment_to_landlord"),
        _request("mptl", couple=True),
        _tpd(apa_type="split_payments"),
        _tpd(couple=True),
    ],
)
def test_only_an_apa_takes_an_apa_type_or_couple(command: c.RequestPaymentArrangement) -> None:
    state = _assessed(_case(), "domestic_abuse")
    error = _refused(state, command)
    assert error.field == "apa_type"
    assert state.arrangements == ()


# --- 2. the vulnerability assessment must be recent ----------------------------------


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(days=1), True),
        (timedelta(days=90), True),
        (timedelta(days=90, seconds=1), False),
        (timedelta(days=200), False),
    ],
)
def test_an_apa_needs_an_assessment_no_older_than_90_days(age: timedelta, accepted: bool) -> None:
    assert CasePolicy().vulnerability_review_max_age_days == 90
    state = _assessed(_case(), "homeless", at=NOW - age)
    if accepted:
        assert _only(_run(state, _request("apa"))).kind == "apa"
    else:
        error = _refused(state, _request("apa"))
        assert error.field == "vulnerability"
        assert "older than 90 days" in error.rule
        assert "an APA request" in error.rule


def test_the_assessment_age_follows_the_cases_policy() -> None:
    [opened] = open_case(opening("R-1", balance=Decimal("1200.00")), NOW)
    strict = initial_state(
        opened,
        CasePolicy(vulnerability_review_max_age_days=30),
        case_children(opened.tenancy_ref, None),
    )  # type: ignore[arg-type]
    state = _assessed(strict, "homeless", at=NOW - timedelta(days=31))
    error = _refused(state, _request("apa"))
    assert error.field == "vulnerability"
    assert "older than 30 days" in error.rule


def test_a_managed_payment_on_tier_grounds_alone_needs_a_recent_assessment() -> None:
    # £300 is less than 2 months' rent, so only the Tier grounds are met.
    old = _assessed(_case(balance="300.00"), "homeless", at=NOW - timedelta(days=91))
    for command in (_request("mptl"), _request("mptl", hb_paid_to_landlord_before=True)):
        error = _refused(old, command)
        assert error.field == "vulnerability"
        assert "a managed payment on Tier grounds" in error.rule
    fresh = _assessed(_case(balance="300.00"), "homeless", at=NOW - timedelta(days=10))
    facts = _only(_run(fresh, _request("mptl"))).facts
    assert facts is not None
    assert facts.grounds == ("a Tier 1 or Tier 2 factor applies",)


@pytest.mark.parametrize(("balance", "accepted"), [("866.66", True), ("866.65", False)])
def test_a_managed_payment_for_two_months_arrears_does_not_need_a_recent_assessment(
    balance: str, accepted: bool
) -> None:
    state = _assessed(_case(balance=balance), "homeless", at=NOW - timedelta(days=200))
    if accepted:
        facts = _only(_run(state, _request("mptl"))).facts
        assert facts is not None
        assert facts.grounds[0] == (
            f"arrears £{balance} against 2 months' rent £{2 * MONTHLY_RENT}"
        )
    else:
        assert _refused(state, _request("mptl")).field == "vulnerability"


def test_a_managed_payment_for_continual_underpayment_does_not_need_a_recent_assessment() -> None:
    state = _assessed(_case(balance="500.00"), "homeless", at=NOW - timedelta(days=200))
    assert _refused(state, _request("mptl", months_underpaid=1)).field == "vulnerability"
    arrangement = _only(_run(state, _request("mptl", months_underpaid=2)))
    assert arrangement.kind == "mptl"


def test_the_case_policy_sets_how_long_continual_underpayment_must_last() -> None:
    state = _assessed(_case(balance="500.00"), "homeless", at=NOW - timedelta(days=200))
    state = replace(state, policy=replace(state.policy, mptl_underpayment_months=3))
    error = _refused(state, _request("mptl", months_underpaid=2))
    assert error.field == "vulnerability"  # resting on the Tier factor alone
    assert _only(_run(state, _request("mptl", months_underpaid=3))).kind == "mptl"


# --- 3. the deduction in pounds ------------------------------------------------------


def test_a_deduction_with_the_standard_allowance_is_worked_out_in_pounds() -> None:
    state = _run(_tpd_case(), _tpd(standard_allowance=Decimal("400.00")))
    arrangement = _only(state)
    assert arrangement.deduction_rate == Decimal("15")
    facts = arrangement.facts
    assert facts is not None
    assert facts.deduction_amount == Decimal("60.00")
    assert facts.standard_allowance == Decimal("400.00")
    assert facts.forms == ("UC47",)
    assert facts.grounds[0] == "arrears of £1200.00, at least 2 months' rent (£866.66)"
    assert facts.grounds[-1].startswith("£60.00 a month (15% of the standard allowance £400.00)")
    assert "£60.00 a month" in journal(state)[-1].text


def test_a_deduction_amount_is_rounded_to_the_penny() -> None:
    facts = _only(_run(_tpd_case(), _tpd(standard_allowance=Decimal("333.33")))).facts
    assert facts is not None
    assert facts.deduction_amount == Decimal("50.00")  # 49.9995 rounds half up


@pytest.mark.parametrize(
    ("ap_start", "cap"), [(date(2025, 4, 29), "25%"), (date(2025, 4, 30), "15%"), (None, "15%")]
)
def test_the_reason_names_the_overall_cap_for_the_assessment_period(
    ap_start: date | None, cap: str
) -> None:
    # A claim from January 2025: the AP before 29 April 2025's starts on 10 March, the
    # AP before today's (2 March 2026) on 10 January.
    state = _run(_case(), claim_status("2025-01-10", still_in_occupation=True))
    for day in (date(2025, 3, 10), date(2026, 1, 10)):
        statement = c.RecordAwardStatement(
            by=BY, ap_start=day, housing_costs_element=True, earned_income=Decimal(0)
        )
        state = _run(state, statement)
    command = _tpd(standard_allowance=Decimal("400.00"), ap_start=ap_start)
    facts = _only(_run(state, command)).facts
    assert facts is not None
    assert f"the {cap} overall cap does not limit rent arrears" in facts.grounds[-1]


def test_rent_arrears_over_the_overall_cap_are_allowed_and_said_so() -> None:
    water = c.OtherDeduction(kind="water", monthly_amount=Decimal("20.00"))
    command = _tpd(standard_allowance=Decimal("400.00"), other_deductions=(water,))
    facts = _only(_run(_tpd_case(), command)).facts
    assert facts is not None
    assert facts.grounds[-1].endswith(
        "deductions total £80.00, over the 15% overall cap of £60.00: allowed, "
        "as rent arrears are a last-resort deduction"
    )


def test_without_the_standard_allowance_the_deduction_has_no_amount() -> None:
    facts = _only(_run(_tpd_case(), _tpd())).facts
    assert facts is not None
    assert (facts.standard_allowance, facts.deduction_amount) == (None, None)
    assert facts.grounds[0] == "arrears of £1200.00, at least 2 months' rent (£866.66)"
    assert not any("a month" in ground for ground in facts.grounds)


def test_the_award_may_never_fall_below_1p_after_the_deduction() -> None:
    state = _tpd_case()
    error = _refused(
        state,
        _tpd(standard_allowance=Decimal("400.00"), award_before_deductions=Decimal("60.00")),
    )
    assert error.field == "award"
    assert state.arrangements == ()
    facts = _only(
        _run(
            state,
            _tpd(standard_allowance=Decimal("400.00"), award_before_deductions=Decimal("60.01")),
        )
    ).facts
    assert facts is not None and facts.deduction_amount == Decimal("60.00")


def test_the_1p_floor_counts_the_deductions_already_taken() -> None:
    water = c.OtherDeduction(kind="water", monthly_amount=Decimal("20.00"))
    low = _tpd(
        standard_allowance=Decimal("400.00"),
        award_before_deductions=Decimal("80.00"),
        other_deductions=(water,),
    )
    assert _refused(_tpd_case(), low).field == "award"
    enough = replace(low, award_before_deductions=Decimal("80.01"))
    assert _only(_run(_tpd_case(), enough)).kind == "tpd"


def test_three_deductions_already_taken_leave_no_room_for_another() -> None:
    others = tuple(
        c.OtherDeduction(kind=kind, monthly_amount=Decimal("10.00"))
        for kind in ("water", "fuel_arrears", "council_tax_arrears")
    )
    command = _tpd(standard_allowance=Decimal("400.00"), other_deductions=others)
    error = _refused(_tpd_case(), command)
    assert error.field == "third_party_deductions"
    assert "3 already in place" in error.rule


def test_the_listed_deductions_count_with_the_cases_own_live_requests() -> None:
    others = tuple(
        c.OtherDeduction(kind=kind, monthly_amount=Decimal("10.00"))
        for kind in ("water", "council_tax_arrears")
    )
    command = _tpd(standard_allowance=Decimal("400.00"), other_deductions=others)
    assert _only(_run(_tpd_case(), command)).kind == "tpd"  # 2 taken, this one the third
    state = _run(_tpd_case(), _tpd())  # the case's own request, still live
    error = _refused(state, command)
    assert error.field == "third_party_deductions"
    assert "3 already in place" in error.rule


def test_existing_deductions_and_the_list_of_them_must_agree() -> None:
    water = c.OtherDeduction(kind="water", monthly_amount=Decimal("10.00"))
    command = _tpd(
        standard_allowance=Decimal("400.00"), existing_deductions=2, other_deductions=(water,)
    )
    error = _refused(_tpd_case(), command)
    assert error.field == "existing_deductions"
    assert "says 2 but other_deductions lists 1" in error.rule
    agreeing = replace(command, existing_deductions=1)
    assert _only(_run(_tpd_case(), agreeing)).kind == "tpd"


@pytest.mark.parametrize(
    "fields",
    [
        {"award_before_deductions": Decimal("700.00")},
        {"ap_start": date(2026, 2, 15)},
        {"other_deductions": (c.OtherDeduction(kind="water", monthly_amount=Decimal("9.00")),)},
    ],
)
def test_the_award_figures_need_the_standard_allowance(fields: dict[str, Any]) -> None:
    error = _refused(_tpd_case(), _tpd(**fields))
    assert error.field == "standard_allowance"


@pytest.mark.parametrize("kind", ["apa", "mptl"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("standard_allowance", Decimal("400.00")),
        ("award_before_deductions", Decimal("700.00")),
        ("deduction_rate", Decimal("15")),
    ],
)
def test_only_a_deduction_takes_the_award_figures(kind: str, name: str, value: Decimal) -> None:
    state = _assessed(_case(), "homeless")
    error = _refused(state, _request(kind, **{name: value}))
    assert error.field == name
    assert state.arrangements == ()


# --- 4. the facts are fixed when the request is made -------------------------------------


def test_the_facts_are_fixed_at_request_and_later_movements_do_not_change_them() -> None:
    state = _run(_case(), _movement("charge", "433.33", date(2026, 2, 2)))
    state = _run(state, _movement("payment", "200.00", date(2026, 2, 10), reference="BACS-1"))
    # 23:30 UTC in June is 00:30 the next day in the UK: business dates are UK days.
    state = _assessed(state, "homeless", at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC))
    late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    state = _run(state, _request("mptl"), late)
    facts = _only(state).facts
    assert facts is not None
    assert facts.rent_extract == (
        RentLine(date(2026, 2, 2), "charge", Decimal("433.33"), Decimal("1633.33")),
        RentLine(date(2026, 2, 10), "payment", Decimal("200.00"), Decimal("1433.33"), "BACS-1"),
    )
    assert state.opened_by == "officer-17"
    assert facts.requested_by == BY
    assert facts.requested_on == date(2026, 6, 2)
    assert facts.assessed_on == date(2026, 6, 1)
    assert facts.assessed_by == "assessor-2"
    assert facts.balance == Decimal("1433.33")
    assert facts.monthly_rent == MONTHLY_RENT
    assert facts.factors == ("homeless",)

    later = _run(state, _movement("payment", "100.00", date(2026, 6, 5)), late)
    later = _run(later, _movement("charge", "433.33", date(2026, 7, 1)), late)
    assert len(later.rent_account) == 4
    assert later.balance == Decimal("1766.66")
    assert _only(later).facts == facts


def test_the_case_keeps_only_the_last_12_rent_lines() -> None:
    assert RENT_LINES_KEPT == 12
    state = _case()
    for n in range(1, 15):
        state = _run(state, _movement("charge", f"{n}.00", date(2026, 1, n)))
    assert len(state.rent_account) == 12
    assert [line.amount for line in state.rent_account] == [Decimal(n) for n in range(3, 15)]
    assert state.balance == Decimal("1200.00") + sum(Decimal(n) for n in range(1, 15))
    facts = _only(_run(state, _request("mptl"))).facts
    assert facts is not None
    assert facts.rent_extract == state.rent_account


# --- 5. the forms --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "apa_type", "forms"),
    [
        ("apa", "managed_payment_to_landlord", ("APA1", "UC47")),
        ("apa", "more_frequent_payments", ("APA1",)),
        ("mptl", None, ("UC47",)),
        ("tpd", None, ("UC47",)),
    ],
)
def test_the_forms_a_request_produces(kind: str, apa_type: str | None, forms: tuple[str]) -> None:
    state = _assessed(_tpd_case(), "addiction")
    command = _tpd() if kind == "tpd" else _request(kind, apa_type=apa_type)
    facts = _only(_run(state, command)).facts
    assert facts is not None
    assert facts.forms == forms


def test_a_managed_payment_apa_goes_on_a_uc47_so_needs_an_identifier() -> None:
    state = _assessed(_case(resident=Resident(full_name="No Identifiers")), "addiction")
    error = _refused(state, _request("apa", apa_type="managed_payment_to_landlord"))
    assert error.field == "resident"
    assert _refused(state, _request("apa")).field == "resident"  # the default type
    # More frequent payments go on the APA1 alone, which needs neither.
    accepted = _run(state, _request("apa", apa_type="more_frequent_payments"))
    assert _only(accepted).apa_type == "more_frequent_payments"


@pytest.mark.parametrize(
    "resident",
    [
        Resident(full_name="Only Born", date_of_birth=date(1980, 4, 2)),
        Resident(full_name="Only Insured", ni_number="AB123456C"),
    ],
)
def test_either_identifier_is_enough_for_a_uc47(resident: Resident) -> None:
    assert _only(_run(_case(resident=resident), _request("mptl"))).kind == "mptl"


def test_a_recorded_representative_is_the_correspondent() -> None:
    facts = _only(_run(_case(), _request("mptl"))).facts
    assert facts is not None and facts.correspondent is None
    state = _run(
        _case(),
        c.RecordRepresentative(by=BY, kind="appointee", name="Sam Helper", contact="07700 900123"),
    )
    seen = c.VerifyRepresentative(
        by=BY, evidence="dwp_appointee_letter", verified_on=state.opened_at.date()
    )
    facts = _only(_run(_run(state, seen), _request("mptl"))).facts
    assert facts is not None and facts.correspondent is not None
    rep = facts.correspondent
    assert (rep.kind, rep.name, rep.contact) == ("appointee", "Sam Helper", "07700 900123")
    assert rep.verified_by == BY and rep.evidence == "dwp_appointee_letter"


# --- 6. ending a request or arrangement -------------------------------------------------


def _requested() -> tuple[CaseState, str]:
    state = _run(_case(), _request("mptl"))
    return state, _only(state).arrangement_id


def test_ending_an_unknown_arrangement_is_refused() -> None:
    state, arrangement_id = _requested()
    assert arrangement_id == "uc-apa-R-1-1"
    error = _refused(state, _end("uc-apa-R-1-9", "withdrawn_by_landlord"))
    assert error.field == "arrangement_id"
    assert error.rule.endswith("live: uc-apa-R-1-1")


@pytest.mark.parametrize("ended_on", [date(2026, 3, 3), date(2026, 3, 1)])
def test_an_end_date_in_the_future_or_before_the_request_is_refused(ended_on: date) -> None:
    state, arrangement_id = _requested()
    error = _refused(state, _end(arrangement_id, "withdrawn_by_landlord", ended_on))
    assert error.field == "ended_on"
    assert _only(state).status == "requested"


@pytest.mark.parametrize(
    "reason", ["arrears_cleared", "dwp_stopped", "claim_ended", "tenancy_ended"]
)
def test_an_undecided_request_can_only_be_withdrawn(reason: str) -> None:
    state, arrangement_id = _requested()
    error = _refused(state, _end(arrangement_id, reason))
    assert error.field == "reason"
    assert _only(state).active


def test_withdrawing_an_undecided_request() -> None:
    state, arrangement_id = _requested()
    state = _run(state, _end(arrangement_id, "withdrawn_by_landlord"))
    arrangement = _only(state)
    assert arrangement.status == "withdrawn"
    assert arrangement.active is False
    assert arrangement.ended_on == TODAY
    assert arrangement.ended_reason == "withdrawn by landlord"
    entry = journal(state)[-1]
    assert (entry.kind, entry.outcome, entry.author) == ("payment_arrangement", "withdrawn", BY)
    assert entry.text == "uc-apa-R-1-1 withdrawn on 2026-03-02: withdrawn by landlord"


def test_a_granted_arrangement_is_ended_with_a_reason_and_its_tasks_are_done() -> None:
    state, arrangement_id = _requested()
    state = _grant(state, arrangement_id)
    state = _run(
        state,
        _progress(arrangement_id, "arrangement_review", "granted", task="arrangement_review"),
    )
    state = _run(
        state,
        c.RequestCallBack(by=BY, due_at=NOW + timedelta(days=3), reason="ring the resident"),
    )
    [review, call_back] = state.open_tasks
    assert review.subject == arrangement_id and call_back.subject is None

    error = _refused(state, _end(arrangement_id, "withdrawn_by_landlord"))
    assert error.field == "reason"
    assert _only(state).status == "granted"

    events = _decide(state, _end(arrangement_id, "arrears_cleared"))
    assert [type(x) for x in events] == [e.ArrangementEnded, e.TaskCompleted]
    state = reduce(evolve, events, state)
    arrangement = _only(state)
    assert (arrangement.status, arrangement.active) == ("ended", False)
    assert (arrangement.ended_on, arrangement.ended_reason) == (TODAY, "arrears cleared")
    assert arrangement.start_date == date(2026, 3, 31)  # what DWP decided is kept
    [done] = [t for t in state.tasks if t.task_id == review.task_id]
    assert (done.status, done.closed_by) == ("done", e.SYSTEM)
    assert state.open_tasks == (call_back,)

    error = _refused(state, _end(arrangement_id, "arrears_cleared"))
    assert error.field == "arrangement_id"
    assert error.rule.endswith("live: none")


def test_a_withdrawn_request_cannot_be_ended_again() -> None:
    state, arrangement_id = _requested()
    state = _run(state, _end(arrangement_id, "withdrawn_by_landlord"))
    error = _refused(state, _end(arrangement_id, "withdrawn_by_landlord"))
    assert error.field == "arrangement_id"
    assert _only(state).ended_reason == "withdrawn by landlord"


# --- 7. a death -----------------------------------------------------------------------


def test_a_death_ends_every_live_arrangement_and_leaves_the_refused_alone() -> None:
    state = _case()
    for _ in range(4):
        state = _run(state, _request("mptl"))
    undecided, granted, refused, cleared = (a.arrangement_id for a in state.arrangements)
    state = _grant(state, granted)
    state = _run(state, _progress(refused, "arrangement_outcome", "refused", active=False))
    state = _grant(state, cleared)
    state = _run(state, _end(cleared, "arrears_cleared"))

    death = c.RecordDeath(by=BY, date_of_death=date(2026, 3, 4), informant="daughter")
    state = _run(state, death, NOW + timedelta(days=3))
    by_id = {a.arrangement_id: a for a in state.arrangements}
    assert (by_id[undecided].status, by_id[granted].status) == ("withdrawn", "ended")
    for arrangement_id in (undecided, granted):
        arrangement = by_id[arrangement_id]
        assert arrangement.active is False
        assert arrangement.ended_on == date(2026, 3, 4)
        assert arrangement.ended_reason == "the resident died"
    assert by_id[refused].status == "refused"
    assert (by_id[refused].ended_on, by_id[refused].ended_reason) == (None, None)
    assert (by_id[cleared].status, by_id[cleared].ended_reason) == ("ended", "arrears cleared")
    assert by_id[cleared].ended_on == TODAY


def test_a_death_cancels_the_arrangements_tasks() -> None:
    state, arrangement_id = _requested()
    state = _run(
        state,
        _progress(
            arrangement_id, "arrangement_chase", "awaiting_outcome", task="arrangement_chase"
        ),
    )
    [chase] = state.open_tasks
    state = _run(state, c.RecordDeath(by=BY, date_of_death=TODAY, informant="son"))
    assert [t.status for t in state.tasks if t.task_id == chase.task_id] == ["cancelled"]
    assert [t.kind for t in state.open_tasks] == ["bereavement_handling"]
    _task_ids_are_distinct(state)


# --- 8. a late notice does not revive an ended arrangement ------------------------------


def test_a_notice_after_a_withdrawal_is_journalled_but_changes_nothing() -> None:
    state, arrangement_id = _requested()
    state = _run(state, _end(arrangement_id, "withdrawn_by_landlord"))
    tasks = state.tasks
    notice = _progress(
        arrangement_id,
        "arrangement_outcome",
        "granted",
        text=f"{arrangement_id} granted",
        task="arrangement_follow_up",
        escalate=True,
        start_date=date(2026, 3, 31),
        review_dates=(date(2026, 6, 30),),
    )
    state = _run(state, notice)
    arrangement = _only(state)
    assert (arrangement.status, arrangement.active) == ("withdrawn", False)
    assert arrangement.start_date is None and arrangement.review_dates == ()
    assert arrangement.ended_reason == "withdrawn by landlord"
    assert state.tasks == tasks
    entry = journal(state)[-1]
    assert (entry.kind, entry.outcome) == ("arrangement_outcome", "withdrawn")
    assert entry.text == f"{arrangement_id} granted (after it was withdrawn)"


def test_a_review_after_an_arrangement_ended_opens_no_task() -> None:
    state, arrangement_id = _requested()
    state = _grant(state, arrangement_id)
    state = _run(state, _end(arrangement_id, "dwp_stopped"))
    review = _progress(arrangement_id, "arrangement_review", "granted", task="arrangement_review")
    events = _decide(state, review)
    assert [type(x) for x in events] == [e.ArrangementProgressed]
    state = reduce(evolve, events, state)
    assert (_only(state).status, _only(state).active) == ("ended", False)
    assert state.open_tasks == ()
    assert journal(state)[-1].kind == "arrangement_review"


def test_a_notice_for_an_unknown_arrangement_is_refused() -> None:
    state, _ = _requested()
    error = _refused(state, _progress("uc-apa-R-1-7", "arrangement_chase", "awaiting_outcome"))
    assert error.field == "arrangement_id"


def test_a_submission_notice_records_the_form_and_the_apa1_pack() -> None:
    state, arrangement_id = _requested()
    notice = _progress(
        arrangement_id,
        "arrangement_submitted",
        "submitted",
        form_sha256="a" * 64,
        form_path="forms/uc47.pdf",
        pack_sha256="b" * 64,
        pack_path="forms/apa1.pdf",
    )
    arrangement = _only(_run(state, notice))
    assert arrangement.status == "submitted"
    assert (arrangement.form_sha256, arrangement.form_path) == ("a" * 64, "forms/uc47.pdf")
    assert (arrangement.pack_sha256, arrangement.pack_path) == ("b" * 64, "forms/apa1.pdf")


# --- 9. arrears cleared while a deduction runs -------------------------------------------


def _granted_tpds(count: int) -> CaseState:
    state = _tpd_case()
    for _ in range(count):
        state = _run(state, _tpd())
    for arrangement in state.arrangements:
        state = _grant(state, arrangement.arrangement_id)
    return state


def test_clearing_the_arrears_under_a_granted_deduction_opens_a_follow_up() -> None:
    state = _granted_tpds(1)
    arrangement_id = _only(state).arrangement_id
    state = _run(state, _movement("payment", "1199.99"))
    assert state.open_tasks == ()  # a penny still owed
    state = _run(state, _movement("payment", "0.01"))
    assert state.balance == Decimal("0.00")
    [follow_up] = state.open_tasks
    assert follow_up.kind == "arrangement_follow_up"
    assert follow_up.subject == arrangement_id
    assert follow_up.due_at == NOW + timedelta(days=2)
    assert follow_up.note.startswith(f"{arrangement_id}: arrears cleared")
    # Already cleared: a further payment opens nothing more.
    state = _run(state, _movement("payment", "50.00"))
    assert state.balance == Decimal("-50.00")
    assert state.open_tasks == (follow_up,)


def test_clearing_the_arrears_under_an_undecided_deduction_opens_nothing() -> None:
    state = _run(_tpd_case(), _tpd())
    state = _run(state, _movement("payment", "1200.00"))
    assert state.open_tasks == ()


def test_a_follow_up_ended_as_arrears_cleared_is_done() -> None:
    state = _granted_tpds(1)
    arrangement_id = _only(state).arrangement_id
    state = _run(state, _movement("payment", "1300.00"))
    [follow_up] = state.open_tasks
    state = _run(state, _end(arrangement_id, "arrears_cleared"))
    assert state.open_tasks == ()
    assert [t.status for t in state.tasks if t.task_id == follow_up.task_id] == ["done"]


def test_tasks_opened_in_one_decision_have_distinct_ids() -> None:
    state = _granted_tpds(2)
    first, second = (a.arrangement_id for a in state.arrangements)
    state = _run(
        state,
        c.AgreeArrearsPlan(by=BY, target_balance=Decimal("0"), by_date=date(2026, 9, 1)),
    )
    state = _run(state, _movement("charge", "500.00"))  # behind the plan: escalated
    [behind] = state.open_tasks
    assert (behind.task_id, behind.kind) == ("task-1", "recovery_behind_plan")

    events = _decide(state, _movement("payment", "1700.00"))
    assert [type(x) for x in events] == [
        e.RentMovementRecorded,
        e.TaskOpened,
        e.TaskOpened,
        e.ArrearsPlanChecked,
    ]
    state = reduce(evolve, events, state)
    assert state.arrears_plan is not None and state.arrears_plan.behind is False
    follow_ups = [t for t in state.open_tasks if t.kind == "arrangement_follow_up"]
    assert [(t.task_id, t.subject) for t in follow_ups] == [
        ("task-2", first),
        ("task-3", second),
    ]
    _task_ids_are_distinct(state)


def test_a_reopening_and_a_plan_escalation_in_one_decision_have_distinct_ids() -> None:
    state = _run(
        _case(), c.AgreeArrearsPlan(by=BY, target_balance=Decimal("0"), by_date=date(2026, 9, 1))
    )
    state = _run(state, c.CloseCase(by=BY, outcome="stable_arrears_clearing"))
    assert state.status == "closed"
    events = _decide(state, _movement("charge", "300.00"))
    opened = [x for x in events if isinstance(x, e.TaskOpened)]
    assert [(x.task_id, x.kind) for x in opened] == [
        ("task-1", "reopened_review"),
        ("task-2", "recovery_behind_plan"),
    ]
    state = reduce(evolve, events, state)
    assert state.status == "open"
    state = _run(state, c.RecordUc50Issued(by=BY, issued_on=TODAY))
    state = _run(state, c.StartSustainmentAction(by=BY, kind="dhp"))
    state = _run(state, c.RecordComplaint(by=BY, summary="letter not answered"))
    assert len(state.tasks) == 6
    _task_ids_are_distinct(state)


def test_clearing_the_arrears_on_a_closed_case_reopens_it_for_the_follow_up() -> None:
    state = _granted_tpds(1)
    state = _run(state, c.CloseCase(by=BY, outcome="stable_arrears_clearing"))
    events = _decide(state, _movement("payment", "1200.00"))
    assert isinstance(events[0], e.CaseReopened)
    state = reduce(evolve, events, state)
    assert state.status == "open"
    assert [t.kind for t in state.open_tasks] == ["arrangement_follow_up"]


# --- 10. numbering and which tasks follow which arrangement -------------------------------


def test_request_numbers_follow_the_highest_in_use() -> None:
    state = _run(_case(), _request("mptl"))
    assert _only(state).arrangement_id == "uc-apa-R-1-1"
    state = evolve(
        state,
        e.ArrangementRenumbered(
            at=NOW, by=e.SYSTEM, arrangement_id="uc-apa-R-1-1", new_id="uc-apa-R-1-3"
        ),
    )
    assert _only(state).arrangement_id == "uc-apa-R-1-3"
    state = _run(state, _request("mptl"))
    assert [a.arrangement_id for a in state.arrangements] == ["uc-apa-R-1-3", "uc-apa-R-1-4"]
    state = _run(state, _request("mptl"))
    assert state.arrangements[-1].arrangement_id == "uc-apa-R-1-5"


def _legacy_task(state: CaseState, note: str, subject: str | None = None) -> CaseState:
    return evolve(
        state,
        e.TaskOpened(
            at=NOW,
            by=e.SYSTEM,
            task_id=f"task-{len(state.tasks) + 1}",
            kind="arrangement_chase",
            due_at=NOW + timedelta(days=2),
            owner="income_team",
            note=note,
            subject=subject,
        ),
    )


def _with_legacy_tasks() -> tuple[CaseState, str]:
    state, arrangement_id = _requested()
    assert arrangement_id == "uc-apa-R-1-1"
    state = _legacy_task(state, "uc-apa-R-1-12: no outcome yet, chase DWP")  # task-1
    state = _legacy_task(state, "uc-apa-R-1-1: no outcome yet, chase DWP")  # task-2
    state = _legacy_task(state, "chase DWP about uc-apa-R-1-1.")  # task-3
    state = _legacy_task(state, "see uc-apa-R-1-1", subject="uc-apa-R-1-12")  # task-4
    state = _legacy_task(state, "see uc-apa-R-1-1-2")  # task-5
    return state, arrangement_id


def test_a_legacy_task_follows_only_the_arrangement_its_note_names_exactly() -> None:
    state, arrangement_id = _with_legacy_tasks()
    events = _decide(state, _end(arrangement_id, "withdrawn_by_landlord"))
    done = [x.task_id for x in events if isinstance(x, e.TaskCompleted)]
    assert done == ["task-2", "task-3"]


def test_an_outcome_completes_only_the_chases_that_follow_it() -> None:
    state, arrangement_id = _with_legacy_tasks()
    state = _run(state, _progress(arrangement_id, "arrangement_outcome", "refused", active=False))
    assert [t.task_id for t in state.open_tasks] == ["task-1", "task-4", "task-5"]
    assert _only(state).status == "refused"


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        ("mptl", {"existing_deductions": 1}, "existing_deductions"),
        ("apa", {"ap_start": date(2026, 3, 1)}, "ap_start"),
        ("apa", {"months_underpaid": 3}, "months_underpaid"),
        (
            "tpd",
            {"deduction_rate": Decimal("12"), "hb_paid_to_landlord_before": True},
            "hb_paid_to_landlord_before",
        ),
    ],
)
def test_fields_of_another_request_type_are_refused(
    kind: str, extra: dict[str, Any], field: str
) -> None:
    state = _assessed(_case(), "homeless")
    with pytest.raises(DomainError) as info:
        decide(state, _request(kind, **extra), NOW)
    assert info.value.field == field


def test_the_couple_hint_is_given_only_for_split_payments() -> None:
    state = _assessed(_case(), "homeless")
    with pytest.raises(DomainError) as info:
        decide(state, _request("apa", apa_type="more_frequent_payments"), NOW)
    assert info.value.field == "apa_type" and "set couple" not in info.value.rule
