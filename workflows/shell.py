"""Pieces the workflows share: the one-timer alarm, how refusals look, and the secret a
parent gives each child it starts."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.case.parsing import InvalidCommand, parse
    from domain.errors import DomainError


StateT = TypeVar("StateT")
EventT = TypeVar("EventT")

# Parents give each child they start a secret to send back in its progress notices.
CHILD_NOTICE_SECRET = "child-notice-secret"


def notice_secret() -> str | None:
    """A new child's notice secret (workflow.uuid4: the same on replay), or None where
    history was written before secrets existed: the parent then holds none for the
    child, and takes its notices without one."""
    if not workflow.patched(CHILD_NOTICE_SECRET):
        return None
    return str(workflow.uuid4())


def refusal(error: DomainError) -> ApplicationError:
    """What a client sees: `field: rule`, with both in the details."""
    return ApplicationError(
        str(error),
        {"field": error.field, "rule": error.rule},
        type=type(error).__name__,
        non_retryable=True,
    )


class Alarm:
    """The case's one timer, re-armed only when the instant it waits for changes
    (every timer is a billed action)."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._at: datetime | None = None

    def arm(self, wake: tuple[datetime, str] | None) -> None:
        at = wake[0] if wake else None
        if at == self._at:
            return
        if self._task is not None:
            self._task.cancel()
        self._task, self._at = None, at
        if wake is not None:
            delay = max(wake[0] - workflow.now(), timedelta(seconds=1))
            self._task = asyncio.create_task(workflow.sleep(delay, summary=wake[1]))

    @property
    def rang(self) -> bool:
        return self._task is not None and self._task.done()

    def reset(self) -> None:
        self._task, self._at = None, None


def parse_command(command_type: type, raw: Any) -> Any:
    """A command from its plain-JSON payload, or the refusal naming the field."""
    try:
        return parse(command_type, raw)
    except InvalidCommand as error:
        raise refusal(error) from None


def decide_command(
    decide: Callable[[StateT, Any, datetime], list[EventT]], state: StateT, command: Any
) -> list[EventT]:
    """The events a command produces now, or the refusal naming the rule."""
    try:
        return decide(state, command, workflow.now())
    except DomainError as error:
        raise refusal(error) from None
