"""IPR: one Internal Process Review, from referral to closure (DOMAIN.md 3).

Thin shell around domain.ipr: each command is an update whose validator runs
`decide`, so a refused one never reaches history. Screening decides the criteria;
not met, an activity writes the referrer's feedback and shares the case with the
ACSSL list and the IPR closes as not accepted. Agreed activities run as children
(`AgreedActivity`). The read model gets an anonymised projection after each change.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.ipr_records import FeedbackRequest, FeedbackResult, ipr_projection
    from domain.case.parsing import InvalidCommand, parse
    from domain.errors import DomainError
    from domain.ipr import commands as c
    from domain.ipr.decide import (
        check_referral,
        decide,
        evolve,
        initial_state,
        next_wakeup,
        notice_refused,
        on_time_passed,
    )
    from domain.ipr.events import IprEvent
    from domain.ipr.model import AgreedActivity as Activity
    from domain.ipr.model import IprPolicy, IprState, JournalEntry
    from domain.notices import NotFromTheChild, must_come_from_the_child
    from domain.policy import CasePolicy
    from workflows.contracts import ActivityInput, CommandResult, IprInput
    from workflows.search_attributes import IPR_KEYS
    from workflows.shell import (
        Alarm,
        AppliedUpdates,
        continued_run,
        decide_command,
        notice_secret,
        parse_command,
        refusal,
    )

_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


def ipr_workflow_id(reference: str) -> str:
    return f"ipr-{reference}"


@dataclass(frozen=True)
class IprOutcome:
    stage: str
    accepted: bool | None
    closed_on: date | None


@workflow.defn(name="IPR")
class IPR:
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._refused: DomainError | None = None
        self._input: IprInput | None = None
        self._state: IprState | None = None
        try:
            self._input = _checked_input(raw)
            self._state = self._input.carried
            if self._state is None:
                check_referral(self._input, workflow.now())
                policy = self._input.policy or IprPolicy()
                self._state = initial_state(self._input, workflow.now(), policy)
        except DomainError as error:
            self._refused = error
        self._changed = True
        self._alarm = Alarm()
        self._applied = AppliedUpdates(self._input.applied_updates if self._input else ())
        self._started = set(self._input.activities_started if self._input else ())
        # What each child sends back in its notices (domain/notices.py), by activity id.
        self._secrets = dict(self._input.activity_secrets if self._input else {})
        held = workflow.info().typed_search_attributes
        self._published: dict[str, Any] = {n: held.get(k) for n, k in IPR_KEYS.items()}
        for name, command_type in c.COMMANDS.items():
            workflow.set_update_handler(
                name, self._handler(command_type), validator=self._validator(command_type)
            )

    @workflow.run
    async def run(self, raw: Any) -> IprOutcome:
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
            policy = await workflow.execute_local_activity(
                "load_policy", start_to_close_timeout=timedelta(seconds=10), result_type=CasePolicy
            )
            self._state = replace(self.state, policy=policy.ipr)
        while True:
            self._alarm.arm(next_wakeup(self.state))
            await workflow.wait_condition(
                lambda: self._changed or self._alarm.rang or self._continue_as_new_due()
            )
            if self._alarm.rang:
                self._alarm.reset()
                self._apply(on_time_passed(self.state, workflow.now()))
            await self._publish()
            for activity in self.state.activities:
                if activity.activity_id not in self._started:
                    await self._start_activity(activity)
            if self.state.stage == "not_accepted" and self.state.feedback_path is None:
                await self._send_feedback()
                continue
            if self.state.finished:
                break
            if self._continue_as_new_due():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._publish()
                workflow.continue_as_new(
                    replace(
                        self._input,
                        carried=self.state,
                        activities_started=tuple(sorted(self._started)),
                        activity_secrets=self._secrets,
                        applied_updates=self._applied.carried(),
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._publish()
        return IprOutcome(self.state.stage, self.state.accepted, self.state.closed_on)

    @workflow.signal(name="activity_progress")
    def activity_progress(self, raw: Any) -> None:
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

    @workflow.query(name="ipr_view")
    def ipr_view(self) -> IprState:
        return self.state

    @workflow.query(name="journal")
    def journal(self) -> list[JournalEntry]:
        return list(self.state.journal)

    # --- internals -----------------------------------------------------------------

    @property
    def state(self) -> IprState:
        if self._state is None:
            assert self._refused is not None
            raise refusal(self._refused)
        return self._state

    def _validator(self, command_type: type) -> Any:
        def validate(raw: Any) -> None:
            if self._applied.earlier_result() is not None:
                return  # a retry: answered with its first result, not decided again
            decide_command(decide, self.state, parse_command(command_type, raw))

        return validate

    def _handler(self, command_type: type) -> Any:
        def handle(raw: Any) -> CommandResult:
            earlier = self._applied.earlier_result()
            if earlier is not None:
                return earlier
            events = decide_command(
                decide, self.state, parse_command(command_type, raw, stored=True)
            )
            self._apply(events)
            result = CommandResult(self.state.version, [type(e).__name__ for e in events])
            return self._applied.record(result)

        return handle

    def _apply(self, events: list[IprEvent]) -> None:
        for event in events:
            self._state = evolve(self.state, event)
            self._changed = True

    def _continue_as_new_due(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > 2000

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
            await workflow.start_child_workflow(
                "AgreedActivity",
                activity_input,
                id=activity.activity_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"Agreed activity · {activity.service_line}",
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.warning("agreed activity already started")
        self._started.add(activity.activity_id)

    async def _send_feedback(self) -> None:
        state = self.state
        assert state.screening is not None
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

    async def _publish(self) -> None:
        """Project the (anonymised) IPR to SQL, then refresh search attributes."""
        if not self._changed:
            return
        self._changed = False
        await workflow.execute_activity(
            "project_ipr",
            ipr_projection(_ipr_id(), self.state),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
            summary=f"project IPR version {self.state.version}",
        )
        values = _search_attributes(self.state)
        if not workflow.patched("ipr-target-missed-attribute"):
            del values["IPRTargetsMissed"]  # histories from before it upserted four
        changed = {k: v for k, v in values.items() if self._published[k] != v}
        if changed:
            updates: list[SearchAttributeUpdate[Any]] = [
                IPR_KEYS[k].value_set(v) for k, v in changed.items()
            ]
            workflow.upsert_search_attributes(updates)
            self._published.update(changed)
        workflow.set_current_details(_details(self.state))


def _search_attributes(state: IprState) -> dict[str, Any]:
    # No personal data: a stage, service line names, a flag and two counts.
    return {
        "IPRStage": state.stage,
        "ServiceLines": list(state.service_lines),
        "ExternalScrutiny": bool(state.external_scrutiny),
        "ActivitiesOverdue": state.overdue_activities,
        "IPRTargetsMissed": int(state.screening_escalated) + int(state.investigation_escalated),
    }


def _details(state: IprState) -> str:
    escalated = [
        t
        for t, flag in (
            ("screening", state.screening_escalated),
            ("investigation", state.investigation_escalated),
        )
        if flag
    ]
    lines = [
        f"**Stage** {state.stage.replace('_', ' ')}",
        f"**Service lines** {', '.join(state.service_lines)}",
        f"**Activities** {len(state.open_activities)} open, {state.overdue_activities} overdue",
    ]
    if escalated:
        lines.append(f"**Targets missed** {', '.join(escalated)}")
    return "\n\n".join(lines)


def _ipr_id() -> str:
    """The read model's key: stable across continue-as-new."""
    info = workflow.info()
    return f"{info.workflow_id}/{info.first_execution_run_id}"


def _checked_input(raw: Any) -> IprInput:
    opening: IprInput = parse(IprInput, raw, stored=continued_run())
    info = workflow.info()
    carries = (
        opening.carried
        or opening.activities_started
        or opening.activity_secrets
        or opening.applied_updates
    )
    if carries and not info.continued_run_id:
        raise InvalidCommand("carried", "only a continued run of an IPR carries state")
    expected = ipr_workflow_id(opening.reference)
    if info.workflow_id != expected:
        raise InvalidCommand("reference", f"the workflow id must be {expected}")
    return opening
