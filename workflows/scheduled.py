"""The workflows the Temporal Schedules start (infra/schedules.py, docs/schedules.md):
the daily Work Available Report, the weekly escalation digest (one per team) and the
daily retention sweep.

Each works out the UK business day it runs for from the time the schedule meant it
to start (the `TemporalScheduledStartTime` search attribute the schedule sets, so a
backfill of last Tuesday reports last Tuesday), calls its activities, sets a one-line
summary as the workflow's current details, counts the run in
`casework_schedule_runs{schedule=...}` and returns what it found and did. Their ids
(`<schedule id>-<time>`) name no subject: their payloads are sealed with the `ops`
key (infra/codec.py), and hold case and IPR ids (pseudonyms), never a name."""

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.reporting.summary import WorkAvailableSummary
    from activities.scheduled_records import (
        DigestRequest,
        ScheduledRun,
        SweepReport,
        TeamDigest,
    )
    from domain.dates import business_date
    from domain.teams import TEAMS

WORK_AVAILABLE = "work-available-report"
ESCALATION_DIGEST = "escalation-digest"
RETENTION_SWEEP = "retention-sweep"

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")

# A run that cannot reach the read model fails after a few attempts (and shows as
# failed on the schedule) rather than retrying until the next run is skipped for it.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=5,
)


def scheduled_at() -> datetime:
    """When the schedule meant this run to start (its backfill or trigger time), else
    when it started: a tz-aware UTC instant."""
    info = workflow.info()
    at = info.typed_search_attributes.get(SCHEDULED_START)
    return at if at is not None else info.start_time


def _finish(schedule: str, day: date, at: datetime, summary: str, **found: Any) -> ScheduledRun:
    workflow.set_current_details(summary)
    workflow.logger.info("scheduled run done", extra={"schedule": schedule, "day": str(day)})
    workflow.metric_meter().create_counter(
        "casework_schedule_runs", "Runs of the scheduled workflows, by schedule"
    ).add(1, {"schedule": schedule})
    return ScheduledRun(schedule=schedule, day=day, scheduled_at=at, summary=summary, **found)


@workflow.defn(name="WorkAvailableReport")
class WorkAvailableReport:
    """Builds the day's Work Available Report in the read model (section 3 of the
    reporting read model: activities/reporting) and records its counts by team."""

    @workflow.run
    async def run(self) -> ScheduledRun:
        at = scheduled_at()
        day = business_date(at)
        report: WorkAvailableSummary = await workflow.execute_activity(
            "work_available_report",
            day.isoformat(),
            result_type=WorkAvailableSummary,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RETRY,
            summary=f"Work Available Report for {day:%a %d %b %Y}",
        )
        teams = ", ".join(f"{team} {n}" for team, n in report.by_team.items() if n)
        summary = (
            f"Work Available Report {day}: {report.total} item(s), {report.overdue} overdue, "
            f"{report.escalated} escalated" + (f" ({teams})" if teams else "")
        )
        return _finish(WORK_AVAILABLE, day, at, summary, work_available=report)


@workflow.defn(name="EscalationDigest")
class EscalationDigest:
    """One digest per team: its open tasks that are escalated or overdue (the IPR
    group's: overdue agreed activities). One activity per team, so each team's
    digest is its own entry in the history and a failure retries that team alone."""

    @workflow.run
    async def run(self) -> ScheduledRun:
        at = scheduled_at()
        day = business_date(at)
        digests: list[TeamDigest] = []
        for team in TEAMS:
            digests.append(
                await workflow.execute_activity(
                    "escalation_digest",
                    DigestRequest(team=team, as_of=at),
                    result_type=TeamDigest,
                    start_to_close_timeout=timedelta(minutes=5),
                    retry_policy=RETRY,
                    summary=f"escalation digest: {team}",
                )
            )
        escalated = sum(d.escalated for d in digests)
        overdue = sum(d.overdue for d in digests)
        teams = "; ".join(f"{d.team} {d.items}" for d in digests)
        summary = f"Escalation digest {day}: {escalated} escalated, {overdue} overdue; {teams}"
        return _finish(ESCALATION_DIGEST, day, at, summary, digests=digests)


@workflow.defn(name="RetentionSweep")
class RetentionSweep:
    """Erases the personal data retention makes due on the day (docs/privacy.md):
    `starter.py erase --due --apply`, on a schedule."""

    @workflow.run
    async def run(self) -> ScheduledRun:
        at = scheduled_at()
        day = business_date(at)
        report: SweepReport = await workflow.execute_activity(
            "retention_sweep",
            day,
            result_type=SweepReport,
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RETRY,
            summary=f"retention sweep for {day:%a %d %b %Y}",
        )
        summary = (
            f"Retention sweep {day}: {report.due} due, {len(report.erased)} erased, "
            f"{len(report.refused)} refused (kept {report.retention_years} years after closure)"
        )
        return _finish(RETENTION_SWEEP, day, at, summary, sweep=report)


SCHEDULED_WORKFLOWS: list[type] = [WorkAvailableReport, EscalationDigest, RetentionSweep]
