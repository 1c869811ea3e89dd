"""The shell every workflow shares: commands as updates (parse, validate, decide,
apply, idempotent by update id), the one-timer alarm, the search-attribute mirror,
when to continue as new, how refusals look, and the secret a parent gives each
child it starts. Each workflow keeps only its own orchestration."""

import asyncio
import inspect
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.case.parsing import InvalidCommand, parse
    from domain.errors import DomainError
    from infra import metrics
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


# Child ids carry their parent's scope (workflows/ids.py), so they are unique per
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
            # Billed: one timer per deadline instant, re-armed only when that instant changes.
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


class Commands:
    """A workflow's commands, one update each, registered the same way everywhere.

    The validator parses the payload at the edge (today's bounds) and decides it
    against the current state, so a refused command never reaches history; the
    handler reads the accepted payload as stored, decides again, applies the events
    and records the result by update id (a retry of the same id, in any run, gets
    that result back and is not applied twice).

    `refuse`: raises when the workflow cannot take commands at all (a bad input).
    `ready`: when given, the handler waits for it (a case from an older client still
    loading its policy); until then the validator checks the shape only.
    `register`: False when the workflow class inherits its handlers from
    `command_updates` (declared once per worker, not once per workflow instance).
    """

    def __init__(
        self,
        commands: dict[str, type],
        *,
        decide: Callable[[Any, Any, datetime], list[Any]],
        state: Callable[[], Any],
        apply: Callable[[list[Any]], None],
        applied: AppliedUpdates,
        refuse: Callable[[], None] | None = None,
        ready: Callable[[], bool] | None = None,
        register: bool = True,
    ) -> None:
        self._decide, self._state, self._apply = decide, state, apply
        self._applied, self._refuse, self._ready = applied, refuse, ready
        if not register:
            return
        for name, command_type in commands.items():
            workflow.set_update_handler(
                name,
                self._waiting_handler(command_type) if ready else self._handler(command_type),
                validator=self._validator(command_type),
            )

    def validate(self, command_type: type, raw: Any) -> None:
        if self._applied.earlier_result() is not None:
            return  # a retry: answered with its first result, not decided again
        try:
            command = parse_command(command_type, raw)
            if self._refuse is not None:
                self._refuse()
            if self._ready is not None and not self._ready():
                return  # the handler waits, then applies the rules
            decide_command(self._decide, self._state(), command)
        except ApplicationError as refused:
            count_refusal(refused)
            raise

    def handle(self, command_type: type, raw: Any) -> CommandResult:
        earlier = self._applied.earlier_result()
        if earlier is not None:
            return earlier
        return self._run(command_type, raw)

    async def handle_when_ready(self, command_type: type, raw: Any) -> CommandResult:
        earlier = self._applied.earlier_result()
        if earlier is not None:
            return earlier
        assert self._ready is not None
        if not self._ready():
            await workflow.wait_condition(self._ready)
        # From here synchronous on purpose: no other update may interleave
        # between the decision and applying it.
        return self._run(command_type, raw)

    def _validator(self, command_type: type) -> Callable[[Any], None]:
        def validate(raw: Any) -> None:
            self.validate(command_type, raw)

        return validate

    def _handler(self, command_type: type) -> Callable[[Any], CommandResult]:
        def handle(raw: Any) -> CommandResult:
            return self.handle(command_type, raw)

        return handle

    def _waiting_handler(self, command_type: type) -> Callable[[Any], Any]:
        async def handle(raw: Any) -> CommandResult:
            return await self.handle_when_ready(command_type, raw)

        return handle

    def _run(self, command_type: type, raw: Any) -> CommandResult:
        try:
            command = parse_command(command_type, raw, stored=True)
            events = decide_command(self._decide, self._state(), command)
        except ApplicationError as refused:  # the state moved on since it was validated
            count_refusal(refused)
            raise
        self._apply(events)
        result = CommandResult(self._state().version, [type(e).__name__ for e in events])
        return self._applied.record(result)


def count_refusal(refused: ApplicationError) -> None:
    """`casework_commands_refused` (infra/metrics.py), labelled with the command and
    the field its rule is about. The workflow's meter emits nothing on replay (and a
    validator never runs on replay), so each refusal counts once."""
    update = workflow.current_update_info()
    details = refused.details[0] if refused.details else None
    field = details.get("field") if isinstance(details, dict) else None
    workflow.metric_meter().create_counter(
        metrics.COMMANDS_REFUSED, metrics.DESCRIPTIONS[metrics.COMMANDS_REFUSED]
    ).add(
        1,
        metrics.refusal_labels(
            workflow.info().workflow_type, update.name if update else "unknown", field
        ),
    )


def command_updates(commands: dict[str, type], *, waiting: bool) -> type:
    """A base class declaring one update per command (with its validator), for a
    workflow class to inherit: the SDK then reads the handlers once per class, where
    `Commands` registering them costs two closures and an update definition (with
    `inspect.signature`) per command on every workflow instance. Call it from a module
    imported through `imports_passed_through` (once per worker: the sandbox re-imports
    the workflow's own module per instance). The workflow sets `self._commands`, a
    `Commands(..., register=False)`, in its `@workflow.init`; `waiting` as `ready` is
    given to it. Same names, payloads and results as `Commands` registering them."""
    members: dict[str, Any] = {}
    for name, command_type in commands.items():
        members[f"_update_{name}"] = _command_update(name, command_type, waiting)
    return type("CommandUpdates", (), members)


def _command_update(name: str, command_type: type, waiting: bool) -> Any:
    # `self` unannotated: the SDK leaves it out of the update's argument types only then.
    def validate(self, raw: Any) -> None:
        self._commands.validate(command_type, raw)

    if waiting:

        async def handle_when_ready(self, raw: Any) -> CommandResult:
            result: CommandResult = await self._commands.handle_when_ready(command_type, raw)
            return result

        update: Any = workflow.update(name=name)(handle_when_ready)
    else:

        def handle(self, raw: Any) -> CommandResult:
            result: CommandResult = self._commands.handle(command_type, raw)
            return result

        update = workflow.update(name=name)(handle)
    # The SDK compares the two signatures each time it reads the class, which the
    # sandbox does once per workflow instance: computed here, once per worker.
    for fn in (update, validate):
        fn.__signature__ = inspect.signature(fn)  # type: ignore[union-attr]
    update.validator(validate)
    return update


class AttributeMirror:
    """A workflow's custom search attributes as the server holds them (carried over
    continue-as-new): only values that changed are upserted, together in one upsert,
    as each upsert is a billed action."""

    def __init__(self, keys: dict[str, SearchAttributeKey[Any]]) -> None:
        self._keys = keys
        held = workflow.info().typed_search_attributes
        self._published: dict[str, Any] = {n: held.get(k) for n, k in keys.items()}

    def publish(self, values: dict[str, Any]) -> None:
        changed = {k: v for k, v in values.items() if self._published[k] != v}
        if not changed:
            return
        updates: list[SearchAttributeUpdate[Any]] = [
            self._keys[k].value_set(v) if v is not None else self._keys[k].value_unset()
            for k, v in changed.items()
        ]
        # Billed: one upsert per workflow task that changes what operators search by.
        workflow.upsert_search_attributes(updates)
        self._published.update(changed)


# Every workflow continues as new when the server suggests it or once its history
# passes this many events (the case policy may set its own: `continue_as_new_after_events`).
HISTORY_LIMIT = 2000


def history_too_long(limit: int = HISTORY_LIMIT) -> bool:
    """Time to continue as new (after every handler has finished)."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() > limit
