"""Rules of one UC case, driven through open_case, decide and evolve
(docs/rules.md#case-lifecycle, docs/rules.md#safeguards)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from domain.case import commands as c
from domain.case import events as e
from domain.case.deadlines import watch_end
from domain.case.decide import decide, on_time_passed, open_case
from domain.case.model import CaseState, Rent, Resident, Task, Tenancy
from domain.case.view import is_escalated, search_attributes, view_of
from domain.dates import business_date, start_of_day
from domain.errors import DomainError
from domain.policy import CasePolicy

# The domain's initial_state and evolve, keeping beside each state the journal the
# workflow would serve (tests/journals.py).
from tests.journals import case_evolve as evolve
from tests.journals import case_initial_state as initial_state
from tests.journals import journal
from workflows.ids import case_children

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICER = "officer-17"
MONTHLY_RENT = Decimal("400.00")

# docs/rules.md#case-lifecycle: the outcome categories to ship.
DOMAIN_OUTCOMES = (
    "stable_arrears_clearing",
    "tenancy_ended",
    "moved_off_uc",
    "resident_deceased",
    "transferred",
    "no_further_action",
)

RESIDENT = Resident(
    full_name="Morgan Testperson",
    date_of_birth=date(1980, 4, 2),
    ni_number="AB123456C",
    phone="07700 900123",
    email="morgan@example.org",
)
TENANCY = Tenancy(address="12 Example Road, Testtown", start_date=date(2019, 6, 3))


# --- driving the case -------------------------------------------------------------


def opening(**overrides: Any) -> c.OpenCase:
    fields: dict[str, Any] = {
        "tenancy_ref": "T-1001",
        "opening_reason": "arrears_trigger",
        "opened_by": OFFICER,
        "resident": RESIDENT,
        "tenancy": TENANCY,
        "rent": Rent(amount=MONTHLY_RENT, frequency="monthly"),
        "balance": Decimal("100.00"),
    }
    fields.update(overrides)
    return c.OpenCase(**fields)


def new_case(policy: CasePolicy | None = None, **overrides: Any) -> CaseState:
    [opened] = open_case(opening(**overrides), NOW)
    assert isinstance(opened, e.CaseOpened)
    return initial_state(opened, policy or CasePolicy(), case_children(opened.tenancy_ref, None))


def fold(state: CaseState, events: list[e.Event]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def run(state: CaseState, command: Any, now: datetime = NOW) -> tuple[CaseState, list[e.Event]]:
    """Decide a command and apply its events: the new state and what happened."""
    events = decide(state, command, now)
    return fold(state, events), events


def tick(state: CaseState, now: datetime) -> tuple[CaseState, list[e.Event]]:
    events = on_time_passed(state, now)
    return fold(state, events), events


def refused(state: CaseState, command: Any, now: datetime = NOW) -> DomainError:
    with pytest.raises(DomainError) as info:
        decide(state, command, now)
    return info.value


def of_type(events: list[e.Event], kind: type) -> list[Any]:
    return [ev for ev in events if isinstance(ev, kind)]


def task(state: CaseState, kind: str) -> Task:
    [found] = [t for t in state.tasks if t.kind == kind]
    return found


def claim_status(**overrides: Any) -> c.RecordClaimStatus:
    fields: dict[str, Any] = {
        "by": OFFICER,
        "claim_stage": "in_payment",
        "first_ap_start": date(2026, 1, 31),
        "housing_element": Decimal("400.00"),
        "conditionality_regime": "work_preparation",
    }
    fields.update(overrides)
    return c.RecordClaimStatus(**fields)


def vulnerability(*factors: str) -> c.RecordVulnerabilityAssessment:
    return c.RecordVulnerabilityAssessment(by=OFFICER, factors=factors)


def movement(kind: str, amount: str) -> c.RecordRentMovement:
    return c.RecordRentMovement(by=OFFICER, kind=kind, amount=Decimal(amount), on=NOW.date())


def close(outcome: str = "stable_arrears_clearing") -> c.CloseCase:
    return c.CloseCase(by=OFFICER, outcome=outcome, reason="claim stable")


def call_back(due_at: datetime = NOW + timedelta(hours=4)) -> c.RequestCallBack:
    return c.RequestCallBack(by=OFFICER, due_at=due_at, reason="discuss arrears")


def bereaved_case() -> CaseState:
    """A case whose resident has died, with the bereavement follow-up done."""
    state, _ = run(new_case(), death())
    task_id = task(state, "bereavement_handling").task_id
    state, _ = run(state, c.CompleteTask(by=OFFICER, task_id=task_id, outcome="done"))
    return state


def closed_case(**overrides: Any) -> CaseState:
    state, _ = run(new_case(**overrides), close())
    assert state.status == "closed"
    return state


def death(on: date = date(2026, 3, 1)) -> c.RecordDeath:
    return c.RecordDeath(by=OFFICER, date_of_death=on, informant="daughter")


# --- stages -----------------------------------------------------------------------


def test_a_new_case_is_open_at_the_logged_stage() -> None:
    state = new_case()
    assert (state.status, state.stage) == ("open", "logged")


def test_claim_status_moves_a_logged_case_to_claim_status() -> None:
    state, _ = run(new_case(), claim_status())
    assert state.stage == "claim_status"
    assert state.claim is not None and state.claim.first_ap_start == date(2026, 1, 31)


def test_vulnerability_assessment_moves_a_logged_case_to_vulnerability_assessment() -> None:
    state, _ = run(new_case(), vulnerability("homeless"))
    assert state.stage == "vulnerability_assessment"


def test_vulnerability_assessment_moves_a_claim_status_case_on() -> None:
    state, _ = run(new_case(), claim_status())
    state, _ = run(state, vulnerability())
    assert state.stage == "vulnerability_assessment"


def test_claim_status_does_not_move_a_case_back_from_vulnerability_assessment() -> None:
    state, _ = run(new_case(), vulnerability("homeless"))
    state, _ = run(state, claim_status())
    assert state.stage == "vulnerability_assessment"


@pytest.mark.parametrize("later", ["payment_arrangement", "managed_migration", "recovery"])
def test_claim_status_and_vulnerability_do_not_move_a_case_back_from_a_later_stage(
    later: str,
) -> None:
    state, _ = run(new_case(), c.MoveStage(by=OFFICER, stage=later, reason="APA requested"))
    state, _ = run(state, claim_status())
    assert state.stage == later
    state, _ = run(state, vulnerability("no_bank_account"))
    assert state.stage == later


def test_moving_to_the_current_stage_is_refused() -> None:
    state, _ = run(new_case(), c.MoveStage(by=OFFICER, stage="recovery", reason="TPD in place"))
    error = refused(state, c.MoveStage(by=OFFICER, stage="recovery", reason="again"))
    assert error.field == "stage"


def test_moving_stage_on_a_closed_case_is_refused() -> None:
    error = refused(closed_case(), c.MoveStage(by=OFFICER, stage="recovery", reason="TPD"))
    assert error.field == "case"


# --- the rent account -------------------------------------------------------------


def test_a_charge_adds_to_the_balance() -> None:
    state, _ = run(new_case(balance=Decimal("100.00")), movement("charge", "400.00"))
    assert state.balance == Decimal("500.00")


def test_a_payment_subtracts_from_the_balance() -> None:
    state, _ = run(new_case(balance=Decimal("100.00")), movement("payment", "150.00"))
    assert state.balance == Decimal("-50.00")


def test_a_balance_movement_sets_the_balance() -> None:
    state, _ = run(new_case(balance=Decimal("100.00")), movement("balance", "812.50"))
    assert state.balance == Decimal("812.50")


@pytest.mark.parametrize("amount", ["0.00", "-25.00"])
def test_a_balance_movement_may_clear_or_credit_the_account(amount: str) -> None:
    state, _ = run(new_case(balance=Decimal("100.00")), movement("balance", amount))
    assert state.balance == Decimal(amount)


def test_a_missed_uc_payment_leaves_the_balance_unchanged() -> None:
    state, events = run(
        new_case(balance=Decimal("100.00")), movement("missed_uc_payment", "400.00")
    )
    assert state.balance == Decimal("100.00")
    [recorded] = of_type(events, e.RentMovementRecorded)
    assert recorded.kind == "missed_uc_payment"


def test_a_rent_movement_records_the_balance_after_it() -> None:
    _, events = run(new_case(balance=Decimal("100.00")), movement("charge", "20.00"))
    [recorded] = of_type(events, e.RentMovementRecorded)
    assert recorded.balance_after == Decimal("120.00")


@pytest.mark.parametrize("kind", ["charge", "payment", "missed_uc_payment"])
@pytest.mark.parametrize("amount", ["0.00", "-10.00"])
def test_a_zero_or_negative_amount_is_refused_naming_the_amount(kind: str, amount: str) -> None:
    state = new_case()
    error = refused(state, movement(kind, amount))
    assert error.field == "amount"
    assert str(error).startswith("amount:")


# --- vulnerability ----------------------------------------------------------------


def test_an_unknown_vulnerability_factor_is_refused_naming_factors() -> None:
    error = refused(new_case(), vulnerability("homeless", "likes_cats"))
    assert error.field == "factors"
    assert "likes_cats" in error.rule


def test_a_vulnerability_assessment_records_the_tier_of_its_factors() -> None:
    state, _ = run(new_case(), vulnerability("no_bank_account", "mental_health_condition"))
    assert state.vulnerability is not None
    assert state.vulnerability.tier == "tier_1"
    assert state.vulnerability.assessed_at == NOW
    assert state.vulnerability.assessed_by == OFFICER


def test_a_repeated_vulnerability_factor_is_recorded_once() -> None:
    state, _ = run(new_case(), vulnerability("homeless", "homeless"))
    assert state.vulnerability is not None
    assert state.vulnerability.factors == ("homeless",)


# --- closing ----------------------------------------------------------------------


def test_closing_with_an_unknown_outcome_is_refused_listing_the_categories() -> None:
    error = refused(new_case(), close("went_away"))
    assert error.field == "outcome"
    assert str(error).startswith("outcome:")
    for category in DOMAIN_OUTCOMES:
        assert category in error.rule


@pytest.mark.parametrize("outcome", DOMAIN_OUTCOMES)
def test_every_domain_outcome_category_closes_a_case(outcome: str) -> None:
    start = bereaved_case() if outcome == "resident_deceased" else new_case()
    state, events = run(start, close(outcome))
    assert of_type(events, e.CaseClosed)
    assert state.status in ("closed", "completed")


def test_closing_is_refused_while_a_task_is_open() -> None:
    state, _ = run(new_case(), call_back())
    error = refused(state, close())
    assert error.field == "tasks"
    assert "task-1" in error.rule


def test_closing_is_refused_while_a_six_point_plan_step_is_open() -> None:
    state, _ = run(new_case(), c.RecordSafeguardingDeclaration(by=OFFICER, kind="self_harm"))
    state, _ = run(state, c.CompletePlanStep(by=OFFICER, step=state.open_plan_steps[0]))
    error = refused(state, close())
    assert error.field == "six_point_plan"


def test_closing_an_already_closed_case_is_refused() -> None:
    error = refused(closed_case(), close())
    assert error.field == "case"


def test_closing_records_the_outcome_and_the_balance_at_closure() -> None:
    state = closed_case(balance=Decimal("250.00"))
    assert (state.status, state.stage) == ("closed", "closed")
    assert state.closure is not None
    assert state.closure.outcome == "stable_arrears_clearing"
    assert state.closure.balance_at_closure == Decimal("250.00")
    assert state.closure.closed_at == NOW


def test_closure_watches_the_rent_account_for_six_months() -> None:
    state = closed_case()
    assert state.closure is not None
    assert state.closure.watch_until == date(2026, 9, 2)


def test_closure_on_31_august_watches_until_the_end_of_february() -> None:
    closed_at = datetime(2026, 8, 31, 16, 30, tzinfo=UTC)
    _, events = run(new_case(), close(), closed_at)
    [closed] = of_type(events, e.CaseClosed)
    assert closed.watch_until == date(2027, 2, 28)


# --- re-opening after closure ------------------------------------------------------


def test_arrears_rising_by_half_a_months_rent_reopen_a_closed_case() -> None:
    state = closed_case()
    state, events = run(state, movement("charge", str(MONTHLY_RENT / 2)))
    assert state.status == "open"
    assert state.reopen_count == 1
    [reopened] = of_type(events, e.CaseReopened)
    assert reopened.by == e.SYSTEM
    assert task(state, "reopened_review").status == "open"


def test_arrears_rising_just_below_half_a_months_rent_do_not_reopen() -> None:
    state = closed_case()
    state, events = run(state, movement("charge", str(MONTHLY_RENT / 2 - Decimal("0.01"))))
    assert state.status == "closed"
    assert not of_type(events, e.CaseReopened)
    assert not state.open_tasks


def test_small_rises_that_add_up_to_half_a_months_rent_since_closure_reopen() -> None:
    state = closed_case()
    state, _ = run(state, movement("charge", "150.00"))
    assert state.status == "closed"
    state, _ = run(state, movement("charge", "50.00"))
    assert state.status == "open"


def test_a_balance_set_half_a_month_above_the_closing_balance_reopens() -> None:
    state = closed_case(balance=Decimal("100.00"))
    state, _ = run(state, movement("balance", "300.00"))
    assert state.status == "open"


def test_a_payment_after_closure_does_not_reopen() -> None:
    state = closed_case()
    state, events = run(state, movement("payment", "300.00"))
    assert state.status == "closed"
    assert not of_type(events, e.CaseReopened)


def test_a_missed_uc_payment_after_closure_reopens_the_case() -> None:
    state = closed_case()
    state, events = run(state, movement("missed_uc_payment", "400.00"))
    assert state.status == "open"
    assert of_type(events, e.CaseReopened)
    assert task(state, "reopened_review").status == "open"


def test_an_automatic_reopen_returns_the_case_to_its_stage_before_closure() -> None:
    state, _ = run(new_case(), c.MoveStage(by=OFFICER, stage="recovery", reason="TPD in place"))
    state, _ = run(state, close())
    state, _ = run(state, movement("missed_uc_payment", "400.00"))
    assert state.stage == "recovery"
    assert state.closure is None


def test_rent_movements_on_an_open_case_never_reopen_anything() -> None:
    state, events = run(new_case(), movement("missed_uc_payment", "400.00"))
    assert not of_type(events, e.CaseReopened)
    assert state.reopen_count == 0


def test_a_credit_that_shrinks_without_falling_into_arrears_does_not_reopen() -> None:
    state = closed_case(balance=Decimal("-300.00"))
    state, _ = run(state, movement("charge", "250.00"))
    assert state.balance == Decimal("-50.00")
    assert state.status == "closed"


def test_a_death_on_a_closed_case_routes_it_to_bereavement_handling() -> None:
    state, events = run(closed_case(), death())
    assert len(of_type(events, e.CaseReopened)) == 1
    assert state.status == "bereavement"
    assert task(state, "bereavement_handling").owner == "bereavement_team"


def test_no_automatic_reopen_after_a_death() -> None:
    state, _ = run(new_case(), death())
    bereavement = task(state, "bereavement_handling")
    state, _ = run(state, c.CompleteTask(by=OFFICER, task_id=bereavement.task_id, outcome="done"))
    state, _ = run(state, close("tenancy_ended"))
    state, events = run(state, movement("missed_uc_payment", "400.00"))
    assert not of_type(events, e.CaseReopened)
    state, events = run(state, movement("charge", "4000.00"))
    assert not of_type(events, e.CaseReopened)
    assert state.status == "closed"
    assert not state.open_tasks


def test_follow_ups_opened_after_a_death_belong_to_the_bereavement_team() -> None:
    state, _ = run(new_case(), death())
    state, _ = run(
        state,
        c.RecordIncomingMessage(by=OFFICER, channel="letter", summary="letter from the executor"),
    )
    assert task(state, "message_response").owner == "bereavement_team"


def test_a_closed_case_can_be_reopened_by_hand_with_a_review_task() -> None:
    state, _ = run(closed_case(), c.ReopenCase(by=OFFICER, reason="resident asked for help"))
    assert state.status == "open"
    assert task(state, "reopened_review").status == "open"


def test_reopening_an_open_case_is_refused() -> None:
    error = refused(new_case(), c.ReopenCase(by=OFFICER, reason="why"))
    assert error.field == "case"


# --- the passing of time ----------------------------------------------------------


def test_an_overdue_task_is_escalated_when_time_passes() -> None:
    state, _ = run(new_case(), call_back(NOW + timedelta(hours=4)))
    state, events = tick(state, NOW + timedelta(hours=5))
    [escalated] = of_type(events, e.TaskEscalated)
    assert escalated.task_id == task(state, "call_back").task_id
    assert task(state, "call_back").escalated_at == NOW + timedelta(hours=5)
    assert is_escalated(state)


def test_a_task_not_yet_due_is_not_escalated() -> None:
    state, _ = run(new_case(), call_back(NOW + timedelta(hours=4)))
    state, events = tick(state, NOW + timedelta(hours=3, minutes=59))
    assert events == []
    assert not is_escalated(state)


def test_an_overdue_task_is_escalated_once_not_twice() -> None:
    state, _ = run(new_case(), call_back(NOW + timedelta(hours=4)))
    state, first = tick(state, NOW + timedelta(hours=5))
    state, second = tick(state, NOW + timedelta(days=3))
    assert len(of_type(first, e.TaskEscalated)) == 1
    assert of_type(second, e.TaskEscalated) == []
    assert task(state, "call_back").escalated_at == NOW + timedelta(hours=5)


def test_an_escalated_task_still_counts_as_open_and_owed() -> None:
    state, _ = run(new_case(), call_back(NOW + timedelta(hours=4)))
    state, _ = tick(state, NOW + timedelta(hours=5))
    assert task(state, "call_back").status == "open"
    assert refused(state, close()).field == "tasks"


def test_completing_an_escalated_task_clears_the_escalation() -> None:
    state, _ = run(new_case(), call_back(NOW + timedelta(hours=4)))
    state, _ = tick(state, NOW + timedelta(hours=5))
    task_id = task(state, "call_back").task_id
    state, _ = run(state, c.CompleteTask(by=OFFICER, task_id=task_id, outcome="called"))
    assert not is_escalated(state)


def test_the_watch_runs_until_watch_until() -> None:
    state = closed_case()
    assert state.closure is not None
    day_before = datetime.combine(state.closure.watch_until, time.min, tzinfo=UTC) - timedelta(
        days=1
    )
    state, events = tick(state, day_before)
    assert not of_type(events, e.WatchEnded)
    assert state.status == "closed"


def test_the_watch_ends_at_watch_until_and_completes_the_case() -> None:
    state = closed_case()
    assert state.closure is not None
    # The watch covers the whole of its last day, a UK calendar day (BST here).
    day_after = start_of_day(state.closure.watch_until + timedelta(days=1))
    assert day_after.hour == 23  # 00:00 BST
    _, events = tick(state, day_after - timedelta(minutes=1))
    assert not of_type(events, e.WatchEnded)
    state, events = tick(state, day_after)
    assert len(of_type(events, e.WatchEnded)) == 1
    assert state.status == "completed"


def test_time_passing_on_an_open_case_does_not_complete_it() -> None:
    state, events = tick(new_case(), NOW + timedelta(days=400))
    assert events == []
    assert state.status == "open"


def test_a_resident_deceased_closure_needs_the_death_recorded() -> None:
    assert refused(new_case(), close("resident_deceased")).field == "outcome"


def test_a_resident_deceased_closure_completes_the_case_at_once() -> None:
    state, events = run(bereaved_case(), close("resident_deceased"))
    assert [type(ev) for ev in events] == [e.CaseClosed, e.WatchEnded]
    assert state.status == "completed"


# --- changes of circumstances and case controls -----------------------------------


def test_the_first_claim_status_sets_no_case_control() -> None:
    state, _ = run(new_case(), claim_status())
    assert not state.open_tasks


def test_a_change_in_claim_status_opens_a_case_control() -> None:
    state, _ = run(new_case(), claim_status())
    later = NOW + timedelta(days=7)
    state, events = run(state, claim_status(sanctions=True), later)
    control = task(state, "case_control")
    assert control.status == "open"
    assert control.due_at > later
    assert control.opened_at == later
    assert of_type(events, e.InteractionRecorded)


@pytest.mark.parametrize(
    "change",
    [
        {"claim_stage": "claim_closed"},
        {"first_ap_start": date(2026, 2, 28)},
        {"housing_element": Decimal("380.00")},
        {"conditionality_regime": "all_work_requirements"},
    ],
)
def test_any_changed_claim_fact_opens_a_case_control(change: dict[str, Any]) -> None:
    state, _ = run(new_case(), claim_status())
    state, _ = run(state, claim_status(**change), NOW + timedelta(days=1))
    assert task(state, "case_control").status == "open"


def test_an_identical_claim_status_recorded_again_opens_no_case_control() -> None:
    state, _ = run(new_case(), claim_status())
    state, events = run(state, claim_status(), NOW + timedelta(days=7))
    assert [type(ev) for ev in events] == [e.ClaimStatusRecorded]
    assert not state.open_tasks


def test_a_recorded_change_of_circumstances_opens_a_case_control() -> None:
    state, _ = run(new_case(), c.RecordChangeOfCircumstances(by=OFFICER, description="new job"))
    control = task(state, "case_control")
    assert control.due_at > NOW


# --- safeguarding: the Six-Point Plan -----------------------------------------------


def declare(state: CaseState) -> CaseState:
    state, _ = run(state, c.RecordSafeguardingDeclaration(by=OFFICER, kind="suicidal_intent"))
    return state


def test_a_safeguarding_declaration_opens_every_step_of_the_six_point_plan() -> None:
    state = declare(new_case())
    assert len(state.six_point_plan) == 6
    assert state.open_plan_steps == CasePolicy().six_point_plan_steps
    assert all(step.done_at is None for step in state.six_point_plan)


def test_a_safeguarding_declaration_escalates_at_once() -> None:
    state = new_case()
    assert not is_escalated(state)
    assert is_escalated(declare(state))


def test_the_case_stays_escalated_until_every_plan_step_is_completed() -> None:
    state = declare(new_case())
    steps = state.open_plan_steps
    for step in steps[:-1]:
        state, _ = run(state, c.CompletePlanStep(by=OFFICER, step=step))
        assert is_escalated(state), f"no longer escalated after {step}"
    state, _ = run(state, c.CompletePlanStep(by=OFFICER, step=steps[-1]))
    assert not is_escalated(state)
    assert state.open_plan_steps == ()


def test_each_completed_plan_step_records_who_and_when() -> None:
    state = declare(new_case())
    step = state.open_plan_steps[0]
    later = NOW + timedelta(minutes=5)
    state, _ = run(state, c.CompletePlanStep(by="officer-2", step=step), later)
    [done] = [s for s in state.six_point_plan if s.step == step]
    assert (done.done_by, done.done_at) == ("officer-2", later)


def test_a_case_closes_once_every_plan_step_is_completed() -> None:
    state = declare(new_case())
    for step in state.open_plan_steps:
        state, _ = run(state, c.CompletePlanStep(by=OFFICER, step=step))
    state, _ = run(state, close())
    assert state.status == "closed"


def test_completing_an_unknown_plan_step_is_refused() -> None:
    state = declare(new_case())
    error = refused(state, c.CompletePlanStep(by=OFFICER, step="make_tea"))
    assert error.field == "step"


def test_completing_a_plan_step_twice_is_refused() -> None:
    state = declare(new_case())
    step = state.open_plan_steps[0]
    state, _ = run(state, c.CompletePlanStep(by=OFFICER, step=step))
    assert refused(state, c.CompletePlanStep(by=OFFICER, step=step)).field == "step"


def test_a_second_declaration_while_the_plan_is_open_is_refused() -> None:
    state = declare(new_case())
    error = refused(state, c.RecordSafeguardingDeclaration(by=OFFICER, kind="self_harm"))
    assert error.field == "six_point_plan"


# --- death and bereavement ----------------------------------------------------------


def test_a_death_cancels_every_open_task() -> None:
    state, _ = run(new_case(), call_back())
    state, _ = run(state, c.RecordIncomingMessage(by=OFFICER, channel="email", summary="help"))
    open_before = {t.task_id for t in state.open_tasks}
    assert len(open_before) == 2
    state, events = run(state, death())
    [cancelled] = of_type(events, e.TasksCancelled)
    assert set(cancelled.task_ids) == open_before
    for t in state.tasks:
        if t.task_id in open_before:
            assert t.status == "cancelled"


def test_a_death_opens_bereavement_handling_for_the_bereavement_team() -> None:
    state, _ = run(new_case(), death())
    handling = task(state, "bereavement_handling")
    assert handling.owner == "bereavement_team"
    assert handling.status == "open"
    assert state.status == "bereavement"
    assert state.deceased_on == date(2026, 3, 1)


def test_a_call_back_after_a_death_is_refused() -> None:
    state, _ = run(new_case(), death())
    error = refused(state, call_back())
    assert error.field == "case"
    assert "death" in error.rule


def test_an_enforcement_step_after_a_death_is_refused_even_with_a_recent_review() -> None:
    state, _ = run(new_case(), vulnerability())
    state, _ = run(state, death())
    error = refused(state, c.RecordEnforcementStep(by=OFFICER, step="possession_claim"))
    assert error.field == "case"


def test_returned_post_after_a_death_opens_no_contact_chase() -> None:
    state, _ = run(new_case(), death())
    state, events = run(state, c.RecordReturnedPost(by=OFFICER, item="arrears letter"))
    assert of_type(events, e.InteractionRecorded)
    assert not [t for t in state.tasks if t.kind == "re_establish_contact"]


def test_a_death_dated_in_the_future_is_refused() -> None:
    error = refused(new_case(), death(NOW.date() + timedelta(days=1)))
    assert error.field == "date_of_death"


def test_a_second_death_record_is_refused() -> None:
    state, _ = run(new_case(), death())
    assert refused(state, death()).field == "date_of_death"


# --- enforcement needs a recent vulnerability review -------------------------------


def enforcement() -> c.RecordEnforcementStep:
    return c.RecordEnforcementStep(by=OFFICER, step="notice_of_seeking_possession")


def test_enforcement_is_refused_without_a_vulnerability_review() -> None:
    error = refused(new_case(), enforcement())
    assert error.field == "vulnerability"


def test_enforcement_is_refused_when_the_review_is_older_than_90_days() -> None:
    state, _ = run(new_case(), vulnerability("no_bank_account"))
    error = refused(state, enforcement(), NOW + timedelta(days=91))
    assert error.field == "vulnerability"


def test_enforcement_is_accepted_after_a_recent_review() -> None:
    state, _ = run(new_case(), vulnerability("no_bank_account"))
    state, events = run(state, enforcement(), NOW + timedelta(days=30))
    assert of_type(events, e.EnforcementStepRecorded)
    assert state.last_enforcement_step == "notice_of_seeking_possession"


def test_enforcement_is_accepted_on_the_90th_day_after_the_review() -> None:
    state, _ = run(new_case(), vulnerability())
    _, events = run(state, enforcement(), NOW + timedelta(days=90))
    assert of_type(events, e.EnforcementStepRecorded)


def test_enforcement_on_a_closed_case_is_refused() -> None:
    state, _ = run(new_case(), vulnerability())
    state, _ = run(state, close())
    assert refused(state, enforcement()).field == "case"


# --- contact, complaints, messages and tasks ----------------------------------------


def test_returned_post_opens_a_task_to_re_establish_contact() -> None:
    state, events = run(new_case(), c.RecordReturnedPost(by=OFFICER, item="UC47 copy"))
    contact = task(state, "re_establish_contact")
    assert contact.status == "open"
    assert contact.due_at > NOW
    [interaction] = of_type(events, e.InteractionRecorded)
    assert interaction.kind == "returned_post"


def test_a_complaint_opens_a_follow_up_owned_by_the_complaints_team() -> None:
    state, events = run(new_case(), c.RecordComplaint(by=OFFICER, summary="letters ignored"))
    follow_up = task(state, "complaint_follow_up")
    assert follow_up.owner == "complaints_team"
    assert follow_up.due_at > NOW
    [interaction] = of_type(events, e.InteractionRecorded)
    assert interaction.kind == "complaint"


def test_an_incoming_message_must_be_answered_within_48_hours() -> None:
    msg = c.RecordIncomingMessage(by=OFFICER, channel="uc_journal", summary="when is my APA?")
    state, _ = run(new_case(), msg)
    response = task(state, "message_response")
    assert response.due_at == NOW + timedelta(hours=48)


def test_an_unanswered_message_is_escalated_when_its_target_passes() -> None:
    msg = c.RecordIncomingMessage(by=OFFICER, channel="portal", summary="please call")
    state, _ = run(new_case(), msg)
    state, events = tick(state, NOW + timedelta(hours=48))
    assert of_type(events, e.TaskEscalated)
    assert task(state, "message_response").escalated_at is not None


def test_completing_an_unknown_task_is_refused() -> None:
    error = refused(new_case(), c.CompleteTask(by=OFFICER, task_id="task-99", outcome="done"))
    assert error.field == "task_id"


def test_completing_a_task_twice_is_refused() -> None:
    state, _ = run(new_case(), call_back())
    task_id = task(state, "call_back").task_id
    state, _ = run(state, c.CompleteTask(by=OFFICER, task_id=task_id, outcome="called"))
    assert task(state, "call_back").status == "done"
    assert refused(state, c.CompleteTask(by=OFFICER, task_id=task_id, outcome="again")).field == (
        "task_id"
    )


def test_every_task_gets_its_own_id() -> None:
    state, _ = run(new_case(), call_back())
    state, _ = run(state, c.RecordComplaint(by=OFFICER, summary="slow"))
    state, _ = run(state, c.RecordReturnedPost(by=OFFICER, item="letter"))
    ids = [t.task_id for t in state.tasks]
    assert len(ids) == 3 == len(set(ids))


def test_a_call_back_due_in_the_past_is_refused() -> None:
    assert refused(new_case(), call_back(NOW - timedelta(minutes=1))).field == "due_at"


def test_a_representative_becomes_the_correspondent() -> None:
    state = new_case()
    assert view_of(state, NOW, len(journal(state))).correspondent == "resident"
    state, _ = run(
        state,
        c.RecordRepresentative(
            by=OFFICER, kind="appointee", name="Jo Appointee", contact="01632 960000"
        ),
    )
    correspondent = view_of(state, NOW, len(journal(state))).correspondent
    assert "Jo Appointee" in correspondent
    assert "appointee" in correspondent
    assert RESIDENT.full_name not in correspondent


# --- the journal --------------------------------------------------------------------


def test_every_event_writes_exactly_one_journal_entry_in_increasing_sequence() -> None:
    [opened] = open_case(opening(), NOW)
    state = initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))
    applied: list[e.Event] = [opened]
    commands: list[Any] = [
        claim_status(),
        vulnerability("homeless"),
        call_back(),
        c.AddJournalNote(by=OFFICER, text="rang resident", kind="phone_out"),
        c.RecordComplaint(by=OFFICER, summary="slow"),
        claim_status(sanctions=True),
        movement("charge", "400.00"),
        c.RecordSafeguardingDeclaration(by=OFFICER, kind="self_harm"),
    ]
    at = NOW
    for command in commands:
        at += timedelta(minutes=1)
        events = decide(state, command, at)
        for event in events:
            before = len(journal(state))
            state = evolve(state, event)
            assert len(journal(state)) == before + 1, type(event).__name__
        applied += events
    state, events = tick(state, NOW + timedelta(days=1))
    applied += events
    assert events, "the call-back should have been escalated"

    assert len(journal(state)) == len(applied)
    assert [entry.seq for entry in journal(state)] == list(range(1, len(applied) + 1))
    assert state.version == len(applied)
    for entry, event in zip(journal(state), applied, strict=True):
        assert (entry.at, entry.author) == (event.at, event.by)


def test_a_journal_entry_carries_its_author_and_time() -> None:
    later = NOW + timedelta(hours=1)
    state, _ = run(
        new_case(), c.AddJournalNote(by="officer-9", text="visited", kind="visit"), later
    )
    entry = journal(state)[-1]
    assert (entry.author, entry.at, entry.kind, entry.text) == (
        "officer-9",
        later,
        "visit",
        "visited",
    )


# --- a completed case ---------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        c.AddJournalNote(by=OFFICER, text="late note"),
        c.RecordRentMovement(
            by=OFFICER, kind="missed_uc_payment", amount=Decimal("400.00"), on=date(2026, 3, 2)
        ),
        c.ReopenCase(by=OFFICER, reason="try again"),
        c.RecordComplaint(by=OFFICER, summary="late complaint"),
    ],
)
def test_a_completed_case_refuses_commands(command: Any) -> None:
    state, _ = run(bereaved_case(), close("resident_deceased"))
    assert state.status == "completed"
    error = refused(state, command, NOW + timedelta(days=1))
    assert error.field == "case"


def test_a_case_completed_by_the_end_of_the_watch_refuses_commands() -> None:
    state = closed_case()
    assert state.closure is not None
    end = datetime.combine(state.closure.watch_until, time.min, tzinfo=UTC) + timedelta(days=1)
    state, _ = tick(state, end)
    assert refused(state, movement("missed_uc_payment", "400.00")).field == "case"


# --- search attributes --------------------------------------------------------------


def _personal_data() -> list[str]:
    assert RESIDENT.date_of_birth is not None and RESIDENT.ni_number is not None
    return [
        RESIDENT.full_name,
        *RESIDENT.full_name.split(),
        RESIDENT.ni_number,
        RESIDENT.date_of_birth.isoformat(),
        str(RESIDENT.date_of_birth),
        TENANCY.address,
        "Example Road",
        "07700 900123",
        "morgan@example.org",
    ]


def test_search_attributes_hold_no_personal_data() -> None:
    state = new_case()
    states = [state]
    for command in (
        claim_status(),
        vulnerability("homeless"),
        call_back(),
        c.RecordSafeguardingDeclaration(by=OFFICER, kind="self_harm"),
        c.RecordRepresentative(by=OFFICER, kind="deputy", name="Pat Deputy", contact="x"),
    ):
        state, _ = run(state, command)
        states.append(state)
    for snapshot in states:
        attributes = search_attributes(snapshot)
        assert attributes, "search attributes should not be empty"
        for key, value in attributes.items():
            text = f"{key}={value!r} {value}"
            for secret in _personal_data():
                assert secret.lower() not in text.lower(), f"{secret!r} leaked via {key}"


def test_search_attributes_show_the_work_an_operator_filters_on() -> None:
    state, _ = run(new_case(balance=Decimal("900.00")), vulnerability("homeless"))
    state = declare(state)
    attributes = search_attributes(state)
    assert attributes["CaseStatus"] == "open"
    assert attributes["ArrearsBand"] == "2_to_3_months"
    assert attributes["VulnerabilityTier"] == "tier_1"
    assert attributes["Escalated"] is True


def test_a_policy_captured_at_opening_rules_the_case() -> None:
    policy = CasePolicy(watch_months_after_closure=3)
    state, _ = run(new_case(policy=policy), close())
    assert state.closure is not None
    assert state.closure.watch_until == date(2026, 6, 2)


# --- review fixes: nothing closes or completes with follow-up work open ------------


def test_a_safeguarding_declaration_on_a_closed_case_reopens_it() -> None:
    state, events = run(
        closed_case(), c.RecordSafeguardingDeclaration(by=OFFICER, kind="self_harm")
    )
    assert isinstance(events[0], e.CaseReopened)
    assert state.status == "open" and state.open_plan_steps


def test_an_incoming_message_on_a_closed_case_reopens_it_with_its_response_task() -> None:
    state, _ = run(
        closed_case(), c.RecordIncomingMessage(by=OFFICER, channel="email", summary="help")
    )
    assert state.status == "open"
    assert task(state, "message_response").status == "open"


def test_a_complaint_after_a_death_stays_with_the_complaints_team() -> None:
    state, _ = run(new_case(), death())
    state, _ = run(state, c.RecordComplaint(by=OFFICER, summary="handling of the estate"))
    assert task(state, "complaint_follow_up").owner == "complaints_team"


def test_a_national_insurance_number_is_refused_as_a_tenancy_ref() -> None:
    with pytest.raises(ValidationError) as info:
        opening(tenancy_ref="AB123456C")
    assert "not a National Insurance number" in str(info.value)


def test_business_dates_are_uk_calendar_days() -> None:
    just_after_midnight_bst = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July
    assert business_date(just_after_midnight_bst) == date(2026, 7, 1)
    assert start_of_day(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert start_of_day(date(2026, 12, 1)) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_a_death_dated_today_is_accepted_just_after_midnight_in_summer() -> None:
    now = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 1 July in the UK
    state, _ = run(new_case(), death(on=date(2026, 7, 1)), now)
    assert state.deceased_on == date(2026, 7, 1)


def test_a_closed_case_does_not_complete_while_its_migration_is_tracked() -> None:
    state, _ = run(
        new_case(),
        c.RecordMigrationNotice(
            by=OFFICER, notice_issued=date(2026, 3, 1), deadline_day=date(2026, 6, 1)
        ),
    )
    progress = c.RecordMigrationProgress(
        kind="migration_claim", text="claimed", status="claimed", protection="active"
    )
    state, _ = run(state, progress)
    state, _ = run(state, close())
    assert state.status == "closed" and watch_end(state) is None
    done = c.RecordMigrationProgress(
        kind="migration_protection",
        text="ended",
        status="claimed",
        protection="ended",
        active=False,
    )
    state, _ = run(state, done)
    assert watch_end(state) is not None


def test_migration_progress_without_a_migration_is_refused() -> None:
    progress = c.RecordMigrationProgress(
        kind="migration_claim", text="forged", status="claimed", protection="active"
    )
    assert refused(new_case(), progress).field == "migration"


def test_the_case_policy_keeps_rule_parameters_and_ignores_a_landlord_captured_before() -> None:
    from dataclasses import fields

    from pydantic import TypeAdapter
    from pydantic_core import to_jsonable_python

    assert "landlord" not in {f.name for f in fields(CasePolicy)}
    landlord = {"name": "Old HA", "account_number": "12345678", "since_removed": True}
    captured = {"watch_months_after_closure": 9, "landlord": landlord}
    assert TypeAdapter(CasePolicy).validate_python(captured) == CasePolicy(
        watch_months_after_closure=9
    )
    # A running case's carried state, as an earlier run handed it over.
    carried = to_jsonable_python(new_case())
    carried["policy"]["landlord"] = landlord
    assert TypeAdapter(CaseState).validate_python(carried) == new_case()
    # Still strict about anything else.
    with pytest.raises(ValidationError, match="colour"):
        TypeAdapter(CasePolicy).validate_python({"colour": "red"})
