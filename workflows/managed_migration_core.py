"""ManagedMigration's orchestration: everything but its entry points
(workflows/managed_migration.py), imported through `imports_passed_through` so it is
compiled once per worker, not once per cached migration (as for UCCase,
workflows/uc_case_core.py). The same commands and patches in the same order as when
it ran in the workflow module.

A child of UCCase from the migration notice to the end of transitional protection.
Its deadlines are durable timers (one armed at a time); what the case must know goes
to it as `migration_progress` signals."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_jsonable_python

    from domain.case.parsing import parse
    from domain.dates import start_of_day
    from domain.migration.commands import MIGRATION_COMMANDS, ResidentDied
    from domain.migration.decide import decide, evolve, next_wakeup, on_time_passed, start_migration
    from domain.migration.events import MigrationEvent
    from domain.migration.journal import notice_for
    from domain.migration.model import MigrationState
    from workflows.contracts import MigrationInput, MigrationOutcome
    from workflows.notices import tell_parent
    from workflows.search_attributes import MIGRATION_KEYS
    from workflows.shell import (
        Alarm,
        AppliedUpdates,
        AttributeMirror,
        Commands,
        command_updates,
        decide_command,
        history_too_long,
        parse_command,
        stored_input,
    )


class ManagedMigrationCore(command_updates(MIGRATION_COMMANDS, waiting=False)):  # type: ignore[misc]
    """ManagedMigration without its entry points; its commands are updates declared
    once here (workflows/shell.py `command_updates`)."""

    def _setup(self, raw: Any) -> None:
        self._input: MigrationInput = parse(MigrationInput, raw, stored=stored_input())
        self._state: MigrationState = self._input.carried or start_migration(
            tenancy_ref=self._input.tenancy_ref,
            case_workflow_id=self._input.case_workflow_id,
            notice_issued=self._input.notice_issued,
            deadline_day=self._input.deadline_day,
            reissued=self._input.reissued,
            tax_credits=self._input.tax_credits,
            reminder_days_after_notice=self._input.reminder_days_after_notice,
            reminder_days_before_deadline=self._input.reminder_days_before_deadline,
            year_shift=self._input.year_shift,
            recorded_on=self._input.recorded_on,
        )
        self._pending: list[MigrationEvent] = []
        self._alarm = Alarm()
        self._applied = AppliedUpdates(self._input.applied_updates)
        self._attributes = AttributeMirror(MIGRATION_KEYS)
        # The updates themselves are declared once, by the base class (command_updates).
        self._commands = Commands(
            MIGRATION_COMMANDS,
            decide=decide,
            state=lambda: self._state,
            apply=self._apply,
            applied=self._applied,
            register=False,
        )

    async def _run(self) -> MigrationOutcome:
        if workflow.patched("search-attributes-at-start"):
            # Deadlines are searchable from the first moment (migrations started
            # before this patch publish them at their first event).
            await self._publish()
        while True:
            self._alarm.arm(next_wakeup(self._state))
            await workflow.wait_condition(
                lambda: bool(self._pending) or self._alarm.rang or self._continue_as_new_due()
            )
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(on_time_passed(self._state, workflow.now()))
            await self._publish()
            if self._state.completed:
                break
            if self._continue_as_new_due():
                # Tell the case everything before the boundary: an update accepted
                # while publishing adds more to send.
                while self._pending or not workflow.all_handlers_finished():
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    await self._publish()
                # Billed (a new run): protection is followed for years; history stays bounded.
                workflow.continue_as_new(
                    replace(
                        self._input,
                        carried=self._state,
                        applied_updates=self._applied.carried(),
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._publish()
        return MigrationOutcome(
            tenancy_ref=self._state.tenancy_ref,
            status=self._state.status,
            protection=self._state.protection,
            reason=self._state.protection_ended_reason,
        )

    def _on_stop(self, raw: Any) -> None:
        """From the case, when the resident's death is recorded: the migration ends,
        its reminders with it. A signal cannot be refused: a bad one is logged."""
        try:
            self._apply(self._decide(parse_command(ResidentDied, raw, stored=True)))
        except ApplicationError as error:
            workflow.logger.warning("stop not applied", extra={"rule": str(error)})

    def _decide(self, command: Any) -> list[MigrationEvent]:
        return decide_command(decide, self._state, command)

    def _apply(self, events: list[MigrationEvent]) -> None:
        for event in events:
            self._state = evolve(self._state, event)
            self._pending.append(event)

    def _continue_as_new_due(self) -> bool:
        return history_too_long()

    def _notices(self, events: list[MigrationEvent]) -> Iterator[tuple[str, dict[str, Any]]]:
        for event in events:
            notice = notice_for(event)
            if notice is not None:
                yield (
                    notice.kind,
                    {
                        **to_jsonable_python(notice),
                        "status": self._state.status,
                        "protection": self._state.protection,
                        "active": not self._state.completed,
                    },
                )

    async def _publish(self) -> None:
        """Tell the case what it must know, then refresh search attributes."""
        events, self._pending = self._pending, []
        # Billed (sent and received): the case journals, escalates or asks for outreach
        # on each step. A case that has gone (completed, terminated) does not stop the
        # migration: protection is still tracked here.
        await tell_parent(
            self._state.case_workflow_id,
            "migration_progress",
            self._notices(events),
            self._input.notice_secret,
        )
        values = search_attributes(self._state)
        self._attributes.publish(values)


def search_attributes(state: MigrationState) -> dict[str, Any]:
    return {
        "MigrationDeadline": start_of_day(state.deadline_day),
        "FinalDeadline": start_of_day(state.final_deadline),
        "MigrationStatus": state.status,
        "ProtectionStatus": state.protection,
    }
