"""Pieces the workflows share: the one-timer alarm, how refusals look, the secret a
parent gives each child it starts, and the record of applied update ids."""

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.case.parsing import InvalidCommand, parse
    from domain.errors import DomainError
    from workflows.contracts import AppliedUpdate, CommandResult


StateT = TypeVar("StateT")
EventT = TypeVar("EventT")

# Parents give each child they start a secret to send back in its progress notices.
CHILD_NOTICE_SECRET = "child-notice-secret"
# How many applied update ids (with their results) a workflow carries across
# continue-as-new: a client retries within minutes, never 500 commands later.
UPDATES_REMEMBERED = 500


def notice_secret() -> str | None:
    """A new child's notice secret (workflow.uuid4: the same on replay), or None where
    history was written before secrets existed: the parent then holds none for the
    child, and takes its notices without one."""
    if not workflow.patched(CHILD_NOTICE_SECRET):
        return None
    return str(workflow.uuid4())


# Child ids carry their parent's scope (domain/child_ids.py), so they are unique per
# case or IPR, not per tenancy or reference.
IDS_PER_CASE = "ids-per-case"
# A child start refused as a duplicate is recorded in the parent, never swallowed.
REFUSED_START_RECORDED = "refused-child-start-recorded"
DUPLICATE_ID = "its id is already taken by another workflow"


def id_scope() -> str | None:
    """The scope of a new case's or IPR's child ids: the first run id of its chain,
    the same in every run after a continue-as-new and different for a later case of
    the same tenancy. None where history was written before ids were per case."""
    if not workflow.patched(IDS_PER_CASE):
        return None
    return workflow.info().first_execution_run_id


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


def stored_input() -> bool:
    """Whether a workflow reads its input as stored (shape only, today's bounds not
    applied again): a continued run's input is our own carried state, and on replay
    every input is what was accepted before. Only a first run's first execution checks
    its input in full (no validator stands before a workflow's start), so a bound
    tightened since never fails a running case on deploy. A start refused under the
    old rule reads leniently on replay; such runs have failed already, and only a
    query on them would replay it."""
    return workflow.info().continued_run_id is not None or workflow.unsafe.is_replaying()


def parse_command(command_type: type, raw: Any, *, stored: bool = False) -> Any:
    """A command from its plain-JSON payload, or the refusal naming the field.

    `stored`: in a handler, init or signal, reading what history holds. Validators never
    run on replay, so only they apply today's bounds (domain/values.py); a handler
    re-reading an accepted command must not refuse it because a bound was tightened
    since it was written (the shape is still checked)."""
    try:
        return parse(command_type, raw, stored=stored)
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


class AppliedUpdates:
    """The results of the last commands applied, by update id. The server
    de-duplicates an update id only within one run; this record travels across
    continue-as-new, so a command retried with the same id is answered with its
    first result in any run and never applied twice."""

    def __init__(self, carried: Iterable[AppliedUpdate] = ()) -> None:
        self._results: dict[str, CommandResult] = {a.update_id: a.result for a in carried}

    def earlier_result(self) -> CommandResult | None:
        """What the current update's id answered before, if it was applied already."""
        update = workflow.current_update_info()
        return self._results.get(update.id) if update else None

    def record(self, result: CommandResult) -> CommandResult:
        update = workflow.current_update_info()
        if update is not None:
            self._results[update.id] = result
            while len(self._results) > UPDATES_REMEMBERED:
                del self._results[next(iter(self._results))]  # the oldest
        return result

    def carried(self) -> tuple[AppliedUpdate, ...]:
        return tuple(AppliedUpdate(i, r) for i, r in self._results.items())
