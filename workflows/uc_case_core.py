"""UCCase's orchestration: everything but its entry points (workflows/uc_case.py).

The sandbox re-imports a workflow's own module for every workflow it runs, so the
code kept there is compiled (or unmarshalled) and held once per cached case. The
entry points stay in the workflow module; what they do lives here, imported
through `imports_passed_through` like workflows/shell.py, so it exists once per
worker. Nothing here is different from what ran in the workflow module: the same
commands in the same order (the replay test over tests/histories/ checks it).

Thin shell around domain.case: each command is an update whose validator runs
`decide`, so a refused command never reaches history; accepted events are
applied with `evolve`, projected to SQL by an activity, and reflected in
search attributes. The only timer is the case's next deadline.
"""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_jsonable_python

    from activities.forms import FormRequest, form_requests_for
    from activities.records import (
        CaseRow,
        EventRecord,
        ProjectionBatch,
        ProjectionResult,
        case_row,
    )
    from domain.arrangements.lifecycle import ArrangementPolicy
    from domain.case.commands import (
        COMMANDS,
        RecordArrangementProgress,
        RecordMigrationProgress,
        RequestPaymentArrangement,
    )
    from domain.case.deadlines import next_wakeup
    from domain.case.decide import (
        child_not_started,
        decide,
        journal_carried,
        notice_refused,
        on_time_passed,
        open_case,
    )
    from domain.case.details import current_details
    from domain.case.events import (
        SYSTEM,
        ArrangementEnded,
        ArrangementRenumbered,
        CaseOpened,
        DeathRecorded,
        Event,
        JournalNoteAdded,
    )
    from domain.case.evolve import evolve, initial_state
    from domain.case.journal import entry
    from domain.case.model import ArrangementSummary, CaseState, JournalEntry
    from domain.case.parsing import InvalidCommand, parse
    from domain.case.view import search_attributes
    from domain.dates import business_date
    from domain.errors import DomainError
    from domain.notices import NotFromTheChild, must_come_from_the_child
    from domain.policy import CasePolicy
    from workflows.contracts import (
        ArrangementInput,
        CaseInput,
        CaseOutcome,
        MigrationInput,
    )
    from workflows.ids import case_children, case_workflow_id, is_scoped
    from workflows.projector import (
        BATCH_LIMIT,
        PROJECTS_IN_BACKGROUND,
        ROUND,
        ROUND_TIMEOUT,
        Lag,
    )
    from workflows.search_attributes import UC_CASE_KEYS
    from workflows.shell import (
        DUPLICATE_ID,
        REFUSED_START_RECORDED,
        Alarm,
        AppliedUpdates,
        AttributeMirror,
        Commands,
        command_updates,
        history_too_long,
        id_scope,
        notice_secret,
        refusal,
        stored_input,
    )

# A case whose input brings its policy opens in `@workflow.init`: no local activity,
# and a command in the first workflow task (update-with-start) is applied.
OPENS_IN_INIT = "case-opens-in-init"
# A rent arrears deduction request meets the legal conditions of C&P Regs Schedule 6
# paragraph 7 and the guidance level of arrears (docs/rules.md#third-party-deductions).
TPD_CONDITIONS = "tpd-legal-conditions"


def _decide(state: CaseState, command: Any, now: datetime) -> list[Event]:
    """`decide` for the case's commands. A validator always applies today's rules to a
    rent arrears deduction request; its handler, only where the run has taken the
    patch (taken on that path alone), so a request accepted before the conditions
    were enforced replays as it ran."""
    legacy = (
        isinstance(command, RequestPaymentArrangement)
        and command.kind == "tpd"
        and not workflow.unsafe.is_read_only()
        and not workflow.patched(TPD_CONDITIONS)
    )
    return decide(state, command, now, tpd_conditions=not legacy)


# Ids an earlier case of the tenancy may have used before this one takes the next:
# only for arrangement ids from before ids were per case (IDS_PER_CASE).
_RENUMBER_ATTEMPTS = 100


class UCCaseCore(command_updates(COMMANDS, waiting=True)):  # type: ignore[misc]
    """UCCase (workflows/uc_case.py) without its entry points; its commands are
    updates declared once here (workflows/shell.py `command_updates`)."""

    # The input and every command arrive as plain JSON and are parsed here, so a
    # malformed payload is refused naming its field instead of failing the task.
    def _setup(self, raw: Any) -> None:
        self._invalid_input: InvalidCommand | None = None
        try:
            self._input: CaseInput | None = _checked_input(raw)
        except InvalidCommand as error:
            self._input, self._invalid_input = None, error
        self._state: CaseState | None = self._input.carried if self._input else None
        self._outbox: list[EventRecord] = list(self._input.unprojected) if self._input else []
        # What the journal query serves: each event's entry, written as it is applied
        # (domain/case/journal.py); a continued run starts with the latest.
        self._journal: list[JournalEntry] = list(self._input.journal) if self._input else []
        self._applied = AppliedUpdates(self._input.applied_updates if self._input else ())
        self._alarm = Alarm()
        self._migration_started = bool(self._input and self._input.migration_started)
        self._arrangements_started = set(self._input.arrangements_started if self._input else ())
        # What each child sends back in its notices (domain/notices.py), by workflow id.
        self._arrangement_secrets = dict(self._input.arrangement_secrets if self._input else {})
        self._migration_secret = self._input.migration_secret if self._input else None
        self._to_stop: list[ArrangementEnded] = []
        self._death_to_tell: DeathRecorded | None = None  # the migration is told once
        # A child started under a new id (renumbered: ids from before ids were per
        # case only) may signal before the case records that id; its notices wait
        # here until it does.
        self._renumbering: set[str] = set()
        self._early_notices: list[RecordArrangementProgress] = []
        self._attributes = AttributeMirror(UC_CASE_KEYS)
        # The projector (workflows/projector.py): events wait in the outbox until the
        # read model has them; those it refuses for their values wait in set_aside.
        self._changed = True
        self._set_aside: list[EventRecord] = list(self._input.set_aside if self._input else ())
        self._lag = Lag("UCCase", self._input.projection_failures if self._input else 0)
        self._retry_set_aside = False
        self._projecting = False
        self._stopping = False
        policy = self._input.policy if self._input else None
        if self._state is None and policy is not None and workflow.patched(OPENS_IN_INIT):
            assert self._input is not None
            self._open(self._input, policy)
        # The updates themselves are declared once, by the base class (command_updates).
        self._commands = Commands(
            COMMANDS,
            decide=_decide,
            state=lambda: self.state,
            apply=self._apply,
            applied=self._applied,
            refuse=self._refuse_if_invalid,
            # Only while a case from an older client loads its policy.
            ready=lambda: self._state is not None,
            register=False,
        )

    async def _run(self) -> CaseOutcome:
        if self._input is None:
            assert self._invalid_input is not None
            raise refusal(self._invalid_input)
        opening = self._input
        if self._state is None:
            # An input without a policy (an older client): the case loads it, and
            # commands sent meanwhile wait in their handlers.
            # Billed once: only cases whose client sent no policy (older clients) read the file.
            policy = await workflow.execute_local_activity(
                "load_policy", start_to_close_timeout=timedelta(seconds=10), result_type=CasePolicy
            )
            self._open(opening, policy)
        # Projection runs beside the main loop, which never waits on the read model.
        background = workflow.patched(PROJECTS_IN_BACKGROUND)
        if background:
            projector = asyncio.create_task(self._project_in_background())
        while True:
            self._alarm.arm(next_wakeup(self.state))
            await workflow.wait_condition(
                lambda: (
                    (self._changed if background else bool(self._outbox))
                    or self._alarm.rang
                    or self._continue_as_new_due()
                    or (background and projector.done())
                )
            )
            if background and projector.done():
                projector.result()  # a bug there fails the task (retried), never silently
            self._changed = False
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(on_time_passed(self.state, workflow.now()))
            if background:
                self._refresh_attributes()
            else:
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
                if background:
                    # No new attempt starts; one in flight ends (its result would be
                    # lost, and the batch sent twice). Bounded by one round.
                    self._stopping = True
                    await workflow.wait_condition(lambda: not self._projecting)
                    projector.cancel()
                # Billed (a new run): a case lives for years; history stays bounded.
                workflow.continue_as_new(
                    replace(
                        opening,
                        carried=self.state,
                        journal=journal_carried(self.state, self._journal),
                        unprojected=tuple(self._outbox),
                        migration_started=self._migration_started,
                        arrangements_started=tuple(sorted(self._arrangements_started)),
                        arrangement_secrets=self._arrangement_secrets,
                        migration_secret=self._migration_secret,
                        applied_updates=self._applied.carried(),
                        set_aside=tuple(self._set_aside),
                        projection_failures=self._lag.failed_rounds,
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        if background:
            # The closure reaches the read model before the case ends; what it
            # refused is tried once more, then reported in the outcome.
            self._refresh_attributes()
            self._retry_set_aside = bool(self._set_aside)
            await workflow.wait_condition(
                lambda: not self._outbox and not self._retry_set_aside and not self._projecting
            )
            projector.cancel()
        else:
            await self._publish()
        closure = self.state.closure
        return CaseOutcome(
            tenancy_ref=self.state.tenancy_ref,
            status=self.state.status,
            outcome=closure.outcome if closure else None,
            journal_entries=len(self._journal),
            set_aside=[r.seq for r in self._set_aside],
        )

    def _on_migration_progress(self, raw: Any) -> None:
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

    def _on_arrangement_progress(self, raw: Any) -> None:
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

    # --- internals -----------------------------------------------------------------

    def _open(self, opening: CaseInput, policy: CasePolicy) -> None:
        [opened] = open_case(opening, workflow.now())
        assert isinstance(opened, CaseOpened)
        children = case_children(opened.tenancy_ref, id_scope())
        self._state = initial_state(opened, policy, children)
        self._record(opened, self._state)

    @property
    def state(self) -> CaseState:
        if self._state is None:
            raise _still_opening()
        return self._state

    def _served_journal(self) -> list[JournalEntry]:
        """What the journal query serves: the entries carried in, then one per event
        applied. Refused while the case is still opening, as its view is."""
        if self._state is None:
            raise _still_opening()
        return list(self._journal)

    def _refuse_if_invalid(self) -> None:
        if self._invalid_input is not None:
            raise refusal(self._invalid_input)

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
        self._changed = True
        said = entry(event, state.version)
        self._journal.append(said)
        self._outbox.append(
            EventRecord(
                seq=said.seq,
                type=type(event).__name__,
                at=said.at,
                author=said.author,
                journal_kind=said.kind,
                journal_outcome=said.outcome,
                journal_text=said.text,
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
            # sent on their behalf (docs/rules.md#safeguards).
            return
        forms = form_requests_for(_case_key(), self.state, arrangement)
        if not is_scoped(arrangement.arrangement_id):
            await self._start_renumbering(arrangement, forms, secret)
            return
        # An id unique to this case: started once, under the id the case recorded.
        try:
            await self._start_child_arrangement(
                arrangement, arrangement.arrangement_id, forms, secret
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.warning("arrangement not started: its id is taken")
            # Not ours to stop: the workflow under this id is not this case's child.
            self._arrangements_started.discard(arrangement.arrangement_id)
            self._apply(
                child_not_started(
                    self.state, arrangement.arrangement_id, DUPLICATE_ID, workflow.now()
                )
            )
            self._arrangements_started.add(arrangement.arrangement_id)

    async def _start_child_arrangement(
        self,
        arrangement: ArrangementSummary,
        child_id: str,
        forms: tuple[FormRequest, ...],
        secret: str | None,
    ) -> None:
        policy = self.state.policy
        arrangement_input = ArrangementInput(
            case_workflow_id=workflow.info().workflow_id,
            arrangement_id=child_id,
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
        if secret is not None:
            # Before the start: the child's first notice may reach this case in the
            # same activation as the start's result, and signals are handled first.
            self._arrangement_secrets[child_id] = secret
        # Billed (2): each request has its own form, submission, timers and reviews.
        await workflow.start_child_workflow(
            "PaymentArrangement",
            arrangement_input,
            id=child_id,
            # Abandon: it outlives any run of the case; reject duplicates: an id once
            # used is never reused.
            parent_close_policy=ParentClosePolicy.ABANDON,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"Payment arrangement · {arrangement.kind.upper()}",
        )

    async def _start_renumbering(
        self,
        arrangement: ArrangementSummary,
        forms: tuple[FormRequest, ...],
        secret: str | None,
    ) -> None:
        """Arrangement ids from before ids were per case (`uc-apa-<ref>-<n>`): an
        earlier case of the tenancy may hold the number, so the next free one is
        taken and journalled. Kept so that those cases replay as they ran."""
        prefix, number = arrangement.arrangement_id.rsplit("-", 1)
        ours = {a.arrangement_id for a in self.state.arrangements}
        candidate = arrangement.arrangement_id
        for n in range(int(number), int(number) + _RENUMBER_ATTEMPTS):
            candidate = f"{prefix}-{n}"
            if candidate != arrangement.arrangement_id and candidate in ours:
                continue
            if candidate != arrangement.arrangement_id:
                self._renumbering.add(candidate)
            try:
                await self._start_child_arrangement(arrangement, candidate, forms, secret)
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
                # Billed: an ended arrangement stops chases and reviews (docs/rules.md#safeguards).
                await child.signal("stop", stop)
            except Exception as error:  # already finished: nothing left to stop
                workflow.logger.info(
                    "arrangement not running", extra={"error": type(error).__name__}
                )

    async def _stop_migration(self) -> None:
        """After a death, end the migration child so no reminder or deadline of it
        chases the estate (docs/rules.md#safeguards)."""
        died, self._death_to_tell = self._death_to_tell, None
        if died is None or not self._migration_started:
            return
        if self.state.migration is not None and self.state.migration.status == "not_started":
            return  # the id belongs to a workflow this case never started
        if not workflow.patched("stop-migration-on-death"):
            return  # histories from before this change sent nothing here
        assert self.state.migration is not None
        child = workflow.get_external_workflow_handle(self.state.migration.workflow_id)
        stop = {"by": died.by, "date_of_death": died.date_of_death}
        try:
            # Billed: after a death no migration reminder may chase the estate
            # (docs/rules.md#safeguards).
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
        # Tried once, started or not: the loop never starts it again.
        self._migration_started = True
        try:
            # Billed (2): the migration outlives the case (protection is followed after
            # it closes: tested), so it is a workflow of its own, not the case's timers.
            # Abandon: the migration outlives any run of the case (continue-as-new);
            # reject duplicates: a later run must never start a second one.
            await workflow.start_child_workflow(
                "ManagedMigration",
                migration_input,
                id=migration.workflow_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary="Managed migration · deadlines and transitional protection",
            )
        except WorkflowAlreadyStartedError:
            # Per-case ids make this an odd path (an id taken outside this case); a
            # case from before ids were per case met it on every second case.
            workflow.logger.warning("migration not started: its id is taken")
            if workflow.patched(REFUSED_START_RECORDED):
                self._apply(
                    child_not_started(
                        self.state, migration.workflow_id, DUPLICATE_ID, workflow.now()
                    )
                )

    def _row(self) -> CaseRow:
        return case_row(_case_key(), workflow.info().workflow_id, self.state)

    def _continue_as_new_due(self) -> bool:
        # The policy's limit counts the event that reaches it.
        return history_too_long(self.state.policy.continue_as_new_after_events - 1)

    async def _project_in_background(self) -> None:
        """Drain the outbox into the read model, in order, for as long as the run lasts.
        An event leaves the outbox only once stored (or set aside), so a failure, a
        killed worker or a continue-as-new loses none."""
        while True:
            try:
                await workflow.wait_condition(
                    lambda: (bool(self._outbox) or self._retry_set_aside) and not self._stopping,
                    timeout=self._lag.retry_timeout(bool(self._set_aside)),
                )
            except TimeoutError:
                self._retry_set_aside = True  # a day on: perhaps a fix is deployed
                self._lag.retry_due()
                continue
            retrying = self._retry_set_aside and bool(self._set_aside)
            fresh = self._outbox[:BATCH_LIMIT]
            batch = sorted([*self._set_aside, *fresh] if retrying else fresh, key=lambda r: r.seq)
            self._projecting = True
            try:
                # Billed per batch (events since the last): the read model operators and reports
                # use.
                result: ProjectionResult = await workflow.execute_activity(
                    "project_case",
                    self._batch(batch),
                    result_type=ProjectionResult,
                    start_to_close_timeout=ROUND_TIMEOUT,
                    retry_policy=ROUND,
                    summary=_projection_summary(batch),
                )
            except ActivityError as error:
                self._projecting = False
                await self._lag.wait_out(
                    error,
                    lambda: self._note(
                        "behind",
                        "the read model is not taking this case's events; "
                        "deadlines and escalations go on, and it catches up when it can",
                    ),
                    behind=len(self._outbox) + len(self._set_aside),
                )
                continue
            self._projecting = False
            del self._outbox[: len(fresh)]
            refused = {s.seq: s for s in result.set_aside}
            held = {r.seq for r in self._set_aside}
            if retrying:
                self._set_aside, self._retry_set_aside = [], False
            newly = [r for r in batch if r.seq in refused and r.seq not in held]
            self._set_aside += [r for r in batch if r.seq in refused and r not in self._set_aside]
            if newly:
                self._lag.set_aside(len(newly))
                for record in newly:
                    self._note(
                        "set_aside",
                        f"event {record.seq} ({record.type}) set aside: the read model "
                        f"refused it ({refused[record.seq].reason}); tried again daily",
                    )
            rounds = self._lag.caught_up()
            if rounds:
                self._note("caught_up", f"the read model caught up after {rounds} failed rounds")
            self._lag.publish(len(self._outbox) + len(self._set_aside))

    def _batch(self, events: list[EventRecord]) -> ProjectionBatch:
        """The events with the case row as it stands; the resident's identity only in
        the batch that opens the case (docs/rules.md#personal-data)."""
        row = case_row(
            _case_key(),
            workflow.info().workflow_id,
            self.state,
            with_identity=any(e.type == "CaseOpened" for e in events),
        )
        return ProjectionBatch(case=row, events=events)

    def _note(self, outcome: str, text: str) -> None:
        """A journal entry about the read model (the case's own record of its lag)."""
        self._apply(
            [
                JournalNoteAdded(
                    at=workflow.now(), by=SYSTEM, kind="read_model", text=text, outcome=outcome
                )
            ]
        )

    async def _publish(self) -> None:
        """Runs from before projection moved off the main loop: project new events
        to SQL, then refresh search attributes and details."""
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
            # Billed per batch (runs from before the projector only).
            await workflow.execute_activity(
                "project_case",
                self._batch(batch),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
                summary=_projection_summary(batch),
            )
        self._refresh_attributes()

    def _refresh_attributes(self) -> None:
        values = search_attributes(self.state)
        self._attributes.publish(values)
        # Not billed; kept fresh every run (domain/case/details.py says what it holds).
        workflow.set_current_details(current_details(self.state, workflow.now()))


def _still_opening() -> ApplicationError:
    return ApplicationError("the case is still opening; try again", type="CaseOpening")


def _case_key() -> str:
    """The read model's key: stable across continue-as-new, distinct for a later
    case of the same tenancy."""
    info = workflow.info()
    return f"{info.workflow_id}/{info.first_execution_run_id}"


def _checked_input(raw: Any) -> CaseInput:
    """The opening input; state may only be carried into a continued run, and the
    workflow id must be the tenancy's (one case per tenancy)."""
    opening: CaseInput = parse(CaseInput, raw, stored=stored_input())
    info = workflow.info()
    carries = (
        opening.carried
        or opening.journal
        or opening.unprojected
        or opening.migration_started
        or opening.arrangements_started
        or opening.arrangement_secrets
        or opening.migration_secret
        or opening.applied_updates
        or opening.set_aside
        or opening.projection_failures
    )
    if carries and not info.continued_run_id:
        raise InvalidCommand("carried", "only a continued run of a case carries state")
    expected = case_workflow_id(opening.tenancy_ref)
    if info.workflow_id != expected:
        raise InvalidCommand("tenancy_ref", f"the workflow id must be {expected}")
    return opening


def _projection_summary(batch: list[EventRecord]) -> str:
    """What the Web UI shows on a projection activity: what happened, in words
    ("read model: call back requested, journal note added"), not sequence numbers."""
    kinds = list(dict.fromkeys(_words(e.type) for e in batch))
    shown = ", ".join(kinds[:4]) + (f" and {len(kinds) - 4} more" if len(kinds) > 4 else "")
    return f"read model: {shown}"


def _words(event_type: str) -> str:
    """`CallBackRequested` -> `call back requested`."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in event_type).strip()
