"""Migration notice deadlines (docs/rules.md#migration-deadlines)."""

from datetime import date, timedelta

from domain.dates import ap_end, period_end
from domain.errors import DomainError


def earliest_deadline_day(notice_issued: date) -> date:
    """The first day outside the three months beginning with the day of issue."""
    return period_end(notice_issued, 3) + timedelta(days=1)


def check_deadline_day(notice_issued: date, deadline_day: date, reissued: bool) -> None:
    if deadline_day <= notice_issued:
        raise DomainError("deadline_day", "must be after the day the notice was issued")
    earliest = earliest_deadline_day(notice_issued)
    if not reissued and deadline_day < earliest:
        raise DomainError(
            "deadline_day",
            "may not fall within the three months beginning with the day the notice is "
            f"issued: the earliest is {earliest.isoformat()} (only a re-issued notice may "
            "be shorter)",
        )


def check_extension(deadline_day: date, asked_on: date, new_deadline: date) -> None:
    """DWP may extend the deadline day if asked before it (docs/rules.md#migration-deadlines)."""
    if asked_on >= deadline_day:
        raise DomainError(
            "asked_on",
            f"an extension must be asked for before the deadline day ({deadline_day.isoformat()})",
        )
    if new_deadline <= deadline_day:
        raise DomainError(
            "new_deadline_day", f"must be later than the current deadline day ({deadline_day})"
        )


def final_deadline(deadline_day: date) -> date:
    """Last day of the first AP of an award that would start on the deadline day."""
    return ap_end(deadline_day, 0)


def award_start(claim_date: date, deadline_day: date, final: date) -> date | None:
    """Start of the award a claim made on `claim_date` gets, or None if it is not a
    qualifying claim. A claim after the deadline day but by the final deadline is
    backdated to the deadline day."""
    if claim_date <= deadline_day:
        return claim_date
    if claim_date <= final:
        return deadline_day
    return None
