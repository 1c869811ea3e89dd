"""What the Web UI's "current details" says about an IPR: its stage, each target
missed with the day it ended, and each overdue agreed activity with its owner (the
service line) and due date. Dates in UK form. Pure; the workflow sets it."""

from datetime import timedelta

from domain.dates import uk_date
from domain.ipr.model import IprState


def current_details(state: IprState) -> str:
    lines = [
        f"**Stage** {state.stage.replace('_', ' ')}",
        f"**Service lines** {', '.join(state.service_lines) or 'not recorded yet'}",
    ]
    if state.finding_lines:
        lines.append(f"**Findings under** {', '.join(state.finding_lines)}")
    policy = state.policy
    if state.screening_escalated:
        ended = state.referred_on + timedelta(days=policy.screening_target_days)
        lines.append(f"**ESCALATED** screening target missed: it ended {uk_date(ended)}")
    if state.investigation_escalated and state.investigation_started_on is not None:
        ended = state.investigation_started_on + timedelta(days=policy.investigation_target_days)
        lines.append(f"**ESCALATED** investigation target missed: it ended {uk_date(ended)}")
    for activity in state.activities:
        if activity.status == "overdue":
            lines.append(
                f"**OVERDUE** activity {activity.activity_id.rsplit('-', 1)[-1]} owned by "
                f"{activity.service_line}, due {uk_date(activity.due_on)}"
                f" ({activity.escalations} escalation(s)): {activity.description[:120]}"
            )
    open_count = len(state.open_activities)
    lines.append(f"**Activities** {open_count} open, {state.overdue_activities} overdue")
    return "\n\n".join(lines)
