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
