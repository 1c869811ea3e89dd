"""A managed payment request end to end on the time-skipping server: the UC47 is
generated and submitted once, the objection window, chase and escalation timers
fire, the outcome schedules reviews, and the case hears each step. Then the rest of
an arrangement's life: the APA1 pack, every review, a deduction's TPDActive flag,
withdrawal, a death, a refused submission, ids per case and refused commands."""

import fnmatch
import hashlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.files.names import Subject
from activities.files.store import FileStore
from activities.forms import FormStore
from activities.outbox import FileOutbox, Submission, _receipt_json
from domain.arrangements.lifecycle import ArrangementState
from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import ap_start, business_date
from tests.factories import deduction_facts, opening
from tests.file_store import store_for, stored_bytes
from tests.helpers import (
    accepted_updates,
    arrangement_id,
    eventually,
    search_attributes,
    settled_history_length,
)
from worker import WORKFLOWS
from workflows import ids as child_ids
from workflows.ids import subject_of
from workflows.uc_case import UCCase, case_workflow_id


@pytest.fixture
def shared(engine: Engine) -> FileStore:
    """The file store the session's workers write: the session's read model."""
    return store_for(engine)


async def _record_deduction_facts(
    env: WorkflowEnvironment, case: WorkflowHandle, **facts: object
) -> None:
    """The claim status and the award statement a rent arrears deduction rests on
    (tests/factories.py `deduction_facts`), on the workflow clock's today."""
    today = business_date(await env.get_current_time())
    status, award = deduction_facts(today, **facts)  # type: ignore[arg-type]
    await case.execute_update("record_claim_status", status)
    await case.execute_update("record_award_statement", award)


async def _case_with_request(
    env: WorkflowEnvironment, task_queue: str, **request: object
) -> tuple[WorkflowHandle, WorkflowHandle]:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    # £1,200 of arrears against £433.33 a month: more than 2 months' rent.
    case = await env.client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("1200.00")),
        id=case_workflow_id(ref),
        task_queue=task_queue,
    )
    if request.get("kind") == "tpd":
        await _record_deduction_facts(env, case)
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", **request)
    )  # type: ignore[arg-type]
    arrangement = env.client.get_workflow_handle(await arrangement_id(case))

    async def submitted() -> str:
        try:
            state = await arrangement.query("arrangement_view", result_type=ArrangementState)
        except Exception:
            return "not started"
        return state.status

    await eventually(submitted, lambda s: s == "submitted")
    return case, arrangement


async def _state(handle: WorkflowHandle) -> ArrangementState:
    return await handle.query("arrangement_view", result_type=ArrangementState)


async def test_a_managed_payment_request_runs_from_uc47_to_reviews(
    ts_env: WorkflowEnvironment, ts_worker: str, shared: FileStore
) -> None:
    case, arrangement = await _case_with_request(ts_env, ts_worker, kind="mptl")
    state = await _state(arrangement)
    # The UC47 exists once, as a real PDF carrying the case's figures, and was submitted.
    [entry] = [e for e in shared.find("form", state.form_sha256) if e.name.endswith(".pdf")]
    mine = [e for e in shared.entries(entry.owner) if fnmatch.fnmatch(e.name, "UC47-*.pdf")]
    assert len(mine) == 1 and entry.subject == ("uc", subject_of(state.arrangement_id).ref)
    text = PdfReader(io.BytesIO(shared.read(mine[0]))).pages[0].extract_text()
    assert str(subject_of(state.arrangement_id).ref) in text
    assert "£1,200.00" in text and "Morgan Testperson" in text
    # Keyed by the arrangement's own id (unique per case).
    receipt = json.loads(shared.get(f"{state.arrangement_id}-1", "receipt.json") or b"")
    assert receipt["reference"] == state.submission_reference
    # The claimant's objection window (14 days), then the chase, then escalation.
    await ts_env.sleep(timedelta(days=15))
    assert (await _state(arrangement)).status == "awaiting_outcome"
    view = await case.query("case_view", result_type=CaseView)
    assert "arrangement_chase" in [t.kind for t in view.open_tasks]
    await ts_env.sleep(timedelta(days=14))
    view = await case.query("case_view", result_type=CaseView)
    assert view.escalated and "arrangement_follow_up" in [t.kind for t in view.open_tasks]
    today = business_date(await ts_env.get_current_time())
    await arrangement.execute_update(
        "record_outcome",
        {
            "by": "income-09",
            "decision": "granted",
            "decided_on": today.isoformat(),
            "start_date": today.isoformat(),
        },
    )
    state = await _state(arrangement)
    assert state.status == "granted" and [r.months for r in state.reviews] == [
        3,
        6,
        9,
        12,
        15,
        18,
        24,
    ]
    view = await eventually(
        lambda: case.query("case_view", result_type=CaseView),
        lambda v: v.arrangements[0].status == "granted",
    )
    shown = view.arrangements[0]
    assert shown.start_date == today and len(shown.review_dates) == 7
    assert not [t for t in view.open_tasks if t.kind == "arrangement_chase"]  # chases closed
    attrs = await eventually(
        lambda: search_attributes(case), lambda a: a.get("APAStatus") == "granted"
    )
    assert attrs.get("TPDActive") is None  # a managed payment is not a deduction
    await ts_env.sleep(timedelta(days=95))
    view = await case.query("case_view", result_type=CaseView)
    assert "arrangement_review" in [t.kind for t in view.open_tasks]
    journal = [j["text"] for j in await case.query("journal")]
    assert any("MPTL request" in t and "granted" in t for t in journal)


async def test_an_objection_in_the_window_stops_the_request(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, arrangement = await _case_with_request(
        ts_env, ts_worker, kind="tpd", deduction_rate=Decimal("10")
    )
    today = business_date(await ts_env.get_current_time())
    await arrangement.execute_update(
        "record_objection", {"by": "income-09", "objected_on": today.isoformat()}
    )
    assert await arrangement.result() == "objected"
    journal = [j["kind"] for j in await case.query("journal")]
    assert "arrangement_objected" in journal


async def test_a_managed_payment_meeting_no_condition_is_refused_naming_each(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    case = await ts_env.client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("50")),
        id=case_workflow_id(ref),
        task_queue=ts_worker,
    )
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await case.execute_update(
            "request_payment_arrangement", c.RequestPaymentArrangement(by="o", kind="mptl")
        )
    message = str(info.value.cause)
    assert "mptl: no condition for a managed payment is met" in message
    assert "arrears_two_months" in message and "tier_1_or_2_factor" in message


async def test_the_objection_window_and_chase_follow_the_case_policy(
    ts_env: WorkflowEnvironment,
    ts_worker: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"arrangement_objection_days": 7, "arrangement_chase_days": 10}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    _, arrangement = await _case_with_request(ts_env, ts_worker, kind="mptl")
    state = await _state(arrangement)
    assert state.submitted_on is not None
    assert state.objection_window_ends == state.submitted_on + timedelta(days=7)
    assert state.policy.chase_days == 10 and state.policy.escalate_days == 28


# --- the lifecycle around the request: packs, grants, endings, refusals, ids ----------


async def _open_case(
    env: WorkflowEnvironment,
    task_queue: str,
    factors: tuple[str, ...] = (),
    ref: str | None = None,
) -> tuple[str, WorkflowHandle]:
    """A fresh case with £1,200 of arrears; with factors, a current vulnerability
    assessment (an APA needs a Tier 1 or 2 factor)."""
    ref = ref or f"A-{uuid.uuid4().hex[:10]}"
    case = await env.client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("1200.00")),
        id=case_workflow_id(ref),
        task_queue=task_queue,
    )
    if factors:
        await case.execute_update(
            "record_vulnerability_assessment",
            c.RecordVulnerabilityAssessment(by="income-09", factors=factors),
        )  # type: ignore[arg-type]
    return ref, case


async def _status(handle: WorkflowHandle) -> str:
    try:
        return (await _state(handle)).status
    except Exception:
        return "not started"


async def _request(
    env: WorkflowEnvironment, case: WorkflowHandle, ref: str, number: int = 1, **request: object
) -> WorkflowHandle:
    """Request the case's `number`-th arrangement and wait until its child has
    submitted the form (a deduction's facts recorded first)."""
    if request.get("kind") == "tpd":
        await _record_deduction_facts(env, case)
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", **request)
    )  # type: ignore[arg-type]
    arrangement = env.client.get_workflow_handle(await arrangement_id(case, number))
    await eventually(lambda: _status(arrangement), lambda s: s == "submitted")
    return arrangement


async def _view(case: WorkflowHandle) -> CaseView:
    return await case.query("case_view", result_type=CaseView)


async def _journal_kinds(case: WorkflowHandle) -> list[str]:
    return [j["kind"] for j in await case.query("journal")]


async def _today(env: WorkflowEnvironment) -> str:
    return business_date(await env.get_current_time()).isoformat()


async def _grant(env: WorkflowEnvironment, arrangement: WorkflowHandle, **extra: object) -> None:
    """Past the objection window, DWP grants it from today."""
    await env.sleep(timedelta(days=15))
    await eventually(lambda: _status(arrangement), lambda s: s == "awaiting_outcome")
    today = await _today(env)
    await arrangement.execute_update(
        "record_outcome",
        {
            "by": "income-09",
            "decision": "granted",
            "decided_on": today,
            "start_date": today,
            **extra,
        },
    )


def _open_tasks(view: CaseView, kind: str) -> list[str]:
    return [t.task_id for t in view.open_tasks if t.kind == kind]


async def test_an_apa_managed_payment_submits_the_uc47_and_keeps_the_apa1_pack(
    ts_env: WorkflowEnvironment, ts_worker: str, shared: FileStore
) -> None:
    ref, case = await _open_case(ts_env, ts_worker, factors=("homeless",))
    arrangement = await _request(
        ts_env, case, ref, kind="apa", apa_type="managed_payment_to_landlord"
    )
    state = await _state(arrangement)
    view = await eventually(
        lambda: _view(case),
        lambda v: bool(v.arrangements) and v.arrangements[0].status == "submitted",
    )
    shown = view.arrangements[0]
    assert shown.apa_type == "managed_payment_to_landlord"
    assert shown.form_sha256 and shown.pack_sha256 and shown.form_sha256 != shown.pack_sha256
    assert (shown.form_sha256, shown.pack_sha256) == (state.form_sha256, state.pack_sha256)
    assert shown.form_path and shown.pack_path
    form, pack = Path(shown.form_path), Path(shown.pack_path)
    assert form.name.startswith("UC47") and pack.name.startswith("APA1")
    form_bytes = stored_bytes(shown.form_path, shared)
    assert hashlib.sha256(form_bytes).hexdigest() == shown.form_sha256
    pack_bytes = stored_bytes(shown.pack_path, shared)
    assert hashlib.sha256(pack_bytes).hexdigest() == shown.pack_sha256
    # Only the UC47 went to DWP.
    submission_id = f"{state.arrangement_id}-1"
    receipt = json.loads(shared.get(submission_id, "receipt.json") or b"")
    assert receipt["form"] == "UC47" and receipt["form_sha256"] == shown.form_sha256
    assert not [e for e in shared.entries(submission_id) if e.name.startswith("APA1")]
    journal = [j["text"] for j in await case.query("journal")]
    assert any(f"APA1 pack {shown.pack_sha256[:12]} kept" in t for t in journal)


async def test_a_granted_apa_is_reviewed_at_every_point_then_completes(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker, factors=("homeless",))
    arrangement = await _request(ts_env, case, ref, kind="apa")
    await _grant(ts_env, arrangement)
    state = await _state(arrangement)
    assert state.status == "granted" and len(state.reviews) == 7
    # Just before the 24-month review only the first six have come round.
    await ts_env.sleep(state.reviews[-1].on - state.reviews[0].on)
    await eventually(
        lambda: _journal_kinds(case), lambda j: j.count("arrangement_review") == 6, attempts=400
    )
    assert await _status(arrangement) == "granted"
    await ts_env.sleep(timedelta(days=95))
    assert await arrangement.result() == "granted"
    journal = await eventually(
        lambda: _journal_kinds(case), lambda j: j.count("arrangement_review") == 7
    )
    assert journal.count("arrangement_review") == 7
    view = await _view(case)
    assert len(_open_tasks(view, "arrangement_review")) == 7
    texts = [j["text"] for j in await case.query("journal") if j["kind"] == "arrangement_review"]
    assert [t.rsplit(": ", 1)[1] for t in texts] == [
        f"{m}-month review due" for m in (3, 6, 9, 12, 15, 18, 24)
    ]


async def test_a_granted_deduction_sets_tpd_active_until_it_is_ended(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker)
    arrangement = await _request(ts_env, case, ref, kind="tpd", deduction_rate=Decimal("10"))
    attrs = await eventually(
        lambda: search_attributes(case), lambda a: a.get("APAStatus") == "submitted"
    )
    assert attrs.get("TPDActive") is None
    await _grant(ts_env, arrangement, deduction_rate="12.5")
    # A deduction has no reviews: the child is done once it is granted.
    assert await arrangement.result() == "granted"
    await eventually(lambda: search_attributes(case), lambda a: a.get("TPDActive") is True)
    view = await _view(case)
    assert view.arrangements[0].granted_rate == Decimal("12.5")
    await case.execute_update(
        "end_payment_arrangement",
        {
            "by": "income-09",
            "arrangement_id": arrangement.id,
            "ended_on": await _today(ts_env),
            "reason": "arrears_cleared",
        },
    )
    attrs = await eventually(
        lambda: search_attributes(case), lambda a: a.get("APAStatus") == "ended"
    )
    assert attrs.get("TPDActive") is not True
    shown = (await _view(case)).arrangements[0]
    assert shown.status == "ended" and shown.ended_reason == "arrears cleared"
    assert not shown.active


async def test_withdrawing_a_submitted_request_stops_its_child_and_its_chase(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker)
    arrangement = await _request(ts_env, case, ref, kind="mptl")
    await case.execute_update(
        "end_payment_arrangement",
        {
            "by": "income-09",
            "arrangement_id": arrangement.id,
            "ended_on": await _today(ts_env),
            "reason": "withdrawn_by_landlord",
        },
    )
    assert await arrangement.result() == "withdrawn"
    # Past the objection window (14 days) and the chase (14) and escalation (28).
    await ts_env.sleep(timedelta(days=30))
    view = await _view(case)
    assert view.arrangements[0].status == "withdrawn"
    assert not _open_tasks(view, "arrangement_chase") and not _open_tasks(
        view, "arrangement_follow_up"
    )
    kinds = await _journal_kinds(case)
    assert not {"arrangement_chase", "arrangement_overdue", "arrangement_awaiting"} & set(kinds)
    assert not view.escalated


async def test_a_death_ends_a_granted_apa_and_its_reviews(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker, factors=("homeless",))
    arrangement = await _request(ts_env, case, ref, kind="apa")
    await _grant(ts_env, arrangement)
    # In reviews: the 3-month one has come round.
    await ts_env.sleep(timedelta(days=95))
    await eventually(lambda: _journal_kinds(case), lambda j: "arrangement_review" in j)
    await case.execute_update(
        "record_death",
        {"by": "income-09", "date_of_death": await _today(ts_env), "informant": "daughter"},
    )
    assert await arrangement.result() == "ended"
    state = await _state(arrangement)
    assert [r.reminded for r in state.reviews].count(True) == 1
    # Past every later review date.
    await ts_env.sleep(timedelta(days=740))
    view = await _view(case)
    assert not _open_tasks(view, "arrangement_review")
    assert [t.kind for t in view.open_tasks] == ["bereavement_handling"]
    assert (await _journal_kinds(case)).count("arrangement_review") == 1
    shown = view.arrangements[0]
    assert shown.status == "ended" and shown.ended_reason == "the resident died"


async def test_a_refused_submission_fails_the_request_and_escalates_the_case(
    ts_env: WorkflowEnvironment, ts_worker: str, shared: FileStore
) -> None:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    _, case = await _open_case(ts_env, ts_worker, ref=ref)
    # Keyed by the arrangement's id, which is the case's own.
    submission_id = f"{child_ids.arrangement_id(ref, case.first_execution_run_id, 1)}-1"
    # Someone else's submission already holds this id in the outbox.
    shared.put(
        "outbox",
        submission_id,
        "receipt.json",
        _receipt_json(
            Submission(
                submission_id=submission_id,
                case_id="someone-else",
                form="UC47",
                form_sha256="0" * 64,
                submitted_at=datetime(2026, 1, 5, tzinfo=UTC),
                channel=FileOutbox.CHANNEL,
                reference="OUTBOX-000000000000",
                created=True,
            )
        ),
        Subject("uc", ref),
    )
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", kind="mptl")
    )  # type: ignore[arg-type]
    arrangement = ts_env.client.get_workflow_handle(submission_id.removesuffix("-1"))
    await eventually(lambda: _status(arrangement), lambda s: s != "not started")
    assert await arrangement.result() == "failed"
    view = await eventually(lambda: _view(case), lambda v: v.arrangements[0].status == "failed")
    [task] = [t for t in view.open_tasks if t.kind == "arrangement_follow_up"]
    assert task.escalated_at is not None and view.escalated
    assert "already used for another submission" in task.note
    attrs = await eventually(lambda: search_attributes(case), lambda a: a.get("Escalated") is True)
    assert attrs.get("APAStatus") == "failed"
    assert "arrangement_failed" in await _journal_kinds(case)
    state = await _state(arrangement)
    assert state.submission_reference is None and state.form_sha256 is None


async def test_a_second_case_of_a_tenancy_starts_its_arrangement_under_its_own_id(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    _, first = await _open_case(ts_env, ts_worker, ref=ref)
    earlier = await _request(ts_env, first, ref, kind="mptl")
    # The first case of the tenancy ends; its case id is started again. (Idle first:
    # the time-skipping clock stalls on a workflow ended with an activity in flight.)
    for handle in (earlier, first):
        await settled_history_length(handle)
        await handle.terminate("the first case ended")
    _, second = await _open_case(ts_env, ts_worker, ref=ref)
    arrangement = await _request(ts_env, second, ref, kind="mptl")
    # Its own id, straight away: no renumbering past the earlier case's.
    assert arrangement.id != earlier.id
    assert arrangement.id == child_ids.arrangement_id(ref, second.first_execution_run_id, 1)
    [shown] = (await _view(second)).arrangements
    assert shown.arrangement_id == arrangement.id and shown.status == "submitted"
    journal = await second.query("journal")
    assert not [j for j in journal if j["outcome"] in ("renumbered", "not_started", "refused")]


async def test_a_request_whose_id_is_taken_is_recorded_withdrawn_and_escalated(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    _, case = await _open_case(ts_env, ts_worker, ref=ref)
    taken = child_ids.arrangement_id(ref, case.first_execution_run_id, 1)
    # Another workflow already used the id and is closed (a case started under the
    # wrong id fails at once); a closed id is never reused.
    squatter = await ts_env.client.start_workflow(
        "UCCase", opening(ref), id=taken, task_queue=ts_worker
    )
    with pytest.raises(WorkflowFailureError):
        await squatter.result()
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", kind="mptl")
    )
    view = await eventually(lambda: _view(case), lambda v: v.arrangements[0].status != "requested")
    [shown] = view.arrangements
    assert shown.arrangement_id == taken and shown.status == "withdrawn"
    [task] = [t for t in view.open_tasks if t.kind == "arrangement_follow_up"]
    assert task.escalated_at is not None and view.escalated and taken in task.note
    journal = await case.query("journal")
    [refused] = [j for j in journal if j["outcome"] == "not_started"]
    assert refused["kind"] == "payment_arrangement" and taken in refused["text"]
    assert "already taken" in refused["text"]
    assert not [j for j in journal if j["outcome"] == "renumbered"]
    # The other workflow is untouched (no stop was sent to it), and the next request
    # takes the next number of this case.
    assert (await squatter.describe()).status == WorkflowExecutionStatus.FAILED
    arrangement = await _request(ts_env, case, ref, number=2, kind="mptl")
    assert arrangement.id == child_ids.arrangement_id(ref, case.first_execution_run_id, 2)


WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}
BAD_OUTCOMES: list[tuple[dict[str, object], str]] = [
    ({"decision": "maybe"}, "decision"),
    ({"decision": "granted", "deduction_rate": "10"}, "start_date"),
    ({"decision": "granted", "start_date": "TODAY", "deduction_rate": "25"}, "deduction_rate"),
    ({"decision": "granted", "start_date": "TODAY"}, "deduction_rate"),
    ({"decision": "refused", "decided_on": "2999-01-01"}, "decided_on"),
]


async def test_a_bad_outcome_or_objection_is_refused_naming_the_field_before_history(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker)
    arrangement = await _request(ts_env, case, ref, kind="tpd", deduction_rate=Decimal("10"))
    await ts_env.sleep(timedelta(days=15))
    await eventually(lambda: _status(arrangement), lambda s: s == "awaiting_outcome")
    today = await _today(ts_env)
    length = await settled_history_length(arrangement)
    attempts: list[tuple[str, dict[str, object], str]] = [
        ("record_objection", {"by": "income-09", "objected_on": today}, "objected_on"),
        ("record_objection", {"by": "income-09"}, "objected_on"),
    ]
    for fields, field in BAD_OUTCOMES:
        payload = {"by": "income-09", "decided_on": today, **fields}
        if payload.get("start_date") == "TODAY":
            payload["start_date"] = today
        attempts.append(("record_outcome", payload, field))
    for name, payload, field in attempts:
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await arrangement.execute_update(name, payload)
        cause = info.value.cause
        assert isinstance(cause, ApplicationError), (name, payload)
        assert cause.type in ("InvalidCommand", "DomainError")
        assert cause.message.startswith(f"{field}: "), cause.message
        assert cause.details[0]["field"] == field
    assert await accepted_updates(arrangement) == 0
    # Nothing reached history but the workflow tasks that ran the validators: the
    # test server records those, where a real server drops a rejected update's task.
    await settled_history_length(arrangement)
    added = (await arrangement.fetch_history()).events[length:]
    assert {e.event_type for e in added} <= WORKFLOW_TASK_EVENTS, added
    state = await _state(arrangement)
    assert state.status == "awaiting_outcome" and state.decision is None
    # A good one is still taken afterwards.
    await arrangement.execute_update(
        "record_outcome",
        {"by": "income-09", "decision": "refused", "decided_on": today},
    )
    assert await arrangement.result() == "refused"


async def test_an_outcome_with_an_unknown_field_is_refused_naming_it(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker)
    arrangement = await _request(ts_env, case, ref, kind="mptl")
    today = await _today(ts_env)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await arrangement.execute_update(
            "record_outcome",
            {"by": "income-09", "decision": "refused", "decided_on": today, "colour": "red"},
        )
    assert isinstance(info.value.cause, ApplicationError)
    assert info.value.cause.message.startswith("colour: ")


async def _answers(case: WorkflowHandle) -> bool:
    try:
        await case.query("case_view", result_type=CaseView)
    except WorkflowQueryFailedError:
        return False
    return True


async def test_a_landlord_detail_changed_after_a_case_opened_reaches_its_next_uc47(
    ts_env: WorkflowEnvironment,
    ts_worker: str,
    shared: FileStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    landlord = {
        "name": "Ridings Homes",
        "reference": "RH-0042",
        "account_name": "Ridings Homes Rents",
        "sort_code": "11-22-33",
        "account_number": "11111111",
    }
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"landlord": landlord}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    ref, case = await _open_case(ts_env, ts_worker)
    await eventually(lambda: _answers(case), bool)  # open, its policy read
    # The landlord moves its rent account while the case is open.
    moved = landlord | {"name": "Ridings Homes Ltd", "account_number": "22222222"}
    policy.write_text(json.dumps({"landlord": moved}))
    arrangement = await _request(ts_env, case, ref, kind="mptl")
    state = await _state(arrangement)
    assert state.form_sha256
    pdf = FormStore(shared).read(state.form_sha256).content
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Ridings Homes Ltd" in text and "22222222" in text and "11111111" not in text
    [owner] = {e.owner for e in shared.find("form", state.form_sha256)}
    stem = f"UC47-{state.form_sha256[:16]}"
    printed = json.loads(shared.get(owner, f"{stem}.json") or b"")["landlord"]
    assert printed == {
        "name": "Ridings Homes Ltd",
        "reference": "RH-0042",
        # The office's contact: the demo's here (the test session runs as the demo).
        "contact": {"phone": "0113 496 0000", "email": "rents@example.org"},
        "payment": {
            "account_name": "Ridings Homes Rents",
            "sort_code": "11-22-33",
            "account_number": "22222222",
        },
    }
    # What went to DWP names the same account as the form.
    sent = shared.get(f"{state.arrangement_id}-1", "payload.json") or b""
    assert json.loads(sent)["landlord"] == printed


# --- a rent arrears deduction by law and guidance (docs/rules.md#third-party-deductions) ---


async def _refusal(case: WorkflowHandle, request: c.RequestPaymentArrangement) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await case.execute_update("request_payment_arrangement", request)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "DomainError"
    return cause


async def test_a_deduction_missing_a_legal_condition_is_refused_to_the_client(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker)
    tpd = c.RequestPaymentArrangement(by="income-09", kind="tpd", deduction_rate=Decimal("10"))
    # Nothing recorded: not recorded, never taken as met.
    cause = await _refusal(case, tpd)
    assert cause.details[0]["field"] == "housing_costs_element"
    assert cause.message.startswith("housing_costs_element: not recorded")
    # Recorded, but the resident has moved out.
    await _record_deduction_facts(ts_env, case, still_in_occupation=False)
    cause = await _refusal(case, tpd)
    assert cause.details[0]["field"] == "still_in_occupation"
    assert "paragraph 7" in cause.message
    # Earnings above a nil work allowance in the AP before.
    await _record_deduction_facts(ts_env, case, earned_income="25.00")
    cause = await _refusal(case, tpd)
    assert cause.details[0]["field"] == "earned_income"
    # Every refusal was a rejected update: nothing reached the case.
    # (4 updates recording the facts, each accepted and completed: nothing else).
    assert await accepted_updates(case) == 8
    view = await _view(case)
    assert view.arrangements == () and view.award_statements[-1].earned_income == Decimal("25.00")


async def test_three_aps_at_the_work_allowance_stop_a_granted_deduction(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref, case = await _open_case(ts_env, ts_worker)
    arrangement = await _request(ts_env, case, ref, kind="tpd", deduction_rate=Decimal("10"))
    await _grant(ts_env, arrangement, deduction_rate="10")
    assert await arrangement.result() == "granted"
    await eventually(lambda: search_attributes(case), lambda a: a.get("TPDActive") is True)
    view = await _view(case)
    assert view.claim is not None
    first = view.claim.first_ap_start
    # The 3 APs after the one the request's earnings test read (the claim's second).
    await ts_env.sleep(timedelta(days=100))
    starts = [ap_start(first, n) for n in (2, 3, 4)]
    for n, start in enumerate(starts):
        # No work allowance (no child, no LCW): any earnings reach it.
        award = c.RecordAwardStatement(
            by="income-09", ap_start=start, housing_costs_element=True, earned_income=Decimal("350")
        )
        await case.execute_update("record_award_statement", award)
        if n < 2:  # 2 APs are not enough
            assert (await _view(case)).arrangements[0].status == "granted"
    view = await eventually(lambda: _view(case), lambda v: v.arrangements[0].status == "ended")
    shown = view.arrangements[0]
    assert shown.ended_reason is not None and shown.ended_reason.startswith("earnings_3_aps: ")
    assert not shown.active
    [task] = _open_tasks(view, "arrangement_follow_up")
    assert any(t.subject == arrangement.id for t in view.open_tasks if t.task_id == task)
    journal = [j["text"] for j in await case.query("journal")]
    assert any(f"{arrangement.id} ended" in t and "earnings_3_aps" in t for t in journal)
    attrs = await eventually(
        lambda: search_attributes(case), lambda a: a.get("APAStatus") == "ended"
    )
    assert attrs.get("TPDActive") is not True
    # The request took the patch that keeps older requests replaying as they ran
    # (docs/patches.md), and the case replays on today's code.
    history = await case.fetch_history()
    patches = [
        p.data
        for e in history.events
        if e.marker_recorded_event_attributes.marker_name == "core_patch"
        for p in e.marker_recorded_event_attributes.details["patch-data"].payloads
    ]
    assert any(b'"tpd-legal-conditions"' in data for data in patches), patches
    replayer = Replayer(workflows=WORKFLOWS, data_converter=ts_env.client.data_converter)
    assert (await replayer.replay_workflow(history)).replay_failure is None
