"""The instants a migration acts on its own, and what the passing of time does then."""

from datetime import datetime

from domain.dates import add_months, end_of_day, start_of_day, uk_date
from domain.migration import events as e
from domain.migration.events import SYSTEM
from domain.migration.model import MigrationState

# After the final deadline a migration stays open this long to record a late
# (non-qualifying) claim, then closes.
LATE_CLAIM_MONTHS = 6


def next_wakeup(state: MigrationState) -> tuple[datetime, str] | None:
    """The instant this migration next acts on its own, with a readable summary (the
    timer's, in the Web UI: dates as the case writes them, "Wed 17 Sep 2025")."""
    if state.completed:
        return None
    candidates: list[tuple[datetime, str]] = []
    if state.status == "lapsed":
        closes = add_months(state.final_deadline, LATE_CLAIM_MONTHS)
        return (end_of_day(closes), f"late-claim window ends {uk_date(closes)}: close")
    if state.claim_date is None:
        candidates += [
            (start_of_day(r.on), f"outreach reminder: {r.label} ({uk_date(r.on)})")
            for r in state.reminders
            if not r.sent
        ]
        if state.status != "deadline_missed":
            candidates.append(
                (
                    end_of_day(state.deadline_day),
                    f"deadline day {uk_date(state.deadline_day)} ends: escalate if no claim",
                )
            )
        candidates.append(
            (
                end_of_day(state.final_deadline),
                f"final deadline {uk_date(state.final_deadline)} ends: claims after it lose "
                "protection",
            )
        )
    if state.protection == "suspended" and state.excess_earnings_window_ends:
        end = state.excess_earnings_window_ends
        candidates.append(
            (
                end_of_day(end),
                f"re-claim window ends {uk_date(end)}: protection ends without a re-claim",
            )
        )
    return min(candidates, default=None)


def on_time_passed(state: MigrationState, now: datetime) -> list[e.MigrationEvent]:
    events: list[e.MigrationEvent] = []
    if state.status == "lapsed":
        closes = add_months(state.final_deadline, LATE_CLAIM_MONTHS)
        if now >= end_of_day(closes):
            events.append(
                e.MigrationClosed(
                    at=now,
                    by=SYSTEM,
                    reason=(
                        f"no claim by {closes.isoformat()}, "
                        f"{LATE_CLAIM_MONTHS} months after the final deadline"
                    ),
                )
            )
        return events
    if state.claim_date is None:
        events += [
            e.ReminderDue(at=now, by=SYSTEM, on=r.on, label=r.label)
            for r in state.reminders
            if not r.sent and start_of_day(r.on) <= now
        ]
        if state.status != "deadline_missed" and now >= end_of_day(state.deadline_day):
            events.append(e.DeadlineMissed(at=now, by=SYSTEM, deadline_day=state.deadline_day))
        if now >= end_of_day(state.final_deadline):
            events.append(
                e.FinalDeadlinePassed(at=now, by=SYSTEM, final_deadline=state.final_deadline)
            )
    window = state.excess_earnings_window_ends
    if state.protection == "suspended" and window and now >= end_of_day(window):
        events.append(
            e.ProtectionEnded(
                at=now,
                by=SYSTEM,
                reason=(
                    f"no re-claim within 3 months of the award ending for excess earnings "
                    f"(window ended {window.isoformat()})"
                ),
            )
        )
    return events
