"""One payment arrangement request (APA, MPTL or rent arrears TPD) from submission
to outcome and reviews (DOMAIN.md 1.3, issue 4). Pure: time comes in as `now`."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as strict

from domain.dates import add_months, business_date, start_of_day
from domain.errors import DomainError
from domain.values import Actor as Actor
from domain.values import BusinessDate, check_horizon

ArrangementKind = Literal["apa", "mptl", "tpd"]
ArrangementStatus = Literal[
    "requested",
    "submitted",
    "awaiting_outcome",
    "granted",
    "refused",
    "withdrawn",
    "objected",
    "ended",
    "failed",
]
Decision = Literal["granted", "refused", "withdrawn"]
# Commands from outside (a back office, the case) refuse unknown fields.
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
# APAs are reviewed; typical review points, in months from the start.
REVIEW_MONTHS = (3, 6, 9, 12, 15, 18, 24)


@dataclass(frozen=True)
class ArrangementPolicy:
    objection_days: int = 14
    chase_days: int = 14
    escalate_days: int = 28
    review_months: tuple[int, ...] = REVIEW_MONTHS


@dataclass(frozen=True)
class Review:
    months: int
    on: date
    reminded: bool = False


@dataclass(frozen=True)
class ArrangementState:
    arrangement_id: str
    kind: ArrangementKind
    requested_on: date
    policy: ArrangementPolicy
    status: ArrangementStatus = "requested"
    submitted_on: date | None = None
    submission_reference: str | None = None
    form_sha256: str | None = None
    form_path: str | None = None
    pack_sha256: str | None = None
    pack_path: str | None = None
    chased: bool = False
    escalated: bool = False
    decision: Decision | None = None
    start_date: date | None = None
    deduction_rate: Decimal | None = None
    reviews: tuple[Review, ...] = ()
    version: int = 0

    @property
    def objection_window_ends(self) -> date | None:
        if self.submitted_on is None:
            return None
        return self.submitted_on + timedelta(days=self.policy.objection_days)

    @property
    def finished(self) -> bool:
        final = self.status in ("refused", "withdrawn", "objected", "ended", "failed")
        reviewed = self.status == "granted" and all(r.reminded for r in self.reviews)
        return final or reviewed


# --- commands ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordSubmission:
    by: str
    reference: str
    form_sha256: str = ""
    form_path: str = ""
    pack_sha256: str = ""
    pack_path: str = ""


@dataclass(frozen=True)
class RecordSubmissionFailure:
    """The channel refused the submission for good (no retry can fix it)."""

    by: str
    reason: str


@strict(frozen=True, config=_STRICT)
class StopArrangement:
    """The case ended it: withdrawn before DWP's decision, ended after it."""

    by: str
    reason: str
    stopped_on: date


@strict(frozen=True, config=_STRICT)
class RecordObjection:
    by: Actor
    objected_on: BusinessDate


@strict(frozen=True, config=_STRICT)
class RecordOutcome:
    by: Actor
    decision: Decision
    decided_on: BusinessDate
    start_date: BusinessDate | None = None
    deduction_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = None


# --- events --------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    at: datetime
    by: str
    reference: str
    form_sha256: str = ""
    form_path: str = ""
    pack_sha256: str = ""
    pack_path: str = ""


@dataclass(frozen=True)
class SubmissionFailed:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class Stopped:
    at: datetime
    by: str
    reason: str
    stopped_on: date


@dataclass(frozen=True)
class Objected:
    at: datetime
    by: str
    objected_on: date


@dataclass(frozen=True)
class ObjectionWindowClosed:
    at: datetime
    by: str


@dataclass(frozen=True)
class Chased:
    at: datetime
    by: str


@dataclass(frozen=True)
class OutcomeOverdue:
    at: datetime
    by: str


@dataclass(frozen=True)
class Decided:
    at: datetime
    by: str
    decision: Decision
    decided_on: date
    start_date: date | None
    deduction_rate: Decimal | None
    reviews: tuple[Review, ...]


@dataclass(frozen=True)
class ReviewDue:
    at: datetime
    by: str
    months: int


ArrangementEvent = (
    Submitted
    | SubmissionFailed
    | Stopped
    | Objected
    | ObjectionWindowClosed
    | Chased
    | OutcomeOverdue
    | Decided
    | ReviewDue
)
SYSTEM = "system"


# --- decide ----------------------------------------------------------------------


def decide(state: ArrangementState, command: Any, now: datetime) -> list[ArrangementEvent]:
    if state.finished:
        raise DomainError(
            "arrangement", f"this request is {state.status} and takes no more commands"
        )
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise DomainError("command", f"unknown command {type(command).__name__}")
    if isinstance(command, RecordObjection | RecordOutcome):  # from outside
        check_horizon(command, business_date(now))
    return handler(state, command, now)


def _submit(
    state: ArrangementState, cmd: RecordSubmission, now: datetime
) -> list[ArrangementEvent]:
    if state.status != "requested":
        raise DomainError("reference", "the request is already submitted")
    return [
        Submitted(
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
    state: ArrangementState, cmd: RecordSubmissionFailure, now: datetime
) -> list[ArrangementEvent]:
    if state.status != "requested":
        raise DomainError("reason", "the request is already submitted")
    return [SubmissionFailed(at=now, by=cmd.by, reason=cmd.reason)]


def _stop(state: ArrangementState, cmd: StopArrangement, now: datetime) -> list[ArrangementEvent]:
    return [Stopped(at=now, by=cmd.by, reason=cmd.reason, stopped_on=cmd.stopped_on)]


def _object(state: ArrangementState, cmd: RecordObjection, now: datetime) -> list[ArrangementEvent]:
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
    return [Objected(at=now, by=cmd.by, objected_on=cmd.objected_on)]


def _decide_outcome(
    state: ArrangementState, cmd: RecordOutcome, now: datetime
) -> list[ArrangementEvent]:
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
        Decided(
            at=now,
            by=cmd.by,
            decision=cmd.decision,
            decided_on=cmd.decided_on,
            start_date=cmd.start_date,
            deduction_rate=cmd.deduction_rate,
            reviews=reviews,
        )
    ]


_HANDLERS: dict[type, Callable[[ArrangementState, Any, datetime], list[ArrangementEvent]]] = {
    RecordSubmission: _submit,
    RecordSubmissionFailure: _fail,
    StopArrangement: _stop,
    RecordObjection: _object,
    RecordOutcome: _decide_outcome,
}


# --- time --------------------------------------------------------------------------


def _deadlines(state: ArrangementState) -> list[tuple[date, str]]:
    """The UK days on which this request must act, with a readable summary."""
    if state.submitted_on is None or state.finished:
        return []
    days: list[tuple[date, str]] = []
    window = state.objection_window_ends
    if state.status == "submitted" and window is not None:
        days.append((window + timedelta(days=1), f"objection window ends {window.isoformat()}"))
    if state.status in ("submitted", "awaiting_outcome"):
        if not state.chased:
            chase = state.submitted_on + timedelta(days=state.policy.chase_days)
            days.append((chase, f"chase DWP for the outcome on {chase.isoformat()}"))
        if not state.escalated:
            late = state.submitted_on + timedelta(days=state.policy.escalate_days)
            days.append((late, f"escalate: no outcome by {late.isoformat()}"))
    if state.status == "granted":
        days += [
            (r.on, f"{r.months}-month review due {r.on.isoformat()}")
            for r in state.reviews
            if not r.reminded
        ]
    return days


def next_wakeup(state: ArrangementState) -> tuple[datetime, str] | None:
    soonest = min(_deadlines(state), default=None)
    return (start_of_day(soonest[0]), soonest[1]) if soonest else None


def on_time_passed(state: ArrangementState, now: datetime) -> list[ArrangementEvent]:
    if state.submitted_on is None or state.finished:
        return []
    today = business_date(now)
    events: list[ArrangementEvent] = []
    window = state.objection_window_ends
    if state.status == "submitted" and window is not None and today > window:
        events.append(ObjectionWindowClosed(at=now, by=SYSTEM))
    if state.status in ("submitted", "awaiting_outcome"):
        if not state.chased and today >= state.submitted_on + timedelta(
            days=state.policy.chase_days
        ):
            events.append(Chased(at=now, by=SYSTEM))
        late = state.submitted_on + timedelta(days=state.policy.escalate_days)
        if not state.escalated and today >= late:
            events.append(OutcomeOverdue(at=now, by=SYSTEM))
    if state.status == "granted":
        events += [
            ReviewDue(at=now, by=SYSTEM, months=r.months)
            for r in state.reviews
            if not r.reminded and today >= r.on
        ]
    return events


# --- evolve --------------------------------------------------------------------------


def evolve(s: ArrangementState, ev: ArrangementEvent) -> ArrangementState:
    s = replace(s, version=s.version + 1)
    match ev:
        case Submitted():
            return replace(
                s,
                status="submitted",
                submitted_on=business_date(ev.at),
                submission_reference=ev.reference,
                form_sha256=ev.form_sha256 or None,
                form_path=ev.form_path or None,
                pack_sha256=ev.pack_sha256 or None,
                pack_path=ev.pack_path or None,
            )
        case SubmissionFailed():
            return replace(s, status="failed")
        case Stopped():
            return replace(s, status="ended" if s.status == "granted" else "withdrawn")
        case Objected():
            return replace(s, status="objected")
        case ObjectionWindowClosed():
            return replace(s, status="awaiting_outcome")
        case Chased():
            return replace(s, chased=True)
        case OutcomeOverdue():
            return replace(s, escalated=True)
        case Decided():
            return replace(
                s,
                status=ev.decision,
                decision=ev.decision,
                start_date=ev.start_date,
                deduction_rate=ev.deduction_rate,
                reviews=ev.reviews,
            )
        case ReviewDue():
            reviews = tuple(
                replace(r, reminded=True) if r.months == ev.months else r for r in s.reviews
            )
            return replace(s, reviews=reviews)
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")


@dataclass(frozen=True)
class CaseNotice:
    """What the case hears: a journal line, and the task it opens, if any."""

    kind: str
    text: str
    task: Literal["arrangement_chase", "arrangement_follow_up", "arrangement_review"] | None = None
    escalate: bool = False
    form_sha256: str | None = None
    form_path: str | None = None
    pack_sha256: str | None = None
    pack_path: str | None = None
    # On an outcome: what was decided, for the case's own record.
    start_date: date | None = None
    granted_rate: Decimal | None = None
    review_dates: tuple[date, ...] = ()


def notice_for(state: ArrangementState, ev: ArrangementEvent) -> CaseNotice | None:
    what = f"{state.kind.upper()} request {state.arrangement_id}"
    match ev:
        case Submitted():
            window = state.objection_window_ends
            return CaseNotice(
                "arrangement_submitted",
                f"{what} submitted (reference {ev.reference}, form "
                f"{ev.form_sha256[:12]}"
                + (f", APA1 pack {ev.pack_sha256[:12]} kept" if ev.pack_sha256 else "")
                + f"); the claimant may object until {window}",
                form_sha256=ev.form_sha256 or None,
                form_path=ev.form_path or None,
                pack_sha256=ev.pack_sha256 or None,
                pack_path=ev.pack_path or None,
            )
        case SubmissionFailed():
            return CaseNotice(
                "arrangement_failed",
                f"{what} could not be submitted: {ev.reason}. Nothing reached DWP; "
                "check the case details and request it again",
                task="arrangement_follow_up",
                escalate=True,
            )
        case Stopped():
            return None  # the case stopped it and has journalled why
        case Objected():
            return CaseNotice(
                "arrangement_objected",
                f"{what}: the claimant objected on "
                f"{ev.objected_on.isoformat()}; it will not take effect",
            )
        case ObjectionWindowClosed():
            return CaseNotice(
                "arrangement_awaiting", f"{what}: objection window closed, awaiting DWP's outcome"
            )
        case Chased():
            return CaseNotice(
                "arrangement_chase", f"{what}: no outcome yet, chase DWP", task="arrangement_chase"
            )
        case OutcomeOverdue():
            return CaseNotice(
                "arrangement_overdue",
                f"{what}: still no outcome after {state.policy.escalate_days} days",
                task="arrangement_follow_up",
                escalate=True,
            )
        case Decided():
            extra = f", starting {ev.start_date.isoformat()}" if ev.start_date else ""
            rate = f" at {ev.deduction_rate}%" if ev.deduction_rate else ""
            return CaseNotice(
                "arrangement_outcome",
                f"{what} {ev.decision}{rate}{extra}",
                start_date=ev.start_date,
                granted_rate=ev.deduction_rate,
                review_dates=tuple(r.on for r in ev.reviews),
            )
        case ReviewDue():
            return CaseNotice(
                "arrangement_review",
                f"{what}: {ev.months}-month review due",
                task="arrangement_review",
            )
    return None
