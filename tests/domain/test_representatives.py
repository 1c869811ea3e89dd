"""Appointees, attorneys and deputies (issue 14 item 8; docs/representatives.md):
recording one opens a task to verify their authority, escalated when overdue; an
arrears plan or a payment arrangement request waits until the authority is verified."""

import json
from dataclasses import asdict, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.case import commands as c
from domain.case import events as e
from domain.case.journal import describe
from domain.case.model import CaseState, Representative
from domain.case.parsing import InvalidCommand, parse
from domain.case.view import is_escalated, view_of
from domain.policy import CasePolicy
from domain.teams import TASKS
from tests.domain.test_case_rules import NOW, OFFICER, new_case, refused, run, tick

PLAN = c.AgreeArrearsPlan(by=OFFICER, target_balance=Decimal("0"), by_date=date(2026, 12, 1))
MPTL = c.RequestPaymentArrangement(by=OFFICER, kind="mptl")


def _with_debt() -> CaseState:
    state, _ = run(
        new_case(),
        c.RecordRentMovement(by=OFFICER, kind="charge", amount=Decimal("800"), on=NOW.date()),
    )
    return state


def _record(state: CaseState, kind: str = "appointee") -> tuple[CaseState, list[e.Event]]:
    command = c.RecordRepresentative(by=OFFICER, kind=kind, name="Pat Okafor", contact="0770")  # type: ignore[arg-type]
    return run(state, command)


def _verify(evidence: str = "dwp_appointee_letter", **overrides: Any) -> c.VerifyRepresentative:
    fields: dict[str, Any] = {
        "by": "officer-2",
        "evidence": evidence,
        "verified_on": NOW.date(),
        "reference": "APT-123",
    }
    return c.VerifyRepresentative(**{**fields, **overrides})


def test_recording_a_representative_opens_a_verification_task_due_by_policy() -> None:
    state, events = _record(new_case(CasePolicy(representative_verification_days=3)))
    [task] = [ev for ev in events if isinstance(ev, e.TaskOpened)]
    assert task.kind == "verify_representative"
    assert task.due_at == NOW + timedelta(days=3)
    assert "dwp_appointee_letter" in task.note and "Pat Okafor" not in task.note
    assert state.representative is not None and state.representative.verification_required
    assert not state.representative.verified
    assert TASKS["verify_representative"].team == "income"


def test_the_default_allows_five_days() -> None:
    assert CasePolicy().representative_verification_days == 5
    state, _ = _record(new_case())
    [task] = state.open_tasks
    assert task.due_at == NOW + timedelta(days=5)


def test_an_unverified_task_escalates_when_overdue() -> None:
    state, _ = _record(new_case())
    [task] = state.open_tasks
    same, early = tick(state, task.due_at - timedelta(seconds=1))
    assert early == [] and not is_escalated(same)
    later, events = tick(state, task.due_at)
    assert [type(ev) for ev in events] == [e.TaskEscalated]
    assert is_escalated(later)


@pytest.mark.parametrize("command", [PLAN, MPTL], ids=["arrears_plan", "payment_arrangement"])
def test_decisions_needing_consent_wait_for_verification(command: Any) -> None:
    state, _ = _record(_with_debt())
    error = refused(state, command)
    assert error.field == "representative"
    assert "not yet verified" in error.rule and "verify_representative" in error.rule
    verified, events = run(state, _verify())
    assert [type(ev) for ev in events] == [e.RepresentativeVerified, e.TaskCompleted]
    assert verified.open_tasks == () and not is_escalated(verified)
    _, allowed = run(verified, command)
    assert allowed


def test_without_a_representative_nothing_waits() -> None:
    _, events = run(_with_debt(), PLAN)
    assert any(isinstance(ev, e.ArrearsPlanAgreed) for ev in events)


def test_the_view_shows_who_verified_what_and_when() -> None:
    state, _ = _record(new_case())
    state, _ = run(state, _verify(verified_on=NOW.date() - timedelta(days=2)))
    rep = view_of(state, NOW, 0).representative
    assert rep is not None
    assert (rep.verified_on, rep.verified_by, rep.evidence, rep.evidence_reference) == (
        NOW.date() - timedelta(days=2),
        "officer-2",
        "dwp_appointee_letter",
        "APT-123",
    )


@pytest.mark.parametrize(
    ("kind", "evidence"),
    [
        ("appointee", "dwp_appointee_letter"),
        ("lasting_power_of_attorney", "lpa_registered"),
        ("deputy", "court_order"),
    ],
)
def test_each_authority_has_its_evidence(kind: str, evidence: str) -> None:
    state, _ = _record(new_case(), kind)
    others = {"dwp_appointee_letter", "lpa_registered", "court_order"} - {evidence}
    for wrong in others:
        error = refused(state, _verify(wrong))
        assert error.field == "evidence" and evidence in error.rule
    state, _ = run(state, _verify(evidence))
    assert state.representative is not None and state.representative.evidence == evidence


def test_verification_is_refused_without_a_representative_or_in_the_future() -> None:
    assert refused(new_case(), _verify()).field == "representative"
    state, _ = _record(new_case())
    error = refused(state, _verify(verified_on=NOW.date() + timedelta(days=1)))
    assert error.field == "verified_on" and "future" in error.rule


def test_a_bad_payload_names_its_field() -> None:
    with pytest.raises(InvalidCommand) as info:
        parse(
            c.VerifyRepresentative, {"by": "o", "evidence": "passport", "verified_on": "2026-01-01"}
        )
    assert info.value.field == "evidence"
    with pytest.raises(InvalidCommand) as future:
        parse(
            c.VerifyRepresentative,
            {"by": "o", "evidence": "court_order", "verified_on": "2026-03-03"},
            today=NOW.date(),
        )
    assert future.value.field == "verified_on"


def test_a_new_representative_needs_verifying_again() -> None:
    state, _ = _record(new_case())
    state, _ = run(state, _verify())
    state, events = _record(state, "deputy")
    assert state.representative is not None and not state.representative.verified
    assert [t.kind for t in state.open_tasks] == ["verify_representative"]
    assert refused(state, MPTL).field == "representative"


def test_a_second_record_cancels_the_first_verification_task() -> None:
    state, _ = _record(new_case())
    state, events = _record(state, "deputy")
    [cancelled] = [ev for ev in events if isinstance(ev, e.TasksCancelled)]
    assert cancelled.task_ids == ("task-1",)
    assert [t.task_id for t in state.open_tasks] == ["task-2"]


def test_representatives_stored_before_the_rule_parse_and_are_not_gated() -> None:
    state, _ = _record(_with_debt())
    assert state.representative is not None
    old = {"kind": "appointee", "name": "Pat Okafor", "contact": "0770"}
    legacy = parse(Representative, old, stored=True)
    assert legacy == Representative("appointee", "Pat Okafor", "0770")
    assert not legacy.verification_required and legacy.verified_on is None
    before = replace(state, representative=legacy, tasks=())
    _, events = run(before, PLAN)
    assert any(isinstance(ev, e.ArrearsPlanAgreed) for ev in events)
    old_event = {"at": NOW.isoformat(), "by": "o", **old}
    assert parse(e.RepresentativeRecorded, old_event, stored=True).verification_required is False
    stored_policy = json.loads(json.dumps(asdict(CasePolicy()), default=str))
    del stored_policy["representative_verification_days"]
    assert parse(CasePolicy, stored_policy, stored=True).representative_verification_days == 5


def test_the_journal_says_what_was_seen() -> None:
    state, _ = _record(new_case())
    _, events = run(state, _verify())
    kind, outcome, text = describe(events[0])
    assert (kind, outcome) == ("representative", "verified")
    assert "dwp appointee letter" in text and "APT-123" in text and NOW.date().isoformat() in text
