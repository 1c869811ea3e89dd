"""A payment arrangement from submission to outcome and reviews."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce

import pytest

from domain.arrangements import lifecycle as a
from domain.dates import start_of_day
from domain.errors import DomainError

SUBMITTED = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _submitted(kind: a.ArrangementKind = "mptl") -> a.ArrangementState:
    state = a.ArrangementState(
        arrangement_id="uc-apa-T-1-1",
        kind=kind,
        requested_on=date(2026, 3, 2),
        policy=a.ArrangementPolicy(),
    )
    return _run(state, a.RecordSubmission(by="o", reference="OUTBOX-1"), SUBMITTED)


def _run(state: a.ArrangementState, command: object, now: datetime) -> a.ArrangementState:
    return reduce(a.evolve, a.decide(state, command, now), state)


def _tick(state: a.ArrangementState, day: date) -> tuple[a.ArrangementState, list[object]]:
    events = a.on_time_passed(state, start_of_day(day))
    return reduce(a.evolve, events, state), list(events)


def test_the_objection_window_is_14_days_and_closes_the_day_after() -> None:
    state = _submitted()
    assert state.objection_window_ends == date(2026, 3, 16)
    assert a.next_wakeup(state) == (
        start_of_day(date(2026, 3, 16)),
        "chase DWP for the outcome on Mon 16 Mar 2026",
    )
    state, events = _tick(state, date(2026, 3, 17))
    assert [type(e) for e in events] == [a.ObjectionWindowClosed, a.Chased]
    assert state.status == "awaiting_outcome" and state.chased


def test_an_objection_in_the_window_ends_the_request() -> None:
    state = _run(
        _submitted(),
        a.RecordObjection(by="o", objected_on=date(2026, 3, 10)),
        datetime(2026, 3, 10, 12, tzinfo=UTC),
    )
    assert state.status == "objected" and state.finished
    assert a.next_wakeup(state) is None


def test_an_objection_after_the_window_is_refused_naming_the_field() -> None:
    state, _ = _tick(_submitted(), date(2026, 3, 17))
    with pytest.raises(DomainError) as info:
        a.decide(
            state,
            a.RecordObjection(by="o", objected_on=date(2026, 3, 17)),
            datetime(2026, 3, 17, 12, tzinfo=UTC),
        )
    assert info.value.field == "objected_on"


def test_no_outcome_is_chased_at_14_days_and_escalated_at_28() -> None:
    state, events = _tick(_submitted(), date(2026, 3, 16))
    assert [type(e) for e in events] == [a.Chased]
    assert a.next_wakeup(state)[1] == "objection window ends Mon 16 Mar 2026"  # type: ignore[index]
    state, events = _tick(state, date(2026, 3, 30))
    assert [type(e) for e in events] == [a.ObjectionWindowClosed, a.OutcomeOverdue]
    assert state.escalated


def _past_window(kind: a.ArrangementKind = "mptl") -> a.ArrangementState:
    state, _ = _tick(_submitted(kind), date(2026, 3, 17))
    return state


def test_a_grant_while_the_objection_window_is_open_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        a.decide(
            _submitted(),
            a.RecordOutcome(
                by="o",
                decision="granted",
                decided_on=date(2026, 3, 10),
                start_date=date(2026, 3, 31),
            ),
            datetime(2026, 3, 10, 12, tzinfo=UTC),
        )
    assert info.value.field == "decision"


def test_a_granted_managed_payment_schedules_reviews_at_3_to_24_months() -> None:
    state = _run(
        _past_window(),
        a.RecordOutcome(
            by="o", decision="granted", decided_on=date(2026, 3, 20), start_date=date(2026, 3, 31)
        ),
        datetime(2026, 3, 20, 12, tzinfo=UTC),
    )
    assert state.status == "granted"
    assert [(r.months, r.on) for r in state.reviews] == [
        (3, date(2026, 6, 30)),
        (6, date(2026, 9, 30)),
        (9, date(2026, 12, 31)),
        (12, date(2027, 3, 31)),
        (15, date(2027, 6, 30)),
        (18, date(2027, 9, 30)),
        (24, date(2028, 3, 31)),
    ]
    state, events = _tick(state, date(2026, 6, 30))
    assert [e.months for e in events] == [3]  # type: ignore[attr-defined]
    state, _ = _tick(state, date(2028, 3, 31))
    assert state.finished


def test_a_granted_deduction_needs_a_rate_between_10_and_20_percent() -> None:
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    for rate, field in [(None, "deduction_rate"), (Decimal("25"), "deduction_rate")]:
        with pytest.raises(DomainError) as info:
            a.decide(
                _past_window("tpd"),
                a.RecordOutcome(
                    by="o",
                    decision="granted",
                    decided_on=date(2026, 3, 20),
                    start_date=date(2026, 4, 1),
                    deduction_rate=rate,
                ),
                now,
            )
        assert info.value.field == field
    state = _run(
        _past_window("tpd"),
        a.RecordOutcome(
            by="o",
            decision="granted",
            decided_on=date(2026, 3, 20),
            start_date=date(2026, 4, 1),
            deduction_rate=Decimal("15"),
        ),
        now,
    )
    assert state.deduction_rate == Decimal("15") and state.reviews == () and state.finished


def test_a_refused_request_takes_no_more_commands() -> None:
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    state = _run(
        _submitted(), a.RecordOutcome(by="o", decision="refused", decided_on=date(2026, 3, 20)), now
    )
    with pytest.raises(DomainError) as info:
        a.decide(
            state, a.RecordObjection(by="o", objected_on=date(2026, 3, 20)), now + timedelta(days=1)
        )
    assert info.value.field == "arrangement"


def test_a_future_decision_date_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        a.decide(
            _submitted(),
            a.RecordOutcome(by="o", decision="refused", decided_on=date(2026, 4, 1)),
            datetime(2026, 3, 20, 12, tzinfo=UTC),
        )
    assert info.value.field == "decided_on"


def _requested(kind: a.ArrangementKind = "apa") -> a.ArrangementState:
    return a.ArrangementState(
        arrangement_id="uc-apa-T-1-1",
        kind=kind,
        requested_on=date(2026, 3, 2),
        policy=a.ArrangementPolicy(),
    )


def test_a_submission_the_channel_refuses_fails_the_request_and_escalates() -> None:
    state = _requested()
    failure = a.RecordSubmissionFailure(by="outbox", reason="the NI number was rejected")
    [event] = a.decide(state, failure, SUBMITTED)
    assert isinstance(event, a.SubmissionFailed)
    state = a.evolve(state, event)
    assert state.status == "failed" and state.finished
    assert state.submitted_on is None
    assert a.next_wakeup(state) is None
    notice = a.notice_for(state, event)
    assert notice is not None
    assert notice.kind == "arrangement_failed"
    assert notice.escalate is True
    assert notice.task == "arrangement_follow_up"
    assert notice.text.startswith(
        "APA request uc-apa-T-1-1 could not be submitted: the NI number was rejected."
    )
    with pytest.raises(DomainError) as info:
        a.decide(state, a.RecordSubmission(by="o", reference="OUTBOX-2"), SUBMITTED)
    assert info.value.field == "arrangement"


def test_a_submission_failure_once_submitted_is_refused() -> None:
    state = _submitted()
    with pytest.raises(DomainError) as info:
        a.decide(state, a.RecordSubmissionFailure(by="outbox", reason="late"), SUBMITTED)
    assert info.value.field == "reason"
    assert state.status == "submitted"


def test_stopping_a_submitted_request_withdraws_it_quietly() -> None:
    stop = a.StopArrangement(by="o", reason="withdrawn by landlord", stopped_on=date(2026, 3, 5))
    state = _submitted()
    assert a.next_wakeup(state) is not None
    [event] = a.decide(state, stop, datetime(2026, 3, 5, 12, tzinfo=UTC))
    assert isinstance(event, a.Stopped)
    assert event.stopped_on == date(2026, 3, 5)
    state = a.evolve(state, event)
    assert state.status == "withdrawn" and state.finished
    assert a.notice_for(state, event) is None
    assert a.next_wakeup(state) is None
    assert a.on_time_passed(state, start_of_day(date(2026, 4, 30))) == []


def test_stopping_a_request_not_yet_submitted_withdraws_it() -> None:
    stop = a.StopArrangement(by="o", reason="the resident died", stopped_on=date(2026, 3, 2))
    state = _run(_requested(), stop, SUBMITTED)
    assert state.status == "withdrawn" and state.finished


def test_stopping_a_granted_apa_ends_it_and_its_reviews() -> None:
    state = _run(
        _past_window("apa"),
        a.RecordOutcome(
            by="o", decision="granted", decided_on=date(2026, 3, 20), start_date=date(2026, 3, 31)
        ),
        datetime(2026, 3, 20, 12, tzinfo=UTC),
    )
    assert len(state.reviews) == 7 and not state.finished
    assert a.next_wakeup(state) == (
        start_of_day(date(2026, 6, 30)),
        "3-month review due Tue 30 Jun 2026",
    )
    stop = a.StopArrangement(by="o", reason="arrears cleared", stopped_on=date(2026, 5, 1))
    state = _run(state, stop, datetime(2026, 5, 1, 12, tzinfo=UTC))
    assert state.status == "ended" and state.finished
    assert a.next_wakeup(state) is None
    assert a.on_time_passed(state, start_of_day(date(2026, 7, 1))) == []
    with pytest.raises(DomainError) as info:
        a.decide(state, stop, datetime(2026, 5, 2, 12, tzinfo=UTC))
    assert info.value.field == "arrangement"


def test_a_submission_with_an_apa1_pack_keeps_it_and_says_so() -> None:
    submission = a.RecordSubmission(
        by="o",
        reference="OUTBOX-7",
        form_sha256="a" * 64,
        form_path="forms/uc47.pdf",
        pack_sha256="b" * 64,
        pack_path="forms/apa1.pdf",
    )
    [event] = a.decide(_requested(), submission, SUBMITTED)
    state = a.evolve(_requested(), event)
    assert (state.form_sha256, state.form_path) == ("a" * 64, "forms/uc47.pdf")
    assert (state.pack_sha256, state.pack_path) == ("b" * 64, "forms/apa1.pdf")
    notice = a.notice_for(state, event)
    assert notice is not None
    assert (notice.pack_sha256, notice.pack_path) == ("b" * 64, "forms/apa1.pdf")
    assert (notice.form_sha256, notice.form_path) == ("a" * 64, "forms/uc47.pdf")
    assert notice.text == (
        "APA request uc-apa-T-1-1 submitted (reference OUTBOX-7, form aaaaaaaaaaaa, "
        "APA1 pack bbbbbbbbbbbb kept); the claimant may object until 2026-03-16"
    )


def test_a_submission_without_a_pack_mentions_none() -> None:
    submission = a.RecordSubmission(by="o", reference="OUTBOX-8", form_sha256="c" * 64)
    [event] = a.decide(_requested("mptl"), submission, SUBMITTED)
    state = a.evolve(_requested("mptl"), event)
    assert (state.pack_sha256, state.pack_path) == (None, None)
    notice = a.notice_for(state, event)
    assert notice is not None
    assert (notice.pack_sha256, notice.pack_path, notice.form_path) == (None, None, None)
    assert "APA1" not in notice.text
