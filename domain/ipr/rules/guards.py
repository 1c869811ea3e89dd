"""Guards shared by the IPR's rules, named after the rule they enforce."""

from datetime import date, datetime

from domain.dates import business_date
from domain.errors import DomainError
from domain.ipr.model import IprState

STAGES_AFTER_FINDINGS = ("findings", "agreed_activities", "learning_outcomes")


def must_be_at_stage(state: IprState, allowed: tuple[str, ...], action: str) -> None:
    if state.stage not in allowed:
        raise DomainError(
            "stage",
            f"{action} is not possible at stage {state.stage.replace('_', ' ')} "
            f"(only at: {', '.join(s.replace('_', ' ') for s in allowed)})",
        )


def must_not_be_future(field: str, day: date, now: datetime) -> None:
    if day > business_date(now):
        raise DomainError(field, "cannot be in the future")


def must_be_investigating(state: IprState, action: str) -> None:
    must_be_at_stage(state, ("investigation",), action)
    if state.investigator is None:
        raise DomainError("investigator", f"{action} needs an investigator assigned first")


def business_day(
    field: str, given: date | None, now: datetime, *, on_or_after: tuple[str, date] | None
) -> date:
    """The day staff gave for something that happened earlier, or today: never in the
    future, never before the step it follows (`on_or_after`: what, and its day), so
    the review's dates stay in order (docs/rules.md#ipr-dates)."""
    day = business_date(now) if given is None else given
    if given is not None:
        must_not_be_future(field, given, now)
    if on_or_after is not None and day < on_or_after[1]:
        what, earliest = on_or_after
        raise DomainError(field, f"cannot be before {what} ({earliest.isoformat()})")
    return day
