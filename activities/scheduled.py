"""The scheduled workflows' own activities (workflows/scheduled.py, docs/schedules.md):
a team's escalation digest from the reporting read model, and the retention sweep
(backoffice/erasure.py `sweep`, what `starter.py erase --due --apply` runs).

Both are idempotent: the digest only reads, and the sweep erases what is still held
and due, so a retried attempt finds what an earlier one erased no longer due."""

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.db import IprActivityRecord
from activities.scheduled_records import (
    DigestLine,
    DigestRequest,
    RefusedSubject,
    SweepReport,
    SweptSubject,
    TeamDigest,
)
from domain.dates import business_date
from domain.teams import IPRG, TEAM_NAMES, TEAMS
from infra.keystore import KeyStore

DIGEST_LINES = 100  # listed per team; the counts cover them all


class ScheduledActivities:
    def __init__(
        self, engine: Engine, keys: KeyStore, retention_years: int, files: Path | None = None
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._retention_years = retention_years
        self._files = files

    @activity.defn(name="escalation_digest")
    def escalation_digest(self, request: DigestRequest) -> TeamDigest:
        """The team's open tasks that are escalated or overdue at `as_of` (the IPR
        group's: agreed activities past due without the owner's assurance)."""
        if request.team not in TEAMS:
            raise ApplicationError(
                f"team: {request.team!r} is not a team; teams are {', '.join(TEAMS)}",
                type="BadInput",
                non_retryable=True,
            )
        if request.as_of.tzinfo is None:
            raise ApplicationError(
                "as_of: must be a tz-aware UTC instant", type="BadInput", non_retryable=True
            )
        as_of = request.as_of.astimezone(UTC)  # the read model holds UTC instants
        lines = (
            self._ipr_lines(business_date(as_of))
            if request.team == IPRG
            else self._task_lines(request.team, as_of)
        )
        lines.sort(key=lambda line: (line.due_on, line.ref, line.what))
        kinds = Counter(line.what.split(":", 1)[0] for line in lines)
        return TeamDigest(
            team=request.team,
            team_name=TEAM_NAMES[request.team],
            as_of=as_of,
            escalated=sum(line.escalated for line in lines),
            overdue=sum(line.overdue for line in lines),
            items=len(lines),
            by_kind=dict(sorted(kinds.items())),
            oldest_due=lines[0].due_on if lines else None,
            listed=lines[:DIGEST_LINES],
        )

    def _task_lines(self, team: str, as_of: datetime) -> list[DigestLine]:
        from activities.reporting.tables import ReportTask

        with Session(self._engine) as session:
            rows = session.execute(
                select(
                    ReportTask.case_id,
                    ReportTask.kind,
                    ReportTask.due_at,
                    ReportTask.escalated_at,
                ).where(
                    ReportTask.team == team,
                    ReportTask.status == "open",
                    ReportTask.closed_at.is_(None),
                    or_(ReportTask.escalated_at.is_not(None), ReportTask.due_at < as_of),
                )
            ).all()
        return [
            DigestLine(
                ref=case_id,
                what=kind,
                due_on=business_date(_aware(due_at)),
                escalated=escalated_at is not None,
                overdue=_aware(due_at) < as_of,
            )
            for case_id, kind, due_at, escalated_at in rows
        ]

    def _ipr_lines(self, today: date) -> list[DigestLine]:
        with Session(self._engine) as session:
            rows = session.execute(
                select(
                    IprActivityRecord.ipr_id,
                    IprActivityRecord.activity_id,
                    IprActivityRecord.due_on,
                    IprActivityRecord.escalations,
                ).where(
                    IprActivityRecord.status != "assured",
                    or_(IprActivityRecord.status == "overdue", IprActivityRecord.due_on < today),
                )
            ).all()
        return [
            DigestLine(
                ref=ipr_id,
                what=f"ipr_activity:{activity_id}",
                due_on=due_on,
                escalated=escalations > 0,
                overdue=True,
            )
            for ipr_id, activity_id, due_on, escalations in rows
        ]

    @activity.defn(name="retention_sweep")
    async def retention_sweep(self, day: date) -> SweepReport:
        """Erase what retention makes due on `day` (a UK business date): each subject
        whose every case or IPR closed more than the retention period ago. A subject
        with a running workflow is refused and left for a later sweep."""
        from backoffice.erasure import sweep

        swept = await sweep(
            activity.client(),
            self._engine,
            self._keys,
            day,
            self._retention_years,
            files=self._files,
        )
        closed = {(d.domain, d.subject): d.closed_on for d in swept.due}
        return SweepReport(
            day=day,
            retention_years=self._retention_years,
            due=len(swept.due),
            erased=[
                SweptSubject(
                    e.domain,
                    e.subject,
                    closed[(e.domain, e.subject)],
                    e.keys_destroyed,
                    e.rows_scrubbed,
                    e.files_removed,
                )
                for e in swept.erased
            ],
            refused=[
                RefusedSubject(r.due.domain, r.due.subject, r.due.closed_on, r.why)
                for r in swept.refused
            ],
        )


def _aware(at: object) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    assert isinstance(at, datetime)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
