"""Progress notices a child workflow sends its parent (a payment arrangement or a
managed migration to its case, an agreed activity to its IPR). Anyone who can reach
the server can send a signal, so a notice counts only when it carries the secret the
parent gave the child it started. The workflows hold the secrets; this is the rule."""

import hmac
from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError

NOTICE_SECRET = "notice_secret"
ONLY_FROM_THE_CHILD = "a progress notice is accepted only from the child its parent started"


@dataclass(frozen=True)
class ProgressNoticeRefused:
    """An event of a case or an IPR: a progress notice not from the child it started,
    journalled, never applied. What it said is not kept: it is anyone's."""

    at: datetime
    by: str
    notice: str
    rule: str


@dataclass(frozen=True)
class ChildNotStarted:
    """An event of a case or an IPR: a child workflow it meant to start was refused
    because its id was already taken. Recorded, never swallowed: the parent does not
    pretend the child runs, and someone is told."""

    at: datetime
    by: str
    child: str  # managed_migration, payment_arrangement, agreed_activity
    workflow_id: str
    reason: str


class NotFromTheChild(DomainError):
    """A progress notice without the secret of the child it claims to come from."""

    def __init__(self) -> None:
        super().__init__(NOTICE_SECRET, ONLY_FROM_THE_CHILD)


def must_come_from_the_child(held: str | None, presented: str | None) -> None:
    """Refuse a notice unless it carries the secret the parent holds for its child.
    A parent holds none for a child started before secrets existed: that child sends
    none, and its notices are taken as they always were."""
    if held is None:
        return
    # Bytes: compare_digest refuses a str that is not ASCII, and the notice is anyone's.
    if presented is None or not hmac.compare_digest(held.encode(), presented.encode()):
        raise NotFromTheChild()
