"""UCCase: one durable record per tenancy, from logging to closure.

Thin shell around domain.case: each command is an update whose validator runs
`decide`, so a refused command never reaches history; accepted events are
applied with `evolve`, projected to SQL by an activity, and reflected in
search attributes. The only timer is the case's next deadline.
"""

import contextlib
from dataclasses import replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_jsonable_python

    from activities.forms import form_requests_for
    from activities.records import CaseRow, EventRecord, ProjectionBatch, case_row
    from domain.arrangements.lifecycle import ArrangementPolicy
    from domain.case.commands import COMMANDS, RecordArrangementProgress, RecordMigrationProgress
    from domain.case.deadlines import next_wakeup
    from domain.case.decide import carried_over, decide, notice_refused, on_time_passed, open_case
    from domain.case.events import (
        SYSTEM,
        ArrangementEnded,
        ArrangementRenumbered,
        CaseOpened,
        DeathRecorded,
        Event,
    )
    from domain.case.evolve import describe, evolve, initial_state
    from domain.case.model import ArrangementSummary, CaseState, JournalEntry
    from domain.case.parsing import InvalidCommand, parse
    from domain.case.view import CaseView, search_attributes, view_of
    from domain.dates import business_date
    from domain.errors import DomainError
    from domain.notices import NotFromTheChild, must_come_from_the_child
    from domain.policy import CasePolicy
    from workflows.contracts import (
        ArrangementInput,
        CaseInput,
        CaseOutcome,
        CommandResult,
        MigrationInput,
    )
    from workflows.search_attributes import UC_CASE_KEYS
    from workflows.shell import (
        Alarm,
        AppliedUpdates,
        continued_run,
        decide_command,
        notice_secret,
        parse_command,
        refusal,
    )

# A case whose input brings its policy opens in `@workflow.init`: no local activity,
# and a command in the first workflow task (update-with-start) is applied.
OPENS_IN_INIT = "case-opens-in-init"
# Ids an earlier case of the tenancy may have used before this one takes the next.
_RENUMBER_ATTEMPTS = 100


def case_workflow_id(tenancy_ref: str) -> str:
    return f"uc-case-{tenancy_ref}"


@workflow.defn(name="UCCase")
class UCCase:
    # The input and every command arrive as plain JSON and are parsed here, so a
    # malformed payload is refused naming its field instead of failing the task.
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._invalid_input: InvalidCommand | None = None
        try:
            self._input: CaseInput | None = _checked_input(raw)
        except InvalidCommand as error:
            self._input, self._invalid_input = None, error
        self._state: CaseState | None = self._input.carried if self._input else None
        self._outbox: list[EventRecord] = list(self._input.unprojected) if self._input else []
        self._applied = AppliedUpdates(self._input.applied_updates if self._input else ())
        self._alarm = Alarm()
        self._migration_started = bool(self._input and self._input.migration_started)
        self._arrangements_started = set(self._input.arrangements_started if self._input else ())
        # What each child sends back in its notices (domain/notices.py), by workflow id.
        self._arrangement_secrets = dict(self._input.arrangement_secrets if self._input else {})
        self._migration_secret = self._input.migration_secret if self._input else None
        self._to_stop: list[ArrangementEnded] = []
        self._death_to_tell: DeathRecorded | None = None  # the migration is told once
        # A child started under a new id (renumbered) may signal before the case
        # records that id; its notices wait here until it does.
        self._renumbering: set[str] = set()
        self._early_notices: list[RecordArrangementProgress] = []
        # What the server holds (carried over continue-as-new); only changes are
        # upserted, as each upsert is billed.
        held = workflow.info().typed_search_attributes
        self._published: dict[str, Any] = {n: held.get(k) for n, k in UC_CASE_KEYS.items()}
        policy = self._input.policy if self._input else None
        if self._state is None and policy is not None and workflow.patched(OPENS_IN_INIT):
            assert self._input is not None
            self._open(self._input, policy)
        for name, command_type in COMMANDS.items():
            workflow.set_update_handler(
                name, self._handler(command_type), validator=self._validator(command_type)
            )

    @workflow.run
    async def run(self, raw: Any) -> CaseOutcome:
        if self._input is None:
            assert self._invalid_input is not None
            raise refusal(self._invalid_input)
        opening = self._input
        if self._state is None:
            # An input without a policy (an older client): the case loads it, and
            # commands sent meanwhile wait in their handlers.
            policy = await workflow.execute_local_activity(
                "load_policy", start_to_close_timeout=timedelta(seconds=10), result_type=CasePolicy
            )
            self._open(opening, policy)
        while True:
            self._alarm.arm(next_wakeup(self.state))
            await workflow.wait_condition(
                lambda: bool(self._outbox) or self._alarm.rang or self._continue_as_new_due()
            )
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(on_time_passed(self.state, workflow.now()))
            await self._publish()
            if self.state.migration is not None and not self._migration_started:
                await self._start_migration()
            for arrangement in self.state.arrangements:
                if arrangement.arrangement_id not in self._arrangements_started:
                    await self._start_arrangement(arrangement)
            await self._stop_arrangements()
            await self._stop_migration()
            if self.state.status == "completed":
                break
            if self._continue_as_new_due():
                # Let in-flight updates finish; events applied while the last
                # projection was running travel to the next run, so none is lost.
                await workflow.wait_condition(workflow.all_handlers_finished)
                while self._to_stop or self._death_to_tell:  # signals, not carried over
                    await self._stop_arrangements()
                    await self._stop_migration()
                    await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    replace(
                        opening,
                        carried=carried_over(self.state),
                        unprojected=tuple(self._outbox),
                        migration_started=self._migration_started,
                        arrangements_started=tuple(sorted(self._arrangements_started)),
                        arrangement_secrets=self._arrangement_secrets,
                        migration_secret=self._migration_secret,
                        applied_updates=self._applied.carried(),
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._publish()
        closure = self.state.closure
        return CaseOutcome(
            tenancy_ref=self.state.tenancy_ref,
            status=self.state.status,
            outcome=closure.outcome if closure else None,
            journal_entries=len(self.state.journal),
        )

    @workflow.signal(name="migration_progress")
    def migration_progress(self, raw: Any) -> None:
        """From this case's ManagedMigration child: journal it, escalate or ask for outreach."""
        # A signal cannot be refused, so nothing here may fail the workflow task:
        # a malformed or unexpected one is logged and dropped.
        try:
            command = parse(RecordMigrationProgress, raw, stored=True)
            must_come_from_the_child(self._migration_secret, command.notice_secret)
            self._apply(decide(self.state, command, workflow.now()))
        except NotFromTheChild as refused:
            self._refuse_notice("migration_progress", refused)
        except (DomainError, ApplicationError) as error:
            workflow.logger.warning("migration progress not applied", extra={"rule": str(error)})

    @workflow.signal(name="arrangement_progress")
    def arrangement_progress(self, raw: Any) -> None:
        """From one of this case's PaymentArrangement children."""
        try:
            command = parse(RecordArrangementProgress, raw, stored=True)
            if command.case_key not in (None, _case_key()):
                raise DomainError("case_key", "notice from another case of this tenancy")
            held = self._arrangement_secrets.get(command.arrangement_id)
            must_come_from_the_child(held, command.notice_secret)
            if command.arrangement_id in self._renumbering:
                # From a child whose new id this case has not recorded yet.
                self._early_notices.append(command)
                return
            self._apply(decide(self.state, command, workflow.now()))
        except NotFromTheChild as refused:
            self._refuse_notice("arrangement_progress", refused)
        except (DomainError, ApplicationError) as error:
            workflow.logger.warning("arrangement progress not applied", extra={"rule": str(error)})

    def _refuse_notice(self, notice: str, refused: NotFromTheChild) -> None:
        """Journalled and logged naming the rule; what the notice said is anyone's, so
        neither keeps it."""
        workflow.logger.warning(
            "progress notice refused", extra={"notice": notice, "rule": refused.rule}
        )
        self._apply(notice_refused(notice, refused, workflow.now()))

    @workflow.query(name="case_view")
    def case_view(self) -> CaseView:
        return view_of(self.state, workflow.now())

    @workflow.query(name="journal")
    def journal(self) -> list[JournalEntry]:
        return list(self.state.journal)

    # --- internals -----------------------------------------------------------------

    def _open(self, opening: CaseInput, policy: CasePolicy) -> None:
        [opened] = open_case(opening, workflow.now())
        assert isinstance(opened, CaseOpened)
        self._state = initial_state(opened, policy)
        self._record(opened, self._state)

    @property
    def state(self) -> CaseState:
        if self._state is None:
            raise ApplicationError("the case is still opening; try again", type="CaseOpening")
        return self._state

    def _validator(self, command_type: type) -> Any:
        def validate(raw: Any) -> None:
            if self._applied.earlier_result() is not None:
                return  # a retry: answered with its first result, not decided again
            command = parse_command(command_type, raw)
            if self._invalid_input is not None:
                raise refusal(self._invalid_input)
            if self._state is None:
                # Only while a case from an older client loads its policy: the
                # handler waits for it and applies the rules then.
                return
            self._decide(command)

        return validate

    def _handler(self, command_type: type) -> Any:
        async def handle(raw: Any) -> CommandResult:
            earlier = self._applied.earlier_result()
            if earlier is not None:
                return earlier
            if self._state is None:
                await workflow.wait_condition(lambda: self._state is not None)
            # From here synchronous on purpose: no other update may interleave
            # between the validator's decision and this one.
            command = parse_command(command_type, raw, stored=True)
            events = self._decide(command)
            self._apply(events)
            result = CommandResult(
                version=self.state.version, events=[type(e).__name__ for e in events]
            )
            return self._applied.record(result)

        return handle

    def _decide(self, command: Any) -> list[Event]:
        return decide_command(decide, self.state, command)

    def _apply(self, events: list[Event]) -> None:
        for event in events:
            self._state = evolve(self.state, event)
            self._record(event, self._state)
            if isinstance(event, ArrangementEnded) and (
                event.arrangement_id in self._arrangements_started
            ):
                self._to_stop.append(event)
            if isinstance(event, DeathRecorded) and self.state.migration is not None:
                self._death_to_tell = event

    def _record(self, event: Event, state: CaseState) -> None:
        kind, outcome, text = describe(event)
        self._outbox.append(
            EventRecord(
                seq=state.version,
                type=type(event).__name__,
                at=event.at,
                author=event.by,
                journal_kind=kind,
                journal_outcome=outcome,
                journal_text=text,
                data=to_jsonable_python(event),
            )
        )

    async def _start_arrangement(self, arrangement: ArrangementSummary) -> None:
        self._arrangements_started.add(arrangement.arrangement_id)
        secret = notice_secret()
        if secret is not None:
            # Held even for a request never started: no notice can then claim to be its.
            self._arrangement_secrets[arrangement.arrangement_id] = secret
        if arrangement.status != "requested":
            # Ended before it started (withdrawn, or the resident died): nothing is
            # sent on their behalf (DOMAIN.md 4).
            return
        policy = self.state.policy
        forms = form_requests_for(_case_key(), self.state, arrangement)
        prefix, number = arrangement.arrangement_id.rsplit("-", 1)
        ours = {a.arrangement_id for a in self.state.arrangements}
        candidate = arrangement.arrangement_id
        for n in range(int(number), int(number) + _RENUMBER_ATTEMPTS):
            candidate = f"{prefix}-{n}"
            if candidate != arrangement.arrangement_id and candidate in ours:
                continue
            arrangement_input = ArrangementInput(
                case_workflow_id=workflow.info().workflow_id,
                arrangement_id=candidate,
                kind=arrangement.kind,
                requested_on=business_date(arrangement.requested_at),
                form=forms[-1],
                supporting=forms[:-1],
                policy=ArrangementPolicy(
                    objection_days=policy.arrangement_objection_days,
                    chase_days=policy.arrangement_chase_days,
                    escalate_days=policy.arrangement_escalate_days,
                    review_months=policy.arrangement_review_months,
                ),
                case_key=_case_key(),
                notice_secret=secret,
            )
            if candidate != arrangement.arrangement_id:
                self._renumbering.add(candidate)
            if secret is not None:
                # Before the start: the child's first notice may reach this case in the
                # same activation as the start's result, and signals are handled first.
                self._arrangement_secrets[candidate] = secret
            try:
                await workflow.start_child_workflow(
                    "PaymentArrangement",
                    arrangement_input,
                    id=candidate,
                    # Abandon: it outlives any run of the case; reject duplicates: an
                    # id once used (by this case or an earlier one) is never reused.
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    static_summary=f"Payment arrangement · {arrangement.kind.upper()}",
                )
                break
            except WorkflowAlreadyStartedError:
                # An earlier case of this tenancy used the number; take the next. Its
                # child is not ours and never had this secret.
                if secret is not None:
                    self._arrangement_secrets.pop(candidate, None)
                continue
        else:  # never seen: an earlier case would need 100 requests
            ended = ArrangementEnded(
                at=workflow.now(),
                by=SYSTEM,
                arrangement_id=arrangement.arrangement_id,
                ended_on=business_date(workflow.now()),
                reason=f"not started: every id up to {candidate} is taken; request it again",
                status="withdrawn",
            )
            # Not ours to stop: every id tried belongs to an earlier case.
            self._arrangements_started.discard(arrangement.arrangement_id)
            self._apply([ended])
            self._arrangements_started.add(arrangement.arrangement_id)
            self._renumbering.clear()
            return
        if candidate != arrangement.arrangement_id:
            self._apply(
                [
                    ArrangementRenumbered(
                        at=workflow.now(),
                        by=SYSTEM,
                        arrangement_id=arrangement.arrangement_id,
                        new_id=candidate,
                    )
                ]
            )
            self._arrangements_started.add(candidate)
        self._renumbering.clear()
        early, self._early_notices = self._early_notices, []
        for notice in early:
            try:
                self._apply(decide(self.state, notice, workflow.now()))
            except DomainError as error:
                workflow.logger.warning(
                    "arrangement progress not applied", extra={"rule": str(error)}
                )

    async def _stop_arrangements(self) -> None:
        """Tell running arrangements the case has ended them (a death, a withdrawal,
        arrears cleared), so their chases and reviews stop too."""
        while self._to_stop:
            ended = self._to_stop.pop(0)
            child = workflow.get_external_workflow_handle(ended.arrangement_id)
            stop = {"by": ended.by, "reason": ended.reason, "stopped_on": ended.ended_on}
            try:
                await child.signal("stop", stop)
            except Exception as error:  # already finished: nothing left to stop
                workflow.logger.info(
                    "arrangement not running", extra={"error": type(error).__name__}
                )

    async def _stop_migration(self) -> None:
        """After a death, end the migration child so no reminder or deadline of it
        chases the estate (DOMAIN.md 4)."""
        died, self._death_to_tell = self._death_to_tell, None
        if died is None or not self._migration_started:
            return
        if not workflow.patched("stop-migration-on-death"):
            return  # histories from before this change sent nothing here
        assert self.state.migration is not None
        child = workflow.get_external_workflow_handle(self.state.migration.workflow_id)
        stop = {"by": died.by, "date_of_death": died.date_of_death}
        try:
            await child.signal("stop", stop)
        except Exception as error:  # already finished: nothing left to stop
            workflow.logger.info("migration not running", extra={"error": type(error).__name__})

    async def _start_migration(self) -> None:
        migration, policy = self.state.migration, self.state.policy
        assert migration is not None
        secret = notice_secret()
        if secret is not None:
            # Kept even if the id is taken: only the child this case starts has it.
            self._migration_secret = secret
        migration_input = MigrationInput(
            tenancy_ref=self.state.tenancy_ref,
            case_workflow_id=workflow.info().workflow_id,
            notice_issued=migration.notice_issued,
            deadline_day=migration.deadline_day,
            reissued=migration.reissued,
            tax_credits=migration.tax_credits,
            reminder_days_after_notice=policy.migration_reminder_days_after_notice,
            reminder_days_before_deadline=policy.migration_reminder_days_before_deadline,
            year_shift=policy.simulation_year_shift,
            recorded_on=business_date(workflow.now()),
            notice_secret=secret,
        )
        # Abandon: the migration outlives any run of the case (continue-as-new);
        # reject duplicates: a later run must never start a second one.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await workflow.start_child_workflow(
                "ManagedMigration",
                migration_input,
                id=migration.workflow_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary="Managed migration · deadlines and transitional protection",
            )
        self._migration_started = True

    def _row(self) -> CaseRow:
        return case_row(_case_key(), workflow.info().workflow_id, self.state)

    def _continue_as_new_due(self) -> bool:
        info = workflow.info()
        limit = self.state.policy.continue_as_new_after_events
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit

    async def _publish(self) -> None:
        """Project new events to SQL, then refresh search attributes and details."""
        if self._outbox:
            batch, self._outbox = self._outbox, []
            workflow.logger.info(
                "projecting events",
                extra={
                    "first_seq": batch[0].seq,
                    "last_seq": batch[-1].seq,
                    "events": [e.type for e in batch],
                },
            )
            await workflow.execute_activity(
                "project_case",
                ProjectionBatch(
                    case=case_row(
                        _case_key(),
                        workflow.info().workflow_id,
                        self.state,
                        with_identity=any(e.type == "CaseOpened" for e in batch),
                    ),
                    events=batch,
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
                summary=f"project events {batch[0].seq}-{batch[-1].seq}",
            )
        values = search_attributes(self.state)
        changed = {k: v for k, v in values.items() if self._published[k] != v}
        if changed:
            updates: list[SearchAttributeUpdate[Any]] = [
                UC_CASE_KEYS[k].value_set(v) if v is not None else UC_CASE_KEYS[k].value_unset()
                for k, v in changed.items()
            ]
            workflow.upsert_search_attributes(updates)
            self._published.update(changed)
        workflow.set_current_details(_details(values))  # not billed; kept fresh every run


def _case_key() -> str:
    """The read model's key: stable across continue-as-new, distinct for a later
    case of the same tenancy."""
    info = workflow.info()
    return f"{info.workflow_id}/{info.first_execution_run_id}"


def _checked_input(raw: Any) -> CaseInput:
    """The opening input; state may only be carried into a continued run, and the
    workflow id must be the tenancy's (one case per tenancy)."""
    opening: CaseInput = parse(CaseInput, raw, stored=continued_run())
    info = workflow.info()
    carries = (
        opening.carried
        or opening.unprojected
        or opening.migration_started
        or opening.arrangements_started
        or opening.arrangement_secrets
        or opening.migration_secret
        or opening.applied_updates
    )
    if carries and not info.continued_run_id:
        raise InvalidCommand("carried", "only a continued run of a case carries state")
    expected = case_workflow_id(opening.tenancy_ref)
    if info.workflow_id != expected:
        raise InvalidCommand("tenancy_ref", f"the workflow id must be {expected}")
    return opening


def _details(values: dict[str, Any]) -> str:
    due = values["NextActionDue"]
    lines = [
        f"**Stage** {values['CaseStage']} · **Status** {values['CaseStatus']}",
        f"**Arrears** {values['ArrearsBand']} · **Vulnerability** {values['VulnerabilityTier']}",
        f"**Next action due** {due.isoformat() if due else 'none'}"
        + (" · **ESCALATED**" if values["Escalated"] else ""),
    ]
    return "\n\n".join(lines)
