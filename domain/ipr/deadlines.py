"""The IPR's targets as time passes: screening, then investigation (docs/rules.md#ipr)."""

from datetime import date, datetime, timedelta

from domain.dates import business_date, end_of_day, uk_date
from domain.ipr import events as e
from domain.ipr.model import IprState


def _targets(state: IprState) -> list[tuple[str, date]]:
    """(target, the last day within it) not yet met nor breached."""
    found: list[tuple[str, date]] = []
    if state.imported:
        return found  # recorded after it was completed: its targets are history
    if state.stage == "screening" and not state.screening_escalated:
        found.append(
            ("screening", state.referred_on + timedelta(days=state.policy.screening_target_days))
        )
    if (
        state.stage == "investigation"
        and state.investigation_started_on is not None
        and not state.investigation_escalated
    ):
        days = state.policy.investigation_target_days
        found.append(("investigation", state.investigation_started_on + timedelta(days=days)))
    return found


def next_wakeup(state: IprState) -> tuple[datetime, str] | None:
    soonest = min(((d, t) for t, d in _targets(state)), default=None)
    if soonest is None:
        return None
    day, target = soonest
    return end_of_day(day), f"{target} target ends {uk_date(day)}: escalate if not met"


def on_time_passed(state: IprState, now: datetime) -> list[e.IprEvent]:
    today = business_date(now)
    return [
        e.TargetBreached(at=now, by=e.SYSTEM, target=target, due_on=day)
        for target, day in _targets(state)
        if today > day
    ]
