"""What the Web UI's current details and timer summaries say about a case: each
escalated task by name, when it was due (UK local time) and what to do."""

from datetime import UTC, datetime, timedelta
from functools import reduce

from domain.case import commands as c
from domain.case.deadlines import next_wakeup
from domain.case.decide import decide, on_time_passed, open_case
from domain.case.details import current_details
from domain.case.evolve import evolve, initial_state
from domain.case.model import CaseState, TaskKind
from domain.dates import uk_time
from domain.policy import CasePolicy
from domain.teams import TASKS
from tests.domain.test_case_rules import OFFICER, opening
from workflows.ids import case_children

# A Tuesday in December (GMT) and one in July (BST, UTC+1).
WINTER = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 7, 13, 0, tzinfo=UTC)


def opened(now: datetime) -> CaseState:
    events = open_case(opening(), now)
    state = initial_state(events[0], CasePolicy(), case_children("T-1001", None))
    return reduce(evolve, events[1:], state)


def run(state: CaseState, command: object, now: datetime) -> CaseState:
    return reduce(evolve, decide(state, command, now), state)


def test_uk_time_is_local_time_in_winter_and_summer() -> None:
    assert uk_time(WINTER) == "Tue 8 Dec 14:00"
    assert uk_time(SUMMER) == "Tue 7 Jul 14:00"  # BST


def test_every_task_kind_has_a_name_and_what_to_do() -> None:
    kinds = TaskKind.__args__  # type: ignore[attr-defined]
    assert set(TASKS) == set(kinds)
    assert all(all(guide) for guide in TASKS.values())


def test_timer_summary_names_the_task_and_its_uk_due_time() -> None:
    now = WINTER - timedelta(days=1)
    state = run(opened(now), c.RequestCallBack(by=OFFICER, due_at=WINTER, reason="x"), now)
    wake = next_wakeup(state)
    assert wake is not None
    assert wake[1] == "call back the resident, due Tue 8 Dec 14:00: escalate if not done"


def test_escalated_task_is_named_with_when_it_was_due_and_what_to_do() -> None:
    now = WINTER - timedelta(days=1)
    state = run(opened(now), c.RequestCallBack(by=OFFICER, due_at=WINTER, reason="x"), now)
    before = current_details(state, now)
    assert "ESCALATED" not in before
    assert "**Next** call back the resident (task-1, income team), due Tue 8 Dec 14:00" in before

    later = WINTER + timedelta(minutes=5)
    state = reduce(evolve, on_time_passed(state, later), state)
    details = current_details(state, later)
    assert (
        "**ESCALATED** call back the resident (task-1, income team), due Tue 8 Dec 14:00 · "
        "**overdue**: ring the resident at the time they asked for"
    ) in details
    assert "+00:00" not in details and "none" not in details


def test_an_open_six_point_plan_is_named_with_its_steps() -> None:
    now = WINTER
    declared = c.RecordSafeguardingDeclaration(by=OFFICER, kind="self_harm")
    details = current_details(run(opened(now), declared, now), now)
    assert "**ESCALATED** **Six-Point Plan open**: record each step (" in details
    assert "the case cannot close until they are" in details
    assert "none" not in details
