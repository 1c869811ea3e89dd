"""What the Web UI's current details say about an IPR: each overdue agreed activity
with its owner and due date, and each missed target with the day it ended."""

from datetime import timedelta

from domain.ipr import commands as c
from domain.ipr.details import current_details
from tests.domain.ipr.test_ipr_rules import NOW, agreement, new_ipr, run, tick, with_findings


def test_an_overdue_activity_is_named_with_its_owner_and_due_date() -> None:
    state, _ = run(with_findings(), agreement())
    activity = state.activities[0]
    assert "OVERDUE" not in current_details(state)
    state, _ = run(
        state,
        c.RecordActivityProgress(activity_id=activity.activity_id, kind="overdue", escalations=2),
    )
    details = current_details(state)
    due = activity.due_on
    assert (
        f"**OVERDUE** activity 1 owned by {activity.service_line}, "
        f"due {due:%a} {due.day} {due:%b %Y} (2 escalation(s)): {activity.description[:40]}"
    ) in details
    assert "1 overdue" in details


def test_a_missed_screening_target_says_when_it_ended() -> None:
    state = new_ipr()
    ended = state.referred_on + timedelta(days=state.policy.screening_target_days)
    state, _ = tick(state, NOW + timedelta(days=30))
    assert state.screening_escalated
    assert (
        f"**ESCALATED** screening target missed: it ended {ended:%a} {ended.day} {ended:%b %Y}"
        in current_details(state)
    )
