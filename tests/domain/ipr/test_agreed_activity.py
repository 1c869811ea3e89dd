"""One agreed activity (docs/rules.md#ipr-investigation, step 3): a reminder before it is due,
escalations to the IPRG once overdue, repeated until the owner's assurance is recorded."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.case.parsing import parse
from domain.dates import start_of_day
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr.activity import (
    ActivityEvent,
    ActivityState,
    Assured,
    Escalated,
    RecordAssurance,
    Reminded,
    decide,
    evolve,
    next_wakeup,
    notice_for,
    on_time_passed,
)

AGREED_ON = date(2026, 6, 1)
DUE_ON = date(2026, 7, 1)
ACTIVITY_ID = "ipr-IPR-2026-017-activity-1"
OWNER = "uc-lead-4"


def activity(**overrides: Any) -> ActivityState:
    fields: dict[str, Any] = {
        "activity_id": ACTIVITY_ID,
        "service_line": "UC",
        "description": "UC to assure IPRG they will route journal messages",
        "due_on": DUE_ON,
        "agreed_on": AGREED_ON,
    }
    fields.update(overrides)
    return ActivityState(**fields)


def at_nine(day: date) -> datetime:
    """09:00 UK time on `day`."""
    return start_of_day(day) + timedelta(hours=9)


def fold(state: ActivityState, events: list[ActivityEvent]) -> ActivityState:
    for event in events:
        state = evolve(state, event)
    return state


def tick(state: ActivityState, now: datetime) -> tuple[ActivityState, list[ActivityEvent]]:
    events = on_time_passed(state, now)
    return fold(state, events), events


def refused(state: ActivityState, command: Any, now: datetime) -> DomainError:
    before = state
    with pytest.raises(DomainError) as info:
        decide(state, command, now)
    assert state is before and state == before
    return info.value


def assurance(assured_on: date = date(2026, 6, 20), evidence: str = "guidance issued") -> Any:
    return RecordAssurance(by=OWNER, evidence=evidence, assured_on=assured_on)


# --- the reminder ------------------------------------------------------------------


def test_a_new_activity_first_wakes_for_the_reminder() -> None:
    # 1 July - 7 days = 24 June; 00:00 BST on 24 June is 23:00 UTC on 23 June.
    assert next_wakeup(activity()) == (
        datetime(2026, 6, 23, 23, 0, tzinfo=UTC),
        "remind the owner: due Wed 1 Jul 2026",
    )


def test_the_reminder_follows_reminder_days() -> None:
    wake = next_wakeup(activity(reminder_days=3))
    assert wake is not None and wake[0] == start_of_day(date(2026, 6, 28))


def test_the_reminder_is_never_before_the_activity_was_agreed() -> None:
    state = activity(agreed_on=date(2026, 6, 28))
    wake = next_wakeup(state)
    assert wake is not None and wake[0] == start_of_day(date(2026, 6, 28))
    assert on_time_passed(state, start_of_day(date(2026, 6, 28)) - timedelta(seconds=1)) == []
    [reminded] = on_time_passed(state, at_nine(date(2026, 6, 28)))
    assert reminded == Reminded(at=at_nine(date(2026, 6, 28)), by="system", late=False)


def test_nothing_happens_before_the_reminder_day() -> None:
    assert on_time_passed(activity(), start_of_day(date(2026, 6, 24)) - timedelta(seconds=1)) == []


def test_the_reminder_is_sent_once_and_tells_the_ipr() -> None:
    now = start_of_day(date(2026, 6, 24))
    state, events = tick(activity(), now)
    assert events == [Reminded(at=now, by="system", late=False)]
    assert notice_for(events[0]) == {"kind": "reminder"}
    assert (state.reminded, state.status, state.version) == (True, "open", 1)
    assert on_time_passed(state, now) == []
    assert on_time_passed(state, at_nine(DUE_ON)) == []
    assert next_wakeup(state) == (
        start_of_day(date(2026, 7, 2)),
        "not assured: escalate to the IPRG on Thu 2 Jul 2026",
    )


def test_a_reminder_on_the_due_day_itself_is_not_late() -> None:
    [reminded] = on_time_passed(activity(), at_nine(DUE_ON))
    assert reminded == Reminded(at=at_nine(DUE_ON), by="system", late=False)


# --- escalations ---------------------------------------------------------------------


def test_escalations_the_day_after_due_then_every_repeat_days() -> None:
    """Woken every morning from agreement to three weeks past due."""
    state = activity(repeat_days=7)
    seen: list[tuple[date, str]] = []
    day = AGREED_ON
    while day <= DUE_ON + timedelta(days=20):
        state, events = tick(state, at_nine(day))
        for ev in events:
            label = f"escalation {ev.number}" if isinstance(ev, Escalated) else type(ev).__name__
            seen.append((day, label))
        day += timedelta(days=1)
    assert seen == [
        (date(2026, 6, 24), "Reminded"),
        (date(2026, 7, 2), "escalation 1"),
        (date(2026, 7, 9), "escalation 2"),
        (date(2026, 7, 16), "escalation 3"),
    ]
    assert (state.status, state.escalations, state.last_escalated_on) == (
        "overdue",
        3,
        date(2026, 7, 16),
    )


def test_the_repeat_follows_repeat_days() -> None:
    state = activity(repeat_days=3, reminded=True)
    state, [first] = tick(state, at_nine(date(2026, 7, 2)))
    assert isinstance(first, Escalated) and first.number == 1
    assert on_time_passed(state, at_nine(date(2026, 7, 4))) == []
    [second] = on_time_passed(state, at_nine(date(2026, 7, 5)))
    assert isinstance(second, Escalated) and second.number == 2


def test_an_escalation_tells_the_ipr_and_marks_the_activity_overdue() -> None:
    state = activity(reminded=True)
    now = start_of_day(date(2026, 7, 2))
    state, events = tick(state, now)
    assert events == [Escalated(at=now, by="system", number=1)]
    assert notice_for(events[0]) == {"kind": "overdue", "escalations": 1}
    assert (state.status, state.escalations, state.last_escalated_on) == (
        "overdue",
        1,
        date(2026, 7, 2),
    )
    payload = {**(notice_for(events[0]) or {}), "activity_id": ACTIVITY_ID}
    progress = parse(c.RecordActivityProgress, payload)
    assert (progress.kind, progress.escalations) == ("overdue", 1)


def test_following_next_wakeup_gives_the_same_timeline() -> None:
    state = activity()
    now = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    seen: list[tuple[datetime, list[ActivityEvent]]] = []
    for _ in range(5):
        wake = next_wakeup(state)
        assert wake is not None
        assert wake[0] > now
        assert on_time_passed(state, wake[0] - timedelta(seconds=1)) == []
        now = wake[0]
        state, events = tick(state, now)
        seen.append((now, events))
    assert seen == [
        (start_of_day(date(2026, 6, 24)), [Reminded(start_of_day(date(2026, 6, 24)), "system")]),
        (start_of_day(date(2026, 7, 2)), [Escalated(start_of_day(date(2026, 7, 2)), "system", 1)]),
        (start_of_day(date(2026, 7, 9)), [Escalated(start_of_day(date(2026, 7, 9)), "system", 2)]),
        (
            start_of_day(date(2026, 7, 16)),
            [Escalated(start_of_day(date(2026, 7, 16)), "system", 3)],
        ),
        (
            start_of_day(date(2026, 7, 23)),
            [Escalated(start_of_day(date(2026, 7, 23)), "system", 4)],
        ),
    ]


# --- a late wake-up --------------------------------------------------------------------


def test_a_first_wakeup_after_the_due_date_is_a_late_reminder_and_an_escalation() -> None:
    now = at_nine(date(2026, 7, 4))
    state, events = tick(activity(), now)
    assert events == [
        Reminded(at=now, by="system", late=True),
        Escalated(at=now, by="system", number=1),
    ]
    assert notice_for(events[0]) is None  # no "due soon" reminder once past due
    assert notice_for(events[1]) == {"kind": "overdue", "escalations": 1}
    assert (state.reminded, state.escalations, state.last_escalated_on) == (
        True,
        1,
        date(2026, 7, 4),
    )
    # The next escalation counts from the day it actually went.
    assert next_wakeup(state) == (
        start_of_day(date(2026, 7, 11)),
        "not assured: escalate to the IPRG on Sat 11 Jul 2026",
    )


def test_a_late_escalation_does_not_send_the_missed_ones() -> None:
    state, _ = tick(activity(reminded=True), at_nine(date(2026, 7, 2)))
    [only] = on_time_passed(state, at_nine(date(2026, 8, 30)))
    assert only == Escalated(at=at_nine(date(2026, 8, 30)), by="system", number=2)


# --- never in the past, never twice ---------------------------------------------------


@pytest.mark.parametrize("days_after_agreed", [0, 5, 22, 23, 30, 31, 32, 45, 80])
def test_after_handling_a_wakeup_the_next_is_later_and_nothing_repeats(
    days_after_agreed: int,
) -> None:
    now = at_nine(AGREED_ON + timedelta(days=days_after_agreed))
    state, _ = tick(activity(), now)
    assert on_time_passed(state, now) == []
    assert on_time_passed(state, now + timedelta(hours=14)) == []
    wake = next_wakeup(state)
    assert wake is not None and wake[0] > now


def test_a_version_per_event() -> None:
    state, events = tick(activity(), at_nine(date(2026, 7, 4)))
    assert state.version == len(events) == 2


# --- assurance ------------------------------------------------------------------------


NOW = at_nine(date(2026, 6, 20))


@pytest.mark.parametrize("evidence", ["", "   "])
def test_assurance_needs_evidence(evidence: str) -> None:
    assert refused(activity(), assurance(evidence=evidence), NOW).field == "evidence"


def test_assurance_cannot_be_in_the_future() -> None:
    error = refused(activity(), assurance(assured_on=date(2026, 6, 21)), NOW)
    assert error.field == "assured_on"
    assert error.rule == "cannot be in the future"


def test_assurance_cannot_be_before_the_activity_was_agreed() -> None:
    error = refused(activity(), assurance(assured_on=date(2026, 5, 31)), NOW)
    assert error.field == "assured_on"
    assert error.rule == "is before the activity was agreed (2026-06-01)"


def test_assurance_on_the_day_agreed_is_accepted() -> None:
    [assured] = decide(activity(), assurance(assured_on=AGREED_ON), NOW)
    assert isinstance(assured, Assured) and assured.assured_on == AGREED_ON


def test_an_unknown_command_is_refused() -> None:
    assert refused(activity(), object(), NOW).field == "command"


def test_assurance_finishes_the_activity() -> None:
    events = decide(activity(), assurance(evidence="  guidance issued  "), NOW)
    assert events == [
        Assured(at=NOW, by=OWNER, evidence="guidance issued", assured_on=date(2026, 6, 20))
    ]
    state = fold(activity(), events)
    assert state.finished is True
    assert (state.status, state.evidence, state.assured_on) == (
        "assured",
        "guidance issued",
        date(2026, 6, 20),
    )
    assert next_wakeup(state) is None
    assert on_time_passed(state, at_nine(date(2026, 9, 1))) == []
    error = refused(state, assurance(), NOW)
    assert error.field == "activity"
    assert notice_for(events[0]) == {
        "kind": "assured",
        "evidence": "guidance issued",
        "assured_on": date(2026, 6, 20),
    }


def test_assurance_of_an_overdue_activity_keeps_its_escalation_count() -> None:
    state, _ = tick(activity(), at_nine(date(2026, 7, 3)))
    later = at_nine(date(2026, 7, 5))
    state = fold(state, decide(state, assurance(assured_on=date(2026, 7, 5)), later))
    assert (state.status, state.escalations, state.finished) == ("assured", 1, True)
    assert next_wakeup(state) is None
    assert refused(state, assurance(), later).field == "activity"


def test_the_assured_notice_is_a_valid_progress_command_for_the_ipr() -> None:
    [assured] = decide(activity(), assurance(), NOW)
    payload = {**(notice_for(assured) or {}), "activity_id": ACTIVITY_ID}
    progress = parse(c.RecordActivityProgress, payload)
    assert (progress.kind, progress.evidence, progress.assured_on) == (
        "assured",
        "guidance issued",
        date(2026, 6, 20),
    )
