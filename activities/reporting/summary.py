"""What the `work_available_report` activity returns: counts only, no case ids, so a
scheduled workflow's history says what the report found without naming anyone.
No SQLAlchemy here: the workflow sandbox imports this module."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkAvailableSummary:
    day: str  # ISO date the report is for
    horizon_days: int
    total: int
    overdue: int
    escalated: int
    # team -> lines for it (every team in domain.teams.TEAMS, zeros included)
    by_team: dict[str, int] = field(default_factory=dict)
