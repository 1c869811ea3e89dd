"""request_payment_arrangement on the case: what is refused, and what a death stops."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import reduce
from typing import Any

import pytest

from domain.case import commands as c
from domain.case.decide import decide, open_case
from domain.case.model import CaseState, Resident
from domain.errors import DomainError
from domain.policy import CasePolicy
from tests.factories import deduction_facts, opening

# The domain's initial_state and evolve, keeping beside each state the journal the
# workflow would serve (tests/journals.py).
from tests.journals import case_evolve as evolve
from tests.journals import case_initial_state as initial_state
from tests.journals import journal
from workflows.ids import case_children

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _case(**overrides: Any) -> CaseState:
    [opened] = open_case(opening("R-1", balance=Decimal("1200.00"), **overrides), NOW)
    return initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]


def _run(state: CaseState, command: Any) -> CaseState:
    return reduce(evolve, decide(state, command, NOW), state)


def _refused(state: CaseState, command: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        decide(state, command, NOW)
    return info.value


def test_a_uc47_request_needs_the_residents_ni_number_or_date_of_birth() -> None:
    anonymous = _case(resident=Resident(full_name="No Identifiers"))
    error = _refused(anonymous, c.RequestPaymentArrangement(by="o", kind="mptl"))
    assert error.field == "resident"


def test_only_a_deduction_carries_a_rate() -> None:
    error = _refused(
        _case(), c.RequestPaymentArrangement(by="o", kind="mptl", deduction_rate=Decimal("15"))
    )
    assert error.field == "deduction_rate"


def test_the_cases_own_live_deductions_count_towards_the_three() -> None:
    state = reduce(_run, deduction_facts(NOW.date()), _case())
    tpd = c.RequestPaymentArrangement(
        by="o", kind="tpd", deduction_rate=Decimal("10"), existing_deductions=1
    )
    state = _run(_run(state, tpd), tpd)  # 1 existing + 2 of the case's own = 3
    assert _refused(state, tpd).field == "third_party_deductions"


def test_arrangement_notices_after_a_death_are_journalled_but_chase_no_one() -> None:
    state = _run(_case(), c.RequestPaymentArrangement(by="o", kind="mptl"))
    state = _run(state, c.RecordDeath(by="o", date_of_death=date(2026, 3, 1), informant="son"))
    tasks_before = len(state.tasks)
    chase = c.RecordArrangementProgress(
        arrangement_id=state.arrangements[0].arrangement_id,
        kind="arrangement_chase",
        text="chase DWP",
        status="awaiting_outcome",
        task="arrangement_chase",
    )
    state = _run(state, chase)
    assert len(state.tasks) == tasks_before
    assert journal(state)[-1].kind == "arrangement_chase"


def test_a_request_on_a_deceased_residents_case_is_refused() -> None:
    state = _run(_case(), c.RecordDeath(by="o", date_of_death=date(2026, 3, 1), informant="son"))
    assert _refused(state, c.RequestPaymentArrangement(by="o", kind="mptl")).field == "case"


def test_an_outcome_closes_the_chases_and_a_live_request_holds_the_case_open() -> None:
    from domain.case.deadlines import watch_end

    state = _run(_case(), c.RequestPaymentArrangement(by="o", kind="mptl"))
    arrangement_id = state.arrangements[0].arrangement_id
    chase = c.RecordArrangementProgress(
        arrangement_id=arrangement_id,
        kind="arrangement_chase",
        text=f"{arrangement_id}: chase DWP",
        status="awaiting_outcome",
        task="arrangement_chase",
    )
    state = _run(state, chase)
    assert [t.kind for t in state.open_tasks] == ["arrangement_chase"]
    outcome = c.RecordArrangementProgress(
        arrangement_id=arrangement_id,
        kind="arrangement_outcome",
        text=f"{arrangement_id} granted",
        status="granted",
    )
    state = _run(state, outcome)
    assert state.open_tasks == ()
    state = _run(state, c.CloseCase(by="o", outcome="stable_arrears_clearing"))
    assert watch_end(state) is None  # reviews still to come
    done = c.RecordArrangementProgress(
        arrangement_id=arrangement_id,
        kind="arrangement_review",
        text="last review",
        status="granted",
        active=False,
    )
    state = _run(state, done)
    assert watch_end(state) is not None
