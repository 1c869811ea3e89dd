"""AgreedActivity's orchestration: everything but its entry points
(workflows/agreed_activity.py), imported through `imports_passed_through` so it is
compiled once per worker, not once per cached activity (as for UCCase,
workflows/uc_case_core.py). The same commands and patches in the same order as when
it ran in the workflow module.

One activity the IPRG agreed, a child of IPR. A reminder before its due date, an
escalation to the IPRG once overdue, repeated (weekly by default) until the owner's
assurance is recorded with its evidence. Tells the IPR each step."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_jsonable_python

    from domain.case.parsing import parse
    from domain.ipr import activity as act
    from workflows.contracts import ActivityInput
    from workflows.notices import tell_parent
    from workflows.shell import (
        Alarm,
        AppliedUpdates,
        Commands,
        command_updates,
        history_too_long,
        stored_input,
    )

COMMANDS: dict[str, type] = {"record_assurance": act.RecordAssurance}
# Continue-as-new only once nothing applied is unsent and the activity is not finished.
CAN_SETTLES_FIRST = "activity-can-settles-first"


class AgreedActivityCore(command_updates(COMMANDS, waiting=False)):  # type: ignore[misc]
    """AgreedActivity without its entry points; its commands are updates declared once
    here (workflows/shell.py `command_updates`)."""

    def _setup(self, raw: Any) -> None:
        self._input: ActivityInput = parse(ActivityInput, raw, stored=stored_input())
        i = self._input
        self._state = i.carried or act.ActivityState(
            activity_id=i.activity_id,
            service_line=i.service_line,
            description=i.description,
            due_on=i.due_on,
            agreed_on=i.agreed_on,
            reminder_days=i.reminder_days,
            repeat_days=i.repeat_days,
        )
        self._pending: list[act.ActivityEvent] = []
        self._alarm = Alarm()
        self._applied = AppliedUpdates(self._input.applied_updates)
        # The updates themselves are declared once, by the base class (command_updates).
        self._commands = Commands(
            COMMANDS,
            decide=act.decide,
            state=lambda: self._state,
            apply=self._apply,
            applied=self._applied,
            register=False,
        )

    async def _run(self) -> str:
        while not self._state.finished:
            self._alarm.arm(act.next_wakeup(self._state))
            await workflow.wait_condition(
                lambda: bool(self._pending) or self._alarm.rang or self._continue_as_new_due()
            )
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(act.on_time_passed(self._state, workflow.now()))
            await self._publish()
            if self._continue_as_new_due() and not self._state.finished:
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._publish()
                if self._unsettled() and workflow.patched(CAN_SETTLES_FIRST):
                    # Something was applied while the last notice was on its way: send
                    # it too, and never carry a finished activity into a new run.
                    while self._pending or not workflow.all_handlers_finished():
                        await workflow.wait_condition(workflow.all_handlers_finished)
                        await self._publish()
                    if self._state.finished:
                        continue
                # Billed (a new run): history would otherwise grow without bound over years of
                # reminders.
                workflow.continue_as_new(
                    replace(
                        self._input,
                        carried=self._state,
                        applied_updates=self._applied.carried(),
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._publish()
        return self._state.status

    def _apply(self, events: list[act.ActivityEvent]) -> None:
        for event in events:
            self._state = act.evolve(self._state, event)
            self._pending.append(event)

    def _unsettled(self) -> bool:
        """After the last publish: an event not yet sent, a handler still running or a
        finished state. Continue-as-new carries the state only: never any of these.
        (With today's handlers, all synchronous, none of these can happen here; old
        histories never take the patch that handles them.)"""
        return bool(self._pending) or not workflow.all_handlers_finished() or self._state.finished

    def _continue_as_new_due(self) -> bool:
        return history_too_long()

    def _notices(self, events: list[act.ActivityEvent]) -> Iterator[tuple[str, dict[str, Any]]]:
        for event in events:
            notice = act.notice_for(event)
            if notice is not None:
                payload = to_jsonable_python({**notice, "activity_id": self._state.activity_id})
                yield notice["kind"], payload

    async def _publish(self) -> None:
        events, self._pending = self._pending, []
        # Billed (sent and received): the IPR must know each reminder, escalation and
        # assurance to close. An IPR that has gone leaves the activity its record.
        await tell_parent(
            self._input.ipr_workflow_id,
            "activity_progress",
            self._notices(events),
            self._input.notice_secret,
            parent="IPR",
        )
