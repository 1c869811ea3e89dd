"""IPR's orchestration: everything but its entry points (workflows/ipr.py).

The sandbox re-imports a workflow's own module for every workflow it runs, so the
code kept there is compiled and held once per cached IPR. The entry points stay in
the workflow module; what they do lives here, imported through
`imports_passed_through` (once per worker), as for UCCase (workflows/uc_case_core.py).
Nothing here is different from what ran in the workflow module: the same commands
and patches in the same order (the replay test over tests/histories/ checks it).

Thin shell around domain.ipr: each command is an update whose validator runs
`decide`, so a refused one never reaches history. Screening decides the criteria;
not met, an activity writes the referrer's feedback and shares the case with the
ACSSL list and the IPR closes as not accepted. Agreed activities run as children
(`AgreedActivity`). The read model gets an anonymised projection after each change.
"""

import asyncio
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from pydantic_core import to_jsonable_python

    from activities.ipr_records import FeedbackRequest, FeedbackResult, ipr_projection
    from domain.case.parsing import InvalidCommand, parse
    from domain.errors import DomainError
    from domain.ipr import commands as c
    from domain.ipr.decide import (
        activity_not_started,
        check_referral,
        decide,
        evolve,
        initial_state,
        next_wakeup,
        notice_refused,
        on_time_passed,
    )
    from domain.ipr.details import current_details
    from domain.ipr.events import SYSTEM, IprEvent, ReadModelNoted, TargetBreached
    from domain.ipr.journal import entry, referred
    from domain.ipr.model import AgreedActivity as Activity
    from domain.ipr.model import IprPolicy, IprState, JournalEntry
    from domain.notices import NotFromTheChild, must_come_from_the_child
    from domain.policy import CasePolicy
    from infra import metrics
    from workflows.contracts import ActivityInput, IprInput
    from workflows.ids import ipr_children, ipr_workflow_id
    from workflows.projector import (
        PROJECTS_IN_BACKGROUND,
        ROUND,
        ROUND_TIMEOUT,
        Lag,
        refused_value,
    )
    from workflows.search_attributes import IPR_KEYS
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

_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
# `ServiceLines` holds the case's primary service lines only (docs/rules.md#ipr-publication).
PRIMARY_LINES = "ipr-primary-service-lines"


@dataclass(frozen=True)
class IprOutcome:
    stage: str
    accepted: bool | None
    closed_on: date | None


class IPRCore(command_updates(c.COMMANDS, waiting=False)):  # type: ignore[misc]
    """IPR (workflows/ipr.py) without its entry points; its commands are updates
    declared once here (workflows/shell.py `command_updates`)."""

    def _setup(self, raw: Any) -> None:
        self._refused: DomainError | None = None
        self._input: IprInput | None = None
        self._state: IprState | None = None
        # What the journal query serves: the referral's entry, then each event's,
        # written as it is applied (domain/ipr/journal.py); carried whole.
        self._journal: list[JournalEntry] = []
        try:
            self._input = _checked_input(raw)
            self._state = self._input.carried
            self._journal = list(self._input.journal)
            if self._state is None:
                if not stored_input():  # the rules of its day, not of a later deploy
                    check_referral(self._input, workflow.now())
                policy = self._input.policy or IprPolicy()
                children = ipr_children(self._input.reference, id_scope())
                self._state = initial_state(self._input, workflow.now(), policy, children)
                self._journal = [referred(self._input, workflow.now())]
        except DomainError as error:
            self._refused = error
        self._changed = True
        self._alarm = Alarm()
        self._applied = AppliedUpdates(self._input.applied_updates if self._input else ())
        self._started = set(self._input.activities_started if self._input else ())
        # What each child sends back in its notices (domain/notices.py), by activity id.
        self._secrets = dict(self._input.activity_secrets if self._input else {})
        self._attributes = AttributeMirror(IPR_KEYS)
        # The projector (workflows/projector.py): the version the read model holds, a
        # version it refused for a value (set aside until a newer one or a retry).
        self._lag = Lag("IPR", self._input.projection_failures if self._input else 0)
        self._projected = 0
        self._refused_version: int | None = None
        self._retry_set_aside = False
        self._projecting = False
        self._stopping = False
        # The updates themselves are declared once, by the base class (command_updates).
        self._commands = Commands(
            c.COMMANDS,
            decide=decide,
            state=lambda: self.state,
            apply=self._apply,
            applied=self._applied,
            refuse=self._refuse_if_refused,
            register=False,
        )

    async def _run(self) -> IprOutcome:
        if self._refused is not None or self._input is None:
            assert self._refused is not None
            raise refusal(self._refused)
        if (
            self._input.carried is None
            and self._input.policy is None
            and workflow.patched("ipr-policy-from-file")
        ):
            # The operator's targets, as a local activity so replay never re-reads a
            # file that may have changed since; a bad file fails the referral at once.
            # Billed once: only reviews whose client sent no policy (older clients) read the file.
            policy = await workflow.execute_local_activity(
                "load_policy", start_to_close_timeout=timedelta(seconds=10), result_type=CasePolicy
            )
            self._state = replace(self.state, policy=policy.ipr)
        # Projection runs beside the main loop, which never waits on the read model.
        background = workflow.patched(PROJECTS_IN_BACKGROUND)
        if background:
            projector = asyncio.create_task(self._project_in_background())
        while True:
            self._alarm.arm(next_wakeup(self.state))
            await workflow.wait_condition(
                lambda: (
                    self._changed
                    or self._alarm.rang
                    or self._continue_as_new_due()
                    or (background and projector.done())
                )
            )
            if background and projector.done():
                projector.result()  # a bug there fails the task (retried), never silently
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(on_time_passed(self.state, workflow.now()))
            if background:
                self._changed = False
                self._refresh_attributes()
            else:
                await self._publish()
            for activity in self.state.activities:
                if activity.activity_id in self._started:
                    continue
                if activity.status == "assured":
                    # Agreed already assured (an imported review): nothing to follow up.
                    self._started.add(activity.activity_id)
                    continue
                await self._start_activity(activity)
            if self.state.stage == "not_accepted" and self.state.feedback_path is None:
                await self._send_feedback()
                continue
            if self.state.finished:
                break
            if self._continue_as_new_due():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if background:
                    # The next run projects its state first; an attempt in flight ends.
                    self._stopping = True
                    await workflow.wait_condition(lambda: not self._projecting)
                    projector.cancel()
                    self._refresh_attributes()
                else:
                    await self._publish()
                # Billed (a new run): keeps a long review under the history limits.
                workflow.continue_as_new(
                    replace(
                        self._input,
                        carried=self.state,
                        journal=tuple(self._journal),
                        activities_started=tuple(sorted(self._started)),
                        activity_secrets=self._secrets,
                        applied_updates=self._applied.carried(),
                        projection_failures=self._lag.failed_rounds,
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        if background:
            # The closure reaches the read model before the review ends; a version
            # it refused is tried once more.
            self._refresh_attributes()
            self._retry_set_aside = self._refused_version is not None
            await workflow.wait_condition(
                lambda: (
                    self._projected >= self.state.version
                    and not self._retry_set_aside
                    and not self._projecting
                )
            )
            projector.cancel()
        else:
            await self._publish()
        return IprOutcome(self.state.stage, self.state.accepted, self.state.closed_on)

    def _on_activity_progress(self, raw: Any) -> None:
        """From one of this IPR's AgreedActivity children. A signal cannot be refused:
        a malformed or unexpected one is logged and dropped."""
        try:
            command = parse(c.RecordActivityProgress, raw, stored=True)
            must_come_from_the_child(self._secrets.get(command.activity_id), command.notice_secret)
            self._apply(decide(self.state, command, workflow.now()))
        except NotFromTheChild as refused:
            # Journalled naming the rule; what the notice said is anyone's, so neither
            # the journal nor the log keeps it.
            workflow.logger.warning(
                "progress notice refused",
                extra={"notice": "activity_progress", "rule": refused.rule},
            )
            self._apply(notice_refused("activity_progress", refused, workflow.now()))
        except (DomainError, ApplicationError) as error:
            workflow.logger.warning("activity progress not applied", extra={"rule": str(error)})

    @property
    def state(self) -> IprState:
        if self._state is None:
            assert self._refused is not None
            raise refusal(self._refused)
        return self._state

    def _refuse_if_refused(self) -> None:
        if self._refused is not None:
            raise refusal(self._refused)

    def _apply(self, events: list[IprEvent]) -> None:
        for event in events:
            self._state = evolve(self.state, event)
            self._journal.append(entry(event, self.state.version))
            self._changed = True
            if isinstance(event, TargetBreached):
                _count_missed_target(event.target)

    def _served_journal(self) -> list[JournalEntry]:
        """What the journal query serves: every entry, the referral's first."""
        self._refuse_if_refused()
        return list(self._journal)

    def _view(self) -> dict[str, Any]:
        """The review as `ipr_view` serves it: its state, with its journal where the
        state held it before the journal left it (just before `version`), so the
        query's JSON is as it was."""
        view: dict[str, Any] = {}
        for key, value in to_jsonable_python(self.state).items():
            if key == "version":
                view["journal"] = to_jsonable_python(self._journal)
            view[key] = value
        return view

    def _continue_as_new_due(self) -> bool:
        return history_too_long()

    async def _start_activity(self, activity: Activity) -> None:
        policy = self.state.policy
        secret = notice_secret()
        if secret is not None:
            # Before the start: the child's first notice may arrive with its result.
            self._secrets[activity.activity_id] = secret
        activity_input = ActivityInput(
            ipr_workflow_id=workflow.info().workflow_id,
            activity_id=activity.activity_id,
            service_line=activity.service_line,
            description=activity.description,
            due_on=activity.due_on,
            agreed_on=activity.agreed_on,
            reminder_days=policy.activity_reminder_days,
            repeat_days=policy.activity_escalation_repeat_days,
            notice_secret=secret,
        )
        try:
            # Abandon: it outlives any run of the IPR (continue-as-new); an IPR never
            # closes while one is open. Reject duplicates: never started twice.
            # Billed (2): each agreed activity has its own owner, reminders and escalations
            # (docs/rules.md#ipr).
            await workflow.start_child_workflow(
                "AgreedActivity",
                activity_input,
                id=activity.activity_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"Agreed activity · {activity.service_line}",
            )
        except WorkflowAlreadyStartedError:
            # Per-review ids make this an odd path (an id taken outside this review); a
            # review from before met it whenever its reference was referred again.
            workflow.logger.warning("agreed activity not started: its id is taken")
            if workflow.patched(REFUSED_START_RECORDED):
                self._apply(
                    activity_not_started(activity.activity_id, DUPLICATE_ID, workflow.now())
                )
        self._started.add(activity.activity_id)

    async def _send_feedback(self) -> None:
        state = self.state
        assert state.screening is not None
        # Billed: the referrer's feedback letter and the ACSSL share are required when criteria are
        # not met.
        result: FeedbackResult = await workflow.execute_activity(
            "send_ipr_feedback",
            FeedbackRequest(
                ipr_id=_ipr_id(),
                reference=state.reference,
                referrer_name=state.referrer.name,
                referrer_email=state.referrer.email,
                referred_on=state.referred_on,
                decided_on=state.screening.screened_on,
                reasons=state.screening.decision.reasons,
                service_lines=state.service_lines,
            ),
            result_type=FeedbackResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
            summary="feedback to the referrer; share with ACSSL",
        )
        command = c.RecordFeedback(feedback_path=result.feedback_path)
        self._apply(decide(self.state, command, workflow.now()))

    async def _project_in_background(self) -> None:
        """Keep the (anonymised) read model at the review's newest version, for as long
        as the run lasts; an outage delays only the read model."""
        while True:
            try:
                await workflow.wait_condition(
                    lambda: (
                        (self.state.version > self._projected or self._retry_set_aside)
                        and not self._stopping
                    ),
                    timeout=self._lag.retry_timeout(self._refused_version is not None),
                )
            except TimeoutError:
                self._retry_set_aside = True  # a day on: perhaps a fix is deployed
                self._lag.retry_due()
                continue
            version = self.state.version
            self._projecting = True
            try:
                # Billed per version: the anonymised read model is what reporting and the
                # publication read.
                await workflow.execute_activity(
                    "project_ipr",
                    ipr_projection(_ipr_id(), self.state),
                    start_to_close_timeout=ROUND_TIMEOUT,
                    retry_policy=ROUND,
                    summary="read model: the review as it stands",
                )
            except ActivityError as error:
                self._projecting = False
                if refused_value(error):
                    # Not an outage: this version cannot be stored. Set aside until a
                    # newer version or the daily retry.
                    self._projected, self._retry_set_aside = version, False
                    if self._refused_version is None:
                        self._lag.set_aside(1)
                        self._note(
                            f"version {version} set aside: the read model refused it "
                            f"({type(error.cause).__name__}); tried again daily"
                        )
                    self._refused_version = version
                    self._lag.publish(1)
                    continue
                await self._lag.wait_out(
                    error,
                    lambda: self._note(
                        "the read model is not taking this review; targets and "
                        "follow-ups go on, and it catches up when it can"
                    ),
                    behind=self.state.version - self._projected,
                )
                continue
            self._projecting = False
            self._projected, self._refused_version, self._retry_set_aside = version, None, False
            rounds = self._lag.caught_up()
            if rounds:
                self._note(f"the read model caught up after {rounds} failed rounds")
            self._lag.publish(0 if self._projected >= self.state.version else 1)

    def _note(self, text: str) -> None:
        self._apply([ReadModelNoted(at=workflow.now(), by=SYSTEM, text=text)])

    async def _publish(self) -> None:
        """Runs from before projection moved off the main loop: project the
        (anonymised) IPR to SQL, then refresh search attributes."""
        if not self._changed:
            return
        self._changed = False
        await workflow.execute_activity(
            "project_ipr",
            ipr_projection(_ipr_id(), self.state),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
            summary="read model: the review as it stands",
        )
        self._refresh_attributes()

    def _refresh_attributes(self) -> None:
        values = _search_attributes(self.state)
        if not workflow.patched(PRIMARY_LINES):
            # Runs from before: every line the investigation reached, as they upserted.
            values["ServiceLines"] = list(self.state.lines_merged)
        if not workflow.patched("ipr-target-missed-attribute"):
            del values["IPRTargetsMissed"]  # histories from before it upserted four
        self._attributes.publish(values)
        workflow.set_current_details(current_details(self.state))


def _search_attributes(state: IprState) -> dict[str, Any]:
    # No personal data: a stage, the primary service lines, a flag and two counts.
    return {
        "IPRStage": state.stage,
        "ServiceLines": list(state.service_lines),
        "ExternalScrutiny": bool(state.external_scrutiny),
        "ActivitiesOverdue": state.overdue_activities,
        "IPRTargetsMissed": int(state.screening_escalated) + int(state.investigation_escalated),
    }


def _ipr_id() -> str:
    """The read model's key: stable across continue-as-new."""
    info = workflow.info()
    return f"{info.workflow_id}/{info.first_execution_run_id}"


def _checked_input(raw: Any) -> IprInput:
    opening: IprInput = parse(IprInput, raw, stored=stored_input())
    info = workflow.info()
    carries = (
        opening.carried
        or opening.journal
        or opening.activities_started
        or opening.activity_secrets
        or opening.applied_updates
        or opening.projection_failures
    )
    if carries and not info.continued_run_id:
        raise InvalidCommand("carried", "only a continued run of an IPR carries state")
    expected = ipr_workflow_id(opening.reference)
    if info.workflow_id != expected:
        raise InvalidCommand("reference", f"the workflow id must be {expected}")
    return opening


def _count_missed_target(target: str) -> None:
    """A screening or investigation target passed (infra/metrics.py): an escalation
    and a missed deadline. The IPR's read model holds its state, not its events, so
    this is counted here; the workflow's meter emits nothing on replay."""
    labels = {"workflow_type": "IPR", "kind": f"ipr_{target}"}
    meter = workflow.metric_meter()
    for name in (metrics.DEADLINES_MISSED, metrics.ESCALATIONS_RAISED):
        meter.create_counter(name, metrics.DESCRIPTIONS[name]).add(1, labels)
