"""Guards shared by the case's rules, named after the rule they enforce."""

from datetime import datetime, timedelta

from domain.case.model import CaseState
from domain.errors import DomainError


def must_be_open(state: CaseState, action: str) -> None:
    if state.status == "closed":
        raise DomainError("case", f"{action} is not allowed on a closed case; reopen it first")


def must_be_alive(state: CaseState, action: str) -> None:
    if state.deceased_on is not None:
        raise DomainError(
            "case",
            f"{action} is not allowed: the resident's death is recorded "
            f"({state.deceased_on.isoformat()}); the case is with bereavement handling",
        )


def vulnerability_review_must_be_recent(
    state: CaseState, now: datetime, action: str = "an enforcement step"
) -> None:
    review = state.vulnerability
    max_age = state.policy.vulnerability_review_max_age_days
    if review is None:
        raise DomainError(
            "vulnerability",
            f"{action} needs a vulnerability review on the case first",
        )
    if now - review.assessed_at > timedelta(days=max_age):
        raise DomainError(
            "vulnerability",
            f"the last vulnerability review ({review.assessed_at.date().isoformat()}) is older "
            f"than {max_age} days; review vulnerability before {action}",
        )
