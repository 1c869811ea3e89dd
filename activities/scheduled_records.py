"""What the scheduled workflows (workflows/scheduled.py) send their activities and get
back: dataclasses only, so the workflow sandbox imports them without a database.

Nothing here identifies a person: cases and IPRs are named by their ids (pseudonyms,
docs/rules.md#personal-data), tasks by their kind, never by a note or a name."""

from dataclasses import dataclass, field
from datetime import date, datetime

from activities.reporting.summary import WorkAvailableSummary


@dataclass(frozen=True)
class DigestRequest:
    team: str  # one of domain.teams.TEAMS
    as_of: datetime  # tz-aware UTC: what is due before this is overdue


@dataclass(frozen=True)
class DigestLine:
    ref: str  # a case id ("<workflow id>/<first run id>") or an IPR id
    what: str  # the task's kind, or "ipr_activity:<activity id>"
    due_on: date  # UK business date
    escalated: bool
    overdue: bool


@dataclass(frozen=True)
class TeamDigest:
    """A team's open work that is escalated or overdue, oldest due first."""

    team: str
    team_name: str
    as_of: datetime
    escalated: int
    overdue: int
    items: int  # escalated or overdue, each counted once
    by_kind: dict[str, int] = field(default_factory=dict)
    oldest_due: date | None = None
    listed: list[DigestLine] = field(default_factory=list)  # the first DIGEST_LINES

    def line(self) -> str:
        oldest = f", oldest due {self.oldest_due}" if self.oldest_due else ""
        return f"{self.team_name}: {self.escalated} escalated, {self.overdue} overdue{oldest}"


@dataclass(frozen=True)
class SweptSubject:
    domain: str  # uc (a tenancy) or ipr (an IPR reference)
    subject: str  # the tenancy or IPR reference: a pseudonym
    closed_on: date
    keys_destroyed: int = 0
    rows_scrubbed: int = 0
    files_removed: int = 0


@dataclass(frozen=True)
class RefusedSubject:
    domain: str
    subject: str
    closed_on: date
    why: str  # what to do first, e.g. a workflow of it still runs


@dataclass(frozen=True)
class SweepReport:
    """What the retention sweep found due on `day`, what it erased and what it left."""

    day: date
    retention_years: int
    due: int
    erased: list[SweptSubject] = field(default_factory=list)
    refused: list[RefusedSubject] = field(default_factory=list)


@dataclass(frozen=True)
class ScheduledRun:
    """A scheduled workflow's result: the schedule, the business day and instant it ran
    for, a one-line summary (also the workflow's current details) and what it found."""

    schedule: str
    day: date
    scheduled_at: datetime
    summary: str
    work_available: WorkAvailableSummary | None = None  # the report's counts by team
    digests: list[TeamDigest] | None = None
    sweep: SweepReport | None = None
