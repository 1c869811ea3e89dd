"""PaymentArrangement's orchestration: everything but its entry points
(workflows/payment_arrangement.py), imported through `imports_passed_through` so it
is compiled once per worker, not once per cached arrangement (as for UCCase,
workflows/uc_case_core.py). The same commands and patches in the same order as when
it ran in the workflow module.

One APA, MPTL or rent arrears deduction request, a child of UCCase. Generates its
form, submits it through the outbox, then waits on durable timers (objection window,
chase, escalation, reviews) and tells the case."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_jsonable_python

    from activities.forms import FormRequest, StoredForm, structured
    from activities.outbox import Submission, SubmitFormRequest
    from domain.arrangements import lifecycle as life
    from domain.case.parsing import parse
    from domain.errors import DomainError
    from workflows.contracts import ArrangementInput
    from workflows.notices import tell_parent
    from workflows.shell import (
        Alarm,
        AppliedUpdates,
        Commands,
        command_updates,
        decide_command,
        history_too_long,
        stored_input,
    )

COMMANDS: dict[str, type] = {
    "record_objection": life.RecordObjection,
    "record_outcome": life.RecordOutcome,
}
_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


class PaymentArrangementCore(command_updates(COMMANDS, waiting=False)):  # type: ignore[misc]
    """PaymentArrangement without its entry points; its commands are updates declared
    once here (workflows/shell.py `command_updates`)."""

    def _setup(self, raw: Any) -> None:
        self._input: ArrangementInput = parse(ArrangementInput, raw, stored=stored_input())
        self._state = self._input.carried or life.ArrangementState(
            arrangement_id=self._input.arrangement_id,
            kind=self._input.kind,
            requested_on=self._input.requested_on,
            policy=self._input.policy,
        )
        self._pending: list[life.ArrangementEvent] = []
        self._stop_waiting: life.StopArrangement | None = None
        self._alarm = Alarm()
        self._applied = AppliedUpdates(self._input.applied_updates)
        # The updates themselves are declared once, by the base class (command_updates).
        self._commands = Commands(
            COMMANDS,
            decide=life.decide,
            state=lambda: self._state,
            apply=self._apply,
            applied=self._applied,
            register=False,
        )

    async def _run(self) -> str:
        if self._state.status == "requested":
            await self._submit()
            if self._stop_waiting is not None:
                self._stop_now(self._stop_waiting)
        while not self._state.finished:
            self._alarm.arm(life.next_wakeup(self._state))
            await workflow.wait_condition(
                lambda: bool(self._pending) or self._alarm.rang or self._continue_as_new_due()
            )
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(life.on_time_passed(self._state, workflow.now()))
            await self._publish()
            if self._continue_as_new_due() and not self._state.finished:
                while self._pending or not workflow.all_handlers_finished():
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    await self._publish()
                # Billed (a new run): reviews run for years; history stays bounded.
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

    async def _submit(self) -> None:
        """Render the forms and submit the one DWP takes; both activities are
        idempotent, so a retry or a killed worker never produces a second form or
        submission. A submission the channel refuses for good reaches the case as
        an escalation instead of failing this workflow."""
        kept = [await self._generate(f) for f in self._input.supporting]
        form = self._input.form
        stored = await self._generate(form)
        try:
            # Billed: the form must reach DWP; the outbox makes a retry submit nothing twice.
            submission: Submission = await workflow.execute_activity(
                "submit_form",
                SubmitFormRequest(
                    submission_id=f"{self._state.arrangement_id}-1",
                    stored=stored,
                    payload=structured(form),
                ),
                result_type=Submission,
                start_to_close_timeout=timedelta(seconds=20),
                retry_policy=_RETRY,
                summary=f"submit {form.form}",
            )
        except ActivityError as error:
            cause = error.cause
            if not (isinstance(cause, ApplicationError) and cause.type == "SubmissionRefused"):
                raise
            refused = life.RecordSubmissionFailure(by="system", reason=cause.message)
            self._apply(decide_command(life.decide, self._state, refused))
            return
        pack = kept[0] if kept else None
        command = life.RecordSubmission(
            by="system",
            reference=submission.reference,
            form_sha256=stored.sha256,
            form_path=stored.pdf_path,
            pack_sha256=pack.sha256 if pack else "",
            pack_path=pack.pdf_path if pack else "",
        )
        self._apply(decide_command(life.decide, self._state, command))

    async def _generate(self, form: FormRequest) -> StoredForm:
        # Billed: the UC47/APA1 is rendered and stored once, from the facts in the request.
        stored: StoredForm = await workflow.execute_activity(
            "generate_form",
            form,
            result_type=StoredForm,
            # Rendering and filing take under a second: a short timeout retries a
            # crashed worker's attempt quickly, and both steps are idempotent.
            start_to_close_timeout=timedelta(seconds=20),
            retry_policy=_RETRY,
            summary=f"generate {form.form}",
        )
        return stored

    def _on_stop(self, raw: Any) -> None:
        """From the case: the request is withdrawn or the arrangement has ended (a
        death, arrears cleared, DWP stopped it). Chases and reviews stop with it."""
        try:
            command = parse(life.StopArrangement, raw, stored=True)
        except (DomainError, ApplicationError) as error:
            workflow.logger.warning("stop not applied", extra={"rule": str(error)})
            return
        if self._state.status == "requested":
            # Mid-submission: the form may already be with DWP, so the submission
            # is recorded first and the request withdrawn after it.
            self._stop_waiting = command
        else:
            self._stop_now(command)

    def _stop_now(self, command: life.StopArrangement) -> None:
        try:
            self._apply(decide_command(life.decide, self._state, command))
        except (DomainError, ApplicationError) as error:
            workflow.logger.warning("stop not applied", extra={"rule": str(error)})

    def _apply(self, events: list[life.ArrangementEvent]) -> None:
        for event in events:
            self._state = life.evolve(self._state, event)
            self._pending.append(event)

    def _continue_as_new_due(self) -> bool:
        return history_too_long()

    def _notices(self, events: list[life.ArrangementEvent]) -> Iterator[tuple[str, dict[str, Any]]]:
        for event in events:
            notice = life.notice_for(self._state, event)
            if notice is not None:
                yield (
                    notice.kind,
                    {
                        **to_jsonable_python(notice),
                        "status": self._state.status,
                        "arrangement_id": self._state.arrangement_id,
                        "case_key": self._input.case_key,
                        "active": not self._state.finished,
                    },
                )

    async def _publish(self) -> None:
        events, self._pending = self._pending, []
        # Billed (sent and received): the case journals and escalates on each step.
        await tell_parent(
            self._input.case_workflow_id,
            "arrangement_progress",
            self._notices(events),
            self._input.notice_secret,
        )
