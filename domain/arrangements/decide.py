"""decide(state, command, now) -> events for a payment arrangement (docs/rules.md#apa,
issue 4). Raises DomainError naming the broken rule. Pure: time comes in as `now`."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.arrangements import commands as c
from domain.arrangements import events as e
from domain.arrangements.model import ArrangementState, Review
from domain.dates import add_months, business_date
from domain.errors import DomainError
from domain.shared.dispatch import handler_for
from domain.values import check_horizon


def decide(state: ArrangementState, command: Any, now: datetime) -> list[e.ArrangementEvent]:
    if state.finished:
        raise DomainError(
            "arrangement", f"this request is {state.status} and takes no more commands"
        )
    handler = handler_for(_HANDLERS, command)
    if isinstance(command, c.RecordObjection | c.RecordOutcome):  # from outside
        check_horizon(command, business_date(now))
    return handler(state, command, now)


def _submit(
    state: ArrangementState, cmd: c.RecordSubmission, now: datetime
) -> list[e.ArrangementEvent]:
    if state.status != "requested":
        raise DomainError("reference", "the request is already submitted")
    return [
        e.Submitted(
            at=now,
            by=cmd.by,
            reference=cmd.reference,
            form_sha256=cmd.form_sha256,
            form_path=cmd.form_path,
            pack_sha256=cmd.pack_sha256,
            pack_path=cmd.pack_path,
        )
    ]


def _fail(
    state: ArrangementState, cmd: c.RecordSubmissionFailure, now: datetime
) -> list[e.ArrangementEvent]:
    if state.status != "requested":
        raise DomainError("reason", "the request is already submitted")
    return [e.SubmissionFailed(at=now, by=cmd.by, reason=cmd.reason)]


def _stop(
    state: ArrangementState, cmd: c.StopArrangement, now: datetime
) -> list[e.ArrangementEvent]:
    return [e.Stopped(at=now, by=cmd.by, reason=cmd.reason, stopped_on=cmd.stopped_on)]


def _object(
    state: ArrangementState, cmd: c.RecordObjection, now: datetime
) -> list[e.ArrangementEvent]:
    window = state.objection_window_ends
    if state.status != "submitted" or window is None:
        raise DomainError(
            "objected_on", "an objection is only possible during the objection window"
        )
    if not state.submitted_on <= cmd.objected_on <= min(window, business_date(now)):  # type: ignore[operator]
        raise DomainError(
            "objected_on",
            f"must fall in the objection window, "
            f"{state.submitted_on} to {window}, and not in the future",
        )
    return [e.Objected(at=now, by=cmd.by, objected_on=cmd.objected_on)]


def _decide_outcome(
    state: ArrangementState, cmd: c.RecordOutcome, now: datetime
) -> list[e.ArrangementEvent]:
    if state.status not in ("submitted", "awaiting_outcome"):
        raise DomainError("decision", "no submitted request awaits an outcome")
    if cmd.decided_on > business_date(now):
        raise DomainError("decided_on", "cannot be in the future")
    if state.submitted_on and cmd.decided_on < state.submitted_on:
        raise DomainError(
            "decided_on", f"is before the request was submitted ({state.submitted_on})"
        )
    window = state.objection_window_ends
    if cmd.decision == "granted" and state.status == "submitted" and window:
        # DWP gives the claimant the chance to object before a request takes effect.
        raise DomainError(
            "decision",
            f"cannot be granted while the claimant's objection window "
            f"is open (until {window.isoformat()})",
        )
    if cmd.start_date and state.submitted_on and cmd.start_date < state.submitted_on:
        raise DomainError(
            "start_date", f"is before the request was submitted ({state.submitted_on})"
        )
    reviews: tuple[Review, ...] = ()
    if cmd.decision == "granted":
        if cmd.start_date is None:
            raise DomainError("start_date", "a granted arrangement needs its start date")
        if state.kind == "tpd" and cmd.deduction_rate is None:
            raise DomainError("deduction_rate", "a granted deduction needs its rate")
        if cmd.deduction_rate is not None and not Decimal(10) <= cmd.deduction_rate <= Decimal(20):
            raise DomainError(
                "deduction_rate", "a rent arrears deduction is 10% to 20% of the standard allowance"
            )
        if state.kind != "tpd":  # APAs and managed payments are reviewed
            reviews = tuple(
                Review(m, add_months(cmd.start_date, m)) for m in state.policy.review_months
            )
    return [
        e.Decided(
            at=now,
            by=cmd.by,
            decision=cmd.decision,
            decided_on=cmd.decided_on,
            start_date=cmd.start_date,
            deduction_rate=cmd.deduction_rate,
            reviews=reviews,
        )
    ]


_HANDLERS: dict[type, Callable[[ArrangementState, Any, datetime], list[e.ArrangementEvent]]] = {
    c.RecordSubmission: _submit,
    c.RecordSubmissionFailure: _fail,
    c.StopArrangement: _stop,
    c.RecordObjection: _object,
    c.RecordOutcome: _decide_outcome,
}
