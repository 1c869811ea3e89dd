"""The engine's own metrics: their names, what they mean, and which events count
towards them (docs/metrics.md). The worker's runtime serves them, with the SDK's,
for Prometheus (infra/config.py `worker_runtime`, `CASEWORK_METRICS_PORT`).

Labels carry names the engine chose (a workflow type, a command, a field, a task
kind), never a value someone typed and never anything that identifies a person.

Where each is counted, and why there:
- commands refused: in the workflow (workflows/shell.py `Commands`), where a command
  is refused; a refusal never reaches history or the read model. The workflow's
  metric meter emits nothing on replay, so a refusal counts once.
- cases opened, escalations raised, deadlines missed: where the case's events land in
  the read model (activities/projection.py). Every event a case decides, whether a
  command, its clock (an overdue task) or a child's notice brought it, lands there
  once: rows are keyed by (case, sequence), so a retried or replayed batch counts
  nothing twice. (The workflow's command path sees only the events of commands.)
- projection lag: as the read model takes each batch.
- an IPR's missed screening or investigation target (kind `ipr_screening`,
  `ipr_investigation`): in the IPR workflow (workflows/ipr_core.py), an escalation
  and a missed deadline; the IPR's read model keeps its state, not its events.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

CASES_OPENED = "casework_cases_opened"
COMMANDS_REFUSED = "casework_commands_refused"
ESCALATIONS_RAISED = "casework_escalations_raised"
DEADLINES_MISSED = "casework_deadlines_missed"
PROJECTION_LAG = "casework_projection_lag_seconds"
# Counted elsewhere, listed here so docs/metrics.md and the test name them all.
PROJECTION_FAILED_ROUNDS = "casework_projection_failed_rounds"  # workflows/projector.py
PROJECTION_SET_ASIDE = "casework_projection_set_aside"  # workflows/projector.py
SCHEDULE_RUNS = "casework_schedule_runs"  # the scheduled workflows
# The `kind` of an escalation raised by a safeguarding declaration.
SIX_POINT_PLAN = "six_point_plan"

DESCRIPTIONS = {
    CASES_OPENED: "UC cases opened (CaseOpened events stored)",
    COMMANDS_REFUSED: "Commands refused by a rule, by command and the field the rule is about",
    ESCALATIONS_RAISED: "Escalations raised: tasks escalated (by task kind) and "
    "safeguarding declarations opening a Six-Point Plan (kind six_point_plan)",
    DEADLINES_MISSED: "Tasks escalated because their due time passed while open, by task kind",
    PROJECTION_LAG: "Seconds from the oldest event of the last batch to its landing in SQL",
}


def refusal_labels(workflow_type: str, command: str, field: str | None) -> dict[str, str]:
    """Labels of one refused command: names only. The field is the one the refusal
    names (`field: rule`); the rule's text may quote a value, so it is left out."""
    return {"workflow_type": workflow_type, "command": command, "field": field or "unknown"}


def count_stored(
    events: Iterable[Mapping[str, Any]], opened_at: Mapping[str, tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """What newly stored case events add to each counter, by task kind.

    `events`: the rows just stored (`type`, `data`, the event as JSON). `opened_at`:
    task id -> (kind, the `at` of its TaskOpened), for the tasks those events escalate.
    A task escalated in the same instant as its opening was raised at once (a plan
    missed, a child's notice); one escalated later is its deadline passing.
    """
    counts: dict[str, dict[str, int]] = {}

    def add(name: str, label: str) -> None:
        by_label = counts.setdefault(name, {})
        by_label[label] = by_label.get(label, 0) + 1

    for event in events:
        if event["type"] == "CaseOpened":
            add(CASES_OPENED, "")
        elif event["type"] == "SafeguardingDeclared":
            # Escalates the case at once (its Six-Point Plan). Labelled with the plan,
            # never the declaration's kind: that is health data about a person.
            add(ESCALATIONS_RAISED, SIX_POINT_PLAN)
        elif event["type"] == "TaskEscalated":
            kind, opened = opened_at.get(event["data"].get("task_id"), ("unknown", ""))
            add(ESCALATIONS_RAISED, kind)
            if opened and opened != event["data"].get("at"):
                add(DEADLINES_MISSED, kind)
    return counts


def lag_seconds(oldest: datetime, now: datetime | None = None) -> float:
    """How long the oldest event of a batch waited for the read model (never negative:
    a test server that skips time puts events ahead of the wall clock)."""
    now = now or datetime.now(UTC)
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max((now - oldest).total_seconds(), 0.0)
