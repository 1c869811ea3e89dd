"""Every command refuses bad input before history, naming the field and the rule."""

import uuid
from typing import Any

import pytest
from pydantic_core import to_jsonable_python
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.case.commands import COMMANDS
from domain.case.view import CaseView
from tests.factories import opening
from tests.helpers import accepted_updates, settled_history_length
from workflows.uc_case import UCCase, case_workflow_id

BY = {"by": "officer-1"}
BAD: list[tuple[str, dict[str, Any], str]] = [
    (
        "record_claim_status",
        {
            **BY,
            "claim_stage": "paid",
            "first_ap_start": "2026-01-01",
            "housing_element": "1",
            "conditionality_regime": "work_preparation",
        },
        "claim_stage",
    ),
    (
        "record_rent_movement",
        {**BY, "kind": "payment", "amount": "-5", "on": "2026-01-01"},
        "amount",
    ),
    ("record_vulnerability_assessment", {**BY, "factors": ["tall"]}, "factors"),
    ("add_journal_note", {**BY, "text": ""}, "text"),
    ("move_stage", {**BY, "stage": "closed", "reason": "x"}, "stage"),
    ("close_case", {**BY, "outcome": "went_away"}, "outcome"),
    ("reopen_case", {**BY, "reason": "x"}, "case"),
    ("record_safeguarding_declaration", {**BY, "kind": "sad"}, "kind"),
    ("complete_plan_step", {**BY, "step": "listen_and_acknowledge"}, "step"),
    ("record_death", {**BY, "date_of_death": "2999-01-01", "informant": "son"}, "date_of_death"),
    ("request_call_back", {**BY, "due_at": "2027-01-01T10:00:00", "reason": "x"}, "due_at"),
    ("record_returned_post", {**BY}, "item"),
    ("record_complaint", {**BY, "summary": ""}, "summary"),
    ("record_representative", {**BY, "kind": "friend", "name": "x", "contact": "y"}, "kind"),
    (
        "verify_representative",
        {**BY, "evidence": "passport", "verified_on": "2026-01-01"},
        "evidence",
    ),
    ("record_change_of_circumstances", {"description": "moved in"}, "by"),
    ("record_incoming_message", {**BY, "channel": "fax", "summary": "x"}, "channel"),
    ("complete_task", {**BY, "task_id": "task-99", "outcome": "x"}, "task_id"),
    ("record_enforcement_step", {**BY, "step": "possession_claim"}, "vulnerability"),
    ("add_journal_note", {**BY, "text": "x", "colour": "red"}, "colour"),
    (
        "request_payment_arrangement",
        {**BY, "kind": "tpd", "deduction_rate": "25"},
        "deduction_rate",
    ),
    (
        "end_payment_arrangement",
        {
            **BY,
            "arrangement_id": "uc-apa-X-1",
            "ended_on": "2026-01-01",
            "reason": "arrears_cleared",
        },
        "arrangement_id",
    ),
    ("record_uc50_issued", {**BY, "issued_on": "2999-01-01"}, "issued_on"),
    (
        "record_award_statement",
        {**BY, "ap_start": "2026-01-01", "housing_costs_element": True, "earned_income": "-1"},
        "earned_income",
    ),
    ("start_sustainment_action", {**BY, "kind": "holiday"}, "kind"),
    (
        "update_sustainment_action",
        {**BY, "action_id": "action-9", "status": "completed"},
        "action_id",
    ),
    (
        "agree_arrears_plan",
        {**BY, "target_balance": "9999", "by_date": "2030-01-01"},
        "target_balance",
    ),
    (
        "record_migration_notice",
        {**BY, "notice_issued": "2026-01-05", "deadline_day": "2026-02-05"},
        "deadline_day",
    ),
]


def test_every_command_has_a_bad_input_case() -> None:
    assert {name for name, _, _ in BAD} == set(COMMANDS)


@pytest.mark.parametrize(("name", "payload", "field"), BAD, ids=[f"{n}-{f}" for n, _, f in BAD])
async def test_bad_command_is_refused_naming_the_field_and_changes_nothing(
    client: Client, ts_worker: str, name: str, payload: dict[str, Any], field: str
) -> None:
    ref = f"B-{uuid.uuid4().hex[:10]}"
    handle = await client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=ts_worker
    )
    await settled_history_length(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await handle.execute_update(name, payload)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type in ("InvalidCommand", "DomainError")
    assert cause.message.startswith(f"{field}: "), cause.message
    assert cause.details[0]["field"] == field
    assert await accepted_updates(handle) == 0
    assert (await handle.query("case_view", result_type=CaseView)).version == 1


async def test_a_malformed_opening_fails_the_case_at_once_naming_the_field(
    client: Client, ts_worker: str
) -> None:
    raw = {
        "tenancy_ref": "B-bad-open",
        "opening_reason": "arrears_trigger",
        "opened_by": "o",
        "resident": {"full_name": "X", "ni_number": "12"},
        "tenancy": {"address": "1 Row", "start_date": "2020-01-01"},
        "rent": {"amount": "90"},
    }
    handle = await client.start_workflow(
        "UCCase", raw, id="uc-case-B-bad-open", task_queue=ts_worker
    )
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidCommand"
    assert cause.message.startswith("resident.ni_number: ")


async def test_state_cannot_be_forged_into_a_new_case(client: Client, ts_worker: str) -> None:
    raw = to_jsonable_python(opening("B-forged"))
    raw["unprojected"] = [
        {
            "seq": 9,
            "type": "CaseClosed",
            "at": "2026-01-01T00:00:00Z",
            "author": "x",
            "journal_kind": "x",
            "journal_outcome": "x",
            "journal_text": "x",
            "data": {},
        }
    ]
    handle = await client.start_workflow("UCCase", raw, id="uc-case-B-forged", task_queue=ts_worker)
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert isinstance(info.value.cause, ApplicationError)
    assert info.value.cause.message.startswith("carried: ")


async def test_a_case_must_run_under_its_tenancy_workflow_id(
    client: Client, ts_worker: str
) -> None:
    handle = await client.start_workflow(
        "UCCase", opening("B-right"), id="uc-case-B-wrong", task_queue=ts_worker
    )
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert isinstance(info.value.cause, ApplicationError)
    assert info.value.cause.message == "tenancy_ref: the workflow id must be uc-case-B-right"
